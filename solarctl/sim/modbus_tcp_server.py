"""A Modbus TCP server that behaves like a gateway (ComBox): several units on one socket.

A request for a unit it does not carry gets exception 0x0B (gateway target device failed to
respond), as a gateway does. Faults (delay, exception, silence, dropped connections) can be
switched on at run time.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol, Sequence, TextIO

from solarctl.modbus.pdu import (
    READ_HOLDING, FrameError, ModbusException, exception_response, parse_request, read_response, write_response,
)
from solarctl.modbus.tcp import encode_adu, read_adu
from solarctl.sim.faults import Faults
from solarctl.sim.request_log import LoggedRequest, RequestLog

log = logging.getLogger("solarctl.sim")
GATEWAY_TARGET_FAILED = 0x0B
SERVER_DEVICE_FAILURE = 0x04


class UnitBank(Protocol):
    def read(self, address: int, count: int) -> list[int]: ...

    def write(self, address: int, values: Sequence[int]) -> None: ...


class ModbusTcpServer:
    def __init__(self, units: dict[int, UnitBank], host: str = "127.0.0.1", port: int = 0,
                 faults: Faults | None = None, log_size: int = 100_000, request_file: TextIO | None = None) -> None:
        self.units = units
        self.host = host
        self.port = port
        self.faults = faults or Faults()
        self.requests = RequestLog(log_size, request_file)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            self.drop_connections()
            await self._server.wait_closed()
            self._server = None

    def drop_connections(self) -> None:
        """Close every client connection now (a gateway reboot, a pulled cable)."""
        for writer in list(self._writers):
            writer.close()

    @property
    def connections(self) -> int:
        return len(self._writers)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                try:
                    transaction, unit, pdu = await read_adu(reader)
                except (asyncio.IncompleteReadError, ConnectionError, FrameError):
                    return
                answer = self.answer(unit, pdu)
                if answer is None:
                    continue
                if self.faults.delay_s:
                    await asyncio.sleep(self.faults.delay_s)
                writer.write(encode_adu(transaction, unit, answer))
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def answer(self, unit: int, pdu: bytes) -> bytes | None:
        """The response PDU for one request (None = stay silent)."""
        if self.faults.silent:
            return None
        function = pdu[0] if pdu else 0
        try:
            request = parse_request(pdu)
            self.requests.append(LoggedRequest(unit, request.function, request.address, request.count, request.values))
            if self.faults.exception_code is not None:
                raise ModbusException(function, self.faults.exception_code)
            bank = self.units.get(unit)
            if bank is None or unit in self.faults.dead_units:
                raise ModbusException(function, GATEWAY_TARGET_FAILED)
            if request.function == READ_HOLDING:
                return read_response(bank.read(request.address, request.count))
            bank.write(request.address, request.values)
            return write_response(request)
        except ModbusException as exc:
            return exception_response(function, exc.code)
        except FrameError:
            return exception_response(function, 0x03)
        except Exception:  # a simulator bug must not look like a dropped cable
            log.exception("simulator failed to answer unit %d", unit)
            return exception_response(function, SERVER_DEVICE_FAILURE)
