"""Shared by the storage benchmarks: a realistic installation's samples, and database servers to run on.

Servers come from the test suite's fixtures (tests/store/conftest.py: MariaDB and PostgreSQL on 127.0.0.1,
data in a temp dir), or from --mysql-url / --postgres-url.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

from solarctl.sample import Sample

ROOT = Path(__file__).parent.parent
T0 = 1_704_067_200.0  # 2024-01-01 00:00 UTC
STEP = 10.0  # seconds between polls of a device
DRIVERS = {"xw": "conext_xw", "west": "conext_mppt", "east": "conext_mppt", "stack": "pylontech_console"}
XW_EXTRA = ["grid_voltage", "grid_current", "grid_frequency", "load_voltage", "load_current", "load_frequency", "inverter_dc_current",
            "inverter_dc_power", "energy_grid_month", "energy_load_month", "energy_battery_month", "battery_low_voltage",
            "battery_low_voltage_delay", "battery_hysteresis", "battery_voltage", "battery_current"]
MPPT_EXTRA = ["dc_input_voltage", "dc_input_current", "dc_input_power", "dc_output_voltage", "dc_output_current",
              "dc_output_power_percentage", "energy_pv_day", "energy_pv_week", "energy_pv_month", "energy_pv_year"]


def load_servers():
    spec = importlib.util.spec_from_file_location("store_servers", ROOT / "tests" / "store" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pv_power(t: float) -> float:
    hour = (t % 86400) / 3600
    season = 0.6 + 0.4 * math.cos(2 * math.pi * ((t - T0) / 86400 - 172) / 365)
    return max(0.0, 3000 * season * math.sin(math.pi * (hour - 6) / 12)) if 6 <= hour <= 18 else 0.0


def signals(t: float) -> dict[str, float]:
    """The installation's physics at time t: PV, load, battery (+ charging), grid (+ import), state of charge."""
    pv = pv_power(t)
    load = 400 + 300 * math.sin(t / 5000) ** 2
    battery = (pv - load) * 0.6
    return {"pv": pv, "load": load, "battery": battery, "grid": load - pv + battery,
            "soc": 50 + 40 * math.sin(2 * math.pi * (t % 86400) / 86400)}


def poll(i: int) -> list[Sample]:
    """Poll number i of the whole installation (4 devices, 10 s apart per device)."""
    t = T0 + i * STEP
    x = signals(t)
    pv, battery, soc = x["pv"], x["battery"], x["soc"]
    status = {"device_name": "XW+ 8548", "inverter_status": "Grid Frequency Stabilization", "inverter_active_warnings_status": "None",
              "inverter_active_faults_status": "None", "inverter_grid_support_status": "Enable", "inverter_load_shave_status": "Disable"}
    xw = {**status, "grid_power": x["grid"], "load_power": x["load"], "battery_power": battery, **{m: 230.0 + (i % 7) for m in XW_EXTRA}}
    mppt = {"dc_output_power": pv / 2, "mppt_status": "Operating", "mppt_charger_status": "Bulk", **{m: 100.0 + (i % 5) for m in MPPT_EXTRA}}
    modules = [{"index": m, "soc": soc, "voltage": 49.6, "current": battery / 300, "temperature": 24.0, "cell_voltage_min": 3.30,
                "cell_voltage_max": 3.32, "base_state": "Charge" if battery > 0 else "Dischg", "voltage_state": "Normal",
                "current_state": "Normal", "temperature_state": "Normal"} for m in range(1, 7)]
    return [Sample("xw", t, xw), Sample("west", t + 0.1, {**mppt, "device_name": "MPPT: West"}),
            Sample("east", t + 0.2, {**mppt, "device_name": "MPPT: East"}),
            Sample("stack", t + 0.3, {"soc": soc, "voltage": 49.6, "current": battery / 50, "power": battery, "temperature": 24.0,
                                      "module_count": 6, "modules": modules})]
