"""Answers in standard JSON (RFC 8259): no NaN or Infinity, which Python's json writes by default and other
languages' parsers refuse. A value that is not a finite number is unknown: null."""

from __future__ import annotations

import json
import math
from typing import Any


def finite(value: Any) -> Any:
    """`value` with every non-finite float (at any depth of dicts, lists and tuples) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def dumps(value: Any, **kw: Any) -> str:
    return json.dumps(finite(value), allow_nan=False, ensure_ascii=False, **kw)
