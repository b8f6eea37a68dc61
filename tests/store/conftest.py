"""Real database servers for the storage tests: MariaDB, PostgreSQL 15 and InfluxDB 1.x.

Each runs on 127.0.0.1 on a free port with its data under a temp dir, is started once per session (the
fault test starts its own MariaDB so it may stop it) and torn down at the end. A missing binary is a test
failure naming the package to install, never a skip.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need(binary: str, package: str) -> str:
    path = shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/usr/bin:/sbin")
    if not path:
        pytest.fail(f"{binary} not found: install the Debian package {package} (scripts/setup --test does)", pytrace=False)
    return path


def wait_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {log.read_text()[-2000:] if log.exists() else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not listen on {port} within {timeout}s: {log.read_text()[-2000:] if log.exists() else ''}")


class MariaDB:
    """mariadbd on a free port; stop() and start() keep the data (for outage tests)."""

    USER, PASSWORD = "solarctl", "s3cret"

    def __init__(self, base: Path) -> None:
        self.mariadbd = need("mariadbd", "mariadb-server")
        install = need("mariadb-install-db", "mariadb-server")
        self.base = base
        self.datadir = base / "data"
        self.port = free_port()
        self.log = base / "mariadb.log"
        subprocess.run([install, "--no-defaults", f"--datadir={self.datadir}", "--user=root",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        self.proc: subprocess.Popen | None = None
        self.start()
        self.admin(f"CREATE USER '{self.USER}'@'%' IDENTIFIED BY '{self.PASSWORD}'",
                   f"GRANT ALL ON *.* TO '{self.USER}'@'%' WITH GRANT OPTION")

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.mariadbd, "--no-defaults", "--user=root", f"--datadir={self.datadir}", f"--socket={self.base}/mysqld.sock",
             f"--port={self.port}", "--bind-address=127.0.0.1", f"--log-error={self.log}", f"--pid-file={self.base}/mysqld.pid",
             "--innodb-buffer-pool-size=256M", "--skip-name-resolve"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc, self.log)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)

    def url(self, database: str = "", user: str | None = None, password: str | None = None) -> str:
        return f"mysql+pymysql://{user or self.USER}:{password or self.PASSWORD}@127.0.0.1:{self.port}/{database}"

    def admin(self, *statements: str) -> None:
        engine = create_engine(f"mysql+pymysql://root@127.0.0.1:{self.port}/")
        with engine.begin() as conn:
            for sql in statements:
                conn.execute(text(sql))
        engine.dispose()

    def new_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:10]}"
        self.admin(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        return self.url(name)


class Postgres:
    USER, PASSWORD = "solarctl", "s3cret"

    def __init__(self) -> None:
        for tool in ("initdb", "pg_ctl", "postgres"):
            if not (PG_BIN / tool).exists():
                pytest.fail(f"{PG_BIN / tool} not found: install the Debian package postgresql-15", pytrace=False)
        # initdb refuses to run as root: run the server as the postgres user when we are root.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        # Directly under /tmp: pytest's own temp dirs are private to root, and the postgres user must reach this one.
        base = self.base = Path(tempfile.mkdtemp(prefix="solarctl-pg-"))
        self.datadir = base / "data"
        self.port = free_port()
        self.log = base / "postgres.log"
        pwfile = base / "pw"
        pwfile.write_text(self.PASSWORD + "\n")
        if os.geteuid() == 0:
            shutil.chown(base, "postgres", "postgres")
            shutil.chown(pwfile, "postgres", "postgres")
        self._run("initdb", "-D", str(self.datadir), "-U", self.USER, f"--pwfile={pwfile}", "--auth-local=trust",
                  "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C")
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(PG_BIN / tool), *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120)

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.log), "-o", opts, "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str = "postgres", user: str | None = None, password: str | None = None) -> str:
        return f"postgresql+psycopg://{user or self.USER}:{password or self.PASSWORD}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        name = f"t_{uuid.uuid4().hex[:10]}"
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        engine.dispose()
        return self.url(name)


class Influx:
    def __init__(self, base: Path) -> None:
        influxd = need("influxd", "influxdb")
        self.port = free_port()
        self.log = base / "influxd.log"
        conf = base / "influxdb.conf"
        conf.write_text(f"""
reporting-disabled = true
bind-address = "127.0.0.1:{free_port()}"
[meta]
  dir = "{base}/meta"
[data]
  dir = "{base}/data"
  wal-dir = "{base}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:{self.port}"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
""")
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([influxd, "run", "-config", str(conf)], stdout=out, stderr=subprocess.STDOUT)
        wait_port(self.port, self.proc, self.log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory):
    server = MariaDB(tmp_path_factory.mktemp("mariadb"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres():
    server = Postgres()
    yield server
    server.stop()
    server.remove()


@pytest.fixture(scope="session")
def influx(tmp_path_factory):
    server = Influx(tmp_path_factory.mktemp("influx"))
    yield server
    server.stop()


@pytest.fixture
def mariadb_factory(tmp_path):
    """A private MariaDB for tests that stop and restart it."""
    servers: list[MariaDB] = []

    def make() -> MariaDB:
        servers.append(MariaDB(tmp_path / f"mariadb{len(servers)}"))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(params=["sqlite", "mariadb", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'solarctl.db'}"
    server = request.getfixturevalue("mariadb" if request.param == "mariadb" else "postgres")
    return server.new_database()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    return free_port()
