"""A forecast made only from what was seen: load as the recent days' profile by time of day, PV as the
clear-sky output of the site's arrays (solarctl/plant's sun model) scaled by the recent ratio of measured
to clear-sky at that time of day. No numpy: the strategy's look (every minute) stays cheap."""

from __future__ import annotations

from dataclasses import dataclass

from solarctl.plant.config import PlantConfig
from solarctl.plant.localtime import LocalCalendar
from solarctl.plant.sun import Plane, clear_sky, sun_position

UNSEEN_PV_RATIO = 0.75  # before any daylight was seen: clear sky less a typical share of cloud and losses
MIN_CLEAR_SHARE = 0.05  # of the peak: a slot whose clear-sky light summed to less keeps the overall ratio


class ClearSkyPv:
    """DC power the site's arrays would give under a clear sky (peak power x plane-of-array irradiance)."""

    def __init__(self, plant: PlantConfig) -> None:
        self.latitude, self.longitude = plant.latitude, plant.longitude
        self.arrays = [(Plane(a.tilt_deg, a.azimuth_deg), a.peak_w * a.mppt_efficiency) for a in plant.pv_arrays]
        self.peak_w = sum(peak for _, peak in self.arrays)

    def power_w(self, t: float) -> float:
        sun = sun_position(t, self.latitude, self.longitude)
        dni, dhi = clear_sky(sun.zenith_deg, sun.day_of_year)
        return sum(peak * plane.irradiance(sun, dni, dhi) / 1000.0 for plane, peak in self.arrays)


@dataclass
class _Sums:
    """Samples summed over one slot of the day, of one day or of all days kept."""

    load_w: float = 0.0
    samples: int = 0
    pv_w: float = 0.0  # over the samples that can speak for PV (see `Seen.add`)
    clear_w: float = 0.0

    def add(self, other: _Sums) -> None:
        self.load_w += other.load_w
        self.samples += other.samples
        self.pv_w += other.pv_w
        self.clear_w += other.clear_w


class Seen:
    """Samples kept by local day and slot of `step_s` for the last `days` days (and today), with their sums
    per slot over all kept days kept up to date as samples arrive: a forecast reads ~100 sums, not every day."""

    def __init__(self, step_s: float, days: int, calendar: LocalCalendar) -> None:
        self.step_s, self.days, self.calendar = step_s, days, calendar
        self.by_day: dict[int, dict[int, _Sums]] = {}  # day -> slot -> that day's samples
        self.by_slot: dict[int, _Sums] = {}  # slot -> the kept days' samples

    def slot(self, t: float) -> tuple[int, int]:
        local = self.calendar.at(t)
        return local.year * 1000 + local.day_of_year, int(local.seconds_of_day // self.step_s)

    def add(self, t: float, pv_w: float, load_w: float, clear_w: float, pv_counts: bool) -> None:
        """One look; `pv_counts` False when PV may have been held back (a full battery and nowhere to send it).
        PV measured without clear-sky light (night) says nothing about the sky either."""
        day, slot = self.slot(t)
        if day not in self.by_day:
            self.by_day[day] = {}
            self._forget_old_days()
        sample = _Sums(load_w, 1, pv_w, clear_w) if pv_counts and clear_w > 0.0 else _Sums(load_w, 1)
        self.by_day[day].setdefault(slot, _Sums()).add(sample)
        self.by_slot.setdefault(slot, _Sums()).add(sample)

    def _forget_old_days(self) -> None:
        kept = sorted(self.by_day)[-self.days - 1:]  # today and the `days` before
        if len(kept) == len(self.by_day):
            return
        self.by_day = {day: self.by_day[day] for day in kept}
        self.by_slot = {}
        for slots in self.by_day.values():
            for slot, sums in slots.items():
                self.by_slot.setdefault(slot, _Sums()).add(sums)


class Forecaster:
    def __init__(self, plant: PlantConfig, step_s: float, days: int) -> None:
        self.clear = ClearSkyPv(plant)
        self.seen = Seen(step_s, days, LocalCalendar(plant.timezone))
        self.step_s = step_s
        self._ahead = LocalCalendar(plant.timezone)  # its own one-hour cache: looks go forward, plans run ahead
        self._sky: dict[float, tuple[int, float]] = {}  # step middle -> (slot, clear-sky W), of the last forecast

    def observe(self, t: float, pv_w: float, load_w: float, pv_counts: bool) -> None:
        self.seen.add(t, pv_w, load_w, self.clear.power_w(t), pv_counts)

    def forecast(self, start: float, steps: int) -> tuple[list[float], list[float], str]:
        """(PV W, load W) per step from `start`, and a sentence saying what they rest on."""
        slots = self.seen.by_slot
        total = _Sums()
        for sums in slots.values():
            total.add(sums)
        mean_load = total.load_w / total.samples if total.samples else 0.0
        overall = total.pv_w / total.clear_w if total.clear_w > 0 else UNSEEN_PV_RATIO
        load_of = {slot: sums.load_w / sums.samples for slot, sums in slots.items() if sums.samples}
        # a slot with little clear-sky light (dawn, dusk) says little: the day's overall ratio instead
        ratio_of = {slot: sums.pv_w / sums.clear_w for slot, sums in slots.items()
                    if sums.clear_w > MIN_CLEAR_SHARE * self.clear.peak_w}
        middles = [start + (i + 0.5) * self.step_s for i in range(steps)]
        # Plans follow each other by whole steps: most of this horizon's sky was worked out for the last one.
        sky = {t: self._sky.get(t) or (int(self._ahead.at(t).seconds_of_day // self.step_s), self.clear.power_w(t))
               for t in middles}
        self._sky = sky
        load = [load_of.get(slot, mean_load) for slot, _ in sky.values()]
        pv = [clear_now * ratio_of.get(slot, overall) for slot, clear_now in sky.values()]
        basis = (f"load: profile of {len(self.seen.by_day)} day(s) seen, mean {mean_load:.0f} W; PV: clear sky x "
                 f"{overall:.2f}" + ("" if total.clear_w > 0 else " (no daylight seen yet: a typical ratio)"))
        return pv, load, basis
