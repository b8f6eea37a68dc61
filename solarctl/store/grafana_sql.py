"""Expand the Grafana SQL macros our dashboards use, the way Grafana's MySQL and PostgreSQL data sources do,
so the dashboards' queries can be run outside Grafana (the dashboard test, the benchmark, troubleshooting).

SQLite is not a Grafana core data source; its expansion (text timestamps as SQLAlchemy stores them) is for
the benchmark only.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Mapping

_GROUP = re.compile(r"\$__timeGroupAlias\(\s*([\w.]+)\s*,\s*'?(\d+)([smhd])'?\s*\)")
_FILTER = re.compile(r"\$__timeFilter\(\s*([\w.]+)\s*\)")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _literal(t: float, dialect: str) -> str:
    moment = datetime.fromtimestamp(t, timezone.utc)
    if dialect == "mysql":
        return f"FROM_UNIXTIME({int(t)})"
    if dialect == "postgresql":
        return f"'{moment.strftime('%Y-%m-%dT%H:%M:%SZ')}'"
    return f"'{moment.strftime('%Y-%m-%d %H:%M:%S')}'"


def _group(column: str, seconds: int, dialect: str) -> str:
    if dialect == "mysql":
        return f'UNIX_TIMESTAMP({column}) DIV {seconds} * {seconds} AS "time"'
    if dialect == "postgresql":
        return f'floor(extract(epoch from {column})/{seconds})*{seconds} AS "time"'
    return f"CAST(strftime('%s', {column}) AS INTEGER) / {seconds} * {seconds} AS \"time\""


def expand(sql: str, dialect: str, start: float, end: float, variables: Mapping[str, str] | None = None) -> str:
    """`dialect`: mysql, postgresql or sqlite; start/end: the dashboard range, epoch seconds."""
    lo, hi = _literal(start, dialect), _literal(end, dialect)
    sql = _FILTER.sub(lambda m: f"{m.group(1)} BETWEEN {lo} AND {hi}", sql)
    sql = _GROUP.sub(lambda m: _group(m.group(1), int(m.group(2)) * _SECONDS[m.group(3)], dialect), sql)
    sql = (sql.replace("$__unixEpochFrom()", str(int(start))).replace("$__unixEpochTo()", str(int(end)))
           .replace("$__timeFrom()", lo).replace("$__timeTo()", hi))
    for name, value in sorted((variables or {}).items(), key=lambda kv: -len(kv[0])):
        sql = sql.replace(f"${{{name}}}", value).replace(f"${name}", value)
    if "$" in sql.replace("$$", ""):
        raise ValueError(f"unexpanded macro or variable in: {sql}")
    return sql
