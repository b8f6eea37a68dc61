"""A virtual serial cable made in-process: the client opens `device_path` (the path a config names), the
simulator opens `sim_path`. Each path is a symlink to the slave end of a pty pair of its own; the two
masters are relayed to each other on the event loop, so neither end needs an external program, and each
end is a real tty (termios, baud changes and reopening work as on a serial adapter).
"""

from __future__ import annotations

import asyncio
import os
import tty

from solarctl.sim.errors import SimulatorError


class _Pty:
    """One pty pair whose slave appears at `path`. We keep the slave open too, so a client closing and
    reopening it (Pylontech wake-up at another baud) does not hang up the master."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.master, self.slave = os.openpty()
        self.slave_name = os.ttyname(self.slave)
        tty.setraw(self.slave)  # no echo, no line editing: bytes pass as on a wire
        os.set_blocking(self.master, False)
        try:
            if os.path.islink(path):
                os.unlink(path)  # a link left by a simulator that was killed
            os.symlink(self.slave_name, path)
        except OSError as exc:
            self.close()
            raise SimulatorError(f"cannot create the simulated serial port {path}: {exc.strerror}; make its directory "
                           "exist and be writable, or set the device's port to a path in a writable directory") from None

    def close(self) -> None:
        if os.path.islink(self.path) and os.readlink(self.path) == self.slave_name:
            os.unlink(self.path)
        os.close(self.master)
        os.close(self.slave)


class _Relay:
    """Copies bytes from one master to another; while the destination is full, stops reading the source
    (the bytes wait in the source's tty, as they would behind a busy socat)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, source: int, destination: int) -> None:
        self.loop, self.source, self.destination = loop, source, destination
        self.pending = b""
        loop.add_reader(source, self._readable)

    def _readable(self) -> None:
        try:
            self.pending = os.read(self.source, 4096)
        except (BlockingIOError, InterruptedError):
            return
        self._writable()

    def _writable(self) -> None:
        try:
            written = os.write(self.destination, self.pending) if self.pending else 0
        except (BlockingIOError, InterruptedError):
            written = 0
        self.pending = self.pending[written:]
        if self.pending:
            self.loop.remove_reader(self.source)
            self.loop.add_writer(self.destination, self._writable)
        else:
            self.loop.remove_writer(self.destination)
            self.loop.add_reader(self.source, self._readable)

    def stop(self) -> None:
        self.loop.remove_reader(self.source)
        self.loop.remove_writer(self.destination)


class PtyBridge:
    def __init__(self, device_path: str, sim_path: str | None = None) -> None:
        self.device_path = device_path
        self.sim_path = sim_path or f"{device_path}.sim"
        self._ptys: list[_Pty] = []
        self._relays: list[_Relay] = []

    async def start(self) -> None:
        for path in (self.device_path, self.sim_path):
            if os.path.exists(path) and not os.path.islink(path):
                raise SimulatorError(f"{path} exists and is not a simulator link; refusing to shadow a real device "
                               "(point the config's port at a path that does not exist yet)")
        try:
            for path in (self.device_path, self.sim_path):
                self._ptys.append(_Pty(path))
        except SimulatorError:
            await self.stop()
            raise
        client, sim = (p.master for p in self._ptys)
        loop = asyncio.get_running_loop()
        self._relays = [_Relay(loop, client, sim), _Relay(loop, sim, client)]

    async def stop(self) -> None:
        for relay in self._relays:
            relay.stop()
        self._relays.clear()
        for pty in self._ptys:
            pty.close()
        self._ptys.clear()
