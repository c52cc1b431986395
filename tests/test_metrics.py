"""The metric registry (dashboard.core.metrics): formats, rounding, change text and colour,
«мало данных», and that every consumer takes a KPI from it — including one added only to
the registry and its query."""

from __future__ import annotations

import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto

from dashboard.core import metrics
from dashboard.core.metrics import KPI, KPIS, LOW_DATA, REPORT_CARDS, SRC_MSG
from dashboard.core.periods import Period
from dashboard.presentation import charts, maps
from dashboard.presentation.reports import content, deck, xlsx
from dashboard.ui import widgets
from queries import kpis
from tests.apptest_utils import assert_ok, run_page, switch_page, texts
from tests.fixture_data import NOV, NOW

NB = "\u00a0"


# -- formats and changes ----------------------------------------------------------------

@pytest.mark.parametrize("code, x, text", [
    ("messages", 1234567, f"1{NB}234{NB}567"),
    ("share_in_norm", 0.70004, f"70,0{NB}%"),
    ("er", 0.01234, f"1,23{NB}%"),
    ("median_response", 200.4, f"3{NB}ч 20{NB}мин"),
    ("subs_per_1000", 12.35, "12,3"),       # half-even on the binary value, like the format
    ("messages_per_1000", 12.345, "12,35"),
    ("messages", None, "—"),
])
def test_text(code, x, text):
    assert KPIS[code].text(x) == text


def test_one_format_per_kpi_everywhere():
    """The map, the rating columns, the charts and the workbook format a KPI the same way."""
    for column, m in maps.METRICS.items():
        k = KPIS[m.kpi]
        assert charts.METRICS[column] is k
        for x in (0.0, 0.123456, 12.345, 1234.5):
            assert m.format(x) == charts.METRICS[column].format(x) == k.text(x)
    assert xlsx.kcol("messages_per_1000").kind == KPIS["messages_per_1000"].kind == "num2"


@pytest.mark.parametrize("code, cur, prev, text, direction, tone", [
    # Equal once rounded: grey, no arrow, '±' — never '+0,0' green or '−0,0' red.
    ("share_in_norm", 0.70004, 0.70, f"±0,0{NB}п.п.", "flat", "neutral"),
    ("share_in_norm", 0.69996, 0.70, f"±0,0{NB}п.п.", "flat", "neutral"),
    ("share_answered", 0.7049, 0.7051, f"±0,0{NB}п.п.", "flat", "neutral"),  # both print 70,5 %
    ("share_answered", 0.7044, 0.7051, f"−0,1{NB}п.п.", "down", "bad"),      # 70,4 % vs 70,5 %
    ("median_response", 60.4, 59.6, f"±0{NB}мин", "flat", "neutral"),
    ("median_response", 3000, 2950, f"+1{NB}ч", "up", "bad"),              # '2 дн 2 ч' vs '2 дн 1 ч'
    ("overdue", 3, 5, f"−2 (−40,0{NB}%)", "down", "good"),
    ("messages", 120, 100, f"+20 (+20,0{NB}%)", "up", "neutral"),
    ("subs_per_1000", 12.36, 12.26, "+0,1", "up", "good"),
    ("subs_per_1000", 12.349, 12.26, "±0,0", "flat", "neutral"),
])
def test_change_from_shown_values(code, cur, prev, text, direction, tone):
    ch = KPIS[code].change(cur, prev)
    assert (ch.text, ch.direction, ch.tone) == (text, direction, tone)


def test_change_is_the_difference_of_the_printed_values():
    k = KPIS["share_in_norm"]
    for cur, prev in [(0.71249, 0.70051), (0.333333, 0.666666), (0.10049, 0.1)]:
        ch = k.change(cur, prev)
        printed = [float(k.text(x).split(NB)[0].replace(",", ".")) for x in (cur, prev)]
        assert ch.delta == pytest.approx(printed[0] - printed[1])


def test_low_data():
    k = KPIS["share_in_norm"]
    assert k.min_sample == metrics.MIN_SAMPLE == 5
    assert k.text(1.0, sample=4) == LOW_DATA
    assert k.text(1.0, sample=5) == f"100,0{NB}%"
    assert k.text(None, sample=0) == "—"
    assert k.change(1.0, 0.5, cur_sample=4, prev_sample=40).text is None
    assert KPIS["messages"].text(3, sample=1) == "3"      # counts have no sample


def test_registry_is_complete():
    for k in KPIS.values():
        assert k.kind in metrics.KINDS and k.better in ("higher", "lower", "neutral")
        assert k.name and k.short and k.formula and k.unit and k.sums
        assert (k.target is None) == (k.amber is None)
    assert {k.code for k in KPIS.values() if k.target is not None} == {"share_in_norm", "median_response", "overdue"}
    assert set(REPORT_CARDS) <= set(KPIS) and len(REPORT_CARDS) == 8
    assert {k.code for k in KPIS.values() if k.ages} == {
        "share_answered", "share_in_norm", "median_response", "mean_response", "overdue"}


# -- screen and slide print the same ------------------------------------------------------

COLORS = {"green": MetricProto.MetricColor.GREEN, "red": MetricProto.MetricColor.RED,
          "gray": MetricProto.MetricColor.GRAY}


def test_overview_cards_equal_the_report_kpi_slide(app_db, fixture_db):
    """The same filters through «Обзор» and the report's «Главные показатели»: identical
    value text, change text and colour for every KPI on both."""
    from dashboard.core.db import make_engine

    at = run_page(app_db, "pages/overview.py", now=NOW)
    assert_ok(at)
    # A card's label may carry a target status mark before the name.
    shown = {name: m for m in at.metric for name in [k.name for k in KPIS.values()] if m.label.endswith(name)}
    engine = make_engine(fixture_db)
    c = content.gather(engine, Period(NOV.start, NOV.end), None, NOV.norm, NOW)
    engine.dispose()
    on_both = [code for code in REPORT_CARDS if KPIS[code].name in shown]
    assert len(on_both) >= 5
    for code in on_both:
        value, change = deck.kpi_card_lines(c, code)
        card = shown[KPIS[code].name]
        assert card.value == value, code
        assert (card.proto.delta or None) == change.text, code
        assert card.proto.color == COLORS[widgets.TONE_COLORS[change.tone]], code
    # Every report card, through the screen's card builder on the same query results.
    cards = widgets.headline_cards(c.headline, c.headline_prev, REPORT_CARDS)
    for code, card in zip(REPORT_CARDS, cards):
        value, change = deck.kpi_card_lines(c, code)
        assert (card.value, card.delta, card.color) == (value, change.text, widgets.TONE_COLORS[change.tone])
        assert card.label.endswith(KPIS[code].name)


# -- a KPI added only to the registry (and computed by its query) --------------------------

FAKE = KPI("closed_count", "Закрыто без ответа (тест)", "Обращения, закрытые без ответа.", "шт.", "lower",
           SRC_MSG, kind="int", column="closed", sums=("closed",))


@pytest.fixture
def fake_kpi(monkeypatch):
    monkeypatch.setitem(KPIS, FAKE.code, FAKE)
    monkeypatch.setattr(deck, "REPORT_CARDS", (*REPORT_CARDS[:7], FAKE.code))
    return FAKE


def test_a_new_kpi_reaches_cards_method_and_report(fake_kpi, app_db, fixture_sqlite):
    # Its value comes from the headline query's measures (column 'closed').
    with fixture_sqlite.connect() as conn:
        cur, prev = kpis.headline_compare(conn, NOV, NOW)
    assert cur.has(FAKE.code) and cur.value(FAKE.code) == cur.extra["closed"]
    card = widgets.headline_cards(cur, prev, [FAKE.code])[0]
    assert card.label == FAKE.name and card.value == FAKE.text(cur.extra["closed"])
    assert card.help == FAKE.formula

    c = content.gather(fixture_sqlite, Period(NOV.start, NOV.end), None, NOV.norm, NOW)
    slide = deck.kpi_slide(c)
    words = [ln.text for b in slide.blocks if isinstance(b, deck.Text) for ln in b.lines]
    assert FAKE.name in words and FAKE.text(cur.extra["closed"]) in words
    frame, _cols = xlsx.kpi_frame(c)
    assert FAKE.name in list(frame["name"])

    at = run_page(app_db, "pages/overview.py", now=NOW)
    switch_page(at, "pages/method.py")
    at.run()
    assert_ok(at)
    assert FAKE.name in texts(at)


def test_a_topic_narrows_the_kpis_of_messages_only():
    """The cards of pages and subscribers say «все темы» with a topic chosen (KPI.by_topic):
    pages, subscribers and posts have no topic."""
    from dashboard.core.metrics import KPIS

    assert {c for c, k in KPIS.items() if not k.by_topic} == {
        "pages", "subscribers", "subscriber_growth", "subs_per_1000", "posts_per_week", "er"}
    assert KPIS["messages"].by_topic and KPIS["share_in_norm"].by_topic
