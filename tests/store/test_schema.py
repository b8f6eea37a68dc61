"""Migrations produce exactly the schema, on every engine; the SCP tables keep their columns, fixed."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from solarctl.store import migrate, schema, schema_version
from solarctl.store.engine import make_engine
from solarctl.store.records import encode
from solarctl.store.writer import BatchWriter
from solarctl.store.config import StorageConfig
from solarctl.sample import Sample

DATA = Path(__file__).parent.parent / "data" / "store" / "sql"


def test_migration_builds_exactly_the_schema(db_url):
    engine = make_engine(db_url)
    assert migrate.upgrade(engine) == (None, migrate.head())
    assert migrate.upgrade(engine) == (migrate.head(), migrate.head())  # idempotent
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), schema.metadata)
    assert diff == []
    assert set(inspect(engine).get_table_names()) >= {t.name for t in schema.metadata.sorted_tables}
    engine.dispose()


def test_the_version_the_store_checks_without_alembic_is_alembics_head(tmp_path):
    assert schema_version.HEAD == migrate.head()
    engine = make_engine(f"sqlite:///{tmp_path}/v.db")
    assert not schema_version.at_head(engine)  # no version table yet
    migrate.upgrade(engine)
    assert schema_version.at_head(engine)
    engine.dispose()


def _create_tables(sql: str) -> dict[str, tuple[list[str], list[str]]]:
    """table -> (column names, primary key columns) from a MySQL dump."""
    out = {}
    for name, body in re.findall(r"CREATE TABLE `(\w+)` \((.*?)\n\)", sql, re.S):
        cols = re.findall(r"^\s+`(\w+)` ", body, re.M)
        pk = re.search(r"PRIMARY KEY \(([^)]*)\)", body).group(1).replace("`", "").split(",")
        out[name] = (cols, pk)
    return out


def test_old_columns_kept_and_keys_on_real_columns():
    for path in ("bms-data.sql", "xw-data.sql", "mppt-data.sql"):
        for name, (cols, _) in _create_tables((DATA / path).read_text()).items():
            ours = schema.metadata.tables[name]
            assert set(cols) <= set(ours.c.keys()), f"{name} lost columns {set(cols) - set(ours.c.keys())}"
            assert all(ours.c[c].type.length >= 64 for c in cols if ours.c[c].type.python_type is str)
    # The check that catches the old broken keys (PK on a column the table does not have) passes on ours.
    broken = {**_create_tables((DATA / "xw-data.sql.at-396285e-2023-08-29-broken-pk.sql").read_text())}
    assert any(set(pk) - set(cols) for cols, pk in broken.values())
    for table in (schema.pylontech_bms, schema.conext_xw, schema.conext_mppt):
        assert {c.name for c in table.primary_key} <= set(table.c.keys())
        assert {"device", "ts"} <= {c.name for c in table.primary_key}


def test_utc_signed_current_and_long_status_texts(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    drivers = {"xw": "conext_xw", "bat": "pylontech_console"}
    t = datetime(2024, 3, 31, 1, 30, 15, 250000, tzinfo=timezone.utc).timestamp()  # across a DST change in Europe
    status = "Grid Frequency Stabilization plus a long tail of words"  # 28+ characters
    BatchWriter(engine, drivers, StorageConfig()).write([
        encode(Sample("xw", t, {"device_name": "XW+ 8548", "inverter_status": status, "grid_power": -1200.5}))[1],
        encode(Sample("bat", t, {"soc": 50, "modules": [{"index": 2, "soc": 50, "current": -3.25, "base_state": "Dischg"}]}))[1],
    ])
    with engine.connect() as conn:
        ts, name, text, power = conn.execute(select(schema.conext_xw.c.ts, schema.conext_xw.c.device_name,
                                                    schema.conext_xw.c.inverter_status, schema.conext_xw.c.grid_power)).one()
        bms = conn.execute(select(schema.pylontech_bms.c.device_name, schema.pylontech_bms.c.current, schema.pylontech_bms.c.b_status)).one()
    assert ts == datetime(2024, 3, 31, 1, 30, 15, 250000)  # naive UTC, milliseconds kept
    assert (name, text, power) == ("XW+ 8548", status, 1200.5)  # conext_xw keeps the XW's raw sign (- import)
    assert tuple(bms) == ("Battery: 2", -3.25, "Dischg")
    engine.dispose()
