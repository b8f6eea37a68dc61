"""Insert-or-replace by primary key, in each engine's own syntax: a row delivered twice is stored once."""

from __future__ import annotations

from typing import Sequence

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import mysql, postgresql, sqlite

_CACHE: dict[tuple[str, str, tuple[str, ...]], object] = {}


def upsert(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    if not rows:
        return
    # One statement may not touch a key twice (PostgreSQL refuses): the last delivery of a key wins.
    pk = [c.name for c in table.primary_key]
    unique = list({tuple(r[k] for k in pk): r for r in rows}.values())
    conn.execute(_statement(conn.dialect.name, table, tuple(rows[0])), unique)


def _statement(dialect: str, table: Table, columns: tuple[str, ...]):
    key = (dialect, table.name, columns)
    stmt = _CACHE.get(key)
    if stmt is None:
        stmt = _CACHE[key] = _build(dialect, table, columns)
    return stmt


def _build(dialect: str, table: Table, columns: tuple[str, ...]):
    pk = [c.name for c in table.primary_key]
    rest = [c for c in columns if c not in pk]
    if dialect in ("mysql", "mariadb"):
        stmt = mysql.insert(table)
        # A key-only table still needs an update clause to turn the duplicate into a no-op.
        return stmt.on_duplicate_key_update({c: stmt.inserted[c] for c in (rest or pk[:1])})
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table)
    if not rest:
        return stmt.on_conflict_do_nothing(index_elements=pk)
    return stmt.on_conflict_do_update(index_elements=pk, set_={c: stmt.excluded[c] for c in rest})
