"""Storage: SQLAlchemy tables on SQLite / MySQL / PostgreSQL, a durable spool, rollups. Entry point: store.SampleStore."""

# The [storage] model is part of the whole config; load that first so `import solarctl.store.config` alone
# does not meet a half-initialised solarctl.config (which imports it back).
import solarctl.config  # noqa: F401
