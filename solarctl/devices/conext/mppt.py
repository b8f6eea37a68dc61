"""Conext MPPT 60 150 charge controller (units 30, 31 …), map 503-0248-01-01 Rev A.4."""

from solarctl.devices.conext.enums import (
    CHARGER_STATUS, DEVICE_STATE, ENABLED, FAULTS_FLAG, MPPT_FAULTS_0, MPPT_FAULTS_1, MPPT_WARNINGS, WARNINGS_FLAG,
)
from solarctl.devices.modbus_device import ModbusDevice
from solarctl.registers import ByteOrder, Register as R, RegisterMap

MPPT_MAP = RegisterMap("conext_mppt", (
    R("device_name", 0x0000, "str", length=16, group="once"),  # e.g. "MPPT: West" (the old dashboard keys on it)
    R("firmware_version", 0x001E, "str", length=20, group="once"),
    R("serial_number", 0x002B, "str", length=20, group="once"),  # "Hardware Serial Number": the write budget counts by it
    R("mppt_status", 0x0040, "u16", enum=DEVICE_STATE),
    R("charger_enabled", 0x0041, "u16", enum=ENABLED),
    R("mppt_active_faults_status", 0x0044, "u16", enum=FAULTS_FLAG),
    R("mppt_active_warnings_status", 0x0045, "u16", enum=WARNINGS_FLAG),
    R("fault_bitmap_0", 0x0046, "u16", bits=MPPT_FAULTS_0, flags="fault"),
    R("fault_bitmap_1", 0x0047, "u16", bits=MPPT_FAULTS_1, flags="fault"),
    R("warning_bitmap", 0x0048, "u16", bits=MPPT_WARNINGS, flags="warning"),
    R("mppt_charger_status", 0x0049, "u16", enum=CHARGER_STATUS),
    R("dc_input_voltage", 0x004C, "u32", scale=0.001, unit="V"),
    R("dc_input_current", 0x004E, "u32", scale=0.001, unit="A"),
    R("dc_input_power", 0x0050, "u32", unit="W"),
    R("battery_temperature", 0x0056, "u16", scale=0.01, offset=-273.0, unit="°C"),
    R("dc_output_voltage", 0x0058, "s32", scale=0.001, unit="V"),
    R("dc_output_current", 0x005A, "s32", scale=0.001, unit="A"),
    R("dc_output_power", 0x005C, "u32", unit="W"),
    R("dc_output_power_percentage", 0x005E, "u16", unit="%"),
    R("energy_pv_hour", 0x0066, "u32", scale=0.001, unit="kWh"),
    R("energy_pv_day", 0x006A, "u32", scale=0.001, unit="kWh"),
    R("energy_pv_week", 0x006E, "u32", scale=0.001, unit="kWh"),
    R("energy_pv_month", 0x0072, "u32", scale=0.001, unit="kWh"),
    R("energy_pv_year", 0x0076, "u32", scale=0.001, unit="kWh"),
    R("energy_pv_lifetime", 0x007A, "u32", scale=0.001, unit="kWh"),
), byte_order=ByteOrder.LSB_FIRST)


class ConextMppt(ModbusDevice):
    driver = "conext_mppt"
    link_kind = "modbus_tcp"
    register_map = MPPT_MAP
