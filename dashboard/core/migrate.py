"""Create or upgrade any database to the current schema (Alembic), then load reference data."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from dashboard.core.reference_data import load_reference

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` and (re)load municipalities and topics."""
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
    with engine.begin() as conn:
        load_reference(conn)


def revision(engine: Engine, message: str) -> None:  # pragma: no cover - developer tool
    """Autogenerate a new migration from the difference between schema.py and ``engine``."""
    with engine.begin() as conn:
        command.revision(alembic_config(conn), message=message, autogenerate=True)
