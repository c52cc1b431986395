"""Users and roles: add or change, remove; every change is recorded in ``access_log`` with the
actor, in the same transaction. Rules: ``dashboard.core.access``."""

from __future__ import annotations

import getpass
import sys
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select, update

from dashboard.core import access, schema
from dashboard.core.db import utcnow


@dataclass(frozen=True)
class Change:
    action: str   # add | change | remove | none
    email: str

    def text(self) -> str:
        return {
            "add": f"Пользователь {self.email} добавлен.",
            "change": f"Роль пользователя {self.email} изменена.",
            # sign-in is the provider's: a removed user still signs in, and sees no data
            "remove": f"Пользователь {self.email} удалён: после входа он увидит только «Нет доступа».",
            "none": f"Пользователь {self.email}: ничего не изменилось.",
        }[self.action]


def _check_email(email: str) -> str:
    e = access.normalise_email(email)
    if "@" not in e or len(e) > 255 or any(c.isspace() for c in e):
        raise access.AccessError(f"«{email}» не похоже на адрес электронной почты.")
    return e


def save_user(engine: Engine, email: str, role: str, municipality_id: int | None, actor: str) -> Change:
    """Add the user or change their role and binding; record the change with ``actor``."""
    email = _check_email(email)
    access.check_binding(role, municipality_id)
    u = schema.app_user
    now = utcnow()
    with engine.begin() as conn:
        if municipality_id is not None and conn.execute(
                select(schema.municipality.c.id).where(schema.municipality.c.id == municipality_id)).first() is None:
            raise access.AccessError(f"Нет муниципалитета с номером {municipality_id}.")
        old = conn.execute(select(u.c.role, u.c.municipality_id).where(u.c.email == email)).first()
        if old is not None and (old.role, old.municipality_id) == (role, municipality_id):
            return Change("none", email)
        if old is None:
            conn.execute(insert(u).values(email=email, role=role, municipality_id=municipality_id,
                                          created_at=now, created_by=actor, updated_at=now, updated_by=actor))
            action = "add"
        else:
            conn.execute(update(u).where(u.c.email == email).values(
                role=role, municipality_id=municipality_id, updated_at=now, updated_by=actor))
            action = "change"
        conn.execute(insert(schema.access_log).values(at=now, actor=actor, action=action, email=email, role=role,
                                                      municipality_id=municipality_id))
    return Change(action, email)


def remove_user(engine: Engine, email: str, actor: str) -> Change:
    email = access.normalise_email(email)
    u = schema.app_user
    with engine.begin() as conn:
        old = conn.execute(select(u.c.role, u.c.municipality_id).where(u.c.email == email)).first()
        if old is None:
            raise access.AccessError(f"Пользователя {email} нет в списке.")
        conn.execute(delete(u).where(u.c.email == email))
        conn.execute(insert(schema.access_log).values(at=utcnow(), actor=actor, action="remove", email=email,
                                                      role=old.role, municipality_id=old.municipality_id))
    return Change("remove", email)


def cli_actor() -> str:
    """How a change made from the command line is recorded."""
    try:
        name = getpass.getuser()
    except Exception:  # no login name (a container without a passwd entry)
        name = "?"
    return f"командная строка: {name}"


# -- command line ---------------------------------------------------------------------------

def run_cli(engine: Engine, args, municipality_id: int | None = None) -> int:
    """``python -m dashboard users add|remove``; ``municipality_id``: ``--municipality``
    already resolved by the caller (dashboard.cli, which also lists the users: a read)."""
    from dashboard.core import migrate

    migrate.upgrade(engine)
    try:
        if not args.email:
            raise access.AccessError("Укажите адрес электронной почты пользователя.")
        if args.action == "remove":
            print(remove_user(engine, args.email, cli_actor()).text())
            return 0
        if not args.role:
            raise access.AccessError("Укажите роль: --role ЦУР, --role руководство или --role муниципалитет.")
        role = access.parse_role(args.role)
        print(save_user(engine, args.email, role, municipality_id, cli_actor()).text())
        return 0
    except access.AccessError as e:
        print(f"Ошибка: {e}", file=sys.stderr)
        return 1

