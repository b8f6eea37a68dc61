"""`solarctl db` against real servers: init creates the database; every failure is one sentence naming the
database (password masked), the cause and the fix, with exit status 1 and no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import create_engine, inspect, text


def solarctl(*args: str, env_dir) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "solarctl", *args], capture_output=True, text=True, timeout=60,
                          env={"SOLARCTL_DATA_DIR": str(env_dir), "PATH": "/usr/bin:/bin"})


def fails_with(result: subprocess.CompletedProcess, *words: str) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    err = result.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert "s3cret" not in err and "wrong-pw" not in err and "***" in err
    for word in words:
        assert word in err, err
    return err


def test_init_creates_database_then_migrate_is_current(mariadb, postgres, tmp_path):
    for url in (mariadb.url("fresh_db"), postgres.url("fresh_db")):
        first = solarctl("db", "init", "--url", url, env_dir=tmp_path)
        assert first.returncode == 0 and "created" in first.stdout, first.stderr
        again = solarctl("db", "migrate", "--url", url, env_dir=tmp_path)
        assert again.returncode == 0 and "already current" in again.stdout, again.stderr


def test_sqlite_default_lives_in_data_dir(tmp_path):
    result = solarctl("db", "init", env_dir=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "solarctl.db").exists()


@pytest.mark.parametrize("engine", ["mysql+pymysql", "postgresql+psycopg"])
def test_unreachable_server(engine, tmp_path, closed_port):
    url = f"{engine}://solarctl:s3cret@127.0.0.1:{closed_port}/solar"
    fails_with(solarctl("db", "migrate", "--url", url, env_dir=tmp_path), "cannot reach the server", "check that the server is running")


def test_wrong_password(mariadb, postgres, tmp_path):
    for url in (mariadb.url("x", password="wrong-pw"), postgres.url("postgres", password="wrong-pw")):
        fails_with(solarctl("db", "migrate", "--url", url, env_dir=tmp_path), "access denied for user 'solarctl'", "password")


def test_unknown_database(mariadb, postgres, tmp_path):
    for url in (mariadb.url("no_such_db"), postgres.url("no_such_db")):
        fails_with(solarctl("db", "migrate", "--url", url, env_dir=tmp_path), "'no_such_db' does not exist", "solarctl db init")


def test_user_without_rights(mariadb, postgres, tmp_path):
    mariadb.admin("CREATE DATABASE IF NOT EXISTS locked", "CREATE USER IF NOT EXISTS 'reader'@'%' IDENTIFIED BY 's3cret'",
                  "GRANT SELECT ON locked.* TO 'reader'@'%'")
    err = fails_with(solarctl("db", "migrate", "--url", mariadb.url("locked", user="reader"), env_dir=tmp_path), "lacks the rights", "GRANT")
    assert "reader" in err
    admin = create_engine(postgres.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE ROLE reader LOGIN PASSWORD 's3cret'"))
    admin.dispose()
    fails_with(solarctl("db", "migrate", "--url", postgres.url("postgres", user="reader"), env_dir=tmp_path), "lacks the rights", "reader")


def test_schema_not_migrated_is_named(mariadb, tmp_path):
    url = mariadb.new_database()
    fails_with(solarctl("db", "export", "--url", url, "--from", "2024-01-01", "--to", "2024-01-02", "-o", str(tmp_path / "x.csv"),
                        env_dir=tmp_path), "has no solarctl schema", "solarctl db migrate")


def test_foreign_tables_of_our_names_are_left_alone_with_a_clear_message(mariadb, tmp_path):
    """A database holding tables of solarctl's names that are not the old SCP ones (those are adopted:
    tests/store/test_scp_mysql.py) changes nothing and says what to do."""
    url = mariadb.new_database()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE sample (id INT PRIMARY KEY)"))
    err = fails_with(solarctl("db", "migrate", "--url", url, env_dir=tmp_path), "already has tables sample", "new database")
    assert "solarctl db init" in err
    assert set(inspect(engine).get_table_names()) == {"sample"}
    engine.dispose()
