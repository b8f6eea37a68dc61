"""Commands from the configured chats, by long-polling getUpdates.

`/status`, `/alerts`, `/ack ID`, `/mode`, and `/set DEVICE.SETTING VALUE`, which changes nothing until the
same chat answers `/confirm CODE` (a one-time code of that chat, valid for `confirm_minutes`); the change then
goes through the daemon's SafeWriter with source `telegram:<chat id>`, so the budget and the audit are one.
A `/set` the writer would refuse (no such device or setting, a value it does not take) gets its reason at
once, is audited as refused, and asks for no confirmation. Messages from any other chat are refused and
logged. Updates are read defensively: whatever JSON the server sends, the bot answers or skips it, never
stops.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from typing import Awaitable, Callable, Mapping

from solarctl.api.server import ApiError, Caller, Op
from solarctl.clock import Clock
from solarctl.control.setting_text import setting_value
from solarctl.facade import Facade
from solarctl.sample import Value
from solarctl.telegram.bot_api import BotApi, BotApiError
from solarctl.telegram.config import TelegramConfig

log = logging.getLogger("solarctl.telegram")

HELP = ("/status — devices now; /alerts — open alerts; /ack ID — acknowledge one; /mode — control mode; "
        "/set DEVICE.SETTING VALUE — change a setting (asks for /confirm CODE)")
TELEGRAM_CALLER = Caller(pid=0, uid=-1)  # the control API ops want a caller; the chat is in the source instead
MAX_TEXT = 4096  # characters Telegram takes in one message
NUMBER = re.compile(r"[0-9]{1,12}")  # ASCII digits only: str.isdigit() takes "²", which int() refuses


@dataclass(frozen=True)
class PendingChange:
    chat_id: int
    device: str
    setting: str
    text: str
    expires: float


class CommandBot:
    def __init__(self, api: BotApi, config: TelegramConfig, clock: Clock, daemon: Facade,
                 ops: Mapping[str, Op], texts: Mapping[str, Callable[[], str]]) -> None:
        self.api = api
        self.config = config
        self.clock = clock
        self.daemon = daemon  # the daemon's facade: its SafeWriter's write, refusal and refuse, its settings
        self.ops = ops  # the control API's ops (alerts, ack)
        self.texts = texts  # "status", "mode" -> the text to answer
        self.offset: int | None = None
        self.pending: dict[tuple[int, str], PendingChange] = {}  # (chat, one-time code) -> change waiting for /confirm

    async def run(self) -> None:
        while True:
            try:
                updates = await self.api.updates(self.offset, self.config.poll_timeout)
            except BotApiError as error:
                log.warning("telegram: %s", error)
                await self.clock.sleep(5.0)
                continue
            for update in updates if isinstance(updates, list) else ():
                await self.take(update)

    async def take(self, update: object) -> None:
        """One update as the server sent it: confirmed (offset past it) and, if it is a text message, handled."""
        if not isinstance(update, dict):
            return
        update_id = update.get("update_id")
        if _integer(update_id):
            self.offset = max(self.offset or 0, update_id + 1)
        message = update.get("message")
        chat = message.get("chat") if isinstance(message, dict) else None
        chat_id = chat.get("id") if isinstance(chat, dict) else None
        text = message.get("text") if isinstance(message, dict) else None
        if _integer(chat_id) and isinstance(text, str):
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
        if len(args) != 1 or not NUMBER.fullmatch(args[0]):
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
        text, source = args[1], f"telegram:{chat_id}"
        reason = self.daemon.refusal(device, setting, self._value(device, setting, text))
        if reason is not None:  # a typo: answered now and audited, no code to confirm (and no alert to everyone)
            self.daemon.refuse(device, setting, text, reason, source=source)
            log.info("telegram: chat %s asked to set %s.%s = %r: refused: %s", chat_id, device, setting, text, reason)
            return f"Refused: {reason}."
        now = self.clock.time()
        self.pending = {key: p for key, p in self.pending.items() if p.expires > now}
        code = f"{secrets.randbelow(1_000_000):06d}"
        self.pending[(chat_id, code)] = PendingChange(chat_id, device, setting, text, now + 60 * self.config.confirm_minutes)
        return (f"To set {device}.{setting} to {text}, answer /confirm {code} within "
                f"{self.config.confirm_minutes:g} min.")

    async def _confirm(self, chat_id: int, args: list[str]) -> str:
        # Codes are per chat: another chat's /confirm neither uses nor spends this one.
        change = self.pending.pop((chat_id, args[0]), None) if len(args) == 1 else None
        if change is None or change.expires <= self.clock.time():
            return "No change waits for that code (wrong, used or expired); send the /set again."
        value = self._value(change.device, change.setting, change.text)
        outcome = await self.daemon.write(change.device, change.setting, value, source=f"telegram:{chat_id}")
        log.info("telegram: chat %s set %s.%s = %r: %s", chat_id, change.device, change.setting, change.text,
                 outcome.describe())
        return outcome.describe()

    def _value(self, device_name: str, setting: str, text: str) -> Value:
        """The typed text as the setting's value (a number for a range setting); unknown ones: the writer says so."""
        reg = self.daemon.setting(device_name, setting)
        return setting_value(reg, text) if reg is not None else text

    async def _answer(self, chat_id: int, text: str) -> None:
        try:
            await self.api.send(chat_id, text[:MAX_TEXT])
        except BotApiError as error:
            log.warning("telegram: could not answer chat %s: %s", chat_id, error)


def _integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
