"""Which physical device a config entry reaches, as a set of aliases: every name the write budget may know it by.

A config may spell one device many ways (`127.0.0.1`, `localhost`, `127.1`; `/dev/ttyUSB0` or a udev symlink
to it), so the budget never keys on the spelling: a TCP host is resolved to its addresses (all of them,
normalised), a serial port to its real path and, for a USB adapter, to the adapter's USB serial number (the
same after a re-plug as another ttyUSBn), and a device that reports its own serial number adds that. Routes
that share any alias are one device (write_budget.py joins them).
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
from pathlib import Path
from typing import Any

from solarctl.devices.config import link_key

RESOLVE_TIMEOUT_S = 5.0
_resolved: dict[str, tuple[str, ...]] = {}  # host -> its addresses, once per process


class UnknownRoute(OSError):
    """The device's address cannot be resolved: its writes cannot be counted, so none is made."""


def spelled_identity(device: Any) -> str:
    """The device as its config spells it (driver, connection, unit): the budget's key before issue 19, kept
    as one alias so that counts recorded then still count."""
    kind, *where = link_key(device.config)
    if kind == "serial":
        where = [os.path.abspath(where[0])]
    unit = getattr(device.config, "unit", None)
    return f"{device.driver}@{kind}:{':'.join(str(w) for w in where)}" + ("" if unit is None else f"#{unit}")


async def route_aliases(device: Any) -> frozenset[str]:
    """Every name of the route to `device`: its spelling, its resolved addresses or real port path, and the
    USB adapter's serial number. Raises UnknownRoute when a host does not resolve."""
    kind, *where = link_key(device.config)
    unit = getattr(device.config, "unit", None)
    suffix = "" if unit is None else f"#{unit}"
    aliases = {spelled_identity(device)}
    if kind == "tcp":
        host, port = where
        aliases.update(f"tcp:{address}:{port}{suffix}" for address in await resolve(host))
    else:
        real = os.path.realpath(where[0])
        aliases.add(f"serial:{real}{suffix}")
        if (usb := usb_serial(real)) is not None:
            aliases.add(f"{usb}{suffix}")
    return frozenset(aliases)


def reported_alias(driver: str, serial_number: str | None) -> str | None:
    """The alias of a device that reported its own serial number (None: it reported none)."""
    serial_number = (serial_number or "").strip().strip("\x00")
    return f"{driver}:sn:{serial_number}" if serial_number.strip("0") else None


async def resolve(host: str) -> tuple[str, ...]:
    """The host's addresses, normalised (IPv4-mapped IPv6 as IPv4, IPv6 compressed); looked up once per process."""
    if host not in _resolved:
        try:
            async with asyncio.timeout(RESOLVE_TIMEOUT_S):
                infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, TimeoutError) as exc:
            raise UnknownRoute(f"cannot resolve {host!r} ({exc}); nothing was written, as the write budget counts "
                               "devices by address") from None
        _resolved[host] = tuple(sorted({_normal(str(info[4][0])) for info in infos}))
    return _resolved[host]


def _normal(address: str) -> str:
    ip = ipaddress.ip_address(address.split("%")[0])  # no zone id: one address is one host
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.compressed


def usb_serial(port: str, sysfs: Path = Path("/sys")) -> str | None:
    """`usb:VID:PID:SERIAL:INTERFACE` of the USB adapter behind a tty (the interface tells the ports of a
    multi-port adapter apart), or None: no USB device (a pty, a built-in UART) or one without a serial number."""
    entry = sysfs / "class" / "tty" / os.path.basename(port) / "device"
    try:
        here = Path(os.path.realpath(entry))
    except OSError:
        return None
    interface = None
    devices = sysfs / "devices"
    while here != here.parent and here.is_relative_to(devices):
        if (here / "serial").is_file() and (here / "idVendor").is_file():
            try:
                serial = (here / "serial").read_text().strip()
                vendor = (here / "idVendor").read_text().strip()
                product = (here / "idProduct").read_text().strip()
            except OSError:
                return None
            return f"usb:{vendor}:{product}:{serial}:{interface}" if serial else None
        if ":" in here.name:
            interface = here.name.split(":")[-1]
        here = here.parent
    return None
