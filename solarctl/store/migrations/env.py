"""Alembic environment: always run from solarctl.store.migrate with an open connection."""

from alembic import context

from solarctl.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, compare_type=True, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
