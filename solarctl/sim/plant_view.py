"""A simulated device without its protocol: its metrics computed from the plant now, and a setting written
where the simulator would put it. Strategies run offline (no daemon, no sockets) see the plant this way."""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

from solarctl.sample import Value
from solarctl.sim.faults import Faults


class PlantView(NamedTuple):
    values: Callable[[], dict[str, Any]]  # every metric, computed from the plant now
    write: Callable[[str, Value], None]  # apply a setting by its metric (register) name


def with_faults(view: PlantView, faults: Faults) -> PlantView:
    """The view with `faults.scaled` applied: the metrics a misreading device would get wrong."""
    def values() -> dict[str, Any]:
        found = view.values()
        if not faults.scaled:  # the usual case: no copy
            return found
        return found | {name: found[name] * factor for name, factor in faults.scaled.items() if name in found}
    return PlantView(values, view.write)


def of_bank(bank) -> PlantView:
    """A register bank's values and write hook (every simulated unit behind a TCP gateway, the PV1800)."""
    return PlantView(bank.values, bank.on_write)
