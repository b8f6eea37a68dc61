"""A real mosquitto for the MQTT tests: 127.0.0.1, a free port, its config and data under a temp dir.
`tls` makes its listener TLS-only with a fresh self-signed certificate (`cert`).

No persistence: a restart loses every retained message, as a broker that was reinstalled or lost its disk
would, so solarctl must say everything again. `users` turns anonymous access off and sets passwords.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import subprocess
import time
from pathlib import Path

import aiomqtt

from tests.conftest import free_port
from tests.store.conftest import need, wait_port


class Mosquitto:
    def __init__(self, base: Path, users: dict[str, str] | None = None, tls: bool = False) -> None:
        self.binary = need("mosquitto", "mosquitto")
        self.base = base
        self.port = free_port()
        self.users = users
        self.proc: subprocess.Popen | None = None
        base.mkdir(parents=True, exist_ok=True)
        lines = [f"listener {self.port} 127.0.0.1", "persistence false", f"log_dest file {base / 'mosquitto.log'}",
                 "log_type error", "log_type warning",
                 f"user {pwd.getpwuid(os.getuid()).pw_name}"]  # as root it would switch to "mosquitto", locked out of tmp
        if tls:  # a self-signed certificate for 127.0.0.1, which clients trust as their ca_file
            self.cert = base / "broker.pem"
            subprocess.run([need("openssl", "openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                            "-keyout", str(base / "broker.key"), "-out", str(self.cert)], check=True, capture_output=True)
            lines += [f"certfile {self.cert}", f"keyfile {base / 'broker.key'}"]
        if users:
            passwd = base / "passwd"
            passwd.write_text("")
            for user, password in users.items():
                subprocess.run([need("mosquitto_passwd", "mosquitto"), "-b", str(passwd), user, password], check=True)
            lines += ["allow_anonymous false", f"password_file {passwd}"]
        else:
            lines.append("allow_anonymous true")
        (base / "mosquitto.conf").write_text("\n".join(lines) + "\n")

    def start(self) -> None:
        self.proc = subprocess.Popen([self.binary, "-c", str(self.base / "mosquitto.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc, self.base / "mosquitto.log", timeout=10)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


class Recorder:
    """A client that records every message on the broker (retained ones too) with its arrival time."""

    def __init__(self, port: int, **auth) -> None:
        self.port = port
        self.auth = auth
        self.messages: list[tuple[float, str, bytes, bool]] = []  # (time, topic, payload, retained)
        self._task: asyncio.Task | None = None
        self.client: aiomqtt.Client | None = None

    async def __aenter__(self) -> "Recorder":
        self.client = aiomqtt.Client("127.0.0.1", self.port, **self.auth)
        await self.client.__aenter__()
        await self.client.subscribe("#", qos=1)
        self._task = asyncio.create_task(self._record())
        return self

    async def __aexit__(self, *exc) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        try:
            await self.client.__aexit__(None, None, None)
        except aiomqtt.MqttError:
            pass

    async def _record(self) -> None:
        async for message in self.client.messages:
            self.messages.append((time.time(), str(message.topic), bytes(message.payload), message.retain))

    def on(self, topic: str) -> list[bytes]:
        return [payload for _, t, payload, _ in self.messages if t == topic]

    def last_json(self, topic: str):
        found = self.on(topic)
        return json.loads(found[-1]) if found else None

    async def wait_for(self, check, timeout: float = 10.0, step: float = 0.05):
        async with asyncio.timeout(timeout):
            while not (found := check()):
                await asyncio.sleep(step)
        return found
