"""A Modbus RTU bus on a serial port (a pty in tests): several slaves, one wire.

Addresses nobody has stay silent (as on a real RS485 bus; pymodbus 3.14+ would answer an
exception instead). Wire time at the configured baud rate is modelled: an answer cannot start
before the request has finished arriving, and it takes its own time to arrive.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Protocol

from solarctl.bus.serial_link import wire_time
from solarctl.bus.serial_port import AsyncSerial
from solarctl.modbus.pdu import (
    READ_HOLDING, WRITE_MULTIPLE, WRITE_SINGLE, ModbusException, exception_response, parse_request,
    read_response, write_response,
)
from solarctl.modbus.rtu import crc_ok, encode_frame
from solarctl.sim.faults import Faults
from solarctl.sim.modbus_tcp_server import LoggedRequest, UnitBank

log = logging.getLogger("solarctl.sim")


class RtuUnit(Protocol):
    def answer(self, unit: int, pdu: bytes) -> bytes | None:
        """The complete frame to send back for a request PDU, or None to stay silent."""


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


class RtuServer:
    def __init__(self, path: str, baudrate: int, units: dict[int, RtuUnit], *, faults: Faults | None = None,
                 turnaround_s: float = 0.005, log_size: int = 200_000) -> None:
        self.port = AsyncSerial(path, baudrate)
        self.units = units
        self.faults = faults or Faults()
        self.turnaround_s = turnaround_s
        self.requests: deque[LoggedRequest] = deque(maxlen=log_size)
        self._task: asyncio.Task | None = None

    @property
    def baudrate(self) -> int:
        return self.port.baudrate

    async def start(self) -> None:
        self.port.open()
        self._task = asyncio.create_task(self._serve())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self.port.close()

    async def _serve(self) -> None:
        while True:
            frame = await self._next_request()
            await asyncio.sleep(wire_time(len(frame), self.baudrate))
            if self.faults.echo:
                await self._send(frame)
            unit = frame[0]
            request = parse_request_or_none(frame[1:-2])
            if request is not None:
                self.requests.append(LoggedRequest(unit, request.function, request.address, request.count))
            handler = self.units.get(unit)
            if handler is None or unit in self.faults.dead_units or self.faults.silent:
                continue
            answer = handler.answer(unit, frame[1:-2])
            if answer is None:
                continue
            if unit in self.faults.corrupt_units:
                answer = answer[:-1] + bytes([answer[-1] ^ 0xFF])
            await asyncio.sleep(self.turnaround_s + self.faults.delay_s)
            await self._send(self.faults.noise + answer)

    async def _next_request(self) -> bytes:
        """Read until a CRC-valid request frame sits at the start of the buffer (drop noise before it)."""
        while True:
            await self.port.wait_for_bytes(2)
            length = request_length(self.port.peek())
            if length is None and len(self.port.peek()) >= 7:
                self.port.take(1)
                continue
            if length is None:
                await self.port.wait_for_bytes(len(self.port.peek()) + 1)
                continue
            await self.port.wait_for_bytes(length)
            frame = self.port.peek()[:length]
            if crc_ok(frame):
                return self.port.take(length)
            self.port.take(1)

    async def _send(self, data: bytes) -> None:
        await asyncio.sleep(wire_time(len(data), self.baudrate))
        self.port.write(data)


def parse_request_or_none(pdu: bytes):
    try:
        return parse_request(pdu)
    except ModbusException:
        return None
