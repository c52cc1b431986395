"""Получатели сводок: who gets the daily digest of signals, by e-mail and/or Telegram (ЦУР)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core import formatting as fmt
from dashboard.core import schema
from dashboard.ui import access, widgets
from dashboard.writers.alerts import recipients
from queries import reference

TSUR = -1  # the selector's "ЦУР: все сигналы" option
CHAT_LABEL = "ID чата в Telegram"
CHAT_HELP = ("Число; у групп и каналов оно начинается с -100, для открытого канала можно указать "
             "@имя_канала. Как узнать число: добавьте бота в группу или канал (в канал — администратором), "
             "отправьте туда любое сообщение и откройте в браузере "
             "`https://api.telegram.org/bot<токен бота>/getUpdates` (или тот же путь на сервере из "
             "TELEGRAM_API_URL) — число стоит в поле `\"chat\": {\"id\": …}`.")

access.require("poluchateli", write=True)  # also refused by the entry point; never rely on the menu
widgets.page_header("Получатели сводок", subtitle="Каждое утро команда `python -m dashboard alerts --send` "
                    "отправляет сводку сигналов: ЦУР — все сигналы области, муниципалитету — его сигналы.")

if done := st.session_state.pop("r_done", None):
    st.success(done, icon=":material/check_circle:")

engine = widgets.get_engine()
munis = widgets.cached(reference.municipalities)
names = {TSUR: "ЦУР: все сигналы", **dict(zip(munis["id"].astype(int), munis["name"]))}

with engine.connect() as conn:
    people = recipients.load(conn)
    d = schema.alert_digest
    last = pd.DataFrame(conn.execute(
        d.select().with_only_columns(d.c.recipient_id, d.c.channel, d.c.day, d.c.status, d.c.last_error)
        .order_by(d.c.day)).all(), columns=["recipient_id", "channel", "day", "status", "last_error"])

if not people:
    widgets.empty_note("Получателей пока нет: добавьте первого ниже.")
else:
    latest = last.groupby("recipient_id").tail(2) if not last.empty else last

    def delivery(rid: int) -> str:
        rows = latest[latest["recipient_id"] == rid] if not latest.empty else latest
        if rows.empty:
            return "ещё не отправлялась"
        return "; ".join(f"{schema.DIGEST_CHANNELS[r.channel]}: {fmt.d(r.day)} — "
                         f"{schema.DIGEST_STATUSES.get(r.status, r.status)}"
                         + (f" ({r.last_error})" if r.status == "pending" and r.last_error else "")
                         for r in rows.itertuples())

    table = pd.DataFrame([{
        "name": p.name, "scope": names.get(p.municipality_id or TSUR, "?"),
        "email": p.email or "",
        "telegram": (p.telegram_chat_id or "") + (" (свой бот)" if p.telegram_chat_id and p.telegram_token else ""),
        "active": p.active, "delivery": delivery(p.id),
    } for p in people])
    widgets.table(table, {
        "name": st.column_config.TextColumn("Получатель", width="small"),
        "scope": st.column_config.TextColumn("Сигналы", width="small"),
        "email": st.column_config.TextColumn("Эл. почта", width="small"),
        "telegram": st.column_config.TextColumn("Telegram", width="small"),
        "active": st.column_config.CheckboxColumn("Включён", width="small"),
        "delivery": st.column_config.TextColumn("Последние сводки", width="large"),
    }, key="recipients_table")

with widgets.section("Добавить или изменить", "Получатель с тем же именем будет изменён"):
    existing = {p.name: p for p in people}
    with st.form("recipient_form", clear_on_submit=False):
        c1, c2 = st.columns(2)
        name = c1.text_input("Имя получателя", key="r_name", placeholder="например, «Дежурный ЦУР»")
        scope = c2.selectbox("Сигналы", list(names), format_func=names.get, key="r_scope")
        c1, c2, c3 = st.columns(3)
        email = c1.text_input("Эл. почта", key="r_email")
        chat = c2.text_input(CHAT_LABEL, key="r_chat", help=CHAT_HELP)
        token = c3.text_input("Свой токен бота", key="r_token", type="password",
                              help="Необязательно: по умолчанию — бот из настройки TELEGRAM_BOT_TOKEN.")
        active = st.checkbox("Включён", value=True, key="r_active")
        saved = st.form_submit_button("Сохранить", type="primary")
    if saved:
        try:
            with engine.begin() as conn:
                keep_token = token or (existing[name.strip()].telegram_token if name.strip() in existing else None)
                recipients.save(conn, name=name, municipality_id=None if scope == TSUR else int(scope),
                                email=email, telegram_chat_id=chat, telegram_token=keep_token, active=active)
        except recipients.RecipientError as e:
            st.error(str(e), icon=":material/error:")
        else:
            st.session_state["r_done"] = f"Получатель «{name.strip()}» сохранён."
            st.rerun()

if people:
    with widgets.section("Удалить"):
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        gone = c1.selectbox("Получатель", [p.name for p in people], key="r_remove")
        if c2.button("Удалить", key="r_remove_btn"):
            with engine.begin() as conn:
                recipients.remove(conn, gone)
            st.session_state["r_done"] = f"Получатель «{gone}» удалён."
            st.rerun()

st.caption("То же из командной строки: `python -m dashboard recipients list | add | remove`. Настройки почты "
           "(SMTP) и бота Telegram — в переменных окружения или .streamlit/secrets.toml. Подробнее о сигналах "
           "и ежедневных сводках — в README, раздел «Signals and daily digests».")
