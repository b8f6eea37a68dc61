"""Read the old SCP battery CSV logs (var/BMS_log/YYYY-MM-DD.csv) as Pylontech stack Samples.

Two formats:
- 2021: Time, then SoC_i, Voltage_i, Current_i, Temperature_i for i = 1..8, raw console integers printed as
  floats (mV, mA, m°C);
- 2023 on: Time, then SoC_i, Voltage_i, Current_i, Temperature_i, B_Status_i, V_Status_i, C_Status_i,
  T_Status_i, in V, A, °C.
Time is local wall-clock time without a date ("H:M" until 2023-08-20, then "HH:MM:SS"); the date is the file
name. SCP dropped the current's sign (its parser's \\w+ ate the minus): where B_Status says Dischg the
current is made negative (our convention: + = charging); the 2021 format has no status, so its currents stay
as logged (>= 0). Several rows in one "H:M" minute are spread evenly over that minute, in file order, so
none overwrites another.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

from solarctl.sample import Sample

_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_STATES = {"B_Status": "base_state", "V_Status": "voltage_state", "C_Status": "current_state", "T_Status": "temperature_state"}


class ScpCsvError(ValueError):
    pass


def log_files(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).iterdir() if p.suffix == ".csv" and _FILE.match(p.name))


def read_log(path: Path, device: str, zone: ZoneInfo) -> Iterator[Sample]:
    day = date.fromisoformat(_FILE.match(path.name).group(1))  # type: ignore[union-attr]
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        if not header or header[0] != "Time" or "SoC_1" not in header:
            raise ScpCsvError(f"{path}: not an SCP battery log (expected a header 'Time,SoC_1,...')")
        raw_units = "B_Status_1" not in header  # 2021: mV / mA / m°C
        rows = list(reader)
    per_minute = Counter(r["Time"] for r in rows if r["Time"].count(":") == 1)
    seen: Counter[str] = Counter()
    for lineno, row in enumerate(rows, 2):
        when = row["Time"].strip()
        try:
            parts = [int(p) for p in when.split(":")]
            local = datetime.combine(day, datetime.min.time()) + timedelta(hours=parts[0], minutes=parts[1],
                                                                             seconds=parts[2] if len(parts) > 2 else 0)
        except (ValueError, IndexError):
            raise ScpCsvError(f"{path}:{lineno}: Time {when!r} is not H:M or HH:MM:SS") from None
        if len(parts) == 2:
            local += timedelta(seconds=60 * seen[when] / per_minute[when])
            seen[when] += 1
        ts = local.replace(tzinfo=zone).astimezone(timezone.utc).timestamp()
        modules = _modules(row, raw_units)
        if modules:
            yield Sample(device, ts, {**stack_values(modules), "module_count": len(modules), "modules": modules})


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def _modules(row: dict[str, Any], raw_units: bool) -> list[dict[str, Any]]:
    scale = 1000.0 if raw_units else 1.0
    out = []
    for i in range(1, 9):
        soc = _number(row.get(f"SoC_{i}"))
        if soc is None:
            continue
        m: dict[str, Any] = {"index": i, "soc": soc}
        for key, name in (("Voltage", "voltage"), ("Current", "current"), ("Temperature", "temperature")):
            v = _number(row.get(f"{key}_{i}"))
            if v is not None:
                m[name] = v / scale
        for col, name in _STATES.items():
            if row.get(f"{col}_{i}"):
                m[name] = row[f"{col}_{i}"]
        if m.get("base_state") == "Dischg" and m.get("current"):
            m["current"] = -abs(m["current"])
        out.append(m)
    return out


def stack_values(modules: list[dict[str, Any]]) -> dict[str, Any]:
    """The stack values of its modules: mean SoC and voltage, summed current and power, warmest temperature."""
    def values(k: str) -> list[float]:
        return [m[k] for m in modules if k in m]

    stack: dict[str, Any] = {"soc": sum(values("soc")) / len(modules)}
    if values("voltage"):
        stack["voltage"] = sum(values("voltage")) / len(values("voltage"))
    if values("current"):
        stack["current"] = sum(values("current"))
    if all("voltage" in m and "current" in m for m in modules):
        stack["power"] = sum(m["voltage"] * m["current"] for m in modules)
    if values("temperature"):
        stack["temperature"] = max(values("temperature"))
    return stack
