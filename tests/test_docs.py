"""The README and docs must keep up with the code: every CLI command and option, every setting,
every file and function they name."""

import argparse
import importlib
import re
from pathlib import Path

from dashboard.cli import build_parser
from dashboard.core import settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subcommands():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices.items()


def test_every_cli_command_and_option_is_documented():
    for name, sub in _subcommands():
        assert f"python -m dashboard {name}" in README, f"README does not show `{name}`"
        for action in sub._actions:
            for opt in action.option_strings:
                if opt.startswith("--") and opt != "--help":
                    assert opt in README, f"README does not document `{name} {opt}`"


def test_every_setting_is_documented():
    env_vars = set(re.findall(r"``([A-Z][A-Z_]+)``", settings.__doc__)) - {"NORM_HOURS_ALLOWED"}
    assert env_vars, "settings docstring lists the variables"
    for var in env_vars:
        assert f"`{var}`" in README, f"README does not document {var}"


def test_readme_commands_exist():
    for script in re.findall(r"^(scripts/[\w.-]+)", README, re.M):
        assert (ROOT / script).exists(), script
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


# Paths the docs name that exist only on a running installation, and name prefixes.
RUNTIME_PATHS = {".streamlit/secrets.toml", "data/alerts.log", "data/collect.log", "data/cluster"}
DOCS = [README, *(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md")))]


def _named_paths(text: str) -> set[str]:
    """Repository paths a document names (``dashboard/core/settings.py``, ``bench/``), without
    globs (``tests/test_page_*.py``) and the files a running installation makes."""
    found = re.findall(r"(?<![\w/.])((?:dashboard|queries|pages|tests|bench|scripts|deploy|data|docs"
                       r"|\.streamlit|\.ci)/[\w./-]*)(?![\w*])", text)
    tests = {f"tests/{name}" for name in re.findall(r"`(test_\w+\.py)`", text)}
    return {p.rstrip("/.") for p in found} - RUNTIME_PATHS | tests


def _named_objects(text: str) -> set[str]:
    """Dotted names of our code a document quotes: `queries.kpis.same_age`."""
    return set(re.findall(r"`((?:dashboard|queries)(?:\.\w+)+)", text))


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def test_every_path_the_docs_name_exists():
    missing = sorted(p for text in DOCS for p in _named_paths(text) if not (ROOT / p).exists())
    assert not missing, f"README/docs name files that are not there: {missing}"


def test_every_function_the_docs_name_exists():
    missing = sorted(n for text in DOCS for n in _named_objects(text) if not _resolves(n))
    assert not missing, f"README/docs name code that is not there: {missing}"


def _glued_to_a_table(text: str) -> list[str]:
    """Lines of text that follow a table row without a blank line: Markdown reads them as one
    more row of the table, so the paragraph disappears into it."""
    lines = text.splitlines()
    return [line for before, line in zip(lines, lines[1:])
            if before.startswith("|") and line.strip() and not line.startswith("|")]


def test_every_table_ends_before_the_text_after_it():
    glued = [line[:60] for text in DOCS for line in _glued_to_a_table(text)]
    assert not glued, f"text glued to the table above it: {glued}"


def test_the_docs_checks_can_fail():
    assert _glued_to_a_table("| a |\n|---|\n| 1 |\nText.\n\n| b |\n\nMore.") == ["Text."]
    assert _named_paths("see `dashboard/reports/figures.py`, `test_maps.py` and tests/test_page_*.py") == {
        "dashboard/reports/figures.py", "tests/test_maps.py"}
    assert not (ROOT / "dashboard/reports/figures.py").exists()
    assert not _resolves("queries.aggregate.add_kpi") and _resolves("queries.aggregate.add_kpis")
