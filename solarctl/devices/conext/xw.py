"""Conext XW/XW+ inverter (unit 10 by default), map 503-0246-01-01 Rev A.4.

Metric names are the old SCP SQL column names where SCP read the value.
The vendor map gives no ranges for writable settings; the ranges below are the limits the old
SCP program enforced for this 48 V LiFePO4 bank (notes §2.2). Widen them here if your bank needs it.
"""

from solarctl.devices.conext.enums import (
    CHARGER_STATUS, DEVICE_STATE, ENABLE, ENABLED, FAULTS_FLAG, INVERTER_STATUS, WARNINGS_FLAG,
    XW_FAULTS_0, XW_FAULTS_1, XW_FAULTS_2, XW_FAULTS_3, XW_WARNINGS,
)
from solarctl.devices.modbus_device import ModbusDevice
from solarctl.registers import ByteOrder, Register as R, RegisterMap

XW_MAP = RegisterMap("conext_xw", (
    R("device_name", 0x0000, "str", length=16, group="once"),
    R("firmware_version", 0x001E, "str", length=20, group="once"),
    R("serial_number", 0x002B, "str", length=20, group="once"),  # "Hardware Serial Number": the write budget counts by it
    R("device_state", 0x0040, "u16", enum=DEVICE_STATE),
    R("fault_bitmap_0", 0x0042, "u16", bits=XW_FAULTS_0, flags="fault"),
    R("fault_bitmap_1", 0x0043, "u16", bits=XW_FAULTS_1, flags="fault"),
    R("fault_bitmap_2", 0x0044, "u16", bits=XW_FAULTS_2, flags="fault"),
    R("fault_bitmap_3", 0x0045, "u16", bits=XW_FAULTS_3, flags="fault"),
    R("warning_bitmap", 0x0046, "u16", bits=XW_WARNINGS, flags="warning"),
    R("inverter_enabled", 0x0047, "u16", enum=ENABLED),
    R("charger_enabled", 0x0048, "u16", enum=ENABLED),
    R("sell_enabled", 0x0049, "u16", enum=ENABLED),
    R("inverter_active_faults_status", 0x004B, "u16", enum=FAULTS_FLAG),
    R("inverter_active_warnings_status", 0x004C, "u16", enum=WARNINGS_FLAG),
    R("battery_voltage", 0x0050, "u32", scale=0.001, unit="V"),
    R("battery_current", 0x0052, "s32", scale=0.001, unit="A"),
    R("battery_power", 0x0054, "s32", unit="W"),
    R("battery_temperature", 0x0056, "u16", scale=0.01, offset=-273.0, unit="°C"),
    R("inverter_dc_current", 0x0058, "u32", scale=0.001, unit="A"),
    R("inverter_dc_power", 0x005A, "u32", unit="W"),
    R("charger_dc_current", 0x005C, "u32", scale=0.001, unit="A"),
    R("charger_dc_power", 0x005E, "u32", unit="W"),
    R("charger_dc_power_percentage", 0x0060, "u16", unit="%"),
    R("grid_frequency", 0x0061, "u16", scale=0.01, unit="Hz"),
    R("grid_voltage", 0x0062, "u32", scale=0.001, unit="V"),
    # The XW reports grid import as negative (the old dashboard plotted -grid_power); ours is + import.
    R("grid_current", 0x0064, "s32", scale=-0.001, unit="A"),
    R("grid_power", 0x0066, "s32", scale=-1.0, unit="W"),
    R("inverter_status", 0x007A, "u16", enum=INVERTER_STATUS),
    R("charger_status", 0x007B, "u16", enum=CHARGER_STATUS),
    R("load_voltage", 0x008C, "u32", scale=0.001, unit="V"),
    R("load_current", 0x0096, "u32", scale=0.001, unit="A"),
    R("load_frequency", 0x0098, "u16", scale=0.01, unit="Hz"),
    R("load_power", 0x009A, "u32", unit="W"),
    R("energy_battery_today", 0x00D4, "u32", scale=0.001, unit="kWh"),
    R("energy_battery_month", 0x00DC, "u32", scale=0.001, unit="kWh"),  # energy FROM the battery
    R("energy_to_battery_today", 0x00EC, "u32", scale=0.001, unit="kWh"),
    R("energy_to_battery_month", 0x00F4, "u32", scale=0.001, unit="kWh"),
    R("energy_grid_today", 0x0104, "u32", scale=0.001, unit="kWh"),
    R("energy_grid_month", 0x010C, "u32", scale=0.001, unit="kWh"),  # grid input (import)
    R("energy_grid_export_today", 0x011C, "u32", scale=0.001, unit="kWh"),
    R("energy_grid_export_month", 0x0124, "u32", scale=0.001, unit="kWh"),
    R("energy_load_today", 0x0134, "u32", scale=0.001, unit="kWh"),
    R("energy_load_month", 0x013C, "u32", scale=0.001, unit="kWh"),
    # Settings, read on the slow cadence; the writable ones form the `solarctl set` whitelist.
    R("grid_support_voltage", 0x0178, "u32", scale=0.001, unit="V", group="slow"),
    R("recharge_voltage", 0x017A, "u32", scale=0.001, unit="V", group="slow"),
    R("battery_low_voltage", 0x017C, "u32", scale=0.001, unit="V", group="slow", writable=True,
      min=45.0, max=49.0, setting="low_battery_cut_out", description="Low Battery Cut Out (LBCO)"),
    R("battery_low_voltage_delay", 0x017E, "u16", scale=0.01, unit="s", group="slow", writable=True,
      min=1.0, max=190.0, setting="low_battery_cut_out_delay", description="LBCO delay"),
    R("load_shave_stop", 0x01AC, "u16", unit="min", group="slow"),
    R("load_shave_start", 0x01AD, "u16", unit="min", group="slow"),
    R("inverter_load_shave_status", 0x01B2, "u16", enum=ENABLE, group="slow", writable=True, setting="load_shave"),
    R("inverter_grid_support_status", 0x01B3, "u16", enum=ENABLE, group="slow", writable=True, setting="grid_support"),
    R("maximum_sell_amps", 0x01B4, "u32", scale=0.001, unit="A", group="slow"),
    R("load_shave_amps", 0x01B6, "u32", scale=0.001, unit="A", group="slow"),
    R("soc_level_to_stop", 0x01EA, "u16", unit="%", group="slow"),
    R("soc_level_to_start", 0x01EC, "u16", unit="%", group="slow"),
    R("battery_hysteresis", 0x01F2, "u32", scale=0.001, unit="V", group="slow", writable=True,
      min=1.0, max=5.0, setting="low_battery_cut_out_hysteresis", description="LBCO hysteresis"),
), byte_order=ByteOrder.LSB_FIRST)


class ConextXw(ModbusDevice):
    driver = "conext_xw"
    link_kind = "modbus_tcp"
    register_map = XW_MAP
