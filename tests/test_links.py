"""Shared links with parameters that do not fit: a Russian notice and a fallback on every
page, never a traceback; a failing page shows a Russian message, not its traceback."""

from __future__ import annotations

import ast

import pytest

from dashboard.ui import widgets
from tests.apptest_utils import ROOT, new_app
from tests.fixture_data import NOW

REVERSED = {"period": "Свой период", "dates": ["2026-11-15", "2026-11-01"]}
GARBAGE = {"period": "Свой период", "dates": ["2026-13-45", "вчера", "2026-01-01"], "pl": "zz", "mo": "-5",
           "topic": "", "m": "abc", "page": "abc", "metric": "nope", "view": "nope", "sev": "x", "since": "x",
           "q": "'; DROP TABLE page; --", "kind": "x", "mark": "x"}


def navigation() -> dict[str, str]:
    """url_path -> page file, read from the entry point's NAVIGATION literal (every page)."""
    tree = ast.parse((ROOT / "dashboard" / "ui" / "app.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "NAVIGATION" for t in node.targets):
            nav = ast.literal_eval(node.value)
            return {url: file for group in nav.values() for file, _title, url, _icon in group}
    raise AssertionError("NAVIGATION not found")


FILES = navigation()


def open_link(url: str, page: str, query: dict):
    """The app opened at ``page`` with ``query`` as the first visit of a session (as a
    shared link is: the first script run happens on that page)."""
    from streamlit.util import calc_hash

    from tests.apptest_utils import _clear_streamlit_caches

    _clear_streamlit_caches()
    at = new_app(url, query, NOW)
    url_path = {file: path for path, file in FILES.items()}[page]
    # AppTest.switch_page cannot name a page before the first run; st.Page hashes its url_path.
    at._page_hash = calc_hash(url_path)  # the overview's url_path is "" (dashboard/ui/app.py)
    at.run()
    assert at._finished_page_script_hash == at._page_hash, "the app did not open that page"
    return at


def warnings(at) -> list[str]:
    return [w.value for w in at.warning]


def test_every_page_is_listed():
    assert {"", "obrashcheniya", "munitsipalitet", "dannye"} <= set(FILES)


@pytest.mark.parametrize("url_path", list(FILES), ids=lambda u: u or "obzor")
def test_garbage_parameters_never_give_a_traceback(app_db, url_path):
    at = open_link(app_db, FILES[url_path], GARBAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title


@pytest.mark.parametrize("url_path", list(FILES), ids=lambda u: u or "obzor")
def test_reversed_custom_period_gives_a_notice_and_the_swapped_period(app_db, url_path):
    at = open_link(app_db, FILES[url_path], REVERSED)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert ("В ссылке конец периода (01.11.2026) раньше начала (15.11.2026): "
            "показан период с 01.11.2026 по 15.11.2026.") in warnings(at)
    assert "01.11.2026 – 15.11.2026" in [c.value for c in at.sidebar.caption]
    f = at.session_state["filters"]
    assert (f.start.isoformat(), f.end.isoformat()) == ("2026-11-01", "2026-11-15")


def test_dates_outside_the_data_give_a_notice(app_db):
    at = open_link(app_db, "messages.py", {"period": "Свой период", "dates": ["2026-09-15", "2026-09-01"]})
    assert not at.exception and not at.error
    notes = warnings(at)
    assert len(notes) == 1 and notes[0].startswith("Даты в ссылке выходят за пределы данных (с ")


def test_unknown_values_are_named(app_db):
    at = open_link(app_db, "overview.py", {"period": "Вчера и позавчера", "pl": "myspace",
                                           "mo": "Атлантида", "topic": "Космос"})
    assert not at.exception and not at.error
    notes = warnings(at)
    assert notes[0].startswith("В ссылке неизвестный период «Вчера и позавчера»: показан период ")
    assert "В ссылке неизвестное значение «myspace» (параметр «платформа»): оно не учтено." in notes
    assert ("В ссылке неизвестное значение «Атлантида» (параметр «муниципалитет»): оно не учтено, "
            "показаны все муниципалитеты.") in notes
    assert any("«Космос»" in n for n in notes)


def test_valid_link_gives_no_notice(app_db):
    at = open_link(app_db, "messages.py", {"period": "Свой период", "dates": ["2026-11-01", "2026-11-15"]})
    assert not at.exception and not at.error and warnings(at) == []
    f = at.session_state["filters"]
    assert (f.start.isoformat(), f.end.isoformat()) == ("2026-11-01", "2026-11-15")


def test_unknown_municipality_in_a_profile_link_says_so(app_db):
    at = open_link(app_db, "municipality.py", {"m": "999"})
    assert not at.exception and not at.error
    assert warnings(at) == ["В ссылке указан муниципалитет «999», такого нет. Показан муниципалитет, "
                            "выбранный в фильтре; выберите нужный в списке."]


def test_markdown_in_a_link_value_is_shown_literally(app_db):
    at = open_link(app_db, "overview.py", {"period": "![x](http://127.0.0.1:9/x.png)"})
    note = warnings(at)[0]
    assert r"«\!\[x\]\(http\:\/\/127\.0\.0\.1\:9\/x\.png\)»" in note


def test_a_failing_page_shows_a_russian_message_not_a_traceback(app_db, monkeypatch, caplog):
    from queries import kpis

    def broken(*a, **kw):
        raise RuntimeError("/very/secret/path/module.py exploded")

    broken.__module__, broken.__qualname__ = "queries.kpis", "headline_compare"  # widgets.q looks it up
    monkeypatch.setattr(kpis, "headline_compare", broken)
    at = open_link(app_db, "overview.py", {})
    assert not at.exception
    assert [e.value for e in at.error] == [widgets.PAGE_FAILED]
    shown = "\n".join(str(getattr(e, "value", "")) for e in at.main)
    assert "secret" not in shown
    assert "exploded" in caplog.text  # the details are in the server log


def test_config_hides_error_details():
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
