"""Commands from the configured chats, by long-polling getUpdates.

`/status`, `/alerts`, `/ack ID`, `/mode`, and `/set DEVICE.SETTING VALUE`, which changes nothing until the
same chat answers `/confirm CODE` (a one-time code, valid for `confirm_minutes`); the change then goes
through the daemon's SafeWriter with source `telegram:<chat id>`, so the budget and the audit are one.
Messages from any other chat are refused and logged.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Awaitable, Callable, Mapping

from solarctl.api.server import ApiError, Caller, Op
from solarctl.clock import Clock
from solarctl.control.safe_write import SafeWriter
from solarctl.control.setting_text import setting_value
from solarctl.telegram.bot_api import BotApi, BotApiError
from solarctl.telegram.config import TelegramConfig

log = logging.getLogger("solarctl.telegram")

HELP = ("/status — devices now; /alerts — open alerts; /ack ID — acknowledge one; /mode — control mode; "
        "/set DEVICE.SETTING VALUE — change a setting (asks for /confirm CODE)")
TELEGRAM_CALLER = Caller(pid=0, uid=-1)  # the control API ops want a caller; the chat is in the source instead


@dataclass(frozen=True)
class PendingChange:
    chat_id: int
    device: str
    setting: str
    text: str
    expires: float


class CommandBot:
    def __init__(self, api: BotApi, config: TelegramConfig, clock: Clock, writer: SafeWriter,
                 ops: Mapping[str, Op], texts: Mapping[str, Callable[[], str]]) -> None:
        self.api = api
        self.config = config
        self.clock = clock
        self.writer = writer
        self.ops = ops  # the control API's ops (alerts, ack)
        self.texts = texts  # "status", "mode" -> the text to answer
        self.offset: int | None = None
        self.pending: dict[str, PendingChange] = {}  # one-time code -> change waiting for /confirm

    async def run(self) -> None:
        while True:
            try:
                updates = await self.api.updates(self.offset, self.config.poll_timeout)
            except BotApiError as error:
                log.warning("telegram: %s", error)
                await self.clock.sleep(5.0)
                continue
            for update in updates:
                self.offset = update["update_id"] + 1
                message = update.get("message") or {}
                chat_id, text = message.get("chat", {}).get("id"), message.get("text")
                if isinstance(chat_id, int) and isinstance(text, str):
                    await self.handle(chat_id, text.strip())

    async def handle(self, chat_id: int, text: str) -> None:
        if chat_id not in self.config.chat_ids:
            log.warning("telegram: refused %r from chat %s, which is not in [telegram] chat_ids", text[:80], chat_id)
            await self._answer(chat_id, "This chat may not control solarctl; its id is not in [telegram] chat_ids.")
            return
        command, _, rest = text.partition(" ")
        handler = self._commands().get(command.split("@", 1)[0])
        try:
            answer = await handler(chat_id, rest.split()) if handler else HELP
        except ApiError as error:
            answer = str(error)
        await self._answer(chat_id, answer)

    def _commands(self) -> dict[str, Callable[[int, list[str]], Awaitable[str]]]:
        return {"/status": self._status, "/mode": self._mode, "/alerts": self._alerts, "/ack": self._ack,
                "/set": self._set, "/confirm": self._confirm}

    async def _status(self, chat_id: int, args: list[str]) -> str:
        return self.texts["status"]()

    async def _mode(self, chat_id: int, args: list[str]) -> str:
        return self.texts["mode"]()

    async def _alerts(self, chat_id: int, args: list[str]) -> str:
        found = (await self._op("alerts", {"active": True}))["alerts"]
        lines = [f"{a['id']}: {a['severity']} {a['message']} ({a['state']})" for a in found]
        return "\n".join(lines) or "No open alerts."

    async def _ack(self, chat_id: int, args: list[str]) -> str:
        if len(args) != 1 or not args[0].isdigit():
            return "Say which alert: /ack ID (the number /alerts shows)."
        alert = (await self._op("ack", {"id": int(args[0])}))["alert"]
        log.info("telegram: chat %s acknowledged alert %s", chat_id, alert["id"])
        return f"Alert {alert['id']} acknowledged: {alert['message']}"

    async def _op(self, name: str, request: dict) -> dict:
        op = self.ops.get(name)
        if op is None:
            raise ApiError(f"this daemon has no {name} (no alert manager in this version)")
        return await op({"op": name, **request}, TELEGRAM_CALLER)

    async def _set(self, chat_id: int, args: list[str]) -> str:
        device, dot, setting = args[0].partition(".") if len(args) == 2 else ("", "", "")
        if not (device and dot and setting):
            return "Write it as /set DEVICE.SETTING VALUE, e.g. /set xw.load_shave Disable."
        now = self.clock.time()
        self.pending = {c: p for c, p in self.pending.items() if p.expires > now}
        code = f"{secrets.randbelow(1_000_000):06d}"
        self.pending[code] = PendingChange(chat_id, device, setting, args[1], now + 60 * self.config.confirm_minutes)
        return (f"To set {device}.{setting} to {args[1]}, answer /confirm {code} within "
                f"{self.config.confirm_minutes:g} min.")

    async def _confirm(self, chat_id: int, args: list[str]) -> str:
        change = self.pending.pop(args[0], None) if len(args) == 1 else None
        if change is None or change.chat_id != chat_id or change.expires <= self.clock.time():
            return "No change waits for that code (wrong, used or expired); send the /set again."
        device = self.writer.site.devices.get(change.device)
        reg = device.setting(change.setting) if device is not None else None
        value = setting_value(reg, change.text) if reg is not None else change.text  # unknown: the writer says so
        outcome = await self.writer.write(change.device, change.setting, value, source=f"telegram:{chat_id}")
        log.info("telegram: chat %s set %s.%s = %r: %s", chat_id, change.device, change.setting, change.text,
                 outcome.describe())
        return outcome.describe()

    async def _answer(self, chat_id: int, text: str) -> None:
        try:
            await self.api.send(chat_id, text)
        except BotApiError as error:
            log.warning("telegram: could not answer chat %s: %s", chat_id, error)
