"""Conext ComBox (unit 201): system-wide values a controller needs, map 503-0253-01-01 Rev A.4."""

from solarctl.devices.conext.enums import SYSTEM_POWER_FLOW
from solarctl.devices.modbus_device import ModbusDevice
from solarctl.registers import ByteOrder, Register as R, RegisterMap

COMBOX_MAP = RegisterMap("conext_combox", (
    R("device_name", 0x0000, "str", length=16, group="once"),
    R("firmware_version", 0x001E, "str", length=20, group="once"),
    R("system_power_flow", 0x0040, "u16", bits=SYSTEM_POWER_FLOW, flags="state"),
    R("active_faults", 0x0041, "u16"),
    R("active_warnings", 0x0043, "u16"),
    R("pv_harvest_power", 0x0044, "u32", unit="W"),
    R("dc_charging_power", 0x0046, "u32", unit="W"),
    R("dc_charging_current", 0x0048, "u32", scale=0.001, unit="A"),
    R("dc_inverting_power", 0x004A, "u32", unit="W"),
    R("grid_voltage", 0x004C, "u32", scale=0.001, unit="V"),
    R("grid_frequency", 0x004E, "u32", scale=0.01, unit="Hz"),
    R("grid_input_power", 0x0052, "u32", unit="W"),
    R("grid_output_power", 0x0058, "u32", unit="W"),
    R("load_power", 0x005E, "u32", unit="W"),
    R("grid_power", 0x006A, "s32", scale=-1.0, unit="W"),  # "XW Grid Power", same sign flip as the XW's
    R("mppt_pv_power", 0x008C, "u32", unit="W"),
    R("mppt_battery_current", 0x008E, "u32", scale=0.001, unit="A"),
    R("battery_voltage", 0x0098, "u32", scale=0.001, unit="V"),
    # The map's own example reads one register here (0x7440 -> 24.60 °C) though the table says uint32;
    # with LSB-first word order both readings agree when the high word is 0.
    R("battery_temperature", 0x009A, "u32", scale=0.01, offset=-273.0, unit="°C"),
    R("battery_current", 0x009C, "s32", scale=0.001, unit="A"),  # "Battery Current Net", + charging
    R("battery_power", 0x03C6, "s32", unit="W"),  # "Battery Bank1 Power"
    R("battery_soc", 0x03C8, "u32", unit="%"),  # "Battery Bank1 SOC"
    R("battery_capacity_remaining", 0x03CA, "u32", unit="Ah"),
), byte_order=ByteOrder.LSB_FIRST)


class ConextCombox(ModbusDevice):
    driver = "conext_combox"
    link_kind = "modbus_tcp"
    register_map = COMBOX_MAP
