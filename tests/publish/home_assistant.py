"""A real Home Assistant (2024.3.3, from scripts/ha-venv's cached venv) for the tests: 127.0.0.1, a free port,
its config under a temp dir, its MQTT integration pointed at a test broker, and a REST API token.

HA 2024.3 takes the broker only from a config entry (YAML broker settings were removed), so the entry is
written into `.storage/core.config_entries` before start, as HA itself would store it after its config flow.
The API token is a long-lived access token: a refresh token of that type in `.storage/auth` and the JWT HA
would hand out for it (HS256 over {iss, iat, exp} with the refresh token's key). Started with --skip-pip: every
requirement is in the venv already, and a missing one must fail here rather than download at run time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
VERSION = "2024.3.3"
EVENT = "solarctl_test_command"  # fired through the API; the automation turns it into a service call


def venv() -> Path:
    """The cached HA venv, made now if missing (scripts/test makes it before the suite)."""
    done = subprocess.run([str(ROOT / "scripts" / "ha-venv")], capture_output=True, text=True, timeout=1200)
    if done.returncode:
        raise RuntimeError(f"scripts/ha-venv failed ({done.returncode}): {done.stderr[-3000:]}")
    return Path(done.stdout.strip().splitlines()[-1]) / "venv"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(issuer: str, key: str) -> str:
    now = int(time.time())
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = _b64(json.dumps({"iss": issuer, "iat": now, "exp": now + 86400}).encode())
    signature = hmac.new(key.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{_b64(signature)}"


def _store(key: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "minor_version": 1, "key": key, "data": data}


class HomeAssistant:
    def __init__(self, base: Path, broker_port: int) -> None:
        self.hass = venv() / "bin" / "hass"
        self.config = base / "config"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.config / "home-assistant.log"
        self.proc: subprocess.Popen | None = None
        storage = self.config / ".storage"
        storage.mkdir(parents=True)
        (self.config / "configuration.yaml").write_text(f"""\
homeassistant:
  name: solarctl test
  latitude: 52.0
  longitude: 5.0
  elevation: 0
  unit_system: metric
  time_zone: UTC
  currency: EUR
  country: NL
http:
  server_host: 127.0.0.1
  server_port: {self.port}
api:
logger:
  default: warning
automation:
  - id: solarctl_test_command
    alias: a command to solarctl
    trigger:
      - platform: event
        event_type: {EVENT}
    action:
      - service: "{{{{ trigger.event.data.service }}}}"
        target:
          entity_id: "{{{{ trigger.event.data.entity_id }}}}"
""")
        entry = {"entry_id": uuid.uuid4().hex, "version": 1, "minor_version": 1, "domain": "mqtt",
                 "title": "127.0.0.1", "data": {"broker": "127.0.0.1", "port": broker_port, "discovery": True},
                 "options": {}, "pref_disable_new_entities": False, "pref_disable_polling": False,
                 "source": "user", "unique_id": None, "disabled_by": None}
        (storage / "core.config_entries").write_text(json.dumps(_store("core.config_entries", {"entries": [entry]})))
        user, token_id, jwt_key = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex * 2
        refresh = {"id": token_id, "user_id": user, "client_id": None, "client_name": "solarctl test",
                   "client_icon": None, "token_type": "long_lived_access_token",
                   "created_at": "2024-03-01T00:00:00+00:00", "access_token_expiration": 86400.0,
                   "token": uuid.uuid4().hex * 2, "jwt_key": jwt_key, "last_used_at": None,
                   "last_used_ip": None, "expire_at": None, "credential_id": None, "version": VERSION}
        owner = {"id": user, "group_ids": ["system-admin"], "is_owner": True, "is_active": True,
                 "name": "test", "system_generated": False, "local_only": False}
        (storage / "auth").write_text(json.dumps(_store("auth", {"groups": [], "users": [owner], "credentials": [],
                                                                 "refresh_tokens": [refresh]})))
        self.token = _jwt(token_id, jwt_key)
        self.api = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=10)

    def start(self, timeout: float = 180.0) -> None:
        """Start HA and wait for its API; fails loudly (with HA's log) if it does not come up in `timeout` s."""
        self.proc = subprocess.Popen([str(self.hass), "-c", str(self.config), "--skip-pip"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Home Assistant exited with {self.proc.returncode}: {self.log_text()[-3000:]}")
            try:
                if self.api.get("/api/").status_code == 200 and self.api.get("/api/config").json()["state"] == "RUNNING":
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"Home Assistant did not start within {timeout:.0f} s: {self.log_text()[-3000:]}")

    def states(self) -> list[dict[str, Any]]:
        response = self.api.get("/api/states")
        response.raise_for_status()
        return response.json()

    def fire(self, event: str, data: dict[str, Any]) -> None:
        self.api.post(f"/api/events/{event}", json=data).raise_for_status()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        self.api.close()
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
            self.proc = None
