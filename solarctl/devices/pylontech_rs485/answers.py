"""The INFO of each answer (by the CID2 of its request) -> values in SI units.

Units as the protocol sends them: cell and module voltages in mV, temperatures in 0.1 K (2731 = 0 °C), currents
in 0.1 A (signed; positive = charging), charges in mAh (16 bits, or 24 bits when the user-defined count is 4 or
more: modules above 65 Ah). Every answer must use its INFO exactly: bytes left over or missing are an error.
"""

from __future__ import annotations

from typing import Any, Callable

from solarctl.devices.pylontech_rs485.frames import FrameError

ANALOG, ALARM, SYSTEM_PARAMETERS, PROTOCOL_VERSION, MANUFACTURER, MANAGEMENT, SERIAL = (
    0x42, 0x44, 0x47, 0x4F, 0x51, 0x92, 0x93)
ALL = 0xFF  # the command byte asking for every module of the stack
STATES = {0: "normal", 1: "below lower limit", 2: "above upper limit", 0xF0: "other fault"}


class Reader:
    """Big-endian fields taken from the front of INFO, in order."""

    def __init__(self, info: bytes) -> None:
        self.info, self.at = info, 0

    def take(self, size: int) -> bytes:
        if self.at + size > len(self.info):
            raise FrameError(f"INFO ends at byte {len(self.info)}, a field needs bytes {self.at}-{self.at + size - 1}")
        self.at += size
        return self.info[self.at - size:self.at]

    def unsigned(self, size: int = 2) -> int:
        return int.from_bytes(self.take(size), "big")

    def signed(self, size: int = 2) -> int:
        return int.from_bytes(self.take(size), "big", signed=True)

    def byte(self) -> int:
        return self.unsigned(1)

    def millivolts(self) -> float:
        return self.unsigned() / 1000

    def celsius(self) -> float:
        return round((self.unsigned() - 2731) / 10, 1)

    def amperes(self) -> float:
        return self.signed() / 10

    def text(self, size: int) -> str:
        return self.take(size).decode("ascii", "replace").rstrip("\x00 ")

    def done(self) -> None:
        if self.at != len(self.info):
            raise FrameError(f"INFO has {len(self.info) - self.at} bytes after the last field")


def _module(reader: Reader, index: int) -> dict[str, Any]:
    cells = [reader.millivolts() for _ in range(reader.byte())]
    temperatures = [reader.celsius() for _ in range(reader.byte())]
    current, voltage = reader.amperes(), reader.millivolts()
    remaining = reader.unsigned()
    items = reader.byte()
    capacity, cycles = reader.unsigned(), reader.unsigned()
    if items >= 4:  # 16-bit charges are 0xFFFF then: the 24-bit ones follow
        remaining, capacity = reader.unsigned(3), reader.unsigned(3)
    if not cells or not temperatures or capacity == 0:
        raise FrameError(f"module {index}: {len(cells)} cells, {len(temperatures)} temperatures, capacity {capacity}")
    return {
        "index": index, "voltage": voltage, "current": current, "temperature": temperatures[0],
        "soc": round(100 * remaining / capacity, 1), "remaining_charge": remaining / 1000, "capacity": capacity / 1000,
        "cycles": cycles, "cell_voltages": cells, "cell_voltage_min": min(cells), "cell_voltage_max": max(cells),
        "cell_temperatures": temperatures[1:],
    }


def analog(info: bytes) -> dict[str, Any]:
    """0x42: INFOFLAG, then the module count (asked for all) or the module's address (asked for one), then
    per module: cells, temperatures (the BMS's first), current, voltage, charges, cycles."""
    def read(count: int | None) -> list[dict[str, Any]]:
        reader = Reader(info)
        reader.take(2)
        modules = [_module(reader, index) for index in range(1, count + 1)] if count else [_module(reader, info[1])]
        reader.done()
        return modules

    try:
        modules = read(info[1] if len(info) > 1 else None)
    except FrameError:
        modules = read(None)
    capacity = sum(module["capacity"] for module in modules)
    return {
        "command": "analog", "module_count": len(modules), "modules": modules,
        "soc": round(100 * sum(module["remaining_charge"] for module in modules) / capacity, 1),
        "voltage": round(sum(module["voltage"] for module in modules) / len(modules), 3),
        "current": round(sum(module["current"] for module in modules), 1),
        "temperature": round(sum(module["temperature"] for module in modules) / len(modules), 1),
        "cell_voltage_min": min(module["cell_voltage_min"] for module in modules),
        "cell_voltage_max": max(module["cell_voltage_max"] for module in modules),
        "capacity": round(capacity, 3),
    }


def alarm(info: bytes) -> dict[str, Any]:
    """0x44: per cell and temperature a state byte, then current / voltage states and status bytes."""
    reader = Reader(info)
    reader.byte()
    address = reader.byte()
    cells = [reader.byte() for _ in range(reader.byte())]
    temperatures = [reader.byte() for _ in range(reader.byte())]
    charge_current, module_voltage, discharge_current = reader.byte(), reader.byte(), reader.byte()
    status = list(reader.take(len(info) - reader.at))
    found = [f"cell {i}: {STATES.get(s, hex(s))}" for i, s in enumerate(cells, 1) if s]
    found += [f"temperature {i}: {STATES.get(s, hex(s))}" for i, s in enumerate(temperatures, 1) if s]
    found += [f"{what}: {STATES.get(s, hex(s))}" for what, s in (
        ("charge current", charge_current), ("module voltage", module_voltage),
        ("discharge current", discharge_current)) if s]
    return {"command": "alarm", "address": address, "cell_states": cells, "temperature_states": temperatures,
            "status": status, "alarms": found}


def system_parameters(info: bytes) -> dict[str, Any]:
    """0x47: the cell and module voltage limits, temperature limits and current limits."""
    reader = Reader(info)
    reader.byte()
    values = {
        "cell_voltage_high_limit": reader.millivolts(), "cell_voltage_low_limit": reader.millivolts(),
        "cell_voltage_under_limit": reader.millivolts(), "charge_temperature_high_limit": reader.celsius(),
        "charge_temperature_low_limit": reader.celsius(), "charge_current_limit": reader.amperes(),
        "module_voltage_high_limit": reader.millivolts(), "module_voltage_low_limit": reader.millivolts(),
        "module_voltage_under_limit": reader.millivolts(), "discharge_temperature_high_limit": reader.celsius(),
        "discharge_temperature_low_limit": reader.celsius(), "discharge_current_limit": reader.amperes(),
    }
    reader.done()
    return {"command": "system_parameters", **values}


def management(info: bytes) -> dict[str, Any]:
    """0x92: the charge / discharge voltage and current the BMS asks for, and its charge flags."""
    reader = Reader(info)
    address = reader.byte()
    values = {"charge_voltage_limit": reader.millivolts(), "discharge_voltage_limit": reader.millivolts(),
              "charge_current_limit": reader.amperes(), "discharge_current_limit": reader.amperes()}
    status = reader.byte()
    reader.done()
    flags = {"charge_enable": 7, "discharge_enable": 6, "charge_immediately_1": 5, "charge_immediately_2": 4,
             "full_charge_request": 3}
    return {"command": "management", "address": address, **values,
            **{name: bool(status >> bit & 1) for name, bit in flags.items()}}


def serial_number(info: bytes) -> dict[str, Any]:
    """0x93: the module's address and its 16-character serial number."""
    reader = Reader(info)
    address = reader.byte()
    serial = reader.text(16)
    reader.done()
    return {"command": "serial_number", "address": address, "serial_number": serial}


def manufacturer(info: bytes) -> dict[str, Any]:
    """0x51: device name (10 characters), software version (2 bytes), manufacturer (20 characters)."""
    reader = Reader(info)
    name = reader.text(10)
    major, minor = reader.byte(), reader.byte()
    maker = reader.text(20)
    reader.done()
    return {"command": "manufacturer", "device_name": name, "software_version": f"{major}.{minor}",
            "manufacturer": maker}


def protocol_version(info: bytes) -> dict[str, Any]:
    """0x4F: the answer's VER field is the protocol version; INFO is empty."""
    Reader(info).done()
    return {"command": "protocol_version"}


PARSERS: dict[int, Callable[[bytes], dict[str, Any]]] = {
    ANALOG: analog, ALARM: alarm, SYSTEM_PARAMETERS: system_parameters, PROTOCOL_VERSION: protocol_version,
    MANUFACTURER: manufacturer, MANAGEMENT: management, SERIAL: serial_number,
}


# The same layouts written (the simulator answers with them; tests build frames with them).

def _kelvin(celsius: float) -> bytes:
    return round(celsius * 10 + 2731).to_bytes(2, "big")


def _millis(value: float) -> bytes:
    return round(value * 1000).to_bytes(2, "big")


def _deciamperes(amperes: float) -> bytes:
    return round(amperes * 10).to_bytes(2, "big", signed=True)


def encode_module(module: dict[str, Any]) -> bytes:
    """One module of a 0x42 answer: `cell_voltages`, `temperature` (the BMS's), `cell_temperatures`, `current`,
    `voltage`, `remaining_charge` and `capacity` (Ah), `cycles`."""
    cells = b"".join(map(_millis, module["cell_voltages"]))
    temperatures = [module["temperature"], *module["cell_temperatures"]]
    remaining, capacity = round(module["remaining_charge"] * 1000), round(module["capacity"] * 1000)
    wide = capacity > 0xFFFF  # above 65 Ah the 16-bit fields say 0xFFFF and 24-bit ones follow
    return (bytes([len(module["cell_voltages"])]) + cells + bytes([len(temperatures)])
            + b"".join(map(_kelvin, temperatures)) + _deciamperes(module["current"])
            + _millis(module["voltage"])
            + (0xFFFF if wide else remaining).to_bytes(2, "big") + bytes([4 if wide else 2])
            + (0xFFFF if wide else capacity).to_bytes(2, "big") + int(module["cycles"]).to_bytes(2, "big")
            + (remaining.to_bytes(3, "big") + capacity.to_bytes(3, "big") if wide else b""))


def encode_analog(modules: list[dict[str, Any]], asked: int) -> bytes:
    """INFO of a 0x42 answer: every module (asked ALL) or the one asked (its address)."""
    if asked == ALL:
        return bytes([0x11, len(modules)]) + b"".join(map(encode_module, modules))
    return bytes([0x11, asked]) + encode_module(modules[0])


def encode_alarm(address: int, cells: int, temperatures: int) -> bytes:
    """INFO of a 0x44 answer with every state normal."""
    return bytes([0x00, address, cells, *[0] * cells, temperatures, *[0] * temperatures, 0, 0, 0, 0, 0, 0, 0, 0])


def encode_management(address: int, limits: dict[str, Any]) -> bytes:
    flags = (int(limits["charge_enable"]) << 7) | (int(limits["discharge_enable"]) << 6)
    return (bytes([address]) + _millis(limits["charge_voltage_limit"]) + _millis(limits["discharge_voltage_limit"])
            + _deciamperes(limits["charge_current_limit"]) + _deciamperes(limits["discharge_current_limit"])
            + bytes([flags]))


def encode_system_parameters(limits: dict[str, Any]) -> bytes:
    def mv(key: str) -> bytes:
        return _millis(limits[key])

    return (b"\x00" + mv("cell_voltage_high_limit") + mv("cell_voltage_low_limit") + mv("cell_voltage_under_limit")
            + _kelvin(limits["charge_temperature_high_limit"]) + _kelvin(limits["charge_temperature_low_limit"])
            + _deciamperes(limits["charge_current_limit"]) + mv("module_voltage_high_limit")
            + mv("module_voltage_low_limit") + mv("module_voltage_under_limit")
            + _kelvin(limits["discharge_temperature_high_limit"]) + _kelvin(limits["discharge_temperature_low_limit"])
            + _deciamperes(limits["discharge_current_limit"]))


def encode_serial_number(address: int, serial: str) -> bytes:
    return bytes([address]) + serial.encode("ascii")[:16].ljust(16, b" ")


def encode_manufacturer(device_name: str, version: tuple[int, int], maker: str) -> bytes:
    return (device_name.encode("ascii")[:10].ljust(10, b" ") + bytes(version)
            + maker.encode("ascii")[:20].ljust(20, b" "))
