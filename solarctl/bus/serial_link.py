"""Serial links: one per port, shared by every device on that RS485 bus (or one RS232 console).

The Link base serialises requests and keeps the inter-frame gap (`min_gap`, e.g. >= 120 ms for JK PB);
this layer owns the port and, for Modbus RTU, checks that each answer really came from the address
asked (CRC, address, function, length), dropping echo and noise bytes on the way.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, TypeVar

from solarctl.bus.errors import BadFrame
from solarctl.bus.health import Health
from solarctl.bus.link import Link
from solarctl.bus.serial_port import AsyncSerial, PortBytes
from solarctl.clock import Clock
from solarctl.modbus.pdu import WRITE_SINGLE, response_length
from solarctl.modbus.rtu import crc_ok, encode_frame

T = TypeVar("T")


def wire_time(nbytes: int, baudrate: int) -> float:
    """Seconds to send `nbytes` at 8N1 (10 bits a byte)."""
    return nbytes * 10 / baudrate


class SerialLink(Link):
    def __init__(self, name: str, path: str, baudrate: int, clock: Clock, **kwargs: Any) -> None:
        super().__init__(name, clock, **kwargs)
        self.port = AsyncSerial(path, baudrate)

    @property
    def is_open(self) -> bool:
        return self.port.is_open

    async def _open(self) -> None:
        self.port.open()

    async def _close(self) -> None:
        self.port.close()

    async def _exchange(self, unit: int, pdu: bytes, timeout: float) -> bytes:
        raise NotImplementedError(f"{self.name}: this serial link does not speak Modbus RTU")

    async def exchange_on_port(self, job: Callable[[PortBytes], Awaitable[T]], *, what: str, timeout: float,
                               health: Health | None = None) -> T:
        """A request/answer that is not Modbus RTU (JK 0x55AA and 4E57 frames): `job` gets the port's bytes,
        and is serialised, paced and counted like every other request on the bus (`Link.exchange`)."""
        return await self.exchange(lambda: job(self.port), what=what, timeout=timeout, health=health)


class ModbusRtuLink(SerialLink):
    async def _exchange(self, unit: int, pdu: bytes, timeout: float) -> bytes:
        request = encode_frame(unit, pdu)
        self.port.discard()  # whatever came in since the last answer is noise or a late reply
        self.port.write(request)
        self._corrupted = False
        try:
            async with asyncio.timeout(timeout + wire_time(len(request) + 256, self.port.baudrate)):
                return await self._answer(request, unit, pdu[0], response_length(pdu) + 3)
        except TimeoutError:
            if self._corrupted:
                raise BadFrame(f"CRC error in the answer from unit {unit}") from None
            raise

    async def _answer(self, request: bytes, unit: int, function: int, normal_length: int) -> bytes:
        """Find the answer in the incoming bytes, skipping our own echo and any noise before it."""
        while True:
            await self.port.wait_for_bytes(2)
            if self.port.peek()[1] in (function, function | 0x80):
                length = 5 if self.port.peek()[1] & 0x80 else normal_length
                await self.port.wait_for_bytes(length)
                if function != WRITE_SINGLE and self.port.peek().startswith(request):
                    # Our own echo (adapters that hear themselves). An FC06 answer is byte-identical to its
                    # request, so there the first copy counts as the answer; the read-back that every
                    # write is followed by (safe-write layer) catches a device that never answered.
                    self.port.take(len(request))
                    continue
                frame = self.port.peek()[:length]
                if crc_ok(frame):
                    self.port.take(length)
                    if frame[0] != unit:
                        raise BadFrame(f"answer came from unit {frame[0]}, asked unit {unit}")
                    return frame[1:-2]
                self._corrupted |= frame[0] == unit
            self.port.take(1)  # not the start of a frame: noise
