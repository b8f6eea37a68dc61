"""The text of each answer (after `(`, before the CRC) -> values in SI units, and back (the simulator renders
with the same field tables). An answer with fewer fields than the protocol requires, or a field that is not what
its format says, is refused as a whole."""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from solarctl.devices.voltronic import fields as F
from solarctl.devices.voltronic.frames import FrameError

_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def _number(field: F.Field, text: str) -> float | int:
    if not _NUMBER.match(text):
        raise FrameError(f"{field.name} = {text!r} is not a number")
    value = float(text) * field.scale
    return value if "." in text or field.scale != 1 or "f" in field.form else int(value)


def _bits(text: str, names: Mapping[int, str], name: str) -> list[str]:
    if not text or set(text) - {"0", "1"}:
        raise FrameError(f"{name} = {text!r} is not a string of 0 and 1")
    top = len(text) - 1
    return [names.get(top - i, f"{name} bit {top - i}") for i, c in enumerate(text) if c == "1"]


def _fields(table: Sequence[F.Field], text: str, required: int, command: str) -> dict[str, Any]:
    parts = text.split()
    if len(parts) < required:
        raise FrameError(f"a {command} answer has at least {required} fields, this one {len(parts)}")
    values: dict[str, Any] = {}
    for field, part in zip(table, parts):
        if field.form == "bits":
            continue  # read by the caller, which knows the bits' names
        if field.form == "code":
            assert field.codes is not None
            if part not in field.codes:
                raise FrameError(f"{field.name} = {part!r} is no code the protocol defines")
            values[field.name] = field.codes[part]
        elif field.name == "parallel_max_units" and part == "-":
            continue  # a unit that cannot run in parallel sends `-`
        else:
            values[field.name] = _number(field, part)
    return values


def qpigs(text: str) -> dict[str, Any]:
    """General status. Adds what the driver publishes from it: the battery current (+ = charging), its power,
    and the PV power from current x voltage where the firmware sends no PV power field."""
    values = _fields(F.QPIGS, text, F.QPIGS_REQUIRED, "QPIGS")
    parts = text.split()
    values["status"] = _bits(parts[16], F.STATUS_BITS, "status")
    if len(parts) > 20:
        values["status"] += _bits(parts[20], F.STATUS_2_BITS, "status 2")
    if "pv_power" not in values:
        values["pv_power"] = round(values["pv_current"] * values["pv_voltage"])
    current = values["battery_charge_current"] - values["battery_discharge_current"]
    values["battery_current"] = current
    values["battery_power"] = round(current * values["battery_voltage"], 1)
    return values


def qpiri(text: str) -> dict[str, Any]:
    return _fields(F.QPIRI, text, len(F.QPIRI), "QPIRI")


def qmod(text: str) -> dict[str, Any]:
    if text not in F.QMOD:
        raise FrameError(f"QMOD answered {text!r}, which is no mode the protocol defines")
    return {"mode": F.QMOD[text], "on_grid": text == "L"}


def qpiws(text: str) -> dict[str, Any]:
    if len(text) < F.QPIWS_MIN_BITS or set(text) - {"0", "1"}:
        raise FrameError(f"a QPIWS answer is at least {F.QPIWS_MIN_BITS} characters 0 or 1, this one {text[:40]!r}")
    inverter_fault = text[1] == "1"
    faults: list[str] = []
    warnings: list[str] = []
    for bit, char in enumerate(text):
        if char != "1" or bit == 1:
            continue
        name = F.QPIWS_BITS.get(bit, f"warning bit {bit}")
        fault = bit in F.QPIWS_FAULTS or (inverter_fault and bit in F.QPIWS_FAULT_IF_INVERTER_FAULT)
        (faults if fault else warnings).append(name)
    if inverter_fault:
        faults.insert(0, F.QPIWS_BITS[1])
    return {"faults": faults, "warnings": warnings}


def qflag(text: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    state: bool | None = None
    for char in text:
        if char in "ED":
            state = char == "E"
        elif char in F.QFLAG and state is not None:
            values[F.QFLAG[char]] = state
        else:
            raise FrameError(f"QFLAG answered {text!r}: {char!r} is no flag letter")
    return values


def qpi(text: str) -> dict[str, Any]:
    if not re.match(r"^PI\d\d$", text):
        raise FrameError(f"QPI answered {text!r}, not a protocol id such as PI30")
    return {"protocol_id": text}


def qid(text: str) -> dict[str, Any]:
    if not text.isdigit():
        raise FrameError(f"QID answered {text!r}, not a serial number of digits")
    return {"serial_number": text}


def qsid(text: str) -> dict[str, Any]:
    """QSID (newer firmware): two digits giving the serial number's length, the number, then padding."""
    if len(text) < 3 or not text.isdigit() or int(text[:2]) > len(text) - 2:
        raise FrameError(f"QSID answered {text!r}, not a length and a serial number")
    return {"serial_number": text[2:2 + int(text[:2])]}


def qvfw(text: str) -> dict[str, Any]:
    match = re.match(r"^VERFW:(\d{5}\.\d{2})$", text)
    if not match:
        raise FrameError(f"QVFW answered {text!r}, not VERFW:nnnnn.nn")
    return {"firmware_version": match.group(1)}


PARSERS = {"QPIGS": qpigs, "QPIRI": qpiri, "QMOD": qmod, "QPIWS": qpiws, "QFLAG": qflag, "QPI": qpi, "QID": qid,
           "QSID": qsid, "QVFW": qvfw}


# Rendering, for the simulator: values -> answer text, with the same tables.
def _render(table: Sequence[F.Field], values: Mapping[str, Any]) -> str:
    parts = []
    for field in table:
        value = values[field.name]
        if field.form == "bits":
            parts.append(value)
        elif field.form == "code":
            assert field.codes is not None
            parts.append(next(code for code, text in field.codes.items() if text == value))
        else:
            number = value / field.scale
            parts.append(field.form % (round(number) if field.form.endswith("d") else number))
    return " ".join(parts)


def render_bits(names: Mapping[int, str], on: set[str], width: int) -> str:
    return "".join("1" if names.get(bit) in on else "0" for bit in range(width - 1, -1, -1))


def render_qpigs(values: Mapping[str, Any]) -> str:
    return _render(F.QPIGS, values)


def render_qpiri(values: Mapping[str, Any]) -> str:
    return _render(F.QPIRI, values)


def render_qpiws(faults: set[str], warnings: set[str]) -> str:
    on = faults | warnings
    return "".join("1" if F.QPIWS_BITS.get(bit) in on else "0" for bit in range(F.QPIWS_MIN_BITS))


def render_qflag(flags: Mapping[str, bool]) -> str:
    letter = {name: char for char, name in F.QFLAG.items()}
    return ("E" + "".join(letter[n] for n, on in flags.items() if on) +
            "D" + "".join(letter[n] for n, on in flags.items() if not on))
