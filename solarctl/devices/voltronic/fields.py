"""The answers' fields as data: each field of a space-separated answer is a name, how it is written on the wire
(a format that both renders it and says what it is) and, for codes, what the codes mean.

Sources (the PI30 protocol as its public decoders document it: jblance/mpp-solar `pi30.py` / `pi30max.py`,
softwarecrash/Solar2MQTT `PI_Serial/Q/PIGS.h`), checked against the real answers in tests/data/voltronic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from solarctl.registers.model import Register


@dataclass(frozen=True)
class Field:
    name: str  # metric name; "" = a field this driver skips (kept in place)
    form: str  # "%05.1f" for a number written as 000.0, "%03d" for 000, "bits" for a 0/1 string, "code"
    unit: str = ""
    codes: Mapping[str, str] | None = None  # wire code -> text, for `form == "code"`
    scale: float = 1.0  # wire value x scale = SI value (minutes -> s)


def _n(name: str, form: str, unit: str = "") -> Field:
    return Field(name, form, unit)


def _code(name: str, codes: Mapping[str, str]) -> Field:
    return Field(name, "code", codes=codes)


# QPIGS, general status: 21 fields (older firmware stops after the 17th; later ones append more, ignored).
QPIGS = (
    _n("grid_voltage", "%05.1f", "V"), _n("grid_frequency", "%04.1f", "Hz"),
    _n("output_voltage", "%05.1f", "V"), _n("output_frequency", "%04.1f", "Hz"),
    _n("output_apparent_power", "%04d", "VA"), _n("load_power", "%04d", "W"), _n("load_percent", "%03d", "%"),
    _n("bus_voltage", "%03d", "V"), _n("battery_voltage", "%05.2f", "V"), _n("battery_charge_current", "%03d", "A"),
    _n("battery_soc", "%03d", "%"), _n("heat_sink_temperature", "%04d", "°C"),
    _n("pv_current", "%04d", "A"), _n("pv_voltage", "%05.1f", "V"), _n("scc_battery_voltage", "%05.2f", "V"),
    _n("battery_discharge_current", "%05d", "A"), Field("status", "bits"),
    Field("fan_voltage_offset", "%02d", "V", scale=0.01), _n("eeprom_version", "%02d"), _n("pv_power", "%05d", "W"),
    Field("status_2", "bits"),
)
QPIGS_REQUIRED = 17  # up to the status bits: every PI30 firmware sends these

# QPIGS device status, b7 .. b0 as sent (the first character is b7), and the three bits of its last field.
STATUS_BITS = {7: "SBU priority version", 6: "configuration changed", 5: "SCC firmware updated", 4: "load on",
               3: "battery voltage steady while charging", 2: "charging", 1: "SCC charging", 0: "AC charging"}
STATUS_2_BITS = {2: "charging to float", 1: "switched on", 0: "dustproof installed"}

OUTPUT_SOURCE_PRIORITY = {"0": "Utility first", "1": "Solar first", "2": "SBU first"}
CHARGER_SOURCE_PRIORITY = {"0": "Utility first", "1": "Solar first", "2": "Solar + Utility", "3": "Only solar"}
BATTERY_TYPES = {"0": "AGM", "1": "Flooded", "2": "User", "3": "Pylontech", "4": "Shinheung", "5": "WECO",
                 "6": "Soltaro", "7": "Lithium protocol", "8": "Lithium other"}

# QPIRI, ratings and settings: 25 fields (later firmware appends more, ignored).
QPIRI = (
    _n("grid_rating_voltage", "%05.1f", "V"), _n("grid_rating_current", "%04.1f", "A"),
    _n("output_rating_voltage", "%05.1f", "V"), _n("output_rating_frequency", "%04.1f", "Hz"),
    _n("output_rating_current", "%04.1f", "A"), _n("output_rating_apparent_power", "%04d", "VA"),
    _n("output_rating_power", "%04d", "W"), _n("battery_rating_voltage", "%04.1f", "V"),
    _n("battery_recharge_voltage", "%04.1f", "V"), _n("battery_under_voltage", "%04.1f", "V"),
    _n("battery_bulk_voltage", "%04.1f", "V"), _n("battery_float_voltage", "%04.1f", "V"),
    _code("battery_type", BATTERY_TYPES), _n("grid_charge_current", "%02d", "A"),
    _n("max_charge_current", "%03d", "A"), _code("input_voltage_range", {"0": "Appliance", "1": "UPS"}),
    _code("output_source_priority", OUTPUT_SOURCE_PRIORITY), _code("charger_source_priority", CHARGER_SOURCE_PRIORITY),
    _n("parallel_max_units", "%d"),
    _code("machine_type", {"00": "Grid tie", "01": "Off grid", "10": "Hybrid"}),
    _code("topology", {"0": "transformerless", "1": "transformer"}),
    _code("output_mode", {"0": "single machine", "1": "parallel", "2": "phase 1 of 3", "3": "phase 2 of 3",
                          "4": "phase 3 of 3", "5": "phase 1 of 2", "6": "phase 2 of 2 (120°)",
                          "7": "phase 2 of 2 (180°)"}),
    _n("battery_redischarge_voltage", "%04.1f", "V"),
    _code("pv_ok_condition", {"0": "one unit with PV", "1": "all units with PV"}),
    _code("pv_power_balance", {"0": "PV limited to charge current", "1": "PV for charging and loads"}),
)

QMOD = {"P": "Power on", "S": "Standby", "L": "Line", "B": "Battery", "F": "Fault", "H": "Power saving",
        "D": "Shutdown"}

# QPIWS, one character per bit from a0. Bits 9, 10, 11 and 16 are faults when a1 (inverter fault) is set,
# warnings otherwise; a PI30 MAX sends 36 bits.
QPIWS_BITS = {
    0: "PV loss", 1: "inverter fault", 2: "bus over", 3: "bus under", 4: "bus soft fail", 5: "line fail",
    6: "OPV short", 7: "inverter voltage too low", 8: "inverter voltage too high", 9: "over temperature",
    10: "fan locked", 11: "battery voltage high", 12: "battery low alarm", 14: "battery under shutdown",
    15: "battery derating", 16: "overload", 17: "EEPROM fault", 18: "inverter over current",
    19: "inverter soft fail", 20: "self test fail", 21: "OP DC voltage over", 22: "battery open",
    23: "current sensor fail", 24: "battery short", 25: "power limit", 26: "PV voltage high",
    27: "MPPT overload fault", 28: "MPPT overload warning", 29: "battery too low to charge", 31: "battery weak",
    35: "battery equalisation",
}
QPIWS_FAULTS = frozenset({1, 2, 3, 4, 7, 8, 18, 19, 20, 21, 22, 23, 24})
QPIWS_FAULT_IF_INVERTER_FAULT = frozenset({9, 10, 11, 16})
QPIWS_MIN_BITS = 32

# QFLAG: `E` then the letters of enabled flags, `D` then those of disabled ones.
QFLAG = {"a": "buzzer", "b": "overload_bypass", "j": "power_saving", "k": "lcd_return_to_default",
         "u": "overload_restart", "v": "over_temperature_restart", "x": "lcd_backlight",
         "y": "primary_source_interrupt_alarm", "z": "fault_code_record"}

# The flag lists a poll publishes, as bits registers so the catalogue knows what their flags are (the page
# colours faults and warnings, never states). Their addresses mean nothing: PI30 has no registers.
FLAG_REGISTERS = (
    Register("status", 0, "u16", bits={**STATUS_BITS, **{bit + 8: name for bit, name in STATUS_2_BITS.items()}},
             flags="state"),
    Register("faults", 2, "u32", bits={bit: QPIWS_BITS[bit] for bit in QPIWS_FAULTS | QPIWS_FAULT_IF_INVERTER_FAULT},
             flags="fault"),
    Register("warnings", 4, "u32", bits={bit: name for bit, name in QPIWS_BITS.items() if bit not in QPIWS_FAULTS},
             flags="warning"),
)
