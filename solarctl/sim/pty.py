"""A virtual serial cable (socat pty pair): the client opens `device_path` (the path a config names),
the simulator opens `sim_path`."""

from __future__ import annotations

import asyncio
import os
import shutil


class PtyBridge:
    def __init__(self, device_path: str, sim_path: str | None = None) -> None:
        self.device_path = device_path
        self.sim_path = sim_path or f"{device_path}.sim"
        self._proc: asyncio.subprocess.Process | None = None

    async def start(self, timeout: float = 5.0) -> None:
        if shutil.which("socat") is None:
            raise RuntimeError("socat is not installed; it makes the virtual serial ports (apt-get install socat)")
        for path in (self.device_path, self.sim_path):
            if os.path.exists(path) and not os.path.islink(path):
                raise RuntimeError(f"{path} exists and is not a simulator link; refusing to shadow a real device")
        self._proc = await asyncio.create_subprocess_exec(
            "socat", f"pty,raw,echo=0,link={self.device_path}", f"pty,raw,echo=0,link={self.sim_path}",
            stderr=asyncio.subprocess.DEVNULL)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (os.path.exists(self.device_path) and os.path.exists(self.sim_path)):
            if self._proc.returncode is not None or loop.time() > deadline:
                raise RuntimeError(f"socat could not create {self.device_path} (is its directory writable?)")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            self._proc.terminate()
            await self._proc.wait()
        self._proc = None
