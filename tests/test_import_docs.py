"""The README's import section keeps up with the importer: every column and alias, every topic,
commands that work."""

import re
import shlex
from pathlib import Path

import pytest

from dashboard.cli import main
from dashboard.core.reference_data import TOPICS
from dashboard.writers.importing.columns import SPECS, markdown_table
from dashboard.writers.importing.references import TOPIC_ALIASES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# The section "## Importing ЦУР exports", up to the next second-level heading.
DOC = re.search(r"^## Importing ЦУР exports\n(.*?)(?=^## )", README, re.S | re.M).group(1)


@pytest.mark.parametrize("kind", list(SPECS))
def test_every_column_and_alias_is_documented(kind):
    assert markdown_table(kind) in DOC, f"regenerate the {kind} table in README.md from markdown_table()"


def test_every_topic_and_alias_is_documented():
    for code, name in TOPICS:
        assert f"| «{name}» | `{code}` |" in DOC
        for alias in TOPIC_ALIASES.get(code, ()):
            assert f"«{alias}»" in DOC


def _commands() -> list[list[str]]:
    block = re.search(r"```bash\n(.*?)```", DOC, re.S).group(1)
    return [shlex.split(line.split("-m dashboard", 1)[1]) for line in block.splitlines() if "-m dashboard" in line]


def test_documented_commands_work_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    url = f"sqlite:///{tmp_path / 'doc.db'}"
    commands = _commands()
    assert [c[:2] for c in commands] == [["db", "upgrade"], ["import", "pages"], ["import", "stats"],
                                         ["import", "messages"]]
    for argv in commands:
        assert main(["--database-url", url, *argv]) == 0, argv
    out = capsys.readouterr().out
    shown = re.search(r"Output[^\n]*:\n\n```\n(.*?)```", DOC, re.S).group(1)  # «Output on a new database:»
    for line in shown.splitlines():
        assert line in out
    for argv in commands[1:]:
        assert main(["--database-url", url, *argv]) == 0
    assert capsys.readouterr().out.count("добавлено 0, обновлено 0, без изменений") == 3


@pytest.mark.parametrize("kind", list(SPECS))
def test_every_kind_has_its_choice_help_and_example(kind):
    spec = SPECS[kind]
    assert spec.choice and spec.help.startswith("Одна строка")
    assert (Path(__file__).resolve().parent.parent / "data" / "examples" / spec.example).is_file()


def test_import_kinds_have_one_owner():
    from dashboard.cli import build_parser
    from dashboard.core.schema import IMPORT_KINDS

    assert list(SPECS) == list(IMPORT_KINDS)
    assert [SPECS[k].title for k in SPECS] == ["страницы", "статистика страниц", "сообщения"]
    parser = build_parser()._subparsers._group_actions[0].choices["import"]
    assert next(a for a in parser._actions if a.dest == "kind").choices == ["pages", "stats", "messages"]
