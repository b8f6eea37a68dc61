"""The tables. One definition for all three engines; Alembic migrations are generated from it.

- `pylontech_bms`, `conext_xw`, `conext_mppt`: the SCP tables with their old column names and meanings
  (so an existing Grafana dashboard keeps working), fixed: keys on real columns, wide text columns,
  UTC timestamps, a signed `current` (+ = charging), and a `device` column (the configured device name)
  in the key so two devices reporting the same name never collide.
- `must_pv1800`, `jk_pack`, `battery_cell` (one row per cell), `device_health`: new device tables.
- `sample`: every sample, losslessly, as JSON: unknown or new metrics are kept without a schema change,
  and one row per sample keeps batched writes cheap (a long/narrow row-per-metric table would be 10-40x
  the rows). Rollups, exports and the InfluxDB sink read it.
- `rollup_1m`, `rollup_1h`: per device and metric, min / mean / max and the energy integrated from power.
- `energy_daily`: the installation's daily energy summary.
- `alert`: one row per alert episode (solarctl/alerts), its latest published state.
- `audit`: the write-attempt ledger (`audit.jsonl`, the source of truth) row by row, keyed by its line number.
- `scp_adoption`: one row per old SCP table `solarctl db migrate` adopted: its backup, when, the time zone its
  local timestamps were read in, and the newest adopted row (the boundary retention keeps out of, store/retention.py).
- `metric`: the numeric metrics of each device and their units; `energy_role`: which power metrics are
  PV, load, grid and battery (from the config), so dashboards need no device names.

All timestamps are naive UTC (`ts`, `bucket`), millisecond resolution.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, Double, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.dialects import mysql

metadata = MetaData()

Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=3), "mysql", "mariadb")
NAME = 64  # device names, metric names
TEXT = 255  # status texts (the old varchar(16) overflowed on "Grid Frequency Stabilization")


def _key(*names: str) -> list[Column[Any]]:
    cols: dict[str, Column[Any]] = {"device": Column("device", String(NAME), primary_key=True), "ts": Column("ts", Timestamp, primary_key=True)}
    return [cols[n] if n in cols else Column(n, String(NAME), primary_key=True) for n in names]


def _floats(*names: str) -> list[Column[Any]]:
    return [Column(n, Double) for n in names]


def _texts(*names: str) -> list[Column[Any]]:
    return [Column(n, String(TEXT)) for n in names]


pylontech_bms = Table(
    "pylontech_bms",
    metadata,
    *_key("device", "device_name", "ts"),  # device_name = 'Battery: N' (module N of the stack)
    *_floats("soc", "voltage", "current", "temperature", "cell_voltage_min", "cell_voltage_max"),
    *_texts("b_status", "v_status", "c_status", "t_status"),
    # The module number as text ('1', '2' …): the README's old table named its module column `battery`, and a
    # query written for it keeps working (added beside device_name, filled for every row).
    Column("battery", String(NAME)),
    Index("ix_pylontech_bms_ts", "ts"),
    Index("ix_pylontech_bms_name_ts", "device_name", "ts"),
)

conext_xw = Table(
    "conext_xw",
    metadata,
    *_key("device", "ts"),
    Column("device_name", String(NAME), nullable=False),  # the name the device reports, e.g. 'XW+ 8548'
    *_floats(
        "grid_voltage", "grid_current", "grid_power", "grid_frequency", "load_voltage", "load_current", "load_power",
        "load_frequency", "inverter_dc_current", "inverter_dc_power", "energy_grid_month", "energy_load_month",
        "energy_battery_month", "battery_low_voltage", "battery_low_voltage_delay", "battery_hysteresis",
    ),
    *_texts("inverter_status", "inverter_active_warnings_status", "inverter_active_faults_status",
            "inverter_grid_support_status", "inverter_load_shave_status"),
    Index("ix_conext_xw_ts", "ts"),
    Index("ix_conext_xw_name_ts", "device_name", "ts"),
)

conext_mppt = Table(
    "conext_mppt",
    metadata,
    *_key("device", "ts"),
    Column("device_name", String(NAME), nullable=False),  # e.g. 'MPPT: West' (the Xanbus device name)
    *_floats(
        "dc_input_voltage", "dc_input_current", "dc_input_power", "dc_output_voltage", "dc_output_current",
        "dc_output_power", "dc_output_power_percentage", "energy_pv_day", "energy_pv_week", "energy_pv_month",
        "energy_pv_year",
    ),
    *_texts("mppt_status", "mppt_charger_status", "mppt_active_warnings_status", "mppt_active_faults_status"),
    Index("ix_conext_mppt_ts", "ts"),
    Index("ix_conext_mppt_name_ts", "device_name", "ts"),
)

must_pv1800 = Table(
    "must_pv1800",
    metadata,
    *_key("device", "ts"),
    *_floats("battery_voltage", "battery_current", "battery_power", "pv_voltage", "pv_power", "grid_voltage",
             "grid_power", "load_power", "grid_frequency"),
    Column("on_grid", Boolean),
    *_texts("work_state"),
    Index("ix_must_pv1800_ts", "ts"),
)

jk_pack = Table(
    "jk_pack",
    metadata,
    *_key("device", "ts"),
    *_floats("soc", "soh", "voltage", "current", "power", "temperature", "cell_voltage_min", "cell_voltage_max",
             "cell_voltage_delta", "capacity_remaining", "capacity_full"),
    Column("cycles", Integer),
    Column("charge_mosfet", Boolean),
    Column("discharge_mosfet", Boolean),
    *_texts("alarms"),
    Index("ix_jk_pack_ts", "ts"),
)

battery_cell = Table(
    "battery_cell",
    metadata,
    *_key("device", "ts"),
    Column("module", Integer, primary_key=True, autoincrement=False),  # 1-based; 1 for single-pack devices
    Column("cell", Integer, primary_key=True, autoincrement=False),  # 1-based
    Column("voltage", Double),
    Index("ix_battery_cell_ts", "ts"),
)

device_health = Table(
    "device_health",
    metadata,
    *_key("device", "ts"),
    Column("ok", Boolean, nullable=False),  # false: a poll failed; true: the first good poll after failures
    Column("reason", String(TEXT)),
    Index("ix_device_health_ts", "ts"),
)

sample = Table(
    "sample",
    metadata,
    *_key("device", "ts"),
    Column("driver", String(NAME)),
    Column("data", Text, nullable=False),  # JSON object: Sample.values, as polled
    Column("alarms", Text),  # JSON list, or NULL when none
    Index("ix_sample_ts", "ts"),
)


def _rollup(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("device", String(NAME), primary_key=True),
        Column("metric", String(NAME), primary_key=True),
        Column("bucket", Timestamp, primary_key=True),  # start of the interval, UTC
        Column("n", Integer, nullable=False),  # samples in the interval
        *_floats("minimum", "mean", "maximum"),
        # Power metrics only: energy of the positive (import, charging, production) and negative parts, kWh, both >= 0.
        *_floats("energy_in_kwh", "energy_out_kwh"),
        Index(f"ix_{name}_bucket", "bucket"),
    )


rollup_1m = _rollup("rollup_1m")
rollup_1h = _rollup("rollup_1h")

energy_daily = Table(
    "energy_daily",
    metadata,
    Column("day", Date, primary_key=True),  # local day in [storage] timezone
    *_floats("pv_kwh", "load_kwh", "grid_import_kwh", "grid_export_kwh", "battery_in_kwh", "battery_out_kwh"),
    *_floats("self_consumption", "autarky"),  # ratios 0..1: PV used on site / PV; load not from grid / load
)

metric = Table(  # the catalogue of numeric metrics per device (Grafana's metric picker reads it)
    "metric",
    metadata,
    Column("device", String(NAME), primary_key=True),
    Column("metric", String(NAME), primary_key=True),
    Column("unit", String(16)),
)

energy_role = Table(  # which power metric plays which role (pv, load, grid, battery): dashboards join on it
    "energy_role",
    metadata,
    Column("role", String(16), primary_key=True),
    Column("device", String(NAME), primary_key=True),
    Column("metric", String(NAME), primary_key=True),
)

alert = Table(  # one row per episode; the alert manager publishes every change of state
    "alert",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(NAME), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("device", String(NAME)),
    Column("message", Text, nullable=False),
    Column("data", Text, nullable=False),  # JSON object: the values that matter
    Column("first_seen", Timestamp, nullable=False),
    Column("last_seen", Timestamp, nullable=False),
    Column("count", Integer, nullable=False),
    Column("state", String(16), nullable=False),  # active / acknowledged / cleared
    Column("acknowledged_at", Timestamp),
    Column("cleared_at", Timestamp),
    Index("ix_alert_state", "state"),
)

audit = Table(  # every write attempt, from the ledger file
    "audit",
    metadata,
    Column("line", Integer, primary_key=True, autoincrement=False),  # 1-based line of audit.jsonl
    Column("ts", Timestamp, nullable=False),
    Column("source", String(NAME)),  # strategy:NAME, cli:uid=N, command_file, …
    Column("device", String(NAME)),
    Column("setting", String(NAME)),
    Column("register_address", Integer),
    Column("before_value", String(TEXT)),  # JSON
    Column("requested_value", String(TEXT)),
    Column("after_value", String(TEXT)),
    Column("outcome", String(16)),
    Column("reason", Text),
    Index("ix_audit_ts", "ts"),
    Index("ix_audit_device_ts", "device", "ts"),
)

scp_adoption = Table(  # what `db migrate` adopted from SCP: history older than `newest` is never pruned unless asked
    "scp_adoption",
    metadata,
    Column("source_table", String(NAME), primary_key=True),  # pylontech_bms, conext_xw, conext_mppt
    Column("backup_table", String(NAME), nullable=False),  # <table>_scp_backup_<YYYYMMDD>: the old table itself
    Column("adopted_at", Timestamp, nullable=False),
    Column("timezone", String(NAME), nullable=False),  # the zone the old local timestamps were read in
    Column("rows", Integer, nullable=False),
    Column("newest", Timestamp),  # the newest adopted row, UTC (None: the table was empty)
)

DEVICE_TABLES = (pylontech_bms, conext_xw, conext_mppt, must_pv1800, jk_pack, battery_cell, device_health)
RAW_TABLES = (sample, *DEVICE_TABLES)  # pruned after [storage] raw_retention_days
