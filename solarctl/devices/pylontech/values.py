"""Console value text <-> SI values, one `Codec` per kind of value.

The console prints integers in milli-units (mV, mA, m°C, mAh), percentages as `89%`, states as
words and `-` where a module has no value. Parsing is strict (ASCII digits only, nothing else in the
text) so garbled text raises `ValueError` instead of becoming a wrong number; the caller adds which
command, line and column.
"""

from __future__ import annotations

import re
from typing import Any, Callable, NamedTuple

_INTEGER = re.compile(r"-?[0-9]+")
_PERCENT = re.compile(r"([0-9]+) ?%")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.]*")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # the module clock as `pwr` and `time` print it (local time, no zone)
# Module clocks print `2025-12-21 20:53:06`; some clones a two-digit year or slashes.
_TIMESTAMP = re.compile(r"(?:[0-9]{4}|[0-9]{2})[-/][0-9]{2}[-/][0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_CHARGE = re.compile(r"([0-9]+) mAH")
_SOC_AND_CHARGE = re.compile(r"([0-9]+) ?%(?: +([0-9]+) ?mA[Hh])?")
_HEX = re.compile(r"0x[0-9A-Fa-f]+")
_SPECIFICATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)V/([0-9]+(?:\.[0-9]+)?)AH")


class Codec(NamedTuple):
    parse: Callable[[str], Any]
    format: Callable[[Any], str]


def _match(pattern: re.Pattern[str], text: str, expected: str) -> re.Match[str]:
    match = pattern.fullmatch(text)
    if match is None:
        raise ValueError(f"expected {expected}, got {text!r}")
    return match


def parse_integer(text: str) -> int:
    return int(_match(_INTEGER, text, "an integer").group())


_MILLI = re.compile(r"(-?[0-9]+) *(?:mV|mA|mC|mAH|mAh)?")


def parse_milli(text: str) -> float:
    """`50691` (mV, mA, m°C, mAh; some firmwares print the unit: `50691mV`) -> 50.691 (V, A, °C, Ah)."""
    return int(_match(_MILLI, text, "an integer").group(1)) / 1000


def format_milli(value: float) -> str:
    return str(round(value * 1000))


def _percent(digits: str, text: str) -> int:
    if int(digits) > 100:
        raise ValueError(f"expected a percentage of at most 100, got {text!r}")
    return int(digits)


def parse_percent(text: str) -> int:
    return _percent(_match(_PERCENT, text, "a percentage like '89%'").group(1), text)


def parse_word(text: str) -> str:
    return _match(_WORD, text, "a single word").group()


def parse_timestamp(text: str) -> str:
    return _match(_TIMESTAMP, text, "a time like '2025-12-21 20:53:06'").group()


def parse_flag(text: str) -> bool:
    """`Y` / `N` (the BAL column: cell being balanced)."""
    if text not in ("Y", "N"):
        raise ValueError(f"expected Y or N, got {text!r}")
    return text == "Y"


def parse_charge(text: str) -> float:
    """`44628 mAH` -> 44.628 Ah."""
    return int(_match(_CHARGE, text, "a charge like '44628 mAH'").group(1)) / 1000


def parse_soc_and_charge(text: str) -> tuple[int, float | None]:
    """`89%      42586 mAH` (B66.6 `bat`: both under one `Coulomb` header) -> (89, 42.586)."""
    soc, charge = _match(_SOC_AND_CHARGE, " ".join(text.split()), "a value like '89% 42586 mAH'").groups()
    return _percent(soc, text), None if charge is None else int(charge) / 1000


def format_soc_and_charge(value: tuple[int, float | None]) -> str:
    # B66.6 right-aligns both numbers; only widths 2 (%) and 5 (mAh) are seen in a capture.
    soc, charge = value
    return f"{soc}%".rjust(4) + ("" if charge is None else f"{round(charge * 1000):>11} mAH")


def parse_specification(text: str) -> tuple[float, float]:
    """`48V/50AH` -> (48.0, 50.0): nominal voltage (V) and capacity (Ah)."""
    match = _match(_SPECIFICATION, text, "a specification like '48V/50AH'")
    return float(match.group(1)), float(match.group(2))


def format_specification(value: tuple[float, float]) -> str:
    return f"{value[0]:g}V/{value[1]:g}AH"


def parse_words(text: str) -> list[str]:
    """`BOV BHV BLV ...` (the protections listed by `pwr N`)."""
    return [parse_word(word) for word in text.split()]


def with_unit(codec: Codec, unit: str, separator: str = " ") -> Codec:
    """A number followed by its unit: `49769       mV`, `-100000mA`."""

    def parse(text: str) -> Any:
        if not text.endswith(unit):
            raise ValueError(f"expected a value in {unit}, got {text!r}")
        return codec.parse(text[: -len(unit)].strip())

    return Codec(parse, lambda value: codec.format(value) + separator + unit)


# Units a value may carry itself (`pwr N`, system summaries) -> the factor to SI (V, A, °C, Ah, s, %).
SI_FACTORS = {"mV": 1e-3, "mA": 1e-3, "mC": 1e-3, "mAH": 1e-3, "mAh": 1e-3, "mAS": 1 / 3_600_000, "s": 1, "%": 1}
_MEASURE = re.compile(r"(-?[0-9]+) *(\S+)")


def parse_measure(text: str, units: tuple[str, ...] = tuple(SI_FACTORS)) -> float:
    """`42586 mAH` or `153311400 mAS` (a charge in either unit) -> 42.586 / 42.5865 (Ah), one of `units`."""
    number, unit = _match(_MEASURE, text, f"a value in {' or '.join(units)}").groups()
    if unit not in units:
        raise ValueError(f"expected a value in {' or '.join(units)}, got {text!r}")
    return round(int(number) * SI_FACTORS[unit], 7)


def measured_or_raw(text: str) -> Any:
    """A label this code does not know: its value in SI if it carries a known unit, else the text."""
    match = _MEASURE.fullmatch(text)
    return parse_measure(text) if match and match.group(2) in SI_FACTORS else text


def measured(*units: str) -> Codec:
    """A value in any of `units` (firmwares differ: a charge in mAH or in mAS), written in the first."""
    return Codec(lambda text: parse_measure(text, units),
                 lambda value: f"{round(value / SI_FACTORS[units[0]])} {units[0]}")


MILLI = Codec(parse_milli, format_milli)
INTEGER = Codec(parse_integer, str)
PERCENT = Codec(parse_percent, lambda value: f"{value}%")
WORD = Codec(parse_word, str)
TIMESTAMP = Codec(parse_timestamp, str)
FLAG = Codec(parse_flag, lambda value: "Y" if value else "N")
CHARGE = Codec(parse_charge, lambda value: f"{round(value * 1000)} mAH")
SOC_AND_CHARGE = Codec(parse_soc_and_charge, format_soc_and_charge)
HEX = Codec(lambda text: int(_match(_HEX, text, "a hex number like '0x0'").group(), 16), hex)
WORDS = Codec(parse_words, " ".join)
SPECIFICATION = Codec(parse_specification, format_specification)
# The console numbers cells from 0; metrics number them from 1 like modules.
CELL_INDEX = Codec(lambda text: parse_integer(text) + 1, lambda value: str(value - 1))
# `stat`'s `Pwr Coulomb` is the remaining charge in mA·s (153311400 = 42.5865 Ah).
MILLIAMPERE_SECONDS = Codec(lambda text: parse_integer(text) / 3_600_000, lambda value: str(round(value * 3_600_000)))
MEASURED_OR_RAW = Codec(measured_or_raw, str)
RAW = Codec(str, str)  # columns this code does not know: kept as printed


def snake_case(label: str) -> str:
    """A console label as a metric name: `Soh. Status` -> `soh_status`, `Foo.St` -> `foo_state`."""
    label = re.sub(r"\.St$", " State", label.strip())
    return "_".join(re.findall(r"[a-z0-9]+", label.lower()))
