"""The live picture the page shows and the JSON API returns: each device's latest values with their
catalogue (unit, precision, role), link health and staleness, and the installation's power flow by role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from solarctl.devices import registry
from solarctl.freshness import stale_after
from solarctl.store.energy import roles

if TYPE_CHECKING:
    from solarctl.daemon import Daemon

FLOW_ROLES = ("pv", "load", "grid", "battery")  # signs as in the catalogues: grid + import, battery + charging


class LiveView:
    def __init__(self, daemon: "Daemon") -> None:
        self.daemon = daemon
        drivers = {d.name: d.driver for d in daemon.config.device}
        self.sources = roles(daemon.config.storage, drivers)  # the same sources as the stored energy summary
        self.soc_sources = registry.role_sources("battery_soc", drivers)

    def catalogue(self) -> dict[str, dict[str, dict]]:
        """device -> metric -> what the page needs to show it (unit, precision, kind, role, label, and for a list of
        flags what they are: fault, warning or state)."""
        out: dict[str, dict[str, dict]] = {}
        for device in self.daemon.config.device:
            description = registry.describe(device.driver)
            metrics = description.metrics if description else ()
            flags = description.metrics.flag_kinds() if description else {}
            out[device.name] = {m.name: {"unit": m.unit, "precision": m.precision, "kind": m.kind, "role": m.role,
                                         "label": m.label, "flags": flags.get(m.name)} for m in metrics}
        return out

    def device(self, name: str) -> dict[str, Any]:
        state = self.daemon.hub.devices.get(name)
        config = self.daemon.config.device_named(name)
        now = self.daemon.clock.time()
        sampled_at = state.last_sample_at if state else None
        return {
            "driver": config.driver,
            "values": dict(state.values) if state else {},
            "units": dict(state.units) if state else {},
            "alarms": list(state.alarms) if state else [],
            "sampled_at": sampled_at,
            "error": state.error if state else "not polled yet",
            "stale": sampled_at is None or now - sampled_at > stale_after(config),
            "health": self.daemon.site.devices[name].health.as_dict(),
        }

    def flow(self) -> dict[str, float | None]:
        """Installation power by role (W) and the mean SoC (%), None where no source has a value."""
        out: dict[str, float | None] = {role: self._sum(self.sources.get(role, [])) for role in FLOW_ROLES}
        socs = [v for v in self._values(self.soc_sources)]
        out["soc"] = sum(socs) / len(socs) if socs else None
        return out

    def snapshot(self) -> dict[str, Any]:
        return {"time": self.daemon.clock.time(), "flow": self.flow(),
                "devices": {name: self.device(name) for name in self.daemon.site.devices},
                "sinks": self.daemon.sink_health(), "tasks": self.daemon.supervisor.health()}

    def _values(self, sources: list[tuple[str, str]]) -> list[float]:
        out = []
        for device, metric in sources:
            state = self.daemon.hub.devices.get(device)
            value = state.values.get(metric) if state else None
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out.append(float(value))
        return out

    def _sum(self, sources: list[tuple[str, str]]) -> float | None:
        values = self._values(sources)
        return sum(values) if values else None
