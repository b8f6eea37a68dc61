"""The battery metrics every JK protocol produces, and the JK PB live registers -> those metrics.

Units: V, A, W, °C, %, Ah; current and power positive = charging. A metric a protocol does not
carry is None (e.g. the 4E57 protocol has no SOH); it is never made up.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from solarctl.devices.jk.errors import FrameError
from solarctl.devices.jk.registers import CELLS, JK02_32S, SENSOR_BITS, LiveLayout
from solarctl.sample import Value

METRICS = (
    "soc",
    "soh",
    "voltage",
    "current",
    "power",
    "temperature",  # the first battery sensor (T1)
    "temperatures",  # every battery sensor present, T1 first
    "cell_voltages",
    "cell_voltage_min",
    "cell_voltage_max",
    "cell_voltage_delta",
    "cell_voltage_min_index",  # 1-based
    "cell_voltage_max_index",
    "capacity_remaining",
    "capacity_full",
    "cycles",
    "balancer_active",
    "balance_current",
    "charge_mosfet",
    "discharge_mosfet",
    "alarms",
)

_METRIC_SET = frozenset(METRICS)

# What pb_values needs besides the cells the cell_present mask names (and, in a layout with a sensor mask,
# `temperature_sensors`); other live fields (temperatures 3-5 at the end of the area, run time ...) are passed on
# when they were read.
_REQUIRED = (
    "cell_present",
    "soc",
    "soh",
    "voltage",
    "current",
    "capacity_remaining",
    "capacity_full",
    "cycles",
    "balance_current",
    "alarms",
    "balancer_state",
    "charge_mosfet",
    "discharge_mosfet",
)
CELL_NAMES = tuple(f"cell_voltage_{i + 1:02d}" for i in range(CELLS))
_INTERNAL = frozenset(CELL_NAMES) | frozenset(SENSOR_BITS) | {"cell_present", "temperature_sensors"}  # not passed on
_PASSED_OVER = _INTERNAL | _METRIC_SET  # raw fields not passed on as extras
_BATTERY_SENSORS = ("temperature_1", "temperature_2", "temperature_3", "temperature_4", "temperature_5")


def cell_stats(cells: Sequence[float]) -> dict[str, Value]:
    """Min/max (first such cell, 1-based) and delta of the cell voltages."""
    if not cells:
        return {"cell_voltages": [], **{k: None for k in METRICS if k.startswith("cell_voltage_")}}
    lo, hi = min(cells), max(cells)
    return {
        "cell_voltages": list(cells),
        "cell_voltage_min": lo,
        "cell_voltage_max": hi,
        "cell_voltage_delta": round(hi - lo, 3),
        "cell_voltage_min_index": cells.index(lo) + 1,
        "cell_voltage_max_index": cells.index(hi) + 1,
    }


def power(voltage: float, current: float) -> float:
    return round(voltage * current, 3)


def ordered(metrics: Mapping[str, Value], extra: Mapping[str, Value]) -> dict[str, Value]:
    """The contract metrics first (all of them, None where missing), then the protocol's extras."""
    return {**{k: metrics.get(k) for k in METRICS}, **{k: v for k, v in extra.items() if k not in _METRIC_SET}}


AVERAGE_TOLERANCE = 0.002  # V: the BMS's own cell average against the mean of the cells, both in mV


def layout_mismatch(raw: Mapping[str, Value], layout: LiveLayout) -> str | None:
    """Why `raw` (the live area decoded with `layout`) is not that layout, or None. Read with the wrong layout, a
    frame puts cell resistances where the mask is and temperatures where the current is: its cell mask is not cells
    1..n (n within the layout's room), cells beyond n read a voltage, or the BMS's cell average is not the mean of
    its cells."""
    cell_mask = raw.get("cell_present")
    if not isinstance(cell_mask, int):
        return "no cell mask"
    count = cell_mask.bit_length()
    if cell_mask == 0 or cell_mask != (1 << count) - 1 or count > layout.cells:
        return f"cell mask {cell_mask:#010x} is not cells 1..n of {layout.cells}"
    if any(raw.get(name) for name in CELL_NAMES[count:layout.cells]):
        return f"cells beyond the {count} the mask names read a voltage"
    cells = [raw.get(name) for name in CELL_NAMES[:count]]
    if None in cells:
        return "cells the mask names are missing"
    mean = sum(cells) / count  # type: ignore[arg-type]
    average = raw.get("cell_voltage_average")
    if average is not None and abs(mean - average) > AVERAGE_TOLERANCE:  # type: ignore[operator]
        return f"the cell average {average} V is not the mean of the {count} cells ({mean:.3f} V)"
    return None


def pb_values(raw: Mapping[str, Value], layout: LiveLayout = JK02_32S) -> dict[str, Value]:
    """Decoded JK PB live registers (0x1200 area, from FC03 blocks or a 0x55AA frame, in `layout`) -> metrics."""
    required = _REQUIRED if layout.sensors is not None else (*_REQUIRED, "temperature_sensors")
    missing = [n for n in required if n not in raw]
    if not missing:
        cell_mask = int(raw["cell_present"])  # type: ignore[arg-type]
        named = [name for i, name in enumerate(CELL_NAMES) if cell_mask >> i & 1]
        missing = [name for name in named if name not in raw]
    if missing:
        raise FrameError(f"JK PB live data is incomplete, missing: {', '.join(missing)}")
    mismatch = layout_mismatch(raw, layout)
    if mismatch:
        raise FrameError(f"{mismatch}: not the {layout.name} layout; refused")
    cells = [raw[name] for name in named]
    if layout.sensors is not None:
        present = {name for name in (*layout.sensors, "temperature_mos") if name in raw}
    else:
        sensor_mask = int(raw["temperature_sensors"])  # type: ignore[arg-type]
        present = {name for name, bit in SENSOR_BITS.items() if sensor_mask >> bit & 1 and name in raw}
    temperatures = [raw[name] for name in _BATTERY_SENSORS if name in present]
    metrics = {
        **{k: raw[k] for k in ("soc", "soh", "voltage", "current", "capacity_remaining", "capacity_full", "cycles", "balance_current", "alarms")},
        "power": power(raw["voltage"], raw["current"]),  # type: ignore[arg-type]
        "temperature": temperatures[0] if temperatures else None,
        "temperatures": temperatures,
        **cell_stats(cells),  # type: ignore[arg-type]
        "balancer_active": raw["balancer_state"] != "off",
        "charge_mosfet": raw["charge_mosfet"] == 1,
        "discharge_mosfet": raw["discharge_mosfet"] == 1,
    }
    # ordered(metrics, extra) in one pass: the contract, the other live fields, then the named temperatures
    return {**{k: metrics.get(k) for k in METRICS}, **{k: v for k, v in raw.items() if k not in _PASSED_OVER},
            **{name: raw[name] for name in SENSOR_BITS if name in present}}
