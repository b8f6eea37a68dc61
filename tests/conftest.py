"""Shared fixtures: free ports, a Conext gateway simulator with fixed values."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from solarctl.devices.conext.combox import COMBOX_MAP
from solarctl.devices.conext.mppt import MPPT_MAP
from solarctl.devices.conext.xw import XW_MAP
from solarctl.registers import ByteOrder
from solarctl.sim.modbus_tcp_server import ModbusTcpServer
from solarctl.sim.register_bank import RegisterBank


# Files holding the longest tests (the run's --durations list), started first: with `--dist loadfile` a worker
# takes whole files in collection order, and a long file taken last keeps the run going after the rest is done.
LONG_FILES = ("devices/test_decode_sweep.py", "optimize/test_lp.py", "api/test_alerts_audit_cli.py",
              "mustjk/test_jk02_layouts.py", "backtest/test_history_db.py", "store/test_fault.py",
              "backtest/test_field_behaviour.py", "store/test_dashboards.py", "publish/test_home_assistant.py",
              "store/test_daemon_fault.py", "cli/test_plan_from_store.py", "store/test_errors.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tests = Path(__file__).parent
    rank = {tests / name: i for i, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.path, len(LONG_FILES)))  # stable: the rest keep their order

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


XW_VALUES = {
    "device_name": "XW+ 8548 E", "firmware_version": "01.10BN0018", "serial_number": "SIM-XW-0001", "device_state": "Operating",
    "inverter_active_faults_status": "No Faults", "inverter_active_warnings_status": "Active Warnings",
    "warning_bitmap": ["W48 DC Under Voltage"], "battery_voltage": 51.234, "battery_current": -12.345,
    "battery_power": -632, "battery_temperature": 24.6, "inverter_dc_current": 12.345, "inverter_dc_power": 632,
    "grid_frequency": 50.01, "grid_voltage": 231.456, "grid_current": -2.5, "grid_power": -575,
    "inverter_status": "Load Shaving", "charger_status": "Not Charging", "load_voltage": 230.9,
    "load_current": 5.2, "load_frequency": 50.0, "load_power": 1200, "energy_grid_month": 123.456,
    "energy_load_month": 456.789, "energy_battery_month": 78.9, "battery_low_voltage": 45.5,
    "battery_low_voltage_delay": 5.0, "battery_hysteresis": 2.0, "inverter_load_shave_status": "Enable",
    "inverter_grid_support_status": "Disable",
}
MPPT_VALUES = {
    "device_name": "MPPT: West", "mppt_status": "Operating", "mppt_charger_status": "Bulk",
    "dc_input_voltage": 112.5, "dc_input_current": 10.25, "dc_input_power": 1153, "dc_output_voltage": 52.1,
    "dc_output_current": 21.5, "dc_output_power": 1120, "dc_output_power_percentage": 35, "energy_pv_day": 4.321,
    "energy_pv_week": 20.5, "energy_pv_month": 80.25, "energy_pv_year": 950.75,
}
COMBOX_VALUES = {"battery_voltage": 51.2, "battery_current": 30.5, "battery_soc": 76, "pv_harvest_power": 2300,
                 "grid_voltage": 231.0, "grid_frequency": 50.02}


class StaticGateway:
    """A ComBox-like server whose units hold fixed values (writes are kept)."""

    def __init__(self, byte_order: ByteOrder = ByteOrder.LSB_FIRST, strict: bool = False,
                 units: tuple[int, ...] = (10, 30, 31, 201), port: int = 0) -> None:
        maps = {10: (XW_MAP, XW_VALUES), 30: (MPPT_MAP, MPPT_VALUES), 31: (MPPT_MAP, {**MPPT_VALUES, "device_name": "MPPT: East"}),
                201: (COMBOX_MAP, COMBOX_VALUES)}
        self.values = {u: dict(maps[u][1]) for u in units}
        banks = {u: RegisterBank(maps[u][0], byte_order, (lambda u=u: self.values[u]),
                                 (lambda name, value, u=u: self.values[u].__setitem__(name, value)), strict=strict)
                 for u in units}
        self.server = ModbusTcpServer(banks, port=port)

    async def __aenter__(self) -> ModbusTcpServer:
        await self.server.start()
        return self.server

    async def __aexit__(self, *exc) -> None:
        await self.server.stop()


@pytest.fixture
async def gateway():
    async with StaticGateway() as server:
        yield server


class PtyPair:
    """Two connected pseudo-terminals made by socat, like the two ends of a serial cable.

    `unplug()` kills socat (both device paths vanish, as an unplugged USB adapter does);
    `plug()` makes a fresh pair at the same paths.
    """

    def __init__(self, directory) -> None:
        self.a = str(directory / "ttyA")
        self.b = str(directory / "ttyB")
        self._proc = None

    def plug(self) -> None:
        import os
        import subprocess
        import time

        self._proc = subprocess.Popen(["socat", f"pty,raw,echo=0,link={self.a}", f"pty,raw,echo=0,link={self.b}"],
                                      stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while not (os.path.exists(self.a) and os.path.exists(self.b)):
            if time.monotonic() > deadline or self._proc.poll() is not None:
                raise RuntimeError("socat did not create the pty pair (is socat installed? scripts/setup --test installs it)")
            time.sleep(0.01)

    def unplug(self) -> None:
        import os
        import time

        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(5)
            self._proc = None
        deadline = time.monotonic() + 5
        while (os.path.exists(self.a) or os.path.exists(self.b)) and time.monotonic() < deadline:
            time.sleep(0.01)


@pytest.fixture
def pty_pair(tmp_path):
    pair = PtyPair(tmp_path)
    pair.plug()
    yield pair
    pair.unplug()
