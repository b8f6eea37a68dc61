"""Optional InfluxDB 1.x sink ([storage.influx]): every sample as line protocol over HTTP (POST /write, ms precision).

A peer of the SQL store: a SinkRunner gives it its own bounded queue, retries and circuit breaker, so a slow
or dead InfluxDB never holds up polling or the database writes.
Measurement = driver name ("solarctl" when unknown), tag device=<name>; Pylontech modules become extra
lines tagged module=<index>; numbers as floats, bools as booleans, text as strings; lists are left out.
"""

from __future__ import annotations

import logging
import math
from typing import Any, Mapping

import httpx

from solarctl.clock import Clock
from solarctl.hub import Event
from solarctl.publish.runner import SinkRunner
from solarctl.sample import Sample
from solarctl.store.config import InfluxConfig

log = logging.getLogger(__name__)


def _escape(text: str, chars: str) -> str:
    for ch in "\\" + chars:
        text = text.replace(ch, "\\" + ch)
    return text


def _field(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        return '"' + _escape(value, '"') + '"'
    return None


def _line(measurement: str, tags: dict[str, str], values: Mapping[str, Any], ts_ms: int) -> str | None:
    fields = [f"{_escape(k, ',= ')}={f}" for k, v in values.items() if (f := _field(v)) is not None]
    if not fields:
        return None
    tag_text = "".join(f",{_escape(k, ',= ')}={_escape(str(v), ',= ')}" for k, v in sorted(tags.items()) if v != "")
    return f"{_escape(measurement, ', ')}{tag_text} {','.join(fields)} {ts_ms}"


def line_protocol(sample: Sample, driver: str | None) -> list[str]:
    measurement = driver or "solarctl"
    ts_ms = round(sample.timestamp * 1000)
    lines = [_line(measurement, {"device": sample.device}, sample.values, ts_ms)]
    for module in sample.values.get("modules") or ():
        if isinstance(module, dict) and "index" in module:
            values = {k: v for k, v in module.items() if k != "index"}
            lines.append(_line(measurement, {"device": sample.device, "module": str(module["index"])}, values, ts_ms))
    return [ln for ln in lines if ln]


class InfluxWriter:
    """The Handler behind the "influx" sink: POSTs each batch as one /write; the runner queues, retries and breaks."""

    def __init__(self, cfg: InfluxConfig, drivers: Mapping[str, str]) -> None:
        self.cfg = cfg
        self.drivers = drivers
        self.written = 0  # lines accepted by InfluxDB
        self._database_ready = False

    async def open(self) -> None:
        auth = (self.cfg.username, self.cfg.password or "") if self.cfg.username else None
        self._client = httpx.AsyncClient(base_url=self.cfg.url.rstrip("/"), timeout=self.cfg.timeout, auth=auth)

    async def deliver(self, events: list[Event]) -> None:
        lines = [ln for e in events if isinstance(e, Sample) for ln in line_protocol(e, self.drivers.get(e.device))]
        if not lines:
            return
        if not self._database_ready:
            await self._create_database()
        resp = await self._client.post("/write", params={"db": self.cfg.database, "precision": "ms"}, content="\n".join(lines).encode())
        if resp.status_code == 404:  # database missing (dropped meanwhile): create it on the next attempt
            self._database_ready = False
        if resp.status_code == 400:  # e.g. a field changed type: these lines will never be accepted
            log.error("influx: %d lines rejected: %s", len(lines), resp.text.strip()[:300])
            return
        if resp.is_error:
            raise InfluxError(f"{self.cfg.url} database {self.cfg.database!r} answered {resp.status_code}: {resp.text.strip()[:200]}")
        self.written += len(lines)

    async def close(self) -> None:
        await self._client.aclose()

    async def _create_database(self) -> None:
        resp = await self._client.post("/query", params={"q": f'CREATE DATABASE "{self.cfg.database}"'})
        if resp.is_error:
            raise InfluxError(f"cannot create database {self.cfg.database!r} at {self.cfg.url}: {resp.status_code} {resp.text.strip()[:200]}")
        self._database_ready = True


class InfluxError(Exception):
    pass


def influx_sink(cfg: InfluxConfig, drivers: Mapping[str, str], clock: Clock | None = None, **runner_options: Any) -> SinkRunner:
    """The "influx" sink: batches of a second, up to 20 000 samples queued while InfluxDB is away."""
    options = {"queue_limit": 20_000, "batch_size": 5000, "batch_interval": 1.0, "call_timeout": cfg.timeout + 5.0, **runner_options}
    return SinkRunner("influx", InfluxWriter(cfg, drivers), clock, **options)
