"""VK collection against the local fake API: values computed by hand, reruns, resume.

The run happens at 12:00 Novosibirsk time on Friday 20.11.2026 (05:00 UTC) with
``--days 3``: posts and comments from 17.11 on are read; the snapshot dated 20.11
counts posts published from the page's previous snapshot date (or 17.11) to 19.11.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from dashboard.core import schema as S
from dashboard.core.settings import Settings
from dashboard.writers import summary
from dashboard.writers.collect import MissingToken, collect, make_source, run_cli
from dashboard.writers.collect.client import ApiError
from dashboard.writers.collect.runner import CollectionRun
from tests.conftest import BACKENDS, new_database
from tests.fakeapi import FakeApi, FakeClock, serve

TZ = ZoneInfo("Asia/Novosibirsk")
NOW = datetime(2026, 11, 20, 5, 0, tzinfo=timezone.utc)  # 12:00 local, Friday
RUN_DAY = date(2026, 11, 20)


def loc(month: int, day: int, hour: int, minute: int = 0) -> int:
    """Unix time of a Novosibirsk wall-clock time in 2026."""
    return int(datetime(2026, month, day, hour, minute, tzinfo=TZ).timestamp())


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """Naive UTC, the way the database stores times."""
    return datetime(2026, month, day, hour, minute)


def post(pid, when, views=0, likes=0, comments=0, reposts=0, **extra):
    return {"id": pid, "owner_id": 0, "date": when, "text": "", "views": {"count": views},
            "likes": {"count": likes}, "comments": {"count": comments},
            "reposts": {"count": reposts}, **extra}


def comment(cid, from_id, when, text="", replies=(), **extra):
    return {"id": cid, "from_id": from_id, "date": when, "text": text, "replies": list(replies), **extra}


def vk_world() -> FakeApi:
    """Groups 101..107 (see the module docstring of each expectation below)."""
    api = FakeApi(page_size=2)  # forces paging of walls, comments and threads
    api.vk_groups = {
        101: {"id": 101, "name": "Администрация", "screen_name": "adm", "is_closed": 0,
              "members_count": 5000, "verified": 1},
        102: {"id": 102, "name": "Министерство", "screen_name": "min", "is_closed": 0,
              "members_count": 1200, "verified": 0},
        103: {"id": 103, "name": "Школа", "is_closed": 0, "members_count": 300, "verified": 0},
        104: {"id": 104, "name": "DELETED", "deactivated": "deleted", "is_closed": 0},
        105: {"id": 105, "name": "Клуб", "is_closed": 1, "members_count": 40},
        # 106 does not exist; 107 makes every groups.getById that names it fail with 203.
    }
    api.walls = {
        101: [
            post(15, loc(10, 1, 9), views=1000, likes=1, is_pinned=1),  # old, pinned on top
            post(14, loc(11, 20, 10), views=100, likes=10, comments=2, reposts=1),
            post(13, loc(11, 19, 9), views=200, likes=20, comments=14, reposts=2),
            post(12, loc(11, 17, 8), views=300, likes=30, comments=0, reposts=3),
            post(11, loc(11, 16, 12), views=400, likes=40, comments=5, reposts=4),  # before the window
        ],
        102: [post(21, loc(11, 18, 12), views=50, likes=5, comments=1)],
        103: [post(31, loc(11, 19, 12), views=5)],
    }
    api.comments = {
        (101, 14): [
            comment(1001, 501, loc(11, 20, 10, 30), "Когда отремонтируют дорогу на Ленина? Одни ямы", [
                comment(2001, 777, loc(11, 20, 10, 40), "+1"),
                comment(2002, -101, loc(11, 20, 11), "Бригада выехала", attachments=[{"type": "photo"}]),
                comment(2003, -101, loc(11, 20, 11, 30), "Готово"),
            ]),
            comment(1002, -101, loc(11, 20, 10, 5), "Уважаемые жители!"),  # the page itself
        ],
        (101, 13): [
            # 10 residents reply first; the page's answer is the 11th reply (not inline).
            comment(1003, 502, loc(11, 19, 9, 30), "Нет горячей воды в доме третий день",
                    [comment(2100 + i, 600 + i, loc(11, 19, 10, i)) for i in range(1, 11)]
                    + [comment(2111, -101, loc(11, 19, 15, 30), "Аварийная служба работает")]),
            comment(1004, 503, loc(11, 19, 20), "Спасибо за информацию"),
            comment(1005, 504, loc(11, 19, 21), "", deleted=True),
        ],
        (102, 21): [
            comment(1101, 505, loc(11, 18, 13), "Мусор не вывозят с контейнерной площадки",
                    [comment(2201, -102, loc(11, 19, 10), "Передали регоператору")]),
        ],
    }
    api.deny("wall.get", 103, 15)
    api.deny("groups.getById", 107, 203)
    return api


def build_pages(conn) -> dict[str, int]:
    """Registry: VK pages for groups 101..108 (108 closed in the registry) and one OK page."""
    org_mun = conn.execute(insert(S.organisation).values(
        name="Администрация Бердска", kind="municipal_admin", municipality_id=2)).inserted_primary_key[0]
    org_reg = conn.execute(insert(S.organisation).values(
        name="Министерство цифрового развития", kind="regional", municipality_id=None)).inserted_primary_key[0]
    ids = {}
    for gid, org, mun, closed in [(101, org_mun, 2, None), (102, org_reg, None, None),
                                  (103, org_mun, 2, None), (104, org_mun, 2, None),
                                  (105, org_mun, 2, None), (106, org_mun, 2, None),
                                  (107, org_mun, 2, None), (108, org_mun, 2, date(2026, 11, 1))]:
        ids[f"vk{gid}"] = conn.execute(insert(S.page).values(
            platform="vk", external_id=str(gid), url=f"https://vk.com/club{gid}", title=f"Группа {gid}",
            organisation_id=org, municipality_id=mun, closed_on=closed)).inserted_primary_key[0]
    ids["ok"] = conn.execute(insert(S.page).values(
        platform="ok", external_id="5001", url="https://ok.ru/group/5001", title="ОК",
        organisation_id=org_mun, municipality_id=2)).inserted_primary_key[0]
    # Group 102 already has a snapshot from yesterday: its flows window starts on 19.11.
    conn.execute(insert(S.page_stats).values(page_id=ids["vk102"], on=date(2026, 11, 19),
                                             subscribers=1150, posts=3))
    summary.refresh_subscribers(conn)  # as every writer does: the summaries match the raw rows
    return ids


def settings_for(api: FakeApi) -> Settings:
    return Settings(vk_api_url=api.vk_url, vk_token="test-token", display_tz="Asia/Novosibirsk")


def run_vk(engine, api, clock=None, now=NOW, days=3):
    clock = clock or FakeClock()
    return collect(engine, "vk", days=days, settings=settings_for(api), now=now,
                   sleep=clock.sleep, clock=clock)


def messages(conn) -> dict[str, tuple]:
    m, t = S.message, S.topic
    rows = conn.execute(
        select(m.c.external_id, m.c.page_id, m.c.municipality_id, t.c.code, m.c.received_at,
               m.c.first_response_at, m.c.response_minutes, m.c.response_work_minutes, m.c.status,
               m.c.photo_report, m.c.received_day, m.c.received_hour)
        .join_from(m, t, m.c.topic_id == t.c.id).where(m.c.platform == "vk"))
    return {r[0]: tuple(r[1:]) for r in rows}


def stats(conn) -> dict[tuple, tuple]:
    ps = S.page_stats
    return {(r.page_id, r.on): (r.subscribers, r.posts, r.views, r.likes, r.comments, r.reposts)
            for r in conn.execute(select(ps))}


@pytest.fixture
def world(engine):
    with engine.begin() as conn:
        ids = build_pages(conn)
    with serve(vk_world()) as api:
        yield engine, api, ids


def expected_messages(ids):
    p1, p2 = ids["vk101"], ids["vk102"]
    return {
        # 10:30 → 11:00 on a Friday: 30 calendar and 30 working minutes; the reply has a photo.
        "101_14_1001": (p1, 2, "roads", utc(11, 20, 3, 30), utc(11, 20, 4), 30, 30, "answered", True,
                        date(2026, 11, 20), 10),
        # 09:30 → 15:30 Thursday, found by reading the whole thread (11th reply).
        "101_13_1003": (p1, 2, "heat_water", utc(11, 19, 2, 30), utc(11, 19, 8, 30), 360, 360,
                        "answered", False, date(2026, 11, 19), 9),
        "101_13_1004": (p1, 2, "other", utc(11, 19, 13), None, None, None, "new", False,
                        date(2026, 11, 19), 20),
        # Wed 13:00 → Thu 10:00: 21 h calendar; working 13-18 Wed (300) + 9-10 Thu (60).
        "102_21_1101": (p2, None, "waste", utc(11, 18, 6), utc(11, 19, 3), 1260, 360, "answered", False,
                        date(2026, 11, 18), 13),
    }


def register_vk_pages(engine, n: int) -> None:
    """``n`` VK pages (club5000, club5001, …) of one administration in municipality 2."""
    with engine.begin() as conn:
        org = conn.execute(insert(S.organisation).values(
            name="Администрация", kind="municipal_admin", municipality_id=2)).inserted_primary_key[0]
        conn.execute(insert(S.page), [
            {"platform": "vk", "external_id": str(5000 + i), "url": f"https://vk.com/club{5000 + i}",
             "title": f"Страница {i}", "organisation_id": org, "municipality_id": 2, "verified": False,
             "gospubliki": True} for i in range(n)])


def test_run_collects_expected_figures(world):
    engine, api, ids = world
    api.fail("groups.getById", 6)
    api.fail("wall.get", 29)
    api.drop("wall.getComments")
    api.fail("wall.getComments", 9)
    clock = FakeClock()
    report = run_vk(engine, api, clock)

    with engine.connect() as conn:
        assert stats(conn) == {
            # 101: posts 13 (19.11) and 12 (17.11); 14 is today's, 11 before the window.
            (ids["vk101"], RUN_DAY): (5000, 2, 500, 50, 14, 5),
            # 102: previous snapshot 19.11, so its post of 18.11 is not counted again.
            (ids["vk102"], date(2026, 11, 19)): (1150, 3, 0, 0, 0, 0),
            (ids["vk102"], RUN_DAY): (1200, 0, 0, 0, 0, 0),
        }
        assert messages(conn) == expected_messages(ids)
        pages = {r.id: r for r in conn.execute(select(S.page))}
        assert pages[ids["vk101"]].verified is True
        assert pages[ids["vk101"]].last_post_at == utc(11, 20, 3)
        assert pages[ids["vk101"]].last_subscribers == 5000
        assert pages[ids["vk101"]].last_stats_on == RUN_DAY
        assert pages[ids["vk102"]].verified is False
        assert pages[ids["vk102"]].last_post_at == utc(11, 18, 5)

        md = S.msg_daily
        assert conn.execute(select(func.sum(md.c.n_received), func.sum(md.c.n_answered),
                                   func.sum(md.c.sum_resp_min))).one() == (4, 3, 30 + 360 + 1260)
        sd = S.subs_daily
        assert {(r.municipality_id, r.n_pages, r.subscribers, r.posts, r.views) for r in conn.execute(
            select(sd).where(sd.c.on == RUN_DAY, sd.c.platform == "vk"))} == {
            (2, 1, 5000, 2, 500), (None, 1, 1200, 0, 0)}
        log = conn.execute(select(S.import_log)).one()
        assert (log.kind, log.status, log.rows_added, log.rows_updated, log.rows_rejected) == (
            "collect-vk", "ok", 2 + 4, 0, 5)
        assert conn.execute(select(func.count()).select_from(S.collect_state)).scalar() == 7

    # Each failure was retried with exponential backoff: 6 and 29 after 1 s each; the first
    # wall.getComments was dropped (1 s), then its retry hit error 9 (2 s).
    assert clock.backoffs() == [1, 1, 1, 2]
    # The registry-closed page 108 and the OK page were never asked for.
    assert not any("108" in str(params) for _, params in api.calls)

    assert (len(report.done), len(report.skipped)) == (2, 5)
    reasons = {r.target.external_id: r.skipped for r in report.skipped}
    assert "ошибка VK 15" in reasons["103"]
    assert "удалено" in reasons["104"]
    assert "закрытое" in reasons["105"]
    assert "не найдено" in reasons["106"]
    assert "ошибка VK 203" in reasons["107"]
    text = report.text()
    assert "Сбор ВКонтакте за 20.11.2026: страниц 7, собрано 2, пропущено 5." in text
    assert "Сообщения: новых 4, обновлено 0, без изменений 0." in text
    assert "Группа 107: доступ к сообществу запрещён" in text


def test_requests_follow_paging(world):
    engine, api, _ids = world
    run_vk(engine, api)
    walls = [(int(p["owner_id"]), int(p["offset"])) for m, p in api.calls if m == "wall.get"]
    # page_size 2: group 101 is read at offsets 0, 2, 4 and stops at post 11 (too old);
    # the pages are read side by side, so their calls interleave.
    assert [w for w in walls if w[0] == -101] == [(-101, 0), (-101, 2), (-101, 4)]
    assert sorted(walls) == [(-103, 0), (-102, 0), (-101, 0), (-101, 2), (-101, 4)]
    threads = [int(p["offset"]) for m, p in api.calls
               if m == "wall.getComments" and p.get("comment_id") == "1003"]
    assert threads == [0, 2, 4, 6, 8, 10]  # 11 replies, 2 per request
    get_comments = [p for m, p in api.calls if m == "wall.getComments"]
    assert all(p["v"] == "5.199" and p["access_token"] == "test-token" for p in get_comments)
    assert {p["post_id"] for p in get_comments} == {"14", "13", "21"}  # posts 12 and 15 have no comments


def test_second_run_same_day_adds_nothing(world):
    engine, api, ids = world
    run_vk(engine, api)
    with engine.connect() as conn:
        before = (stats(conn), messages(conn))
    n_calls = len(api.calls)
    report = run_vk(engine, api)
    with engine.connect() as conn:
        assert (stats(conn), messages(conn)) == before
        assert conn.execute(select(func.count()).select_from(S.import_log)).scalar() == 2
    assert len(api.calls) == n_calls  # nothing left to ask
    assert (report.done_earlier, len(report.results)) == (7, 0)
    assert "уже собрано ранее сегодня 7" in report.text()
    assert "Группа 104: сообщество удалено или заблокировано (deleted) (ранее сегодня)" in report.text()


def test_next_day_counts_new_flows_and_late_reply(world):
    engine, api, ids = world
    run_vk(engine, api)
    api.vk_groups[101]["members_count"] = 5100
    api.comments[(101, 13)][1]["replies"] = [comment(2301, -101, loc(11, 20, 11, 15), "Ответ")]
    api.walls[101][2]["comments"]["count"] = 15  # VK counts the reply in the post's comments
    n_calls = len(api.calls)
    report = run_vk(engine, api, now=NOW + timedelta(days=1))

    with engine.connect() as conn:
        got = stats(conn)
        # Window 20.11 (previous snapshot) .. 20.11: only post 14.
        assert got[(ids["vk101"], date(2026, 11, 21))] == (5100, 1, 100, 10, 2, 1)
        assert got[(ids["vk102"], date(2026, 11, 21))] == (1200, 0, 0, 0, 0, 0)
        msgs = messages(conn)
        assert len(msgs) == 4
        # Thu 20:00 → Fri 11:15: 915 calendar minutes, 135 working (Fri 09:00-11:15).
        assert msgs["101_13_1004"][4:8] == (utc(11, 20, 4, 15), 915, 135, "answered")
        assert msgs["101_14_1001"] == expected_messages(ids)["101_14_1001"]
        md = S.msg_daily
        assert conn.execute(select(md.c.n_answered).where(
            md.c.day == date(2026, 11, 19), md.c.topic_id == select(S.topic.c.id).where(
                S.topic.c.code == "other").scalar_subquery())).scalar() == 1
    # Only post 13 (its count went from 14 to 15) is read again; 14 and 21 kept their counts.
    assert {p["post_id"] for m, p in api.calls[n_calls:] if m == "wall.getComments"} == {"13"}
    assert (report.total("messages_added"), report.total("messages_updated"),
            report.total("messages_unchanged")) == (0, 1, 1)
    assert ("Публикации с комментариями: прочитано 1, без новых комментариев 2 (не запрашивались)."
            in report.text())


def test_message_summaries_take_the_change_of_the_rows_collected(world):
    """The collector adds what it writes to the message summaries (the delta of new comments
    and of replies found later), reading no stored message to rebuild them; the summaries
    equal a full rebuild after the first run and after a late reply the next day."""
    from tests.test_import_db import assert_summaries_match_a_full_rebuild
    from tests.test_write_cost import Statements

    engine, api, ids = world
    with Statements(engine) as st:
        run_vk(engine, api)
    assert st.count("INSERT INTO msg_daily", "FROM message") == 0
    assert st.count("INSERT INTO tmp_message_delta") > 0
    assert_summaries_match_a_full_rebuild(engine)
    api.comments[(101, 13)][1]["replies"] = [comment(2301, -101, loc(11, 20, 11, 15), "Ответ")]
    api.walls[101][2]["comments"]["count"] = 15
    with Statements(engine) as st:
        report = run_vk(engine, api, now=NOW + timedelta(days=1))
    assert report.total("messages_updated") == 1
    assert st.count("INSERT INTO msg_daily", "FROM message") == 0
    with engine.connect() as conn:
        md = S.msg_daily
        assert conn.execute(select(func.sum(md.c.n_received), func.sum(md.c.n_answered),
                                   func.sum(md.c.n_open))).one() == (4, 4, 0)
    assert_summaries_match_a_full_rebuild(engine)


def post_state(conn) -> dict[tuple[int, str], int]:
    ps = S.post_state
    return {(r.page_id, r.post_id): r.comments for r in conn.execute(select(ps))}


def test_comment_counts_read_are_kept_and_old_posts_forgotten(world):
    engine, api, ids = world
    api.deny("wall.getComments", 102, 212)  # comments of 102's post hidden this time
    report = run_vk(engine, api)
    with engine.connect() as conn:
        # Posts with comments in the window whose comments were read in full; post 12 has none.
        assert post_state(conn) == {(ids["vk101"], "14"): 2, (ids["vk101"], "13"): 14}
        assert {r.read_at for r in conn.execute(select(S.post_state))} == {utc(11, 20, 5)}
    assert "Публикации с комментариями: прочитано 2, без новых комментариев 0" in report.text()

    # Next day: 102's comments can be read and are (never read before); 101's are unchanged.
    del api._deny[("wall.getComments", "102")]
    n_calls = len(api.calls)
    run_vk(engine, api, now=NOW + timedelta(days=1))
    assert {(p["owner_id"], p["post_id"]) for m, p in api.calls[n_calls:] if m == "wall.getComments"} == {
        ("-102", "21")}
    with engine.connect() as conn:
        assert post_state(conn) == {(ids["vk101"], "14"): 2, (ids["vk101"], "13"): 14, (ids["vk102"], "21"): 1}
        assert messages(conn)["102_21_1101"] == expected_messages(ids)["102_21_1101"]

    # Four days on (window from 20.11): posts 13 (19.11) and 21 (18.11) are forgotten;
    # post 14's comments were deleted (count 0): recorded, so that new ones are noticed.
    api.walls[101][1]["comments"]["count"] = 0
    run_vk(engine, api, now=NOW + timedelta(days=3))
    with engine.connect() as conn:
        assert post_state(conn) == {(ids["vk101"], "14"): 0}


def test_second_run_reads_only_posts_with_new_comments(sqlite_engine):
    """140 pages, each with a commented post: the first run reads every post's comments, the
    next day's run only those of the 3 posts that got a new comment (requests are counted,
    as the run report gives them)."""
    register_vk_pages(sqlite_engine, 140)
    today = datetime.now(timezone.utc)
    with serve(FakeApi(auto=True)) as api:
        first = collect(sqlite_engine, "vk", settings=settings_for(api), now=today, sleep=FakeClock().sleep)
        assert api.requests == ["groups.getById"] + ["execute"] * 12
        assert first.requests == 13
        # The page answers the open comment on three pages: VK's count of the post goes 3 → 4.
        for gid in (5003, 5050, 5100):
            post = next(p for p in api.walls[gid] if p["id"] == 1)
            post["comments"]["count"] += 1
            api.comments[(gid, 1)][1]["replies"] = [
                {"id": 13, "from_id": -gid, "date": int(today.timestamp()) - 60, "text": "Вывезут завтра"}]
        n_calls, n_requests = len(api.calls), len(api.requests)
        second = collect(sqlite_engine, "vk", settings=settings_for(api), now=today + timedelta(days=1),
                         sleep=FakeClock().sleep)
        inner = api.methods()[n_calls:]
        assert (inner.count("wall.get"), inner.count("wall.getComments")) == (140, 3)
        # groups.getById, then 140 + 3 calls in ceil(143 / 25) = 6 execute requests (a comment call
        # joins the first request after its page's wall.get: none of these three is in the last one)
        assert api.requests[n_requests:] == ["groups.getById"] + ["execute"] * 6
    assert second.requests == 7
    text = second.text().replace("\xa0", " ")
    assert "Запросов к API: 7 (0,05 на страницу)." in text
    assert "Публикации с комментариями: прочитано 3, без новых комментариев 137 (не запрашивались)." in text
    assert "Сообщения: новых 0, обновлено 3, без изменений 3." in text
    with sqlite_engine.connect() as conn:
        m = S.message
        assert conn.execute(select(func.count()).select_from(m).where(m.c.status == "answered")).scalar() == 143


def _snapshot(engine) -> dict[str, list]:
    """Table contents that must not depend on how the run was split (ids left out)."""
    out = {}
    with engine.connect() as conn:
        for table in (S.page, S.page_stats, S.message, S.msg_daily, S.subs_daily, S.collect_state, S.post_state,
                      S.meta):
            cols = [c for c in table.c if not (c.name == "id" and table.name in ("message", "msg_daily", "subs_daily"))]
            out[table.name] = sorted((tuple(r) for r in conn.execute(select(*cols))), key=repr)
    return out


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("backend", BACKENDS)
def test_interrupted_run_resumed_equals_clean_run(backend, tmp_path):
    engines = {}
    for name in ("clean", "split"):
        (tmp_path / name).mkdir()
        engines[name] = new_database(backend, tmp_path / name)
    try:
        for eng, _ in engines.values():
            with eng.begin() as conn:
                build_pages(conn)
        clean, split = engines["clean"][0], engines["split"][0]
        with serve(vk_world()) as api:
            run_vk(clean, api)
        with serve(vk_world()) as api:
            source = make_source("vk", settings_for(api), sleep=FakeClock().sleep)
            run = CollectionRun(split, source, days=3, tz=TZ, now=NOW)
            with pytest.raises(Interrupted):
                for i, _result in enumerate(run.pages(), start=1):
                    if i == 2:
                        raise Interrupted
            with split.connect() as conn:  # the two finished pages are kept
                assert len(stats(conn)) == 3 and len(messages(conn)) == 4
            resumed = run_vk(split, api)
        assert resumed.done_earlier == 2 and len(resumed.results) == 5
        assert _snapshot(split) == _snapshot(clean)
    finally:
        for _eng, cleanup in engines.values():
            cleanup()


def test_run_killed_before_finish_is_repaired_by_next_run(world):
    """subs_daily is rebuilt at the end of a run; a run that never finished leaves a marker."""
    engine, api, ids = world
    source = make_source("vk", settings_for(api), sleep=FakeClock().sleep)
    run = CollectionRun(engine, source, days=3, tz=TZ, now=NOW)
    for _ in run.pages():
        pass  # no finish(): as if killed right after the last page
    sd = S.subs_daily
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sd).where(sd.c.on == RUN_DAY)).scalar() == 0
    run_vk(engine, api, now=NOW + timedelta(days=1))
    with engine.connect() as conn:
        assert conn.execute(select(sd.c.subscribers).where(
            sd.c.on == RUN_DAY, sd.c.municipality_id == 2)).scalar() == 5000


def test_network_failure_stops_run_and_keeps_finished_pages(world):
    engine, api, ids = world
    api.drop("wall.get", times=1)  # one drop is retried...
    api.fail("wall.getComments", 6, times=3)  # ...but 3 rate-limit errors exceed retries=2
    clock = FakeClock()
    source = make_source("vk", settings_for(api), sleep=clock.sleep, clock=clock, retries=2)
    run = CollectionRun(engine, source, days=3, tz=TZ, now=NOW)
    with pytest.raises(ApiError) as exc:
        list(run.pages())
    assert "ошибка API 6" in str(exc.value)
    assert clock.backoffs() == [1, 1, 2]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(S.collect_state)).scalar() == 0
        assert stats(conn) == {(ids["vk102"], date(2026, 11, 19)): (1150, 3, 0, 0, 0, 0)}


def test_missing_token_is_a_clear_error():
    with pytest.raises(MissingToken, match="VK_TOKEN"):
        make_source("vk", Settings())
    with pytest.raises(MissingToken, match="OK_APPLICATION_KEY, OK_SECRET_KEY"):
        make_source("ok", Settings(ok_access_token="t"))


class _Args:
    def __init__(self, source, days=3):
        self.source, self.days = source, days


def test_cli_without_token_exits_2(sqlite_engine, monkeypatch, capsys):
    monkeypatch.setattr("dashboard.writers.collect.get_settings", lambda: Settings())
    assert run_cli(sqlite_engine, _Args("vk")) == 2
    assert "не задан токен VK" in capsys.readouterr().err


def test_cli_bad_days_exits_2(sqlite_engine, monkeypatch, capsys):
    monkeypatch.setattr("dashboard.writers.collect.get_settings", lambda: Settings(vk_token="x"))
    assert run_cli(sqlite_engine, _Args("vk", days=0)) == 2
    assert "--days 0" in capsys.readouterr().err


def test_cli_runs_with_progress_and_summary(sqlite_engine, monkeypatch, capsys):
    monkeypatch.setattr("dashboard.writers.users.getpass.getuser", lambda: "ivanov")
    with sqlite_engine.begin() as conn:
        ids = build_pages(conn)
    with serve(vk_world()) as api:
        monkeypatch.setattr("dashboard.writers.collect.get_settings",
                            lambda: Settings(vk_api_url=api.vk_url, vk_token="t", collect_rate=1000))
        assert run_cli(sqlite_engine, _Args("vk")) == 0
    out, err = capsys.readouterr()
    assert "Сбор ВКонтакте" in err and "7/7" in err  # the progress bar
    assert "собрано 2, пропущено 5" in out
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(S.page.c.last_subscribers).where(
            S.page.c.id == ids["vk101"])).scalar() == 5000
        # The run is in the import history with who started it (dashboard.writers.users.cli_actor).
        assert conn.execute(select(S.import_log.c.kind, S.import_log.c.user)).all() == [
            ("collect-vk", "командная строка: ivanov")]


def test_cli_reports_api_failure(sqlite_engine, monkeypatch, capsys):
    with sqlite_engine.begin() as conn:
        build_pages(conn)
    with serve(vk_world()) as api:
        api.fail("groups.getById", 5)  # authorisation failed: not retried
        monkeypatch.setattr("dashboard.writers.collect.get_settings",
                            lambda: Settings(vk_api_url=api.vk_url, vk_token="t", collect_rate=1000))
        assert run_cli(sqlite_engine, _Args("vk")) == 1
    err = capsys.readouterr().err
    assert "ошибка API 5" in err and "продолжит" in err


def test_fake_server_invents_groups_for_the_docs_example(sqlite_engine):
    """The README's collection section runs `python -m tests.fakeapi`: it must answer for any registered id."""
    with sqlite_engine.begin() as conn:
        ids = build_pages(conn)
    with serve(FakeApi(auto=True)) as api:
        report = collect(sqlite_engine, "vk", settings=settings_for(api), sleep=FakeClock().sleep)
    assert (len(report.done), len(report.skipped)) == (7, 0)
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(S.page.c.last_subscribers).where(
            S.page.c.id == ids["vk101"])).scalar() == 1101
        statuses = sorted(s for (s,) in conn.execute(select(S.message.c.status)))
    assert statuses == ["answered"] * 7 + ["new"] * 7


def test_failed_runs_in_a_row_are_counted(world):
    """collect_state.fail_runs: +1 per day a page cannot be read, once per day, 0 after a success
    (the «silent page» signal reads it)."""
    engine, api, ids = world

    def streaks():
        cs = S.collect_state
        with engine.connect() as conn:
            return dict(conn.execute(select(cs.c.page_id, cs.c.fail_runs).where(cs.c.source == "vk")).all())

    run_vk(engine, api)
    run_vk(engine, api)  # the same day again: nothing is counted twice
    assert (streaks()[ids["vk101"]], streaks()[ids["vk104"]]) == (0, 1)
    run_vk(engine, api, now=NOW + timedelta(days=1))
    run_vk(engine, api, now=NOW + timedelta(days=2))
    assert (streaks()[ids["vk101"]], streaks()[ids["vk104"]]) == (0, 3)
    # Group 104 comes back: the streak ends.
    api.vk_groups[104] = {"id": 104, "name": "Вернулась", "is_closed": 0, "members_count": 10, "verified": 0}
    run_vk(engine, api, now=NOW + timedelta(days=3))
    assert streaks()[ids["vk104"]] == 0


def test_many_pages_cost_far_less_than_a_request_each(sqlite_engine):
    """140 pages, each with a post that has comments: calls go 25 to an ``execute`` request."""
    register_vk_pages(sqlite_engine, 140)
    with serve(FakeApi(auto=True)) as api:
        report = collect(sqlite_engine, "vk", settings=settings_for(api), sleep=FakeClock().sleep)
    assert (len(report.done), len(report.skipped)) == (140, 0)
    inner = api.methods()
    assert (inner.count("wall.get"), inner.count("wall.getComments")) == (140, 140)  # one of each per page
    # one groups.getById for all, then 140 wall.get and 140 wall.getComments, 25 per execute
    assert api.requests == ["groups.getById"] + ["execute"] * (6 + 6)
    assert report.requests == 13
    assert "Запросов к API: 13 (0,09 на страницу)." in report.text().replace("\xa0", " ")
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(S.message)).scalar() == 280
