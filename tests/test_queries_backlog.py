"""Overdue messages on the fixture. NOW = Sat 28.11.2026 19:00 local."""

from __future__ import annotations

from datetime import datetime

import pytest

from queries import REGIONAL, Norm, backlog
from tests.fixture_data import NOV, NOW, OCT


def test_overdue_calendar_24h(fixture_engine):
    # Open messages 17 (Mon 23.11 10:00, in work) and 18 (Thu 26.11 10:00, new) are older than
    # 24 h; 19 (Fri 20:00) and 20 (Sat 09:00) are not. Waited 129 h and 57 h, minus the norm.
    with fixture_engine.connect() as conn:
        df = backlog.overdue_messages(conn, NOV, NOW)
    assert list(df.columns) == ["message_id", "platform", "platform_label", "page_title", "page_url",
                                "municipality", "topic", "received_at", "status_label",
                                "hours_overdue", "external_id"]
    assert list(df["message_id"]) == [17, 18]
    first = df.iloc[0]
    assert (first["platform"], first["platform_label"]) == ("vk", "ВКонтакте")
    assert first["page_title"] == "Страница 1"
    assert (first["municipality"], first["topic"]) == ("город Новосибирск", "Дороги")
    assert first["status_label"] == "в работе"
    assert first["received_at"] == datetime(2026, 11, 23, 10, 0)
    assert first["external_id"] == "m17" and first["page_url"] == "https://example.org/vk/1"
    assert df.iloc[1]["status_label"] == "новое" and df.iloc[1]["platform"] == "ok"
    assert list(df["hours_overdue"]) == pytest.approx([129 - 24, 57 - 24])


def test_overdue_other_norms(fixture_engine):
    with fixture_engine.connect() as conn:
        eight = backlog.overdue_messages(conn, NOV.with_(norm=Norm(8, "calendar")), NOW)
        working = backlog.overdue_messages(conn, NOV.with_(norm=Norm(24, "working")), NOW)
        limited = backlog.overdue_messages(conn, NOV.with_(norm=Norm(8, "calendar")), NOW, limit=2)
    # 8 h: all four open messages; 19 waited 23 h, 20 waited 10 h.
    assert list(eight["message_id"]) == [17, 18, 19, 20]
    assert list(eight["hours_overdue"]) == pytest.approx([121, 49, 15, 2])
    # 24 working hours: only 17; it waited Mon 10-18 (8 h) + Tue-Fri (4 × 9 h) = 44 working hours.
    assert list(working["message_id"]) == [17]
    assert working["hours_overdue"].iloc[0] == pytest.approx(44 - 24)
    assert list(limited["message_id"]) == [17, 18]


def test_overdue_filters(fixture_engine):
    with fixture_engine.connect() as conn:
        regional = backlog.overdue_messages(conn, NOV.with_(municipality_ids=(REGIONAL,)), NOW)
        ok = backlog.overdue_messages(conn, NOV.with_(platforms=("ok",)), NOW)
        october = backlog.overdue_messages(conn, OCT, NOW)
    assert regional.empty and list(regional.columns)[0] == "message_id"
    assert list(ok["message_id"]) == [18]
    # 108: Баганский район, Thu 29.10 12:00 -> 30 days 7 h before NOW.
    assert list(october["message_id"]) == [108]
    assert october["municipality"].iloc[0] == "Баганский район"
    assert october["hours_overdue"].iloc[0] == pytest.approx(30 * 24 + 7 - 24)
