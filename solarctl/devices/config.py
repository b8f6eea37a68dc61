"""What every `[[device]]` table has, by link kind; each driver's own table extends one of these (its
describe.py), and the config accepts one table per registered driver, chosen by the `driver` key."""

from __future__ import annotations

from typing import Annotated, Any, Protocol, Sequence

from pydantic import Field

from solarctl.strict_model import StrictModel
from solarctl.registers.model import ByteOrder

DeviceName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$", description="letters, digits, _ and - (used as DEVICE in DEVICE.SETTING)")]
Unit = Annotated[int, Field(ge=0, le=255, description="Modbus unit / slave id")]
RtuUnit = Annotated[int, Field(ge=1, le=247, description="the Modbus RTU address, 1 to 247 (0 is broadcast, 248-255 are reserved)")]
Seconds = Annotated[float, Field(gt=0)]


class DeviceBase(StrictModel):
    name: DeviceName
    enabled: bool = True
    poll_interval: Seconds = 5.0  # live values
    slow_interval: Seconds = 60.0  # settings and other slow-moving values
    timeout: Seconds = 2.0  # per request


class ModbusTcpDevice(DeviceBase):
    host: Annotated[str, Field(min_length=1, pattern=r"^\S+$", description='the gateway\'s address, e.g. host = "192.168.1.20"')]
    port: Annotated[int, Field(ge=1, le=65535)] = 502
    # ComBox "Modbus Byte Order": applies to the whole gateway (all devices behind host:port).
    byte_order: ByteOrder = ByteOrder.LSB_FIRST
    # Unwanted registers one block read may span; if the device refuses such a read (illegal data
    # address), the driver falls back to mapped registers only.
    max_gap: Annotated[int, Field(ge=0, le=124)] = 50


class SerialDevice(DeviceBase):
    port: Annotated[str, Field(min_length=1, description="serial device path, e.g. /dev/ttyUSB0")]
    baudrate: Annotated[int, Field(gt=0)]


class ConsoleDevice(SerialDevice):
    """A device on a serial console of its own (it cannot share its port with other devices)."""


def link_key(config: ModbusTcpDevice | SerialDevice) -> tuple[str, ...]:
    """Devices with the same key share one connection (a gateway, or a serial port)."""
    if isinstance(config, ModbusTcpDevice):
        return ("tcp", config.host, str(config.port))
    return ("serial", config.port)


class DeviceTables(Protocol):
    """What the site's builders read of the whole config (solarctl.config.Config is one) without importing it:
    the config folder assembles every folder's table, so it sits above them."""

    @property
    def device(self) -> Sequence[Any]: ...  # the [[device]] tables, each a driver's config model
