"""The base of every link: one connection, one request at a time, kept alive with backoff.

A Link serialises all traffic on its connection (asyncio.Lock is FIFO, so a write waits for at
most the request in flight, not a whole poll cycle), keeps the gap the devices need between
requests, and turns every failure into a LinkError subclass. It logs an outage once when it
starts and once when it ends, not once per failed request.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from typing import Awaitable, Callable, TypeVar

from solarctl.bus.backoff import Backoff
from solarctl.bus.errors import BadFrame, LinkDown, LinkError, NotSent, RequestTimeout
from solarctl.bus.health import Health
from solarctl.clock import Clock
from solarctl.errors import DecodeError
from solarctl.modbus.pdu import FrameError, ModbusException, parse_response

log = logging.getLogger("solarctl.bus")
T = TypeVar("T")


class Link(ABC):
    def __init__(self, name: str, clock: Clock, *, min_gap: float = 0.0, backoff: Backoff | None = None,
                 timeouts_before_reconnect: int = 3) -> None:
        self.name = name
        self.clock = clock
        self.min_gap = min_gap
        self.backoff = backoff or Backoff()
        self.timeouts_before_reconnect = timeouts_before_reconnect
        self._lock = asyncio.Lock()
        self._last_io_end = float("-inf")
        self._consecutive_timeouts = 0
        self._down_since: float | None = None
        self._down_reason = ""
        self._attempts = 0
        self._next_attempt_at = float("-inf")
        self.reconnects = 0
        self.connect_attempts = 0

    # --- what a concrete link provides -------------------------------------------------------
    @property
    @abstractmethod
    def is_open(self) -> bool: ...

    @abstractmethod
    async def _open(self) -> None: ...

    @abstractmethod
    async def _close(self) -> None: ...

    @abstractmethod
    async def _exchange(self, unit: int, pdu: bytes, timeout: float) -> bytes:
        """Send one Modbus request PDU to `unit` and return the answer's PDU."""

    # --- what drivers call -------------------------------------------------------------------
    async def transact(self, unit: int, request: bytes, *, timeout: float, health: Health | None = None) -> list[int]:
        """One Modbus request; returns the registers read (or echoed by a write)."""

        async def job() -> list[int]:
            return parse_response(request, await self._exchange(unit, request, timeout))

        return await self.exchange(job, what=f"unit {unit}", timeout=timeout, health=health)

    async def exchange(self, job: Callable[[], Awaitable[T]], *, what: str, timeout: float,
                       health: Health | None = None) -> T:
        """Run one request/answer exchange (`job`) with the link to itself, open and paced.

        Every failure becomes a LinkError (or the device's ModbusException), is counted in `health`,
        and drives the link's outage state: connection errors close it and start the backoff,
        timeouts in a row force a reconnect. `job` itself only moves bytes and checks the answer.
        """
        health = health or Health()
        async with self._lock:
            try:
                await self._ensure_open()
            except LinkDown:
                health.request_failed("link")
                raise
            await self.clock.sleep(self._last_io_end + self.min_gap - self.clock.monotonic())
            started = self.clock.monotonic()
            try:
                async with asyncio.timeout(timeout + 1.0):  # the job bounds itself; this is a backstop
                    result = await job()
            except ModbusException:
                health.request_failed("exception")
                self._answered()
                raise
            except (FrameError, BadFrame, DecodeError) as exc:
                health.request_failed("bad_frame")
                raise exc if isinstance(exc, BadFrame) else BadFrame(f"{self.name}: {what}: {exc}") from None
            except (asyncio.TimeoutError, RequestTimeout):
                health.request_failed("timeout")
                await self._timed_out()
                raise RequestTimeout(f"{self.name}: {what} did not answer within {timeout:g} s") from None
            except (OSError, EOFError, asyncio.IncompleteReadError) as exc:
                health.request_failed("link")
                reason = _describe(exc)
                await self._lost(reason)
                raise LinkDown(f"{self.name}: connection lost ({reason})") from None
            finally:
                self._last_io_end = self.clock.monotonic()
            health.request_ok(self.clock.monotonic() - started)
            self._answered()
            return result

    async def close(self) -> None:
        async with self._lock:
            if self.is_open:
                await self._close()

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def status(self) -> dict[str, object]:
        return {
            "open": self.is_open,
            "down_since": self._down_since,
            "down_reason": self._down_reason or None,
            "reconnects": self.reconnects,
            "connect_attempts": self.connect_attempts,
        }

    # --- internals ---------------------------------------------------------------------------
    def _answered(self) -> None:
        """Something sane came back: the link works."""
        self._consecutive_timeouts = 0
        self.backoff.reset()
        if self._down_since is not None:
            log.info("%s: link back after %.1f s and %d attempt(s)", self.name,
                     self.clock.monotonic() - self._down_since, self._attempts)
            self._down_since = None
            self._down_reason = ""
            self._attempts = 0

    async def _timed_out(self) -> None:
        self._consecutive_timeouts += 1
        if self._consecutive_timeouts >= self.timeouts_before_reconnect:
            # A gateway that stops answering is often wedged; a fresh connection is the cure.
            await self._lost(f"{self._consecutive_timeouts} timeouts in a row")
            self._consecutive_timeouts = 0

    async def _lost(self, reason: str) -> None:
        if self.is_open:
            await self._close()
        self._mark_down(reason)

    def _mark_down(self, reason: str) -> None:
        now = self.clock.monotonic()
        delay = self.backoff.next_delay()
        self._next_attempt_at = now + delay
        self._down_reason = reason
        if self._down_since is None:
            self._down_since = now
            log.warning("%s: link down: %s; reconnecting with backoff", self.name, reason)
        else:
            log.debug("%s: still down (%s); next attempt in %.1f s", self.name, reason, delay)

    async def _ensure_open(self) -> None:
        if self.is_open:
            return
        now = self.clock.monotonic()
        if now < self._next_attempt_at:
            raise NotSent(f"{self.name}: down ({self._down_reason}); next attempt in {self._next_attempt_at - now:.1f} s")
        self._attempts += 1
        self.connect_attempts += 1
        try:
            await self._open()
        except (OSError, asyncio.TimeoutError, LinkError) as exc:
            self._mark_down(_describe(exc))
            raise NotSent(f"{self.name}: cannot connect ({_describe(exc)})") from None
        if self._down_since is not None:
            self.reconnects += 1


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    if isinstance(exc, asyncio.IncompleteReadError):
        return "connection closed by peer"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
