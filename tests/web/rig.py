"""A `solarctl run` with [web] on an ephemeral loopback port, polling the simulated PV1800 and JK pack."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from solarctl.web.passwords import hash_password
from tests.api.rig import running_site
from tests.conftest import free_port

USER, PASSWORD = "alice", "correct horse battery"
_HASH = hash_password(PASSWORD)  # once: scrypt is slow on purpose


@asynccontextmanager
async def web_site(tmp_path: Path, poll_interval: float, extra: dict | None = None, **web: object):
    """`web`: keys of the [web] table; `extra`: other tables of the config (strategy, alerts …)."""
    port = free_port()
    async with running_site(tmp_path, poll_interval, web={"port": port, "users": {USER: _HASH}, **web},
                            **(extra or {})) as rig:
        rig.url = f"http://127.0.0.1:{port}"
        yield rig
