"""What a simulator was asked, kept in memory (for tests) and optionally written to a file
(`solarctl sim --request-log FILE`: one line per request, for troubleshooting and for counting
polls from outside the daemon): Modbus requests with the values a write carried, and requests that are
not Modbus (a console command, a JK frame) as text."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class LoggedRequest:
    unit: int
    function: int
    address: int
    count: int
    values: tuple[int, ...] = ()  # the registers a write (FC06/FC16) carried


class RequestLog(deque):
    def __init__(self, maxlen: int, file: TextIO | None = None) -> None:
        super().__init__(maxlen=maxlen)
        self.file = file

    def append(self, request: LoggedRequest) -> None:
        super().append(request)
        written = f" values={','.join(map(str, request.values))}" if request.values else ""
        self.note(f"unit={request.unit} fc={request.function} address={request.address} count={request.count}{written}")

    def note(self, text: str) -> None:
        """One line in the file (a request that is not a Modbus PDU is only written there)."""
        if self.file is not None:
            self.file.write(f"{time.time():.3f} {text}\n")
            self.file.flush()
