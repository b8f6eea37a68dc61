"""What the daemon answers over the control API: `status`, `read` (from the state hub, no port
touched), `set` (through the daemon's SafeWriter, so the write budget and audit ledger are one),
`alerts` and `ack` (its alert manager), `audit` (its ledger) and `plan` (the forecast strategies' current plans)."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from solarctl.api.server import ApiError, Caller, Op
from solarctl.freshness import stale_after

if TYPE_CHECKING:
    from solarctl.daemon import Daemon

_SOURCE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class DaemonOps:
    def __init__(self, daemon: "Daemon", config_path: Path | None) -> None:
        self.daemon = daemon
        self.config_path = config_path
        self.started_at = daemon.clock.time()

    def table(self) -> dict[str, Op]:
        return {"status": self.status, "read": self.read, "set": self.set, "alerts": self.alerts, "ack": self.ack,
                "audit": self.audit, "plan": self.plan}

    async def status(self, request: dict, caller: Caller) -> dict:
        return {"pid": os.getpid(), "config": None if self.config_path is None else str(self.config_path),
                "data_dir": str(self.daemon.config.general.data_dir),
                "uptime_s": round(self.daemon.clock.time() - self.started_at, 3)}

    async def read(self, request: dict, caller: Caller) -> dict:
        """The latest values per device with their times, errors (latest poll failed, or values stale),
        alarms, units and health: what `solarctl read` prints."""
        configured = self.daemon.site.devices
        names = _field(request, "devices", list, list(configured))
        unknown = [n for n in names if n not in configured]
        if unknown:
            raise ApiError(f"the daemon polls no device named {unknown[0]!r}; it polls {', '.join(configured) or 'none'}")
        now = self.daemon.clock.time()
        report: dict[str, dict] = {key: {} for key in ("devices", "alarms", "units", "sampled_at", "errors")}
        for name in names:
            state = self.daemon.hub.devices.get(name)
            error = self._error(name, state, now)
            if error:
                report["errors"][name] = error
                continue
            report["devices"][name] = dict(state.values)
            report["units"][name] = dict(state.units)
            report["sampled_at"][name] = state.last_sample_at
            if state.alarms:
                report["alarms"][name] = list(state.alarms)
        report["health"] = {n: h for n, h in self.daemon.health().items() if n in names or n not in configured}
        return report

    def _error(self, name: str, state, now: float) -> str | None:
        if state is None or state.last_sample_at is None:
            return state.error if state is not None and state.error else "the daemon has not polled it yet"
        if state.error:
            return state.error
        limit = stale_after(self.daemon.config.device_named(name))
        age = now - state.last_sample_at
        return f"its latest values are {age:.0f} s old (stale after {limit:g} s)" if age > limit else None

    async def set(self, request: dict, caller: Caller) -> dict:
        source = _field(request, "source", str, "api")
        if not _SOURCE.match(source):
            raise ApiError(f"source {source!r}: use a short lower-case name such as cli")
        value = request.get("value")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            # JSON true is no number (it was taken as 1.0 V) and no choice: choices are written as text
            raise ApiError('"value" must be a string (one of the setting\'s choices) or a number; true and false are neither')
        outcome = await self.daemon.writer.write(
            _field(request, "device", str), _field(request, "setting", str), value,
            source=f"{source}:uid={caller.uid}", dry_run=True if _field(request, "dry_run", bool, False) else None)
        return dataclasses.asdict(outcome)


    async def plan(self, request: dict, caller: Caller) -> dict:
        """Each planning strategy's current plan, or why it has none yet: what `solarctl plan` prints."""
        plans = current_plans(self.daemon)
        if not plans["plans"]:
            raise ApiError('the daemon runs no planning strategy; add a [[strategy]] with name = "forecast"')
        return plans

    async def alerts(self, request: dict, caller: Caller) -> dict:
        active = _field(request, "active", bool, False)
        return {"alerts": [dataclasses.asdict(e) for e in self.daemon.alerts.events(active_only=active)]}

    async def ack(self, request: dict, caller: Caller) -> dict:
        alert_id = _field(request, "id", int)
        event = self.daemon.alerts.acknowledge(alert_id)
        if event is None:
            raise ApiError(f"no open alert has id {alert_id}; `solarctl alerts --active` lists them")
        return {"alert": dataclasses.asdict(event)}

    async def audit(self, request: dict, caller: Caller) -> dict:
        """The ledger's rows (every write attempt), oldest first, from `since` (epoch seconds) and of `device`."""
        since = request.get("since")
        if since is not None and (isinstance(since, bool) or not isinstance(since, (int, float))):
            raise ApiError('"since" must be a number (epoch seconds)')
        return {"entries": matching(self.daemon.writer.ledger.entries, since, _field(request, "device", str, None))}


def current_plans(daemon: "Daemon") -> dict:
    """The plans of the daemon's planning strategies (`forecast`), each with why it has none yet; the control
    API's `plan` op and the web page's `/api/plan` both answer with this."""
    planners = [runner.strategy for runner in daemon.strategies if hasattr(runner.strategy, "plan")]
    return {"zone": daemon.config.plant.timezone, "now": daemon.clock.time(),
            "plans": [{"strategy": s.name, "plan": None if s.plan is None else s.plan.as_dict(),
                       "missing": s.why_not if s.plan is None else None} for s in planners]}


def matching(entries: list[dict], since: float | None, device: str | None) -> list[dict]:
    return [e for e in entries if (since is None or e["time"] >= since) and (device is None or e.get("device") == device)]


_MISSING: Any = object()


def _field(request: dict, key: str, kind: type, default: Any = _MISSING) -> Any:
    if key not in request:
        if default is _MISSING:
            raise ApiError(f"the {request['op']} request needs {key!r}")
        return default
    value = request[key]
    if not isinstance(value, kind) or (kind is list and not all(isinstance(v, str) for v in value)):
        raise ApiError(f"{key!r} must be a {'list of names' if kind is list else kind.__name__}")
    return value
