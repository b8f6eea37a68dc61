"""The few Bot API calls solarctl makes (sendMessage, getUpdates), with retries and Telegram's rate limits.

Telegram allows about one message a second per chat and 20 a minute per group (a negative chat id);
`ChatPacer` waits so neither is exceeded. A 429 answer says how long to wait (`retry_after`); that and
network errors or 5xx answers are retried a few times with a growing pause; other answers are final.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import defaultdict, deque
from typing import Any

import httpx

from solarctl.clock import Clock

log = logging.getLogger("solarctl.telegram")

PER_CHAT_GAP = 1.0  # s between messages to one chat
GROUP_WINDOW, GROUP_LIMIT = 60.0, 20  # messages per window to one group


class BotApiError(Exception):
    """A call that did not get through; one sentence."""


class ChatPacer:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._last: dict[int, float] = {}
        self._group_sent: dict[int, deque[float]] = defaultdict(deque)

    async def wait(self, chat_id: int) -> None:
        now = self.clock.time()
        due = self._last.get(chat_id, -PER_CHAT_GAP) + PER_CHAT_GAP
        sent = self._group_sent[chat_id]
        while sent and sent[0] <= now - GROUP_WINDOW:
            sent.popleft()
        if chat_id < 0 and len(sent) >= GROUP_LIMIT:
            due = max(due, sent[0] + GROUP_WINDOW)
        if due > now:
            await self.clock.sleep(due - now)
        self._last[chat_id] = self.clock.time()
        if chat_id < 0:
            sent.append(self._last[chat_id])


class BotApi:
    def __init__(self, base_url: str, token: str, clock: Clock, *, timeout: float = 10.0, attempts: int = 4,
                 pause: float = 1.0) -> None:
        self.url = f"{base_url.rstrip('/')}/bot{token}/"
        self.clock = clock
        self.timeout = timeout
        self.attempts = attempts
        self.pause = pause  # first pause between attempts; doubled each time
        self.pacer = ChatPacer(clock)
        self._client = httpx.AsyncClient()
        logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines carry the URL, and so the token

    async def send(self, chat_id: int, text: str) -> None:
        await self.pacer.wait(chat_id)
        await self.call("sendMessage", {"chat_id": chat_id, "text": text})

    async def updates(self, offset: int | None, wait: int) -> list[dict]:
        """New messages (long poll up to `wait` s); `offset` confirms those before it."""
        params: dict[str, Any] = {"timeout": wait, "allowed_updates": ["message"]}
        if offset is not None:
            params["offset"] = offset
        return await self.call("getUpdates", params, timeout=self.timeout + wait)  # Telegram holds it up to `wait` s

    async def call(self, method: str, params: dict, timeout: float | None = None) -> Any:  # type: ignore[return]
        pause = self.pause
        for attempt in itertools.count(1):
            try:
                limit = timeout or self.timeout
                async with asyncio.timeout(limit):
                    # httpx's own read timeout (5 s by default) must not end a long poll Telegram holds for longer
                    answer = await self._client.post(self.url + method, json=params, timeout=limit)
                body = answer.json()
                if not isinstance(body, dict):
                    raise ValueError(f"the answer is JSON but not an object ({type(body).__name__})")
            except (httpx.HTTPError, TimeoutError, ValueError) as error:
                problem, wait = f"{method} failed ({type(error).__name__}: {error})", pause
            else:
                if body.get("ok"):
                    return body.get("result")
                problem = f"{method} was refused ({answer.status_code}: {body.get('description', '')})"
                if answer.status_code != 429 and answer.status_code < 500:
                    raise BotApiError(problem)
                wait = max(pause, _retry_after(body))
            if attempt == self.attempts:
                raise BotApiError(f"{problem}; gave up after {attempt} attempts")
            log.info("telegram: %s; retrying in %g s", problem, wait)
            await self.clock.sleep(wait)
            pause *= 2

    async def close(self) -> None:
        await self._client.aclose()


def _retry_after(body: dict) -> float:
    """The pause a 429 asks for (0 when the answer has none that makes sense)."""
    parameters = body.get("parameters")
    value = parameters.get("retry_after") if isinstance(parameters, dict) else None
    return min(float(value), 3600.0) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else 0.0
