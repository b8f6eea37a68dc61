"""A plant model seen as the configured devices: their metrics and their settings, without any protocol.

Each device's values are what its simulator (solarctl/sim/) computes from the plant, and a setting
written here goes where the simulator would put it on a write: into the plant's settings, or kept
as written for what the plant does not model. Setting names map to registers through the driver,
as they do for the SafeWriter.
"""

from __future__ import annotations

from collections import defaultdict
from types import MappingProxyType
from typing import Any, Iterator, Mapping

from solarctl.config import Config
from solarctl.control.strategies.base import Proposal
from solarctl.control.strategies.view import Latest, View, setting_metrics
from solarctl.devices import registry
from solarctl.devices.registry import make_device
from solarctl.plant import Plant
from solarctl.registers.codec import check_write
from solarctl.registers import Register, WriteRejected
from solarctl.devices.description import DriverDescription, load
from solarctl.sim.faults import Faults
from solarctl.sim.plant_view import PlantView, of_bank, with_faults


def plant_view(driver: DriverDescription, config: Any, plant: Plant, index: int) -> PlantView:
    """The driver's own plant view, or for a unit behind a TCP gateway its simulator's register bank."""
    if driver.plant_view is not None:
        view: PlantView = load(driver.plant_view)(config, plant, index)
        return view
    return of_bank(driver.simulator_factory(config, plant, index, config.byte_order))


class _OnDemand(Mapping[str, Latest]):
    """Each device's values computed when a strategy first asks for them, once per view."""

    def __init__(self, sources: Mapping[str, PlantView], now: float) -> None:
        self._sources = sources
        self._now = now
        self._seen: dict[str, Latest] = {}

    def __getitem__(self, name: str) -> Latest:
        if name not in self._seen:
            self._seen[name] = Latest(MappingProxyType(self._sources[name].values()), self._now)
        return self._seen[name]

    def get(self, name: str, default: Any = None) -> Any:  # Mapping's own goes through an exception for every miss
        return self[name] if name in self._sources else default

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


class PlantDevices:
    def __init__(self, config: Config, plant: Plant) -> None:
        self.plant = plant
        enabled = [d for d in config.device if d.enabled]
        self.devices = {d.name: make_device(d) for d in enabled}  # the drivers: setting name -> register
        ordinal: dict[str, int] = defaultdict(int)
        self.sources: dict[str, PlantView] = {}
        self.faults = {dev.name: Faults() for dev in enabled}  # misreads to inject, as the simulators have
        for dev in enabled:
            view = plant_view(registry.DRIVERS[dev.driver], dev, plant, ordinal[dev.driver])
            self.sources[dev.name] = with_faults(view, self.faults[dev.name])
            ordinal[dev.driver] += 1
        self._setting_metric = setting_metrics(self.devices)

    def view(self) -> View:
        """Every device as if just polled at the plant's present time."""
        return View(self.plant.time, _OnDemand(self.sources, self.plant.time), self._setting_metric)

    def register(self, device_name: str, setting: str) -> Register | None:
        """The register behind a device's writable setting; None if it has no such setting."""
        device = self.devices.get(device_name)
        return device.setting(setting) if device is not None else None

    def apply(self, proposal: Proposal) -> str:
        """Write a proposed setting into the plant; '' if it took, else why not."""
        reg = self.register(proposal.device, proposal.setting)
        if reg is None:
            return f"{proposal.device} has no writable setting {proposal.setting!r}"
        try:
            self.sources[proposal.device].write(reg.name, check_write(reg, proposal.value))
        except WriteRejected as exc:
            return str(exc)
        return ""
