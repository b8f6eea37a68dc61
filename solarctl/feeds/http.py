"""One JSON request to a service, its failures as one sentence: refused credentials (401/403), a rate limit
(429, with the wait its Retry-After asks for), a server error, no answer in time, or an answer that is not JSON."""

from __future__ import annotations

import asyncio
import email.utils
import json
from typing import Any

import httpx

TIMEOUT_S = 20.0
MAX_BODY = 2_000_000  # bytes: a day-ahead answer is a few kB


class FeedError(Exception):
    """A failed fetch; `retry_after` (s) when the service said how long to wait, `auth` when it refused the key."""

    def __init__(self, message: str, *, retry_after: float | None = None, auth: bool = False) -> None:
        super().__init__(message)
        self.retry_after, self.auth = retry_after, auth


def retry_after_s(value: str | None, now: float) -> float | None:
    """Retry-After as seconds (RFC 9110: delay-seconds or an HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


async def fetch_json(client: httpx.AsyncClient, service: str, method: str, url: str, *, now: float,
                     timeout_s: float = TIMEOUT_S, **kwargs: Any) -> Any:
    try:
        async with asyncio.timeout(timeout_s):
            response = await client.request(method, url, **kwargs)
    except TimeoutError:
        raise FeedError(f"{service}: no answer within {timeout_s:g} s") from None
    except httpx.HTTPError as exc:
        raise FeedError(f"{service}: {type(exc).__name__}: {exc}") from None
    status = response.status_code
    if status in (401, 403):
        raise FeedError(f"{service} refused the credentials (HTTP {status}); check the token or API key",
                        auth=True)
    if status == 429:
        wait = retry_after_s(response.headers.get("retry-after"), now)
        raise FeedError(f"{service} rate limit (HTTP 429)" + (f"; asked to wait {wait:.0f} s" if wait is not None else ""),
                        retry_after=wait)
    if status >= 400:
        raise FeedError(f"{service} answered HTTP {status}: {response.text[:200]!r}")
    if len(response.content) > MAX_BODY:
        raise FeedError(f"{service} answered {len(response.content)} bytes, more than a price list can be")
    try:
        return json.loads(response.content)
    except ValueError:
        raise FeedError(f"{service} answered something that is not JSON: {response.text[:100]!r}") from None
