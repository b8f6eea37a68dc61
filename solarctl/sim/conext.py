"""The ComBox's units (XW 10, MPPTs 30/31, ComBox 201) as register banks over one plant.

Values come from the plant every time a register is read; writes to the whitelisted settings
change the plant (load shave on -> the inverter really shaves). Unmapped but readable registers
read 0 unless the bank is strict.
"""

from __future__ import annotations

from pydantic import ValidationError

from solarctl.devices.conext.combox import COMBOX_MAP
from solarctl.devices.conext.mppt import MPPT_MAP
from solarctl.devices.conext.xw import XW_MAP
from solarctl.plant import ChargerState, InverterMode, Plant
from solarctl.sample import Value
from solarctl.sim.register_bank import RegisterBank

XW_STATUS = {
    InverterMode.PASS_THROUGH: "AC Pass Through", InverterMode.CHARGING: "AC Pass Through",
    InverterMode.GRID_SUPPORT: "Grid Support", InverterMode.SELL: "Sell-to-Grid",
    InverterMode.LOAD_SHAVE: "Load Shaving", InverterMode.OFF_GRID: "Invert",
    InverterMode.LOW_BATTERY_CUT_OUT: "Inverter Standby", InverterMode.STANDBY: "Inverter Disabled",
}
CHARGER_TEXT = {ChargerState.NOT_CHARGING: "Not Charging", ChargerState.BULK: "Bulk",
                ChargerState.ABSORPTION: "Absorption", ChargerState.FLOAT: "Float"}
ENABLE = {True: "Enable", False: "Disable"}
ENABLED = {True: "Enabled", False: "Disabled"}

# Settings the XW keeps that the plant model does not use (served as written).
XW_STATIC = {
    "device_name": "XW+ 8548 E", "firmware_version": "01.10BN0018", "serial_number": "SIM-XW-0001", "grid_support_voltage": 47.0,
    "recharge_voltage": 47.5, "load_shave_start": 960, "load_shave_stop": 1320, "soc_level_to_stop": 20,
    "soc_level_to_start": 80,
}
# Whitelisted XW settings -> (plant setting, how a register value becomes the plant's value).
XW_WRITES = {
    "battery_low_voltage": ("lbco_voltage_v", float),
    "battery_low_voltage_delay": ("lbco_delay_s", float),
    "battery_hysteresis": ("lbco_hysteresis_v", float),
    "inverter_load_shave_status": ("load_shave", lambda v: v == "Enable"),
    "inverter_grid_support_status": ("grid_support", lambda v: v == "Enable"),
}


def _per(amount: float, volts: float) -> float:
    return amount / volts if volts > 0 else 0.0


def _counters(plant: Plant, flow: str, prefix: str, periods=("today", "month")) -> dict[str, float]:
    c = plant.counters(flow)
    names = {"hour": c.hour, "today": c.day, "day": c.day, "week": c.week, "month": c.month, "year": c.year,
             "lifetime": c.lifetime}
    return {f"{prefix}_{p}": names[p] for p in periods}


def xw_values(plant: Plant, static: dict[str, Value]) -> dict[str, Value]:
    inv, bat, grid, s = plant.inverter, plant.battery, plant.grid, plant.settings
    inverting_w = max(0.0, -inv.dc_power_w)
    charging_w = max(0.0, inv.dc_power_w)
    warn = inv.lbco_active
    return {
        **static,
        "device_state": "Operating",
        "warning_bitmap": ["W48 DC Under Voltage"] if warn else [],
        "inverter_enabled": ENABLED[s.inverter_enabled],
        "charger_enabled": ENABLED[True],
        "sell_enabled": ENABLED[s.sell_enabled],
        "inverter_active_faults_status": "No Faults",
        "inverter_active_warnings_status": "Active Warnings" if warn else "No Warnings",
        "battery_voltage": bat.voltage_v,
        "battery_current": inv.dc_current_a,  # the XW's own DC port, + charging
        "battery_power": inv.dc_power_w,
        "battery_temperature": bat.temperature_c,
        "inverter_dc_current": _per(inverting_w, bat.voltage_v),
        "inverter_dc_power": inverting_w,
        "charger_dc_current": _per(charging_w, bat.voltage_v),
        "charger_dc_power": charging_w,
        "charger_dc_power_percentage": min(100.0, 100.0 * charging_w / plant.config.inverter.rated_w),
        "grid_frequency": grid.frequency_hz,
        "grid_voltage": grid.voltage_v,
        "grid_current": grid.current_a,
        "grid_power": grid.power_w,
        "inverter_status": XW_STATUS[inv.mode],
        "charger_status": CHARGER_TEXT[inv.charger_state] if charging_w > 0 else "Not Charging",
        "load_voltage": inv.ac_voltage_v,
        "load_current": _per(plant.load_served_w, inv.ac_voltage_v),
        "load_frequency": inv.ac_frequency_hz,
        "load_power": plant.load_served_w,
        **_counters(plant, "battery_discharge", "energy_battery"),
        **_counters(plant, "battery_charge", "energy_to_battery"),
        **_counters(plant, "grid_import", "energy_grid"),
        **_counters(plant, "grid_export", "energy_grid_export"),
        **_counters(plant, "load", "energy_load"),
        "battery_low_voltage": s.lbco_voltage_v,
        "battery_low_voltage_delay": s.lbco_delay_s,
        "battery_hysteresis": s.lbco_hysteresis_v,
        "inverter_load_shave_status": ENABLE[s.load_shave],
        "inverter_grid_support_status": ENABLE[s.grid_support],
        "maximum_sell_amps": s.max_sell_amps,
        "load_shave_amps": s.load_shave_amps,
    }


def mppt_values(plant: Plant, index: int, name: str) -> dict[str, Value]:
    array, bat = plant.pv[index], plant.battery
    producing = array.output_w > 0
    return {
        "device_name": name,
        "firmware_version": "01.04BN0220",
        "serial_number": f"SIM-MPPT-{index + 1:04d}",
        "mppt_status": "Operating",
        "charger_enabled": ENABLED[True],
        "mppt_active_faults_status": "No Faults",
        "mppt_active_warnings_status": "No Warnings",
        "mppt_charger_status": CHARGER_TEXT[plant.inverter.charger_state] if producing else "Not Charging",
        "dc_input_voltage": array.voltage_v,
        "dc_input_current": array.current_a,
        "dc_input_power": array.power_w,
        "battery_temperature": bat.temperature_c,
        "dc_output_voltage": bat.voltage_v if producing else 0.0,
        "dc_output_current": array.output_current_a,
        "dc_output_power": array.output_w,
        "dc_output_power_percentage": min(100.0, 100.0 * array.output_current_a / 60.0),  # MPPT 60: 60 A rated
        **_counters(plant, f"pv.{array.name}", "energy_pv", ("hour", "day", "week", "month", "year", "lifetime")),
    }


def combox_values(plant: Plant) -> dict[str, Value]:
    inv, bat, grid = plant.inverter, plant.battery, plant.grid
    pv_out = sum(a.output_w for a in plant.pv)
    flows = {"Grid to Load": grid.power_w > 0, "Batt to Grid": grid.power_w < 0 and bat.power_w < 0,
             "Grid to Batt": inv.dc_power_w > 0 and grid.power_w > 0, "PV to Batt": pv_out > 0 and bat.power_w > 0,
             "PV to Grid": pv_out > 0 and grid.power_w < 0, "Batt to Load": bat.power_w < 0}
    return {
        "device_name": "ComBox", "firmware_version": "V3.03 BN 0874",
        "system_power_flow": [name for name, on in flows.items() if on],
        "active_faults": 0,
        "active_warnings": 1 if inv.lbco_active else 0,
        "pv_harvest_power": pv_out,
        "dc_charging_power": max(0.0, bat.power_w),
        "dc_charging_current": max(0.0, bat.current_a),
        "dc_inverting_power": max(0.0, -inv.dc_power_w),
        "grid_voltage": grid.voltage_v,
        "grid_frequency": grid.frequency_hz,
        "grid_input_power": max(0.0, grid.power_w),
        "grid_output_power": max(0.0, -grid.power_w),
        "load_power": plant.load_served_w,
        "grid_power": grid.power_w,
        "mppt_pv_power": sum(a.power_w for a in plant.pv),
        "mppt_battery_current": sum(a.output_current_a for a in plant.pv),
        "battery_voltage": bat.voltage_v,
        "battery_temperature": bat.temperature_c,
        "battery_current": bat.current_a,
        "battery_power": bat.power_w,
        "battery_soc": bat.soc_pct,
        "battery_capacity_remaining": bat.capacity_ah * bat.soc_pct / 100.0,
    }


def _apply(plant: Plant, writes: dict, static: dict, name: str, value: Value) -> None:
    if name in writes:
        setting, convert = writes[name]
        try:
            setattr(plant.settings, setting, convert(value))
        except ValidationError:
            pass  # the device keeps its old value; the read-back shows it
    else:
        static[name] = value


def xw_bank(config, plant: Plant, index: int, byte_order) -> RegisterBank:
    static = dict(XW_STATIC)
    return RegisterBank(XW_MAP, byte_order, lambda: xw_values(plant, static),
                        lambda name, value: _apply(plant, XW_WRITES, static, name, value))


def mppt_bank(config, plant: Plant, index: int, byte_order) -> RegisterBank:
    if index >= len(plant.pv):
        raise ValueError(f"device {config.name!r}: the plant has {len(plant.pv)} PV array(s) for "
                         f"{index + 1} MPPT(s); add a [[plant.pv_arrays]] entry")
    name = f"MPPT: {plant.pv[index].name.title()}"
    return RegisterBank(MPPT_MAP, byte_order, lambda: mppt_values(plant, index, name), lambda n, v: None)


def combox_bank(config, plant: Plant, index: int, byte_order) -> RegisterBank:
    return RegisterBank(COMBOX_MAP, byte_order, lambda: combox_values(plant), lambda n, v: None)
