"""What a client sends the running daemon's web API (issue 19, item 5): a body is limited before anything parses
it, query parameters are validated (a sentence, never a traceback), a JSON boolean is no setting value, failed
logins are counted before the hash and against the peer's address (X-Forwarded-For only from trusted proxies)."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import psutil

from solarctl.web.limits import client_address
from tests.web.rig import PASSWORD, USER, web_site

LIMIT = 5


def _writes(rig) -> int:
    return sum(1 for r in rig.site.server_of["inverter"].requests if r.function in (6, 16))


def _rss(rig) -> int:
    return psutil.Process(rig.daemon.pid).memory_info().rss


async def _raw_post(port: int, head: str, chunks) -> tuple[str, int]:
    """A POST written by hand (a client may lie about its length, or send none); the status line, read while the
    body is still being sent, and how many body bytes went out before the answer came."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    status = asyncio.create_task(reader.readline())
    sent = 0
    try:
        writer.write(head.encode())
        for chunk in chunks:
            if status.done():
                break
            writer.write(chunk)
            await writer.drain()
            sent += len(chunk)
            await asyncio.sleep(0.001)
    except ConnectionError:
        pass  # the server answered and closed while the body was still coming
    try:
        async with asyncio.timeout(10):
            return (await status).decode().strip(), sent
    finally:
        writer.close()


def _chunked(total: int, size: int = 16384):
    """A body in HTTP chunks (no Content-Length)."""
    for _ in range(total // size):
        yield b"%x\r\n" % size + b"a" * size + b"\r\n"


async def test_a_boolean_is_no_setting_value_and_query_parameters_are_validated(tmp_path):
    async with web_site(tmp_path, poll_interval=3600, login_attempts=LIMIT) as rig:
        async with httpx.AsyncClient(base_url=rig.url, timeout=30) as client:
            # A JSON true is not 1.0 V, nor a choice.
            answer = await client.post("/api/login", json={"user": USER, "password": PASSWORD})
            csrf = answer.json()["csrf"]
            before = _writes(rig)
            for setting in ("battery_low_voltage", "grid_connection"):
                answer = await client.post(f"/api/settings/inverter/{setting}", json={"value": True},
                                           headers={"X-CSRF-Token": csrf})
                assert answer.status_code == 422, answer.text
                assert "true and false are not setting values" in answer.json()["detail"]
            assert _writes(rig) == before
            await client.post("/api/logout")

            # Query parameters: a day no calendar can follow is a sentence, not a 500 with a traceback.
            for query in ("day=9999-12-31", "day=0001-01-01", "day=2026-13-01", "period=decade"):
                answer = await client.get(f"/api/history?device=inverter&metric=battery_voltage&{query}")
                assert answer.status_code == 422, (query, answer.text)
                assert isinstance(answer.json()["detail"], str) and answer.json()["detail"], answer.text
            answer = await client.get("/api/history", params={"device": "x" * 500, "metric": "m"})
            assert answer.status_code == 422 and "device" in answer.json()["detail"]
            for query in ("first=2026-06-02&last=2026-06-01", "first=1970-01-01&last=2999-12-31", "last=9999-12-31"):
                answer = await client.get(f"/api/energy?{query}")
                assert answer.status_code == 422, (query, answer.text)
            answer = await client.get("/api/latest")
            assert answer.status_code == 200 and json.loads(answer.text, parse_constant=_refuse_constant)
    _no_traceback(tmp_path)


async def test_a_body_is_limited_before_it_is_parsed(tmp_path):
    async with web_site(tmp_path, poll_interval=3600, login_attempts=LIMIT) as rig:
        port = int(rig.url.rsplit(":", 1)[1])
        async with httpx.AsyncClient(base_url=rig.url, timeout=30) as client:
            # Refused before parsing, whether declared (300 MB) or streamed without a length.
            rss_before = _rss(rig)
            started = time.monotonic()
            head = "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            status, sent = await _raw_post(port, head + "Content-Length: 300000000\r\n\r\n", _chunked(300_000_000))
            assert status.startswith("HTTP/1.1 413"), status
            assert time.monotonic() - started < 5 and sent < 4 << 20, sent
            status, sent = await _raw_post(port, head + "Transfer-Encoding: chunked\r\n\r\n", _chunked(300_000_000))
            assert status.startswith("HTTP/1.1 413"), status
            assert sent < 8 << 20, sent  # the answer came once the limit was passed, not after 300 MB
            grown = _rss(rig) - rss_before
            print(f"RSS grew {grown / 1e6:.1f} MB for two refused 300 MB bodies")
            assert grown < 16 << 20, f"the daemon grew by {grown / 1e6:.1f} MB for refused bodies"
            answer = await client.post("/api/login", json={"user": USER, "password": "x" * 2000})
            assert answer.status_code == 422  # a password longer than any is refused before the hash
    _no_traceback(tmp_path)


async def test_failed_logins_are_counted_before_the_hash_and_by_the_peer(tmp_path):
    async with web_site(tmp_path, poll_interval=3600, login_attempts=LIMIT) as rig:
        async with httpx.AsyncClient(base_url=rig.url, timeout=30) as client:
            # 40 wrong passwords at once, limit 5: at most 5 are checked (each 401 is one hash), the rest wait.
            answers = await asyncio.gather(*(client.post("/api/login", json={"user": USER, "password": f"guess{i}"})
                                             for i in range(40)))
            codes = sorted(a.status_code for a in answers)
            assert codes.count(401) == LIMIT and codes.count(429) == 40 - LIMIT, codes
            # X-Forwarded-For from loopback, with no trusted proxy configured, names no other client.
            answer = await client.post("/api/login", json={"user": USER, "password": PASSWORD},
                                       headers={"X-Forwarded-For": "203.0.113.9"})
            assert answer.status_code == 429, answer.text
    _no_traceback(tmp_path)


def _no_traceback(tmp_path) -> None:
    log = (tmp_path / "daemon.log").read_text()
    assert "Traceback" not in log, log[-3000:]


def _refuse_constant(name: str):
    raise AssertionError(f"{name} is not standard JSON")


def test_x_forwarded_for_counts_only_from_a_trusted_proxy():
    assert client_address("127.0.0.1", "203.0.113.9", []) == "127.0.0.1"
    assert client_address("10.0.0.5", "203.0.113.9", ["127.0.0.1"]) == "10.0.0.5"
    assert client_address("127.0.0.1", "203.0.113.9", ["127.0.0.1"]) == "203.0.113.9"
    # a client's own X-Forwarded-For comes first; the proxy appends the address it saw: that one counts
    assert client_address("127.0.0.1", "198.51.100.1, 203.0.113.9", ["127.0.0.0/8"]) == "203.0.113.9"
    assert client_address("127.0.0.1", "203.0.113.9, 10.0.0.2", ["127.0.0.1", "10.0.0.0/24"]) == "203.0.113.9"
    assert client_address("127.0.0.1", "not-an-address", ["127.0.0.1"]) == "127.0.0.1"
