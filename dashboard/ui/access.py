"""Sign-in and roles in the Streamlit shell: who is this session, and refusals on the server.

Sign-in is Streamlit's own ``st.login`` / ``st.user`` (OpenID Connect through Authlib),
configured in ``.streamlit/secrets.toml`` under ``[auth]``; roles come from the database
(``app_user``); the rules are ``dashboard.core.access``. The entry point calls ``gate()``
before anything else is drawn and ``require_page()`` for the page asked for, so a hidden
page opened by a deep link is refused here, not just left out of the menu.

For pages and other modules::

    from dashboard.ui import access
    user = access.current()                 # dashboard.core.access.User of this run
    access.require(write=True)              # stops the page with «Нет доступа» unless allowed
    access.require(municipality_id=mid)     # ... unless the user may see that municipality's detail
    if access.may_see(mid): ...             # the same as a question
    ids = access.visible(ids)               # the municipalities whose detail the user may see
    mid = access.own_municipality()         # a municipality user's own (None: the user sees all)

Without an identity provider (no ``[auth]``) the app runs in local trusted mode: the scripts
bind it to 127.0.0.1, the local visitor acts as ЦУР, and every page says that sign-in is not
configured; a visitor from another address is refused.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

import streamlit as st

from dashboard.core import access as rules
from dashboard.core.access import User
from dashboard.presentation.plaintext import literal

SESSION_KEY = "_access_user"
NO_ACCESS = "Нет доступа"
LOCAL_USER = User(email="локальный режим", role=rules.TSUR, name="Локальный режим", local=True)
NOT_CONFIGURED = ("Вход не настроен: приложение открыто только на этом компьютере, с правами ЦУР "
                  "(README, «Доступ и безопасность»).")
# Headers a reverse proxy on the same machine adds: the visitor is then not local at all.
FORWARD_HEADERS = ("X-Forwarded-For", "X-Real-Ip", "Forwarded")


# -- seams (tests replace these) ---------------------------------------------------------------

def auth_section() -> dict:
    """The ``[auth]`` section of secrets.toml, or {} when there is none."""
    try:
        section = st.secrets.get("auth")
    except Exception:  # no secrets file at all, or an unreadable one
        return {}
    return dict(section) if section else {}


def auth_configured() -> bool:
    """Sign-in is configured: ``[auth]`` has what st.login needs."""
    auth = auth_section()
    return bool(auth.get("redirect_uri")) and bool(auth.get("cookie_secret"))


def identity() -> dict | None:
    """The signed-in person from the identity provider's token: {"email", "name"}; None when
    nobody is signed in."""
    user = st.user
    if not user.get("is_logged_in"):
        return None
    return {"email": str(user.get("email") or ""), "name": str(user.get("name") or "")}


def local_client() -> bool:
    """The visitor connects from this machine, and not through a proxy."""
    ip = st.context.ip_address  # None for 127.0.0.1 and ::1
    if isinstance(ip, str):  # (AppTest has no client connection: not a string there)
        try:
            if not ipaddress.ip_address(ip).is_loopback:
                return False
        except ValueError:
            return False
    headers = st.context.headers or {}
    return not any(headers.get(h) for h in FORWARD_HEADERS)


# -- who is this ---------------------------------------------------------------------------------

def resolve() -> User | None:
    """The user of this session: None for an anonymous visitor (or a remote one in local mode);
    a User with role None for a signed-in person without a role."""
    if not auth_configured():
        return LOCAL_USER if local_client() else None
    ident = identity()
    if ident is None:
        return None
    from dashboard.ui.widgets import get_engine
    from queries import users

    with get_engine().connect() as conn:
        found = users.find_user(conn, ident["email"])
    if found is None:
        return User(email=rules.normalise_email(ident["email"]), role=None, name=ident["name"])
    return replace(found, name=ident["name"])


def current() -> User | None:
    """The user ``gate()`` let in on this run."""
    return st.session_state.get(SESSION_KEY)


def may_see(municipality_id: int | None) -> bool:
    return rules.may_see_details(current(), municipality_id)


def visible(ids) -> list[int]:
    return rules.visible_municipalities(current(), ids)


def own_municipality() -> int | None:
    """The municipality a municipality user is bound to; None for the roles that see every one
    (a choice among all 35 means nothing to the former: its own is the only one it sees)."""
    user = current()
    return user.municipality_id if user is not None and user.role == rules.MUNICIPALITY else None


# -- refusals ------------------------------------------------------------------------------------

def refuse(text: str) -> None:
    """«Нет доступа» with the reason, and nothing else of the page."""
    st.title(NO_ACCESS, anchor=False)
    st.error(text, icon=":material/block:")
    st.stop()


def require(page: str | None = None, *, write: bool = False, municipality_id: int | None = None,
            manage_users: bool = False) -> User:
    """Stop the page unless the current user may open ``page``, write, manage users, or see
    the detail of ``municipality_id``."""
    user = current()
    if user is None or user.role is None:
        refuse("Войдите, чтобы открыть эту страницу.")
    if page is not None and not rules.may_open(user, page):
        refuse(f"Эта страница недоступна для роли «{user.role_label}».")
    if write and not rules.may_write(user):
        refuse(f"Изменять данные может только ЦУР; ваша роль — «{user.role_label}».")
    if manage_users and not rules.may_manage_users(user):
        refuse("Пользователей и роли изменяет только ЦУР.")
    if municipality_id is not None and not rules.may_see_details(user, municipality_id):
        refuse("Подробные данные этого муниципалитета вам недоступны: доступен только ваш муниципалитет.")
    return user


def gate() -> User:
    """Decide who this is before anything is drawn: the sign-in screen for an anonymous visitor,
    a message for a signed-in person without a role, a refusal for a remote visitor in local
    mode; otherwise the user (also kept for this run, see ``current()``)."""
    st.session_state.pop(SESSION_KEY, None)
    configured = auth_configured()
    user = resolve()
    if user is None and not configured:
        refuse("Вход не настроен, поэтому приложение открыто только на компьютере, где оно запущено "
               "(127.0.0.1). Для работы в сети администратор настраивает вход — README, раздел "
               "«Доступ и безопасность».")
    if user is None:
        _sign_in_screen()
        st.stop()
    if user.role is None:
        st.title(NO_ACCESS, anchor=False)
        st.error(f"Вы вошли как {literal(user.email)}, но роль вам не назначена. Чтобы получить доступ, "
                 "обратитесь в ЦУР: роль назначают на странице «Доступ».", icon=":material/block:")
        st.button("Выйти", on_click=st.logout, key="access_logout")
        st.stop()
    st.session_state[SESSION_KEY] = user
    return user


SIGN_IN_TITLE = "Госпаблики Новосибирской области"


def _sign_in_screen() -> None:
    st.title(SIGN_IN_TITLE, anchor=False)
    st.markdown("Дашборд официальных страниц органов власти и муниципалитетов Новосибирской области. "
                "Войдите с учётной записью вашей организации.")
    st.button("Войти", type="primary", icon=":material/login:", on_click=_login, key="access_login")


def _login() -> None:
    auth = auth_section()
    named = [k for k, v in auth.items() if isinstance(v, dict) and "client_id" in v]
    st.login(None if "client_id" in auth or not named else named[0])


def show_identity(user: User) -> None:
    """Who is signed in (sidebar, every page), or the local-mode notice."""
    if user.local:
        st.sidebar.info(NOT_CONFIGURED, icon=":material/lock_open:")
        return
    box = st.sidebar.container(border=True)
    who = user.name or user.email
    box.caption(f"Вы вошли: {who} · {user.role_label}")
    box.button("Выйти", on_click=st.logout, key="access_logout", icon=":material/logout:")
