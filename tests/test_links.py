"""The link factory: one link per wire, of the kind its drivers declare, paced for the most demanding."""

from __future__ import annotations

import pytest

from solarctl.bus.serial_link import ModbusRtuLink
from solarctl.bus.tcp import ModbusTcpLink
from solarctl.clock import SystemClock
from solarctl.config import ConfigError, validate_config
from solarctl.devices.must_pv1800.describe import MustPv1800Config
from solarctl.devices.pylontech.describe import PylontechConsoleConfig
from solarctl.devices.pylontech.console_link import PylontechConsoleLink
from solarctl.devices.registry import make_device
from solarctl.installation import Installation
from solarctl.links import shared_link


def site(tmp_path, devices: list[dict]) -> Installation:
    return Installation(validate_config({"general": {"data_dir": str(tmp_path)}, "device": devices}), SystemClock())


def test_devices_on_one_wire_share_one_link_of_their_kind(tmp_path):
    install = site(tmp_path, [
        {"name": "xw", "driver": "conext_xw", "host": "127.0.0.1", "port": 5020},
        {"name": "mppt", "driver": "conext_mppt", "host": "127.0.0.1", "port": 5020},
        {"name": "inverter", "driver": "must_pv1800", "port": f"{tmp_path}/ttyRS485"},
        {"name": "bms1", "driver": "jk_pb", "port": f"{tmp_path}/ttyRS485", "baudrate": 19200},
        {"name": "stack", "driver": "pylontech_console", "port": f"{tmp_path}/ttyRS232"},
    ])
    assert len(install.links) == 3
    assert install.link("xw") is install.link("mppt") and type(install.link("xw")) is ModbusTcpLink
    rs485 = install.link("inverter")
    assert rs485 is install.link("bms1") and type(rs485) is ModbusRtuLink
    assert rs485.min_gap == install.devices["bms1"].min_gap == 0.12  # the JK pack's gap, the larger one
    assert type(install.link("stack")) is PylontechConsoleLink


def test_drivers_of_different_link_kinds_on_one_port_are_refused(tmp_path):
    # The config check refuses this first (a console needs its port to itself); the factory holds the rule too.
    configs = [MustPv1800Config(name="inverter", driver="must_pv1800", port=f"{tmp_path}/ttyUSB0"),
               PylontechConsoleConfig(name="stack", driver="pylontech_console", port=f"{tmp_path}/ttyUSB0")]
    with pytest.raises(ConfigError) as err:
        shared_link(configs, [make_device(c) for c in configs], SystemClock())
    assert str(err.value) == ("devices inverter (must_pv1800), stack (pylontech_console) share one connection but "
                              "speak different protocols; give them separate ports")
