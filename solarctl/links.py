"""Links built for drivers: each driver class names the kind of link it talks over (`Device.link_kind`),
and this is the one place that turns a kind and a device's config into a connection."""

from __future__ import annotations

from typing import Any, Callable

from solarctl.bus.link import Link
from solarctl.bus.serial_link import ModbusRtuLink
from solarctl.bus.tcp import ModbusTcpLink
from solarctl.clock import Clock
from solarctl.errors import ConfigError
from solarctl.devices.config import ModbusTcpDevice, link_key
from solarctl.devices.base import Device, LinkKind
from solarctl.devices.pylontech.console_link import PylontechConsoleLink


def _modbus_tcp(config: Any, clock: Clock, min_gap: float) -> Link:
    return ModbusTcpLink(f"{config.host}:{config.port}", config.host, config.port, clock, min_gap=min_gap)


def _modbus_rtu(config: Any, clock: Clock, min_gap: float) -> Link:
    return ModbusRtuLink(config.port, config.port, config.baudrate, clock, min_gap=min_gap)


def _pylontech_console(config: Any, clock: Clock, min_gap: float) -> Link:
    return PylontechConsoleLink(config.port, config.port, config.baudrate, clock, wakeup=config.wakeup, min_gap=min_gap)


BUILDERS: dict[LinkKind, Callable[[Any, Clock, float], Link]] = {
    "modbus_tcp": _modbus_tcp,
    "modbus_rtu": _modbus_rtu,
    "pylontech_console": _pylontech_console,
}


def make_link(kind: LinkKind, config: Any, clock: Clock, min_gap: float) -> Link:
    """A link of `kind` to where `config` says the device is (gateway host:port or serial port)."""
    return BUILDERS[kind](config, clock, min_gap)


def shared_link(configs: list, devices: list[Device], clock: Clock) -> Link:
    """One link for devices that share a wire, paced for the most demanding of them."""
    if len({d.link_kind for d in devices}) > 1:
        names = ", ".join(f"{c.name} ({c.driver})" for c in configs)
        raise ConfigError(f"devices {names} share one connection but speak different protocols; give them separate ports")
    return make_link(devices[0].link_kind, configs[0], clock, max(d.min_gap for d in devices))
