"""Texts a Russian user meets on screen: no English labels, and every README section a screen
sends an admin to is a heading of the README (its headings stay English; the screen says in
Russian what is there)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.apptest_utils import assert_ok, run_page, texts
from tests.fixture_data import NOW

ROOT = Path(__file__).resolve().parents[1]
HEADINGS = {m.group(1).strip() for m in re.finditer(r"^#{2,4} (.+)$", (ROOT / "README.md").read_text(encoding="utf-8"), re.M)}
CYRILLIC = re.compile("[А-Яа-яЁё]")


def screen_strings() -> list[tuple[str, str]]:
    """(file, text) of every string literal of pages/ and dashboard/ui/ (adjacent literals joined
    as Python joins them; the literal parts of f-strings)."""
    found = []
    for path in sorted([*ROOT.glob("pages/*.py"), *ROOT.glob("dashboard/ui/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.append((path.name, node.value))
    return found


def test_readme_sections_named_on_screen_are_readme_headings():
    named = {(file, section) for file, s in screen_strings() if "README" in s
             for section in re.findall(r"«([^»]+)»", s[s.index("README"):])}
    assert ("startup.py", "Collection from VK and OK") in named  # the test sees what it checks
    assert {(f, s) for f, s in named if s not in HEADINGS} == set()


def test_recipients_form_is_in_russian(app_db):
    at = run_page(app_db, "pages/recipients.py", now=NOW)
    assert_ok(at)
    labels = {t.key: t.label for t in at.text_input}
    assert labels["r_chat"] == "ID чата в Telegram"
    assert [k for k, label in labels.items() if not CYRILLIC.search(label)] == []
    # As code: a link would stop at «bot» and lead nowhere.
    assert "`https://api.telegram.org/bot<токен бота>/getUpdates`" in at.text_input(key="r_chat").help
    assert ("Подробнее о сигналах и ежедневных сводках — в README, раздел «Signals and daily digests»."
            in texts(at))
    at.text_input(key="r_name").set_value("Дежурный ЦУР")
    at.text_input(key="r_chat").set_value("чат дежурных")
    at.button[0].click().run()  # the form's submit button
    assert [e.value for e in at.error] == [
        "ID чата в Telegram 'чат дежурных': ожидалось число (например -1001234567890) или @имя_канала."]
