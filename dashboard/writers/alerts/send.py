"""Delivery: e-mail over SMTP and Telegram Bot API ``sendMessage``.

Both raise ``SendError`` with a Russian message on any failure; the caller keeps the
digest pending and retries on the next run.
"""

from __future__ import annotations

import json
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage

from dashboard.core.settings import Settings

TIMEOUT_S = 30
TELEGRAM_LIMIT = 4096  # characters per message


class SendError(RuntimeError):
    """A digest could not be delivered (Russian message)."""


def send_email(s: Settings, to: str, subject: str, body: str) -> None:
    if not s.smtp_host:
        raise SendError("SMTP_HOST не задан: отправка по эл. почте не настроена.")
    sender = s.smtp_sender or s.smtp_user
    if not sender:
        raise SendError("SMTP_SENDER не задан: не указан адрес отправителя.")
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = to
    msg.set_content(body)
    try:
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT_S) as smtp:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
            smtp.send_message(msg)
    except (smtplib.SMTPException, OSError, socket.timeout) as e:
        raise SendError(f"SMTP {s.smtp_host}:{s.smtp_port}: {e}") from e


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at line ends where possible."""
    parts, cur = [], ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            if cur:
                parts.append(cur)
                cur = ""
            parts.append(line[:limit])
            line = line[limit:]
        if len(cur) + len(line) > limit:
            parts.append(cur)
            cur = ""
        cur += line
    if cur:
        parts.append(cur)
    return [p.rstrip("\n") for p in parts if p.strip()]


def send_telegram(s: Settings, token: str | None, chat_id: str, text: str) -> None:
    token = token or s.telegram_bot_token
    if not token:
        raise SendError("TELEGRAM_BOT_TOKEN не задан и у получателя нет своего токена бота.")
    url = f"{s.telegram_api_url.rstrip('/')}/bot{token}/sendMessage"
    for piece in split_text(text):
        data = json.dumps({"chat_id": chat_id, "text": piece, "disable_web_page_preview": True}).encode()
        req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
        where = s.telegram_api_url
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
                answer = json.loads(resp.read().decode("utf-8") or "{}")
        except urllib.error.HTTPError as e:
            try:
                detail = json.loads(e.read().decode("utf-8")).get("description", "")
            except ValueError:
                detail = ""
            raise SendError(f"Telegram ({where}): ошибка HTTP {e.code} {detail}".strip()) from e
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise SendError(f"Telegram ({where}): {e}") from e
        if not answer.get("ok"):
            raise SendError(f"Telegram ({where}): {answer.get('description', 'ответ без ok')}")
