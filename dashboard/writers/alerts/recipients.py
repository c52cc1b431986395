"""Digest recipients (``alert_recipient``): who gets which signals, by which channels.

A recipient without a municipality is the ЦУР and gets every signal; a municipality's
recipient gets that municipality's signals (its pages included). Channels: an e-mail
address and/or a Telegram chat id (with an own bot token, or TELEGRAM_BOT_TOKEN).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from dashboard.core import reference_data, schema
from dashboard.core.db import utcnow

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CHAT_RE = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,62})$")
TOKEN_RE = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{20,80}$")


class RecipientError(ValueError):
    """Bad recipient data; the message is in Russian."""


@dataclass(frozen=True)
class Recipient:
    id: int
    name: str
    municipality_id: int | None
    email: str | None
    telegram_chat_id: str | None
    telegram_token: str | None
    active: bool

    @property
    def channels(self) -> list[str]:
        return [c for c, v in (("email", self.email), ("telegram", self.telegram_chat_id)) if v]


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def validate(name: str, email: str | None, chat_id: str | None, token: str | None) -> dict:
    """Cleaned values, or RecipientError saying which field is wrong."""
    name, email, chat_id, token = _clean(name), _clean(email), _clean(chat_id), _clean(token)
    if not name:
        raise RecipientError("Укажите имя получателя.")
    if len(name) > 120:
        raise RecipientError("Имя получателя длиннее 120 знаков.")
    if email and not EMAIL_RE.match(email):
        raise RecipientError(f"Адрес эл. почты {email!r} не похож на адрес (ожидалось имя@домен).")
    if chat_id and not CHAT_RE.match(chat_id):
        raise RecipientError(f"ID чата в Telegram {chat_id!r}: ожидалось число (например -1001234567890) "
                             "или @имя_канала.")
    if token and not TOKEN_RE.match(token):
        raise RecipientError("Токен бота Telegram: ожидалось «123456:ABC…» (как выдаёт @BotFather).")
    if not email and not chat_id:
        raise RecipientError("Укажите адрес эл. почты или ID чата в Telegram: иначе сводку некуда отправлять.")
    return {"name": name, "email": email, "telegram_chat_id": chat_id, "telegram_token": token}


def municipality_id_by_name(conn: Connection, name: str | None) -> int | None:
    """None for an empty name (the ЦУР); RecipientError for an unknown or ambiguous one. Names
    are read as by ``report`` and ``users`` (``reference_data.resolve_municipality``)."""
    name = _clean(name)
    if name is None:
        return None
    mu = schema.municipality
    names = dict(conn.execute(select(mu.c.id, mu.c.name)).all())
    try:
        return reference_data.resolve_municipality(names, name)
    except reference_data.UnknownMunicipality as e:
        raise RecipientError(str(e)) from e


def save(conn: Connection, *, name: str, municipality_id: int | None, email: str | None = None,
         telegram_chat_id: str | None = None, telegram_token: str | None = None,
         active: bool = True) -> int:
    """Add a recipient, or update the one with that name; returns its id."""
    values = validate(name, email, telegram_chat_id, telegram_token)
    values |= {"municipality_id": municipality_id, "active": bool(active)}
    r = schema.alert_recipient
    rid = conn.execute(select(r.c.id).where(r.c.name == values["name"])).scalar()
    if rid is None:
        return conn.execute(r.insert().values(**values, created_at=utcnow())).inserted_primary_key[0]
    conn.execute(update(r).where(r.c.id == rid).values(**values))
    return rid


def remove(conn: Connection, name: str) -> bool:
    r, d = schema.alert_recipient, schema.alert_digest
    rid = conn.execute(select(r.c.id).where(r.c.name == name.strip())).scalar()
    if rid is None:
        return False
    conn.execute(delete(d).where(d.c.recipient_id == rid))
    conn.execute(delete(r).where(r.c.id == rid))
    return True


def load(conn: Connection, active_only: bool = False) -> list[Recipient]:
    r = schema.alert_recipient
    stmt = select(r.c.id, r.c.name, r.c.municipality_id, r.c.email, r.c.telegram_chat_id,
                  r.c.telegram_token, r.c.active).order_by(r.c.municipality_id.is_not(None), r.c.name)
    if active_only:
        stmt = stmt.where(r.c.active.is_(True))
    return [Recipient(**row._mapping) for row in conn.execute(stmt)]
