"""A Pylontech US2000B Plus (firmware B66.6) console on a serial port, over the plant's battery.

What it models:
- `needs_wakeup`: asleep, ignoring everything, until the exact wake-up frame arrives. A pty carries
  no baud rate, so the 1200-baud switch itself cannot be seen here: the frame is accepted whatever
  rate the client set, and counted as taking its 1200-baud wire time (the link's tests check that it
  really reopens the port at 1200 for it);
- a line typed with CR or LF: echo and answer as `render` builds them (`@`, CR CR LF, `$$`, prompt);
  an empty line gets a prompt; `pwr`, `bat [N]`, `info`, `time`, `login debug`; `Absent` rows past
  the plant's module count;
- `login_required`: the state some units come back in after a power cycle: every command but
  `login` is refused (`Unknown command ...`) until `login debug`, whose prompt is `pylon_debug>`;
- `page_lines`: longer answers wait for Enter at `Press [Enter] to be continued ...`;
- wire time at the configured baud rate (10 bits a byte) for everything received and sent.

Fault switches (`faults`, a `ConsoleFaults`): `silent` (reads, never answers), `garbage` (answers
garbled on the wire), `half_line` (answers stop halfway through a line), `noise` (idle-line bytes
before every answer), `delay_s`, `state_words` (what a module and its cells report in their state
columns, for alarms). The Modbus-only switches of `Faults` do not apply.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from solarctl.bus.serial_link import wire_time
from solarctl.devices.pylontech.console_link import WAKEUP_BAUDRATE, WAKEUP_FRAME
from solarctl.devices.pylontech.framing import COMPLETION, PAGINATION, PROMPT
from solarctl.devices.pylontech.render import (
    PWR_SLOTS, render_bat, render_boxed_bat, render_completed, render_info, render_pwr, render_refusal,
    render_system, render_time,
)
from solarctl.plant import Plant
from solarctl.sim.serial_sim import SerialSimulator
from solarctl.sim.faults import Faults
from solarctl.sim.request_log import RequestLog
from solarctl.sim.pylontech_stack import cell_rows, info_values, local_time, module_row, system_values

DEBUG_PROMPT = "pylon_debug>"
# As US2000C B67.5.0 prints them (Hrabovszki1023/pylontech-console console-session fixtures); sic "excute".
UNKNOWN = "Unknown command '{}' - try 'help'"
FAILED = "Invalid command or fail to excute."
PAGE_PROMPT = b"\r" + PAGINATION.encode() + b"\r"
CHUNK = 64  # bytes written at a time, so the link sees an answer arrive as a UART delivers it


@dataclass
class ConsoleFaults(Faults):
    garbage: bool = False
    half_line: bool = False
    state_words: dict[int, dict[str, str]] = field(default_factory=dict)  # module -> {"temperature_state": ...}
    mangled_cell: int | None = None  # `bat` answers: line noise in this cell's row (1-based)

    def clear(self) -> None:
        super().clear()
        self.garbage = self.half_line = False
        self.mangled_cell = None
        self.state_words.clear()


class PylontechConsoleSimulator(SerialSimulator):
    def __init__(self, path: str, baudrate: int, plant: Plant, *, needs_wakeup: bool = False,
                 login_required: bool = False, page_lines: int | None = None, turnaround_s: float = 0.005,
                 barcode: str = "SIMULATED0001", faults: ConsoleFaults | None = None,
                 high_voltage: bool = False) -> None:
        super().__init__(path, baudrate)
        self.plant = plant
        self.login_required = login_required
        self.page_lines = page_lines
        self.turnaround_s = turnaround_s  # the console's think time before it answers (assumed)
        self.barcode = barcode
        self.high_voltage = high_voltage  # answer as a Force H2 / SC stack: system-summary `pwr`, whole-stack `bat`
        self.faults = faults or ConsoleFaults()
        self.asleep = needs_wakeup
        self.debug_mode = False
        self.wakeups = 0
        self.commands: deque[str] = deque(maxlen=10_000)  # every non-empty line typed, in order
        self.requests = RequestLog(0)  # `solarctl sim --request-log` sets its file: every command typed
        self.bytes_received = 0
        self.bytes_sent = 0
        self._line_free_at = 0.0
        self._handlers: dict[str, Callable[[str, list[str]], bytes]] = {
            "pwr": self._pwr, "bat": self._bat, "info": self._info, "time": self._time,
        }

    @property
    def prompt(self) -> str:
        return DEBUG_PROMPT if self.debug_mode else PROMPT

    async def _serve(self) -> None:
        while True:
            if self.asleep:
                await self.port.read_until(WAKEUP_FRAME)  # everything before it is ignored
                await asyncio.sleep(wire_time(len(WAKEUP_FRAME), WAKEUP_BAUDRATE))
                self.asleep = False
                self.wakeups += 1
                continue
            line = await self._typed_line()
            # An awake console hears the 1200-baud frame as line noise and says nothing.
            if self.faults.silent or line == WAKEUP_FRAME.rstrip(b"\r"):
                continue
            await asyncio.sleep(self.turnaround_s + self.faults.delay_s)
            await self._send(self.faults.noise)
            await self._reply(line.decode("latin-1").strip())

    async def _typed_line(self) -> bytes:
        """The next line (ended by CR or LF), once it has taken its wire time to arrive."""
        while (end := re.search(rb"[\r\n]", self.port.peek())) is None:
            await self.port.wait_for_bytes(len(self.port.peek()) + 1)
        data = self.port.take(end.start() + 1)
        self.bytes_received += len(data)
        await asyncio.sleep(wire_time(len(data), self.baudrate))
        return data[:-1]

    async def _reply(self, text: str) -> None:
        if not text:
            await self._send(b"\n\r" + self.prompt.encode())
            return
        self.commands.append(text)
        self.requests.note(f"console={self.port.path} command={text!r}")
        answer = self._answer(text)
        answer = answer[: -len(PROMPT)] + self.prompt.encode()  # render ends every answer with `pylon>`
        if self.faults.garbage:
            answer = garbled(answer)
        if self.faults.half_line:
            answer = cut_mid_line(answer)
        pages = paged(answer, self.page_lines)
        for page in pages[:-1]:
            await self._send(page + PAGE_PROMPT)
            key = await self.port.read_exactly(1)
            self.bytes_received += 1
            if key not in b"\r\n":  # "other key to exit"
                await self._send(b"\n\r" + self.prompt.encode())
                return
        await self._send(pages[-1])

    async def _send(self, data: bytes) -> None:
        """Write `data` as a UART at the configured rate delivers it: each chunk once it is on the wire.

        Deadlines add up from the first chunk, so a late wake-up does not slow the chunks after it."""
        loop = asyncio.get_running_loop()
        self._line_free_at = max(self._line_free_at, loop.time())
        for start in range(0, len(data), CHUNK):
            chunk = data[start:start + CHUNK]
            self._line_free_at += wire_time(len(chunk), self.baudrate)
            await asyncio.sleep(self._line_free_at - loop.time())
            self.port.write(chunk)
            self.bytes_sent += len(chunk)

    # --- commands: the typed text -> the whole answer (echo ... prompt) ------------------------
    def _answer(self, text: str) -> bytes:
        name, *args = text.split()
        if name == "login":
            if args != ["debug"]:
                return render_refusal(text, FAILED)
            self.debug_mode = True
            return render_completed(text)
        handler = self._handlers.get(name)
        if handler is None or (self.login_required and not self.debug_mode):
            return render_refusal(text, UNKNOWN.format(name))
        try:
            return handler(text, args)
        except ValueError:
            return render_refusal(text, FAILED)

    def _reported(self, index: int, row: dict[str, Any]) -> dict[str, Any]:
        """A row as the console prints it: with the state words and misreads (`scaled`) switched on."""
        scaled = {key: round(row[key] * factor, 3) for key, factor in self.faults.scaled.items() if key in row}
        return {**row, **scaled, **self.faults.state_words.get(index, {})}

    def _pwr(self, text: str, args: list[str]) -> bytes:
        _no_arguments(args)
        if self.high_voltage:
            return render_system(system_values(self.plant))
        count = self.plant.battery.module_count
        rows = [self._reported(i + 1, module_row(self.plant, i)) for i in range(count)]
        return render_pwr(rows, slots=max(PWR_SLOTS, count))

    def _bat(self, text: str, args: list[str]) -> bytes:
        answer = self._stack_cells(args) if self.high_voltage else self._module_cells(args)
        return answer if self.faults.mangled_cell is None else mangle_row(answer, self.faults.mangled_cell)

    def _module_cells(self, args: list[str]) -> bytes:
        module = int(args[0]) if args else 1  # without N: the master
        if len(args) > 1 or not 1 <= module <= self.plant.battery.module_count:
            raise ValueError(f"no module {module}")
        cells = [self._reported(module, cell) for cell in cell_rows(self.plant, module - 1)]
        return render_bat(cells, module if args else None)

    def _stack_cells(self, args: list[str]) -> bytes:
        _no_arguments(args)
        modules = range(self.plant.battery.module_count)
        cells = [self._reported(i + 1, cell) for i in modules for cell in cell_rows(self.plant, i)]
        return render_boxed_bat([{**cell, "index": n} for n, cell in enumerate(cells, 1)])

    def _info(self, text: str, args: list[str]) -> bytes:
        _no_arguments(args)
        return render_info(info_values(self.plant, self.baudrate, self.barcode))

    def _time(self, text: str, args: list[str]) -> bytes:
        _no_arguments(args)
        return render_time(local_time(self.plant))


def _no_arguments(args: list[str]) -> None:
    if args:  # the per-module forms (`pwr N`, `info N`) are not simulated
        raise ValueError(f"unexpected arguments {args}")


def garbled(answer: bytes) -> bytes:
    """Line noise: the top bit of every 16th payload byte flipped (line breaks spared: lines stay lines)."""
    data = bytearray(answer)
    start, end = answer.find(b"@") + 1, answer.find(COMPLETION.encode())
    for i in range(start, end, 16):
        if data[i] not in b"\r\n":
            data[i] ^= 0x80
    return bytes(data)


def mangle_row(answer: bytes, cell: int) -> bytes:
    """Line noise in one cell's row of a `bat` answer (box-drawn or not): the top bit of one byte flipped."""
    row = re.search(rb"\n(?:\xe2\x94\x82)? ?" + str(cell - 1).encode() + rb" ", answer)
    if row is None:
        raise ValueError(f"no row for cell {cell}")
    data = bytearray(answer)
    data[row.end() + 8] ^= 0x80
    return bytes(data)


def cut_mid_line(answer: bytes) -> bytes:
    """The answer as far as halfway through its middle line (the console hung, or the cable came loose)."""
    lines = list(re.finditer(rb"[^\r\n]+", answer))
    middle = lines[len(lines) // 2]
    return answer[:(middle.start() + middle.end()) // 2]


def paged(answer: bytes, page_lines: int | None) -> list[bytes]:
    """The answer cut after every `page_lines` payload lines (the console waits for Enter between pages)."""
    end = answer.find(COMPLETION.encode())
    if not page_lines or end < 0:
        return [answer]
    feeds = [match.end() for match in re.finditer(rb"\n", answer[:end])]
    cuts = feeds[page_lines - 1::page_lines]
    return [answer[a:b] for a, b in zip([0, *cuts], [*cuts, len(answer)])]


def console_simulator(config, plant: Plant, index: int, path: str) -> PylontechConsoleSimulator:
    """`PORT_SIMULATORS` factory: a unit that needs the wake-up unless its config says it never does."""
    return PylontechConsoleSimulator(path, config.baudrate, plant, needs_wakeup=config.wakeup != "never",
                                     barcode=f"SIMULATED{index + 1:04d}")
