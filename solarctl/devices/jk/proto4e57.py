"""JK "RS485 protocol V2.5" (4E 57 frames; the UART/GPS-port protocol): frames, code stream, values.

Source: syssi/esphome-jk-bms docs/protocol-design-uart-ttl-gps-port.md (published request and
285-byte response), checked against alpet83's jkbms_ctrl.py (notes-must-jk.md §3.2-3.3).

Frame: 4E 57 | length (2, counts every byte after 4E 57, checksum included) | terminal id (4) |
command | source | transport type | info | record number (4) | 68 | checksum (4: 00 00 + the
16-bit sum of every byte before it, big-endian). All numbers big-endian.
Info of a read-all answer: a stream of code + value with a fixed length per code (0x79 cells:
a length byte, then cell number + mV per cell), so one unknown code or a wrong length stops
the decode; 0xAD is two bytes (alpet83 read one and lost sync).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from solarctl.devices.jk.errors import FrameError
from solarctl.devices.jk.battery import cell_stats, ordered, power
from solarctl.devices.jk.capture import hex_bytes
from solarctl.registers.codec import WriteRejected, decode_bytes, encode_bytes
from solarctl.registers.model import ByteOrder, Register
from solarctl.sample import Value

ORDER = ByteOrder.MSB_FIRST
STX = b"\x4e\x57"
END = 0x68
FRAME_OVERHEAD = 20  # every byte but the info

# Commands, frame sources, transport types.
ACTIVATE, WRITE, READ, PASSWORD, READ_ALL = 1, 2, 3, 5, 6
SOURCE_BMS, SOURCE_BLUETOOTH, SOURCE_GPS, SOURCE_PC = 0, 1, 2, 3
REQUEST, REPLY, UPLOAD = 0, 1, 2

CELLS = 0x79
CURRENT = 0x84
VERSION = 0xC0
CHARGE_SWITCH = 0xAB
DISCHARGE_SWITCH = 0xAC
TEMPERATURES = (0x80, 0x81, 0x82)  # 0..140 = -40..100 °C: above 100 is negative (101 = -1 °C)

ON_OFF = {0: "off", 1: "on"}

# 0x8B battery warning bits.
WARNINGS = {
    0: "low capacity",
    1: "MOS over-temperature",
    2: "charge over-voltage",
    3: "discharge under-voltage",
    4: "battery over-temperature",
    5: "charge over-current",
    6: "discharge over-current",
    7: "cell voltage difference",
    8: "battery box over-temperature",
    9: "battery low temperature",
    10: "cell over-voltage",
    11: "cell under-voltage",
    12: "309_A protection",
    13: "309_B protection",
    14: "warning bit 14 (reserved)",
    15: "warning bit 15 (reserved)",
}


def _f(code: int, name: str, type: str, scale: float = 1.0, unit: str = "", **kw: Any) -> Register:
    return Register(name, code, type, scale=scale, unit=unit, **kw)


# Code -> field, the address being the code. Sizes follow syssi's table (0xAD: 2 bytes).
FIELDS: dict[int, Register] = {
    f.address: f
    for f in (
        _f(0x80, "temperature_mos", "u16", unit="°C"),
        _f(0x81, "temperature_1", "u16", unit="°C"),
        _f(0x82, "temperature_2", "u16", unit="°C"),
        _f(0x83, "voltage", "u16", 0.01, "V"),
        _f(0x84, "current", "u16", unit="A"),  # encoding depends on 0xC0, see _current()
        _f(0x85, "soc", "u8", unit="%"),
        _f(0x86, "temperature_sensor_count", "u8"),
        _f(0x87, "cycles", "u16"),
        _f(0x89, "cycle_capacity_total", "u32", unit="Ah"),
        _f(0x8A, "cell_count_total", "u16"),
        _f(0x8B, "alarms", "u16", bits=WARNINGS, flags="warning"),
        _f(0x8C, "status", "u16"),  # bit0 charge MOS, bit1 discharge MOS, bit2 balancer, bit3 online
        _f(0x8E, "total_overvoltage_protection", "u16", 0.01, "V"),
        _f(0x8F, "total_undervoltage_protection", "u16", 0.01, "V"),
        _f(0x90, "cell_overvoltage_protection", "u16", 0.001, "V"),
        _f(0x91, "cell_overvoltage_recovery", "u16", 0.001, "V"),
        _f(0x92, "cell_overvoltage_delay", "u16", unit="s"),
        _f(0x93, "cell_undervoltage_protection", "u16", 0.001, "V"),
        _f(0x94, "cell_undervoltage_recovery", "u16", 0.001, "V"),
        _f(0x95, "cell_undervoltage_delay", "u16", unit="s"),
        _f(0x96, "cell_voltage_difference_protection", "u16", 0.001, "V"),
        _f(0x97, "discharge_overcurrent_protection", "u16", unit="A"),
        _f(0x98, "discharge_overcurrent_delay", "u16", unit="s"),
        _f(0x99, "charge_overcurrent_protection", "u16", unit="A"),
        _f(0x9A, "charge_overcurrent_delay", "u16", unit="s"),
        _f(0x9B, "balance_start_voltage", "u16", 0.001, "V"),
        _f(0x9C, "balance_trigger_voltage", "u16", 0.001, "V"),
        _f(0x9D, "balancer_enabled", "u8", enum=ON_OFF),
        _f(0x9E, "mos_overtemperature_protection", "u16", unit="°C"),
        _f(0x9F, "mos_overtemperature_recovery", "u16", unit="°C"),
        _f(0xA0, "box_overtemperature_protection", "u16", unit="°C"),
        _f(0xA1, "box_overtemperature_recovery", "u16", unit="°C"),
        _f(0xA2, "temperature_difference_protection", "u16", unit="°C"),
        _f(0xA3, "charge_overtemperature_protection", "u16", unit="°C"),
        _f(0xA4, "discharge_overtemperature_protection", "u16", unit="°C"),
        _f(0xA5, "charge_undertemperature_protection", "s16", unit="°C"),
        _f(0xA6, "charge_undertemperature_recovery", "s16", unit="°C"),
        _f(0xA7, "discharge_undertemperature_protection", "s16", unit="°C"),
        _f(0xA8, "discharge_undertemperature_recovery", "s16", unit="°C"),
        _f(0xA9, "cell_count", "u8"),
        _f(0xAA, "capacity_setting", "u32", unit="Ah"),
        _f(CHARGE_SWITCH, "charge_enabled", "u8", enum=ON_OFF, writable=True),
        _f(DISCHARGE_SWITCH, "discharge_enabled", "u8", enum=ON_OFF, writable=True),
        _f(0xAD, "current_calibration", "u16", 0.001, "A"),
        _f(0xAE, "board_address", "u8"),
        _f(0xAF, "battery_type", "u8", enum={0: "LiFePO4", 1: "ternary lithium", 2: "LTO"}),
        _f(0xB0, "sleep_wait_time", "u16", unit="s"),
        _f(0xB1, "low_capacity_alarm", "u8", unit="%"),
        _f(0xB2, "password", "str", length=10),  # parsed to keep the stream in step, never output
        _f(0xB3, "dedicated_charger", "u8", enum=ON_OFF),
        _f(0xB4, "device_id", "str", length=8),
        _f(0xB5, "manufacture_date", "str", length=4),
        _f(0xB6, "operating_time_total", "u32", 60, "s"),  # minutes on the wire
        _f(0xB7, "software_version", "str", length=15),
        _f(0xB8, "current_calibration_start", "u8"),
        _f(0xB9, "capacity_actual", "u32", unit="Ah"),
        _f(0xBA, "manufacturer_id", "str", length=24),
        _f(VERSION, "protocol_version", "u8"),
    )
}
_BY_NAME = {f.name: f for f in FIELDS.values()}


@dataclass(frozen=True)
class Frame:
    command: int
    info: bytes
    terminal: int = 0  # BMS terminal id; 0 addresses any
    source: int = SOURCE_PC
    transport: int = REQUEST
    record: int = 0


def build_frame(frame: Frame) -> bytes:
    body = (
        (FRAME_OVERHEAD - 2 + len(frame.info)).to_bytes(2, "big")
        + frame.terminal.to_bytes(4, "big")
        + bytes((frame.command, frame.source, frame.transport))
        + frame.info
        + frame.record.to_bytes(4, "big")
        + bytes((END,))
    )
    return STX + body + ((sum(STX + body)) & 0xFFFF).to_bytes(4, "big")


def parse_frame(data: bytes) -> Frame:
    if len(data) < FRAME_OVERHEAD:
        raise FrameError(f"4E57 frame too short ({len(data)} bytes, at least {FRAME_OVERHEAD})")
    if data[:2] != STX:
        raise FrameError(f"frame does not start with 4E 57 (starts {data[:2].hex(' ')})")
    length = int.from_bytes(data[2:4], "big")
    if length != len(data) - 2:
        raise FrameError(f"length field says {length + 2} bytes, the frame has {len(data)} (truncated or padded)")
    if data[-5] != END:
        raise FrameError(f"end flag is {data[-5]:#04x}, expected 0x68")
    checksum = sum(data[:-4]) & 0xFFFF
    stored = int.from_bytes(data[-2:], "big")  # the upper two checksum bytes are 00 00 and not checked
    if checksum != stored:
        raise FrameError(f"checksum mismatch: bytes sum to {checksum:#06x}, frame says {stored:#06x}")
    return Frame(data[8], data[11:-9], int.from_bytes(data[4:8], "big"), data[9], data[10], int.from_bytes(data[-9:-5], "big"))


def read_all_request(terminal: int = 0) -> bytes:
    return build_frame(Frame(READ_ALL, b"\x00", terminal))


def read_request(code: int, terminal: int = 0) -> bytes:
    return build_frame(Frame(READ, bytes((code,)), terminal))


def write_request(code: int, value: Value, terminal: int = 0) -> bytes:
    """E.g. write_request(CHARGE_SWITCH, "off")."""
    return build_frame(Frame(WRITE, bytes((code,)) + encode_bytes(FIELDS[code], value, ORDER), terminal))


def read_all_response(fields: Mapping[str, Value], terminal: int = 0, record: int = 0) -> bytes:
    """Simulator side: the BMS's answer to read_all_request, holding `fields` (decode_fields names)."""
    return build_frame(Frame(READ_ALL, encode_fields(fields), terminal, SOURCE_BMS, REPLY, record))


def _temperature(raw: int) -> int:
    return raw if raw <= 100 else 100 - raw


def _temperature_raw(value: float) -> int:
    return round(value) if value >= 0 else 100 - round(value)


def _current(raw: int, version: int) -> float:
    """Positive = charging. Protocol version 1: 10 mA units, bit 15 set = charging; version 0:
    10000 - raw in 10 mA units (9500 = 5 A charging, 11000 = 10 A discharging)."""
    if version == 1:
        amps = (raw & 0x7FFF) / 100
        return amps if raw & 0x8000 else -amps or 0.0
    if version == 0:
        return (10000 - raw) / 100
    raise FrameError(f"protocol version {version} (code 0xC0): the current encoding is known for versions 0 and 1 only")


def _current_raw(amps: float, version: int) -> int:
    centiamps = round(amps * 100)
    raw = (0x8000 | centiamps if centiamps > 0 else -centiamps) if version == 1 else 10000 - centiamps
    if not (0 <= raw <= 0xFFFF and (version != 1 or abs(centiamps) <= 0x7FFF)):
        raise WriteRejected(f"current {amps} A cannot be encoded in protocol version {version}")
    return raw


def _stream(info: bytes) -> tuple[dict[int, bytes], list[tuple[int, int]]]:
    """Split the info into {code: value bytes} and the cells [(number, mV)]."""
    values: dict[int, bytes] = {}
    cells: list[tuple[int, int]] = []
    i = 0
    while i < len(info):
        code, i = info[i], i + 1
        if code in values or (code == CELLS and cells):
            raise FrameError(f"code {code:#04x} appears twice")
        if code == CELLS:
            size = info[i] if i < len(info) else 0
            if size % 3 or i + 1 + size > len(info):
                raise FrameError(f"cell block (0x79) length {size} is not n x 3 bytes inside the data")
            cells = [(info[k], int.from_bytes(info[k + 1 : k + 3], "big")) for k in range(i + 1, i + 1 + size, 3)]
            i += 1 + size
            continue
        field = FIELDS.get(code)
        if field is None:
            raise FrameError(f"unknown code {code:#04x} at byte {i - 1} of the data: the stream cannot be followed past it")
        if i + field.size > len(info):
            raise FrameError(f"code {code:#04x} ({field.name}) needs {field.size} bytes, {len(info) - i} left")
        values[code] = info[i : i + field.size]
        i += field.size
    if sorted(n for n, _ in cells) != list(range(1, len(cells) + 1)):
        raise FrameError(f"cell numbers {[n for n, _ in cells]} are not 1..{len(cells)}")
    return values, cells


def decode_fields(info: bytes) -> dict[str, Value]:
    """The code stream of an answer (or of a write request) -> field values in SI units;
    cells as "cell_voltages" (V, cell 1 first)."""
    raw, cells = _stream(info)
    version = raw[VERSION][0] if VERSION in raw else 0
    out: dict[str, Value] = {}
    if cells:
        out["cell_voltages"] = [mv / 1000 for _, mv in sorted(cells)]
    for code, data in raw.items():
        field = FIELDS[code]
        number = int.from_bytes(data, "big")
        if code in TEMPERATURES:
            out[field.name] = _temperature(number)
        elif code == CURRENT:
            out[field.name] = _current(number, version)
        else:
            out[field.name] = decode_bytes(field, data, ORDER)
    return out


def encode_fields(fields: Mapping[str, Value]) -> bytes:
    """Inverse of decode_fields: the code stream, codes in ascending order as the BMS sends them."""
    unknown = set(fields) - set(_BY_NAME) - {"cell_voltages"}
    if unknown:
        raise WriteRejected(f"no 4E57 code for {', '.join(sorted(unknown))}")
    version = int(fields.get("protocol_version", 0))  # type: ignore[arg-type]
    out = bytearray()
    cells: Sequence[float] = fields.get("cell_voltages") or []  # type: ignore[assignment]
    if cells:
        out += bytes((CELLS, 3 * len(cells))) + b"".join(bytes((n,)) + round(v * 1000).to_bytes(2, "big") for n, v in enumerate(cells, 1))
    for code, field in sorted(FIELDS.items()):
        if field.name not in fields:
            continue
        value = fields[field.name]
        if code in TEMPERATURES:
            data = _temperature_raw(value).to_bytes(2, "big")  # type: ignore[arg-type]
        elif code == CURRENT:
            data = _current_raw(value, version).to_bytes(2, "big")  # type: ignore[arg-type]
        else:
            data = encode_bytes(field, value, ORDER)
        out += bytes((code,)) + data
    return bytes(out)


def battery_values(fields: Mapping[str, Value]) -> dict[str, Value]:
    """decode_fields() output -> the JK battery metrics (plus the protocol's other fields).
    The protocol has no SOH, remaining capacity or balance current (None); capacity_full is the
    capacity setting (0xAA); temperature is T1 (0x81, battery box), temperatures T1, T2 as many
    as 0x86 says are fitted."""
    status = fields.get("status")
    sensors = [fields[name] for name in ("temperature_1", "temperature_2") if name in fields]
    fitted = fields.get("temperature_sensor_count")
    sensors = sensors[:fitted] if isinstance(fitted, int) else sensors
    voltage, current = fields.get("voltage"), fields.get("current")

    def bit(n: int) -> Value:
        return bool(status >> n & 1) if isinstance(status, int) else None

    metrics = {
        **{k: fields.get(k) for k in ("soc", "voltage", "current", "cycles", "alarms")},
        "power": power(voltage, current) if voltage is not None and current is not None else None,  # type: ignore[arg-type]
        "temperature": sensors[0] if sensors else None,
        "temperatures": sensors,
        **cell_stats(fields.get("cell_voltages") or []),  # type: ignore[arg-type]
        "capacity_full": fields.get("capacity_setting"),
        "charge_mosfet": bit(0),
        "discharge_mosfet": bit(1),
        "balancer_active": bit(2),
    }
    return ordered(metrics, {k: v for k, v in fields.items() if k not in ("password", "status")})


def decode_capture(data: bytes) -> dict[str, Value]:
    """`solarctl decode jk-4e57`: hex of one 4E 57 answer frame (e.g. to the read-all request)."""
    frame = parse_frame(hex_bytes(data))
    if frame.transport == REQUEST:
        raise FrameError(f"this is a request (command {frame.command}), not the BMS's answer")
    return battery_values(decode_fields(frame.info))
