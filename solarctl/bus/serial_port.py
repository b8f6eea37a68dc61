"""An asyncio serial port on pyserial: the fd is watched by the event loop, bytes land in our own
buffer, so a link can drop noise, wait for exact lengths or a terminator, and reopen at another
baud rate (the Pylontech wake-up) without a thread per port."""

from __future__ import annotations

import asyncio
import os
from typing import Protocol

import serial


class PortBytes(Protocol):
    """The bytes of an open port, as a link lends them to one request/answer job: the job sends,
    finds its answer in the buffer and drops what it skips; opening, closing and the rate stay the link's."""

    @property
    def baudrate(self) -> int: ...

    def write(self, data: bytes) -> None: ...

    def discard(self) -> bytes: ...

    def peek(self) -> bytes: ...

    def take(self, n: int) -> bytes: ...

    async def wait_for_bytes(self, n: int) -> None: ...


class AsyncSerial:
    def __init__(self, path: str, baudrate: int) -> None:
        self.path = path
        self.baudrate = baudrate
        self._serial: serial.Serial | None = None
        self._buffer = bytearray()
        self._data = asyncio.Event()
        self._error: OSError | None = None

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    def open(self, baudrate: int | None = None) -> None:
        """Open (or reopen at `baudrate`). Raises OSError if the device is missing or busy."""
        self.close()
        if baudrate is not None:
            self.baudrate = baudrate
        try:
            self._serial = serial.Serial(self.path, self.baudrate, bytesize=8, parity="N", stopbits=1,
                                         timeout=0, write_timeout=2, exclusive=True)
        except serial.SerialException as exc:
            raise OSError(exc.errno or 0, str(exc)) from None
        self._buffer.clear()
        self._error = None
        asyncio.get_running_loop().add_reader(self._serial.fileno(), self._on_readable)

    def close(self) -> None:
        if self._serial is None:
            return
        try:
            asyncio.get_running_loop().remove_reader(self._serial.fileno())
        except (RuntimeError, ValueError, OSError):
            pass
        try:
            self._serial.close()
        except (OSError, serial.SerialException):
            pass
        self._serial = None

    def _on_readable(self) -> None:
        assert self._serial is not None
        try:
            chunk = os.read(self._serial.fileno(), 4096)
        except BlockingIOError:
            return
        except OSError as exc:  # the adapter vanished (USB unplugged) or the pty peer closed
            self._fail(exc)
            return
        if not chunk:
            self._fail(OSError("serial device closed"))
            return
        self._buffer.extend(chunk)
        self._data.set()

    def _fail(self, exc: OSError) -> None:
        self._error = exc
        self._data.set()
        if self._serial is not None:
            asyncio.get_running_loop().remove_reader(self._serial.fileno())

    def write(self, data: bytes) -> None:
        if self._serial is None:
            raise OSError("serial port is not open")
        try:
            self._serial.write(data)
        except serial.SerialException as exc:
            raise OSError(str(exc)) from None

    def discard(self) -> bytes:
        """Drop (and return) whatever arrived unasked: idle-line noise, late answers."""
        dropped = bytes(self._buffer)
        self._buffer.clear()
        return dropped

    def peek(self) -> bytes:
        return bytes(self._buffer)

    def take(self, n: int) -> bytes:
        data = bytes(self._buffer[:n])
        del self._buffer[:n]
        return data

    async def wait_for_bytes(self, n: int) -> None:
        """Wait until at least `n` bytes are buffered (callers bound it with a timeout)."""
        while len(self._buffer) < n:
            if self._error is not None:
                raise self._error
            self._data.clear()
            await self._data.wait()
        if self._error is not None and len(self._buffer) < n:
            raise self._error

    async def read_exactly(self, n: int) -> bytes:
        await self.wait_for_bytes(n)
        return self.take(n)

    async def read_until(self, terminator: bytes) -> bytes:
        """Everything up to and including `terminator`."""
        while (i := self._buffer.find(terminator)) < 0:
            await self.wait_for_bytes(len(self._buffer) + 1)
        return self.take(i + len(terminator))
