"""The settings a PI30 inverter takes, as data: each is read back from its QPIRI field and written with its own
command; the inverter answers (ACK or (NAK.

They are `Register`s so that the SafeWriter treats them as it treats every other device's: range / enum check,
write-on-change, read-back, and the daily budget per register (these settings live in the inverter's EEPROM).
A register's `address` is the setting's field number in the QPIRI answer: where it is read back, and the key the
write budget counts it under. Ranges are a 48 V model's (the PI30 documentation's ranges for 48 V units); the
currents are those QMCHGCR / QMUCHGCR list on common 5 kW models, and a value between them is refused before
anything is sent, as the inverter would NAK it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from solarctl.devices.voltronic import fields as F
from solarctl.registers import Register, RegisterMap, WriteRejected
from solarctl.sample import Value

QPIRI_FIELD = {field.name: i for i, field in enumerate(F.QPIRI)}
GRID_CHARGE_CURRENTS = (2, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120)
CHARGE_CURRENTS = (10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120)


def _enum(codes: dict[str, str]) -> dict[int, str]:
    return {int(code): text for code, text in codes.items()}


def _volts(name: str, lo: float, hi: float, description: str) -> Register:
    return Register(name, QPIRI_FIELD[name], "u16", scale=0.1, unit="V", writable=True, min=lo, max=hi,
                    group="slow", description=description)


def _amps(name: str, allowed: tuple[int, ...], description: str) -> Register:
    return Register(name, QPIRI_FIELD[name], "u16", unit="A", writable=True, min=allowed[0], max=allowed[-1],
                    group="slow", description=description)


def _choice(name: str, codes: dict[str, str], description: str) -> Register:
    return Register(name, QPIRI_FIELD[name], "u16", enum=_enum(codes), writable=True, group="slow",
                    description=description)


SETTINGS = RegisterMap("PI30 settings", (
    _volts("battery_recharge_voltage", 44.0, 51.0, "PBCV: back to utility below this battery voltage"),
    _volts("battery_under_voltage", 40.0, 48.0, "PSDV: battery cut-off voltage"),
    _volts("battery_bulk_voltage", 48.0, 58.4, "PCVV: bulk (constant voltage) charge voltage"),
    _volts("battery_float_voltage", 48.0, 58.4, "PBFT: float charge voltage"),
    _amps("grid_charge_current", GRID_CHARGE_CURRENTS, "MUCHGC: largest utility charge current"),
    _amps("max_charge_current", CHARGE_CURRENTS, "MNCHGC: largest charge current, PV and utility together"),
    _choice("output_source_priority", F.OUTPUT_SOURCE_PRIORITY, "POP: what feeds the loads first"),
    _choice("charger_source_priority", F.CHARGER_SOURCE_PRIORITY, "PCP: what charges the battery"),
    _volts("battery_redischarge_voltage", 48.0, 58.0, "PBDV: back to battery above this battery voltage"),
))


@dataclass(frozen=True)
class Command:
    prefix: str
    render: Callable[[float], str]  # the value (a code for enums) -> the command's argument
    pattern: str  # the argument as the inverter accepts it
    allowed: tuple[int, ...] = ()  # the only values it takes, when not a range


def _volt_arg(value: float) -> str:
    return f"{value:04.1f}"


COMMANDS: dict[str, Command] = {
    "battery_recharge_voltage": Command("PBCV", _volt_arg, r"\d\d\.\d"),
    "battery_under_voltage": Command("PSDV", _volt_arg, r"\d\d\.\d"),
    "battery_bulk_voltage": Command("PCVV", _volt_arg, r"\d\d\.\d"),
    "battery_float_voltage": Command("PBFT", _volt_arg, r"\d\d\.\d"),
    "battery_redischarge_voltage": Command("PBDV", _volt_arg, r"\d\d\.\d"),
    "grid_charge_current": Command("MUCHGC", lambda a: f"{round(a):03d}", r"\d{3}", GRID_CHARGE_CURRENTS),
    "max_charge_current": Command("MNCHGC", lambda a: f"{round(a):03d}", r"\d{3}", CHARGE_CURRENTS),
    "output_source_priority": Command("POP", lambda code: f"{round(code):02d}", r"0[0-2]"),
    "charger_source_priority": Command("PCP", lambda code: f"{round(code):02d}", r"0[0-3]"),
}
_PARSE = re.compile("^(?:" + "|".join(f"(?P<{name}>{c.prefix}{c.pattern})" for name, c in COMMANDS.items()) + ")$")


def _code(reg: Register, value: Value) -> int:
    assert reg.enum is not None
    return next(code for code, text in reg.enum.items() if text == value)


def command_for(reg: Register, value: Value) -> str:
    """The command that sets `reg` to `value` (already checked against the register by the SafeWriter)."""
    command = COMMANDS[reg.name]
    number = _code(reg, value) if reg.enum is not None else float(value)  # type: ignore[arg-type]
    if command.allowed and number not in command.allowed:
        raise WriteRejected(f"{reg.setting_name}: the inverter takes only "
                            f"{', '.join(map(str, command.allowed))} {reg.unit}, not {number:g}")
    return command.prefix + command.render(number)


def parse_command(text: str) -> tuple[Register, Value] | None:
    """A setting command -> (register, value in the register's terms), or None if it is none of them
    (the simulator's side of `command_for`)."""
    match = _PARSE.match(text)
    if match is None or match.lastgroup is None:
        return None
    reg = SETTINGS[match.lastgroup]
    argument = text[len(COMMANDS[reg.name].prefix):]
    if reg.enum is not None:
        code = int(argument)
        return (reg, reg.enum[code]) if code in reg.enum else None
    return reg, float(argument)
