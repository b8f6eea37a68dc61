"""Is a database's schema the current one? Read without Alembic, which would cost a running daemon ~10 MiB
for a check that nearly always says yes; the store brings in Alembic (`migrate.py`) only when it says no."""

from __future__ import annotations

from sqlalchemy import Engine, exc, text

HEAD = "0003"  # the newest revision in migrations/versions (tests/store/test_schema.py holds them equal)


def at_head(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    except exc.DBAPIError:
        return False  # no version table, or no database at all: migrate.py says which, and what to do
