"""One URL setting -> a SQLAlchemy engine for SQLite, MySQL/MariaDB or PostgreSQL, and readable errors.

Every engine stores naive UTC timestamps: the MySQL and PostgreSQL sessions are pinned to UTC so that
server-side NOW() and Grafana's time macros agree with what we write.
"""

from __future__ import annotations

from typing import Any

import os
import re
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url

from solarctl.private_files import open_private, private_dir
from solarctl.store.config import StoreSite

SQLITE_FILE = "solarctl.db"

# Plain scheme names pick the driver we ship, so users need not know driver names.
_DEFAULT_DRIVERS = {"mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql", "postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


class StoreError(Exception):
    """A storage problem phrased for the user: the database (password masked), the cause and the fix."""


def database_url(config: StoreSite) -> URL:
    """The [storage] url, or the SQLite file under [general] data_dir when it is empty."""
    text = config.storage.url.strip()
    if not text:
        return URL.create("sqlite", database=str(Path(config.general.data_dir) / SQLITE_FILE))
    try:
        url = make_url(text)
    except exc.ArgumentError:
        raise StoreError(
            f"[storage] url {text!r} is not a database URL; use sqlite:///PATH, mysql+pymysql://USER:PASSWORD@HOST/DB "
            "or postgresql+psycopg://USER:PASSWORD@HOST/DB"
        ) from None
    if url.drivername in _DEFAULT_DRIVERS:
        url = url.set(drivername=_DEFAULT_DRIVERS[url.drivername])
    if url.get_backend_name() not in ("sqlite", "mysql", "mariadb", "postgresql"):
        raise StoreError(f"[storage] url {masked(url)}: unsupported database {url.get_backend_name()!r}; use sqlite, mysql/mariadb or postgresql")
    return url


def masked(url: URL | str) -> str:
    return (make_url(url) if isinstance(url, str) else url).render_as_string(hide_password=True)


def make_engine(url: URL | str) -> Engine:
    url = make_url(url) if isinstance(url, str) else url
    backend = url.get_backend_name()
    if backend == "sqlite":
        if url.database and url.database != ":memory:":
            file = Path(url.database).expanduser()
            folder = file.parent
            try:
                private_dir(folder)
                os.close(open_private(file, os.O_RDWR | os.O_CREAT))  # SQLite gives its -wal and -shm this file's mode
            except OSError as error:
                raise StoreError(f"database {masked(url)}: cannot create the directory {folder} ({error.strerror}); "
                                 "set [general] data_dir or [storage] url to a writable place") from None
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend in ("mysql", "mariadb"):
        args = {"connect_timeout": 5, "read_timeout": 60, "write_timeout": 60, "charset": "utf8mb4", "init_command": "SET time_zone = '+00:00'"}
        return create_engine(url, connect_args=args, pool_pre_ping=True, pool_recycle=3600)
    return create_engine(url, connect_args={"connect_timeout": 5, "options": "-c timezone=UTC"}, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: object) -> None:
    # WAL: readers (Grafana plugins, exports) never block the writer; NORMAL is durable across crashes in WAL mode.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages: the indexes of a year of data stay in memory
    cur.close()


# --- errors ---------------------------------------------------------------------------------------


def explain(error: BaseException, url: URL | str) -> StoreError:
    """Turn a driver/SQLAlchemy error into one sentence: which database, what is wrong, how to fix it."""
    url = make_url(url) if isinstance(url, str) else url
    where = f"database {masked(url)}"
    orig = getattr(error, "orig", None) or error
    detail = _first_line(orig)
    cause, fix = _classify(url, orig, detail)
    return StoreError(f"{where}: {cause}; {fix}")


def _first_line(error: BaseException) -> str:
    args: tuple[object, ...] = getattr(error, "args", ())
    text = args[1] if len(args) > 1 and isinstance(args[0], int) else str(error)
    return str(text).strip().splitlines()[0] if str(text).strip() else type(error).__name__


def _classify(url: URL, orig: BaseException, detail: str) -> tuple[str, str]:
    backend = url.get_backend_name()
    user, db, host = url.username or "", url.database or "", url.host or "localhost"
    code = orig.args[0] if orig.args and isinstance(orig.args[0], int) else None
    sqlstate = getattr(getattr(orig, "diag", None), "sqlstate", None) or getattr(orig, "sqlstate", None)
    low = detail.lower()
    mysql = backend in ("mysql", "mariadb")

    if backend == "sqlite":
        if "unable to open" in low:
            return f"cannot open the SQLite file ({detail})", f"make sure the directory of {db} exists and is writable by this user"
        if "readonly" in low or "read-only" in low:
            return f"the SQLite file is read-only ({detail})", f"make {db} and its directory writable by this user"
        if "disk is full" in low:
            return f"the disk holding the SQLite file is full ({detail})", "free space on that disk"
        if "disk i/o" in low:
            return f"the disk holding the SQLite file failed a read or write ({detail})", "check that it is mounted read-write and healthy (dmesg)"
        return f"SQLite error ({detail})", "check the file; `solarctl db migrate` brings the schema up to date"

    if (mysql and code == 1045) or sqlstate == "28P01" or "password authentication failed" in low:
        grant = (f"CREATE USER '{user}'@'%' IDENTIFIED BY '...'; GRANT ALL ON {db}.* TO '{user}'@'%'" if mysql
                 else f"CREATE ROLE {user} LOGIN PASSWORD '...'")
        return f"access denied for user {user!r} ({detail})", f"check the user name and password in [storage] url, or create the user: {grant}"
    if (mysql and code == 1049) or sqlstate == "3D000" or re.search(r"database .* does not exist", low):
        return f"database {db!r} does not exist", f"run `solarctl db init` (creates it if the user may), or create it: CREATE DATABASE {db}"
    if (mysql and code in (1044, 1142, 1227)) or sqlstate == "42501" or "permission denied" in low:
        grant = f"GRANT ALL ON {db}.* TO '{user}'@'%'" if mysql else f"ALTER DATABASE {db} OWNER TO {user}; or GRANT CREATE, USAGE ON SCHEMA public TO {user}"
        return f"user {user!r} lacks the rights needed ({detail})", f"grant them as an administrator: {grant}"
    if (mysql and code in (1036, 1290)) or sqlstate == "25006" or "read-only" in low or "read only" in low:
        return f"the database is read-only ({detail})", ("make it writable (MariaDB: SET GLOBAL read_only = OFF; PostgreSQL: "
                                                         "default_transaction_read_only = off) or point [storage] url at a writable one")
    if (mysql and code in (1021, 1114)) or sqlstate == "53100" or any(w in low for w in ("disk full", "no space", "errcode: 28")):
        return f"the database server's disk is full ({detail})", "free space on the server"
    if (mysql and code in (2002, 2003, 2005, 2006, 2013, 2055)) or isinstance(orig, (ConnectionError, TimeoutError)) or any(
        w in low for w in ("connection refused", "could not connect", "can't connect", "timeout", "timed out", "lost connection",
                           "server closed", "name or service not known", "could not translate host", "connection is closed", "terminating connection")
    ):
        server = f"{host}:{url.port}" if url.port else host
        return f"cannot reach the server at {server} ({detail})", (
            "check that the server is running and that host and port in [storage] url are right")
    return f"{type(orig).__name__} ({detail})", "check the server log and [storage] url"
