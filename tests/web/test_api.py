"""The web API of a running daemon: writes refused without a login or its CSRF token, wrong passwords
refused and rate-limited, loopback only by default, the OpenAPI and /metrics there."""

from __future__ import annotations

import asyncio

import httpx
import psutil
import pytest

from solarctl.config import ConfigError, parse_config
from tests.conftest import free_port
from tests.footprint.test_daemon_imports import daemon_modules
from tests.web.rig import PASSWORD, USER, web_site


async def test_writes_need_a_login_and_its_csrf_token_and_logins_are_limited(tmp_path):
    async with web_site(tmp_path, poll_interval=3600, login_attempts=3) as rig:
        async with httpx.AsyncClient(base_url=rig.url, timeout=10) as client:
            writes_before = _writes(rig)
            answer = await client.post("/api/settings/inverter/grid_connection", json={"value": "off-grid"})
            assert answer.status_code == 401 and "log in first" in answer.json()["detail"]

            answer = await client.post("/api/login", json={"user": USER, "password": "wrong"})
            assert answer.status_code == 401 and answer.json()["detail"] == "wrong user name or password"
            assert "solarctl_session" not in client.cookies
            answer = await client.post("/api/login", json={"user": USER, "password": PASSWORD})
            assert answer.status_code == 200 and answer.json()["user"] == USER
            csrf = answer.json()["csrf"]

            answer = await client.post("/api/settings/inverter/grid_connection", json={"value": "off-grid"})
            assert answer.status_code == 403 and "CSRF" in answer.json()["detail"]
            answer = await client.post("/api/settings/inverter/grid_connection", json={"value": "off-grid"},
                                       headers={"X-CSRF-Token": "forged"})
            assert answer.status_code == 403
            assert _writes(rig) == writes_before and rig.plant.settings.grid_connected is True
            answer = await client.post("/api/settings/inverter/grid_connection", json={"value": "off-grid"},
                                       headers={"X-CSRF-Token": csrf})
            assert answer.status_code == 200 and answer.json()["outcome"] == "written", answer.text
            assert _writes(rig) == writes_before + 1 and rig.plant.settings.grid_connected is False
            audit = (await client.get("/api/audit")).json()
            assert audit[0]["source"] == f"web:{USER}" and audit[0]["outcome"] == "written"

            await client.post("/api/logout")
            answer = await client.post("/api/settings/inverter/grid_connection", json={"value": "on-grid"},
                                       headers={"X-CSRF-Token": csrf})
            assert answer.status_code == 401  # the session is gone with the logout

            for _ in range(3):
                assert (await client.post("/api/login", json={"user": "mallory", "password": "x"})).status_code == 401
            answer = await client.post("/api/login", json={"user": USER, "password": PASSWORD})
            assert answer.status_code == 429 and "too many failed logins" in answer.json()["detail"]

            paths = (await client.get("/openapi.json")).json()["paths"]
            assert {"/api/latest", "/api/stream", "/api/history", "/api/energy", "/api/audit", "/api/alerts",
                    "/api/settings", "/api/settings/{device}/{setting}", "/api/login", "/metrics"} <= set(paths)
            metrics = (await client.get("/metrics")).text
            assert 'solarctl_value{device="bms1",metric="cell_voltages",unit="V",index="16"}' in metrics
            assert 'solarctl_link_requests_total{device="inverter"}' in metrics
            assert 'solarctl_sink_up{sink="store",state="ok"} 1' in metrics
            assert 'solarctl_task_up{task="store database",state="ok"} 1' in metrics  # every supervised task
            assert 'solarctl_task_restarts_total{task="store database"} 0' in metrics

        listening = [c.laddr for c in psutil.Process(rig.daemon.pid).net_connections("inet") if c.status == "LISTEN"]
        assert listening and all(addr.ip == "127.0.0.1" for addr in listening)


def _writes(rig) -> int:
    return sum(1 for r in rig.site.server_of["inverter"].requests if r.function in (6, 16))


def test_the_web_table_listens_on_loopback_unless_told_and_refuses_plain_passwords():
    config = parse_config("[web]\n")
    assert (config.web.host, config.web.users) == ("127.0.0.1", {})
    with pytest.raises(ConfigError, match="not a password hash; make one with `solarctl web-password`"):
        parse_config('[web]\nusers = { admin = "hunter2" }\n')


def test_a_daemon_without_a_web_table_loads_no_web_framework(tmp_path):
    config = tmp_path / "site.toml"
    config.write_text(f'[general]\ndata_dir = "{tmp_path}"\nlog_level = "error"\n\n'
                      f'[[device]]\nname = "xw"\ndriver = "conext_xw"\nhost = "127.0.0.1"\nport = {free_port()}\n'
                      'poll_interval = 0.5\ntimeout = 0.2\n')
    assert not daemon_modules(config) & {"fastapi", "starlette", "uvicorn"}


async def test_the_page_api_shows_alerts_with_acknowledge_and_the_forecast_plan(tmp_path):
    """A pack that stops answering raises device_lost, listed by /api/alerts and acknowledged after a login;
    /api/plan carries the forecast strategy's entry (its plan, or why it has none yet)."""
    pytest.importorskip("scipy")  # the forecast strategy plans with it (the optimize extra, installed by scripts/setup)
    tables = {"alerts": {"device_lost_s": 3.0, "health_interval": 0.3},
              "strategy": [{"name": "forecast", "inverter": "inverter", "battery": "bms1"}]}
    async with web_site(tmp_path, poll_interval=0.5, extra=tables) as rig:
        async with httpx.AsyncClient(base_url=rig.url, timeout=10) as client:
            [entry] = (await client.get("/api/plan")).json()["plans"]
            assert entry["strategy"] == "forecast" and (entry["plan"] is not None) != bool(entry["missing"])
            rig.site.faults("bms1").silent = True
            async with asyncio.timeout(20):
                while not (lost := [a for a in (await client.get("/api/alerts?active=true")).json() if a["kind"] == "device_lost" and a["device"] == "bms1"]):
                    await asyncio.sleep(0.3)
            assert lost[0]["state"] == "active"
            assert (await client.post(f"/api/alerts/{lost[0]['id']}/ack")).status_code == 401  # not without a login
            csrf = (await client.post("/api/login", json={"user": USER, "password": PASSWORD})).json()["csrf"]
            answer = await client.post(f"/api/alerts/{lost[0]['id']}/ack", headers={"X-CSRF-Token": csrf})
            assert answer.status_code == 200 and answer.json()["state"] == "acknowledged"
            rig.site.faults("bms1").silent = False
