"""What the driver publishes: stack values from `pwr` (+ `info`), cell values from `bat`.

Modules in a stack are in parallel: the stack voltage is their mean, the current their sum, the
SoC their capacity-weighted mean. Values are rounded to 3 decimals, the console's resolution, so
no float noise (50.682000000000002) is published.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from solarctl.devices.pylontech.errors import ConsoleParseError
from solarctl.devices.pylontech.tables import MANGLED

DEFAULT_CAPACITY_AH = 50.0  # US2000B Plus; `info` says `Specification : 48V/50AH`
OPERATING_STATES = frozenset({"Charge", "Dischg", "Idle", "Balance"})  # Base.St words that are no alarm
MODULE_METRICS = ("soc", "voltage", "current", "temperature", "cell_voltage_min", "cell_voltage_max")
UNITS = {
    "soc": "%", "voltage": "V", "current": "A", "power": "W", "temperature": "°C",
    "cell_voltage_min": "V", "cell_voltage_max": "V", "capacity": "Ah",
    "cell_voltages": "V", "cell_temperatures": "°C",
}


def _mean(values: Iterable[float], weights: Iterable[float] | None = None) -> float:
    values = list(values)
    weights = [1.0] * len(values) if weights is None else list(weights)
    return round(sum(v * w for v, w in zip(values, weights)) / sum(weights), 3)


def _extreme(pick: Any, modules: list[Mapping[str, Any]], key: str) -> float | None:
    """The lowest / highest of a value the modules print (firmwares without the column: None)."""
    found = [module[key] for module in modules if module.get(key) is not None]
    return pick(found) if found else None


def _capacity(info: Mapping[str, Any] | None) -> float:
    return DEFAULT_CAPACITY_AH if info is None else info["capacity"]


def _row_lost(lost: Mapping[str, Any]) -> str:
    """`row mangled on the wire (line 7)`, `row lost: column 'Volt': expected an integer, got '3x31' (line 7)`."""
    reason = lost.get("reason", MANGLED)
    where = f" (line {lost['line']})" if lost.get("line") is not None else ""
    return f"row {reason}{where}" if reason == MANGLED else f"row lost: {reason}{where}"


def alarms(rows: Iterable[Mapping[str, Any]], columns: Mapping[str, str], what: str) -> list[str]:
    """Every state column not `Normal` (nor an operating word in the base state), readably."""
    found = []
    for row in rows:
        for key, value in row.items():
            if not key.endswith("_state") or value in (None, "Normal"):
                continue
            if key == "base_state" and value in OPERATING_STATES:
                continue
            found.append(f"{what} {row['index']}: {columns[key]} = {value}")
    return found


def stack_values(
    pwr: Mapping[str, Any],
    info: Mapping[str, Any] | None = None,
    module_info: Mapping[int, Mapping[str, Any]] | None = None,
    *,
    partial: bool = False,
) -> dict[str, Any]:
    """A parsed `pwr` table -> stack metrics, `modules` (present ones) and `alarms`.

    Capacity weights the SoC: a module's own `info N` from `module_info` (stacks may mix US2000
    and US3000), else the master's `info`, else 50 Ah.
    """
    lost_rows = pwr.get("lost_rows", [])
    if lost_rows and not partial:  # a stack's sum without a module is no stack value
        lost = lost_rows[0]
        raise ConsoleParseError(lost["reason"], command="pwr", line=lost["line"])
    present = [module for module in pwr["modules"] if module["present"]]
    if not present:
        raise ConsoleParseError("no module is present", command="pwr")
    module_info = module_info or {}
    capacities = [_capacity(module_info.get(module["index"], info)) for module in present]
    modules = [
        {"index": module["index"], **{key: module.get(key) for key in MODULE_METRICS},
         **{key: value for key, value in module.items() if key.endswith("_state")}}
        for module in present
    ]
    return {
        "soc": _mean((module["soc"] for module in present), capacities),
        "voltage": _mean(module["voltage"] for module in present),
        "current": round(sum(module["current"] for module in present), 3),
        "power": round(sum(module["voltage"] * module["current"] for module in present), 3),
        "temperature": _mean(module["temperature"] for module in present),
        "cell_voltage_min": _extreme(min, present, "cell_voltage_min"),
        "cell_voltage_max": _extreme(max, present, "cell_voltage_max"),
        "capacity": round(sum(capacities), 3),
        "module_count": len(present),
        "modules": modules,
        "alarms": alarms(present, pwr["columns"], "module")
        + [f"module {lost['module']}: {_row_lost(lost)}, not in the stack values" for lost in lost_rows],
    }


def system_stack_values(system: Mapping[str, Any], columns: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A high-voltage stack's `pwr` system summary or row -> the same stack metrics (no per-module rows);
    its state words other than `Normal` are alarms."""
    values = {key: system[key] for key in (*MODULE_METRICS, "capacity", "module_count") if key in system}
    power = round(system["voltage"] * system["current"], 3)
    states = {key: value for key, value in system.items() if key.endswith("_state")}
    found = alarms([{"index": "", **states}], dict(columns or {}), "stack") if states else []
    return {**values, "power": power, "modules": [],
            "alarms": [alarm.replace("stack : ", "stack: ") for alarm in found]}


def cells_by_module(cells: list[Any], bat: Mapping[str, Any], module_count: int | None) -> list[list[Any]]:
    """A whole-stack cell list cut into its modules: by the `module` the table numbered them by, else
    into `module_count` equal runs; one run when neither is known."""
    numbered = [cell.get("module") for cell in bat["cells"]] + [lost.get("module") for lost in bat["lost_rows"]]
    if all(numbered) and numbered:
        sizes = [sum(1 for module in numbered if module == number) for number in range(1, max(numbered) + 1)]
    elif module_count and len(cells) % module_count == 0:
        sizes = [len(cells) // module_count] * module_count
    else:
        sizes = [len(cells)]
    runs, start = [], 0
    for size in sizes:
        runs.append(cells[start:start + size])
        start += size
    return runs


def cell_values(bat: Mapping[str, Any], cell_count: int | None = None) -> dict[str, Any]:
    """A parsed `bat N` table -> cell voltage / temperature lists, per-cell states, extremes, alarms.
    `cell_count`, when known (`info`'s `Cell Number`), catches a table that lost rows: it is refused.

    A row mangled on the wire (`lost_rows`) is a None cell in the lists and an alarm, so the others
    keep their places; more mangled rows than readable ones is no table."""
    cells, lost = bat["cells"], bat.get("lost_rows", [])
    if len(cells) <= len(lost):
        raise ConsoleParseError(f"{len(cells)} cell rows readable, {len(lost)} mangled", command="bat")
    rows = len(cells) + len(lost)
    if cell_count is not None and rows != cell_count:
        raise ConsoleParseError(f"{rows} cell rows but the module has {cell_count} cells (a row was lost)",
                                command="bat")
    lost_at = {row["cell"] for row in lost}
    readable_at = [position for position in range(1, rows + 1) if position not in lost_at]
    by_position = dict(zip(readable_at, cells))
    in_order = [by_position.get(position, {}) for position in range(1, rows + 1)]
    voltages = [cell["voltage"] for cell in cells]
    return {
        "cell_voltages": [cell.get("voltage") for cell in in_order],
        "cell_temperatures": [cell.get("temperature") for cell in in_order],
        "cell_voltage_min": min(voltages),
        "cell_voltage_max": max(voltages),
        "cell_states": [
            {key: value for key, value in cell.items() if key in ("index", "balancing") or key.endswith("_state")}
            for cell in cells
        ],
        "alarms": alarms(cells, bat["columns"], "cell")
        + [f"cell {row['cell']}: {_row_lost(row)}" for row in lost],
    }
