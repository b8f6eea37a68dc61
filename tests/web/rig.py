"""A `solarctl run` with [web] on an ephemeral loopback port, polling the simulated PV1800 and JK pack."""

from __future__ import annotations

import socket
from contextlib import asynccontextmanager
from pathlib import Path

from solarctl.web.passwords import hash_password
from tests.api.rig import running_site

USER, PASSWORD = "alice", "correct horse battery"
_HASH = hash_password(PASSWORD)  # once: scrypt is slow on purpose


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def web_site(tmp_path: Path, poll_interval: float, **web: object):
    port = free_port()
    async with running_site(tmp_path, poll_interval, web={"port": port, "users": {USER: _HASH}, **web}) as rig:
        rig.url = f"http://127.0.0.1:{port}"
        yield rig
