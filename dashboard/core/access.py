"""Who may see and change what: the role rules, pure (no Streamlit, no database).

Three roles, kept in the database (table ``app_user``), edited on «Доступ» and by
``python -m dashboard users``:

    leadership    «руководство»: every screen and report, no writes
    tsur          «ЦУР»: everything, including imports, import and collection history, users,
                  recipients of digests
    municipality  «муниципалитет»: bound to one municipality; its profile opens first; its own
                  overdue list and page list only; the rating and peer comparison as everyone
                  sees them; no writes

A signed-in person without a role sees nothing but a message. Without an identity provider
the app runs in *local trusted mode*: bound to 127.0.0.1, the one local visitor acts as ЦУР.

Pages are named by their url_path (``dashboard/ui/app.py`` NAVIGATION); a page missing from
PAGE_ROLES is refused to everybody (deny by default), so a new page must be listed here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LEADERSHIP, TSUR, MUNICIPALITY = "leadership", "tsur", "municipality"
ROLES = {LEADERSHIP: "руководство", TSUR: "ЦУР", MUNICIPALITY: "муниципалитет"}
ALL_ROLES = frozenset(ROLES)

# url_path -> roles that may open the page. The overview's url_path is "obzor" (it is served
# at the root for most roles).
PAGE_ROLES: dict[str, frozenset[str]] = {
    "obzor": ALL_ROLES,
    "karta": ALL_ROLES,
    "reiting": ALL_ROLES,
    "munitsipalitet": ALL_ROLES,
    "obrashcheniya": ALL_ROLES,     # a municipality sees only its own overdue list
    "reestr": ALL_ROLES,            # ... and only its own pages
    "otchet": ALL_ROLES,            # ... and reports on the oblast or itself
    "signaly": ALL_ROLES,           # ... and only its own signals
    "stranitsa": ALL_ROLES,         # ... and only the profiles of its own pages
    "metodika": ALL_ROLES,
    "dannye": frozenset({TSUR}),    # imports and the history of imports and collection
    "poluchateli": frozenset({TSUR}),  # recipients of the signal digests
    "dostup": frozenset({TSUR}),    # users and roles
}
HOME_PAGE = {LEADERSHIP: "obzor", TSUR: "obzor", MUNICIPALITY: "munitsipalitet"}


class AccessError(ValueError):
    """A role or binding that cannot be (message in Russian)."""


@dataclass(frozen=True)
class User:
    """The person behind a session. ``role`` None: signed in, but no role assigned."""

    email: str
    role: str | None
    municipality_id: int | None = None
    name: str = ""
    local: bool = False   # local trusted mode: no identity provider, visitor on 127.0.0.1

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, "нет роли")

    @property
    def actor(self) -> str:
        """How writes by this user are recorded (import_log.user, access_log.actor)."""
        return "локальный режим" if self.local else self.email


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def parse_role(text: str) -> str:
    """A role code from its code or Russian name ('ЦУР', 'руководство', 'municipality')."""
    t = (text or "").strip().lower().replace("ё", "е")
    for code, label in ROLES.items():
        if t in (code, label.lower()):
            return code
    names = ", ".join(f"«{label}» ({code})" for code, label in ROLES.items())
    raise AccessError(f"Неизвестная роль «{text}»: допустимы {names}.")


def check_binding(role: str, municipality_id: int | None) -> None:
    """A municipality user is bound to exactly one municipality; the other roles to none."""
    if role not in ROLES:
        raise AccessError(f"Неизвестная роль «{role}».")
    if role == MUNICIPALITY and municipality_id is None:
        raise AccessError("Для роли «муниципалитет» укажите муниципалитет.")
    if role != MUNICIPALITY and municipality_id is not None:
        raise AccessError(f"Роль «{ROLES[role]}» не привязывается к муниципалитету: муниципалитет указывают "
                          "только для роли «муниципалитет».")


def may_open(user: User | None, page: str) -> bool:
    """May ``user`` open the page with this url_path?"""
    return user is not None and user.role in PAGE_ROLES.get(page, frozenset())


def may_write(user: User | None) -> bool:
    """Imports, collection, demo data, any change of data."""
    return user is not None and user.role == TSUR


def may_manage_users(user: User | None) -> bool:
    return user is not None and user.role == TSUR


def may_see_details(user: User | None, municipality_id: int | None) -> bool:
    """May ``user`` see the detail of this municipality (overdue list, page list, profile)?
    ``municipality_id`` None or 0: regional bodies."""
    if user is None or user.role is None:
        return False
    if user.role == MUNICIPALITY:
        return municipality_id is not None and municipality_id == user.municipality_id
    return True


def visible_municipalities(user: User | None, ids: Iterable[int]) -> list[int]:
    """The ids among ``ids`` whose detail ``user`` may see, in the given order."""
    return [i for i in ids if may_see_details(user, i)]


def home_page(user: User | None) -> str:
    """url_path of the page a session opens on."""
    return HOME_PAGE.get(user.role, "obzor") if user is not None else "obzor"
