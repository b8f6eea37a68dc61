"""Journal lines and the JSON stored in sample.data: what goes in comes back out, odd values included."""

from __future__ import annotations

import json
import math
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from solarctl.sample import PollError, Sample
from solarctl.store.records import decode, dumps, encode, loads

finite = st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False) | st.text()
values = st.recursive(finite, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=12), values, max_size=12))
def test_values_come_back_from_the_json_exactly(sample_values):
    try:
        text = dumps(sample_values)
        text.encode()
    except UnicodeEncodeError:  # lone surrogates: not text a journal line can hold
        return
    assert loads(text) == sample_values
    assert json.loads(text) == sample_values  # any JSON reader (a database's, Grafana's) reads the same
    assert "\t" not in text and "\n" not in text  # the journal's separators never occur inside a field


def test_values_json_has_no_type_for():
    odd = {"nan": float("nan"), "inf": -math.inf, "big": 2**65, "key": {1: "int key"}, "obj": Decimal("1.50"), "tuple": (1, 2)}
    back = loads(dumps(odd))
    assert back["big"] == str(2**65) and back["key"] == {"1": "int key"} and back["obj"] == "1.50" and back["tuple"] == [1, 2]
    assert back["nan"] is None and back["inf"] is None  # null: valid JSON, stored as no value
    assert loads(dumps({"big": -(2**70), "s": "\ud800"})) == {"big": str(-(2**70)), "s": "\ud800"}  # text, never a rounded number
    assert loads(dumps({"nan": float("nan"), "x": 1.5})) == {"nan": None, "x": 1.5}
    assert loads('{"v":NaN}')["v"] != loads('{"v":NaN}')["v"]  # journals written by older versions still read


def test_journal_line_round_trip():
    s = Sample("xw", 1_700_000_000.25, {"p": 1.5, "s": "Invert\t\n", "l": [1, 2], "n": None, "x": float("nan")}, {"p": "W"}, ("hot",))
    line, rec = encode(s)
    assert line.count(b"\t") == 5 and line.endswith(b"\n") and line.count(b"\n") == 1
    back = decode(line)
    assert (back.device, back.timestamp, back.values_json, back.units, back.alarms) == ("xw", s.timestamp, rec.values_json, {"p": "W"}, ["hot"])
    assert back.values == {"p": 1.5, "s": "Invert\t\n", "l": [1, 2], "n": None, "x": None}
    err = decode(encode(PollError("xw", 1.0, "timeout"))[0])
    assert (err.ok, err.reason) == (False, "timeout")
