"""The live picture the page shows and the JSON API returns: each device's latest values with their
catalogue (unit, precision, role), its status from the read model (fresh, stale, failed, never read, and why),
link health, and the installation's power flow by role."""

from __future__ import annotations

from typing import Any

from solarctl.devices import registry
from solarctl.facade import Facade
from solarctl.store.energy import roles

FLOW_ROLES = ("pv", "load", "grid", "battery")  # signs as in the catalogues: grid + import, battery + charging


class LiveView:
    def __init__(self, daemon: Facade) -> None:
        self.daemon = daemon
        drivers = {d.name: d.driver for d in daemon.config.device}
        self.sources = roles(daemon.config.storage, drivers)  # the same sources as the stored energy summary
        self.soc_sources = registry.role_sources("battery_soc", drivers)

    def catalogue(self) -> dict[str, dict[str, dict[str, Any]]]:
        """device -> metric -> what the page needs to show it (unit, precision, kind, role, label, and for a list of
        flags what they are: fault, warning or state)."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for device in self.daemon.config.device:
            description = registry.describe(device.driver)
            metrics = description.metrics if description else ()
            flags = description.metrics.flag_kinds() if description else {}
            out[device.name] = {m.name: {"unit": m.unit, "precision": m.precision, "kind": m.kind, "role": m.role,
                                         "label": m.label, "flags": flags.get(m.name)} for m in metrics}
        return out

    def device(self, name: str) -> dict[str, Any]:
        """`status`: fresh, stale, failed or never; `stale`: the values are not current (any status but fresh);
        `error`: why not, in the read model's words (None while fresh)."""
        status = self.daemon.status(name)
        return {
            "driver": self.daemon.config.device_named(name).driver,
            "values": dict(status.values),
            "units": dict(status.units),
            "alarms": list(status.alarms),
            "sampled_at": status.sampled_at,
            "status": status.status,
            "error": status.reason,
            "stale": not status.fresh,
            "health": self.daemon.link_health(name),
        }

    def flow(self) -> dict[str, float | None]:
        """Installation power by role (W) and the mean SoC (%), None where no source has a value."""
        out: dict[str, float | None] = {role: self._sum(self.sources.get(role, [])) for role in FLOW_ROLES}
        socs = self._values(self.soc_sources)
        out["soc"] = sum(socs) / len(socs) if socs else None
        return out

    def snapshot(self) -> dict[str, Any]:
        return {"time": self.daemon.clock.time(), "flow": self.flow(),
                "devices": {name: self.device(name) for name in self.daemon.devices()},
                "sinks": self.daemon.sink_health(), "tasks": self.daemon.task_health()}

    def _values(self, sources: list[tuple[str, str]]) -> list[float]:
        out = []
        polled = set(self.daemon.devices())
        for device, metric in sources:
            value = self.daemon.status(device).values.get(metric) if device in polled else None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out.append(float(value))
        return out

    def _sum(self, sources: list[tuple[str, str]]) -> float | None:
        values = self._values(sources)
        return sum(values) if values else None
