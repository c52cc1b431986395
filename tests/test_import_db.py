"""Imports against a real database (SQLite and PostgreSQL): counts, updates, summaries, the log."""

from datetime import date, datetime

from sqlalchemy import func, select

from dashboard.core import db as dbmod
from dashboard.core import schema
from dashboard.writers import summary
from tests.import_helpers import (
    EXAMPLES,
    MESSAGES_HEADER,
    MESSAGES_ROWS,
    PAGES_HEADER,
    PAGES_ROWS,
    STATS_HEADER,
    STATS_ROWS,
    csv_bytes,
    dump,
    load_pages,
    log_rows,
    run,
)


def counts(result):
    assert result.ok, result.report()
    return result.added, result.updated, result.unchanged


def scalar(engine, stmt):
    with engine.connect() as conn:
        return conn.execute(stmt).scalar()


def summaries(engine) -> dict:
    """msg_daily and subs_daily without their surrogate ids."""
    out = {}
    with engine.connect() as conn:
        for t in (schema.msg_daily, schema.subs_daily):
            cols = [c for c in t.c if c.name != "id"]
            out[t.name] = sorted((tuple(r) for r in conn.execute(select(*cols))), key=repr)
    return out


def assert_summaries_match_a_full_rebuild(engine):
    incremental = summaries(engine)
    with engine.begin() as conn:
        summary.rebuild_all(conn)
    assert summaries(engine) == incremental


def test_examples_import_and_a_second_import_changes_nothing(engine):
    files = [("pages", "pages.csv", 12), ("stats", "stats.xlsx", 20), ("messages", "messages.csv", 12)]
    for kind, name, n in files:
        assert counts(run(engine, kind, (EXAMPLES / name).read_bytes(), name)) == (n, 0, 0)
    before = dump(engine, skip=("import_log", "meta"))
    for kind, name, n in files:
        assert counts(run(engine, kind, (EXAMPLES / name).read_bytes(), name)) == (0, 0, n)
    assert dump(engine, skip=("import_log", "meta")) == before
    assert [r.status for r in log_rows(engine)] == ["ok"] * 6
    assert scalar(engine, select(func.sum(schema.msg_daily.c.n_received))) == 12
    assert_summaries_match_a_full_rebuild(engine)


def test_pages_create_organisations_and_infer_their_kind(engine):
    load_pages(engine)
    o = schema.organisation
    with engine.connect() as conn:
        orgs = {r.name: (r.kind, r.municipality_id) for r in conn.execute(select(o))}
        n_pages = conn.execute(select(func.count()).select_from(schema.page)).scalar()
    assert orgs == {
        "Администрация Баганского района": ("municipal_admin", 1),
        "Администрация города Бердска": ("municipal_admin", 32),
        "Правительство Новосибирской области": ("regional", None),
    }
    assert n_pages == 4


def test_absent_optional_columns_keep_stored_values(engine):
    load_pages(engine)
    p = schema.page
    rows = [r[:4] for r in PAGES_ROWS]  # no title, no госметка
    assert counts(run(engine, "pages", csv_bytes(PAGES_HEADER[:4], rows))) == (0, 0, 4)
    assert scalar(engine, select(p.c.verified).where(p.c.external_id == "101")) is True
    changed = [r[:5] + ["нет"] if r[3].endswith("club101") else r for r in PAGES_ROWS]
    assert counts(run(engine, "pages", csv_bytes(PAGES_HEADER, changed))) == (0, 1, 3)
    assert scalar(engine, select(p.c.verified).where(p.c.external_id == "101")) is False


def test_messages_update_and_summaries_follow(engine):
    load_pages(engine)
    md = schema.msg_daily
    assert counts(run(engine, "messages", csv_bytes(MESSAGES_HEADER, MESSAGES_ROWS))) == (3, 0, 0)
    per_day = select(md.c.day, func.sum(md.c.n_received), func.sum(md.c.n_answered)).group_by(md.c.day)
    with engine.connect() as conn:
        assert sorted(tuple(r) for r in conn.execute(per_day)) == [(date(2026, 11, 2), 2, 1),
                                                                  (date(2026, 11, 3), 1, 1)]
    # m2 gets answered; m3 moves to 4 November; one new message.
    rows = [list(r) for r in MESSAGES_ROWS]
    rows[1][4:6] = ["03.11.2026 09:00", "дан ответ"]
    rows[2][2] = "04.11.2026 09:30"
    rows[2][4] = "04.11.2026 10:00"
    rows.append(["m4", "https://ok.ru/group/555", "04.11.2026 23:59", "Снег и уборка", "", "", ""])
    assert counts(run(engine, "messages", csv_bytes(MESSAGES_HEADER, rows))) == (1, 2, 1)
    with engine.connect() as conn:
        assert sorted(tuple(r) for r in conn.execute(per_day)) == [(date(2026, 11, 2), 2, 2),
                                                                  (date(2026, 11, 4), 2, 1)]
        m4 = conn.execute(select(schema.message).where(schema.message.c.external_id == "m4")).one()
    assert (m4.platform, m4.municipality_id, m4.status, m4.received_day, m4.received_hour) == \
        ("ok", 1, "new", date(2026, 11, 4), 23)
    assert_summaries_match_a_full_rebuild(engine)


def test_closing_moment_is_imported_and_implies_the_closed_status(engine):
    """«Дата закрытия» (Novosibirsk time, UTC+7) is stored in UTC; without a status it makes
    the message «закрыто без ответа»; a message answered later loses its closing moment."""
    load_pages(engine)
    header = [*MESSAGES_HEADER, "Дата закрытия"]
    rows = [[*r, ""] for r in MESSAGES_ROWS]
    rows[1][5:] = ["", "нет", "16.11.2026 21:00"]             # m2: no status, closed two weeks later
    rows.append(["m4", "https://vk.com/club101", "03.11.2026 10:00", "Дороги", "", "закрыто без ответа", "", ""])
    assert counts(run(engine, "messages", csv_bytes(header, rows))) == (4, 0, 0)
    m = schema.message
    closed = select(m.c.external_id, m.c.status, m.c.closed_at).order_by(m.c.external_id)
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(closed)] == [
            ("m1", "answered", None), ("m2", "closed", datetime(2026, 11, 16, 14, 0)),
            ("m3", "answered", None), ("m4", "closed", None)]
    rows[1][4:] = ["17.11.2026 09:00", "дан ответ", "нет", ""]   # m2 answered after all
    assert counts(run(engine, "messages", csv_bytes(header, rows))) == (0, 1, 3)
    with engine.connect() as conn:
        assert tuple(conn.execute(closed.where(m.c.external_id == "m2")).one()) == ("m2", "answered", None)
    assert_summaries_match_a_full_rebuild(engine)


def test_stats_update_subscribers_summary_and_latest_figures(engine):
    load_pages(engine)
    assert counts(run(engine, "stats", csv_bytes(STATS_HEADER, STATS_ROWS))) == (3, 0, 0)
    sd, p = schema.subs_daily, schema.page
    total = select(func.sum(sd.c.subscribers)).where(sd.c.on == date(2026, 11, 9))
    assert scalar(engine, total) == 5040 + 31000
    rows = [list(r) for r in STATS_ROWS]
    rows[2][2] = "31500"
    header = STATS_HEADER + ["Последняя публикация"]
    rows = [r + ["08.11.2026 18:30"] for r in rows]
    assert counts(run(engine, "stats", csv_bytes(header, rows))) == (0, 1, 2)
    assert scalar(engine, total) == 5040 + 31500
    with engine.connect() as conn:
        page = conn.execute(select(p).where(p.c.external_id == "102")).one()
    assert (page.last_subscribers, page.last_stats_on, page.last_post_at) == \
        (31500, date(2026, 11, 9), datetime(2026, 11, 8, 11, 30))
    assert_summaries_match_a_full_rebuild(engine)


def test_page_moving_to_another_municipality_moves_its_messages(engine):
    load_pages(engine)
    assert run(engine, "messages", csv_bytes(MESSAGES_HEADER, MESSAGES_ROWS)).ok
    assert run(engine, "stats", csv_bytes(STATS_HEADER, STATS_ROWS)).ok
    rows = [list(r) for r in PAGES_ROWS]
    rows[0][0] = "Доволенский район"   # club101 was Баганский район (1), now Доволенский (5)
    assert counts(run(engine, "pages", csv_bytes(PAGES_HEADER, rows))) == (0, 1, 3)
    m, md = schema.message, schema.msg_daily
    assert scalar(engine, select(func.count()).where(m.c.municipality_id == 5)) == 2
    assert scalar(engine, select(func.sum(md.c.n_received)).where(md.c.municipality_id == 5)) == 2
    assert_summaries_match_a_full_rebuild(engine)


def test_success_is_logged_and_data_time_touched(engine):
    load_pages(engine)
    (log,) = log_rows(engine)
    assert (log.kind, log.status, log.rows_added, log.rows_updated, log.rows_unchanged, log.rows_rejected) == \
        ("pages", "ok", 4, 0, 0, 0)
    assert "добавлено 4" in log.message
    with engine.connect() as conn:
        assert dbmod.get_meta(conn, schema.META_UPDATED_AT)


def test_organisation_type_and_sector_update_from_the_file(engine):
    load_pages(engine)
    header = ["Муниципалитет", "Организация", "Тип организации", "Сфера", "Ссылка"]
    rows = [["Баганский район", "администрация баганского  района", "подведомственное учреждение", "культура",
             "https://vk.com/club101"]]
    result = run(engine, "pages", csv_bytes(header, rows))
    assert counts(result) == (0, 0, 1)
    assert result.notes == ["Обновлено организаций: 1."]
    o = schema.organisation
    with engine.connect() as conn:
        org = conn.execute(select(o).where(o.c.name == "Администрация Баганского района")).one()
    assert (org.kind, org.sector) == ("institution", "culture")


def test_page_with_an_explicit_id_is_found_by_its_url_too(engine):
    header = ["Муниципалитет", "Организация", "Ссылка", "ID страницы"]
    rows = [["г. Обь", "Администрация города Оби", "https://vk.com/adm_ob", "club777"]]
    assert counts(run(engine, "pages", csv_bytes(header, rows))) == (1, 0, 0)
    p = schema.page
    with engine.connect() as conn:
        page = conn.execute(select(p)).one()
    assert (page.platform, page.external_id, page.url, page.municipality_id, page.title) == \
        ("vk", "777", "https://vk.com/adm_ob", 34, "Администрация города Оби")
    stats = [["vk.ru/adm_ob", "01.11.2026", "900"], ["https://vk.com/club777", "02.11.2026", "910"]]
    assert counts(run(engine, "stats", csv_bytes(STATS_HEADER[:3], stats))) == (2, 0, 0)
