"""The plant's battery as a Pylontech stack answers on the RS485 port of its master (the `~` protocol):
one unit on the simulated RS485 bus answering for the master's address and its modules' (`unit`, `unit` + 1,
...). Module values are the console simulator's (pylontech_stack.py), so both ways to read the stack agree."""

from __future__ import annotations

from typing import Any

from solarctl.devices.pylontech_rs485 import answers
from solarctl.devices.pylontech_rs485.driver import VERSIONS
from solarctl.devices.pylontech_rs485.frames import BATTERY, FrameError, decode, encode
from solarctl.plant import Plant
from solarctl.registers import WriteRejected
from solarctl.sample import Value
from solarctl.sim.plant_view import PlantView
from solarctl.sim.pylontech_stack import module_row

HEADER_CHARS = 13  # `~` VER ADR CID1 CID2 LENGTH
MAX_FRAME = HEADER_CHARS + 0xFFF + 5


class PylonFramer:
    """`~…\\r` frames among the bytes on the bus."""

    def length(self, buffer: bytes) -> int | None:
        if buffer[:1] != b"~" or len(buffer) < HEADER_CHARS:
            return None
        try:
            return HEADER_CHARS + (int(buffer[9:13], 16) & 0xFFF) + 5
        except ValueError:
            return None

    def incomplete(self, buffer: bytes) -> bool:
        """The buffer may start a frame whose header has not all arrived yet."""
        return buffer[:1] == b"~" and len(buffer) < HEADER_CHARS

    def valid(self, frame: bytes) -> bool:
        try:
            return decode(frame).cid1 == BATTERY and frame.endswith(b"\r")
        except FrameError:
            return False


PYLON_FRAMER = PylonFramer()


def module_values(plant: Plant, i: int) -> dict[str, Any]:
    """Module i (0-based) as a 0x42 answer carries it (0.1 A current, whole °C temperatures)."""
    row = module_row(plant, i)
    battery = plant.battery
    return {
        "cell_voltages": [round(v, 3) for v in battery.cell_voltages(i)], "temperature": row["temperature"],
        "cell_temperatures": [row["temperature"]] * 4, "current": round(row["current"], 1),
        "voltage": row["voltage"], "capacity": battery.module_capacity_ah,
        "remaining_charge": round(battery.module_capacity_ah * battery.module_soc_pct(i) / 100, 3), "cycles": 0,
    }


class Rs485Stack:
    """Answers 0x42, 0x44, 0x47, 0x4F, 0x51, 0x92 and 0x93 for the master's address and its modules'."""

    framer = PYLON_FRAMER

    def __init__(self, plant: Plant, unit: int, version: int) -> None:
        self.plant, self.unit, self.version = plant, unit, version

    def answer(self, unit: int, pdu: bytes) -> bytes | None:
        return None  # deaf to Modbus

    def answer_frame(self, data: bytes) -> bytes | None:
        request = decode(data)
        battery = self.plant.battery
        addresses = range(self.unit, self.unit + battery.module_count)
        if request.address not in addresses or request.cid1 != BATTERY:
            return None
        i = request.address - self.unit
        asked = request.info[0] if request.info else request.address
        config = battery.config
        if request.cid2 == answers.ANALOG:
            modules = ([module_values(self.plant, k) for k in range(battery.module_count)] if asked == answers.ALL
                       else [module_values(self.plant, asked - self.unit)] if asked in addresses else None)
            info = None if modules is None else answers.encode_analog(modules, asked)
        elif request.cid2 == answers.ALARM:
            info = answers.encode_alarm(request.address, battery.cells, 5)
        elif request.cid2 == answers.SYSTEM_PARAMETERS:
            info = answers.encode_system_parameters(SYSTEM_PARAMETERS | {
                "charge_current_limit": config.module_max_charge_a,
                "discharge_current_limit": -config.module_max_discharge_a})
        elif request.cid2 == answers.MANAGEMENT:
            info = answers.encode_management(request.address, {
                "charge_voltage_limit": 3.55 * battery.cells, "discharge_voltage_limit": 3.0 * battery.cells,
                "charge_current_limit": config.module_max_charge_a,
                "discharge_current_limit": -config.module_max_discharge_a,
                "charge_enable": True, "discharge_enable": True})
        elif request.cid2 == answers.SERIAL:
            info = answers.encode_serial_number(request.address, f"SIMULATED{i + 1:07d}")
        elif request.cid2 == answers.MANUFACTURER:
            info = answers.encode_manufacturer("US2000C", (2, 8), "PYLON")
        elif request.cid2 == answers.PROTOCOL_VERSION:
            info = b""
        else:
            return encode(self.version, request.address, BATTERY, 0x04)  # CID2 invalid
        return None if info is None else encode(self.version, request.address, BATTERY, 0, info)


# US2000C-like limits (the protocol's 0x47 fields); the current limits come from the plant's config.
SYSTEM_PARAMETERS = {
    "cell_voltage_high_limit": 3.65, "cell_voltage_low_limit": 3.05, "cell_voltage_under_limit": 2.8,
    "charge_temperature_high_limit": 60.0, "charge_temperature_low_limit": 0.0, "module_voltage_high_limit": 54.0,
    "module_voltage_low_limit": 46.0, "module_voltage_under_limit": 43.0, "discharge_temperature_high_limit": 60.0,
    "discharge_temperature_low_limit": -10.0,
}


def rs485_unit(config, plant: Plant, index: int) -> Rs485Stack:
    return Rs485Stack(plant, config.unit, VERSIONS[config.version])


def plant_view(config, plant: Plant, index: int) -> PlantView:
    """The stack values as the driver sums them up from the modules."""
    def values() -> dict[str, Any]:
        modules = [module_values(plant, i) for i in range(plant.battery.module_count)]
        info = answers.encode_analog(modules, answers.ALL)
        found = answers.analog(info)
        found.pop("command")
        found["power"] = round(sum(m["voltage"] * m["current"] for m in found["modules"]), 1)
        return found

    def write(metric: str, value: Value) -> None:
        raise WriteRejected(f"a Pylontech stack on RS485 has no setting {metric!r}")

    return PlantView(values, write)
