"""Sign-in in the real app: Streamlit's st.login against a real OpenID Connect provider
(oidc-provider-mock) on 127.0.0.1, in Debian's Chromium. Each role signs in and sees its pages,
municipalities and actions; a deep link to «Данные» as «муниципалитет» is refused; an anonymous
visitor sees only the sign-in screen."""

from __future__ import annotations

import re
import secrets
import threading

import pytest

from tests import browser
from tests.apptest_utils import fixture_db_url
from tests.fixture_data import NSK

sync_api = browser.require_chromium()
oidc = pytest.importorskip("oidc_provider_mock")

USERS = {  # e-mail -> (role, municipality, display name)
    "tsur@nso.ru": ("tsur", None, "Иванова Анна"),
    "boss@nso.ru": ("leadership", None, "Петров Пётр"),
    "nsk@nso.ru": ("municipality", NSK, "Сидоров Семён"),
}
STRANGER = "stranger@mail.ru"
SIGN_IN = "Госпаблики Новосибирской области"
NO_ACCESS = "Нет доступа"


@pytest.fixture(scope="module")
def provider():
    """The OIDC provider on 127.0.0.1; yields its base URL."""
    import os

    import werkzeug.serving

    before = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # plain http on 127.0.0.1 (the app's client too)
    users = [oidc.User(sub=email, claims={"email": email, "name": name})
             for email, (_r, _m, name) in USERS.items()]
    users.append(oidc.User(sub=STRANGER, claims={"email": STRANGER, "name": "Посторонний"}))
    server = werkzeug.serving.make_server("127.0.0.1", browser.free_port(), oidc.app(user_claims=users),
                                          threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        if before is None:
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)
        else:
            os.environ["AUTHLIB_INSECURE_TRANSPORT"] = before


@pytest.fixture(scope="module")
def app_url(provider, tmp_path_factory):
    """The app with sign-in configured ([auth] in its own secrets.toml) on the fixture data."""
    from dashboard.core.db import make_engine
    from dashboard.writers import users

    tmp = tmp_path_factory.mktemp("signin")
    url = fixture_db_url(tmp)
    engine = make_engine(url)
    for email, (role, mid, _name) in USERS.items():
        users.save_user(engine, email, role, mid, "test")
    engine.dispose()
    port = browser.free_port()
    secrets_file = tmp / "secrets.toml"
    secrets_file.write_text(f'''[auth]
redirect_uri = "http://127.0.0.1:{port}/oauth2callback"
cookie_secret = "{secrets.token_urlsafe(32)}"
client_id = "gospubliki-dashboard"
client_secret = "{secrets.token_urlsafe(16)}"
server_metadata_url = "{provider}/.well-known/openid-configuration"
''', encoding="utf-8")
    with browser.running_app(url, tmp / "streamlit.log", port=port,
                             extra_args=("--secrets.files", str(secrets_file))) as base:
        yield base


@pytest.fixture
def page(chromium, outside):
    """A fresh browser context (no cookies) per test; requests may go only to 127.0.0.1."""
    pg = browser.new_page(chromium, 1366, 768, outside)
    yield pg
    pg.context.close()
    # The mock provider's own sign-in form links a stylesheet from a CDN (blocked, harmless);
    # nothing else, and nothing from the app, may leave 127.0.0.1.
    assert [u for u in outside if not u.endswith("/pico.min.css")] == []


def main_title(page) -> str:
    return page.locator('[data-testid="stMain"] h1').first.inner_text()


def menu(page) -> list[str]:
    """Titles of the sidebar menu's links (the material icon's name is text too: take the last line)."""
    more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if more.count() and "more" in more.inner_text().lower() or more.count() and "ещё" in more.inner_text().lower():
        more.click()
        page.wait_for_timeout(300)
    return [a.inner_text().strip().split("\n")[-1] for a in page.locator('[data-testid="stSidebarNav"] a').all()]


def sign_in(page, base: str, email: str) -> None:
    browser.open_page(page, base, "")
    assert main_title(page) == SIGN_IN
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(re.compile(r"/oauth2/authorize"), timeout=30_000)
    page.get_by_role("button", name=email, exact=True).click()  # the provider's "predefined user"
    page.wait_for_url(re.compile(r"^" + re.escape(base) + r"/?(\?.*)?$"), timeout=30_000)
    browser.wait_idle(page)


def test_anonymous_sees_only_the_sign_in_screen(app_url, page):
    for path in ("", "dannye", "obrashcheniya", "dostup"):
        browser.open_page(page, app_url, path)
        assert main_title(page) == SIGN_IN, path
        main = page.locator('[data-testid="stMain"]')
        assert main.locator("button").count() == 1
        assert main.get_by_role("button", name="Войти").count() == 1
        assert menu(page) == []
        assert page.locator('[data-testid="stMetric"]').count() == 0
        assert page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').count() == 0


def test_tsur_has_every_page_and_imports(app_url, page):
    sign_in(page, app_url, "tsur@nso.ru")
    assert main_title(page) == "Обзор"
    assert {"Данные", "Доступ", "Получатели сводок", "Обращения"} <= set(menu(page))
    assert page.locator('[data-testid="stSidebar"]').get_by_text("Вы вошли: Иванова Анна · ЦУР").count() == 1
    browser.open_page(page, app_url, "dannye")
    assert main_title(page) == "Данные"
    assert page.locator('[data-testid="stFileUploader"]').count() == 1
    browser.open_page(page, app_url, "dostup")
    assert main_title(page) == "Доступ"
    assert page.get_by_role("button", name="Сохранить").count() == 1
    assert browser.page_errors(page) == []


def test_leadership_sees_everything_but_cannot_write(app_url, page):
    sign_in(page, app_url, "boss@nso.ru")
    assert main_title(page) == "Обзор"
    shown = set(menu(page))
    assert {"Обзор", "Карта", "Рейтинг", "Муниципалитет", "Обращения", "Реестр госпабликов", "Отчёт"} <= shown
    assert not shown & {"Данные", "Доступ", "Получатели сводок"}
    for path in ("dannye", "dostup", "poluchateli"):
        browser.open_page(page, app_url, path)
        assert main_title(page) == NO_ACCESS, path
        assert page.locator('[data-testid="stFileUploader"]').count() == 0


def test_municipality_opens_its_profile_and_cannot_import(app_url, page):
    sign_in(page, app_url, "nsk@nso.ru")
    assert main_title(page) == "город Новосибирск"  # its profile opens first
    assert page.url.split("?")[0] == app_url + "/munitsipalitet"
    assert not set(menu(page)) & {"Данные", "Доступ", "Получатели сводок"}
    # The profile's shared address works for this role too (it answered «Page not found» while
    # the profile was the role's default page, served at the root only), and «Обзор» is the root.
    browser.open_page(page, app_url, "munitsipalitet", "m=" + str(NSK))
    assert main_title(page) == "город Новосибирск"
    assert browser.page_errors(page) == []
    browser.open_page(page, app_url, "")
    assert main_title(page) == "город Новосибирск"  # a new session at the root: its home again
    page.locator('[data-testid="stSidebarNav"] a', has_text="Обзор").click()
    browser.wait_idle(page)
    assert main_title(page) == "Обзор"
    # (The municipality selector offers only its own: tests/test_access.py, AppTest.)
    # A shared link naming another municipality still shows only its own.
    browser.open_page(page, app_url, "obrashcheniya", "mo=Баганский+район")
    assert main_title(page) == "Обращения жителей"
    browser.screenshot(page, "signin-municipality-foreign-link")
    shown = page.locator('[data-testid="stMain"]').inner_text()
    assert "Выбран муниципалитет: город Новосибирск" in shown
    assert "Муниципалитет «Баганский район» из ссылки вам недоступен: показан ваш муниципалитет." in shown
    assert shown.count("Баганский район") == 1  # only in that notice
    assert "Показать все муниципалитеты" not in shown
    # The deep link to «Данные» is refused on the server.
    browser.open_page(page, app_url, "dannye")
    assert main_title(page) == NO_ACCESS
    assert "недоступна для роли «муниципалитет»" in page.locator('[data-testid="stMain"]').inner_text()
    assert page.locator('[data-testid="stFileUploader"]').count() == 0


def test_signed_in_without_a_role_sees_only_a_message(app_url, page):
    sign_in(page, app_url, STRANGER)
    assert main_title(page) == NO_ACCESS
    assert f"Вы вошли как {STRANGER}, но роль вам не назначена" in page.locator('[data-testid="stMain"]').inner_text()
    assert menu(page) == []
    browser.open_page(page, app_url, "obrashcheniya")
    assert main_title(page) == NO_ACCESS


def test_sign_out_ends_the_provider_session_too(app_url, page):
    sign_in(page, app_url, "boss@nso.ru")
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Выйти").click()
    # RP-initiated logout: Streamlit sends the browser to the provider's end_session endpoint,
    # which sends it back to the app.
    page.wait_for_url(re.compile(r"/oauth2/end_session"), timeout=30_000)
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(re.compile(r"^" + re.escape(app_url)), timeout=30_000)
    browser.open_page(page, app_url, "obrashcheniya")
    assert main_title(page) == SIGN_IN
