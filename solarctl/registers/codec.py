"""The one decoder (and its inverse) for every register table."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Iterable, Sequence

from solarctl.registers.model import ByteOrder, Register
from solarctl.sample import Value

_BOUNDS = {"u16": (0, 0xFFFF), "s16": (-0x8000, 0x7FFF), "u32": (0, 0xFFFFFFFF), "s32": (-0x80000000, 0x7FFFFFFF)}


class WriteRejected(ValueError):
    """A value that must not be written: not writable, out of range, or not representable."""


def _raw_int(reg: Register, words: Sequence[int], order: ByteOrder) -> int:
    if reg.count == 1:
        raw = words[0] & 0xFFFF
    else:
        lo, hi = (words[0], words[1]) if order is ByteOrder.LSB_FIRST else (words[1], words[0])
        raw = (hi & 0xFFFF) << 16 | (lo & 0xFFFF)
    bits = 16 * reg.count
    if reg.type.startswith("s") and raw >= 1 << (bits - 1):
        raw -= 1 << bits
    return raw


def _decimals(reg: Register) -> int:
    """Decimal places the scale and offset can produce (to drop float noise like 49.676000001)."""
    exponents = [Decimal(repr(x)).normalize().as_tuple().exponent for x in (reg.scale, reg.offset)]
    return max(0, *(-e for e in exponents if isinstance(e, int)))


def decode(reg: Register, words: Sequence[int], order: ByteOrder = ByteOrder.MSB_FIRST) -> Value:
    """Registers -> value in SI units (text for enums, list of flag names for bit fields)."""
    if len(words) < reg.count:
        raise ValueError(f"{reg.name}: needs {reg.count} registers, got {len(words)}")
    if reg.type == "str":
        data = bytearray()
        for w in words[: reg.count]:
            pair = (w & 0xFF, w >> 8 & 0xFF)
            data.extend(pair if order is ByteOrder.LSB_FIRST else pair[::-1])
        return data[: reg.length].split(b"\0", 1)[0].decode("latin-1").strip()
    raw = _raw_int(reg, words, order)
    if reg.enum is not None:
        return reg.enum.get(raw, f"Unknown ({raw})")
    if reg.bits is not None:
        return [reg.bits.get(b, f"bit {b}") for b in range(16 * reg.count) if raw >> b & 1]
    places = _decimals(reg)
    value = raw * reg.scale + reg.offset
    return round(value, places) if places else int(round(value))


def decode_block(registers: Iterable[Register], start: int, words: Sequence[int], order: ByteOrder) -> dict[str, Value]:
    """Decode every register that lies inside a block of `words` read from `start`."""
    out: dict[str, Value] = {}
    for reg in registers:
        i = reg.address - start
        if i >= 0 and i + reg.count <= len(words):
            out[reg.name] = decode(reg, words[i : i + reg.count], order)
    return out


def _enum_code(reg: Register, value: Value) -> int:
    assert reg.enum is not None
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, (int, float)) and value == int(value) and int(value) in reg.enum:
        return int(value)
    if isinstance(value, str):
        text = value.strip().lower()
        for code, name in reg.enum.items():
            if name.lower() == text:
                return code
        if text.isdigit() and int(text) in reg.enum:
            return int(text)
    choices = ", ".join(f"{c}={n}" for c, n in reg.enum.items())
    raise WriteRejected(f"{reg.setting_name}: {value!r} is not one of {choices}")


def encode(reg: Register, value: Value, order: ByteOrder = ByteOrder.MSB_FIRST) -> list[int]:
    """Value in SI units (or enum text / flag names) -> registers. Raises WriteRejected if it cannot be represented."""
    if reg.type == "str":
        data = str(value).encode("latin-1")[: reg.length].ljust(reg.count * 2, b"\0")
        pairs = [(data[i], data[i + 1]) for i in range(0, len(data), 2)]
        return [lo | hi << 8 if order is ByteOrder.LSB_FIRST else lo << 8 | hi for lo, hi in pairs]
    if reg.enum is not None:
        raw = _enum_code(reg, value)
    elif reg.bits is not None:
        names = {n: b for b, n in reg.bits.items()}
        try:
            raw = sum(1 << names[n] for n in (value or []))  # type: ignore[union-attr]
        except (KeyError, TypeError):
            raise WriteRejected(f"{reg.setting_name}: {value!r} is not a list of {sorted(names)}") from None
    else:
        try:
            raw = round((float(value) - reg.offset) / reg.scale)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise WriteRejected(f"{reg.setting_name}: {value!r} is not a number") from None
    lo, hi = _BOUNDS[reg.type]
    if not lo <= raw <= hi:
        raise WriteRejected(f"{reg.setting_name}: {value!r} does not fit a {reg.type} register")
    raw &= (1 << 16 * reg.count) - 1
    if reg.count == 1:
        return [raw]
    words = [raw & 0xFFFF, raw >> 16]
    return words if order is ByteOrder.LSB_FIRST else words[::-1]


def check_write(reg: Register, value: Value) -> Value:
    """Validate a value meant for a device; return it normalised (enum text, float). Raises WriteRejected."""
    if not reg.writable:
        raise WriteRejected(f"{reg.name} is read-only")
    if reg.enum is not None:
        return reg.enum[_enum_code(reg, value)]
    if reg.type == "str":
        text = str(value)
        if len(text.encode("latin-1", "replace")) > reg.length:
            raise WriteRejected(f"{reg.setting_name}: text longer than {reg.length} characters")
        return text
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise WriteRejected(f"{reg.setting_name}: {value!r} is not a number") from None
    if not math.isfinite(number) or (reg.min is not None and number < reg.min) or (reg.max is not None and number > reg.max):
        unit = f" {reg.unit}" if reg.unit else ""
        raise WriteRejected(f"{reg.setting_name}: {value}{unit} is outside the valid range {reg.min:g} to {reg.max:g}{unit}")
    # What the device will hold after rounding to its resolution.
    return decode(reg, encode(reg, number))
