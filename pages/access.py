"""Доступ: who may sign in and with which role (ЦУР only). Every change is recorded with who made it.

The rules are ``dashboard.core.access``; writes go through ``dashboard.writers.users`` (the same
code as ``python -m dashboard users``)."""

from __future__ import annotations

import streamlit as st

from dashboard.core import access as rules
from dashboard.ui import access, widgets
from dashboard.writers import users as user_writer
from queries import reference
from queries import users as user_queries

ACTIONS = {"add": "добавлен", "change": "изменён", "remove": "удалён"}

user = access.require("dostup", manage_users=True)
engine = widgets.get_engine()
widgets.page_header(
    "Доступ",
    subtitle="Кто может войти в дашборд и что ему доступно. Вход — через службу единого входа "
             "(OpenID Connect); здесь каждому адресу электронной почты назначается роль.",
)
if user.local:
    st.info("Вход не настроен: сейчас приложение работает в локальном режиме и этот список не "
            "применяется. Он вступит в силу, когда будет настроен вход.", icon=":material/info:")

with st.expander("Что может каждая роль", icon=":material/help:"):
    st.markdown(
        "- **ЦУР** — всё: все страницы и отчёты, загрузка данных, история загрузок и сбора, "
        "пользователи и получатели сводок.\n"
        "- **Руководство** — все страницы и отчёты, без загрузки и изменения данных.\n"
        "- **Муниципалитет** — привязан к одному муниципалитету: открывается его профиль; "
        "его просроченные обращения и его страницы; рейтинг и сравнение с соседями — как у всех. "
        "Чужие списки обращений и страниц недоступны, изменять ничего нельзя.\n"
        "- Вошедший без роли видит только сообщение, что доступа нет.")

munis = widgets.cached(reference.municipalities)
m_names = dict(zip(munis["id"].astype(int), munis["name"]))

with engine.connect() as conn:
    listed = user_queries.users(conn)

with widgets.section("Пользователи", "Адрес — как его сообщает служба входа (без учёта регистра)."):
    if listed.empty:
        st.info("Пока никого нет. Добавьте первого пользователя ниже.", icon=":material/info:")
    else:
        shown = listed.assign(updated=widgets.local_times(listed["updated_at"]))
        widgets.table(shown, {
            "email": st.column_config.TextColumn("Электронная почта"),
            "role_label": st.column_config.TextColumn("Роль"),
            "municipality": st.column_config.TextColumn("Муниципалитет"),
            "updated": widgets.datetime_column("Изменён"),
            "updated_by": st.column_config.TextColumn("Кем"),
        })

left, right = st.columns(2)
with left, widgets.section("Добавить или изменить"):
    with st.form("access_save", border=False):
        email = st.text_input("Электронная почта", placeholder="name@example.ru", key="access_email")
        role = st.selectbox("Роль", list(rules.ROLES), format_func=rules.ROLES.get, key="access_role")
        mid = st.selectbox("Муниципалитет (только для роли «муниципалитет»)", [None, *m_names],
                           format_func=lambda i: "—" if i is None else m_names[i], key="access_municipality")
        saved = st.form_submit_button("Сохранить", type="primary", icon=":material/save:")
    if saved:
        access.require(manage_users=True)
        if rules.normalise_email(email) == rules.normalise_email(user.email) and role != rules.TSUR:
            st.error("Нельзя снять роль ЦУР с самого себя: это сделает другой сотрудник ЦУР.", icon=":material/error:")
        else:
            try:
                change = user_writer.save_user(engine, email, role, mid if role == rules.MUNICIPALITY else None,
                                               actor=user.actor)
            except rules.AccessError as e:
                st.error(str(e), icon=":material/error:")
            else:
                st.success(change.text(), icon=":material/check_circle:")

with right, widgets.section("Удалить"):
    if listed.empty:
        st.caption("Удалять некого.")
    else:
        gone = st.selectbox("Пользователь", list(listed["email"]), key="access_remove_email")
        if st.button("Удалить доступ", icon=":material/person_remove:", key="access_remove"):
            access.require(manage_users=True)
            if rules.normalise_email(gone) == rules.normalise_email(user.email):
                st.error("Нельзя удалить самого себя: это сделает другой сотрудник ЦУР.", icon=":material/error:")
            else:
                try:
                    st.success(user_writer.remove_user(engine, gone, actor=user.actor).text(),
                               icon=":material/check_circle:")
                except rules.AccessError as e:
                    st.error(str(e), icon=":material/error:")

with widgets.section("История изменений", "Последние изменения сверху, время новосибирское."):
    with engine.connect() as conn:
        history = user_queries.access_history(conn)
    if history.empty:
        st.info("Изменений ещё не было.", icon=":material/info:")
    else:
        history = history.assign(when=widgets.local_times(history["at"]),
                                 what=history["action"].map(ACTIONS))
        widgets.table(history, {
            "when": widgets.datetime_column("Когда"),
            "actor": st.column_config.TextColumn("Кто"),
            "what": st.column_config.TextColumn("Что"),
            "email": st.column_config.TextColumn("Пользователь"),
            "role_label": st.column_config.TextColumn("Роль"),
            "municipality": st.column_config.TextColumn("Муниципалитет"),
        })
