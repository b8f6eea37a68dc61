"""A plant model seen as the configured devices: their metrics and their settings, without any protocol.

Each device's values are what its simulator (solarctl/sim/) computes from the plant, and a setting
written here goes where the simulator would put it on a write: into the plant's settings, or kept
as written for what the plant does not model. Setting names map to registers through the driver,
as they do for the SafeWriter.
"""

from __future__ import annotations

from collections import defaultdict
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping, NamedTuple

from solarctl.config import Config
from solarctl.control.strategies.base import Proposal
from solarctl.control.strategies.view import Latest, View, setting_metrics
from solarctl.devices.pylontech.stack import stack_values
from solarctl.devices.registry import make_device
from solarctl.plant import Plant
from solarctl.registers import WriteRejected
from solarctl.registers.codec import check_write
from solarctl.sample import Value
from solarctl.sim.conext import combox_bank, mppt_bank, xw_bank
from solarctl.sim.jk import JkPack
from solarctl.sim.must_pv1800 import Pv1800Bank
from solarctl.sim.pylontech_stack import info_values, module_row
from solarctl.sim.register_bank import RegisterBank


class PlantDevice(NamedTuple):
    values: Callable[[], dict[str, Any]]  # every metric, computed from the plant now
    write: Callable[[str, Value], None]  # apply a setting by its metric (register) name


def _bank(bank: RegisterBank) -> PlantDevice:
    return PlantDevice(bank.values, bank.on_write)


def _jk(pack: JkPack) -> PlantDevice:
    return PlantDevice(pack.values, pack.set_switch)


def _pylontech(plant: Plant, baudrate: int, barcode: str) -> PlantDevice:
    """The stack's `pwr` rows and `info` as the simulator serves them, summed up as the driver does."""
    info = info_values(plant, baudrate, barcode)

    def values() -> dict[str, Any]:
        rows = [{**module_row(plant, i), "present": True} for i in range(plant.battery.module_count)]
        found = stack_values({"modules": rows, "columns": {}}, info)
        found.pop("alarms")
        return found

    def write(metric: str, value: Value) -> None:
        raise WriteRejected(f"a Pylontech console has no setting {metric!r}")

    return PlantDevice(values, write)


# driver -> (device config, plant, index among the devices of that driver) -> its values and writes
PLANT_DEVICES: dict[str, Callable[[Any, Plant, int], PlantDevice]] = {
    "conext_xw": lambda c, plant, i: _bank(xw_bank(c, plant, i, c.byte_order)),
    "conext_mppt": lambda c, plant, i: _bank(mppt_bank(c, plant, i, c.byte_order)),
    "conext_combox": lambda c, plant, i: _bank(combox_bank(c, plant, i, c.byte_order)),
    "must_pv1800": lambda c, plant, i: _bank(Pv1800Bank(plant)),
    "jk_pb": lambda c, plant, i: _jk(JkPack(plant, i, c.unit)),
    "pylontech_console": lambda c, plant, i: _pylontech(plant, c.baudrate, f"SIMULATED{i + 1:04d}"),
}


class _OnDemand(Mapping[str, Latest]):
    """Each device's values computed when a strategy first asks for them, once per view."""

    def __init__(self, sources: Mapping[str, PlantDevice], now: float) -> None:
        self._sources = sources
        self._now = now
        self._seen: dict[str, Latest] = {}

    def __getitem__(self, name: str) -> Latest:
        if name not in self._seen:
            self._seen[name] = Latest(MappingProxyType(self._sources[name].values()), self._now)
        return self._seen[name]

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
        self.sources: dict[str, PlantDevice] = {}
        for dev in enabled:
            self.sources[dev.name] = PLANT_DEVICES[dev.driver](dev, plant, ordinal[dev.driver])
            ordinal[dev.driver] += 1
        self._setting_metric = setting_metrics(self.devices)

    def view(self) -> View:
        """Every device as if just polled at the plant's present time."""
        return View(self.plant.time, _OnDemand(self.sources, self.plant.time), self._setting_metric)

    def apply(self, proposal: Proposal) -> str:
        """Write a proposed setting into the plant; '' if it took, else why not."""
        device = self.devices.get(proposal.device)
        reg = device.setting(proposal.setting) if device is not None else None
        if reg is None:
            return f"{proposal.device} has no writable setting {proposal.setting!r}"
        try:
            self.sources[proposal.device].write(reg.name, check_write(reg, proposal.value))
        except WriteRejected as exc:
            return str(exc)
        return ""
