"""The drivers of this version of solarctl: driver name -> its description, one line per driver.

Config loading, the simulators, `solarctl decode`, the store and the demo all read these descriptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solarctl.devices.conext.describe import CONEXT_COMBOX, CONEXT_MPPT, CONEXT_XW
from solarctl.devices.description import DriverDescription
from solarctl.devices.jk.describe import JK_PB
from solarctl.devices.must_pv1800.describe import MUST_PV1800
from solarctl.devices.pylontech.describe import PYLONTECH_CONSOLE

if TYPE_CHECKING:
    from solarctl.devices.base import Device

DRIVERS: dict[str, DriverDescription] = {
    "conext_xw": CONEXT_XW,
    "conext_mppt": CONEXT_MPPT,
    "conext_combox": CONEXT_COMBOX,
    "pylontech_console": PYLONTECH_CONSOLE,
    "must_pv1800": MUST_PV1800,
    "jk_pb": JK_PB,
}


def register(description: DriverDescription) -> None:
    """Add a driver at run time (a plugin, a test's toy driver): config loading accepts its table from now on."""
    from solarctl.config.model import accept_device_tables  # the config model is built from this registry

    DRIVERS[description.name] = description
    accept_device_tables()


def unregister(name: str) -> None:
    from solarctl.config.model import accept_device_tables

    del DRIVERS[name]
    accept_device_tables()


def describe(driver: str | None) -> DriverDescription | None:
    return DRIVERS.get(driver)  # type: ignore[arg-type]


def make_device(config) -> Device:
    return DRIVERS[config.driver].device_class(config)
