"""Daily digests delivered to a local SMTP server (aiosmtpd) and a fake Telegram Bot API,
both on 127.0.0.1: recipients and text, no second send on the same day, a failed send kept
pending and delivered by the next run, the CLI."""

from __future__ import annotations

import json
import socket
import threading
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from dashboard.core import schema
from dashboard.core.settings import Settings
from dashboard.writers import alerts
from dashboard.writers.alerts import recipients
from dashboard.writers.alerts.send import split_text
from queries import signals
from tests.fixture_data import BAGAN, NOW, NSK

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc"
APP = "https://dash.example.org"
NB = "\u00a0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, msg["Subject"], msg.get_content()))
        return "250 OK"


@contextmanager
def smtp_server():
    box = Mailbox()
    ctl = Controller(box, hostname="127.0.0.1", port=free_port())
    ctl.start()
    try:
        yield box, ctl.port
    finally:
        ctl.stop()


class FakeTelegram:
    """Answers POST /bot<token>/sendMessage like the Bot API; ``fail`` makes it refuse."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.delivered: list[dict] = []
        self.fail = False
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.calls.append((self.path, body))
                if fake.fail:
                    self.send_response(502)
                    answer = {"ok": False, "error_code": 502, "description": "Bad Gateway"}
                elif not self.path.endswith("/sendMessage"):
                    self.send_response(404)
                    answer = {"ok": False, "description": "Not Found"}
                else:
                    self.send_response(200)
                    fake.delivered.append(body)
                    answer = {"ok": True, "result": {"message_id": len(fake.calls), "text": body["text"]}}
                data = json.dumps(answer).encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def texts(self) -> dict[str, str]:
        """The last digest each chat received (pieces of a long one joined)."""
        out: dict[str, list[str]] = {}
        for body in self.delivered:
            if body["text"].startswith("Госпаблики НСО, сигналы"):
                out[body["chat_id"]] = []
            out[body["chat_id"]].append(body["text"])
        return {chat: "\n".join(parts) for chat, parts in out.items()}


@pytest.fixture
def world(fixture_engine):
    tg = FakeTelegram()
    tg.thread.start()
    with smtp_server() as (box, port):
        s = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False,
                     smtp_sender="dashboard@example.org", telegram_api_url=tg.url,
                     telegram_bot_token=TOKEN, app_url=APP)
        with fixture_engine.begin() as conn:
            recipients.save(conn, name="ЦУР", municipality_id=None, email="cur@example.org",
                            telegram_chat_id="-1001")
            recipients.save(conn, name="Мэрия Новосибирска", municipality_id=NSK, telegram_chat_id="-1031")
            recipients.save(conn, name="Баганский район", municipality_id=BAGAN, email="bagan@example.org")
            recipients.save(conn, name="Отключённый", municipality_id=None, email="off@example.org", active=False)
        yield fixture_engine, s, box, tg
    tg.server.shutdown()


def run(engine, s, now=NOW, **kw):
    with engine.connect() as conn:
        found = signals.evaluate(conn, now, s)
    out, err = [], []
    outcomes = alerts.run(engine, found, now=now, settings=s, out=out.append, err=err.append, **kw)
    return outcomes, "\n".join(out), "\n".join(err)


def digests(engine):
    d, r = schema.alert_digest, schema.alert_recipient
    with engine.connect() as conn:
        return {(row.name, row.channel): row for row in conn.execute(
            select(r.c.name, d.c.channel, d.c.day, d.c.status, d.c.attempts, d.c.last_error, d.c.body)
            .join(r, r.c.id == d.c.recipient_id))}


def test_digests_reach_each_recipient_with_their_signals(world):
    engine, s, box, tg = world
    outcomes, out, err = run(engine, s, do_send=True)
    assert not err
    assert sorted((o.recipient, o.channel, o.status) for o in outcomes) == [
        ("Баганский район", "email", "sent"), ("Мэрия Новосибирска", "telegram", "sent"),
        ("ЦУР", "email", "sent"), ("ЦУР", "telegram", "sent")]

    mail = {to[0]: (subject, body) for to, subject, body in box.messages}
    assert set(mail) == {"cur@example.org", "bagan@example.org"}  # not the inactive one
    subject, body = mail["bagan@example.org"]
    assert subject == "Госпаблики НСО, сигналы на 28.11.2026 (Баганский район): новых 1, открыто 1, решено 0"
    assert body.splitlines()[:5] == [
        "Сводка сигналов на 28.11.2026 — Баганский район.", "", "Новые (1):",
        "🔴 Критично: Баганский район: у администрации нет открытой страницы в Одноклассниках "
        "(обязательные платформы)",
        f"   {APP}/munitsipalitet?m=1"]
    # its own signals on «Сигналы» (the ЦУР's: all of them); was …/signaly for everyone
    assert body.splitlines()[-1] == f"Все сигналы: {APP}/signaly?{urlencode({'where': 'Баганский район'})}"
    cur_subject, cur_body = mail["cur@example.org"]
    assert cur_subject.startswith("Госпаблики НСО, сигналы на 28.11.2026 (вся область): новых 36, открыто 36")
    assert "город Новосибирск: 2 обращения без ответа" in cur_body and "Баганский район: у администрации" in cur_body
    assert cur_body.splitlines()[-1] == f"Все сигналы: {APP}/signaly"

    # The ЦУР's digest is longer than Telegram's 4096 characters: it goes in two messages.
    assert [(path, body["chat_id"]) for path, body in tg.calls] == [
        (f"/bot{TOKEN}/sendMessage", "-1001"), (f"/bot{TOKEN}/sendMessage", "-1001"),
        (f"/bot{TOKEN}/sendMessage", "-1031")]
    assert all(len(body["text"]) <= 4096 for _, body in tg.calls)
    texts = tg.texts()
    assert set(texts) == {"-1001", "-1031"}
    nsk = texts["-1031"]
    assert nsk.startswith("Госпаблики НСО, сигналы на 28.11.2026 (город Новосибирск): новых 1, открыто 1, решено 0")
    assert (f"🔴 Критично: город Новосибирск: 2 обращения без ответа дольше 24{NB}ч, самое старое — "
            f"5{NB}дн 9{NB}ч (срок эскалации — 3{NB}сут.)\n   {APP}/obrashcheniya?mo=%D0%B3%D0%BE%D1%80%D0%BE%D0%B4+%D0%9D%D0%BE%D0%B2%D0%BE%D1%81%D0%B8%D0%B1%D0%B8%D1%80%D1%81%D0%BA") in nsk
    assert "Баганский" not in nsk and "Страница 6" not in nsk
    assert texts["-1001"].endswith(cur_body.rstrip("\n"))
    assert {k: v.status for k, v in digests(engine).items()} == {
        ("ЦУР", "email"): "sent", ("ЦУР", "telegram"): "sent", ("Мэрия Новосибирска", "telegram"): "sent",
        ("Баганский район", "email"): "sent"}


def test_no_second_send_on_the_same_day(world):
    engine, s, box, tg = world
    run(engine, s, do_send=True)
    outcomes, out, _ = run(engine, s, now=NOW + timedelta(hours=3), do_send=True)
    assert {o.status for o in outcomes} == {"already_sent"}
    assert (len(box.messages), len(tg.calls)) == (2, 3)
    assert "ЦУР (эл. почта): сводка за 28.11.2026 уже отправлена" in out


def test_failed_send_stays_pending_and_next_run_delivers(world):
    engine, s, box, tg = world
    tg.fail = True
    outcomes, _, err = run(engine, s, do_send=True)
    assert sorted((o.recipient, o.status) for o in outcomes if o.channel == "telegram") == [
        ("Мэрия Новосибирска", "failed"), ("ЦУР", "failed")]
    assert "ЦУР (Telegram): сводку отправить не удалось — Telegram" in err and "HTTP 502" in err
    assert "будет отправлена при следующем запуске" in err and ".." not in err
    rows = digests(engine)
    assert (rows[("ЦУР", "telegram")].status, rows[("ЦУР", "telegram")].attempts) == ("pending", 1)
    assert "Bad Gateway" in rows[("ЦУР", "telegram")].last_error
    assert rows[("ЦУР", "email")].status == "sent"

    tg.fail = False
    outcomes, _, err = run(engine, s, now=NOW + timedelta(hours=1), do_send=True)
    assert not err
    assert sorted((o.recipient, o.channel, o.status) for o in outcomes) == [
        ("Баганский район", "email", "already_sent"), ("Мэрия Новосибирска", "telegram", "sent"),
        ("ЦУР", "email", "already_sent"), ("ЦУР", "telegram", "sent")]
    rows = digests(engine)
    assert (rows[("ЦУР", "telegram")].status, rows[("ЦУР", "telegram")].attempts) == ("sent", 2)
    assert len(box.messages) == 2  # e-mail was not sent again
    assert "город Новосибирск: 2 обращения" in tg.texts()["-1031"]


def test_failed_digest_of_yesterday_is_replaced_by_todays(world):
    engine, s, box, tg = world
    tg.fail = True
    run(engine, s, do_send=True)
    tg.fail = False
    _, _, err = run(engine, s, now=NOW + timedelta(days=1), do_send=True)
    assert "Мэрия Новосибирска (Telegram): сводка за 28.11.2026 не была доставлена" in err
    d = schema.alert_digest
    with engine.connect() as conn:
        assert sorted((r.day.day, r.status) for r in conn.execute(
            select(d.c.day, d.c.status).where(d.c.channel == "telegram", d.c.recipient_id == 2))) == [
            (28, "superseded"), (29, "sent")]
    # Nothing was ever delivered to Новосибирск's chat: its open signal is new in today's.
    assert "новых 1, открыто 1, решено 0\n\nСводка сигналов на 29.11.2026 — город Новосибирск.\n\nНовые (1):\n" \
        "🔴 Критично: город Новосибирск: 3 обращения" in tg.texts()["-1031"]  # 17, 18, 20


def test_next_day_digest_lists_resolved_and_still_open(world):
    engine, s, box, tg = world
    run(engine, s, do_send=True)
    with engine.begin() as conn:
        m = schema.message
        conn.execute(update(m).where(m.c.id.in_([17, 18, 20])).values(status="answered",
                                                                      first_response_at=NOW))
        conn.execute(update(m).where(m.c.id == 19).values(status="answered", first_response_at=NOW))
    run(engine, s, now=NOW + timedelta(days=1), do_send=True)
    nsk = tg.texts()["-1031"]
    assert nsk.startswith("Госпаблики НСО, сигналы на 29.11.2026 (город Новосибирск): новых 0, открыто 0, "
                          "решено 1")
    assert "Решены с прошлой сводки (1):\n✅ Решено: город Новосибирск: 2 обращения без ответа" in nsk
    bagan = [body for to, _, body in box.messages if to == ["bagan@example.org"]][-1]
    assert "Остаются открытыми (1):\n🔴 Критично: Баганский район" in bagan


def test_print_and_dry_run_send_nothing(world):
    engine, s, box, tg = world
    _, out, _ = run(engine, s)  # no --send: record the signals and print the digests
    assert "--- Баганский район (эл. почта) ---" in out and "Новые (1):" in out
    assert (box.messages, tg.calls, digests(engine)) == ([], [], {})
    with engine.connect() as conn:
        assert conn.execute(select(schema.signal_state.c.key)).first() is not None
    with engine.begin() as conn:
        conn.execute(schema.signal_state.delete())
    _, out, _ = run(engine, s, do_send=True, dry_run=True)
    assert "пробный запуск: ничего не записано" in out
    assert (box.messages, tg.calls) == ([], [])
    with engine.connect() as conn:
        assert conn.execute(select(schema.signal_state.c.key)).first() is None


def test_smtp_not_configured_is_reported_and_kept(world):
    engine, s, box, tg = world
    outcomes, _, err = run(engine, replace(s, smtp_host=""), do_send=True)
    assert "SMTP_HOST не задан" in err
    assert digests(engine)[("Баганский район", "email")].status == "pending"


def test_split_text_keeps_lines_whole():
    text = "\n".join(f"строка {i:04d} " + "x" * 80 for i in range(120))
    parts = split_text(text, 1000)
    assert all(len(p) <= 1000 for p in parts)
    assert "\n".join(parts) == text


def test_recipient_validation():
    with pytest.raises(recipients.RecipientError, match="эл. почты или ID чата в Telegram: иначе"):
        recipients.validate("X", "", "", None)
    with pytest.raises(recipients.RecipientError, match="не похож на адрес"):
        recipients.validate("X", "нет-адреса", None, None)
    with pytest.raises(recipients.RecipientError, match="ID чата в Telegram .abc def.: ожидалось число"):
        recipients.validate("X", None, "abc def", None)
    assert recipients.validate(" ЦУР ", " a@b.ru ", "-100123", None)["email"] == "a@b.ru"


def test_cli(fixture_engine, capsys, monkeypatch):
    from dashboard.cli import main

    url = fixture_engine.url.render_as_string(hide_password=False)
    if not url.startswith("sqlite"):
        pytest.skip("the CLI test runs on SQLite")
    assert main(["--database-url", url, "recipients", "add", "--name", "Бердск",
                 "--municipality", "город Бердск", "--email", "berdsk@example.org"]) == 0
    assert main(["--database-url", url, "recipients", "add", "--name", "X", "--municipality", "Нигде",
                 "--email", "x@example.org"]) == 2
    assert "Муниципалитет «Нигде» не найден" in capsys.readouterr().err
    # the names report and users take: the screens' short name, a unique word (only the exact
    # «город Бердск» was found before)
    assert main(["--database-url", url, "recipients", "add", "--name", "Бердск 2",
                 "--municipality", "г. Бердск", "--email", "b2@example.org"]) == 0
    assert main(["--database-url", url, "recipients", "add", "--name", "Коченёво",
                 "--municipality", "коченевский", "--email", "k@example.org"]) == 0
    assert main(["--database-url", url, "recipients", "add", "--name", "X", "--municipality", "район",
                 "--email", "x@example.org"]) == 2
    assert "подходит к нескольким муниципалитетам" in capsys.readouterr().err
    assert main(["--database-url", url, "recipients", "list"]) == 0
    listed = capsys.readouterr().out
    assert "Бердск — город Бердск — berdsk@example.org" in listed
    assert "Бердск 2 — город Бердск — b2@example.org" in listed
    assert "Коченёво — Коченёвский район — k@example.org" in listed
    assert main(["--database-url", url, "alerts", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "--- Бердск (эл. почта) ---" in out and "пробный запуск" in out
    assert main(["--database-url", url, "recipients", "remove", "--name", "Бердск"]) == 0
