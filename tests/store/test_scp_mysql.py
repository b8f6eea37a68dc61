"""The old SCP MySQL database, every historical table variant holding rows, on a real MariaDB: adopted in place by
`solarctl db migrate`, and copied into a new store by `solarctl db import-scp-mysql`, counting rows."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, inspect, text

from solarctl.store import migrate
from solarctl.store.config import StorageConfig
from solarctl.store.engine import StoreError, make_engine
from solarctl.store.scp_adopt import Adoption

SQL = Path(__file__).parent.parent / "data" / "store" / "sql"
START = datetime(2023, 8, 20, 12, 0)  # local time (Europe/Berlin, CEST: UTC+2), as SCP wrote it
CYCLES = 60  # SCP's 30 s cycle: half an hour
DUPLICATES = 3  # rows a table without keys got twice
LONG = "Absorption Exit Pending"  # 23 characters: what varchar(16) refused (the old program lost the row)


def create_statement(file: str, *edits: tuple[str, str]) -> str:
    dump = (SQL / file).read_text()
    create = dump[dump.index("CREATE TABLE"):dump.index(";", dump.index("CREATE TABLE"))]
    for pattern, replacement in edits:
        create = re.sub(pattern, replacement, create)
    return create


WITHOUT_KEYS = [(r",\s*PRIMARY KEY \(`ts`,`\w+`\),\s*KEY `idx` \(`\w+`,`ts`\)", "")]
# Each historical variant: (table file, edits), per table. The 396285e files key on missing columns, which MySQL
# refuses; the tables could only be made without the keys. The README's bms table named its column `battery`.
VARIANTS = {
    "head (fac2140)": {"pylontech_bms": ("bms-data.sql",), "conext_xw": ("xw-data.sql",), "conext_mppt": ("mppt-data.sql",)},
    "396285e, keys dropped": {"pylontech_bms": ("bms-data.sql.at-396285e-2023-08-29-broken-pk.sql", *WITHOUT_KEYS),
                              "conext_xw": ("xw-data.sql.at-396285e-2023-08-29-broken-pk.sql", *WITHOUT_KEYS),
                              "conext_mppt": ("mppt-data.sql", *WITHOUT_KEYS)},
    "eb5eca8 inverter, README battery": {
        "pylontech_bms": ("bms-data.sql.at-396285e-2023-08-29-broken-pk.sql", (r"`device_name` varchar\(16\)", "`battery` varchar(16)")),
        "conext_xw": ("xw-data.sql.at-eb5eca8-2023-08-22-inverter-column.sql",), "conext_mppt": ("mppt-data.sql",)},
}


def old_rows(table: str, wide: bool) -> list[dict]:
    rows = []
    for i in range(CYCLES):
        ts = START + timedelta(seconds=30 * i)
        if table == "conext_xw":
            rows.append({"ts": ts, "name": "XW+ 8548", "grid_power": -1000.0 - i, "grid_current": -4.5, "load_power": 800.0,
                         "battery_low_voltage": 45.5, "battery_hysteresis": 2.0, "inverter_status": "Grid Support" if wide else "Invert",
                         "inverter_load_shave_status": "Enable"})
        elif table == "conext_mppt":
            rows += [{"ts": ts, "name": f"MPPT: {side}", "dc_output_power": 100.0 + i, "mppt_charger_status": LONG if wide else "Bulk"}
                     for side in ("West", "East")]
        else:
            rows += [{"ts": ts, "name": f"Battery: {m}", "soc": 60.0, "voltage": 50.1, "current": 2.5, "temperature": 21.0,
                      "b_status": "Dischg", "v_status": "Normal", "c_status": "Normal", "t_status": "Normal"} for m in range(1, 7)]
    return rows


def make_old_database(server, variant: str) -> tuple[str, dict[str, int]]:
    """A database holding the variant's three tables with an hour of rows; returns its URL and row counts."""
    url = server.new_database()
    engine = create_engine(url)
    counts = {}
    with engine.begin() as conn:
        for table, (file, *edits) in VARIANTS[variant].items():
            conn.execute(text(create_statement(file, *edits)))
            columns = {c["name"] for c in inspect(conn).get_columns(table)}
            name = next(c for c in ("device_name", "inverter", "battery") if c in columns)
            wide = width(conn, table, name) >= 32
            rows = old_rows(table, wide)
            if "keys dropped" in variant:
                rows += [dict(r) for r in rows[:DUPLICATES]]  # the same (ts, name) twice: nothing kept such a table from it
            for row in rows:
                row[name] = row.pop("name")
                conn.execute(text(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})"), row)
            counts[table] = len(rows)
    engine.dispose()
    return url, counts


def count(url: str, table: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
    engine.dispose()
    return n


def width(conn, table: str, column: str) -> int:
    return next(c["type"].length for c in inspect(conn).get_columns(table) if c["name"] == column)


def solarctl(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "solarctl", "db", *args], capture_output=True, text=True, timeout=120,
                          env={"SOLARCTL_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_migrate_adopts_the_old_tables_in_place(mariadb, tmp_path, variant):
    url, before = make_old_database(mariadb, variant)
    engine = create_engine(url)
    with engine.connect() as conn:
        definitions = {t: conn.execute(text(f"SHOW CREATE TABLE {t}")).one()[1] for t in before}

    out = solarctl(tmp_path, "migrate", "--url", url, "--timezone", "Europe/Berlin")
    assert out.returncode == 0, out.stderr
    assert f"schema at version {migrate.head()} (upgraded from empty)" in out.stdout

    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        backups = {t: next(b for b in tables if b.startswith(f"{t}_scp_backup_")) for t in before}
        for table, backup in backups.items():
            # The backup is the old table itself: its definition and every row, untouched.
            assert conn.execute(text(f"SHOW CREATE TABLE {backup}")).one()[1] == definitions[table].replace(f"`{table}`", f"`{backup}`", 1)
            assert conn.execute(text(f"SELECT COUNT(*) FROM {backup}")).scalar() == before[table]
        # solarctl's schema: keys on real columns, wide text columns; every row kept.
        for table in before:
            assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() == before[table], table
            assert inspect(conn).get_pk_constraint(table)["constrained_columns"][0] == "device"
            assert width(conn, table, "device_name") == 64
        assert width(conn, "conext_mppt", "mppt_charger_status") == 255
        xw = conn.execute(text("SELECT ts, device, device_name, grid_power, battery_low_voltage FROM conext_xw ORDER BY ts LIMIT 1")).one()
        assert tuple(xw) == (datetime(2023, 8, 20, 10, 0), "XW+ 8548", "XW+ 8548", -1000.0, 45.5)  # UTC; the XW's sign kept
        data = json.loads(conn.execute(text("SELECT data FROM sample WHERE device = 'XW+ 8548' ORDER BY ts LIMIT 1")).scalar())
        assert data["grid_power"] == 1000.0  # samples are + import
        assert {r[0] for r in conn.execute(text("SELECT DISTINCT device_name FROM conext_mppt"))} == {"MPPT: West", "MPPT: East"}
        assert conn.execute(text("SELECT COUNT(DISTINCT device_name) FROM pylontech_bms WHERE device = 'battery'")).scalar() == 6
        assert conn.execute(text("SELECT MIN(current) FROM pylontech_bms")).scalar() == -2.5  # Dischg: the sign SCP lost
        assert conn.execute(text("SELECT COUNT(*) FROM rollup_1m WHERE device = 'MPPT: West'")).scalar() > 0
    if "keys dropped" in variant:
        assert "shared a key with an earlier one and were stored 1 ms later, none dropped" in out.stdout

    assert migrate.upgrade(make_engine(url)) == (migrate.head(), migrate.head())  # once adopted, a database like any other
    assert all(count(url, t) == n for t, n in before.items())
    engine.dispose()


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_import_copies_an_old_database_into_a_new_store(mariadb, tmp_path, variant):
    old, before = make_old_database(mariadb, variant)
    new = mariadb.new_database()
    config = tmp_path / "solarctl.toml"
    config.write_text(f'[storage]\nurl = "{new}"\ntimezone = "Europe/Berlin"\n'
                      '[[device]]\nname = "xw"\ndriver = "conext_xw"\nhost = "127.0.0.1"\n')
    migrate.upgrade(make_engine(new))
    out = solarctl(tmp_path, "import-scp-mysql", old.replace("mysql+pymysql://", "mysql://"), "--config", str(config))
    assert out.returncode == 0, out.stderr
    assert {t: count(new, t) for t in before} == before  # every row
    assert {t: count(old, t) for t in before} == before  # the old database is only read
    # A sample per XW and MPPT row, one per cycle for the six modules (and one for modules a table without keys got twice).
    assert count(new, "sample") == before["conext_xw"] + before["conext_mppt"] + CYCLES + ("keys dropped" in variant)
    engine = create_engine(new)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT DISTINCT device FROM conext_xw")).scalar() == "xw"  # the one configured XW
        assert conn.execute(text("SELECT MIN(ts), MAX(ts) FROM conext_mppt")).one() == (datetime(2023, 8, 20, 10, 0), datetime(2023, 8, 20, 10, 29, 30))
    engine.dispose()



def test_only_an_asked_migrate_adopts(mariadb):
    """The store's own auto-migrate (no adoption asked) changes nothing and says what to run."""
    url, before = make_old_database(mariadb, "head (fac2140)")
    engine = make_engine(url)
    with pytest.raises(StoreError, match=r"holds the old SCP tables; run `solarctl db migrate` to adopt them"):
        migrate.upgrade(engine)
    assert set(inspect(engine).get_table_names()) == set(before) and all(count(url, t) == n for t, n in before.items())
    engine.dispose()


def test_an_adoption_cut_short_starts_over(mariadb):
    """Killed while copying (no version yet, part of the rows copied): the next migrate copies everything again."""
    url, before = make_old_database(mariadb, "head (fac2140)")
    engine = make_engine(url)
    adoption = Adoption(StorageConfig(), {}, ZoneInfo("UTC"), date(2026, 1, 1))
    migrate.upgrade(engine, adoption)
    with engine.begin() as conn:  # what a kill in the middle of the copy leaves
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("DELETE FROM conext_mppt WHERE device_name = 'MPPT: East'"))
    with pytest.raises(StoreError, match="was cut short; run `solarctl db migrate` to finish it"):
        migrate.upgrade(engine)
    assert migrate.upgrade(engine, Adoption(StorageConfig(), {}, ZoneInfo("UTC"), date(2026, 1, 1)))[0] is None
    assert {t: count(url, t) for t in before} == before
    assert {t for t in inspect(engine).get_table_names() if "_scp_backup_" in t} == {f"{t}_scp_backup_20260101" for t in before}
    assert migrate.current(engine) == migrate.head()
    engine.dispose()
