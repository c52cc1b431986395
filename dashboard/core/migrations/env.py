"""Alembic environment: runs against the connection handed over by dashboard.core.migrate."""

from alembic import context

from dashboard.core.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through dashboard.core.migrate
    raise RuntimeError("Run migrations with `python -m dashboard db upgrade`.")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
