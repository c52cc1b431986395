"""Signals read from a database: the hand-built fixture (tests/fixture_data.py) at NOW =
28.11.2026 12:00 UTC, changed step by step; state recorded across consecutive days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import quote_plus

import pandas as pd
from sqlalchemy import insert, select, update

from dashboard.core import schema
from dashboard.core.db import touch_updated
from dashboard.writers import summary
from dashboard.writers.alerts import state
from queries import signals
from tests.fixture_data import NOW, NSK_DISTRICT

NB = "\u00a0"
DAY = timedelta(days=1)


def evaluate(engine, now=NOW):
    with engine.connect() as conn:
        return signals.evaluate(conn, now)


def by_key(found):
    return {s.key: s for s in found}


def test_fixture_signals(fixture_engine):
    found = by_key(evaluate(fixture_engine))
    # Overdue: messages 17 (23.11 10:00 local, in work) and 18 (26.11, new) of Новосибирск;
    # 19 (27.11 20:00) is not yet due, 108 (29.10) is older than the 30 days looked at.
    s = found["overdue:m31"]
    assert s.text == (f"город Новосибирск: 2 обращения без ответа дольше 24{NB}ч, самое старое — "
                      f"5{NB}дн 9{NB}ч (срок эскалации — 3{NB}сут.)")
    assert s.severity == "critical" and s.link == "obrashcheniya?mo=" + quote_plus("город Новосибирск")
    # Page 6 (OK, администрация Новосибирского района): last post 01.11, no госметка.
    assert found["silent:p6"].text == ("«Страница 6» (Одноклассники, Новосибирский район): нет публикаций "
                                       "27 дней, последняя — 01.11.2026")
    assert "no_mark:p6" in found
    # Баганский район has no OK page; 32 municipalities have no pages at all.
    assert found["missing_page:m1"].text.startswith("Баганский район: у администрации нет открытой страницы "
                                                    "в Одноклассниках")
    assert sum(k.startswith("missing_page:") for k in found) == 33
    assert "missing_page:m31" not in found and "missing_page:m19" not in found
    # Nothing else: the fixture is too small for spikes or the norm share, no subscriber fell,
    # data was written 30 minutes ago, no collection failed.
    assert {k.split(":")[0] for k in found} == {"overdue", "silent", "no_mark", "missing_page"}


def test_open_signals_frame(fixture_engine):
    with fixture_engine.connect() as conn:
        df = signals.open_signals(conn, NOW)
    assert df.iloc[0]["key"] == "overdue:m31"  # critical, and overdue is the first kind
    row = df.set_index("key").loc["silent:p6"]
    assert (row["severity_label"], row["kind_label"], row["municipality"], row["page_id"]) == (
        "Внимание", "Нет публикаций", "Новосибирский район", 6)
    # No run recorded them yet: first seen is when the data says the situation began.
    assert row["first_seen"] == datetime(2026, 11, 15, 4, 0)  # last post + 14 days
    assert df.set_index("key").loc["overdue:m31", "first_seen"] == datetime(2026, 11, 23, 3, 0)


def test_unreachable_stale_and_subscriber_drop(fixture_engine):
    with fixture_engine.begin() as conn:
        conn.execute(insert(schema.collect_state), [
            {"source": "vk", "page_id": 5, "run_day": date(2026, 11, 28), "done": True, "fail_runs": 3,
             "cursor": '{"skipped": "закрытое сообщество"}'},
            {"source": "vk", "page_id": 1, "run_day": date(2026, 11, 28), "done": True, "fail_runs": 2,
             "cursor": '{"skipped": "закрытое сообщество"}'}])
        # Page 8 (420 subscribers on 30.11) had 470 on 22.11: −10,6 %.
        conn.execute(insert(schema.page_stats).values(page_id=8, on=date(2026, 11, 22), subscribers=470))
        summary.refresh_subscribers(conn)
    found = by_key(evaluate(fixture_engine, NOW + 3 * DAY))
    assert found["unreachable:p5"].text == ("«Страница 5» (ВКонтакте, Новосибирский район): сбор данных "
                                            "не удался 3 запуска подряд: закрытое сообщество")
    assert "unreachable:p1" not in found
    assert found["subs_drop:p8"].text == ("«Страница 8» (ВКонтакте, город Новосибирск): подписчиков 420 на "
                                          "30.11.2026 против 470 на 22.11.2026 (−10,6 %)")
    assert found["subs_drop:p8"].severity == "warning"
    # Last write 28.11 11:30 UTC; three days later the data is stale.
    assert found["stale:data"].text.startswith(f"Данные не обновлялись 3{NB}дн")


def test_spike_from_daily_summaries(fixture_engine):
    """12 messages of Новосибирский район on Friday 27.11 against none on the 8 Fridays before."""
    with fixture_engine.begin() as conn:
        rows = [{"id": 1000 + i, "platform": "vk", "external_id": f"sp{i}", "page_id": 5,
                 "municipality_id": NSK_DISTRICT, "topic_id": 1, "kind": "comment",
                 "received_at": datetime(2026, 11, 27, 3, i), "received_day": date(2026, 11, 27),
                 "received_hour": 10, "first_response_at": datetime(2026, 11, 27, 4, i),
                 "response_minutes": 60, "response_work_minutes": 60, "status": "answered",
                 "photo_report": False, "satisfaction": None} for i in range(12)]
        conn.execute(insert(schema.message), rows)
        summary.refresh_messages(conn, days=[date(2026, 11, 27)])
    found = by_key(evaluate(fixture_engine))
    assert found["spike:m19"].text == ("Новосибирский район: всплеск обращений — 13 за 27.11.2026 при "
                                       "обычных 0 (медиана 8 предыдущих пятниц), робастный z = 13,0")
    assert found["spike:t1"].text.startswith("Тема «")


def test_state_same_key_next_day_and_resolution(fixture_engine):
    day1 = evaluate(fixture_engine, NOW)
    with fixture_engine.begin() as conn:
        ch1, _ = state.record(conn, day1, NOW)
    assert "overdue:m31" in ch1.opened and not ch1.resolved
    # The next day the same situations keep their keys: nothing is new.
    day2 = evaluate(fixture_engine, NOW + DAY)
    with fixture_engine.begin() as conn:
        ch2, after = state.record(conn, day2, NOW + DAY)
    assert "overdue:m31" in ch2.still_open and "silent:p6" in ch2.still_open
    assert ch2.opened == ["overdue:m19"]  # message 19 (27.11 20:00 local) fell due meanwhile
    assert after["overdue:m31"].first_seen == NOW and after["overdue:m31"].last_seen == NOW + DAY
    # Page 6 posts and gets its госметка, Новосибирск answers its open messages (17, 18 and
    # 20, which would fall due by then): those signals resolve.
    with fixture_engine.begin() as conn:
        conn.execute(update(schema.page).where(schema.page.c.id == 6).values(
            last_post_at=NOW + DAY, verified=True))
        m = schema.message
        conn.execute(update(m).where(m.c.id.in_([17, 18, 20])).values(status="answered",
                                                                  first_response_at=NOW + DAY))
        touch_updated(conn, NOW + DAY)
    day3 = evaluate(fixture_engine, NOW + 2 * DAY)
    with fixture_engine.begin() as conn:
        ch3, _ = state.record(conn, day3, NOW + 2 * DAY)
        st = schema.signal_state
        resolved = dict(conn.execute(select(st.c.key, st.c.resolved_at).where(st.c.resolved_at.is_not(None))).all())
    assert sorted(ch3.resolved) == ["no_mark:p6", "overdue:m31", "silent:p6"]
    assert resolved == {k: NOW + 2 * DAY for k in ch3.resolved}
    # Back again later: reopened under the same key with a new first_seen.
    with fixture_engine.begin() as conn:
        conn.execute(update(schema.page).where(schema.page.c.id == 6).values(verified=False))
    day4 = evaluate(fixture_engine, NOW + 3 * DAY)
    with fixture_engine.begin() as conn:
        ch4, after4 = state.record(conn, day4, NOW + 3 * DAY)
    assert "no_mark:p6" in ch4.opened
    assert (after4["no_mark:p6"].first_seen, after4["no_mark:p6"].resolved_at) == (NOW + 3 * DAY, None)


def test_page_rules_read_only_the_pages_they_can_fire_on(fixture_engine):
    """evaluate narrows the page facts in SQL (70 000 pages country-wide); the signals are the
    same as over every open page, and the pages read are only those that fire."""
    from dashboard.core import signals as rules
    from dashboard.core.settings import get_settings

    s = get_settings()
    with fixture_engine.begin() as conn:
        conn.execute(insert(schema.collect_state), [
            {"source": "vk", "page_id": 5, "run_day": date(2026, 11, 28), "done": True,
             "fail_runs": s.signal_collect_failures, "cursor": "{}"}])
    today = date(2026, 11, 28)
    with fixture_engine.connect() as conn:
        every = signals.page_facts(conn, today)
        few = signals.page_facts(conn, today, silent_before=NOW - timedelta(days=s.signal_silent_days),
                                 min_fail_runs=s.signal_collect_failures)

    def fire(pages):
        return (rules.silent(pages, NOW, s.signal_silent_days, s.tz)
                + rules.unreachable(pages, s.signal_collect_failures) + rules.no_mark(pages))

    assert fire(few) == fire(every)
    assert {p.page_id for p in few} == {5, 6} < {p.page_id for p in every}


def test_subscriber_drop_at_the_threshold_is_read(fixture_engine):
    """A fall of exactly the threshold fires (the SQL narrowing keeps it); a smaller one
    is not read at all."""
    from dashboard.core.settings import get_settings

    pct = get_settings().signal_subs_drop_pct
    assert pct == 5.0
    with fixture_engine.begin() as conn:
        # Page 8: 400 subscribers on 22.11, 380 on 30.11 (its latest snapshot): −5,0 %.
        conn.execute(update(schema.page_stats).where(schema.page_stats.c.page_id == 8,
                                                     schema.page_stats.c.on == date(2026, 11, 30))
                     .values(subscribers=380))
        conn.execute(insert(schema.page_stats).values(page_id=8, on=date(2026, 11, 22), subscribers=400))
        summary.refresh_subscribers(conn)
    with fixture_engine.connect() as conn:
        rows = signals.subs_facts(conn, date(2026, 12, 1), pct)
        assert [(r.page_id, r.subscribers, r.before) for r in rows] == [(8, 380, 400)]
        assert signals.subs_facts(conn, date(2026, 12, 1), 5.1) == []
        assert len(signals.subs_facts(conn, date(2026, 12, 1))) > 1  # unnarrowed: every page a week back
    assert by_key(evaluate(fixture_engine, NOW + 3 * DAY))["subs_drop:p8"].text.endswith("(−5,0 %)")


def test_subscriber_drop_against_each_pages_latest_snapshot_of_the_week_before(fixture_engine):
    """The newest snapshot is 30.11, so a page is compared with its latest snapshot of
    16.11–23.11 (both ends included): an older one in the week with a bigger fall does not
    count, a page without one is left out, and so is a page whose own latest snapshot is
    older than 27.11."""
    ps = schema.page_stats
    with fixture_engine.begin() as conn:
        conn.execute(insert(ps), [
            {"page_id": 1, "on": date(2026, 11, 18), "subscribers": 2000},  # −30 % but not the latest
            {"page_id": 1, "on": date(2026, 11, 21), "subscribers": 1420},  # 1 400 on 30.11: −1,4 %
            {"page_id": 2, "on": date(2026, 11, 17), "subscribers": 600},
            {"page_id": 2, "on": date(2026, 11, 23), "subscribers": 570},   # 540 on 30.11: −5,26 %
            {"page_id": 5, "on": date(2026, 11, 20), "subscribers": 260},   # 220 on 30.11: −15,4 %
            {"page_id": 9, "on": date(2026, 11, 20), "subscribers": 9000},  # latest 16.11: not recent
            {"page_id": 8, "on": date(2026, 11, 24), "subscribers": 900},   # after the week
        ])
        summary.refresh_subscribers(conn)
    today = date(2026, 12, 1)
    with fixture_engine.connect() as conn:
        every = signals.subs_facts(conn, today)
        dropped = signals.subs_facts(conn, today, 5.0)
    assert sorted((r.page_id, r.on, r.subscribers, r.before_on, r.before) for r in every) == [
        (1, date(2026, 11, 30), 1400, date(2026, 11, 21), 1420),
        (2, date(2026, 11, 30), 540, date(2026, 11, 23), 570),
        (3, date(2026, 11, 30), 80, date(2026, 11, 16), 50),
        (5, date(2026, 11, 30), 220, date(2026, 11, 20), 260),
    ]
    assert sorted((r.page_id, r.before) for r in dropped) == [(2, 570), (5, 260)]
    found = {s.key: s for s in evaluate(fixture_engine, NOW + 3 * DAY) if s.kind == "subs_drop"}
    assert sorted(found) == ["subs_drop:p2", "subs_drop:p5"]
    assert (found["subs_drop:p5"].severity, found["subs_drop:p2"].severity) == ("warning", "info")
    assert found["subs_drop:p5"].text == ("«Страница 5» (ВКонтакте, Новосибирский район): подписчиков 220 на "
                                          "30.11.2026 против 260 на 20.11.2026 (−15,4 %)")
    assert found["subs_drop:p2"].text.endswith("на 23.11.2026 (−5,3 %)")


def test_norm_share_facts_equal_the_municipality_breakdown(fixture_engine):
    """norm_share_facts reads only the message sums; its shares and due counts are those of
    breakdowns.by_municipality (the «Карта» figures) for every municipality with messages."""
    from queries.breakdowns import by_municipality
    from queries.filters import Filters, Norm

    norm = Norm()
    recent, before = (date(2026, 11, 21), date(2026, 11, 27)), (date(2026, 10, 24), date(2026, 11, 20))
    with fixture_engine.connect() as conn:
        facts = signals.norm_share_facts(conn, recent, before, norm, NOW)
        cur = by_municipality(conn, Filters(*recent, norm=norm), NOW).set_index("municipality_id")
        prev = by_municipality(conn, Filters(*before, norm=norm), NOW).set_index("municipality_id")
    assert facts and any(x.due_recent > 0 for x in facts)
    for x in facts:
        mid = x.municipality_id or 0
        assert (x.due_recent, x.due_before) == (cur.loc[mid, "due"], prev.loc[mid, "due"])
        for mine, theirs in ((x.share_recent, cur.loc[mid, "share_in_norm"]),
                             (x.share_before, prev.loc[mid, "share_in_norm"])):
            assert (mine is None and pd.isna(theirs)) or mine == theirs


def test_open_signals_builds_silent_pages_by_column_as_the_rule_does(fixture_engine):
    """open_signals draws the silent rule by column (signals.silent_frame); the table is the
    one frame(evaluate(...)) gives: same rows, sentences, first appearances and order —
    equal silences ordered by key («silent:p10» before «silent:p9»), a regional body's
    page, a recorded first appearance, and a page one day short of the rule."""
    p = schema.page
    with fixture_engine.begin() as conn:
        for pid, last in ((1, datetime(2026, 11, 1, 4, 0)),     # 27 days, as page 6
                          (9, datetime(2026, 10, 1, 20, 0)),    # regional body; 02.10 local
                          (7, datetime(2026, 11, 14, 13, 0)),   # 13 days 23 h: not yet
                          (5, datetime(2026, 11, 14, 12, 0))):  # exactly 14 days
            conn.execute(update(p).where(p.c.id == pid).values(last_post_at=last))
        conn.execute(update(p).where(p.c.id == 10).values(closed_on=None, last_post_at=datetime(2026, 11, 1, 4, 0)))
        conn.execute(insert(schema.signal_state).values(
            key="silent:p6", kind="silent", severity="warning", municipality_id=NSK_DISTRICT, page_id=6,
            text="…", link="stranitsa?page=6", first_seen=datetime(2026, 11, 20, 1, 0), last_seen=NOW))
    with fixture_engine.connect() as conn:
        df = signals.open_signals(conn, NOW)
        seen = {"silent:p6": datetime(2026, 11, 20, 1, 0)}
        expected = signals.frame(signals.evaluate(conn, NOW), signals._names(conn), seen, NOW)
    pd.testing.assert_frame_equal(df, expected)
    silent = df[df["kind"] == "silent"]
    assert list(silent["key"]) == ["silent:p9", "silent:p1", "silent:p10", "silent:p6", "silent:p5"]
    row = silent.set_index("key").loc["silent:p9"]
    assert row["text"] == ("«Страница 9» (ВКонтакте, Региональные органы власти): нет публикаций 57 дней, "
                           "последняя — 02.10.2026")
    assert (row["municipality"], pd.isna(row["municipality_id"]), row["link"]) == (
        "Региональные органы власти", True, "stranitsa?page=9")
    assert silent.set_index("key").loc["silent:p6", "first_seen"] == datetime(2026, 11, 20, 1, 0)
    assert silent.set_index("key").loc["silent:p5", "first_seen"] == NOW


def test_attention_counts_and_first_signals_equal_the_whole_table(fixture_engine):
    """signals.attention counts every open signal and draws only each municipality's first
    ones (the silent rule's thousands of pages country-wide), yet for any municipality, and
    for the whole oblast, its counts and first signals are those of open_signals."""
    p = schema.page
    with fixture_engine.begin() as conn:
        for pid, last in ((1, datetime(2026, 11, 1, 4, 0)),     # 27 days, as page 6; key p1 < p6
                          (2, datetime(2026, 11, 5, 4, 0)),     # 23 days
                          (9, datetime(2026, 10, 1, 20, 0)),    # regional body, 57 days
                          (5, datetime(2026, 11, 14, 12, 0))):  # exactly 14 days
            conn.execute(update(p).where(p.c.id == pid).values(last_post_at=last))
    with fixture_engine.connect() as conn:
        every = signals.open_signals(conn, NOW)
        counts, first = signals.attention(conn, NOW, limit=2)
    # Hand-checked: 40 open signals — overdue of город Новосибирск, 33 missing pages, five
    # silent pages (the regional body's 9; Новосибирск's 1 and 2; the district's 6 and 5)
    # and page 6's госметка.
    silent = every[every["kind"] == "silent"]
    assert list(silent["key"]) == ["silent:p9", "silent:p1", "silent:p6", "silent:p2", "silent:p5"]
    assert counts["n"].sum() == len(every) == 40
    by_place = counts.assign(m=counts["municipality_id"].fillna(0)).groupby(["m", "severity"])["n"].sum().to_dict()
    assert by_place == every.groupby([every["municipality_id"].fillna(0), "severity"]).size().to_dict()
    assert {k: v for k, v in by_place.items() if k[0] in (0, 19, 31)} == {
        (0, "warning"): 1, (19, "warning"): 3, (31, "critical"): 1, (31, "warning"): 2}
    groups = every["municipality_id"].fillna(-1).astype(int)
    for wanted in [None, *groups.unique()]:
        mine = every if wanted is None else every[groups == wanted]
        theirs = first if wanted is None else first[first["municipality_id"].fillna(-1).astype(int) == wanted]
        pd.testing.assert_frame_equal(theirs.head(2).reset_index(drop=True), mine.head(2).reset_index(drop=True))
    # Only each municipality's first two are drawn: Новосибирск's silent page 2 (after its
    # overdue signal and page 1) and the district's no_mark:p6 (after pages 6 and 5) are
    # counted, not drawn.
    assert len(first) == 38 and not {"silent:p2", "no_mark:p6"} & set(first["key"])


def test_presence_facts_are_the_compliance_of_the_administrations(fixture_engine):
    """presence_facts reads only the administrations' VK and OK pages; its answer is
    compliance's has_vk / has_ok for every municipality: a closed page does not count, nor
    a school's VK page."""
    from queries.pages import compliance

    p = schema.page
    today = date(2026, 11, 28)
    with fixture_engine.begin() as conn:
        conn.execute(update(p).where(p.c.id == 2).values(closed_on=today))  # Новосибирск's OK page
    with fixture_engine.connect() as conn:
        facts = signals.presence_facts(conn, today)
        comp = compliance(conn, today)
    assert [(x.municipality_id, x.municipality, x.has_vk, x.has_ok) for x in facts] == [
        (int(r.municipality_id), r.name, bool(r.has_vk), bool(r.has_ok)) for r in comp.itertuples()]
    by_id = {x.municipality_id: (x.has_vk, x.has_ok) for x in facts}
    assert len(facts) == 35
    assert (by_id[31], by_id[19], by_id[1], by_id[32]) == ((True, False), (True, True), (True, False), (False, False))
