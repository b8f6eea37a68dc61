"""Names of the PV1800 error/warning bits, as data.

Transcribed from the vendor protocol 1.04.15 (extended) sheets, exported as
reference/must-jk/pv1800_inverter_alarm_bits.csv and pv1800_pv_charger_alarm_bits.csv
(line n of html_inv_*.txt in alpet83/Solar-Station gives the same names). Bits the vendor marks
"reserved" keep a name that says which register and bit they are, so a set reserved bit is
still reported rather than dropped.
"""

from __future__ import annotations

from typing import Sequence


def _bits(register: str, names: Sequence[str | None]) -> dict[int, str]:
    """Bit number -> name; None = reserved."""
    return {bit: name or f"{register} bit {bit} (reserved)" for bit, name in enumerate(list(names) + [None] * (16 - len(names)))}


CHARGER_ERRORS = _bits(
    "charger error",
    [
        "Hardware protection",
        "Over current",
        "Current sensor error",
        "Over temperature",
        "PV voltage is too high",
        "PV voltage is too low",
        "Battery voltage is too high",
        "Battery voltage is too Low",
        "Current is uncontrollable",
        "Parameter error",
    ],
)

CHARGER_WARNINGS = _bits("charger warning", ["Fan Error"])

INVERTER_ERRORS_1 = _bits(
    "inverter error 1",
    [
        "Fan is locked when inverter is off",
        "Inverter transformer over temperature",
        "battery voltage is too high",
        "battery voltage is too low",
        "Output short circuited",
        "Inverter output voltage is high",
        "Overload time out",
        "Inverter bus voltage is too high",
        "Bus soft start failed",
        "Main relay failed",
        "Inverter output voltage sensor error",
        "Inverter grid voltage sensor error",
        "Inverter output current sensor error",
        "Inverter grid current sensor error",
        "Inverter load current sensor error",
        "Inverter grid over current error",
    ],
)

INVERTER_ERRORS_2 = _bits(
    "inverter error 2",
    [
        "Inverter radiator over temperature",
        "Solar charger battery voltage class error",
        "Solar charger current sensor error",
        "Solar charger current is uncontrollable",
        "Inverter grid voltage is low",
        "Inverter grid voltage is high",
        "Inverter grid under frequency",
        "Inverter grid over frequency",
        "Inverter over current protection error",
        "Inverter bus voltage is too low",
        "Inverter soft start failed",
        "Over DC voltage in AC output",
        "Battery connection is open",
        "Inverter control current sensor error",
        "Inverter output voltage is too low",
    ],
)

# The vendor sheet lists register 25263 but publishes no bit names for it.
INVERTER_ERRORS_3 = _bits("inverter error 3", [])

INVERTER_WARNINGS_1 = _bits(
    "inverter warning 1",
    [
        "Fan is locked when inverter is on.",
        "Fan2 is locked when inverter is on.",
        "Battery is over-charged.",
        "Low battery",
        "Overload",
        "Output power derating",
        "Solar charger stops due to low battery.",
        "Solar charger stops due to high PV voltage.",
        "Solar charger stops due to over load.",
        "Solar charger over temperature",
        "PV charger communication error",
    ],
)

INVERTER_WARNINGS_2 = _bits("inverter warning 2", [])  # all 16 bits reserved in the vendor sheet

# 20142 System setting (read-only here: see registers.py).
SYSTEM_SETTING = _bits(
    "system setting",
    [
        "OverLoadRestartForbid",
        "OverTempRestartForbid",
        "OverLoadBypassForbid",
        "AutoTurnPageFlagForbid",
        "GridBuzzEnable",
        "BuzzForbid",
        "LcdLightEnable",
        "RecordFaultForbid",
    ],
)
