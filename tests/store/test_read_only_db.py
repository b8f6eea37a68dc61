"""A read-only database is named as read-only (issue 15), with the fix, not as a full disk or an unknown error."""

from __future__ import annotations

from sqlalchemy import create_engine, make_url, text

from tests.store.test_errors import fails_with, solarctl


def test_a_read_only_postgres_database_is_named_read_only(postgres, tmp_path):
    url = postgres.new_database()
    admin = create_engine(postgres.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"ALTER DATABASE {make_url(url).database} SET default_transaction_read_only = on"))
    admin.dispose()
    err = fails_with(solarctl("db", "migrate", "--url", url, env_dir=tmp_path), "is read-only", "read_only")
    assert "full" not in err
