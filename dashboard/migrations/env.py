"""Alembic environment: runs against the connection handed over by dashboard.migrate."""

from alembic import context

from dashboard.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through dashboard.migrate
    raise RuntimeError("Run migrations with `python -m dashboard db upgrade`.")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
