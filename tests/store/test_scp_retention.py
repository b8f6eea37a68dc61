"""Adopted SCP history is kept: a migrated SCP database on a real MariaDB (the real table definitions from
tests/data/store/sql, rows from 2023, more than three years before today) goes through the store's retention pass
with the default retention (90 days raw, 400 days 1-minute rollups): every row is still there. `db migrate` says
which time zone it assumed and what retention will do; `[storage] prune_adopted = true` lets retention delete it."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text

from solarctl.store import migrate, retention, schema
from solarctl.store.config import StorageConfig
from solarctl.store.engine import make_engine
from tests.store.test_scp_mysql import make_old_database, solarctl

PRUNED = [t.name for t in schema.RAW_TABLES] + [schema.rollup_1m.name]


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar() for t in PRUNED}


def test_retention_keeps_the_adopted_history_unless_asked(mariadb, tmp_path):
    url, before = make_old_database(mariadb, "head (fac2140)")
    out = solarctl(tmp_path, "migrate", "--url", url, "--timezone", "Europe/Berlin")
    assert out.returncode == 0, out.stderr
    assert "read as local time in Europe/Berlin" in out.stdout
    assert "retention: the adopted history (every row up to 2023-08-20 10:29 UTC) is kept" in out.stdout
    engine = create_engine(url)
    adopted = counts(engine)
    assert all(adopted[t] == n for t, n in before.items()) and adopted["sample"] > 0 and adopted["rollup_1m"] > 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*), MIN(timezone) FROM scp_adoption")).one() == (3, "Europe/Berlin")

    default = StorageConfig()
    assert default.raw_retention_days == 90 and not default.prune_adopted
    day = 86400.0
    for days in range(0, 30, 5):  # the store's maintenance pass, run over a month of clock
        deleted = retention.prune(engine, default, time.time() + days * day)
        assert not any(deleted.values()), deleted
    assert counts(engine) == adopted  # every row still there

    asked = StorageConfig(prune_adopted=True)
    deleted = retention.prune(engine, asked, time.time())
    assert deleted["pylontech_bms"] == before["pylontech_bms"] and counts(engine)["conext_xw"] == 0
    engine.dispose()


def test_retention_keeps_imported_history_unless_asked(mariadb, tmp_path):
    """`db import-scp-mysql` (the old database copied into another store) records the import as `db migrate`
    records an adoption, and says what retention will do: rows from 2023 survive a month of retention passes."""
    old, before = make_old_database(mariadb, "head (fac2140)")
    new = mariadb.new_database()
    config = tmp_path / "solarctl.toml"
    config.write_text(f'[storage]\nurl = "{new}"\ntimezone = "Europe/Berlin"\n'
                      '[[device]]\nname = "xw"\ndriver = "conext_xw"\nhost = "127.0.0.1"\n')
    migrate.upgrade(make_engine(new))
    out = solarctl(tmp_path, "import-scp-mysql", old.replace("mysql+pymysql://", "mysql://"), "--config", str(config))
    assert out.returncode == 0, out.stderr
    assert "retention: the adopted history (every row up to 2023-08-20 10:29 UTC) is kept" in out.stdout
    engine = create_engine(new)
    imported = counts(engine)
    assert all(imported[t] == n for t, n in before.items()) and imported["sample"] > 0 and imported["rollup_1m"] > 0
    with engine.connect() as conn:
        marks = conn.execute(text("SELECT source_table, backup_table FROM scp_adoption")).all()
    database = old.rsplit("/", 1)[1]
    assert sorted(marks) == sorted((t, f"{database}.{t}") for t in before)  # where the old tables still are

    for days in range(0, 30, 5):  # the store's maintenance pass over a month of clock, default retention
        deleted = retention.prune(engine, StorageConfig(), time.time() + days * 86400.0)
        assert not any(deleted.values()), deleted
    assert counts(engine) == imported  # every row still there

    deleted = retention.prune(engine, StorageConfig(prune_adopted=True), time.time())
    assert deleted["pylontech_bms"] == before["pylontech_bms"]
    engine.dispose()


def test_the_old_battery_column_is_there_beside_device_name(mariadb, tmp_path):
    """The README's bms table named its module column `battery` ('1', '2' …): after adoption a query written for it
    still reads the module numbers, for adopted and new rows alike; device_name keeps 'Battery: N'."""
    url, before = make_old_database(mariadb, "eb5eca8 inverter, README battery")
    assert solarctl(tmp_path, "migrate", "--url", url, "--timezone", "Europe/Berlin").returncode == 0
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT battery, device_name, COUNT(*) FROM pylontech_bms GROUP BY battery, device_name")).all()
    assert sorted(rows) == [(str(m), f"Battery: {m}", before["pylontech_bms"] // 6) for m in range(1, 7)]
    engine.dispose()


def test_upgrading_an_existing_store_fills_the_battery_column(tmp_path):
    """A store made before the column (schema 0002) gets it filled from device_name by the migration."""
    from alembic import command

    from solarctl.store import migrate

    engine = create_engine(f"sqlite:///{tmp_path}/old.db")
    with engine.begin() as conn:
        command.upgrade(migrate._alembic(conn), "0002")
        conn.execute(text("INSERT INTO pylontech_bms (device, device_name, ts, soc) VALUES "
                          "('battery', 'Battery: 1', '2024-01-01 00:00:00', 50), ('battery', 'Battery: 12', '2024-01-01 00:00:00', 51)"))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT device_name, battery FROM pylontech_bms")).all()) == \
            [("Battery: 1", "1"), ("Battery: 12", "12")]
    engine.dispose()
