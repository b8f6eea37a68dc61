"""What a driver is, in one place: its config table, classes, simulator, decoders, storage and metric catalogue.

Descriptions are imported whenever a config is loaded, so they stay light: heavy parts (the device class, the
simulator, decoders, store row writers, register maps) are named "module:attr" and imported when first used.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from typing import Any, Iterator, Literal, Mapping, get_args

from solarctl.devices.base import Device
from solarctl.devices.capabilities import Capabilities
from solarctl.devices.config import ConsoleDevice, DeviceBase, ModbusTcpDevice
from solarctl.errors import DecodeError

Kind = Literal["measurement", "total_increasing", "total_hourly", "total_daily", "total_weekly", "total_monthly",
               "total_yearly", "enum", "on_off", "list"]
KINDS = get_args(Kind)  # measurement; total_increasing: never resets; total_<period>: resets each period; enum: text

# What a metric is for the installation as a whole. Signs: grid + = import, battery + = charging.
ROLES = frozenset({
    "pv_power", "grid_power", "battery_power", "battery_current", "battery_soc", "load_power", "cell_voltages",
    "temperature", "energy_pv", "energy_load", "energy_grid_import", "energy_grid_export", "energy_battery_charge",
    "energy_battery_discharge",
    "battery_voltage", "pv_input",  # for the plausibility checks (solarctl/checks/)
})

# Home Assistant device classes implied by a unit (a metric may say otherwise, e.g. "battery" for a SoC).
_DEVICE_CLASS = {"V": "voltage", "A": "current", "W": "power", "kWh": "energy", "Hz": "frequency",
                 "°C": "temperature", "s": "duration", "min": "duration", "VA": "apparent_power",
                 "var": "reactive_power"}
# A kWh counter's reset period, from its name's last word.
_COUNTER_KINDS: dict[str, Kind] = {"hour": "total_hourly", "today": "total_daily", "day": "total_daily", "week": "total_weekly",
                  "month": "total_monthly", "year": "total_yearly", "lifetime": "total_increasing",
                  "total": "total_increasing"}
# Physical ranges shared by the drivers (`Metric.valid`): lithium cells, a percentage, the range battery sensors,
# BMSes and inverters are specified for, mains (a 230 V phase or a 240 V split phase, with surges; 0 = no grid) and
# its frequency (0 = no grid), a power factor.
CELL_VOLTAGE = (0.5, 5.0)
PERCENT = (0.0, 100.0)
TEMPERATURE = (-40.0, 100.0)
AC_VOLTAGE = (0.0, 300.0)
AC_FREQUENCY = (0.0, 70.0)
POWER_FACTOR = (-1.0, 1.0)
# An identifier, a version or a count of events has no physical bound: its range is what its register can hold.
U16 = (0.0, 0xFFFF)
U32 = (0.0, 0xFFFFFFFF)

_AUTO: Any = "auto"  # device_class / state_class / precision not given: derived from unit and kind


def load(target: str) -> Any:
    """"module:attr" -> the attribute (the module imported now)."""
    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class Metric:
    """One published value. `label`: shown in the demo's live table (the driver's main values).
    `rank`: among the drivers offering `role`, those of the lowest rank present supply it.
    `fields`: for a list of dicts (kind "list"), what each element holds.
    `valid`: the physical range (min, max) of the value (of each element of a list); a value outside it is a
    misread, never a sample (`Catalogue.check`)."""

    name: str
    unit: str = ""
    kind: Kind = "measurement"
    device_class: str | None = _AUTO
    state_class: str | None = _AUTO
    precision: int | None = _AUTO
    role: str | None = None
    rank: int = 0
    label: str | None = None
    fields: tuple["Metric", ...] = ()
    valid: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"metric {self.name!r}: unknown kind {self.kind!r}")
        if self.role is not None and self.role not in ROLES:
            raise ValueError(f"metric {self.name!r}: unknown role {self.role!r}")
        numeric = self.kind not in ("enum", "on_off", "list")
        if self.device_class is _AUTO:
            object.__setattr__(self, "device_class", "enum" if self.kind == "enum" else
                               _DEVICE_CLASS.get(self.unit) if numeric else None)
        if self.state_class is _AUTO:
            object.__setattr__(self, "state_class", None if not numeric else
                               "measurement" if self.kind == "measurement" else "total_increasing")
        if self.precision is _AUTO or not numeric:
            object.__setattr__(self, "precision", None)


@dataclass(frozen=True)
class Note:
    """What a register map cannot say about one of its metrics (Metric's keyword arguments)."""

    name: str
    changes: Mapping[str, Any]


def note(name: str, **changes: Any) -> Note:
    return Note(name, changes)


def from_register(reg: Any) -> Metric:
    """A register's metric: unit, kind (enum/text -> enum, bits -> list of set flags, kWh -> counter by its
    name's last word) and display precision from its scale."""
    if reg.enum is not None or reg.type == "str":
        return Metric(reg.name, reg.unit, "enum")
    if reg.bits is not None:
        return Metric(reg.name, reg.unit, "list")
    kind: Kind = "measurement"
    if reg.unit == "kWh":
        counter = _COUNTER_KINDS.get(reg.name.rsplit("_", 1)[-1])
        if counter is None:
            raise ValueError(f"{reg.name}: an energy counter's name ends with its reset period "
                             f"({', '.join(_COUNTER_KINDS)})")
        kind = counter
    scale = abs(reg.scale)
    precision = next((digits for digits in range(4) if abs(scale * 10 ** digits - round(scale * 10 ** digits)) < 1e-9), 3)
    return Metric(reg.name, reg.unit, kind, precision=precision)


def _check_range(metric: Metric, value: Any) -> None:
    if not _number(value):
        return
    low, high = metric.valid  # type: ignore[misc]
    if not low <= value <= high:  # NaN fails too
        raise DecodeError(f"{metric.name} = {value}{_unit(metric)} is outside its physical range "
                          f"{low:g}..{high:g}{_unit(metric)}: a misread, not a measurement")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fmt(value: float) -> str:
    return format(round(value, 6), ".10g")


def _unit(metric: Metric | None) -> str:
    return f" {metric.unit}" if metric is not None and metric.unit else ""


# Consistency rules: values one reading holds that must agree with each other. Each is checked only when the reading
# holds all of its operands as numbers (a list operand counts as its length, or sums, as the rule says); a reading
# that breaks one is a misread (bytes swapped behind a byte-sum checksum), never a sample.
class Rule:
    operands: tuple[str, ...] = ()

    def broken(self, values: Mapping[str, Any], metrics: Mapping[str, Metric]) -> str | None:
        """The sentence saying how `values` break the rule, or None."""
        raise NotImplementedError

    def _show(self, name: str, value: Any, metrics: Mapping[str, Metric]) -> str:
        return f"{name} = {_fmt(value)}{_unit(metrics.get(name))}"


@dataclass(frozen=True)
class AtMost(Rule):
    """sign * `small` <= factor * `large` + slack (a list counts as its length): remaining <= full capacity, a cell
    count <= the cells listed, a current <= twice its protection limit."""

    small: str
    large: str
    factor: float = 1.0
    slack: float = 0.0
    sign: float = 1.0

    @property
    def operands(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.small, self.large

    def broken(self, values: Mapping[str, Any], metrics: Mapping[str, Metric]) -> str | None:
        small, large = (len(v) if isinstance(v, list) else v for v in (values[self.small], values[self.large]))
        if self.sign * small <= self.factor * large + self.slack:
            return None
        limit = f"{self.factor:g} x {self.large}" if self.factor != 1 else self.large
        shown_large = f"{self.large} = {len(values[self.large])} entries" if isinstance(values[self.large], list) \
            else self._show(self.large, large, metrics)
        return (f"{self._show(self.small, small, metrics)} is {'above' if self.sign > 0 else 'below minus'} "
                f"{limit} ({shown_large})")


@dataclass(frozen=True)
class Product(Rule):
    """`power` = `voltage` x `current`, within max(abs, rel x the larger of the two)."""

    voltage: str
    current: str
    power: str
    abs: float = 50.0
    rel: float = 0.25

    @property
    def operands(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.voltage, self.current, self.power

    def broken(self, values: Mapping[str, Any], metrics: Mapping[str, Metric]) -> str | None:
        v, i, p = (values[name] for name in self.operands)
        if not all(map(_number, (v, i, p))):
            return None
        if abs(v * i - p) <= max(self.abs, self.rel * max(abs(p), abs(v * i))):
            return None
        return (f"{self._show(self.power, p, metrics)} is not {self.voltage} x {self.current} "
                f"({_fmt(v)} x {_fmt(i)} = {v * i:.1f})")


@dataclass(frozen=True)
class SumOf(Rule):
    """The sum of the list `parts` is `total`, within max(abs, rel x total): cells in series against the pack."""

    parts: str
    total: str
    abs: float = 1.0
    rel: float = 0.05

    @property
    def operands(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.parts, self.total

    def broken(self, values: Mapping[str, Any], metrics: Mapping[str, Metric]) -> str | None:
        parts, total = values[self.parts], values[self.total]
        if not isinstance(parts, list) or not parts or not all(map(_number, (*parts, total))):
            return None
        summed = sum(parts)
        if abs(summed - total) <= max(self.abs, self.rel * abs(total)):
            return None
        return f"{self._show(self.total, total, metrics)} is not the sum of {self.parts} ({summed:.3f})"


@dataclass(frozen=True)
class Share(Rule):
    """`percent` = 100 x `part` / `whole`, within `points` (a state of charge against remaining / full capacity)."""

    percent: str
    part: str
    whole: str
    points: float = 10.0

    @property
    def operands(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.percent, self.part, self.whole

    def broken(self, values: Mapping[str, Any], metrics: Mapping[str, Metric]) -> str | None:
        percent, part, whole = (values[name] for name in self.operands)
        if not all(map(_number, (percent, part, whole))) or whole <= 0:
            return None
        share = 100 * part / whole
        if abs(share - percent) <= self.points:
            return None
        return (f"{self._show(self.percent, percent, metrics)} is not {self.part} / {self.whole} "
                f"({_fmt(part)} / {_fmt(whole)} = {share:.1f} %)")


@dataclass(frozen=True)
class Extremes(Rule):
    """Every `X_min` is at most its `X_max` (cell voltages, temperatures), wherever both are in one reading."""

    def broken(self, values: Mapping[str, Any], metrics: Mapping[str, Metric]) -> str | None:
        for name, low in values.items():
            high_name = f"{name[:-4]}_max"
            high = values.get(high_name) if name.endswith("_min") else None
            if _number(low) and _number(high) and low > high:
                return f"{self._show(name, low, metrics)} is above {self._show(high_name, high, metrics)}"
        return None


def _applies(rule: Rule, values: Mapping[str, Any]) -> bool:
    return all(name in values and (_number(values[name]) or isinstance(values[name], list)) for name in rule.operands)


class Catalogue:
    """A driver's metrics: `entries` in their order (Metrics as they are, Notes applied to the source metric
    they name), then the other metrics of `sources` (register maps or {code: Register} tables, named
    "module:attr" and read when the catalogue is first used) in source order, less those in `internal` (raw
    values the driver turns into others and never publishes). `valid`: metric -> physical range, for metrics a
    source gives (as a note's `valid=` would); `rules`: the consistency rules a reading must keep."""

    def __init__(self, *entries: Metric | Note, sources: tuple[str, ...] = (), internal: tuple[str, ...] = (),
                 valid: Mapping[str, tuple[float, float]] | None = None, rules: tuple[Rule, ...] = ()) -> None:
        self._entries = entries
        self._sources = sources
        self._internal = frozenset(internal)
        self._valid = dict(valid or {})
        self.rules = rules

    @cached_property
    def metrics(self) -> dict[str, Metric]:
        sourced: dict[str, Metric] = {}
        for target in self._sources:
            table = load(target)
            for reg in table.values() if isinstance(table, Mapping) else table:
                if reg.name not in self._internal:
                    sourced.setdefault(reg.name, from_register(reg))
        out: dict[str, Metric] = {}
        for entry in self._entries:
            if isinstance(entry, Note):
                if entry.name not in sourced:
                    raise ValueError(f"note on {entry.name!r}, which no source of this catalogue has")
                # device and state class follow the noted kind/unit unless the note gives them
                out[entry.name] = replace(sourced[entry.name], **{"device_class": _AUTO, "state_class": _AUTO,
                                                                  **entry.changes})
            else:
                out[entry.name] = entry
        out |= {name: m for name, m in sourced.items() if name not in out}
        # a rule may name the fields of a list's records (a module's cells against its voltage)
        fields = {f.name for m in out.values() for f in (m.fields or ())}
        unknown = sorted((set(self._valid) - set(out)) | ({n for rule in self.rules for n in rule.operands}
                                                          - set(out) - fields))
        if unknown:
            raise ValueError(f"ranges or rules name {', '.join(unknown)}, which this catalogue does not have")
        return {name: replace(m, valid=self._valid[name]) if name in self._valid else m for name, m in out.items()}

    def __iter__(self) -> Iterator[Metric]:
        return iter(self.metrics.values())

    def flag_kinds(self) -> dict[str, str]:
        """metric -> what its set flags are ("fault", "warning", "state"), for the bits registers of the sources."""
        found: dict[str, str] = {}
        for target in self._sources:
            table = load(target)
            for reg in table.values() if isinstance(table, Mapping) else table:
                if reg.flags is not None and reg.name not in self._internal:
                    found.setdefault(reg.name, reg.flags)
        return found

    def __contains__(self, name: object) -> bool:
        return name in self.metrics

    def __getitem__(self, name: str) -> Metric:
        return self.metrics[name]

    def units(self, names: Any = None) -> dict[str, str]:
        """metric -> unit, for the metrics that have one (of `names`, or all)."""
        chosen = self.metrics.values() if names is None else (self.metrics[n] for n in names if n in self.metrics)
        return {m.name: m.unit for m in chosen if m.unit}

    def check(self, values: Mapping[str, Any]) -> None:
        """Raise DecodeError naming the first value outside its metric's physical range (`Metric.valid`) or the
        first consistency rule the values break; the records of a list of dicts are checked against the metric's
        `fields` and against the rules (a module of a stack keeps the stack's rules)."""
        for name, value in values.items():
            metric = self.metrics.get(name)
            if metric is None:
                continue
            if metric.fields:
                fields = _records(metric.fields)
                for record in value if isinstance(value, list) else ():
                    if isinstance(record, Mapping):
                        fields.check(record)
                        self.check_rules(record)
            elif metric.valid is not None:
                for item in value if isinstance(value, list) else (value,):
                    _check_range(metric, item)
        self.check_rules(values)

    def check_rules(self, values: Mapping[str, Any]) -> None:
        """Raise DecodeError naming the first consistency rule `values` break (a reading, or one record of it)."""
        for rule in self.rules:
            broken = rule.broken(values, self.metrics) if _applies(rule, values) else None
            if broken:
                raise DecodeError(f"{broken}: values that must agree do not, a misread, not a measurement")

    def with_role(self, role: str) -> list[Metric]:
        return [m for m in self.metrics.values() if m.role == role]

    def main_values(self) -> list[tuple[str, str]]:
        """(metric, label) of the metrics the demo table shows, in catalogue order."""
        return [(m.name, m.label) for m in self.metrics.values() if m.label]


@cache
def _records(fields: tuple[Metric, ...]) -> Catalogue:
    """The catalogue of a list metric's records (made once: live polls check every reading)."""
    return Catalogue(*fields)


# How a device sits on its wire, from its config model's base: a unit behind a TCP gateway, a unit on an RS485
# bus, or a console with a port of its own. (Which protocol its link speaks is the driver class's `link_kind`.)
Wire = Literal["tcp_gateway", "rs485_bus", "own_port"]


@dataclass(frozen=True)
class DriverDescription:
    """One driver. `device`, `simulator`, `decoders` and `rows` name "module:attr" targets:
    - device: the Device class;
    - simulator: a factory serving one configured device; how depends on its `wire`:
      tcp_gateway: (config, plant, index, byte_order) -> a unit behind the gateway server;
      rs485_bus: (config, plant, index) -> a unit on the RS485 bus server;
      own_port: (config, plant, index, path) -> an object with async start()/stop(), .faults and .requests
        (a sim RequestLog) on its own port;
    - decoders: protocol name -> function(bytes) -> dict, for `solarctl decode`;
    - rows: the store's row writer for this driver's device tables (None: only the generic `sample` row);
    - plant_view: (config, plant, index) -> sim.plant_view.PlantView, the device's metrics computed from the plant
      without its protocol (offline strategy runs); None for a unit behind a TCP gateway: its simulator's bank;
    - answer_valid: physical ranges of values a decoded answer holds in its nested tables (a console's system
      summary, its per-module rows) that are not metrics of the catalogue, by name (`check_answer_table`);
    - capabilities: what its devices can be told to do, through which settings (devices/capabilities.py)."""

    config: type[DeviceBase]  # the `[[device]]` table's model; its `driver` Literal is the driver's name
    device: str
    simulator: str
    metrics: Catalogue
    decoders: Mapping[str, str] = field(default_factory=dict)
    rows: str | None = None
    plant_view: str | None = None
    manufacturer: str = ""  # for Home Assistant's device registry
    answer_valid: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    capabilities: Capabilities = field(default_factory=Capabilities)

    @property
    def name(self) -> str:
        name: str = get_args(self.config.model_fields["driver"].annotation)[0]
        return name

    @property
    def wire(self) -> Wire:
        if issubclass(self.config, ModbusTcpDevice):
            return "tcp_gateway"
        return "own_port" if issubclass(self.config, ConsoleDevice) else "rs485_bus"

    @cached_property
    def device_type(self) -> type[Device]:
        loaded = load(self.device)
        if not (isinstance(loaded, type) and issubclass(loaded, Device)):
            raise TypeError(f"{self.device} is not a Device class")
        return loaded

    @cached_property
    def simulator_factory(self) -> Any:
        return load(self.simulator)

    @cached_property
    def row_writer(self) -> Any:
        return None if self.rows is None else load(self.rows)

    def units(self, names: Any = None) -> dict[str, str]:
        return self.metrics.units(names)

    @cached_property
    def _answer_metrics(self) -> dict[str, Metric]:
        clash = sorted(set(self.answer_valid) & set(self.metrics.metrics))
        if clash:
            raise ValueError(f"answer_valid names metrics of the catalogue: {', '.join(clash)}")
        return {name: Metric(name, valid=valid) for name, valid in self.answer_valid.items()}

    def check_answer_table(self, table: Mapping[str, Any]) -> None:
        """Raise DecodeError for a value of a table nested in a decoded answer outside its `answer_valid` range, or
        for a consistency rule the table breaks."""
        for name, value in table.items():
            metric = self._answer_metrics.get(name)
            if metric is not None:
                for item in value if isinstance(value, list) else (value,):
                    _check_range(metric, item)
        self.metrics.check_rules(table)
