"""The control API server on its own, in-process with small ops: per-request timeout, a crashing op,
a data dir too deep for a socket path, and the data-dir claim."""

from __future__ import annotations

import asyncio
import os
from contextlib import asynccontextmanager

import pytest

from solarctl.api.client import ControlApiError, ControlClient
from solarctl.api.server import ControlServer, DataDirUnavailable


@asynccontextmanager
async def serving(data_dir, **kw):
    server = ControlServer(data_dir, **kw)
    server.claim()

    async def slow(request, caller):
        await asyncio.sleep(3600)

    async def broken(request, caller):
        raise KeyError("a bug")

    async def whoami(request, caller):
        return {"pid": caller.pid, "uid": caller.uid}

    server.ops.update(slow=slow, broken=broken, whoami=whoami)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.path.exists():
                await asyncio.sleep(0.01)
        yield server
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        server.release()


def requests(data_dir, *ops: str) -> list:
    """Several requests on one connection; each answer or the error sentence."""
    answers = []
    with ControlClient.connect(data_dir, timeout=10) as client:
        for op in ops:
            try:
                answers.append(client.request(op))
            except ControlApiError as exc:
                answers.append(str(exc))
    return answers


async def test_a_slow_or_broken_op_gets_an_error_answer_and_the_connection_goes_on(tmp_path):
    async with serving(tmp_path, request_timeout=0.3):
        slow, broken, me = await asyncio.to_thread(requests, tmp_path, "slow", "broken", "whoami")
    assert slow == "the slow request took longer than 0.3 s and was abandoned"
    assert broken.startswith("the daemon failed to answer the broken request") and "see its log" in broken
    assert me == {"pid": os.getpid(), "uid": os.getuid()}  # from the kernel, not from the request


async def test_a_data_dir_deeper_than_a_socket_path_allows(tmp_path):
    deep = tmp_path.joinpath(*["a_rather_long_directory_name"] * 5)
    assert len(str(deep / "control.sock")) > 108
    async with serving(deep):
        assert await asyncio.to_thread(requests, deep, "whoami") == [{"pid": os.getpid(), "uid": os.getuid()}]


def test_one_claim_per_data_dir(tmp_path):
    first = ControlServer(tmp_path)
    first.claim()
    with pytest.raises(DataDirUnavailable, match=rf"another solarctl daemon \(pid {os.getpid()}\) already runs"):
        ControlServer(tmp_path).claim()
    first.release()
    second = ControlServer(tmp_path)
    second.claim()  # free again once released (or once its process is gone)
    second.release()


def test_no_daemon_means_no_client(tmp_path):
    assert ControlClient.connect(tmp_path) is None
