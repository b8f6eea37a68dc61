"""What a simulator was asked, kept in memory (for tests) and optionally written to a file
(`solarctl sim --request-log FILE`: one line per request, for troubleshooting and for counting
polls from outside the daemon)."""

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


class RequestLog(deque):
    def __init__(self, maxlen: int, file: TextIO | None = None) -> None:
        super().__init__(maxlen=maxlen)
        self.file = file

    def append(self, request: LoggedRequest) -> None:
        super().append(request)
        if self.file is not None:
            self.file.write(f"{time.time():.3f} unit={request.unit} fc={request.function} "
                            f"address={request.address} count={request.count}\n")
            self.file.flush()
