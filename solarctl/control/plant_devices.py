"""A plant model seen as the configured devices: their metrics and their settings, without any protocol.

Each device's values are what its simulator (solarctl/sim/) computes from the plant, and a setting
written here goes where the simulator would put it on a write: into the plant's settings, or kept
as written for what the plant does not model. Setting names map to registers through the driver,
as they do for the SafeWriter.
"""

from __future__ import annotations

from collections import defaultdict
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping, Protocol

from solarctl.config import Config
from solarctl.control.runner import setting_metrics
from solarctl.control.strategies.base import Proposal
from solarctl.control.strategies.view import Latest, View
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


class PlantDevice(Protocol):
    def values(self) -> dict[str, Value]: ...

    def write(self, metric: str, value: Value) -> None: ...


class BankDevice:
    """A register-table simulator: its named values, and its write hook."""

    def __init__(self, bank: RegisterBank) -> None:
        self.bank = bank

    def values(self) -> dict[str, Value]:
        return self.bank.values()

    def write(self, metric: str, value: Value) -> None:
        self.bank.on_write(metric, value)


class JkDevice:
    def __init__(self, pack: JkPack) -> None:
        self.pack = pack

    def values(self) -> dict[str, Value]:
        return self.pack.values()

    def write(self, metric: str, value: Value) -> None:
        self.pack.set_switch(metric, value)


class PylontechStack:
    """The stack's `pwr` rows and `info` as the simulator serves them, summed up as the driver does."""

    def __init__(self, plant: Plant, baudrate: int, barcode: str) -> None:
        self.plant = plant
        self.info = info_values(plant, baudrate, barcode)

    def values(self) -> dict[str, Any]:
        rows = [{**module_row(self.plant, i), "present": True} for i in range(self.plant.battery.module_count)]
        values = stack_values({"modules": rows, "columns": {}}, self.info)
        values.pop("alarms")
        return values

    def write(self, metric: str, value: Value) -> None:
        raise WriteRejected(f"a Pylontech console has no setting {metric!r}")


# driver -> (device config, plant, index among the devices of that driver) -> its values and writes
PLANT_DEVICES: dict[str, Callable[[Any, Plant, int], PlantDevice]] = {
    "conext_xw": lambda c, plant, i: BankDevice(xw_bank(c, plant, i, c.byte_order)),
    "conext_mppt": lambda c, plant, i: BankDevice(mppt_bank(c, plant, i, c.byte_order)),
    "conext_combox": lambda c, plant, i: BankDevice(combox_bank(c, plant, i, c.byte_order)),
    "must_pv1800": lambda c, plant, i: BankDevice(Pv1800Bank(plant)),
    "jk_pb": lambda c, plant, i: JkDevice(JkPack(plant, i, c.unit)),
    "pylontech_console": lambda c, plant, i: PylontechStack(plant, c.baudrate, f"SIMULATED{i + 1:04d}"),
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
