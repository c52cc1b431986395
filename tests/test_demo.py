"""Demo data generator: determinism, published-figure ranges, consistency with the summaries.

One full region-scale database (2 years, SQLite) is built once per module and
checked from several angles; smaller runs cover seeds, the command line and
PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest
from sqlalchemy import func, insert, select, text

from dashboard import cli
from dashboard.core import db, schema
from dashboard.core import message_fields as facts
from dashboard.core.settings import get_settings
from dashboard.writers import demo
from dashboard.writers.demo.times import Zone, add_work_minutes, message_times
from tests.conftest import new_database

END = date(2026, 11, 27)
SMALL = {"years": 1, "end": date(2026, 6, 30), "messages_per_year": 4000}


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """Full region scale, two years, seed 1, on SQLite."""
    engine, cleanup = new_database("sqlite", tmp_path_factory.mktemp("region"))
    result = demo.generate(engine, seed=1, years=2, scale="region", end=END)
    yield engine, result
    cleanup()


def sqlite_db(tmp_path, name: str):
    """A fresh migrated SQLite database in its own sub-directory; returns (engine, cleanup)."""
    where = tmp_path / name
    where.mkdir()
    return new_database("sqlite", where)


def rows(conn, sql: str) -> list[tuple]:
    return [tuple(r) for r in conn.execute(text(sql)).all()]


def fingerprint(engine) -> dict:
    """Everything a screen could show: summary tables, registry and message aggregates (ids left out)."""
    md, sd, p, o, m = schema.msg_daily, schema.subs_daily, schema.page, schema.organisation, schema.message

    def table(t, *order):
        cols = [c for c in t.c if c.name != "id" or t is not md and t is not sd]
        return [tuple(r) for r in conn.execute(select(*cols).order_by(*order)).all()]

    with engine.connect() as conn:
        return {
            "msg_daily": table(md, md.c.day, func.coalesce(md.c.municipality_id, 0), md.c.platform, md.c.topic_id),
            "subs_daily": table(sd, sd.c.on, func.coalesce(sd.c.municipality_id, 0), sd.c.platform),
            "pages": table(p, p.c.id),
            "organisations": table(o, o.c.id),
            "messages": [tuple(r) for r in conn.execute(
                select(m.c.platform, m.c.status, func.count(), func.sum(m.c.response_minutes),
                       func.sum(m.c.response_work_minutes), func.sum(m.c.topic_id), func.sum(m.c.page_id),
                       func.min(m.c.received_at), func.max(m.c.first_response_at))
                .group_by(m.c.platform, m.c.status).order_by(m.c.platform, m.c.status)).all()],
        }


# -- the full region-scale database ---------------------------------------------------

def test_messages_per_year_and_novosibirsk_share(region):
    engine, result = region
    assert result.start == date(2024, 11, 28) and result.end == END
    with engine.connect() as conn:
        per_year = rows(conn, "SELECT received_day >= '2025-11-28', COUNT(*) FROM message GROUP BY 1 ORDER BY 1")
        total = sum(n for _, n in per_year)
        nsk = conn.execute(text(
            "SELECT COUNT(*) FROM message m JOIN municipality u ON u.id = m.municipality_id "
            "WHERE u.name = 'город Новосибирск'")).scalar()
    assert [y for y, _ in per_year] == [0, 1]
    for _, n in per_year:
        assert 45_000 <= n <= 65_000
    assert 0.55 <= nsk / total <= 0.65


def test_topic_mix_follows_the_published_half_year(region):
    engine, _ = region
    with engine.connect() as conn:
        ranking = [code for code, _ in rows(conn, (
            "SELECT t.code, COUNT(*) FROM message m JOIN topic t ON t.id = m.topic_id "
            "GROUP BY t.code ORDER BY COUNT(*) DESC"))]
        winter_snow = conn.execute(text(
            "SELECT COUNT(*) FROM message m JOIN topic t ON t.id = m.topic_id "
            "WHERE t.code = 'snow' AND received_day BETWEEN '2025-12-01' AND '2026-02-28'")).scalar()
        summer_snow = conn.execute(text(
            "SELECT COUNT(*) FROM message m JOIN topic t ON t.id = m.topic_id "
            "WHERE t.code = 'snow' AND received_day BETWEEN '2025-06-01' AND '2025-08-31'")).scalar()
    assert ranking[0] == "roads"
    assert set(ranking[:5]) == {"roads", "housing", "improvement", "transport", "health"}
    assert winter_snow > 20 * max(summer_snow, 1)


def test_platforms(region):
    engine, _ = region
    with engine.connect() as conn:
        share = dict(rows(conn, "SELECT platform, COUNT(*) FROM message GROUP BY platform"))
        first_max = conn.execute(text("SELECT MIN(received_day) FROM message WHERE platform = 'max'")).scalar()
        first_max_page = conn.execute(text("SELECT MIN(opened_on) FROM page WHERE platform = 'max'")).scalar()
        tg_pages = conn.execute(text("SELECT COUNT(*) FROM page WHERE platform = 'tg'")).scalar()
        mismatched = conn.execute(text(
            "SELECT COUNT(*) FROM message m JOIN page p ON p.id = m.page_id WHERE m.platform <> p.platform "
            "OR COALESCE(m.municipality_id, 0) <> COALESCE(p.municipality_id, 0) "
            "OR m.received_day < p.opened_on")).scalar()
    total = sum(share.values())
    assert "tg" not in share and tg_pages > 0          # Telegram: broadcast only
    assert max(share, key=share.get) == "vk"
    assert 0.8 <= share["vk"] / total <= 0.9
    assert 0.05 <= share["ok"] / total <= 0.15
    assert 0 < share["max"] / total <= 0.1
    assert str(first_max) >= "2025-08-01" and str(first_max_page) >= "2025-08-01"
    assert mismatched == 0


def test_every_municipality_has_administration_pages_and_messages(region):
    engine, _ = region
    with engine.connect() as conn:
        n_mun = conn.execute(select(func.count()).select_from(schema.municipality)).scalar()
        admin_pages = rows(conn, (
            "SELECT o.municipality_id, p.platform FROM page p JOIN organisation o ON o.id = p.organisation_id "
            "WHERE o.kind = 'municipal_admin' AND p.platform IN ('vk', 'ok')"))
        with_messages = conn.execute(text(
            "SELECT COUNT(DISTINCT municipality_id) FROM message")).scalar()
        institutions = conn.execute(text("SELECT COUNT(*) FROM organisation WHERE kind = 'institution'")).scalar()
        regional = conn.execute(text("SELECT COUNT(*) FROM organisation WHERE municipality_id IS NULL")).scalar()
        names = [r[0] for r in rows(conn, "SELECT name FROM organisation WHERE kind = 'municipal_admin'")]
    assert n_mun == 35
    assert len(set(admin_pages)) == 2 * n_mun
    assert with_messages == n_mun  # COUNT(DISTINCT) ignores the regional bodies' NULL
    assert 300 <= institutions <= 800
    assert 10 <= regional <= 20
    assert "Мэрия города Новосибирска" in names and "Администрация Баганского района" in names


def test_compliance_problems_exist_but_are_few(region):
    engine, _ = region
    with engine.connect() as conn:
        ok_unverified = conn.execute(text(
            "SELECT COUNT(*) FROM page p JOIN organisation o ON o.id = p.organisation_id "
            "WHERE o.kind = 'municipal_admin' AND p.platform = 'ok' AND NOT p.verified")).scalar()
        quiet = conn.execute(text(
            "SELECT COUNT(*) FROM page p JOIN organisation o ON o.id = p.organisation_id "
            "WHERE o.kind = 'municipal_admin' AND p.platform = 'vk' AND p.last_post_at < :cut"),
            {"cut": datetime(2026, 11, 20)}).scalar()
    assert 1 <= ok_unverified <= 6
    assert 1 <= quiet <= 6


def test_response_times_differ_between_municipalities(region):
    engine, _ = region
    with engine.connect() as conn:
        per_mun = rows(conn, (
            "SELECT municipality_id, AVG(CASE WHEN response_minutes <= 120 THEN 1.0 ELSE 0 END), "
            "AVG(CASE WHEN response_minutes > 1440 THEN 1.0 ELSE 0 END) "
            "FROM message WHERE response_minutes IS NOT NULL AND municipality_id IS NOT NULL "
            "GROUP BY municipality_id"))
        status = dict(rows(conn, "SELECT status, COUNT(*) FROM message GROUP BY status"))
        photo, answered = conn.execute(text(
            "SELECT SUM(CASE WHEN photo_report THEN 1 ELSE 0 END), COUNT(*) FROM message "
            "WHERE status = 'answered'")).one()
        pos, neg = conn.execute(text(
            "SELECT SUM(CASE WHEN satisfaction = 1 THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN satisfaction = -1 THEN 1 ELSE 0 END) FROM message")).one()
        open_recent = conn.execute(text(
            "SELECT AVG(CASE WHEN status IN ('new', 'in_work') THEN 1.0 ELSE 0 END) FROM message "
            "WHERE received_day = :d"), {"d": END}).scalar()
    excellent = [m for m, fast, _ in per_mun if fast >= 0.5]   # median within 2 h
    slipping = [m for m, _, slow in per_mun if slow >= 0.4]    # many answers after 24 h
    assert 2 <= len(excellent) <= 8 and 2 <= len(slipping) <= 8
    total = sum(status.values())
    assert 0.02 <= (total - status["answered"]) / total <= 0.05
    assert status["new"] > 0 and status["in_work"] > 0 and status["closed"] > 0
    assert 0.2 <= photo / answered <= 0.35
    assert 0.7 <= pos / (pos + neg) <= 0.9
    assert open_recent > 0.2  # yesterday's messages are still being answered


def test_derived_fields_match_facts_message_times(region):
    """The vectorised derivation gives exactly what facts.message_times gives, row by row."""
    engine, _ = region
    tz = get_settings().tz
    m = schema.message
    with engine.connect() as conn:
        data = conn.execute(select(
            m.c.received_at, m.c.first_response_at, m.c.received_day, m.c.received_hour,
            m.c.response_minutes, m.c.response_work_minutes)).all()
    assert len(data) > 100_000
    bad = [r for r in data if facts.message_times(r[0], r[1], tz) != {
        "received_day": r[2], "received_hour": r[3], "response_minutes": r[4], "response_work_minutes": r[5]}]
    assert bad == []


def test_summaries_add_up_to_the_raw_rows(region):
    engine, _ = region
    with engine.connect() as conn:
        raw = dict(rows(conn, "SELECT COALESCE(municipality_id, 0), COUNT(*) FROM message GROUP BY 1"))
        summed = dict(rows(conn, "SELECT COALESCE(municipality_id, 0), SUM(n_received) FROM msg_daily GROUP BY 1"))
        oblast = conn.execute(text("SELECT SUM(n_received) FROM msg_daily")).scalar()
        last_on = conn.execute(text('SELECT MAX("on") FROM subs_daily')).scalar()
        subs = conn.execute(text('SELECT SUM(subscribers) FROM subs_daily WHERE "on" = :d'), {"d": last_on}).scalar()
        latest = conn.execute(text("SELECT SUM(last_subscribers) FROM page")).scalar()
    assert summed == raw
    assert oblast == sum(raw.values())
    assert subs == latest > 0


def test_subscribers_grow_and_max_grows_fastest(region):
    engine, _ = region
    with engine.connect() as conn:
        first, last = conn.execute(text('SELECT MIN("on"), MAX("on") FROM subs_daily')).one()
        level = dict(rows(conn, (
            'SELECT platform || \'@\' || "on", SUM(subscribers) FROM subs_daily '
            f"WHERE \"on\" IN ('{first}', '{last}', '2025-12-29') GROUP BY platform, \"on\"")))
        er = conn.execute(text(
            "SELECT SUM(likes + reposts + comments) * 100.0 / SUM(posts * subscribers) FROM page_stats "
            "WHERE posts > 0")).scalar()
    assert level[f"vk@{last}"] > level[f"vk@{first}"]
    assert level[f"max@{last}"] > 2 * level["max@2025-12-29"]
    assert 0.5 <= er <= 5


def test_demo_flag_and_refusal_to_overwrite(region):
    engine, _ = region
    with engine.connect() as conn:
        assert db.get_meta(conn, schema.META_DEMO) == "1"
        assert db.get_meta(conn, schema.META_DEMO_SEED) == "1"
        assert db.get_meta(conn, schema.META_UPDATED_AT)
    with pytest.raises(demo.DemoError, match="уже есть данные"):
        demo.generate(engine, seed=2, **SMALL)


# -- determinism -----------------------------------------------------------------------------

def test_same_seed_gives_identical_data(region, tmp_path):
    engine, _ = region
    other, cleanup = new_database("sqlite", tmp_path)
    try:
        demo.generate(other, seed=1, years=2, scale="region", end=END)
        assert fingerprint(other) == fingerprint(engine)
    finally:
        cleanup()


def test_different_seed_gives_different_data(tmp_path):
    a, cleanup_a = sqlite_db(tmp_path, "a")
    b, cleanup_b = sqlite_db(tmp_path, "b")
    try:
        demo.generate(a, seed=1, **SMALL)
        demo.generate(b, seed=2, **SMALL)
        fa, fb = fingerprint(a), fingerprint(b)
        assert fa["msg_daily"] != fb["msg_daily"] and fa["pages"] != fb["pages"]
    finally:
        cleanup_a()
        cleanup_b()


def test_force_replaces_the_data(tmp_path):
    engine, cleanup = new_database("sqlite", tmp_path)
    try:
        demo.generate(engine, seed=1, **SMALL)
        demo.generate(engine, seed=1, force=True, **SMALL)
        with engine.connect() as conn:
            n = conn.execute(text("SELECT COUNT(*) FROM message")).scalar()
            assert 3000 <= n <= 5000
    finally:
        cleanup()


# -- PostgreSQL ------------------------------------------------------------------------------

def test_small_run_is_the_same_on_every_backend(engine, tmp_path):
    """Same seed → same rows on SQLite and PostgreSQL; summaries and id sequences are consistent."""
    demo.generate(engine, seed=5, **SMALL)
    reference, cleanup = sqlite_db(tmp_path, "ref")
    try:
        demo.generate(reference, seed=5, **SMALL)
        expected = fingerprint(reference)
    finally:
        cleanup()
    got = fingerprint(engine)
    assert got == expected
    with engine.begin() as conn:
        # Ids written explicitly must not collide with later inserts (PostgreSQL sequences).
        new_id = conn.execute(insert(schema.organisation).values(
            name="Новая организация", kind="institution").returning(schema.organisation.c.id)).scalar()
        assert new_id == len(expected["organisations"]) + 1


# -- command line ------------------------------------------------------------------------------

def test_cli_on_a_brand_new_database(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    args = ["--database-url", url, "demo", "--seed", "3", "--years", "1", "--end", "2026-03-31"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "Демонстрационные данные созданы" in out and "01.04.2025–31.03.2026" in out
    assert cli.main(args) == 1
    assert "--force" in capsys.readouterr().err
    assert cli.main(args + ["--force"]) == 0


def test_cli_rejects_a_bad_end_date(tmp_path, capsys):
    assert cli.main(["--database-url", f"sqlite:///{tmp_path / 'x.db'}", "demo", "--end", "31.03.2026"]) == 2
    assert "ГГГГ-ММ-ДД" in capsys.readouterr().err


# -- time arithmetic ---------------------------------------------------------------------------

def _zone():
    return Zone(get_settings().tz, datetime(2026, 1, 1), datetime(2026, 12, 31))


def test_friday_evening_message_waits_until_monday():
    local = np.array(["2026-11-27T19:30:00", "2026-11-28T11:00:00", "2026-11-26T08:00:00",
                      "2026-11-26T17:00:00"], dtype="datetime64[s]")
    got = add_work_minutes(local, np.array([30, 30, 30, 90]))
    assert got.astype(str).tolist() == ["2026-11-30T09:30:00", "2026-11-30T09:30:00",
                                        "2026-11-26T09:30:00", "2026-11-27T09:30:00"]


def test_vectorised_times_match_facts_on_edge_cases():
    zone, tz = _zone(), get_settings().tz
    pairs = [
        (datetime(2026, 11, 27, 10, 30, 15), datetime(2026, 11, 30, 3, 0, 0)),   # Fri → Mon (UTC)
        (datetime(2026, 11, 28, 1, 0, 59), datetime(2026, 11, 28, 2, 0, 0)),     # weekend
        (datetime(2026, 11, 25, 23, 59, 59), datetime(2026, 11, 26, 1, 0, 1)),   # before 9 local
        (datetime(2026, 3, 2, 10, 0, 0), None),
        (datetime(2026, 3, 2, 10, 0, 0), datetime(2026, 3, 2, 9, 0, 0)),         # response before receipt
    ]
    received = np.array([p[0] for p in pairs], dtype="datetime64[s]")
    response = np.array([p[1] or np.datetime64("NaT") for p in pairs], dtype="datetime64[s]")
    got = message_times(received, response, zone)
    for i, (r, a) in enumerate(pairs):
        want = facts.message_times(r, a, tz)
        assert got["received_day"][i].item() == want["received_day"]
        assert got["received_hour"][i] == want["received_hour"]
        for key in ("response_minutes", "response_work_minutes"):
            assert (None if got[key][i] < 0 else got[key][i]) == want[key]


def test_period_start_and_default_end():
    assert demo.period_start(date(2026, 11, 27), 2) == date(2024, 11, 28)
    assert demo.period_start(date(2028, 2, 29), 1) == date(2027, 3, 1)
    assert demo.default_end() <= date.today() + timedelta(days=1)


def test_closed_messages_carry_their_closing_moment(region):
    """Unanswered messages older than two weeks are closed CLOSED_AFTER_DAYS after receipt
    (so never after the end of the data); no other message has a closed_at."""
    engine, _ = region
    m = schema.message
    with engine.connect() as conn:
        closed = conn.execute(select(m.c.received_at, m.c.closed_at, m.c.first_response_at)
                              .where(m.c.status == "closed")).all()
        others = conn.execute(select(func.count()).where(m.c.status != "closed", m.c.closed_at.is_not(None))).scalar()
    end_utc = datetime(END.year, END.month, END.day) + timedelta(days=1)  # the end of END, within a day
    assert len(closed) > 1000 and others == 0
    assert all(c == r + timedelta(days=schema.CLOSED_AFTER_DAYS) and a is None and c <= end_utc
               for r, c, a in closed)


def test_overdue_change_over_the_last_30_days_is_sane(region):
    """The demo's residents and pages behave the same month to month, so «Просрочено без
    ответа» for the last 30 days against the previous 30 (the same days of the week, 35 days
    back), taken at the same age, changes by no more than sampling noise (~90 overdue
    messages: a Poisson spread of ±10 %, so 25 % is a wide band). Before message.closed_at
    the previous period counted its since-closed messages as closed already and showed
    about half as many overdue (+74 %). No ``now`` is given: the figures are taken at the
    demo's snapshot (db.figures_now), not at the running clock."""
    from dashboard.core import periods
    from queries import kpis
    from queries.filters import Filters

    engine, _ = region
    p = periods.preset("30d", END)
    with engine.connect() as conn:
        cur, prev = kpis.headline_compare(conn, Filters(p.start, p.end))
    assert cur.overdue > 50 and prev.overdue > 50
    assert abs(cur.overdue / prev.overdue - 1) < 0.25, (cur.overdue, prev.overdue)


def test_figures_are_taken_at_the_demo_snapshot_not_the_running_clock(region):
    """The demo's world stops at local midnight after its last day (meta.data_as_of): no
    answer comes after it, so deadline figures are taken there, whatever the clock says;
    a ``now`` given explicitly wins; a database without the mark uses the clock."""
    engine, _ = region
    midnight = datetime(END.year, END.month, END.day, tzinfo=get_settings().tz) + timedelta(days=1)
    snapshot = midnight.astimezone(timezone.utc).replace(tzinfo=None)
    assert demo.snapshot_moment(END) == snapshot
    with engine.connect() as conn:
        assert db.get_meta(conn, schema.META_DATA_AS_OF) == snapshot.isoformat(timespec="seconds")
        assert db.figures_now(conn) == snapshot
        early = snapshot - timedelta(days=3)
        assert db.figures_now(conn, early) == early
    plain = db.make_engine("sqlite://")
    with plain.begin() as conn:
        schema.meta.create(conn)
        before = db.utcnow()
        assert before <= db.figures_now(conn) <= db.utcnow()
