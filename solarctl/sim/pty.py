"""A virtual serial cable made in-process: the client opens `device_path` (the path a config names), the
simulator opens `sim_path`. Each path is a symlink to the slave end of a pty pair of its own; the two
masters are relayed to each other on the event loop, so neither end needs an external program, and each
end is a real tty (termios, baud changes and reopening work as on a serial adapter).

No helper process is involved, so a simulator killed with SIGKILL leaves nothing running, only its links.
A bridge holds an exclusive lock on `<device_path>.lock` while it serves: a link whose lock nobody holds
was left by a simulator that died and is replaced; one whose lock is held belongs to a running simulator
and is left alone (the new one refuses to start).
"""

from __future__ import annotations

import asyncio
import fcntl
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
        self._lock: int | None = None  # fd of the held lock file

    async def start(self) -> None:
        for path in (self.device_path, self.sim_path):
            if os.path.exists(path) and not os.path.islink(path):
                raise SimulatorError(f"{path} exists and is not a simulator link; refusing to shadow a real device "
                                     "(point the config's port at a path that does not exist yet)")
        self._lock = _claim(self.device_path)
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
        if self._lock is not None:
            os.unlink(f"{self.device_path}.lock")  # while still holding it: a newcomer sees it gone, or locked
            os.close(self._lock)
            self._lock = None


def _claim(device_path: str) -> int:
    """An exclusive lock on `<device_path>.lock`, or SimulatorError when a running simulator holds it."""
    path = f"{device_path}.lock"
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise SimulatorError(f"cannot create the simulated serial port {device_path} (its lock file: {exc.strerror}); "
                                 "make its directory exist and be writable, or set the device's port to a path in a "
                                 "writable directory") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SimulatorError(f"another simulator serves {device_path}; stop it first, or give this config's device "
                                 "another port path") from None
        try:
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)  # its owner removed it as we opened it: take the new one
