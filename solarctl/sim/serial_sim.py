"""The part every serial-port simulator shares: its end of the pty, and one task serving it."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod

from solarctl.bus.serial_port import AsyncSerial


class SerialSimulator(ABC):
    def __init__(self, path: str, baudrate: int) -> None:
        self.port = AsyncSerial(path, baudrate)
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

    @abstractmethod
    async def _serve(self) -> None:
        """Answer what arrives on the port, forever."""
