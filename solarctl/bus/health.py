"""Per-device (per-address) health, visible in `solarctl read --json` and in logs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Health:
    requests: int = 0
    successes: int = 0
    timeouts: int = 0
    bad_frames: int = 0  # CRC, wrong address/function/length
    exceptions: int = 0  # Modbus exception responses (the device answered "no")
    link_errors: int = 0  # the link was down
    consecutive_errors: int = 0  # polls; reset by every good poll
    polls: int = 0
    good_polls: int = 0
    last_error: str | None = None
    last_error_at: float | None = None
    last_good_at: float | None = None
    latency_s: float | None = None  # last request round trip
    latency_avg_s: float | None = None  # exponentially weighted

    def request_ok(self, latency: float) -> None:
        self.requests += 1
        self.successes += 1
        self.latency_s = latency
        self.latency_avg_s = latency if self.latency_avg_s is None else 0.8 * self.latency_avg_s + 0.2 * latency

    def request_failed(self, kind: str) -> None:
        self.requests += 1
        if kind == "timeout":
            self.timeouts += 1
        elif kind == "bad_frame":
            self.bad_frames += 1
        elif kind == "exception":
            self.exceptions += 1
        else:
            self.link_errors += 1

    def poll_ok(self, now: float) -> None:
        self.polls += 1
        self.good_polls += 1
        self.consecutive_errors = 0
        self.last_good_at = now

    def poll_failed(self, now: float, reason: str) -> None:
        self.polls += 1
        self.consecutive_errors += 1
        self.last_error = reason
        self.last_error_at = now

    def as_dict(self) -> dict[str, object]:
        return {
            "success_rate": round(self.successes / self.requests, 4) if self.requests else None,
            "requests": self.requests,
            "timeouts": self.timeouts,
            "bad_frames": self.bad_frames,
            "exceptions": self.exceptions,
            "link_errors": self.link_errors,
            "polls": self.polls,
            "good_polls": self.good_polls,
            "consecutive_errors": self.consecutive_errors,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
            "last_good_at": self.last_good_at,
            "latency_ms": None if self.latency_s is None else round(self.latency_s * 1000, 2),
            "latency_avg_ms": None if self.latency_avg_s is None else round(self.latency_avg_s * 1000, 2),
        }
