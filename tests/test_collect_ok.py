"""OK collection against the local fake API: subscribers, signing, errors, reruns."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone

from sqlalchemy import func, insert, select

from dashboard.core import schema as S
from dashboard.core.settings import Settings
from dashboard.writers.collect import collect
from dashboard.writers.collect.ok import signature
from tests.fakeapi import FakeApi, FakeClock, serve

NOW = datetime(2026, 11, 20, 5, 0, tzinfo=timezone.utc)
RUN_DAY = date(2026, 11, 20)


def test_signature_follows_ok_rules():
    params = {"method": "group.getInfo", "uids": "1,2", "application_key": "APP", "format": "json",
              "access_token": "tok"}
    secret = hashlib.md5(b"toksec").hexdigest()
    body = "application_key=APPformat=jsonmethod=group.getInfouids=1,2"  # sorted, no access_token
    assert signature(params, "tok", "sec") == hashlib.md5((body + secret).encode()).hexdigest()


def build_pages(conn) -> dict[str, int]:
    org = conn.execute(insert(S.organisation).values(
        name="Администрация Искитима", kind="municipal_admin", municipality_id=3)).inserted_primary_key[0]
    ids = {}
    for uid in ("5001", "5002", "5003", "5004"):
        ids[uid] = conn.execute(insert(S.page).values(
            platform="ok", external_id=uid, url=f"https://ok.ru/group/{uid}", title=f"ОК {uid}",
            organisation_id=org, municipality_id=3)).inserted_primary_key[0]
    conn.execute(insert(S.page).values(  # a VK page: not an OK target
        platform="vk", external_id="5001", url="https://vk.com/club5001", title="ВК", organisation_id=org,
        municipality_id=3))
    return ids


def ok_world() -> FakeApi:
    api = FakeApi()
    api.ok_groups = {"5001": {"uid": "5001", "name": "Искитим", "members_count": 800},
                     "5003": {"uid": "5003", "name": "Школа", "members_count": 120},
                     "5004": {"uid": "5004", "name": "Клуб"}}  # no members_count
    api.deny("group.getInfo", "5002", 300)  # any batch naming 5002 fails with NOT_FOUND
    return api


def run_ok(engine, api, clock):
    settings = Settings(ok_api_url=api.ok_url, ok_access_token="tok", ok_application_key="APP",
                        ok_secret_key="sec")
    return collect(engine, "ok", settings=settings, now=NOW, sleep=clock.sleep, clock=clock)


def test_ok_run_records_subscribers_and_skips(engine):
    with engine.begin() as conn:
        ids = build_pages(conn)
    clock = FakeClock()
    with serve(ok_world()) as api:
        api.fail("group.getInfo", 8)  # FLOOD_BLOCKED once: retried
        report = run_ok(engine, api, clock)
        second = run_ok(engine, api, clock)
        calls = list(api.calls)

    with engine.connect() as conn:
        ps = S.page_stats
        assert {(r.page_id, r.on, r.subscribers, r.posts) for r in conn.execute(select(ps))} == {
            (ids["5001"], RUN_DAY, 800, 0), (ids["5003"], RUN_DAY, 120, 0)}
        sd = S.subs_daily
        assert conn.execute(select(sd.c.n_pages, sd.c.subscribers).where(
            sd.c.on == RUN_DAY, sd.c.platform == "ok")).one() == (2, 920)
        assert [r.kind for r in conn.execute(select(S.import_log))] == ["collect-ok", "collect-ok"]
        assert conn.execute(select(func.count()).select_from(S.message)).scalar() == 0

    assert clock.backoffs() == [1]
    # Flood error, the whole batch (fails on 5002), then one request per page.
    assert [p["uids"] for _m, p in calls] == ["5001,5002,5003,5004"] * 2 + ["5001", "5002", "5003", "5004"]
    p = calls[-1][1]
    assert p["application_key"] == "APP" and p["access_token"] == "tok" and p["format"] == "json"
    assert p["sig"] == signature(p, "tok", "sec")

    reasons = {r.target.external_id: r.skipped for r in report.skipped}
    assert set(reasons) == {"5002", "5004"}
    assert "ошибка OK 300" in reasons["5002"]
    assert "число участников" in reasons["5004"]
    assert "Сбор Одноклассники за 20.11.2026: страниц 4, собрано 2, пропущено 2." in report.text()
    assert second.done_earlier == 4 and not second.results  # a rerun the same day asks nothing
