"""Insert-or-replace by primary key, in each engine's own syntax: a row delivered twice is stored once.

The statement is built and compiled by SQLAlchemy once per (engine, table, columns); rows then go to the
driver's executemany directly, because SQLAlchemy's per-row parameter processing cost more than the
database itself at the rates the store must sustain. The only value the drivers do not take as is, a
datetime/date on SQLite, is formatted here exactly as SQLAlchemy stores it, so reads through SQLAlchemy
and keys written either way agree.

Two entry points:
- `upsert(conn, table, dicts)`: rows as dicts (few rows: catalogue, health, daily energy);
- `upsert_rows(conn, table, columns, tuples)`: the bulk path. Rows are tuples in `columns` order (the
  table's own order, key columns included) whose timestamps are already what the driver binds:
  `stamper(dialect)` makes them, once per distinct timestamp.
"""

from __future__ import annotations

import importlib
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import Any, Callable, Sequence

from sqlalchemy import Connection, Date, DateTime, Table, bindparam

_CACHE: dict[tuple[str, str, tuple[str, ...]], tuple[str, tuple[str, ...] | None, list[Callable[[Any], Any] | None]]] = {}
_EPOCH = datetime(1970, 1, 1)


def upsert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    # One statement may not touch a key twice (PostgreSQL refuses): the last delivery of a key wins.
    pk = [c.name for c in table.primary_key]
    unique = list({tuple(r[k] for k in pk): r for r in rows}.values()) if len(pk) > 1 else list({r[pk[0]]: r for r in rows}.values())
    sql, order, converters = _prepared(conn, table, tuple(rows[0]))
    if order is None:  # named parameters
        conn.exec_driver_sql(sql, unique)
        return
    get = itemgetter(*order) if len(order) > 1 else (lambda r: (r[order[0]],))
    params = [get(r) for r in unique]
    for i, convert in enumerate(converters):
        if convert is not None:  # SQLite dates: one conversion per distinct value (rows of a sample share its ts)
            memo: dict[str, Any] = {None: None}
            params = [p[:i] + ((memo[p[i]] if p[i] in memo else memo.setdefault(p[i], convert(p[i]))),) + p[i + 1:] for p in params]
    conn.exec_driver_sql(sql, params)


def upsert_rows(conn: Connection, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """The bulk path: `rows` are tuples in `columns` order, timestamps made by `stamper()`."""
    if not rows:
        return
    sql, order, _ = _prepared(conn, table, columns)
    if conn.dialect.name != "sqlite":
        # PostgreSQL refuses a statement that touches a key twice: keep the last delivery of each key. (SQLite
        # runs the statement once per row, in order, so there the last delivery wins without this.)
        key = itemgetter(*[columns.index(c.name) for c in table.primary_key])
        if len(rows) > 1:
            unique = {key(r): r for r in rows}
            if len(unique) < len(rows):
                rows = list(unique.values())
    if order is None:  # named parameters (psycopg)
        rows = [dict(zip(columns, r)) for r in rows]
    elif order != columns:
        rows = list(map(itemgetter(*map(columns.index, order)), rows))
    conn.exec_driver_sql(sql, rows)


def stamper(dialect_name: str) -> Callable[[float], Any]:
    """Epoch seconds -> the timestamp value the driver binds: naive UTC at millisecond resolution, as a datetime,
    or on SQLite as the text SQLAlchemy stores (so keys compare equal whichever path wrote them)."""
    if dialect_name == "sqlite":
        return lambda t: _sqlite_datetime(_EPOCH + timedelta(milliseconds=round(t * 1000)))
    return lambda t: _EPOCH + timedelta(milliseconds=round(t * 1000))


def _prepared(conn: Connection, table: Table, columns: tuple[str, ...]):
    dialect = conn.dialect
    key = (dialect.name, table.name, columns)
    if key not in _CACHE:
        compiled = _build(dialect.name, table, columns).compile(dialect=dialect)
        order = tuple(compiled.positiontup) if compiled.positional else None
        converters = [_sqlite_converter(table.c[name].type) if dialect.name == "sqlite" else None for name in (order or ())]
        _CACHE[key] = (str(compiled), order, converters)
    return _CACHE[key]


def _sqlite_converter(type_) -> Callable[[Any], Any] | None:
    if isinstance(type_, DateTime):
        return _sqlite_datetime
    if isinstance(type_, Date):
        return date.isoformat
    return None


def _sqlite_datetime(value: datetime) -> str:
    text = value.isoformat(" ")  # SQLAlchemy's SQLite DATETIME storage format, always with microseconds
    return text if value.microsecond else text + ".000000"


def _build(dialect: str, table: Table, columns: tuple[str, ...]):
    pk = [c.name for c in table.primary_key]
    rest = [c for c in columns if c not in pk]
    values = {c: bindparam(c) for c in columns}  # exactly these columns, not every column of the table
    # Only the dialect in use is imported: PostgreSQL's costs ~3 MiB that a daemon on SQLite need not carry.
    module = importlib.import_module(f"sqlalchemy.dialects.{'mysql' if dialect == 'mariadb' else dialect}")
    stmt = module.insert(table).values(values)
    if dialect in ("mysql", "mariadb"):
        # A key-only table still needs an update clause to turn the duplicate into a no-op.
        return stmt.on_duplicate_key_update({c: stmt.inserted[c] for c in (rest or pk[:1])})
    if not rest:
        return stmt.on_conflict_do_nothing(index_elements=pk)
    return stmt.on_conflict_do_update(index_elements=pk, set_={c: stmt.excluded[c] for c in rest})
