"""The one decoder (and its inverse) for every register table."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Iterable, Literal, Mapping, Sequence

from solarctl.registers.model import ByteOrder, Register
from solarctl.sample import Value

_BOUNDS = {
    "u8": (0, 0xFF),
    "s8": (-0x80, 0x7F),
    "u16": (0, 0xFFFF),
    "s16": (-0x8000, 0x7FFF),
    "u32": (0, 0xFFFFFFFF),
    "s32": (-0x80000000, 0x7FFFFFFF),
}


class WriteRejected(ValueError):
    """A value that must not be written: not writable, out of range, or not representable."""


# Every value is decoded from its bytes: registers are first laid out as a byte image in the
# device's order (msb_first: high byte of each register first; lsb_first: low byte first), so a
# 32-bit value, a string or an 8-bit field inside a register all follow the same rule.


def _endian(order: ByteOrder) -> Literal["little", "big"]:
    return "little" if order is ByteOrder.LSB_FIRST else "big"


def words_to_bytes(words: Sequence[int], order: ByteOrder = ByteOrder.MSB_FIRST) -> bytes:
    endian = _endian(order)
    return b"".join((w & 0xFFFF).to_bytes(2, endian) for w in words)


def bytes_to_words(data: bytes, order: ByteOrder = ByteOrder.MSB_FIRST) -> list[int]:
    """Inverse of words_to_bytes; an odd trailing byte is padded with zero."""
    endian = _endian(order)
    data = bytes(data) + b"\0" * (len(data) % 2)
    return [int.from_bytes(data[i : i + 2], endian) for i in range(0, len(data), 2)]


def _raw_int(reg: Register, data: bytes, order: ByteOrder) -> int:
    if reg.word_base != 0x10000:
        first, second = bytes_to_words(data, order)
        lo, hi = (first, second) if order is ByteOrder.LSB_FIRST else (second, first)
        return hi * reg.word_base + lo
    endian = _endian(order)
    return int.from_bytes(data, endian, signed=reg.type.startswith("s"))


def _decimals(reg: Register) -> int:
    """Decimal places the scale and offset can produce (to drop float noise like 49.676000001)."""
    exponents = [Decimal(repr(x)).normalize().as_tuple().exponent for x in (reg.scale, reg.offset)]
    return max(0, *(-e for e in exponents if isinstance(e, int)))


def decode_bytes(reg: Register, data: bytes, order: ByteOrder = ByteOrder.MSB_FIRST) -> Value:
    """The bytes of one field -> value in SI units (text for enums, list of flag names for bit fields)."""
    if len(data) < reg.size:
        raise ValueError(f"{reg.name}: needs {reg.size} bytes, got {len(data)}")
    data = bytes(data[: reg.size])
    if reg.type == "str":
        return data.split(b"\0", 1)[0].decode("latin-1").strip()
    raw = _raw_int(reg, data, order)
    if reg.enum is not None:
        return reg.enum.get(raw, f"Unknown ({raw})")
    if reg.bits is not None:
        return [reg.bits.get(b, f"bit {b}") for b in range(8 * reg.size) if raw >> b & 1]
    places = _decimals(reg)
    value = raw * reg.scale + reg.offset
    return round(value, places) if places else int(round(value))


def decode(reg: Register, words: Sequence[int], order: ByteOrder = ByteOrder.MSB_FIRST) -> Value:
    """Registers -> value in SI units (text for enums, list of flag names for bit fields)."""
    if len(words) < reg.count:
        raise ValueError(f"{reg.name}: needs {reg.count} registers, got {len(words)}")
    return decode_bytes(reg, words_to_bytes(words[: reg.count], order), order)


def decode_block(
    registers: Iterable[Register],
    start: int,
    words: Sequence[int],
    order: ByteOrder,
    *,
    byte_addressed: bool = False,
) -> dict[str, Value]:
    """Decode every register that lies inside a block of `words` read from `start`."""
    image = words_to_bytes(words, order)
    per_address = 1 if byte_addressed else 2
    out: dict[str, Value] = {}
    for reg in registers:
        i = (reg.address - start) * per_address
        if i >= 0 and i + reg.size <= len(image):
            out[reg.name] = decode_bytes(reg, image[i : i + reg.size], order)
    return out


def encode_block(
    registers: Iterable[Register],
    start: int,
    count: int,
    values: Mapping[str, Value],
    order: ByteOrder,
    *,
    byte_addressed: bool = False,
) -> list[int]:
    """Inverse of decode_block (for simulators): `count` registers from `start` holding `values`;
    registers without a value, and gaps, read as zero."""
    image = bytearray(2 * count)
    per_address = 1 if byte_addressed else 2
    for reg in registers:
        i = (reg.address - start) * per_address
        if reg.name in values and i >= 0 and i + reg.size <= len(image):
            image[i : i + reg.size] = encode_bytes(reg, values[reg.name], order)
    return bytes_to_words(bytes(image), order)


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


def encode_bytes(reg: Register, value: Value, order: ByteOrder = ByteOrder.MSB_FIRST) -> bytes:
    """Value in SI units (or enum text / flag names) -> the field's bytes. Raises WriteRejected if it cannot be represented."""
    if reg.type == "str":
        return str(value).encode("latin-1")[: reg.length].ljust(reg.size, b"\0")
    if reg.enum is not None:
        raw = _enum_code(reg, value)
    elif reg.bits is not None:
        names = {n: b for b, n in reg.bits.items()}
        flags = value or []  # 0, None, "" and [] all mean no flag set
        if not isinstance(flags, list) or not all(isinstance(n, str) and n in names for n in flags):
            raise WriteRejected(f"{reg.setting_name}: {value!r} is not a list of {sorted(names)}")
        raw = sum(1 << names[n] for n in flags)
    else:
        try:
            raw = round((float(value) - reg.offset) / reg.scale)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            raise WriteRejected(f"{reg.setting_name}: {value!r} is not a number") from None
    lo, hi = _BOUNDS[reg.type]
    if reg.word_base != 0x10000:
        hi = 0xFFFF * reg.word_base + reg.word_base - 1
    if not lo <= raw <= hi:
        raise WriteRejected(f"{reg.setting_name}: {value!r} does not fit a {reg.type} register")
    if reg.word_base != 0x10000:
        high, low = divmod(raw, reg.word_base)
        return words_to_bytes([low, high] if order is ByteOrder.LSB_FIRST else [high, low], order)
    endian = _endian(order)
    return raw.to_bytes(reg.size, endian, signed=reg.type.startswith("s"))


def encode(reg: Register, value: Value, order: ByteOrder = ByteOrder.MSB_FIRST) -> list[int]:
    """Value in SI units (or enum text / flag names) -> registers. Raises WriteRejected if it cannot be represented."""
    return bytes_to_words(encode_bytes(reg, value, order), order)


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
