"""Plausibility checks across devices: do the devices' values agree with each other?

The misreads users suffer most are a wrong factor (×10, ×1000: a scale or unit slip) and a flipped sign.
One device cannot show them; two devices measuring the same thing can. Each check is a pure function of
a `View` (the latest values) and the installation's `Roles` (which device offers which catalogue role,
never a driver name), returning one `Condition` per check and device, active or not, naming the
suspected factor or sign. Values outside their physical range never get here: the catalogue's
`Metric.valid` makes them decode errors, not samples. Counters that run backwards need the previous
values: `CounterMemory` keeps them.

Checks across devices (battery current, PV total) compare values read at different moments: a house load
that moves between the BMS's poll and the inverter's is no misread. With a `window_s` they compare the
averages of each device's own samples over the same window (`Averages`), and flag only when the latest
values disagree too (which also names the factor) and have disagreed on every evaluation for the whole window
(a load step or a mode switch between two devices' polls is no misread; a wrong factor stays). Tolerances are
the devices' accuracy (`ACCURACY`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, NamedTuple

from solarctl.alerts.model import Condition
from solarctl.control.strategies.view import View
from solarctl.devices.registry import describe

# What each kind of measurement is good for: (absolute, share of the reading). The vendor maps give only the
# resolution (../shared/reference/conext-pylontech/modbus-maps: XW "Battery Current" 0.001 A, MPPT60 "DC Output
# Power" 1 W, ComBox "PV Harvest Power" 1 W; the Pylontech console prints mA; the PV1800 map 25274 "Batt
# current" 1 A); none states an accuracy, so these are a shunt/Hall sensor's usual class: a BMS shunt ±(0.5 A +
# 2 %), an inverter's or charger's Hall sensor ±(1 A + 3 %) (the PV1800's 1 A resolution within it), a charge
# controller's power ±(10 W + 3 %).
ACCURACY = {"bms_current": (0.5, 0.02), "inverter_current": (1.0, 0.03), "charger_power": (10.0, 0.03)}
# A gateway's PV total (the ComBox's "PV Harvest Power") is its own sum of the chargers as it last read them over
# its bus, at its own moment: the chargers' accuracy is not all; 100 W or 5 % (the check's tolerance before).
PV_TOLERANCE = (100.0, 0.05)


def current_tolerance(chargers: int, voltage: float) -> tuple[float, float]:
    """The BMS current against the inverter's plus `chargers` charge controllers' output at `voltage`: the
    accuracies added up (absolute parts in A; the larger share of the reading)."""
    bms, inverter, power = ACCURACY["bms_current"], ACCURACY["inverter_current"], ACCURACY["charger_power"]
    absolute = bms[0] + inverter[0] + chargers * power[0] / max(voltage, 1.0)
    return absolute, bms[1] + max(inverter[1], power[1])
CELL_SUM_TOLERANCE = (0.5, 0.03)  # V, share
CONVERSION = (0.80, 1.02)  # a charge controller's output over its input: losses, never a gain
FACTORS = (10, 100, 1000)
COUNTER_RESET_SHARE = 0.05  # a period counter restarting falls below this share of its last value


class Offer(NamedTuple):
    rank: int
    device: str
    metric: str
    kind: str


@dataclass(frozen=True)
class Roles:
    """role -> the (rank, device, metric, kind) offers of the configured devices."""

    offers: Mapping[str, tuple[Offer, ...]]

    @classmethod
    def of(cls, drivers: Mapping[str, str]) -> "Roles":
        """From device name -> driver name (the enabled devices)."""
        found: dict[str, list[Offer]] = {}
        for device, driver in sorted(drivers.items()):
            if (description := describe(driver)) is None:
                continue
            for metric in description.metrics:
                if metric.role is not None:
                    found.setdefault(metric.role, []).append(Offer(metric.rank, device, metric.name, metric.kind))
        return cls({role: tuple(offers) for role, offers in found.items()})

    def all(self, role: str) -> tuple[Offer, ...]:
        return self.offers.get(role, ())

    def best(self, role: str) -> list[Offer]:
        """The offers of the lowest rank: the first-choice measurement (a BMS for the battery)."""
        offers = self.all(role)
        lowest = min((o.rank for o in offers), default=None)
        return [o for o in offers if o.rank == lowest]

    def devices(self, role: str) -> set[str]:
        return {o.device for o in self.all(role)}


MIN_SAMPLES = 3


class Averages:
    """Each (device, metric)'s own samples over the last `window_s` seconds, one per sample time."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._series: dict[tuple[str, str], deque[tuple[float, float]]] = {}

    def observe(self, view: View, offers: Iterable[Offer]) -> None:
        for o in offers:
            value, age = view.value(o.device, o.metric), view.age(o.device)
            if age is None or view.failed(o.device) or isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            series = self._series.setdefault((o.device, o.metric), deque())
            at = view.now - age
            if not series or series[-1][0] < at:
                series.append((at, float(value)))
            while series and series[0][0] < view.now - self.window_s:
                series.popleft()

    def means(self, offers: Iterable[Offer]) -> list[float] | None:
        """Each offer's average over the window; None while one has fewer than MIN_SAMPLES in it (one sample is
        no average: right after a start, or a device polled less often than the window)."""
        found = []
        for o in offers:
            series = self._series.get((o.device, o.metric))
            if series is None or len(series) < MIN_SAMPLES:
                return None
            found.append(sum(v for _, v in series) / len(series))
        return found


def suspected_factor(measured: float, expected: float) -> str:
    """What turns `expected` into `measured`: "sign", "×10", "÷1000", "sign and ×10" … or "" if none fits."""
    if expected == 0 or measured == 0:
        return ""
    ratio = measured / expected
    sign = "sign" if ratio < 0 else ""
    size = abs(ratio)
    scale = next((f"×{f}" for f in FACTORS if 0.8 <= size / f <= 1.25), "") or \
        next((f"÷{f}" for f in FACTORS if 0.8 <= size * f <= 1.25), "")
    if not scale and not 0.8 <= size <= 1.25:
        return ""
    return " and ".join(part for part in (sign, scale) if part)


def _disagree(a: float, b: float, tolerance: tuple[float, float]) -> bool:
    absolute, share = tolerance
    return abs(a - b) > max(absolute, share * max(abs(a), abs(b)))


def _numbers(view: View, offers: Iterable[Offer]) -> list[float] | None:
    """Each offer's value; None if any is missing or not a number (nothing to compare yet)."""
    values = [view.value(o.device, o.metric) for o in offers]
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
        return None
    return [float(v) for v in values]  # type: ignore[arg-type]


def _condition(kind: str, device: str, active: bool, what: str, measured: float, expected: float,
               unit: str, values: Mapping[str, Any]) -> Condition:
    factor = suspected_factor(measured, expected) if active else ""
    suspect = f"; suspected {factor}" if factor else ""
    message = (f"{what}: {measured:g} {unit} where {expected:g} {unit} is expected{suspect}" if active else "")
    return Condition(kind, device, active, "warning", message,
                     {"measured": round(measured, 3), "expected": round(expected, 3), "factor": factor, **values})


def battery_current_offers(roles: Roles) -> tuple[list[Offer], list[Offer], list[Offer], list[Offer]]:
    """(BMS currents, inverter currents, charge controllers' output powers, battery voltages).

    Charge controllers are the devices offering PV power but no battery current of their own (a hybrid
    inverter's PV is inside its battery current); their output power over the battery voltage is their current."""
    bms = roles.best("battery_current")
    lowest = bms[0].rank if bms else None
    inverters = [o for o in roles.all("battery_current") if o.rank != lowest]
    chargers = [o for o in roles.best("pv_power") if o.device not in roles.devices("battery_current")]
    return bms, inverters, chargers, roles.best("battery_voltage")


def _current_balance(values: list[list[float] | None]) -> tuple[float, float, float, float] | None:
    """(measured, expected, inverter current, charger power) from the four groups' values."""
    measured, inverter, charged, volts = values
    if measured is None or inverter is None or charged is None or volts is None or min(volts) <= 0:
        return None
    voltage = sum(volts) / len(volts)
    return sum(measured), sum(inverter) + sum(charged) / voltage, sum(inverter), sum(charged)


def battery_current(view: View, roles: Roles, averages: Averages | None = None) -> list[Condition]:
    """The BMS current against the inverter's battery current plus the charge controllers' output: the latest
    values and, with `averages`, the window's averages too must disagree beyond the devices' accuracy."""
    groups = battery_current_offers(roles)
    bms, inverters, chargers, voltages = groups
    if not bms or not inverters or not voltages:
        return []
    latest = _current_balance([_numbers(view, group) for group in groups])
    averaged = latest if averages is None else _current_balance([averages.means(group) for group in groups])
    if latest is None or averaged is None:
        return []
    voltage = sum(_numbers(view, voltages) or [1.0]) / len(voltages)
    tolerance = current_tolerance(len(chargers), voltage)
    active = all(_disagree(m, e, tolerance) for m, e, _, _ in (latest, averaged))
    measured, expected, inverter, charged = latest
    return [_condition("battery_current_implausible", bms[0].device, active,
                       f"battery current of {bms[0].device}", measured, expected, "A",
                       {"inverter_current": round(inverter, 3), "charger_power": round(charged, 1),
                        "measured_mean": round(averaged[0], 3), "expected_mean": round(averaged[1], 3)})]


def pv_conversion(view: View, roles: Roles) -> list[Condition]:
    """Each charge controller's output against its own PV input: a little less, never more."""
    found = []
    inputs = {o.device: o for o in roles.all("pv_input")}
    for output in roles.all("pv_power"):
        if output.device not in inputs or (pair := _numbers(view, (output, inputs[output.device]))) is None:
            continue
        out, into = pair
        low, high = CONVERSION
        slack = PV_TOLERANCE[0]
        active = not (into * low - slack <= out <= into * high + slack)
        found.append(_condition("pv_power_implausible", output.device, active,
                                f"PV output of {output.device}", out, into, "W", {}))
    return found


def pv_total_offers(roles: Roles) -> tuple[list[Offer], list[Offer]]:
    """(the PV totals, the parts they add up)."""
    parts = roles.best("pv_power")
    lowest = parts[0].rank if parts else None
    return [o for o in roles.all("pv_power") if o.rank != lowest], parts


def pv_total(view: View, roles: Roles, averages: Averages | None = None) -> list[Condition]:
    """A device's PV total (a gateway's harvest figure) against the sum of the charge controllers' own (the
    latest values and, with `averages`, the window's averages)."""
    totals, parts = pv_total_offers(roles)
    found = []
    for total in totals:
        values = _numbers(view, (total, *parts))
        means = values if averages is None else averages.means((total, *parts))
        if values is None or means is None:
            continue
        active = all(_disagree(v[0], sum(v[1:]), PV_TOLERANCE) for v in (values, means))
        found.append(_condition("pv_power_implausible", total.device, active,
                                f"PV total of {total.device}", values[0], sum(values[1:]), "W", {}))
    return found


def _cell_sum(record: Mapping[str, Any], cells: str, volts: str) -> tuple[float, float] | None:
    voltages, voltage = record.get(cells), record.get(volts)
    if not isinstance(voltages, list) or not voltages or not isinstance(voltage, (int, float)):
        return None
    if any(not isinstance(v, (int, float)) for v in voltages):  # a cell lost to line noise: no sum
        return None
    return sum(voltages), float(voltage)


def cell_sum(view: View, roles: Roles, records: Mapping[str, list[tuple[str, str, str]]]) -> list[Condition]:
    """The sum of a pack's (or module's) cell voltages against its voltage.

    `records`: device -> (list metric, cell field, voltage field) for devices whose packs are records of a
    list (a stack's modules); a device with both roles at the top level is checked as one pack."""
    found = []
    packs: dict[str, list[tuple[str, Mapping[str, Any], str, str]]] = {}
    tops = {o.device: o.metric for o in roles.all("battery_voltage")}
    for cells in roles.all("cell_voltages"):
        if cells.device in tops:
            values = {cells.metric: view.value(cells.device, cells.metric),
                      tops[cells.device]: view.value(cells.device, tops[cells.device])}
            packs.setdefault(cells.device, []).append(("pack", values, cells.metric, tops[cells.device]))
    for device, lists in records.items():
        for metric, cell_field, volt_field in lists:
            records = view.value(device, metric)
            for record in records if isinstance(records, list) else ():
                if isinstance(record, Mapping):
                    packs.setdefault(device, []).append((f"module {record.get('index')}", record, cell_field,
                                                         volt_field))
    for device, entries in packs.items():
        sums = [(name, pair) for name, record, c, v in entries if (pair := _cell_sum(record, c, v)) is not None]
        if not sums:
            continue
        bad = [(name, pair) for name, pair in sums if _disagree(*pair, CELL_SUM_TOLERANCE)]
        name, (total, voltage) = (bad or sums)[0]
        found.append(_condition("cell_sum_implausible", device, bool(bad),
                                f"sum of the cell voltages of {device} {name}", total, voltage, "V", {}))
    return found


def list_records(drivers: Mapping[str, str]) -> Mapping[str, list[tuple[str, str, str]]]:
    """device -> [(list metric, cell-voltages field, battery-voltage field)] from the catalogues' list metrics."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    for device, driver in sorted(drivers.items()):
        if (description := describe(driver)) is None:
            continue
        for metric in description.metrics:
            by_role = {f.role: f.name for f in metric.fields if f.role}
            if "cell_voltages" in by_role and "battery_voltage" in by_role:
                found.setdefault(device, []).append((metric.name, by_role["cell_voltages"], by_role["battery_voltage"]))
    return found


ENERGY_ROLES = ("energy_pv", "energy_load", "energy_grid_import", "energy_grid_export", "energy_battery_charge",
                "energy_battery_discharge")


@dataclass
class CounterMemory:
    """The last value of each energy counter, to catch one running backwards."""

    last: dict[tuple[str, str], float] = field(default_factory=dict)

    def check(self, view: View, roles: Roles) -> list[Condition]:
        found = []
        for offer in (o for role in ENERGY_ROLES for o in roles.all(role)):
            value = view.value(offer.device, offer.metric)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            key = (offer.device, offer.metric)
            before = self.last.get(key)
            self.last[key] = float(value)
            if before is None:
                continue
            # A period counter (today, this month …) restarts near zero; one that never resets never falls.
            restarted = offer.kind != "total_increasing" and value <= before * COUNTER_RESET_SHARE
            active = value < before - 1e-6 and not restarted
            found.append(_condition("counter_backwards", offer.device, active,
                                    f"energy counter {offer.metric} of {offer.device} ran backwards", float(value),
                                    before, "kWh", {"metric": offer.metric}))
        return found


@dataclass
class Plausibility:
    """Every check over one installation: `evaluate(view)` on each new sample."""

    drivers: Mapping[str, str]
    counters: CounterMemory = field(default_factory=CounterMemory)
    # Checks across devices also compare averages over this window (0: the latest values only, as offline
    # where every device is seen at the same moment); the daemon: a few polls of the slowest device.
    window_s: float = 0.0

    def __post_init__(self) -> None:
        self.roles = Roles.of(self.drivers)
        self.records = list_records(self.drivers)
        self.averages = Averages(self.window_s) if self.window_s > 0 else None
        self._disagree_since: dict[tuple[str, str | None], float] = {}
        totals, parts = pv_total_offers(self.roles)
        self._across = [o for group in battery_current_offers(self.roles) for o in group] + totals + parts

    def evaluate(self, view: View) -> list[Condition]:
        if self.averages is not None:
            self.averages.observe(view, self._across)
        across = [*battery_current(view, self.roles, self.averages), *pv_total(view, self.roles, self.averages)]
        return [*map(lambda c: self._persisting(c, view.now), across), *pv_conversion(view, self.roles),
                *cell_sum(view, self.roles, self.records), *self.counters.check(view, self.roles)]

    def _persisting(self, condition: Condition, now: float) -> Condition:
        """A finding across devices counts once it has held on every evaluation for the whole window."""
        if not condition.active:
            self._disagree_since.pop(condition.key, None)
            return condition
        since = self._disagree_since.setdefault(condition.key, now)
        return condition if now - since >= self.window_s else replace(condition, active=False, message="")
