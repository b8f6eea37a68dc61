"""The whole config file."""

from __future__ import annotations

import math
import os
from collections import defaultdict
from typing import Annotated, Any, Union

from pydantic import Field, model_validator

from solarctl.strict_model import StrictModel
from solarctl.devices import registry
from solarctl.devices.config import ConsoleDevice, ModbusTcpDevice, SerialDevice
from solarctl.alerts.config import AlertsConfig
from solarctl.config.sections import GeneralConfig
from solarctl.control.command_file_config import CommandFileConfig
from solarctl.control.config import ControlConfig, StrategyConfig
from solarctl.plant.config import PlantConfig
from solarctl.publish.mqtt_config import MqttConfig
from solarctl.publish.webhook_config import WebhookConfig
from solarctl.registers.codec import WriteRejected, check_write
from solarctl.store.config import StorageConfig
from solarctl.telegram.config import TelegramConfig
from solarctl.web.config import WebConfig


def _device_table() -> Any:
    """A `[[device]]` table: the model of the driver its `driver` key names, one per registered driver."""
    return Annotated[Union[tuple(d.config for d in registry.DRIVERS.values())], Field(discriminator="driver")]


class Config(StrictModel):
    general: GeneralConfig = Field(default_factory=GeneralConfig)
    device: list[_device_table()] = Field(default_factory=list)  # type: ignore[valid-type]
    plant: PlantConfig = Field(default_factory=PlantConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    web: WebConfig | None = None  # the page is served only when the table is there
    mqtt: MqttConfig | None = None
    telegram: TelegramConfig | None = None
    webhook: list[WebhookConfig] = Field(default_factory=list)
    control: ControlConfig = Field(default_factory=ControlConfig)
    strategy: list[StrategyConfig] = Field(default_factory=list)
    command_file: CommandFileConfig | None = None
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)

    @model_validator(mode="after")
    def _consistent(self) -> "Config":
        names: set[str] = set()
        links: dict[tuple, list] = defaultdict(list)
        for dev in self.device:
            if dev.name in names:
                raise ValueError(f"two devices are named {dev.name!r}; names must be unique")
            names.add(dev.name)
            if isinstance(dev, ModbusTcpDevice):
                links[("tcp", dev.host, dev.port)].append(dev)
            elif isinstance(dev, SerialDevice):
                links[("serial", os.path.realpath(dev.port))].append(dev)  # `//`, `..` and symlinks: one port
        for key, devs in links.items():
            where = f"{key[1]}:{key[2]}" if key[0] == "tcp" else devs[0].port
            spellings = list(dict.fromkeys(d.port for d in devs if key[0] == "serial"))
            if len(spellings) > 1:
                raise ValueError(f"{' and '.join(map(repr, spellings))} are one serial port ({key[1]}); write it the "
                                 f"same way for every device on it ({', '.join(d.name for d in devs)})")
            units = [getattr(d, "unit", None) for d in devs]
            dupes = {u for u in units if u is not None and units.count(u) > 1}
            if dupes:
                raise ValueError(f"devices on {where} share unit {sorted(dupes)[0]}; each device on one link needs its own unit")
            for attr in ("byte_order", "baudrate"):
                seen = {getattr(d, attr) for d in devs if hasattr(d, attr)}
                if len(seen) > 1:
                    raise ValueError(f"devices on {where} disagree on {attr} ({', '.join(map(str, sorted(seen, key=str)))}); it is a setting of the link, so give all of them the same value")
            console = next((d for d in devs if isinstance(d, ConsoleDevice)), None)
            if console is not None and len(devs) > 1:
                raise ValueError(f"{where}: a {console.driver} needs its serial port to itself")
        for strat in self.strategy:
            for ref in strat.references:
                if ref not in names:
                    raise ValueError(f"strategy {strat.name!r} refers to device {ref!r}, which is not configured")
            strat.check_drivers({d.name: d.driver for d in self.device})
            if getattr(strat, "on_start", None) or getattr(strat, "on_stop", None):
                _check_start_stop(strat, self.device_named(strat.inverter))
            if hasattr(strat, "bind_site"):
                strat.bind_site({dev.name: dev.driver for dev in self.device}, self.plant)
        if self.command_file is not None and self.command_file.device not in names:
            raise ValueError(f"command_file.device {self.command_file.device!r} is not a configured device")
        for ref in self.mqtt.control if self.mqtt else ():
            if ref.partition(".")[0] not in names:
                raise ValueError(f"mqtt.control {ref!r} names a device that is not configured")
        return self

    def device_named(self, name: str):
        for dev in self.device:
            if dev.name == name:
                return dev
        raise KeyError(name)


def _check_start_stop(strategy: StrategyConfig, device_config: Any) -> None:
    """`on_start`/`on_stop` values are written at start and on the way out, when nobody watches: check them now
    against the inverter's settings (whitelist, range, enum) as the SafeWriter will."""
    device = registry.make_device(device_config)
    for table in ("on_start", "on_stop"):
        for name, value in getattr(strategy, table).items():
            where = f"strategy {strategy.name!r} {table}.{name}"
            reg = device.setting(name)
            if reg is None:
                known = ", ".join(r.setting_name for r in device.settings()) or "none"
                raise ValueError(f"{where}: {device_config.name} ({device_config.driver}) has no setting {name!r}; "
                                 f"its settings: {known}")
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"{where}: {value} is not a value a device can hold; give a number")
            try:
                check_write(reg, value)
            except WriteRejected as exc:
                raise ValueError(f"{where}: {exc}; give a value this setting accepts") from None


def accept_device_tables() -> None:
    """Rebuild Config's `[[device]]` tables after the registry changed."""
    Config.model_fields["device"].annotation = list[_device_table()]  # type: ignore[valid-type]
    Config.model_rebuild(force=True)


registry.on_change(accept_device_tables)
