"""The drivers of this version of solarctl: driver name -> its description (each driver folder's describe.py),
one line per driver.

Config loading, the simulators, `solarctl decode`, the store and the demo all read these descriptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping

from solarctl.devices.capabilities import Capabilities, Capability
from solarctl.devices.description import DriverDescription, load

if TYPE_CHECKING:
    from solarctl.devices.base import Device

DRIVERS: dict[str, DriverDescription] = {d.name: d for d in map(load, (
    "solarctl.devices.conext.describe:CONEXT_XW",
    "solarctl.devices.conext.describe:CONEXT_MPPT",
    "solarctl.devices.conext.describe:CONEXT_COMBOX",
    "solarctl.devices.pylontech.describe:PYLONTECH_CONSOLE",
    "solarctl.devices.pylontech_rs485.describe:PYLONTECH_RS485",
    "solarctl.devices.must_pv1800.describe:MUST_PV1800",
    "solarctl.devices.jk.describe:JK_PB",
    "solarctl.devices.voltronic.describe:VOLTRONIC",
))}


# Called after a driver is added or removed; the config model, built from this registry, rebuilds itself
# (it subscribes here rather than being imported, which would make the drivers depend on the config).
_listeners: list[Callable[[], None]] = []


def on_change(listener: Callable[[], None]) -> None:
    _listeners.append(listener)


def register(description: DriverDescription) -> None:
    """Add a driver at run time (a plugin, a test's toy driver): config loading accepts its table from now on."""
    DRIVERS[description.name] = description
    _changed()


def unregister(name: str) -> None:
    del DRIVERS[name]
    _changed()


def _changed() -> None:
    for listener in _listeners:
        listener()


def describe(driver: str | None) -> DriverDescription | None:
    return DRIVERS.get(driver)  # type: ignore[arg-type]


def capabilities(driver: str | None) -> Capabilities:
    """What the driver's devices can be told to do (nothing, for a driver not registered)."""
    found = describe(driver)
    return found.capabilities if found is not None else Capabilities()


def capability(drivers: Mapping[str, str], device: str, name: str, wanted_by: str) -> Capability:
    """The capability `name` of the configured `device` (device name -> driver name); ValueError with one sentence
    naming who wanted it if its driver does not declare it."""
    driver = drivers.get(device)
    found = capabilities(driver).named(name)
    if found is None:
        have = ", ".join(capabilities(driver).declared()) or "none"
        raise ValueError(f"{wanted_by} needs the capability {name!r}, which {device} ({driver}) does not have "
                         f"(its capabilities: {have})")
    return found


def offers_role(driver: str | None, role: str) -> bool:
    """Whether the driver's catalogue has a metric (or a field of a list metric's records) with `role`."""
    found = describe(driver)
    return found is not None and any(m.role == role or any(f.role == role for f in m.fields or ())
                                     for m in found.metrics)


def role_sources(role: str, drivers: Mapping[str, str]) -> list[tuple[str, str]]:
    """(device, metric) pairs that supply `role`: the offers of the lowest rank among the configured devices
    (device name -> driver name), so a sum (the ComBox's PV harvest) never counts twice with its parts."""
    offers = [(metric.rank, dev, metric.name) for dev, driver in sorted(drivers.items())
              if (d := describe(driver)) for metric in d.metrics.with_role(role)]
    best = min((rank for rank, _, _ in offers), default=None)
    return [(dev, metric) for rank, dev, metric in offers if rank == best]


def make_device(config: Any) -> Device:  # a driver's own config model: a DeviceBase with its `driver`
    return DRIVERS[config.driver].device_type(config)
