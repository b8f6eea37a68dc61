"""Day-ahead prices as intervals (hourly, half-hourly or quarter-hourly, whatever the service publishes), and
the price of each plan step: a step with no published price yet (tomorrow before the auction) takes the price
at the same local clock time on the last day that has one, marked as estimated so the plan can say so."""

from __future__ import annotations

import bisect
import datetime as dt
import zoneinfo
from dataclasses import dataclass

LOOK_BACK_DAYS = 7  # an estimate comes from at most a week back; further, the nearest known price


@dataclass(frozen=True, order=True)
class PricePoint:
    start: float  # epoch s
    end: float
    price: float  # per kWh, in the service's currency (before the user's formula)


@dataclass(frozen=True)
class StepPrices:
    prices: list[float]
    estimated: list[bool]  # True: not published yet, taken from the last known day's shape

    def describe(self, start: float, step_s: float) -> str:
        if not any(self.estimated):
            return "prices: all published"
        first = self.estimated.index(True)
        return (f"prices: published for {first * step_s / 3600:g} h, the {sum(self.estimated) * step_s / 3600:g} h "
                "after that estimated from the last published day's shape")


class PriceSeries:
    def __init__(self, points: list[PricePoint] | None = None) -> None:
        self._points: list[PricePoint] = []
        self._starts: list[float] = []
        if points:
            self.merge(points)

    def __len__(self) -> int:
        return len(self._points)

    @property
    def points(self) -> list[PricePoint]:
        return list(self._points)

    @property
    def end(self) -> float | None:
        """Where the published prices end (epoch s), None when there are none."""
        return self._points[-1].end if self._points else None

    def merge(self, points: list[PricePoint]) -> bool:
        """Add or replace points by start time; True when anything changed (new prices: re-plan)."""
        by_start = {p.start: p for p in self._points}
        before = dict(by_start)
        by_start.update({p.start: p for p in points})
        if by_start == before:
            return False
        self._points = sorted(by_start.values())
        self._starts = [p.start for p in self._points]
        return True

    def forget_before(self, t: float) -> None:
        keep = bisect.bisect_right(self._starts, t - (LOOK_BACK_DAYS + 1) * 86400)
        self._points, self._starts = self._points[keep:], self._starts[keep:]

    def price_at(self, t: float) -> float | None:
        i = bisect.bisect_right(self._starts, t) - 1
        if i >= 0 and self._points[i].start <= t < self._points[i].end:
            return self._points[i].price
        return None

    def steps(self, start: float, step_s: float, steps: int, zone: str, known_until: float | None = None) -> StepPrices:
        """The price of each step by its middle; unpublished steps (none, or from `known_until` on: a replay of
        past prices as they were published) from the same local time on an earlier day."""
        if not self._points:
            raise ValueError("no prices known yet")
        zone_info = zoneinfo.ZoneInfo(zone)
        until = float("inf") if known_until is None else known_until
        prices: list[float] = []
        estimated: list[bool] = []
        for i in range(steps):
            t = start + (i + 0.5) * step_s
            known = self.price_at(t) if t < until else None
            estimated.append(known is None)
            prices.append(known if known is not None else self._estimate(t, zone_info, until))
        return StepPrices(prices, estimated)

    def _estimate(self, t: float, zone: zoneinfo.ZoneInfo, until: float) -> float:
        wall = dt.datetime.fromtimestamp(t, zone).replace(tzinfo=None)
        for days in range(1, LOOK_BACK_DAYS + 1):
            # the same wall-clock time `days` earlier: a 23- or 25-hour day in between still lands on it
            earlier = (wall - dt.timedelta(days=days)).replace(tzinfo=zone).timestamp()
            price = self.price_at(earlier) if earlier < until else None
            if price is not None:
                return price
        known = [p for p in self._points if p.start < until] or self._points
        return min(known, key=lambda p: min(abs(p.start - t), abs(p.end - t))).price
