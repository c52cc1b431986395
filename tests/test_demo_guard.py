"""Demo data only when asked: an import or collection into a database that holds demo data
stops unless explicitly told to add to it; ``demo --remove`` gives a clean database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard import cli
from dashboard.core import db, schema
from dashboard.writers import demo
from dashboard.writers.importing import importer

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"
SMALL = dict(years=1, messages_per_year=2000)


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def _is_demo(engine) -> bool:
    with engine.connect() as conn:
        return db.get_meta(conn, schema.META_DEMO) == "1"


@pytest.fixture
def demo_db(sqlite_engine):
    demo.generate(sqlite_engine, seed=1, **SMALL)
    return sqlite_engine


def test_import_into_demo_database_is_refused(demo_db):
    pages_before = _count(demo_db, schema.page)
    result = importer.import_file(demo_db, "pages", EXAMPLES / "pages.csv")
    assert not result.ok
    assert [e.message for e in result.errors] == [importer.DEMO_REFUSED]
    assert "python -m dashboard demo --remove" in result.report()
    assert _count(demo_db, schema.page) == pages_before
    assert _is_demo(demo_db)


def test_add_to_demo_imports_and_keeps_the_label(demo_db):
    pages_before = _count(demo_db, schema.page)
    result = importer.import_file(demo_db, "pages", EXAMPLES / "pages.csv", add_to_demo=True)
    assert result.ok, result.report()
    assert result.added == 12
    assert _count(demo_db, schema.page) == pages_before + 12
    assert _is_demo(demo_db)


def test_import_into_a_real_database_needs_no_flag(sqlite_engine):
    result = importer.import_file(sqlite_engine, "pages", EXAMPLES / "pages.csv")
    assert result.ok and result.added == 12
    assert not _is_demo(sqlite_engine)


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_cli_refuses_then_adds_with_flag(demo_db, capsys):
    url = _url(demo_db)
    assert cli.main(["--database-url", url, "import", "pages", str(EXAMPLES / "pages.csv")]) == 1
    assert "demo --remove" in capsys.readouterr().err
    assert cli.main(["--database-url", url, "import", "pages", str(EXAMPLES / "pages.csv"), "--add-to-demo"]) == 0
    assert "добавлено 12" in capsys.readouterr().out
    assert _is_demo(demo_db)


def test_collect_into_demo_database_is_refused(demo_db, capsys):
    assert cli.main(["--database-url", _url(demo_db), "collect", "vk"]) == 1
    assert "демонстрационные данные, сбор не выполнен" in capsys.readouterr().err


def test_demo_remove_leaves_a_clean_database_for_real_data(demo_db, capsys):
    url = _url(demo_db)
    assert cli.main(["--database-url", url, "demo", "--remove"]) == 0
    assert "Демонстрационные данные удалены" in capsys.readouterr().out
    for table in (schema.organisation, schema.page, schema.page_stats, schema.message, *schema.MSG_ROLLUPS,
                  schema.subs_daily, schema.import_log):
        assert _count(demo_db, table) == 0, table.name
    assert not _is_demo(demo_db)
    assert _count(demo_db, schema.municipality) == 35  # reference data stays
    assert cli.main(["--database-url", url, "import", "pages", str(EXAMPLES / "pages.csv")]) == 0
    assert _count(demo_db, schema.page) == 12


def test_start_sh_does_not_refill_a_database_cleared_by_demo_remove(demo_db, capsys):
    """scripts/start.sh runs «demo --if-empty» at every start: on the database «demo --remove»
    had just emptied for real data it generated the 942 demo pages again."""
    url = _url(demo_db)
    assert cli.main(["--database-url", url, "demo", "--remove"]) == 0
    capsys.readouterr()
    assert cli.main(["--database-url", url, "demo", "--if-empty"]) == 0
    assert capsys.readouterr().out == ("Демонстрационные данные из этой базы удалены (demo --remove): она остаётся "
                                       "пустой для настоящих данных.\n")
    assert _count(demo_db, schema.page) == 0 and not _is_demo(demo_db)
    # asked for explicitly, demo data comes back, and the mark goes: the next remove sets it again
    demo.generate(demo_db, seed=1, **SMALL)
    assert _is_demo(demo_db) and not demo.was_removed(demo_db)


def test_demo_if_empty_fills_a_new_database(sqlite_engine, capsys):
    assert cli.main(["--database-url", _url(sqlite_engine), "demo", "--if-empty", "--years", "1"]) == 0
    assert "Демонстрационные данные созданы" in capsys.readouterr().out
    assert _is_demo(sqlite_engine) and _count(sqlite_engine, schema.page) > 0


def test_demo_remove_never_deletes_real_data(sqlite_engine, capsys):
    importer.import_file(sqlite_engine, "pages", EXAMPLES / "pages.csv")
    assert cli.main(["--database-url", _url(sqlite_engine), "demo", "--remove"]) == 1
    assert "ничего не удалено" in capsys.readouterr().err
    assert _count(sqlite_engine, schema.page) == 12
