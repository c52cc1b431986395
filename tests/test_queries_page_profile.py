"""queries.page_profile on the fixture (both backends): page 1, November 2026, at NOW."""

from __future__ import annotations

from datetime import date

import pytest

from queries import page_profile
from queries.filters import Norm
from tests.fixture_data import NOW

NOV = (date(2026, 11, 1), date(2026, 11, 30))


def test_card(fixture_engine):
    with fixture_engine.connect() as conn:
        card = page_profile.page_card(conn, 9)
        assert page_profile.page_card(conn, 999) is None
    assert (card["title"], card["platform_label"], card["municipality"], card["verified"], card["subscribers"]) == (
        "Страница 9", "ВКонтакте", "Региональные органы власти", True, 5200)


def test_weekly_page_1(fixture_engine):
    with fixture_engine.connect() as conn:
        weeks = page_profile.weekly(conn, 1, *NOV, Norm(24, "calendar"), now=NOW)
    assert [w.isoformat() for w in weeks["week"]] == [
        "2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"]
    assert list(weeks["partial"]) == [True, False, False, False, False, True]
    assert list(weeks["posts"]) == [15, 0, 0, 14, 0, 16]
    assert list(weeks["subscribers"]) == [1200, 1200, 1200, 1300, 1300, 1400]
    assert list(weeks["messages"]) == [0, 5, 0, 1, 3, 0]
    # Week of 23.11: 17 (open, due), 20 (open, not yet due), 21 (answered in 5 min).
    assert weeks.iloc[4][["answered", "due", "in_norm"]].tolist() == [1, 2, 1]
    # Week of 16.11 (snapshot 16.11): (140 + 7 + 28) / 14 posts / 1 300 subscribers.
    assert weeks.iloc[3]["er"] == pytest.approx(175 / 14 / 1300)
    assert weeks["er"].isna().tolist() == [False, True, True, False, True, False]
    t = page_profile.totals(weeks)
    assert (t["posts"], t["messages"], t["due"], t["in_norm"], t["subscribers"]) == (45, 9, 8, 6, 1400)
    assert t["share_in_norm"] == 0.75
    assert t["er"] == pytest.approx(565 / 45 / 1400)


def test_weekly_working_norm_and_empty_page(fixture_engine):
    with fixture_engine.connect() as conn:
        weeks = page_profile.weekly(conn, 1, *NOV, Norm(8, "working"), now=NOW)
        empty = page_profile.weekly(conn, 10, *NOV, now=NOW)  # closed page: no statistics
    # Working minutes of page 1's answers in the week of 02.11: 30, 90, 200, 240, 600 -> 4 within 8 h.
    assert weeks.iloc[1][["due", "in_norm"]].tolist() == [5, 4]
    assert empty["posts"].sum() == 0 and empty["messages"].sum() == 0
    assert empty["subscribers"].isna().all() and empty["er"].isna().all()
