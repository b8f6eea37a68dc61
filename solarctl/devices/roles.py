"""Which configured devices supply a metric role (pv_power, battery_soc, ...): those whose drivers offer it at the lowest rank."""

from __future__ import annotations

from typing import Mapping

from solarctl.devices import registry


def suppliers(drivers: Mapping[str, str], role: str) -> list[tuple[str, str]]:
    """(device, metric) pairs supplying `role`, given device name -> driver name."""
    offers = [(metric.rank, dev, metric.name) for dev, driver in sorted(drivers.items())
              if (d := registry.describe(driver)) for metric in d.metrics.with_role(role)]
    best = min((rank for rank, _, _ in offers), default=None)
    return [(dev, metric) for rank, dev, metric in offers if rank == best]
