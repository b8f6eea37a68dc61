"""One journal line per hub event (Sample, PollError or AlertEvent), and back.

A line is tab-separated: kind, device, timestamp, then JSON fields. JSON escapes tabs and newlines, so
they never occur inside a field. The values JSON is kept as text because it is stored as is in `sample.data`.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Union

import orjson

from solarctl.alert_types import AlertEvent
from solarctl.sample import PollError, Sample

_json_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str).encode


def dumps(value: Any) -> str:
    """Compact JSON (stored as is in `sample.data`), non-ASCII as is, str() of anything JSON has no type for.

    NaN and infinities are written as null (json's `NaN` is not JSON: a database's JSON functions refuse it),
    integers beyond 64 bits as text (orjson would read them back as rounded floats), non-text keys as text."""
    try:
        return orjson.dumps(value, default=str).decode()
    except orjson.JSONEncodeError:
        pass
    try:
        return orjson.dumps(_jsonable(value), default=str).decode()
    except orjson.JSONEncodeError:  # lone surrogates
        return _json_dumps(_jsonable(value))


_INT64 = range(-(2**63), 2**63)


def _jsonable(value: Any) -> Any:
    """What orjson refused, in terms it takes (the rare path: a value orjson cannot write as it is)."""
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value not in _INT64:
        return str(value)
    return value


def loads(text: str | bytes) -> Any:
    """Parse what dumps() wrote (json for what orjson refuses: `NaN` in journals of older versions)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


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


def encode(event: Union[Sample, PollError, AlertEvent]) -> tuple[bytes, Record | AlertEvent]:
    if isinstance(event, AlertEvent):  # kept as it is: the writer stores it in `alert`
        return ("A\t" + dumps(asdict(event)) + "\n").encode(), replace(event, values=dict(event.values))
    device = event.device
    dj = dumps(device)
    if isinstance(event, Sample):
        values = dict(event.values)
        vj = dumps(values)
        rec = Record(device, event.timestamp, values, vj, dict(event.units), list(event.alarms))
        line = "\t".join(("S", dj, repr(float(event.timestamp)), vj, dumps(rec.units) if rec.units else "{}",
                           dumps(rec.alarms) if rec.alarms else "[]"))
    else:
        rec = Record(device, event.timestamp, reason=event.reason)
        line = "\t".join(("E", dj, repr(float(event.timestamp)), dumps(event.reason)))
    return (line + "\n").encode(), rec


def decode(line: bytes) -> Record | AlertEvent:
    parts = line.decode().rstrip("\n").split("\t")
    if parts[0] == "A":
        return AlertEvent(**loads(parts[1]))
    device, ts = loads(parts[1]), float(parts[2])
    if parts[0] == "S":
        return Record(device, ts, loads(parts[3]), parts[3], loads(parts[4]) if parts[4] != "{}" else {},
                      loads(parts[5]) if parts[5] != "[]" else [])
    if parts[0] == "E":
        return Record(device, ts, reason=loads(parts[3]))
    raise ValueError(f"unknown journal record kind {parts[0]!r}")
