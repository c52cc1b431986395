"""Pages registry and the compliance check on the fixture (see tests/fixture_data.py)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from queries import REGIONAL, pages
from tests.fixture_data import NOV


def test_registry_all_open_pages(fixture_engine):
    with fixture_engine.connect() as conn:
        df = pages.registry(conn)
        with_closed = pages.registry(conn, include_closed=True)
    assert list(df.columns) == ["page_id", "platform", "platform_label", "title", "url", "organisation",
                                "org_kind", "sector", "municipality_id", "municipality", "verified",
                                "gospubliki", "subscribers", "stats_on", "last_post_at", "opened_on",
                                "closed_on"]
    # Municipality 1, 19 (VK before OK), 31 (мэрия: VK, OK, MAX, Telegram; then the school),
    # regional bodies last. Page 10 is closed.
    assert list(df["page_id"]) == [7, 5, 6, 1, 2, 3, 4, 8, 9]
    assert list(with_closed["page_id"]) == [7, 5, 6, 1, 2, 3, 4, 8, 9, 10]
    p1 = df[df["page_id"] == 1].iloc[0]
    assert (p1["subscribers"], p1["stats_on"]) == (1400, date(2026, 11, 30))
    assert (p1["municipality"], p1["organisation"], p1["org_kind"]) == (
        "город Новосибирск", "Мэрия города Новосибирска", "municipal_admin")
    assert p1["platform_label"] == "ВКонтакте" and bool(p1["verified"])
    assert p1["last_post_at"] == datetime(2026, 11, 27, 5, 0)
    p9 = df[df["page_id"] == 9].iloc[0]
    assert (p9["municipality_id"], p9["municipality"]) == (REGIONAL, "Региональные органы власти")
    p6 = df[df["page_id"] == 6].iloc[0]   # last snapshot 1.10, carried as the latest figure
    assert (p6["subscribers"], p6["stats_on"]) == (100, date(2026, 10, 1))
    p10 = with_closed[with_closed["page_id"] == 10].iloc[0]
    assert pd.isna(p10["subscribers"]) and p10["closed_on"] == date(2026, 10, 20)


def test_registry_filters_and_search(fixture_engine):
    with fixture_engine.connect() as conn:
        ok = pages.registry(conn, NOV.with_(platforms=("ok",)))
        regional = pages.registry(conn, NOV.with_(municipality_ids=(REGIONAL,)), include_closed=True)
        school = pages.registry(conn, search="  ШКОЛА ")
        by_url = pages.registry(conn, search="example.org/ok/", include_closed=True)
        by_title = pages.registry(conn, NOV.with_(municipality_ids=(31,)), search="страница 3")
        nothing = pages.registry(conn, search="нет такой")
    assert list(ok["page_id"]) == [6, 2]
    assert list(regional["page_id"]) == [9, 10]
    assert list(school["page_id"]) == [8]
    assert list(by_url["page_id"]) == [6, 2, 10]
    assert list(by_title["page_id"]) == [3]
    assert nothing.empty and "page_id" in nothing.columns


def test_compliance(fixture_engine):
    # Today 28.11: posts count as recent from 14.11 00:00.
    # 31: administration VK (1) and OK (2), both with госметка, last posts 27.11 and 20.11 -> compliant;
    #     open pages 1, 2, 3, 4, 8 -> 5.
    # 19: VK (5) and OK (6), but 6 has no госметка and last posted 1.11 -> not compliant.
    # 1: VK only -> not compliant.
    with fixture_engine.connect() as conn:
        df = pages.compliance(conn, date(2026, 11, 28))
        later = pages.compliance(conn, date(2026, 12, 10), NOV.with_(municipality_ids=(31, REGIONAL)))
    assert list(df.columns) == ["municipality_id", "name", "has_vk", "has_ok", "verified",
                                "posted_recently", "compliant", "pages_total", "last_post_at"]
    assert len(df) == 35
    rows = df.set_index("municipality_id")
    flags = ["has_vk", "has_ok", "verified", "posted_recently", "compliant"]
    assert list(rows.loc[31, flags]) == [True, True, True, True, True]
    assert list(rows.loc[19, flags]) == [True, True, False, False, False]
    assert list(rows.loc[1, flags]) == [True, False, True, True, False]
    assert list(rows.loc[2, flags]) == [False] * 5
    assert list(rows.loc[[31, 19, 1, 2], "pages_total"]) == [5, 2, 1, 0]
    assert rows.loc[31, "last_post_at"] == datetime(2026, 11, 27, 5, 0)
    assert pd.isna(rows.loc[2, "last_post_at"])
    assert int(df["compliant"].sum()) == 1
    # 10.12: recent means from 26.11; page 2 last posted 20.11. Only 31 is listed.
    assert list(later["municipality_id"]) == [31]
    assert not bool(later["posted_recently"].iloc[0])


def test_registry_of_silent_pages(fixture_engine):
    # Last posts (UTC): 1 27.11 05:00, 2 20.11, 3 27.11 06:00, 4 28.11, 5 25.11, 6 01.11, 7 26.11,
    # 8 24.11, 9 27.11 02:00; 10 (closed 20.10) 19.10.
    from datetime import datetime

    def silent(before, **kw):
        with fixture_engine.connect() as conn:
            rf = pages.RegistryFilter(silent_before=before, **kw)
            return (sorted(pages.registry_page(conn, None, rf, limit=None)["page_id"]),
                    pages.registry_count(conn, None, rf))

    # 14 days before 28.11 in Novosibirsk: since 14.11 00:00 local, 13.11 17:00 UTC.
    assert silent(datetime(2026, 11, 13, 17, 0)) == ([6], 1)
    assert silent(datetime(2026, 11, 13, 17, 0), include_closed=True) == ([6, 10], 2)
    assert silent(datetime(2026, 11, 27, 5, 30)) == ([1, 2, 5, 6, 7, 8, 9], 7)
    assert silent(datetime(2026, 11, 1, 4, 0)) == ([], 0)   # 6's post at 04:00 is not before it
    assert silent(None) == ([1, 2, 3, 4, 5, 6, 7, 8, 9], 9)


def test_a_page_that_never_posted_is_silent(fixture_engine):
    from datetime import datetime

    from sqlalchemy import update

    from dashboard.core import schema

    with fixture_engine.begin() as conn:
        conn.execute(update(schema.page).where(schema.page.c.id == 3).values(last_post_at=None))
    with fixture_engine.connect() as conn:
        found = pages.registry_page(conn, None, pages.RegistryFilter(silent_before=datetime(2026, 11, 13, 17, 0)))
    assert sorted(found["page_id"]) == [3, 6]
