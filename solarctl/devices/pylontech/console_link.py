"""The Pylontech RS232 console as a link: reach the prompt, then type one command at a time.

Opening the link means reaching the prompt: CR/LF until it shows. With `wakeup = "always"`, or
`"auto"` when CR/LF alone gets no prompt, the wake-up comes first: `~20014682C0048520FCC3\\r` at
1200 8N1, a pause, the port reopened at the console rate. A command is typed with CR; its answer is
collected (Enter pressed at every page prompt) until the prompt after `$$`, then framed by
`framing.AnswerBuffer` (echo, `@`, CR CR LF, noise before the echo). A console back from a power cycle
without debug mode refuses commands (`Unknown command`): the link sends `login debug` and asks once
more. Serialisation, pacing, outage state, backoff and health counts are `Link.exchange`'s.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from solarctl.bus.errors import BadFrame, LinkDown
from solarctl.bus.health import Health
from solarctl.bus.serial_link import SerialLink, wire_time
from solarctl.clock import Clock
from solarctl.devices.pylontech.errors import ConsoleParseError
from solarctl.devices.pylontech.framing import REFUSAL, Answer, AnswerBuffer, shows_prompt

log = logging.getLogger("solarctl.bus")

# An RS485-protocol frame (ADR 1, CID1 0x46, CID2 0x82, checksum FCC3) that switches a unit to its console.
WAKEUP_FRAME = b"~20014682C0048520FCC3\r"
WAKEUP_BAUDRATE = 1200
WAKEUP_PAUSE_S = 1.0  # after the frame is out, before the console listens at its own rate again
PROMPT_TRIES = 3
PROMPT_WAIT_S = 0.5  # per CR/LF; the prompt is 8 bytes, so this is slack for adapters and NPort servers
LOGIN = "login debug"


class ConsoleRefused(BadFrame):
    """The console refused a command it has: it is not in debug mode."""


class PylontechConsoleLink(SerialLink):
    def __init__(self, name: str, path: str, baudrate: int, clock: Clock, *, wakeup: str = "auto", **kwargs: Any) -> None:
        super().__init__(name, path, baudrate, clock, **kwargs)
        self.console_baudrate = baudrate  # the port's own baudrate changes during the wake-up
        self.wakeup = wakeup

    async def command(self, text: str, *, timeout: float, health: Health | None = None,
                      parse: Callable[[Answer], Any] | None = None) -> Any:
        """Type `text`; its framed answer, or what `parse` makes of it (so an answer the parser refuses is
        a bad frame of this link too). Raises a LinkError (BadFrame for a garbled or refused answer)."""
        try:
            return await self._command(text, timeout, health, parse)
        except ConsoleRefused:
            log.info("%s: the console refused %r (not in debug mode, power-cycled?); sending %r",
                     self.name, text, LOGIN)
            await self._command(LOGIN, timeout, health, None)
            return await self._command(text, timeout, health, parse)

    async def _command(self, text: str, timeout: float, health: Health | None,
                       parse: Callable[[Answer], Any] | None) -> Any:
        async def ask() -> Any:
            answer = await self._ask(text, timeout)
            return answer if parse is None else parse(answer)

        return await self.exchange(ask, what=repr(text), timeout=timeout, health=health)

    async def _ask(self, text: str, timeout: float) -> Answer:
        self.port.discard()  # idle-line noise, the prompt of the previous CR/LF
        self.port.write(text.encode("ascii") + b"\r")
        buffer = AnswerBuffer()
        try:
            async with asyncio.timeout(timeout):
                while not buffer.complete:
                    await self.port.wait_for_bytes(1)
                    buffer.feed(self.port.take(len(self.port.peek())))
                    if buffer.needs_enter:
                        self.port.write(b"\r")
                        buffer.enter_sent()
        except TimeoutError:
            log.debug("%s: %r: no end of answer in %d bytes: ...%r",
                      self.name, text, len(buffer.data), buffer.data[-60:])
            raise
        try:
            return buffer.answer(text)
        except ConsoleParseError as exc:
            if REFUSAL.encode() in buffer.data:
                raise ConsoleRefused(f"{self.name}: {exc}") from None
            raise

    async def _open(self) -> None:
        self.port.open(self.console_baudrate)
        try:
            ready = self.wakeup != "always" and await self._prompt()
            if not ready and self.wakeup != "never":
                await self._wake_up()
                ready = await self._prompt()
            if not ready:
                after = "" if self.wakeup == "never" else " after the wake-up"
                raise LinkDown(f"no console prompt{after}: {PROMPT_TRIES} x CR/LF at {self.console_baudrate} baud")
        except BaseException:
            self.port.close()
            raise

    async def _prompt(self) -> bool:
        """CR/LF until the console shows its prompt; whatever came before it (idle-line noise) is dropped."""
        for _ in range(PROMPT_TRIES):
            self.port.discard()
            self.port.write(b"\r\n")
            try:
                async with asyncio.timeout(PROMPT_WAIT_S):
                    while not shows_prompt(self.port.peek()):
                        await self.port.wait_for_bytes(len(self.port.peek()) + 1)
                return True
            except TimeoutError:
                continue
        return False

    async def _wake_up(self) -> None:
        log.info("%s: sending the console wake-up at %d baud", self.name, WAKEUP_BAUDRATE)
        self.port.open(WAKEUP_BAUDRATE)
        self.port.write(WAKEUP_FRAME)
        # Closing the port before the frame is on the wire could cut it off.
        await self.clock.sleep(wire_time(len(WAKEUP_FRAME), WAKEUP_BAUDRATE) + WAKEUP_PAUSE_S)
        self.port.open(self.console_baudrate)
