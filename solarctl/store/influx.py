"""Optional InfluxDB 1.x sink: every sample as line protocol over HTTP (POST /write, millisecond precision).

Independent of the SQL store: its own bounded queue (oldest dropped, with a count) and retry, so a slow or
dead InfluxDB never holds up polling or the database writes.
Measurement = driver name ("solarctl" when unknown), tag device=<name>; Pylontech modules become extra
lines tagged module=<index>; numbers as floats, bools as booleans, text as strings; lists are left out.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import deque
from typing import Any, Mapping

import httpx

from solarctl.sample import PollError, Sample
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


class InfluxSink:
    def __init__(self, cfg: InfluxConfig, drivers: Mapping[str, str], queue_limit: int = 100_000,
                 batch_lines: int = 5000, interval: float = 1.0, retry_interval: float = 5.0) -> None:
        self.cfg = cfg
        self.drivers = drivers
        self.queue: deque[str] = deque()
        self.queue_limit = queue_limit
        self.batch_lines = batch_lines
        self.interval = interval
        self.retry_interval = retry_interval
        self.dropped = 0
        self.written = 0
        self._error: str | None = None
        self._wake = asyncio.Event()

    async def start(self) -> None:
        auth = (self.cfg.username, self.cfg.password or "") if self.cfg.username else None
        self._client = httpx.AsyncClient(base_url=self.cfg.url.rstrip("/"), timeout=self.cfg.timeout, auth=auth)
        self._task = asyncio.create_task(self._run(), name="store-influx")

    def submit(self, event: Sample | PollError) -> None:
        if not isinstance(event, Sample):
            return
        self.queue.extend(line_protocol(event, self.drivers.get(event.device)))
        while len(self.queue) > self.queue_limit:
            self.queue.popleft()
            self.dropped += 1
        if len(self.queue) >= self.batch_lines:
            self._wake.set()

    async def stop(self, timeout: float = 5.0) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        try:
            async with asyncio.timeout(timeout):
                await self._send_all()
        except (asyncio.TimeoutError, httpx.HTTPError):
            log.warning("influx: %d lines not sent at stop", len(self.queue))
        await self._client.aclose()

    async def _run(self) -> None:
        await self._create_database()
        while True:
            try:
                async with asyncio.timeout(self.interval):
                    await self._wake.wait()
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            try:
                await self._send_all()
                if self._error:
                    log.warning("influx: %s reachable again", self.cfg.url)
                self._error = None
            except httpx.HTTPError as error:
                if str(error) != self._error:
                    log.error("influx: cannot write to %s database %r (%s); queueing up to %d lines", self.cfg.url, self.cfg.database, error, self.queue_limit)
                self._error = str(error)
                await asyncio.sleep(self.retry_interval)

    async def _create_database(self) -> None:
        try:
            await self._client.post("/query", params={"q": f'CREATE DATABASE "{self.cfg.database}"'})
        except httpx.HTTPError as error:
            log.warning("influx: cannot create database %r at %s (%s); will keep trying to write", self.cfg.database, self.cfg.url, error)

    async def _send_all(self) -> None:
        while self.queue:
            lines = [self.queue[i] for i in range(min(self.batch_lines, len(self.queue)))]
            resp = await self._client.post("/write", params={"db": self.cfg.database, "precision": "ms"}, content="\n".join(lines).encode())
            if resp.status_code == 404:  # database missing (dropped meanwhile): create it and retry
                await self._create_database()
            if resp.status_code == 400:  # e.g. a field changed type: these lines will never be accepted
                log.error("influx: %d lines rejected: %s", len(lines), resp.text.strip()[:300])
            else:
                resp.raise_for_status()
            for _ in lines:
                self.queue.popleft()
            self.written += len(lines)
