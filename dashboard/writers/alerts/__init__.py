"""Daily digests of signals: record the signals' state, build one digest per recipient and
channel, send it (``python -m dashboard alerts``).

The signals themselves are evaluated by the caller (``dashboard.cli`` calls
``queries.signals.evaluate``) and handed in, so this writer depends on ``dashboard.core`` only.

A digest is kept in ``alert_digest`` per recipient, channel and local day: once sent it is
never sent again that day; a failed send stays 'pending' with the error and is retried by
the next run (a later day's digest replaces it — 'superseded' — and, since "new" and
"resolved" count from the last digest *sent*, nothing it held is lost).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import Engine, func, select, update
from sqlalchemy.engine import Connection

from dashboard.core import formatting as fmt
from dashboard.core import schema
from dashboard.core.db import upsert, utcnow
from dashboard.core.localtime import to_local
from dashboard.core.settings import Settings, get_settings
from dashboard.core.signals import Signal
from dashboard.writers.alerts import digest, recipients, send, state
from dashboard.writers.alerts.digest import EVERYTHING

FALLBACK_WINDOW = timedelta(days=1)  # "resolved since" for a recipient's first digest


@dataclass
class Outcome:
    recipient: str
    channel: str
    status: str          # sent | failed | already_sent | shown
    error: str | None = None


def _scope_name(conn: Connection, r: recipients.Recipient) -> str:
    if r.municipality_id is None:
        return EVERYTHING
    mu = schema.municipality
    return conn.execute(select(mu.c.name).where(mu.c.id == r.municipality_id)).scalar() or str(r.municipality_id)


def _last_sent(conn: Connection, rid: int, channel: str) -> datetime | None:
    d = schema.alert_digest
    return conn.execute(select(func.max(d.c.sent_at)).where(
        d.c.recipient_id == rid, d.c.channel == channel, d.c.status == "sent")).scalar()


def _today_row(conn: Connection, rid: int, channel: str, day: date):
    d = schema.alert_digest
    return conn.execute(select(d).where(d.c.recipient_id == rid, d.c.channel == channel, d.c.day == day)).first()


def deliver(s: Settings, r: recipients.Recipient, channel: str, dg: digest.Digest) -> None:
    if channel == "email":
        send.send_email(s, r.email, dg.subject, dg.body)
    else:
        send.send_telegram(s, r.telegram_token, r.telegram_chat_id, f"{dg.subject}\n\n{dg.body}")


def run(engine: Engine, signals: list[Signal], *, now: datetime | None = None, settings: Settings | None = None,
        do_send: bool = False, dry_run: bool = False, out: Callable[[str], None] = print,
        err: Callable[[str], None] | None = None) -> list[Outcome]:
    """Record ``signals`` (unless ``dry_run``), then for each active recipient and channel build
    today's digest; with ``do_send`` (and not ``dry_run``) send it, else print it."""
    s = settings or get_settings()
    now = now or utcnow()
    err = err or (lambda text: print(text, file=sys.stderr))
    day = to_local(now, s.tz).date()
    sending = do_send and not dry_run
    with engine.begin() as conn:
        if dry_run:
            stored = state.load(conn)
            changes, after = state.compare(stored, signals), state.apply(stored, signals, now)
        else:
            changes, after = state.record(conn, signals, now)
        people = recipients.load(conn, active_only=True)
    out(f"Сигналы на {fmt.dt(to_local(now, s.tz))}: открыто "
        f"{fmt.num(len(signals))}, новых {fmt.num(len(changes.opened))}, решено {fmt.num(len(changes.resolved))}"
        + (" (пробный запуск: ничего не записано)" if dry_run else "") + ".")
    if not people:
        out("Получателей сводок нет: добавьте их командой `python -m dashboard recipients add` "
            "или на странице «Получатели сводок».")
        return []
    outcomes = []
    d = schema.alert_digest
    for r in people:
        for channel in r.channels:
            who = f"{r.name} ({schema.DIGEST_CHANNELS[channel]})"
            with engine.begin() as conn:
                row = _today_row(conn, r.id, channel, day)
                if row is not None and row.status == "sent":
                    sent_local = to_local(row.sent_at, s.tz)
                    out(f"{who}: сводка за {fmt.d(day)} уже отправлена {fmt.dt(sent_local)} — повторно не отправляется.")
                    outcomes.append(Outcome(r.name, channel, "already_sent"))
                    continue
                last = _last_sent(conn, r.id, channel)
                new, still, resolved = digest.select(after, r.municipality_id, last, now, FALLBACK_WINDOW)
                dg = digest.compose(_scope_name(conn, r), day, new, still, resolved, s.app_url)
                if not sending:
                    out(f"--- {who} ---\nТема: {dg.subject}\n{dg.body}\n")
                    outcomes.append(Outcome(r.name, channel, "shown"))
                    continue
                for old in conn.execute(select(d.c.day, d.c.last_error).where(
                        d.c.recipient_id == r.id, d.c.channel == channel, d.c.status == "pending", d.c.day < day)):
                    err(f"{who}: сводка за {fmt.d(old.day)} не была доставлена ({old.last_error or 'ошибка'}); "
                        f"её сигналы вошли в сводку за {fmt.d(day)}.")
                conn.execute(update(d).where(d.c.recipient_id == r.id, d.c.channel == channel,
                                             d.c.status == "pending", d.c.day < day).values(status="superseded"))
                upsert(conn, d, [{"recipient_id": r.id, "channel": channel, "day": day, "status": "pending",
                                  "subject": dg.subject[:255], "body": dg.body, "attempts": 0,
                                  "created_at": now}],
                       ["recipient_id", "channel", "day"], ["subject", "body"])
            try:
                deliver(s, r, channel, dg)
            except send.SendError as e:
                with engine.begin() as conn:
                    conn.execute(update(d).where(d.c.recipient_id == r.id, d.c.channel == channel, d.c.day == day)
                                 .values(attempts=d.c.attempts + 1, last_error=str(e)))
                err(f"{who}: сводку отправить не удалось — {str(e).rstrip('.')}. Она осталась в очереди "
                    "и будет отправлена при следующем запуске.")
                outcomes.append(Outcome(r.name, channel, "failed", str(e)))
                continue
            with engine.begin() as conn:
                conn.execute(update(d).where(d.c.recipient_id == r.id, d.c.channel == channel, d.c.day == day)
                             .values(status="sent", sent_at=now, attempts=d.c.attempts + 1, last_error=None))
            out(f"{who}: сводка отправлена (новых {dg.new}, открыто {dg.open}, решено {dg.resolved}).")
            outcomes.append(Outcome(r.name, channel, "sent"))
    return outcomes


def run_cli(engine: Engine, args, signals: list[Signal]) -> int:
    """``python -m dashboard alerts [--send] [--dry-run]``: exit 1 when a send failed."""
    outcomes = run(engine, signals, do_send=args.send, dry_run=args.dry_run)
    return 1 if any(o.status == "failed" for o in outcomes) else 0


def recipients_cli(engine: Engine, args) -> int:
    """``python -m dashboard recipients list|add|remove``."""
    if args.action == "list":
        with engine.connect() as conn:
            people = recipients.load(conn)
            names = dict(conn.execute(select(schema.municipality.c.id, schema.municipality.c.name)).all())
        if not people:
            print("Получателей нет.")
        for r in people:
            where = names.get(r.municipality_id, "ЦУР: все сигналы") if r.municipality_id else "ЦУР: все сигналы"
            chans = ", ".join(filter(None, [r.email, r.telegram_chat_id and f"Telegram {r.telegram_chat_id}"]))
            print(f"{r.name} — {where} — {chans}" + ("" if r.active else " (отключён)"))
        return 0
    try:
        with engine.begin() as conn:
            if args.action == "add":
                mid = recipients.municipality_id_by_name(conn, args.municipality)
                recipients.save(conn, name=args.name, municipality_id=mid, email=args.email,
                                telegram_chat_id=args.telegram, telegram_token=args.telegram_token,
                                active=not args.disabled)
                print(f"Получатель «{args.name.strip()}» сохранён.")
                return 0
            if not recipients.remove(conn, args.name):
                print(f"Получатель «{args.name}» не найден.", file=sys.stderr)
                return 1
            print(f"Получатель «{args.name}» удалён.")
            return 0
    except recipients.RecipientError as e:
        print(f"Ошибка: {e}", file=sys.stderr)
        return 2
