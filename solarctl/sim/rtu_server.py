"""A Modbus RTU bus on a serial port (a pty in tests): several slaves, one wire.

Addresses nobody has stay silent (as on a real RS485 bus; pymodbus 3.14+ would answer an
exception instead). Wire time at the configured baud rate is modelled: an answer cannot start
before the request has finished arriving, and it takes its own time to arrive.

A unit may also speak a framing of its own besides Modbus (the JK 4E57 protocol): it then has a
`framer` that recognises such frames on the line and an `answer_frame(frame)`; those frames carry
their own addressing, so the server offers them to every unit with that framer.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol, TextIO

from solarctl.bus.serial_link import wire_time
from solarctl.modbus.pdu import (
    READ_HOLDING, WRITE_MULTIPLE, WRITE_SINGLE, ModbusException, exception_response, parse_request,
    read_response, write_response,
)
from solarctl.modbus.rtu import crc_ok, encode_frame
from solarctl.sim.serial_sim import SerialSimulator
from solarctl.sim.faults import Faults
from solarctl.sim.modbus_tcp_server import UnitBank
from solarctl.sim.request_log import LoggedRequest, RequestLog

log = logging.getLogger("solarctl.sim")


class RtuUnit(Protocol):
    def answer(self, unit: int, pdu: bytes) -> bytes | None:
        """The complete frame to send back for a request PDU, or None to stay silent."""


class Framer(Protocol):
    """A non-Modbus framing some units on the bus speak (their `framer`; they then also have
    `answer_frame(frame) -> bytes | None`)."""

    def length(self, buffer: bytes) -> int | None:
        """Length of the frame `buffer` starts with, once that is known; None if it does not start one."""

    def valid(self, frame: bytes) -> bool:
        """Checksum and structure of a complete frame."""


class ModbusUnit:
    """A plain Modbus slave around a register bank."""

    def __init__(self, bank: UnitBank) -> None:
        self.bank = bank

    def answer(self, unit: int, pdu: bytes) -> bytes | None:
        try:
            request = parse_request(pdu)
            if request.function == READ_HOLDING:
                reply = read_response(self.bank.read(request.address, request.count))
            else:
                self.bank.write(request.address, request.values)
                reply = write_response(request)
        except ModbusException as exc:
            reply = exception_response(pdu[0], exc.code)
        return encode_frame(unit, reply)


def request_length(buffer: bytes) -> int | None:
    """Length of the Modbus RTU request at the start of `buffer`, if its function is one we serve."""
    if len(buffer) < 2:
        return None
    if buffer[1] in (READ_HOLDING, WRITE_SINGLE):
        return 8
    if buffer[1] == WRITE_MULTIPLE:
        return 9 + buffer[6] if len(buffer) >= 7 else None
    return None


class RtuServer(SerialSimulator):
    def __init__(self, path: str, baudrate: int, units: dict[int, RtuUnit], *, faults: Faults | None = None,
                 turnaround_s: float = 0.005, log_size: int = 200_000, request_file: TextIO | None = None) -> None:
        super().__init__(path, baudrate)
        self.units = units
        self.faults = faults or Faults()
        self.turnaround_s = turnaround_s
        self.requests = RequestLog(log_size, request_file)  # Modbus requests, whoever they were for
        self._framers = list({id(f): f for u in units.values() if (f := getattr(u, "framer", None))}.values())

    async def _serve(self) -> None:
        while True:
            frame, framer = await self._next_request()
            await asyncio.sleep(wire_time(len(frame), self.baudrate))
            if self.faults.echo:
                await self._send(frame)
            for unit, answer in self._answers(frame, framer):
                if answer is None:
                    continue
                if unit in self.faults.corrupt_units:  # a byte mid-answer, so any framing's checksum catches it
                    i = len(answer) // 2
                    answer = answer[:i] + bytes([answer[i] ^ 0xFF]) + answer[i + 1:]
                await asyncio.sleep(self.turnaround_s + self.faults.delay_s)
                await self._send(self.faults.noise + answer)

    def _answers(self, frame: bytes, framer: Framer | None) -> list[tuple[int, bytes | None]]:
        """(unit, answer) of every unit present that the frame is for; a Modbus request is logged."""
        if framer is None:
            request = parse_request_or_none(frame[1:-2])
            if request is not None:
                self.requests.append(LoggedRequest(frame[0], request.function, request.address, request.count, request.values))
        else:
            self.requests.note(f"frame={frame.hex(' ')}")
        present = {u: h for u, h in self.units.items() if u not in self.faults.dead_units and not self.faults.silent}
        if framer is None:
            handler = present.get(frame[0])
            return [] if handler is None else [(frame[0], handler.answer(frame[0], frame[1:-2]))]
        return [(unit, h.answer_frame(frame)) for unit, h in present.items() if getattr(h, "framer", None) is framer]

    def _frame_length(self, buffer: bytes) -> tuple[int | None, Framer | None]:
        length = request_length(buffer)
        if length is not None:
            return length, None
        for framer in self._framers:
            if (length := framer.length(buffer)) is not None:
                return length, framer
        return None, None

    async def _next_request(self) -> tuple[bytes, Framer | None]:
        """Read until a valid frame (a Modbus request, or one a unit's framer knows) sits at the start
        of the buffer, dropping noise before it; return it with the framer that knew it (None: Modbus)."""
        while True:
            await self.port.wait_for_bytes(2)
            length, framer = self._frame_length(self.port.peek())
            incomplete = any(getattr(f, "incomplete", lambda _: False)(self.port.peek()) for f in self._framers)
            if length is None and len(self.port.peek()) >= 7 and not incomplete:  # a header still arriving waits
                self.port.take(1)
                continue
            if length is None:
                await self.port.wait_for_bytes(len(self.port.peek()) + 1)
                continue
            await self.port.wait_for_bytes(length)
            frame = self.port.peek()[:length]
            if framer.valid(frame) if framer else crc_ok(frame):
                return self.port.take(length), framer
            self.port.take(1)

    async def _send(self, data: bytes) -> None:
        await asyncio.sleep(wire_time(len(data), self.baudrate))
        self.port.write(data)


def parse_request_or_none(pdu: bytes):
    try:
        return parse_request(pdu)
    except ModbusException:
        return None
