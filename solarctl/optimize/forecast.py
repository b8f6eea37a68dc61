"""A forecast made only from what was seen: load as the recent days' profile by time of day, PV as the
clear-sky output of the site's arrays (solarctl/plant's sun model) scaled by the recent ratio of measured
to clear-sky at that time of day. No numpy: the strategy's look (every minute) stays cheap."""

from __future__ import annotations

from dataclasses import dataclass, field

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
class _Bin:
    """One day's samples in one slot of the day."""

    load_w: float = 0.0
    samples: int = 0
    pv_w: float = 0.0  # over the samples that can speak for PV (see `Seen.add`)
    clear_w: float = 0.0


@dataclass
class Seen:
    """Samples kept by (local day, slot of `step_s`) for the last `days` days."""

    step_s: float
    days: int
    calendar: LocalCalendar
    bins: dict[tuple[int, int], _Bin] = field(default_factory=dict)

    def slot(self, t: float) -> tuple[int, int]:
        local = self.calendar.at(t)
        return local.year * 1000 + local.day_of_year, int(local.seconds_of_day // self.step_s)

    def add(self, t: float, pv_w: float, load_w: float, clear_w: float, pv_counts: bool) -> None:
        """One look; `pv_counts` False when PV may have been held back (a full battery and nowhere to send it)."""
        day, slot = self.slot(t)
        entry = self.bins.setdefault((day, slot), _Bin())
        entry.load_w += load_w
        entry.samples += 1
        if pv_counts:
            entry.pv_w += pv_w
            entry.clear_w += clear_w
        kept = sorted({d for d, _ in self.bins})[-self.days - 1:]  # today and the `days` before
        for key in [k for k in self.bins if k[0] not in kept]:
            del self.bins[key]


class Forecaster:
    def __init__(self, plant: PlantConfig, step_s: float, days: int) -> None:
        self.clear = ClearSkyPv(plant)
        self.seen = Seen(step_s, days, LocalCalendar(plant.timezone))
        self.step_s = step_s

    def observe(self, t: float, pv_w: float, load_w: float, pv_counts: bool) -> None:
        self.seen.add(t, pv_w, load_w, self.clear.power_w(t), pv_counts)

    def forecast(self, start: float, steps: int) -> tuple[list[float], list[float], str]:
        """(PV W, load W) per step from `start`, and a sentence saying what they rest on."""
        load_by_slot: dict[int, list[float]] = {}
        pv_by_slot: dict[int, list[float]] = {}
        for (_, slot), entry in self.seen.bins.items():
            load_by_slot.setdefault(slot, [0.0, 0.0])
            load_by_slot[slot][0] += entry.load_w
            load_by_slot[slot][1] += entry.samples
            if entry.clear_w > 0.0:
                pv_by_slot.setdefault(slot, [0.0, 0.0])
                pv_by_slot[slot][0] += entry.pv_w
                pv_by_slot[slot][1] += entry.clear_w
        total_load = sum(v[0] for v in load_by_slot.values())
        total_samples = sum(v[1] for v in load_by_slot.values())
        mean_load = total_load / total_samples if total_samples else 0.0
        measured, clear = (sum(v[i] for v in pv_by_slot.values()) for i in (0, 1))
        overall = measured / clear if clear > 0 else UNSEEN_PV_RATIO
        pv, load = [], []
        for i in range(steps):
            t = start + (i + 0.5) * self.step_s
            _, slot = self.seen.slot(t)
            seen_load = load_by_slot.get(slot)
            load.append(seen_load[0] / seen_load[1] if seen_load else mean_load)
            seen_pv = pv_by_slot.get(slot)
            clear_now = self.clear.power_w(t)
            # a slot with little clear-sky light (dawn, dusk) says little: the day's overall ratio instead
            ratio = seen_pv[0] / seen_pv[1] if seen_pv and seen_pv[1] > MIN_CLEAR_SHARE * self.clear.peak_w else overall
            pv.append(clear_now * ratio)
        days = len({day for day, _ in self.seen.bins})
        basis = (f"load: profile of {days} day(s) seen, mean {mean_load:.0f} W; PV: clear sky x {overall:.2f}"
                 + ("" if clear > 0 else " (no daylight seen yet: a typical ratio)"))
        return pv, load, basis
