"""Storage: SQLAlchemy tables on SQLite / MySQL / PostgreSQL, a durable spool, rollups. Entry point: store.SampleStore."""
