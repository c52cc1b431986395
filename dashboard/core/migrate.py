"""Create or upgrade any database to the current schema (Alembic), then load reference data."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from dashboard.core.db import DatabaseUnavailable
from dashboard.core.reference_data import load_reference

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SCHEMA_TOO_NEW = ("База данных создана более новой версией приложения, и эта версия не может с ней работать. "
                  "Обновите приложение (подробности — в журнале сервера).")


class SchemaTooNew(DatabaseUnavailable):
    """The database's schema revision is unknown to this version of the app (a newer one
    upgraded it): nothing is changed, and the message says to update the app."""


SCHEMA_NOT_READY = ("В базе данных нет таблиц приложения или их версия устарела: выполните "
                    "python -m dashboard db upgrade.")


class SchemaNotReady(DatabaseUnavailable):
    """The database has not been brought to this app's schema (empty, or an older revision)."""


def alembic_config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> set[str]:
    """Apply migrations up to ``revision`` and (re)load municipalities and topics; SchemaTooNew
    when the database is at a revision this app does not know. Returns the revisions the
    database was at before (empty: it had no schema)."""
    with engine.begin() as conn:
        cfg = alembic_config(conn)
        before = _known_revisions(conn, ScriptDirectory.from_config(cfg))
        command.upgrade(cfg, revision)
    with engine.begin() as conn:
        load_reference(conn)
    return before


def upgrade_report(before: set[str]) -> str:
    """What ``db upgrade`` did, in Russian: created, upgraded from which revision, or nothing."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if not before:
        return f"Схема базы данных создана (версия {head})."
    if before != {head}:
        return f"Схема базы данных обновлена: версия {', '.join(sorted(before))} → {head}."
    return f"База данных в актуальном состоянии (версия {head})."


def revision(engine: Engine, message: str) -> None:  # pragma: no cover - developer tool
    """Autogenerate a new migration from the difference between schema.py and ``engine``."""
    with engine.begin() as conn:
        command.revision(alembic_config(conn), message=message, autogenerate=True)


def check_current(engine: Engine) -> None:
    """SchemaNotReady unless the database is at this app's schema (SchemaTooNew when newer):
    for the commands that read or write data, which do not upgrade it themselves."""
    with engine.connect() as conn:
        script = ScriptDirectory.from_config(alembic_config(conn))
        current = _known_revisions(conn, script)
    if current != set(script.get_heads()):
        raise SchemaNotReady(SCHEMA_NOT_READY)


def _known_revisions(conn, script: ScriptDirectory) -> set[str]:
    """The database's current revisions; SchemaTooNew when one of them is unknown to this app."""
    current = set(MigrationContext.configure(conn).get_current_heads())
    unknown = sorted(rev for rev in current if _missing(script, rev))
    if unknown:
        log.error("database schema at revision %s, unknown to this app (head %s)",
                  ", ".join(unknown), script.get_current_head())
        raise SchemaTooNew(SCHEMA_TOO_NEW)
    return current


def _missing(script: ScriptDirectory, rev: str) -> bool:
    try:
        return script.get_revision(rev) is None
    except Exception:  # alembic.util.CommandError / ResolutionError: no such revision
        return True
