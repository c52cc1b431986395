"""Сигналы, the «Требует внимания» blocks and the recipients page on the fixture at NOW
(28.11.2026 12:00 UTC); the signals themselves are computed in tests/test_signals_db.py."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs

import pandas as pd
from sqlalchemy import select

from dashboard.core import schema
from dashboard.core.db import make_engine
from tests.apptest_utils import assert_ok, run_page, table_with, texts
from tests.fixture_data import NOW

PAGE = "pages/signals.py"
NB = "\u00a0"


def unescaped(at) -> list[str]:
    """Markdown of the page with the escapes of signals_view.plain removed."""
    return [re.sub(r"\\(.)", r"\1", m.value) for m in at.markdown]


def rows(at) -> list[str]:
    """The signal lines shown (badge and sentence), unescaped."""
    return [m for m in unescaped(at) if re.match(r":(red|orange|blue)-badge\[", m)]


def captions(at) -> list[str]:
    return [c.value for c in at.caption if " · впервые " in c.value]


def test_lists_open_signals_with_filters(app_db):
    at = run_page(app_db, PAGE, now=NOW)
    assert_ok(at)
    shown = rows(at)
    # overdue:m31, silent:p6, no_mark:p6 and 33 missing pages: the first 20 of the 34 critical,
    # then the 2 warnings (in their collapsed group).
    assert len(shown) == 22
    assert "Открыто **36** сигналов." in texts(at)
    assert shown[0].startswith(f":red-badge[Критично] город Новосибирск: 2 обращения без ответа дольше 24{NB}ч")
    # No run recorded it yet: first seen is when the oldest message came in (10:00 local).
    assert captions(at)[0] == "Обращения без ответа · город Новосибирск · впервые 23.11.2026 10:00"
    links = [(p.proto.label, p.proto.page) for p in at.get("page_link")]
    assert links[0][0] == "Открыть"

    at.multiselect(key="sev").set_value(["warning"]).run()
    assert [r.split("]")[0] for r in rows(at)] == [":orange-badge[Внимание"] * 2
    assert "Открыто **2** сигнала из 36." in texts(at)
    assert sorted(c.split(" · ")[0] for c in captions(at)) == ["Нет госметки", "Нет публикаций"]
    at.multiselect(key="sev").set_value([]).run()
    at.multiselect(key="kind").set_value(["missing_page"]).run()
    at.selectbox(key="where").set_value("Баганский район").run()
    assert rows(at) == [":red-badge[Критично] Баганский район: у администрации нет открытой страницы в "
                        "Одноклассниках (обязательные платформы)"]
    at.selectbox(key="where").set_value("Все").run()
    at.multiselect(key="kind").set_value([]).run()
    # First seen within the last day: the missing pages and the госметка "began" now (no
    # date in the data); overdue (23.11) and silent (15.11) are older.
    at.selectbox(key="since").set_value("1").run()
    assert {c.split(" · ")[0] for c in captions(at)} == {"Нет обязательной страницы", "Нет госметки"}


def group_rows(expander) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", m.value) for m in expander.markdown
            if re.match(r":(red|orange|blue)-badge\[", m.value)]


def test_signals_grouped_by_severity_critical_open_and_paged(app_db):
    """50 in one list was ~5 900 px at 1366 px: a group per severity, the critical open and the
    rest collapsed, 20 a page in each; every signal is reachable through the pager."""
    from queries import signals

    engine = make_engine(app_db)
    with engine.connect() as conn:
        expected = signals.open_signals(conn, now=NOW)
    engine.dispose()
    counts = expected["severity"].value_counts()
    assert (counts["critical"], counts["warning"]) == (34, 2) and "info" not in counts
    at = run_page(app_db, PAGE, now=NOW)
    assert_ok(at)
    critical_label, warning_label = ":red-badge[Критично] 34 сигнала", ":orange-badge[Внимание] 2 сигнала"
    groups = [(e.label, e.proto.expanded) for e in at.expander if "-badge[" in e.label]
    assert groups == [(critical_label, True), (warning_label, False)]
    critical, warning = (next(e for e in at.expander if e.label == label) for label in (critical_label, warning_label))
    first = group_rows(critical)
    assert len(first) == 20 and all(r.startswith(":red-badge[Критично]") for r in first)
    assert [r.split("]")[0] for r in group_rows(warning)] == [":orange-badge[Внимание"] * 2
    assert "страница 1 из 2 · строки 1–20" in [c.value for c in critical.caption]
    assert "По важности, сначала критичные; по 20 на странице в каждой группе." in texts(at)

    at.number_input(key="signals_page_critical").set_value(2).run()
    critical = next(e for e in at.expander if e.label == critical_label)
    second = group_rows(critical)
    assert len(second) == 14 and not set(first) & set(second)
    assert len(set(first + second + group_rows(warning))) == len(expected) == 36


def test_recorded_first_seen_is_shown(app_db):
    engine = make_engine(app_db)
    with engine.begin() as conn:
        conn.execute(schema.signal_state.insert().values(
            key="silent:p6", kind="silent", severity="warning", municipality_id=19, page_id=6, text="…",
            link="stranitsa?page=6", first_seen=NOW.replace(day=20, hour=1), last_seen=NOW))
    try:
        at = run_page(app_db, PAGE, now=NOW)
        assert "Нет публикаций · Новосибирский район · впервые 20.11.2026 08:00" in captions(at)
        # What «впервые» means, in words, not the name of a command (`alerts`).
        notes = "\n".join(c.value for c in at.caption)
        assert "записан ежедневной проверкой сигналов" in notes and "alerts" not in notes
    finally:
        with engine.begin() as conn:
            conn.execute(schema.signal_state.delete())
        engine.dispose()


def test_attention_blocks(app_db):
    at = run_page(app_db, "pages/overview.py", now=NOW)
    assert_ok(at)
    md = unescaped(at)
    assert "#### Требует внимания" in md
    assert rows(at)[0].startswith(":red-badge[Критично] город Новосибирск: 2 обращения без ответа")
    assert len(rows(at)) == 5  # the top five of 36
    assert "Все сигналы (36)" in [p.proto.label for p in at.get("page_link")]
    assert "Всего открыто 36 · Критично: 34 · Внимание: 2." in texts(at)

    at = run_page(app_db, "pages/municipality.py", now=NOW, query_params={"m": "19"})
    assert_ok(at)
    block = rows(at)
    # Новосибирский район: its OK page 6 (silent, no госметка); no overdue of its own at NOW.
    assert len(block) == 2 and all("Страница 6" in b for b in block)
    assert "Всего открыто 2 · Внимание: 2." in texts(at)


def open_of(url: str, municipality_id: int) -> pd.DataFrame:
    """The signals query's own open signals of one municipality, in its order."""
    from queries import signals

    engine = make_engine(url)
    with engine.connect() as conn:
        df = signals.open_signals(conn, now=NOW)
    engine.dispose()
    return df[df["municipality_id"] == municipality_id]


@contextmanager
def extra_pages(url: str, rows: list[tuple]):
    """Pages (id, platform, organisation, municipality, last post UTC; verified, opened
    01.01.2025) added to the fixture for one test, then removed."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(schema.page.insert(), [
            {"id": pid, "platform": platform, "external_id": f"x{pid}", "url": f"https://example.org/x/{pid}",
             "title": f"Страница {pid}", "organisation_id": org, "municipality_id": mid, "verified": True,
             "gospubliki": True, "opened_on": date(2025, 1, 1), "last_post_at": last_post}
            for pid, platform, org, mid, last_post in rows])
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(schema.page.delete().where(schema.page.c.id.in_([r[0] for r in rows])))
        engine.dispose()


def test_overview_with_one_municipality_shows_its_signals(app_db):
    """«Обзор» filtered to one municipality lists that municipality's open signals (not
    Новосибирск's overdue messages under another district's name), counted as «Сигналы»
    counts them, with a link to «Сигналы» filtered to it."""
    silent = datetime(2026, 10, 1, 5, 0)  # 58 days before NOW: silent (14 days)
    with extra_pages(app_db, [(20 + i, "vk", 2, 19, silent) for i in range(4)]):
        expected = open_of(app_db, 19)  # Новосибирский район: page 6 twice and the four silent pages
        assert len(expected) == 6 and set(expected["severity"]) == {"warning"}
        at = run_page(app_db, "pages/overview.py", now=NOW, query_params={"mo": "Новосибирский район"})
        assert_ok(at)
        body = texts(at)
        assert "Открытые сигналы: Новосибирский район — сейчас, независимо от выбранного периода" in body
        assert "Главные открытые сигналы области" not in body
        assert "Всего открыто 6 · Внимание: 6." in body
        assert rows(at) == [f":orange-badge[Внимание] {t}" for t in expected["text"].head(5)]
        assert not any("город Новосибирск" in r for r in rows(at))
        more = next(p.proto for p in at.get("page_link") if p.proto.label.startswith("Все сигналы"))
        assert (more.label, parse_qs(more.query_string)) == ("Все сигналы (6)", {"where": ["Новосибирский район"]})

        at = run_page(app_db, PAGE, now=NOW, query_params={"where": "Новосибирский район"})
        assert_ok(at)
        assert at.selectbox(key="where").value == "Новосибирский район"
        assert f"Открыто **6** сигналов из {len(open_of(app_db, 19)) + 34}." in texts(at)


def test_overview_with_a_municipality_without_signals_says_so(app_db):
    """Баганский район with its OK page open has no open signal: the block says so in words,
    and the oblast's signals are not listed in its place."""
    with extra_pages(app_db, [(20, "ok", 3, 1, NOW - timedelta(days=1))]):
        assert open_of(app_db, 1).empty
        at = run_page(app_db, "pages/overview.py", now=NOW, query_params={"mo": "Баганский район"})
        assert_ok(at)
        assert "Открытые сигналы: Баганский район — сейчас, независимо от выбранного периода" in texts(at)
        assert [s.value for s in at.success] == ["У муниципалитета «Баганский район» открытых сигналов нет."]
        assert rows(at) == [] and not any(p.proto.label.startswith("Все сигналы") for p in at.get("page_link"))


def test_overview_for_the_regional_bodies_keeps_the_oblast_signals(app_db):
    at = run_page(app_db, "pages/overview.py", now=NOW, query_params={"mo": "Региональные органы власти"})
    assert_ok(at)
    assert "Главные открытые сигналы области — сейчас, независимо от выбранного периода" in texts(at)
    assert "Всего открыто 36 · Критично: 34 · Внимание: 2." in texts(at)


def test_recipients_page_adds_and_validates(app_db):
    at = run_page(app_db, "pages/recipients.py", now=NOW)
    assert_ok(at)
    assert "Получателей пока нет" in texts(at)
    at.text_input(key="r_name").set_value("Дежурный ЦУР")
    at.text_input(key="r_email").set_value("не-адрес")
    at.button[0].click().run()  # the form's submit button
    assert [e.value for e in at.error] == ["Адрес эл. почты 'не-адрес' не похож на адрес (ожидалось имя@домен)."]
    at.text_input(key="r_email").set_value("duty@example.org")
    at.selectbox(key="r_scope").set_value(32)
    at.button[0].click().run()
    assert_ok(at)
    assert "Получатель «Дежурный ЦУР» сохранён." in [s.value for s in at.success]
    row = table_with(at, "Получатель").iloc[0]
    assert (row["Получатель"], row["Сигналы"], row["Эл. почта"], row["Последние сводки"]) == (
        "Дежурный ЦУР", "город Бердск", "duty@example.org", "ещё не отправлялась")
    engine = make_engine(app_db)
    with engine.begin() as conn:
        assert conn.execute(select(schema.alert_recipient.c.municipality_id)).scalar() == 32
        conn.execute(schema.alert_recipient.delete())
    engine.dispose()


def test_method_explains_the_rules(app_db):
    at = run_page(app_db, "pages/method.py", now=NOW)
    assert_ok(at)
    body = texts(at)
    assert "#### Сигналы" in body
    assert ("**Всплеск обращений.** Обращения за последний полный день против того же дня недели за 8 "
            "предыдущих недель") in body
    assert "робастный z = (x − медиана) / (1,4826 × MAD)" in body


def test_signal_links_open_their_screen_filtered(app_db):
    """The link of a signal opens its screen with the filter it names (no «неизвестное значение»)."""
    from urllib.parse import parse_qsl

    from dashboard.ui.signals_view import LINK_PAGES
    from queries import signals

    engine = make_engine(app_db)
    with engine.connect() as conn:
        found = {s.key: s.link for s in signals.evaluate(conn, NOW)}
    engine.dispose()
    for key, title in (("overdue:m31", "Обращения жителей"), ("missing_page:m1", "Баганский район"),
                       ("silent:p6", "Страница 6")):
        path, _, query = found[key].partition("?")
        at = run_page(app_db, f"pages/{LINK_PAGES[path]}", now=NOW, query_params=dict(parse_qsl(query)))
        assert_ok(at)
        assert not at.warning, [w.value for w in at.warning]
        assert at.title[0].value == title
        if key == "overdue:m31":
            assert "город Новосибирск" in texts(at)  # the filter caption names the municipality


def test_roles_see_their_signals_and_pages(signed_in_app):
    at = signed_in_app("nsk@nso.ru", PAGE)
    assert_ok(at)
    # A municipality sees its own signals only: Новосибирск's overdue messages.
    assert [r.split(": ")[0] for r in rows(at)] == [":red-badge[Критично] город Новосибирск"]
    at = signed_in_app("bagan@nso.ru", PAGE)
    assert [r.split(" (")[0] for r in rows(at)] == [
        ":red-badge[Критично] Баганский район: у администрации нет открытой страницы в Одноклассниках"]
    # Page 6 belongs to Новосибирский район: its profile is refused to Новосибирск.
    at = signed_in_app("nsk@nso.ru", "pages/page_profile.py", query_params={"page": "6"})
    assert at.title[0].value == "Нет доступа"
    assert "Профиль этой страницы вам недоступен" in at.error[0].value
    # Recipients are the ЦУР's: leadership and municipalities are refused.
    for email in ("boss@nso.ru", "nsk@nso.ru"):
        at = signed_in_app(email, "pages/recipients.py")
        assert at.title[0].value == "Нет доступа", email
    at = signed_in_app("boss@nso.ru", PAGE)
    # Leadership sees every signal: 36 open, the first 20 critical and the 2 warnings on the first page.
    assert "Открыто **36** сигналов." in texts(at) and len(rows(at)) == 22
