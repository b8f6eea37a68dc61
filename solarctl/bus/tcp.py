"""Modbus TCP link: exactly one long-lived connection per gateway (many accept a single client)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from solarctl.bus.errors import BadFrame
from solarctl.bus.link import Link
from solarctl.clock import Clock
from solarctl.modbus.pdu import FrameError
from solarctl.modbus.tcp import encode_adu, read_adu


class ModbusTcpLink(Link):
    def __init__(self, name: str, host: str, port: int, clock: Clock, *, connect_timeout: float = 3.0, **kwargs: Any) -> None:
        super().__init__(name, clock, **kwargs)
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._transaction = 0

    @property
    def is_open(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    async def _open(self) -> None:
        async with asyncio.timeout(self.connect_timeout):
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        sock = self._writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    async def _close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            try:
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()
            except (OSError, asyncio.TimeoutError):
                pass

    async def _exchange(self, unit: int, pdu: bytes, timeout: float) -> bytes:
        assert self._reader is not None and self._writer is not None
        self._transaction = (self._transaction + 1) & 0xFFFF
        tid = self._transaction
        self._writer.write(encode_adu(tid, unit, pdu))
        await self._writer.drain()
        async with asyncio.timeout(timeout):
            while True:
                try:
                    got_tid, got_unit, answer = await read_adu(self._reader)
                except FrameError as exc:
                    # The byte stream is out of step; only a new connection fixes that.
                    raise ConnectionError(f"garbled MBAP header: {exc}") from None
                if got_tid != tid:
                    continue  # a late answer to a request that already timed out
                if got_unit != unit:
                    raise BadFrame(f"answer from unit {got_unit}, asked unit {unit}")
                return answer
