"""Roles: the pure rules (dashboard.core.access), users and their history (writers.users,
queries.users, the CLI), who-did-what in the import log, and the app refusing on the server
(AppTest with a signed-in st.user)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard import cli
from dashboard.core import access as rules
from dashboard.core import schema
from dashboard.core.access import LEADERSHIP, MUNICIPALITY, TSUR, User
from dashboard.writers import users as user_writer
from dashboard.writers.importing import importer
from queries import imports
from queries import users as user_queries
from tests.apptest_utils import assert_ok, switch_page, table_with
from tests.browser import app_pages
from tests.fixture_data import BAGAN, NOW, NSK, NSK_DISTRICT

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"
ALL_PAGES = [url or "obzor" for url, _title in app_pages()]

tsur = User("tsur@nso.ru", TSUR)
boss = User("boss@nso.ru", LEADERSHIP)
nsk = User("nsk@nso.ru", MUNICIPALITY, NSK)


# -- the rules ----------------------------------------------------------------------------------

def test_every_page_of_the_app_has_a_rule():
    assert sorted(ALL_PAGES) == sorted(rules.PAGE_ROLES)


def test_pages_by_role():
    assert [p for p in ALL_PAGES if rules.may_open(tsur, p)] == ALL_PAGES
    closed = {"dannye", "poluchateli", "dostup"}
    assert [p for p in ALL_PAGES if not rules.may_open(boss, p)] == [p for p in ALL_PAGES if p in closed]
    assert [p for p in ALL_PAGES if not rules.may_open(nsk, p)] == [p for p in ALL_PAGES if p in closed]
    nobody = User("x@nso.ru", None)
    assert not any(rules.may_open(u, p) for u in (None, nobody) for p in ALL_PAGES)
    assert not rules.may_open(tsur, "no-such-page")  # deny by default


def test_writes_and_users_only_for_tsur():
    assert [rules.may_write(u) for u in (tsur, boss, nsk, None)] == [True, False, False, False]
    assert [rules.may_manage_users(u) for u in (tsur, boss, nsk, None)] == [True, False, False, False]


def test_municipality_detail():
    assert rules.visible_municipalities(nsk, [1, 19, 31, 0]) == [31]
    assert rules.visible_municipalities(boss, [1, 19, 31, 0]) == [1, 19, 31, 0]
    assert rules.visible_municipalities(tsur, [1, 31]) == [1, 31]
    assert not rules.may_see_details(nsk, None) and not rules.may_see_details(nsk, 0)
    assert rules.visible_municipalities(None, [1, 31]) == []
    assert [rules.home_page(u) for u in (tsur, boss, nsk)] == ["obzor", "obzor", "munitsipalitet"]


def test_role_names_and_bindings():
    assert [rules.parse_role(t) for t in ("ЦУР", "цур", "руководство", "Муниципалитет", "leadership")] == [
        TSUR, TSUR, LEADERSHIP, MUNICIPALITY, LEADERSHIP]
    with pytest.raises(rules.AccessError, match="Неизвестная роль «admin»"):
        rules.parse_role("admin")
    with pytest.raises(rules.AccessError, match="укажите муниципалитет"):
        rules.check_binding(MUNICIPALITY, None)
    with pytest.raises(rules.AccessError, match="не привязывается"):
        rules.check_binding(LEADERSHIP, NSK)
    assert User("a@b.ru", None).role_label == "нет роли"
    assert User("локальный режим", TSUR, local=True).actor == "локальный режим"


# -- users in the database ----------------------------------------------------------------------

def _log(engine) -> list[tuple]:
    a = schema.access_log
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(a.c.actor, a.c.action, a.c.email, a.c.role, a.c.municipality_id).order_by(a.c.id))]


def test_save_change_remove_are_recorded_with_the_actor(engine):
    assert user_writer.save_user(engine, " Head@NSO.ru ", MUNICIPALITY, BAGAN, "tsur@nso.ru").action == "add"
    assert user_writer.save_user(engine, "head@nso.ru", MUNICIPALITY, BAGAN, "tsur@nso.ru").action == "none"
    assert user_writer.save_user(engine, "head@nso.ru", LEADERSHIP, None, "other@nso.ru").action == "change"
    user_writer.save_user(engine, "mo@nso.ru", MUNICIPALITY, NSK_DISTRICT, "tsur@nso.ru")
    assert user_writer.remove_user(engine, "HEAD@nso.ru", "tsur@nso.ru").action == "remove"
    assert _log(engine) == [
        ("tsur@nso.ru", "add", "head@nso.ru", MUNICIPALITY, BAGAN),
        ("other@nso.ru", "change", "head@nso.ru", LEADERSHIP, None),
        ("tsur@nso.ru", "add", "mo@nso.ru", MUNICIPALITY, NSK_DISTRICT),
        ("tsur@nso.ru", "remove", "head@nso.ru", LEADERSHIP, None),
    ]
    with engine.connect() as conn:
        assert user_queries.find_user(conn, "MO@nso.ru") == User("mo@nso.ru", MUNICIPALITY, NSK_DISTRICT)
        assert user_queries.find_user(conn, "head@nso.ru") is None
        listed = user_queries.users(conn)
        history = user_queries.access_history(conn)
    assert listed[["email", "role_label", "municipality", "updated_by"]].values.tolist() == [
        ["mo@nso.ru", "муниципалитет", "Новосибирский район", "tsur@nso.ru"]]
    assert list(history["action"]) == ["remove", "add", "change", "add"]


def test_bad_users_are_refused(sqlite_engine):
    with pytest.raises(rules.AccessError, match="не похоже на адрес"):
        user_writer.save_user(sqlite_engine, "not an email", TSUR, None, "x")
    with pytest.raises(rules.AccessError, match="укажите муниципалитет"):
        user_writer.save_user(sqlite_engine, "a@b.ru", MUNICIPALITY, None, "x")
    with pytest.raises(rules.AccessError, match="Нет муниципалитета с номером 999"):
        user_writer.save_user(sqlite_engine, "a@b.ru", MUNICIPALITY, 999, "x")
    with pytest.raises(rules.AccessError, match="нет в списке"):
        user_writer.remove_user(sqlite_engine, "a@b.ru", "x")
    assert _log(sqlite_engine) == []


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_users_cli(sqlite_engine, capsys, monkeypatch):
    monkeypatch.setattr(user_writer.getpass, "getuser", lambda: "ivanov")
    url = _url(sqlite_engine)
    assert cli.main(["--database-url", url, "users", "add", "Glava@Berdsk.ru", "--role", "муниципалитет",
                     "--municipality", "бердск"]) == 0
    assert capsys.readouterr().out.strip() == "Пользователь glava@berdsk.ru добавлен."
    assert cli.main(["--database-url", url, "users", "add", "tsur@nso.ru", "--role", "ЦУР"]) == 0
    capsys.readouterr()
    assert cli.main(["--database-url", url, "users", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == ["tsur@nso.ru\tЦУР", "glava@berdsk.ru\tмуниципалитет, город Бердск"]
    assert cli.main(["--database-url", url, "users", "add", "x@nso.ru", "--role", "ЦУР", "--municipality",
                     "бердск"]) == 1
    assert "не привязывается" in capsys.readouterr().err
    assert cli.main(["--database-url", url, "users", "add", "x@nso.ru", "--role", "муниципалитет",
                     "--municipality", "Атлантида"]) == 1
    assert "не найден" in capsys.readouterr().err
    assert cli.main(["--database-url", url, "users", "remove", "glava@berdsk.ru"]) == 0
    assert capsys.readouterr().out == "Пользователь glava@berdsk.ru удалён: после входа он увидит только «Нет доступа».\n"
    assert [row[:3] for row in _log(sqlite_engine)] == [
        ("командная строка: ivanov", "add", "glava@berdsk.ru"),
        ("командная строка: ivanov", "add", "tsur@nso.ru"),
        ("командная строка: ivanov", "remove", "glava@berdsk.ru")]


def test_imports_record_who_ran_them(sqlite_engine, monkeypatch):
    monkeypatch.setattr(user_writer.getpass, "getuser", lambda: "petrov")
    assert importer.import_file(sqlite_engine, "pages", EXAMPLES / "pages.csv", user="tsur@nso.ru").ok
    assert not importer.import_file(sqlite_engine, "pages", b"x;y\n1;2\n", "bad.csv", user="tsur@nso.ru").ok
    assert cli.main(["--database-url", _url(sqlite_engine), "import", "pages", str(EXAMPLES / "pages.csv")]) == 0
    with sqlite_engine.connect() as conn:
        log = conn.execute(select(schema.import_log.c.file_name, schema.import_log.c.status,
                                  schema.import_log.c.user).order_by(schema.import_log.c.id)).all()
        history = imports.import_history(conn, rules_tz())
    assert [tuple(r) for r in log] == [("pages.csv", "ok", "tsur@nso.ru"), ("bad.csv", "rejected", "tsur@nso.ru"),
                                       ("pages.csv", "ok", "командная строка: petrov")]
    assert list(history["Кто"]) == ["командная строка: petrov", "tsur@nso.ru", "tsur@nso.ru"]


def rules_tz():
    from dashboard.core.settings import get_settings

    return get_settings().tz


# -- the app, signed in (AppTest) ---------------------------------------------------------------

def _titles(at) -> list[str]:
    return [t.value for t in at.title]


def test_anonymous_sees_only_the_sign_in_screen(signed_in_app):
    from dashboard.ui import access

    for page in (None, "pages/data.py", "pages/messages.py"):
        at = signed_in_app(None, page)
        assert not at.exception
        assert _titles(at) == [access.SIGN_IN_TITLE]
        assert [b.label for b in at.button] == ["Войти"]
        assert not at.metric and not at.dataframe and not at.sidebar.selectbox


def test_signed_in_without_a_role_sees_a_message_only(signed_in_app):
    at = signed_in_app("stranger@mail.ru")
    assert _titles(at) == ["Нет доступа"]
    # the e-mail comes from the identity provider: shown as text (Markdown escaped)
    assert r"Вы вошли как stranger\@mail\.ru, но роль вам не назначена" in at.error[0].value
    assert [b.label for b in at.button] == ["Выйти"]
    assert not at.metric and not at.dataframe and not at.sidebar.selectbox


def test_leadership_sees_every_screen_but_no_writes(signed_in_app):
    at = signed_in_app("boss@nso.ru")
    assert_ok(at)
    assert _titles(at)[0] == "Обзор"
    assert "Вы вошли: boss@nso.ru · руководство" in [c.value for c in at.sidebar.caption]
    for page in ("pages/data.py", "pages/access.py"):
        switch_page(at, page).run()
        assert _titles(at) == ["Нет доступа"], page
        assert at.error[0].value == "Эта страница недоступна для роли «руководство»."
    switch_page(at, "pages/messages.py").run()
    assert_ok(at)
    assert list(table_with(at, "Просрочено на")["Страница"]) == ["Страница 1", "Страница 2"]


def test_municipality_opens_its_profile_and_sees_only_its_own_lists(signed_in_app):
    at = signed_in_app("nsk@nso.ru")
    assert_ok(at)
    assert _titles(at)[0] == "город Новосибирск"  # its profile opens first
    assert at.sidebar.selectbox(key="mo").options == ["город Новосибирск"]
    switch_page(at, "pages/messages.py").run()
    overdue = table_with(at, "Просрочено на")
    assert list(overdue["Страница"]) == ["Страница 1", "Страница 2"]   # its own, one municipality:
    assert "Муниципалитет" not in overdue.columns                       # no column repeating it
    # Another municipality: no overdue list of Баганский район even when the link asks for it.
    at = signed_in_app("bagan@nso.ru", "pages/messages.py", query_params={"mo": "город Новосибирск"})
    assert_ok(at)
    assert at.session_state["filters"].municipality_ids == (BAGAN,)
    assert [s.value for s in at.success] == ["Просроченных обращений нет."]
    switch_page(at, "pages/registry.py").run()
    assert list(table_with(at, "Госметка")["Страница"]) == ["Страница 7"]
    # The rating is everyone's.
    switch_page(at, "pages/rating.py").run()
    assert_ok(at)
    assert len(at.dataframe[0].value) >= 3


def test_municipality_cannot_open_data_or_access(signed_in_app):
    for page in ("pages/data.py", "pages/access.py"):
        at = signed_in_app("nsk@nso.ru", page)
        assert _titles(at) == ["Нет доступа"], page
        assert at.error[0].value == "Эта страница недоступна для роли «муниципалитет»."


def test_tsur_manages_users_and_the_change_names_them(signed_in_app, app_db):
    from dashboard.core.db import make_engine

    at = signed_in_app("tsur@nso.ru", "pages/access.py")
    assert_ok(at)
    users = table_with(at, "Электронная почта")
    assert list(users["Электронная почта"]) == ["tsur@nso.ru", "boss@nso.ru", "bagan@nso.ru", "nsk@nso.ru"]
    at.text_input(key="access_email").input("new@nso.ru")
    at.selectbox(key="access_role").set_value(MUNICIPALITY)
    at.selectbox(key="access_municipality").set_value(NSK_DISTRICT)
    at.button[0].click().run()  # the form's submit button
    assert [s.value for s in at.success] == ["Пользователь new@nso.ru добавлен."]
    engine = make_engine(app_db)
    try:
        assert _log(engine)[-1] == ("tsur@nso.ru", "add", "new@nso.ru", MUNICIPALITY, NSK_DISTRICT)
    finally:
        engine.dispose()
    # Taking the ЦУР role away from oneself is refused.
    at.text_input(key="access_email").input("tsur@nso.ru")
    at.selectbox(key="access_role").set_value(LEADERSHIP)
    at.button[0].click().run()
    assert "Нельзя снять роль ЦУР с самого себя" in at.error[0].value


def test_local_mode_says_sign_in_is_not_configured(app_db):
    from dashboard.ui import access
    from tests.apptest_utils import run_page

    for page in ("pages/overview.py", "pages/data.py", "pages/access.py"):
        at = run_page(app_db, page, now=NOW)
        assert_ok(at)
        assert [i.value for i in at.sidebar.info] == [access.NOT_CONFIGURED], page


def test_migration_keeps_the_import_history(tmp_path):
    """0004 -> 0005 on a database with imports: the rows stay, «Кто» is empty for them."""
    from datetime import datetime

    from sqlalchemy import text

    from dashboard.core import migrate
    from dashboard.core.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        migrate.upgrade(engine, "0004")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO import_log (at, file_name, kind, status, rows_added, rows_updated, "
                              "rows_unchanged, rows_rejected) VALUES (:at, 'pages.csv', 'pages', 'ok', 12, 0, 0, 0)"),
                         {"at": datetime(2026, 11, 1, 3, 0)})
        migrate.upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(select(schema.import_log.c.file_name, schema.import_log.c.user)).all()
        assert [tuple(r) for r in rows] == [("pages.csv", None)]
        user_writer.save_user(engine, "a@nso.ru", TSUR, None, "test")
        with engine.connect() as conn:
            assert user_queries.find_user(conn, "a@nso.ru") == User("a@nso.ru", TSUR)
    finally:
        engine.dispose()


def test_municipality_signals_and_reports_are_its_own(signed_in_app):
    from tests.test_page_signals import rows

    at = signed_in_app("nsk@nso.ru", "pages/signals.py")
    assert_ok(at)
    shown = rows(at)
    assert shown and all("город Новосибирск" in r for r in shown), shown
    assert not any("Баганский" in r or "Новосибирский район" in r for r in shown)
    at = signed_in_app("boss@nso.ru", "pages/signals.py")
    assert len(rows(at)) > len(shown)  # the same page shows every municipality to the leadership
    at = signed_in_app("nsk@nso.ru", "pages/report.py")
    assert_ok(at)
    assert at.selectbox(key="report_scope").options == ["Новосибирская область", "город Новосибирск"]


def test_municipality_profile_keeps_its_address_and_overview_stays_reachable(signed_in_app):
    """The profile is the municipality's first page, not the default one: Streamlit serves the
    default page at the root only, and a shared «…/munitsipalitet?m=…» link answered «Page not
    found». The menu's «Обзор» opens the overview, not the profile again."""
    # (The address itself: tests/test_signin_browser.py opens «…/munitsipalitet» signed in.)
    at = signed_in_app("nsk@nso.ru", query_params={"pl": "ВКонтакте"})
    assert _titles(at)[0] == "город Новосибирск"
    assert at.sidebar.multiselect(key="pl").value == ["vk"]   # the link's parameters travel along
    switch_page(at, "pages/overview.py").run()
    assert_ok(at)
    assert _titles(at)[0] == "Обзор"


def test_municipality_signals_have_no_choice_of_municipality(signed_in_app):
    """A municipality user's signals are its own: a «Муниципалитет» box offering «Все» and it
    alone would change nothing, so it is not drawn; the leadership chooses among all."""
    at = signed_in_app("nsk@nso.ru", "pages/signals.py")
    assert_ok(at)
    assert [s.label for s in at.main.selectbox] == ["Впервые"]
    assert [m.label for m in at.main.multiselect] == ["Важность", "Вид"]
    at = signed_in_app("boss@nso.ru", "pages/signals.py")
    places = at.selectbox(key="where").options
    assert places[0] == "Все" and {"город Новосибирск", "Баганский район"} <= set(places)
