"""One journal line per hub event (Sample or PollError), and back.

A line is tab-separated: kind, device, timestamp, then JSON fields. JSON escapes tabs and newlines, so
they never occur inside a field. The values JSON is kept as text because it is stored as is in `sample.data`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Union

from solarctl.sample import PollError, Sample

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str).encode


@dataclass(slots=True)
class Record:
    device: str
    timestamp: float
    values: dict[str, Any] | None = None  # None for a failed poll
    values_json: str = ""
    units: dict[str, str] = field(default_factory=dict)
    alarms: list[str] = field(default_factory=list)
    reason: str | None = None  # why the poll failed

    @property
    def ok(self) -> bool:
        return self.values is not None


def encode(event: Union[Sample, PollError]) -> tuple[bytes, Record]:
    if isinstance(event, Sample):
        values = dict(event.values)
        vj = _dumps(values)
        rec = Record(event.device, event.timestamp, values, vj, dict(event.units), list(event.alarms))
        line = "\t".join(("S", _dumps(event.device), repr(float(event.timestamp)), vj, _dumps(rec.units), _dumps(rec.alarms)))
    else:
        rec = Record(event.device, event.timestamp, reason=event.reason)
        line = "\t".join(("E", _dumps(event.device), repr(float(event.timestamp)), _dumps(event.reason)))
    return (line + "\n").encode(), rec


def decode(line: bytes) -> Record:
    parts = line.decode().rstrip("\n").split("\t")
    device, ts = json.loads(parts[1]), float(parts[2])
    if parts[0] == "S":
        return Record(device, ts, json.loads(parts[3]), parts[3], json.loads(parts[4]), json.loads(parts[5]))
    if parts[0] == "E":
        return Record(device, ts, reason=json.loads(parts[3]))
    raise ValueError(f"unknown journal record kind {parts[0]!r}")
