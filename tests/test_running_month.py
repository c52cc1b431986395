"""The running month on the screens (periods «Ноябрь 2026 (по 28.11)»): the whole calendar
month, compared as the governor's deck for ``--period 2026-11`` compares it — the same
cards, the same change text and the same words under them."""

from __future__ import annotations

from datetime import date

import pytest

from dashboard.core import periods
from dashboard.core.db import make_engine
from dashboard.core.metrics import KPIS, REPORT_CARDS
from dashboard.presentation.reports import content, deck
from dashboard.ui import widgets
from queries import reference
from tests.apptest_utils import assert_ok, run_page, texts
from tests.fixture_data import NOV, NOW
from tests.test_links import FILES, open_link, warnings


def last_day(url: str):
    engine = make_engine(url)
    with engine.connect() as conn:
        day = reference.data_status(conn).last_day
    engine.dispose()
    return day


def test_running_month_cards_and_line_equal_the_deck(app_db):
    day = last_day(app_db)
    label = periods.preset_labels(day)["this_month"]
    assert label == f"Ноябрь 2026 (по {day:%d.%m})"
    at = run_page(app_db, "pages/overview.py", {"period": label}, now=NOW)
    assert_ok(at)
    f = at.session_state["filters"]
    assert (f.start, f.end) == (NOV.start, NOV.end)
    engine = make_engine(app_db)
    c = content.gather(engine, periods.parse("2026-11"), None, NOV.norm, NOW)
    engine.dispose()
    shown = {name: m for m in at.metric for name in [k.name for k in KPIS.values()] if m.label.endswith(name)}
    on_both = [code for code in REPORT_CARDS if KPIS[code].name in shown]
    assert len(on_both) >= 5
    for code in on_both:
        value, change = deck.kpi_card_lines(c, code)
        card = shown[KPIS[code].name]
        assert (card.value, card.proto.delta or None) == (value, change.text), code
    # «Главное» of the deck prints the cards' values and changes in its sentences.
    said = deck.conclusions(c)
    subs, overdue = shown[KPIS["subscribers"].name], shown[KPIS["overdue"].name]
    assert f"Подписчиков — {subs.value}: {subs.proto.delta} к периоду «октябрь 2026 по 28.10»." in said
    assert any(line.startswith(f"{KPIS['overdue'].name} — {overdue.value} ") for line in said), said
    # The line under the cards: the deck's words (the month to the same day, not 35 days back).
    assert c.change_basis == "к 01.10.2026 – 28.10.2026 (столько же дней)"
    line = [cap.value for cap in at.caption if cap.value.startswith("Изменение — ")]
    assert line and line[0].startswith(f"Изменение — {c.change_basis}. Норма ответа: ")


def test_a_link_of_an_earlier_day_opens_the_running_month(app_db):
    at = open_link(app_db, FILES[""], {"period": "Ноябрь 2026 (по 12.11)"})
    assert_ok(at)
    f = at.session_state["filters"]
    assert (f.start, f.end) == (NOV.start, NOV.end)
    assert not [w for w in warnings(at) if "период" in w]
    assert at.sidebar.selectbox(key=widgets.K_PERIOD).value == "this_month"


def _rows(at, column: str) -> list[list[dict]]:
    """The rows of every chart dataset on the page that has ``column``."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    out = []
    for e in at.get("vega_lite_chart"):
        for d in e.proto.datasets:
            df = convert_arrow_bytes_to_pandas_df(d.data.data)
            if column in df:
                out.append(df.to_dict("records"))
    return out


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/messages.py", "pages/municipality.py"])
def test_days_after_the_data_are_marked_not_drawn_as_zeros(app_db, page):
    """The running November with data to 28.11: the period line says how far the data goes,
    and 29.11 and 30.11 are partial in every series chart (lighter, «неполный день» in the
    legend), as the deck marks them (content.cut_by_the_data) — not two full days of zero."""
    # The fixture holds data to 30.11 and its clock says 28.11 (NOW): the figures go to 28.11.
    assert NOW.date() == date(2026, 11, 28)
    query = {"period": periods.preset_labels(last_day(app_db))["this_month"]}
    at = run_page(app_db, page, query, now=NOW)
    if page == "pages/municipality.py":
        at.sidebar.selectbox(key="mo").set_value(31).run()
    assert_ok(at)
    assert "Период: ноябрь 2026 (данные есть по 28.11.2026)" in texts(at)
    charts = _rows(at, "bucket_kind")
    assert charts, page
    for rows in charts:
        kinds = {}
        for r in rows:
            kinds.setdefault(r["x_label"], set()).add(r["bucket_kind"])
        if "29.11" not in kinds:
            continue  # the topics' weeks: the week of 30.11 is cut by the period already
        assert kinds["29.11"] == kinds["30.11"] == {"неполный день"}, page
        assert kinds["28.11"] == kinds["01.11"] == {"полный день"}, page


def test_a_period_the_data_covers_says_nothing_more(app_db):
    at = run_page(app_db, "pages/overview.py", {"period": "Прошлый месяц"}, now=NOW)
    assert_ok(at)
    assert "Период: октябрь 2026" in texts(at) and "данные есть по" not in texts(at)
    for rows in _rows(at, "bucket_kind"):
        assert not any(r["bucket_kind"].startswith("неполн") for r in rows)


def test_cut_by_the_data_marks_every_key_of_a_late_bucket():
    """A series by platform (a row per bucket and key): every key's row of a bucket after
    the data is partial, the others keep theirs (a week the period cuts stays partial)."""
    import pandas as pd

    from queries import series

    nov = periods.month(2026, 11)
    weeks = [date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 23), date(2026, 11, 30)]
    df = pd.DataFrame({"period": weeks * 2, "key": ["vk"] * 4 + ["ok"] * 4, "messages": [1] * 8,
                       "partial": [True, False, False, True] * 2})
    out = series.cut_by_the_data(df, nov, "week", date(2026, 11, 26))
    assert list(out["partial"]) == [True, False, True, True] * 2
    assert series.cut_by_the_data(df, nov, "week", date(2026, 11, 30)) is df
    assert series.cut_by_the_data(df, nov, "week", None) is df
    assert periods.past_the_data(nov, "day", date(2026, 11, 28)) == {date(2026, 11, 29), date(2026, 11, 30)}


def test_page_profile_weeks_after_the_data_are_partial(app_db):
    """«Профиль страницы» for the running November (figures to 28.11): the week of 23.11
    ends on 29.11, after the data — «неполная неделя», like the week of 30.11 the period cuts."""
    query = {"period": periods.preset_labels(last_day(app_db))["this_month"], "page": "1"}
    at = run_page(app_db, "pages/page_profile.py", query, now=NOW)
    assert_ok(at)
    assert "Период: ноябрь 2026 (данные есть по 28.11.2026)" in texts(at)
    charts = [rows for rows in _rows(at, "kind") if rows and "week_short" in rows[0]]
    assert charts
    for rows in charts:
        kinds = {r["week_short"]: r["kind"] for r in rows}
        assert (kinds["16.11"], kinds["23.11"], kinds["30.11"]) == ("полная неделя", "неполная неделя",
                                                                    "неполная неделя")
