"""`solarctl db backup --all` and `solarctl db restore` bring back every table of the schema: rows in every table
(generic rows made from each column's type, so a table added later is covered too), backed up, restored into a
new database on SQLite and on MariaDB; every table's row count and contents equal."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Boolean, Date, DateTime, Double, Integer, String, Text, create_engine, insert, select, text

from solarctl.store import schema

ROWS = 3


def value(column, i: int):
    kind = column.type
    if isinstance(kind, DateTime):
        return datetime(2025, 6, 21, 12, 0, 0, 123000) + timedelta(minutes=i)
    if isinstance(kind, Date):
        return date(2025, 6, 21) + timedelta(days=i)
    if isinstance(kind, Boolean):
        return i % 2 == 0
    if isinstance(kind, Integer):
        return i + 1
    if isinstance(kind, Double):
        return 0.5 + i
    if isinstance(kind, (String, Text)):
        return f"{column.name} {i}"
    raise AssertionError(f"{column.table.name}.{column.name}: no test value for {kind!r}")


def fill(url: str) -> dict[str, list]:
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in schema.metadata.sorted_tables:
            conn.execute(insert(table), [{c.name: value(c, i) for c in table.columns} for i in range(ROWS)])
    contents = everything(engine)
    engine.dispose()
    return contents


def everything(engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {t.name: sorted(map(tuple, conn.execute(select(t)))) for t in schema.metadata.sorted_tables}


def db(tmp_path, url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "solarctl", "db", *args, "--url", url], capture_output=True, text=True,
                          timeout=120, env={"SOLARCTL_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("engine_kind", ["sqlite", "mariadb"])
def test_every_table_comes_back(tmp_path, request, engine_kind):
    if engine_kind == "sqlite":
        source, target = f"sqlite:///{tmp_path}/source.db", f"sqlite:///{tmp_path}/target.db"
    else:
        server = request.getfixturevalue("mariadb")
        source, target = server.new_database(), server.new_database()
    for url in (source, target):
        assert db(tmp_path, url, "init").returncode == 0
    before = fill(source)
    assert all(len(rows) == ROWS for rows in before.values()) and len(before) == len(schema.metadata.tables)

    out = db(tmp_path, source, "backup", "--all", "--dir", str(tmp_path / "backups"))
    assert out.returncode == 0, out.stderr
    [path] = (tmp_path / "backups").glob("solarctl-all-*.jsonl.gz")
    assert f"{len(before)} tables" in out.stdout

    for _ in range(2):  # twice: restoring again stores once
        out = db(tmp_path, target, "restore", str(path))
        assert out.returncode == 0, out.stderr
    engine = create_engine(target)
    after = everything(engine)
    engine.dispose()
    assert {t: len(r) for t, r in after.items()} == {t: len(r) for t, r in before.items()}
    assert after == before
