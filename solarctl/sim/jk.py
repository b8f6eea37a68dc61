"""JK PB packs on one RS485 bus, each a module of the plant's battery, in the protocol configured.

Pack `index` shows plant module `index`: its cells, current share, SoC and temperature. The BMS
switches (charge, discharge, balancer) are kept by the pack as written and read back; the plant's
battery does not model per-module MOSFETs, so they do not change its flows.

- modbus: FC03 reads of the byte-addressed JK_PB areas, FC10 writes of the switches.
- 55aa: FC10 triggers answered by a 300-byte frame + ACK; FC10 switch writes; FC03 is not answered.
- 4e57: read-all, single-code read and single-code write frames for terminal id = the unit (or 0).
Each pack is silent for requests that are not for it, in protocols it is not set to.
"""

from __future__ import annotations

from typing import Sequence

from solarctl.devices.jk import pb_bus, proto4e57
from solarctl.devices.jk.battery import CELL_NAMES, pb_values
from solarctl.devices.jk.errors import FrameError
from solarctl.devices.jk.registers import JK_PB
from solarctl.devices.jk.wire import NW_MAX_FRAME
from solarctl.modbus.pdu import READ_HOLDING, WRITE_MULTIPLE, ModbusException
from solarctl.modbus.rtu import encode_frame
from solarctl.plant import Plant
from solarctl.registers import WriteRejected, decode
from solarctl.registers.codec import check_write, encode_block
from solarctl.sample import Value
from solarctl.sim.plant_view import PlantView
from solarctl.sim.rtu_server import ModbusUnit

ORDER = JK_PB.byte_order
ILLEGAL_ADDRESS = 0x02
ILLEGAL_VALUE = 0x03
SENSORS = 0b111  # MOS, T1, T2 fitted (register 0x12D0)


class JkPack:
    """One pack's values (JK_PB names, every area) and the switches its BMS keeps."""

    def __init__(self, plant: Plant, index: int, unit: int) -> None:
        self.plant = plant
        self.index = index
        self.unit = unit
        self.switches: dict[str, Value] = {"charge_enabled": "on", "discharge_enabled": "on", "balancer_enabled": "on"}
        self._writable = {r.address: r for r in JK_PB.settings()}

    def values(self) -> dict[str, Value]:
        bat, i = self.plant.battery, self.index
        cells = bat.cell_voltages(i)
        current, soc, temperature = bat.module_current_a(i), bat.module_soc_pct(i), bat.module_temperature_c(i)
        capacity = bat.module_capacity_ah * bat.soh_pct / 100
        return {
            **dict(zip(CELL_NAMES, cells)),
            "cell_present": (1 << len(cells)) - 1,
            "cell_voltage_average": sum(cells) / len(cells),
            "temperature_mos": temperature + 3.0,
            "voltage": bat.voltage_v,
            "current": current,
            "temperature_1": temperature,
            "temperature_2": temperature + 0.4,
            "alarms": [],
            "balance_current": 0.0,
            "balancer_state": "off",
            "soc": round(soc),
            "capacity_remaining": capacity * soc / 100,
            "capacity_full": capacity,
            "cycles": int(bat.cycles),
            "cycle_capacity_total": bat.cycles * bat.module_capacity_ah,
            "soh": round(bat.soh_pct),
            "precharge": "off",
            "run_time": 86400 * 400 + i * 3600,
            "charge_mosfet": int(self.switches["charge_enabled"] == "on"),
            "discharge_mosfet": int(self.switches["discharge_enabled"] == "on"),
            "temperature_sensors": SENSORS,
            "heating": "off",
            "cell_undervoltage_protection": 2.6, "cell_undervoltage_recovery": 2.8, "cell_overvoltage_protection": 3.65,
            "cell_overvoltage_recovery": 3.45, "balance_trigger_voltage": 0.005, "cell_soc100_voltage": 3.45,
            "cell_soc0_voltage": 2.8, "cell_charge_voltage": 3.5, "cell_float_voltage": 3.4, "power_off_voltage": 2.5,
            "max_charge_current": bat.config.module_max_charge_a, "max_discharge_current": bat.config.module_max_discharge_a,
            "max_balance_current": 2.0, "cell_count": len(cells), **self.switches,
            "design_capacity": bat.module_capacity_ah, "balance_start_voltage": 3.4, "device_address": self.unit,
            "control_switches": ["port is RS485 (clear: CAN)"],
            "device_model": "JK_PB2A17S20P", "hardware_version": "19A", "software_version": "19.27",
            "operating_time_total": 86400 * 400, "power_on_count": 12, "serial_number": f"5054{self.unit:02d}{i:06d}",
        }

    def write(self, address: int, words: Sequence[int]) -> None:
        """An FC10 write: whole switch registers only; a value the BMS does not know is ignored."""
        reg = self._writable.get(address)
        if reg is None:
            raise ModbusException(WRITE_MULTIPLE, ILLEGAL_ADDRESS)
        if len(words) != reg.count:
            raise ModbusException(WRITE_MULTIPLE, ILLEGAL_VALUE)
        self.set_switch(reg.name, decode(reg, words, ORDER))

    def set_switch(self, name: str, value: Value) -> None:
        try:
            self.switches[name] = check_write(JK_PB[name], value)
        except WriteRejected:
            pass  # the BMS keeps the old state; the read-back shows it

    def nw_fields(self) -> dict[str, Value]:
        """The same pack as a 4E57 read-all answer (decode_fields names)."""
        v = self.values()
        return {
            "cell_voltages": [v[f"cell_voltage_{n:02d}"] for n in range(1, v["cell_count"] + 1)],  # type: ignore[operator]
            **{name: round(v[name]) for name in ("temperature_mos", "temperature_1", "temperature_2")},  # type: ignore[arg-type]
            "voltage": v["voltage"], "current": v["current"], "soc": v["soc"], "temperature_sensor_count": 2,
            "cycles": v["cycles"], "cycle_capacity_total": round(v["cycle_capacity_total"]),  # type: ignore[arg-type]
            "cell_count_total": v["cell_count"], "alarms": [],
            "status": v["charge_mosfet"] | v["discharge_mosfet"] << 1 | 1 << 3,  # type: ignore[operator]
            "cell_overvoltage_protection": v["cell_overvoltage_protection"],
            "cell_undervoltage_protection": v["cell_undervoltage_protection"],
            "balance_start_voltage": v["balance_start_voltage"], "balancer_enabled": self.switches["balancer_enabled"],
            "cell_count": v["cell_count"], "capacity_setting": round(v["design_capacity"]),  # type: ignore[arg-type]
            "charge_enabled": self.switches["charge_enabled"], "discharge_enabled": self.switches["discharge_enabled"],
            "current_calibration": 1.0, "board_address": self.unit, "battery_type": "LiFePO4",
            "device_id": f"JK{self.unit:02d}{self.index:04d}", "software_version": "V19.27_PB2A17S",
            "operating_time_total": 400 * 86400, "protocol_version": 1,
        }


class JkBank:
    """The byte-addressed register image a Modbus read sees (every area; gaps read 0)."""

    def __init__(self, pack: JkPack) -> None:
        self.pack = pack

    def read(self, address: int, count: int) -> list[int]:
        return encode_block(JK_PB.registers, address, count, self.pack.values(), ORDER, byte_addressed=True)

    def write(self, address: int, values: Sequence[int]) -> None:
        self.pack.write(address, values)


class PbBusPack:
    """The pack set to the PB bus protocol: triggers and switch writes (FC10); FC03 goes unanswered."""

    def __init__(self, pack: JkPack) -> None:
        self.pack = pack
        self.modbus = ModbusUnit(JkBank(pack))

    def answer(self, unit: int, pdu: bytes) -> bytes | None:
        try:
            _, kind = pb_bus.parse_trigger_request(encode_frame(unit, pdu))
        except FrameError:
            return None if pdu[:1] == bytes((READ_HOLDING,)) else self.modbus.answer(unit, pdu)
        return pb_bus.build_reply(unit, kind, self.pack.values())


class NwFramer:
    """4E 57 frames among the bytes on the bus."""

    def length(self, buffer: bytes) -> int | None:
        if len(buffer) < 4 or buffer[:2] != proto4e57.STX:
            return None
        length = int.from_bytes(buffer[2:4], "big") + 2
        return length if proto4e57.FRAME_OVERHEAD <= length <= NW_MAX_FRAME else None

    def valid(self, frame: bytes) -> bool:
        try:
            return proto4e57.parse_frame(frame).transport == proto4e57.REQUEST
        except FrameError:
            return False


NW_FRAMER = NwFramer()


class NwPack:
    """The pack set to the 4E57 protocol: deaf to Modbus, answers 4E57 frames for its terminal id."""

    framer = NW_FRAMER

    def __init__(self, pack: JkPack) -> None:
        self.pack = pack

    def answer(self, unit: int, pdu: bytes) -> bytes | None:
        return None

    def answer_frame(self, data: bytes) -> bytes | None:
        """The answer to a read-all, a single-code read or a switch write; silence for anything else."""
        request = proto4e57.parse_frame(data)
        if request.terminal not in (0, self.pack.unit):
            return None
        fields = self.pack.nw_fields()
        if request.command == proto4e57.READ_ALL:
            info = proto4e57.encode_fields(fields)
        elif request.command in (proto4e57.READ, proto4e57.WRITE) and request.info[:1]:
            field = proto4e57.FIELDS.get(request.info[0])
            if field is None or field.name not in fields:
                return None
            if request.command == proto4e57.WRITE:
                if not field.writable:
                    return None
                try:
                    value = proto4e57.decode_fields(request.info)[field.name]
                except FrameError:
                    return None
                self.pack.set_switch(field.name, value)
                fields = self.pack.nw_fields()
            info = proto4e57.encode_fields({field.name: fields[field.name]})
        else:
            return None
        reply = proto4e57.Frame(request.command, info, self.pack.unit, proto4e57.SOURCE_BMS, proto4e57.REPLY, request.record)
        return proto4e57.build_frame(reply)


def jk_unit(config, plant: Plant, index: int):
    if index >= plant.battery.module_count:
        raise ValueError(f"device {config.name!r}: the plant's battery has {plant.battery.module_count} module(s) for "
                         f"{index + 1} JK pack(s); raise [plant.battery] module_count")
    pack = JkPack(plant, index, config.unit)
    if config.protocol == "55aa":
        return PbBusPack(pack)
    if config.protocol == "4e57":
        return NwPack(pack)
    return ModbusUnit(JkBank(pack))


def jk_plant_view(config, plant: Plant, index: int) -> PlantView:
    """The pack's metrics as the driver publishes them (cell_voltages, cell_voltage_min …), its switches writable."""
    pack = JkPack(plant, index, config.unit)
    return PlantView(lambda: pb_values(pack.values()), pack.set_switch)
