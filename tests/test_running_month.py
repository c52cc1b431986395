"""The running month on the screens (periods «Ноябрь 2026 (по 28.11)»): the whole calendar
month, compared as the governor's deck for ``--period 2026-11`` compares it — the same
cards, the same change text and the same words under them."""

from __future__ import annotations

from dashboard.core import periods
from dashboard.core.db import make_engine
from dashboard.core.metrics import KPIS, REPORT_CARDS
from dashboard.presentation.reports import content, deck
from dashboard.ui import widgets
from queries import reference
from tests.apptest_utils import assert_ok, run_page
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
