"""`[[device]]` tables: one model per driver, chosen by the `driver` key."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from solarctl.strict_model import StrictModel
from solarctl.registers.model import ByteOrder

DeviceName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$", description="letters, digits, _ and - (used as DEVICE in DEVICE.SETTING)")]
Unit = Annotated[int, Field(ge=0, le=255, description="Modbus unit / slave id")]
Seconds = Annotated[float, Field(gt=0)]


class DeviceBase(StrictModel):
    name: DeviceName
    enabled: bool = True
    poll_interval: Seconds = 5.0  # live values
    slow_interval: Seconds = 60.0  # settings and other slow-moving values
    timeout: Seconds = 2.0  # per request


class ModbusTcpDevice(DeviceBase):
    host: str
    port: Annotated[int, Field(ge=1, le=65535)] = 502
    # ComBox "Modbus Byte Order": applies to the whole gateway (all devices behind host:port).
    byte_order: ByteOrder = ByteOrder.LSB_FIRST
    # Unwanted registers one block read may span; if the device refuses such a read (illegal data
    # address), the driver falls back to mapped registers only.
    max_gap: Annotated[int, Field(ge=0, le=124)] = 50


class ConextXwConfig(ModbusTcpDevice):
    driver: Literal["conext_xw"]
    unit: Unit = 10


class ConextMpptConfig(ModbusTcpDevice):
    driver: Literal["conext_mppt"]
    unit: Unit = 30


class ConextComboxConfig(ModbusTcpDevice):
    driver: Literal["conext_combox"]
    unit: Unit = 201


class SerialDevice(DeviceBase):
    port: Annotated[str, Field(min_length=1, description="serial device path, e.g. /dev/ttyUSB0")]
    baudrate: Annotated[int, Field(gt=0)]


class PylontechConsoleConfig(SerialDevice):
    driver: Literal["pylontech_console"]
    baudrate: Annotated[int, Field(gt=0)] = 115200
    wakeup: Literal["auto", "always", "never"] = "auto"
    modules: Annotated[int, Field(ge=1, le=16)] | None = None  # cap on the module count found in `pwr`
    cell_interval: Seconds = 60.0  # `bat N` cell tables, one module per poll


class MustPv1800Config(SerialDevice):
    driver: Literal["must_pv1800"]
    baudrate: Annotated[int, Field(gt=0)] = 19200
    unit: Unit = 4


class JkPbConfig(SerialDevice):
    driver: Literal["jk_pb"]
    protocol: Literal["modbus", "55aa", "4e57"] = "modbus"
    baudrate: Annotated[int, Field(gt=0)] = 115200
    unit: Unit = 1
    average: Annotated[int, Field(ge=1, le=10)] = 1  # reads averaged for voltage and current
    # A PB answers in ~40 ms; a short timeout keeps an unplugged pack from holding the shared bus.
    timeout: Seconds = 0.5


DeviceConfig = Annotated[
    Union[
        ConextXwConfig,
        ConextMpptConfig,
        ConextComboxConfig,
        PylontechConsoleConfig,
        MustPv1800Config,
        JkPbConfig,
    ],
    Field(discriminator="driver"),
]

TCP_DRIVERS = ("conext_xw", "conext_mppt", "conext_combox")
