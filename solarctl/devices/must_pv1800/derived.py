"""Final PV1800 values from the decoded registers: what no single register says right.

Sign conventions (the project's): battery current/power positive = charging, grid power
positive = import. The vendor sheet gives no sign convention for 25214/25273/25274, so the
direction comes from the one field the vendor does define, the arrow flags (25279), which drive
the power-flow arrows on the inverter's display:
  bits 6-7 machine<->battery: 01 machine->battery (charging), 10 battery->machine (discharging)
  bits 8-9 machine<->grid:    01 machine->grid (export),      10 grid->machine (import)
  (00 = no flow, 11 = both; neither gives a direction).
"""

from __future__ import annotations

import math
from typing import Mapping

from solarctl.devices.must_pv1800.registers import WORK_STATES
from solarctl.sample import Value

# Work states in which the inverter is tied to the grid (it feeds or passes grid power).
ON_GRID_STATES = frozenset(WORK_STATES[code] for code in (3, 4, 6))  # Grid-Tie, ByPass, Grid charging

ALARM_REGISTERS = (
    "charger_errors",
    "charger_warnings",
    "inverter_errors_1",
    "inverter_errors_2",
    "inverter_errors_3",
    "inverter_warnings_1",
    "inverter_warnings_2",
)


def arrow_direction(flags: int, shift: int) -> int:
    """+1 machine -> device, -1 device -> machine, 0 no single direction."""
    return {0b01: 1, 0b10: -1}.get(flags >> shift & 0b11, 0)


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def grid_power(values: Mapping[str, Value]) -> Value:
    """25214 reads 0 while the inverter exports (firmware clamps the export side; alpet83), but
    the apparent and reactive power keep counting: |P| = sqrt(S^2 - Q^2). The sign comes from
    the arrow flags (bits 8-9); when they give none, from the grid current 25211, which the
    firmware does not clamp and which is positive on import like PGrid. When neither gives a
    direction the value is unknown (None) rather than guessed."""
    reported = values["grid_power"]
    if reported:
        return reported
    s, q = values["grid_apparent_power"], values["grid_reactive_power"]
    magnitude = round(math.sqrt(max(s * s - q * q, 0)))  # type: ignore[operator]
    if magnitude == 0:
        return 0
    direction = -arrow_direction(values["arrow_flags"], 8) or _sign(values["grid_current"])  # type: ignore[arg-type]
    return direction * magnitude if direction else None


def derive(values: Mapping[str, Value]) -> dict[str, Value]:
    """Decoded register values (any mix of blocks) -> final values; what cannot be derived from
    the registers present is left out."""
    out = dict(values)
    flags = values.get("arrow_flags")
    if isinstance(flags, int):
        battery = arrow_direction(flags, 6)
        for key in ("battery_power", "battery_current"):
            if battery and isinstance(out.get(key), (int, float)):
                out[key] = battery * abs(out[key])  # type: ignore[arg-type]
    if all(k in values for k in ("grid_power", "grid_apparent_power", "grid_reactive_power", "grid_current", "arrow_flags")):
        out["grid_power"] = grid_power(values)
    for prefix in ("grid", "load", "inverter"):
        p, s = out.get(f"{prefix}_power"), values.get(f"{prefix}_apparent_power")
        if isinstance(p, (int, float)) and isinstance(s, (int, float)):
            out[f"{prefix}_power_factor"] = round(min(abs(p) / s, 1.0), 3) if s > 0 else None
    if "work_state" in values:
        out["on_grid"] = values["work_state"] in ON_GRID_STATES
    parts = ("charger_time_days", "charger_time_hours", "charger_time_minutes")
    if all(k in values for k in parts):
        out["charger_operating_time"] = sum(out.pop(k) for k in parts)  # type: ignore[misc]
    if any(k in values for k in ALARM_REGISTERS):
        out["alarms"] = [name for k in ALARM_REGISTERS for name in values.get(k) or []]  # type: ignore[union-attr]
    return out
