"""What the daemon answers over the control API: `status`, `read` (from the state hub, no port
touched), `set` (through the daemon's SafeWriter, so the write budget and audit ledger are one),
`alerts` and `ack` (its alert manager), `audit` (its ledger) and `plan` (the forecast strategies' current plans),
all through the daemon's `Facade`; a device's status and its wording come from the read model."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from solarctl.api.server import ApiError, Caller, Op
from solarctl.facade import Facade

_SOURCE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


class DaemonOps:
    def __init__(self, daemon: Facade, config_path: Path | None) -> None:
        self.daemon = daemon
        self.config_path = config_path
        self.started_at = daemon.clock.time()

    def table(self) -> dict[str, Op]:
        return {"status": self.status, "read": self.read, "set": self.set, "alerts": self.alerts, "ack": self.ack,
                "audit": self.audit, "plan": self.plan}

    async def status(self, request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        return {"pid": os.getpid(), "config": None if self.config_path is None else str(self.config_path),
                "data_dir": str(self.daemon.config.general.data_dir),
                "uptime_s": round(self.daemon.clock.time() - self.started_at, 3)}

    async def read(self, request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """The latest values per device with their times, errors (the read model's reason: latest poll failed,
        values stale, never read), each device's status word, alarms, units and health: what `solarctl read` prints."""
        configured = self.daemon.devices()
        names = _field(request, "devices", list, configured)
        unknown = [n for n in names if n not in configured]
        if unknown:
            raise ApiError(f"the daemon polls no device named {unknown[0]!r}; it polls {', '.join(configured) or 'none'}")
        report: dict[str, dict[str, Any]] = {key: {} for key in ("devices", "alarms", "units", "sampled_at", "errors",
                                                                 "status")}
        for name in names:
            status = self.daemon.status(name)
            report["status"][name] = status.status  # fresh, stale, failed or never: as every front end says it
            if not status.fresh:  # its old values are not passed off as current
                report["errors"][name] = status.reason
                continue
            report["devices"][name] = dict(status.values)
            report["units"][name] = dict(status.units)
            report["sampled_at"][name] = status.sampled_at
            if status.alarms:
                report["alarms"][name] = list(status.alarms)
        report["health"] = {n: h for n, h in self.daemon.health().items() if n in names or n not in configured}
        return report

    async def set(self, request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        source = _field(request, "source", str, "api")
        if not _SOURCE.match(source):
            raise ApiError(f"source {source!r}: use a short lower-case name such as cli")
        value = request.get("value")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            # JSON true is no number (it was taken as 1.0 V) and no choice: choices are written as text
            raise ApiError('"value" must be a string (one of the setting\'s choices) or a number; true and false are neither')
        outcome = await self.daemon.write(
            _field(request, "device", str), _field(request, "setting", str), value,
            source=f"{source}:uid={caller.uid}", dry_run=True if _field(request, "dry_run", bool, False) else None)
        return dataclasses.asdict(outcome)


    async def plan(self, request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """Each planning strategy's current plan, or why it has none yet: what `solarctl plan` prints."""
        plans = self.daemon.plan()
        if not plans["plans"]:
            raise ApiError('the daemon runs no planning strategy; add a [[strategy]] with name = "forecast"')
        return plans

    async def alerts(self, request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        active = _field(request, "active", bool, False)
        return {"alerts": [dataclasses.asdict(e) for e in self.daemon.alerts(active_only=active)]}

    async def ack(self, request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        alert_id = _field(request, "id", int)
        event = self.daemon.ack(alert_id)
        if event is None:
            raise ApiError(f"no open alert has id {alert_id}; `solarctl alerts --active` lists them")
        return {"alert": dataclasses.asdict(event)}

    async def audit(self, request: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """The ledger's rows (every write attempt), oldest first, from `since` (epoch seconds) and of `device`."""
        since = request.get("since")
        if since is not None and (isinstance(since, bool) or not isinstance(since, (int, float))):
            raise ApiError('"since" must be a number (epoch seconds)')
        return {"entries": matching(self.daemon.audit(), since, _field(request, "device", str, None))}


def matching(entries: Sequence[dict[str, Any]], since: float | None, device: str | None) -> list[dict[str, Any]]:
    return [e for e in entries if (since is None or e["time"] >= since) and (device is None or e.get("device") == device)]


_MISSING: Any = object()


def _field(request: dict[str, Any], key: str, kind: type, default: Any = _MISSING) -> Any:
    if key not in request:
        if default is _MISSING:
            raise ApiError(f"the {request['op']} request needs {key!r}")
        return default
    value = request[key]
    if not isinstance(value, kind) or (isinstance(value, list) and not all(isinstance(v, str) for v in value)):
        raise ApiError(f"{key!r} must be a {'list of names' if kind is list else kind.__name__}")
    return value
