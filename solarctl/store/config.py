"""[storage] table: where samples go, how long they are kept, spool, backups, InfluxDB sink."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Protocol, Sequence
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from solarctl.config_paths import Directory
from solarctl.strict_model import StrictModel

MetricRef = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+\.\w+$", description='"device.metric", e.g. "xw.grid_power"')]
Days = Annotated[float, Field(ge=0, description="days; 0 keeps forever")]


class InfluxConfig(StrictModel):
    """Optional copy of every sample to InfluxDB 1.x (line protocol over HTTP)."""

    url: str = "http://127.0.0.1:8086"
    database: str = "solarctl"
    username: str | None = None
    password: str | None = None
    timeout: Annotated[float, Field(gt=0)] = 5.0


class EnergyRoles(StrictModel):
    """Which power metrics the daily energy summary adds up, as "device.metric" (W, sign per convention).

    Empty lists are filled from the configured drivers (see solarctl.store.energy).
    """

    pv: list[MetricRef] = Field(default_factory=list)
    load: list[MetricRef] = Field(default_factory=list)
    grid: list[MetricRef] = Field(default_factory=list)  # + import, - export
    battery: list[MetricRef] = Field(default_factory=list)  # + charging, - discharging


class StorageConfig(StrictModel):
    # sqlite:///path | mysql+pymysql://user:pw@host/db | postgresql+psycopg://user:pw@host/db
    # Empty: SQLite file `solarctl.db` under [general] data_dir.
    url: str = ""
    auto_migrate: bool = True  # bring the schema to the current version when the store starts
    batch_size: Annotated[int, Field(ge=1)] = 2000  # samples per database transaction
    # Seconds between batches. Each batch also refreshes the rollups and the day's energy, so a batch every
    # 5 s rather than every 1 s keeps a 4-device, 1 s daemon under 1 % CPU; samples are safe in the
    # fsync'd spool meanwhile, only the database lags by this much.
    flush_interval: Annotated[float, Field(gt=0)] = 5.0
    retry_interval: Annotated[float, Field(gt=0)] = 5.0  # seconds between reconnect attempts
    spool_dir: Directory | None = None  # default: <data_dir>/spool
    spool_max_mb: Annotated[float, Field(gt=0)] = 512.0  # oldest spooled samples are dropped beyond this
    spool_warn_fraction: Annotated[float, Field(gt=0, le=1)] = 0.8
    raw_retention_days: Days = 90.0  # raw rows (sample, device tables); rollups stay
    rollup_1m_retention_days: Days = 400.0
    # History adopted from SCP (`db migrate`: the rows up to the newest adopted one) is kept whatever the
    # retention days say; true lets retention delete it too.
    prune_adopted: bool = False
    max_gap: Annotated[float, Field(gt=0)] = 300.0  # seconds; longer gaps are not integrated into energy
    timezone: str = "UTC"  # IANA name; days of the daily energy summary and backups
    backup_dir: Directory | None = None  # default: <data_dir>/backup
    backup_keep_days: Annotated[int, Field(ge=1)] = 30
    energy: EnergyRoles = Field(default_factory=EnergyRoles)
    influx: InfluxConfig | None = None

    @field_validator("url")
    @classmethod
    def _database_port(cls, value: str) -> str:
        """A server URL's port, checked here so that `config check` fails rather than the store's start (which
        names the URLs it supports: engine.database_url)."""
        scheme, separator, _ = value.partition("://")
        if not separator or scheme.startswith("sqlite"):
            return value
        try:
            urlsplit(value).port
        except ValueError:
            shown = re.sub(r"://([^:/@]*):[^@]*@", r"://\1:***@", value)  # never echo a password
            raise ValueError(f"the port in {shown!r} is not a number from 1 to 65535; write HOST:PORT "
                             "(e.g. db.local:3306) or leave the port out") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as 'Europe/Berlin' or 'UTC'") from None
        return value


class _DataDir(Protocol):
    @property
    def data_dir(self) -> Path: ...


class StoreSite(Protocol):
    """What the store reads of the whole config (solarctl.config.Config is one), without importing it: the
    config folder assembles every folder's table, so it sits above the store."""

    @property
    def general(self) -> _DataDir: ...

    @property
    def storage(self) -> StorageConfig: ...

    @property
    def device(self) -> Sequence[Any]: ...  # the [[device]] tables: each has `name` and `driver`
