"""Driver name -> driver class ("module:Class", imported when first used)."""

from __future__ import annotations

import importlib

from solarctl.config import ConfigError
from solarctl.devices.base import Device

DRIVERS: dict[str, str] = {
    "conext_xw": "solarctl.devices.conext.xw:ConextXw",
    "conext_mppt": "solarctl.devices.conext.mppt:ConextMppt",
    "conext_combox": "solarctl.devices.conext.combox:ConextCombox",
    "pylontech_console": "solarctl.devices.pylontech.driver:PylontechConsole",
    "must_pv1800": "solarctl.devices.must_pv1800.driver:MustPv1800",
    "jk_pb": "solarctl.devices.jk.driver:JkPb",
}


def make_device(config) -> Device:
    target = DRIVERS.get(config.driver)
    if target is None:
        raise ConfigError(f"device {config.name!r}: driver {config.driver!r} is not available in this version of "
                          f"solarctl (available: {', '.join(DRIVERS)})")
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)(config)
