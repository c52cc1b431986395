"""The command line as the README writes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from dashboard import cli
from dashboard.core import schema
from dashboard.core.db import make_engine

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"


def _pages(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(schema.page)).scalar()
    finally:
        engine.dispose()


def test_database_url_after_the_command(tmp_path, monkeypatch, capsys):
    """«Every command accepts --database-url»: also after the command, where a newcomer puts
    it («import pages FILE --database-url URL»); argparse refused it there in English."""
    default = tmp_path / "default.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{default}")
    url = f"sqlite:///{tmp_path / 'given.db'}"
    assert cli.main(["db", "upgrade", "--database-url", url]) == 0
    assert cli.main(["import", "pages", str(EXAMPLES / "pages.csv"), "--database-url", url]) == 0
    assert "добавлено 12" in capsys.readouterr().out
    assert _pages(url) == 12
    assert not default.exists()


def test_database_url_before_the_command_is_kept():
    parser = cli.build_parser()
    assert parser.parse_args(["--database-url", "sqlite:///a.db", "users", "list"]).database_url == "sqlite:///a.db"
    assert parser.parse_args(["users", "list", "--database-url", "sqlite:///b.db"]).database_url == "sqlite:///b.db"
    assert parser.parse_args(["users", "list"]).database_url is None


def test_db_upgrade_says_what_it_did(tmp_path, capsys):
    """A new file, an older schema and a current one: «в актуальном состоянии» was printed
    for all three, also when every table had just been created."""
    from alembic.script import ScriptDirectory

    from dashboard.core import migrate

    script = ScriptDirectory.from_config(migrate.alembic_config())
    head = script.get_current_head()
    before = script.get_revision(head).down_revision
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert cli.main(["db", "upgrade", "--database-url", url]) == 0
    assert capsys.readouterr().out == f"Схема базы данных создана (версия {head}).\n"
    assert cli.main(["db", "upgrade", "--database-url", url]) == 0
    assert capsys.readouterr().out == f"База данных в актуальном состоянии (версия {head}).\n"

    older = f"sqlite:///{tmp_path / 'older.db'}"
    engine = make_engine(older)
    migrate.upgrade(engine, before)
    engine.dispose()
    assert cli.main(["db", "upgrade", "--database-url", older]) == 0
    assert capsys.readouterr().out == f"Схема базы данных обновлена: версия {before} → {head}.\n"


@pytest.mark.parametrize("argv, said", [
    (["report", "--period", "2026-Q3", "--format", "docx", "--out", "x.docx"],
     "Ошибка: --format: недопустимое значение «docx» (допустимо: 'pptx', 'pdf', 'xlsx')\n"
     "Справка: python -m dashboard report --help\n"),
    (["import", "pages"], "Ошибка: не указаны обязательные аргументы: file\nСправка: python -m dashboard import --help\n"),
    (["demo", "--years", "два"], "Ошибка: --years: ожидалось целое число, указано «два»\n"
                                 "Справка: python -m dashboard demo --help\n"),
    (["users", "list", "--bogus"], "Ошибка: непонятные аргументы: --bogus\nСправка: python -m dashboard --help\n"),
    (["report2"], "Ошибка: неизвестная команда «report2» (допустимо: 'db', 'demo', 'import', 'collect', 'users', "
                  "'report', 'alerts', 'recipients')\nСправка: python -m dashboard --help\n"),
    ([], "Ошибка: не указана команда (список: python -m dashboard --help)\nСправка: python -m dashboard --help\n"),
])
def test_command_line_mistakes_are_explained_in_russian(argv, said, capsys):
    """argparse's own English («error: argument --format: invalid choice: 'docx' (choose from …)»)
    was what a mistyped command printed, in a terminal or a cron log."""
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    assert capsys.readouterr().err == said


def test_help_speaks_russian(capsys):
    with pytest.raises(SystemExit):
        cli.main(["report", "--help"])
    text = capsys.readouterr().out
    assert text.startswith("Использование: python -m dashboard report ")
    assert "параметры:" in text and "показать эту справку" in text
    assert not any(w in text for w in ("usage:", "options:", "show this help"))


def test_imports_from_the_command_line_do_not_load_pandas(tmp_path):
    """pandas is ~75 MB of a process: the import of every kind, from the command line (or a
    collection run, the same importer), leaves it unloaded; the page's tables load it."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    script = (
        "import sys\n"
        "from dashboard.cli import main\n"
        f"assert main(['db', 'upgrade', '--database-url', {url!r}]) == 0\n"
        f"for kind, name in [('pages', 'pages.csv'), ('messages', 'messages.csv'), ('stats', 'stats.xlsx')]:\n"
        f"    assert main(['import', kind, {str(EXAMPLES)!r} + '/' + name, '--database-url', {url!r}]) == 0\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"
    from dashboard.writers.importing import importer  # the page's tables still build
    assert list(importer.columns_frame("pages").columns)[0] == "Столбец"
