"""Command line: ``python -m dashboard <command>``.

    db upgrade                       create or upgrade the database, load reference data
    demo [--seed N] [--years N] [--scale region|national] [--end YYYY-MM-DD] [--force] [--if-empty]
    demo --remove                    delete demo data, leaving an empty database for real data
    import pages|stats|messages FILE [--sheet NAME] [--add-to-demo]
    collect vk|ok [--days N]
    report --period 2026-Q3 [--municipality NAME] --format pptx|pdf|xlsx --out FILE
    alerts [--send] [--dry-run]      record today's signals; print (or send) the digests
    recipients list | add --name N [--municipality M] [--email E] [--telegram CHAT] | remove --name N
    users add EMAIL --role ROLE [--municipality NAME] | users list | users remove EMAIL

Every command takes ``--database-url`` to override DATABASE_URL. Errors are
printed in Russian and the exit code is non-zero.
"""

from __future__ import annotations

import argparse
import re
import sys

from dashboard.core.db import DatabaseUnavailable, check_connection, make_engine
from dashboard.core.platforms import COLLECTED
from dashboard.core.schema import IMPORT_KINDS
from dashboard.core.settings import SettingsError
from dashboard.presentation.reports import FORMATS as REPORT_FORMATS

# argparse's own texts (Python 3.11) in Russian: a mistyped command in a terminal or a cron log
# read «error: argument --format: invalid choice: 'docx' (choose from …)».
ARGPARSE_ERRORS_RU = (
    (r"the following arguments are required: command", "не указана команда (список: python -m dashboard --help)"),
    (r"argument command: invalid choice: '(.*)' \(choose from (.+)\)", r"неизвестная команда «\1» (допустимо: \2)"),
    (r"the following arguments are required: (.+)", r"не указаны обязательные аргументы: \1"),
    (r"unrecognized arguments: (.+)", r"непонятные аргументы: \1"),
    (r"argument (\S+): invalid choice: '(.*)' \(choose from (.+)\)", r"\1: недопустимое значение «\2» (допустимо: \3)"),
    (r"argument (\S+): invalid int value: '(.*)'", r"\1: ожидалось целое число, указано «\2»"),
    (r"argument (\S+): expected one argument", r"\1: не указано значение"),
    (r"argument (\S+): not allowed with argument (\S+)", r"\1 нельзя указывать вместе с \2"),
)
ARGPARSE_HELP_RU = (("positional arguments:", "аргументы:"), ("options:", "параметры:"),
                    ("show this help message and exit", "показать эту справку"))


class RussianHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="Использование: " if prefix is None else prefix)


class RussianArgumentParser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", RussianHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        for english, russian in ARGPARSE_ERRORS_RU:
            if re.fullmatch(english, message):
                message = re.sub(english, russian, message)
                break
        self.exit(2, f"Ошибка: {message}\nСправка: {self.prog} --help\n")

    def format_usage(self) -> str:
        return _russian_help(super().format_usage())

    def format_help(self) -> str:
        return _russian_help(super().format_help())


def _russian_help(text: str) -> str:
    for english, russian in ARGPARSE_HELP_RU:
        text = text.replace(english, russian)
    return text


def build_parser() -> argparse.ArgumentParser:
    url_help = "адрес базы данных (по умолчанию DATABASE_URL)"
    p = RussianArgumentParser(prog="python -m dashboard", description="Дашборд госпабликов НСО")
    p.add_argument("--database-url", help=url_help)
    # --database-url also after the command («import pages FILE --database-url URL», as the README
    # writes it); SUPPRESS keeps a value given before the command when it is not repeated after.
    common = RussianArgumentParser(add_help=False)
    common.add_argument("--database-url", default=argparse.SUPPRESS, help=url_help)
    sub = p.add_subparsers(dest="command", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, parents=[common])

    db = command("db", help="схема базы данных")
    db.add_argument("action", choices=["upgrade"])

    demo = command("demo", help="заполнить пустую базу демонстрационными данными")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--years", type=int, default=2)
    demo.add_argument("--scale", choices=["region", "national"], default="region")
    demo.add_argument("--end", help="последний день данных, YYYY-MM-DD (по умолчанию вчера)")
    demo.add_argument("--force", action="store_true", help="удалить имеющиеся данные перед генерацией")
    demo.add_argument("--if-empty", action="store_true",
                      help="ничего не делать, если в базе уже есть данные (для скрипта запуска)")
    demo.add_argument("--remove", action="store_true",
                      help="удалить демонстрационные данные и оставить пустую базу для настоящих")

    imp = command("import", help="импорт файла CSV/XLSX")
    imp.add_argument("kind", choices=list(IMPORT_KINDS))
    imp.add_argument("file")
    imp.add_argument("--sheet", help="лист XLSX (по умолчанию первый)")
    imp.add_argument("--add-to-demo", action="store_true",
                     help="добавить файл к демонстрационным данным (для пробы; база останется демонстрационной)")

    col = command("collect", help="сбор данных через API")
    col.add_argument("source", choices=COLLECTED)
    col.add_argument("--days", type=int, default=3, help="за сколько дней собирать публикации и комментарии")
    col.add_argument("--add-to-demo", action="store_true",
                     help="собирать в демонстрационную базу (для пробы; база останется демонстрационной)")

    users = command("users", help="пользователи и роли")
    users.add_argument("action", choices=["add", "list", "remove"])
    users.add_argument("email", nargs="?", help="адрес электронной почты (как его сообщает служба входа)")
    users.add_argument("--role", help="ЦУР, руководство или муниципалитет")
    users.add_argument("--municipality", help="муниципалитет (только для роли «муниципалитет»)")

    rep = command("report", help="отчёт PPTX/PDF/XLSX")
    rep.add_argument("--period", required=True, help="2026-Q3, 2026-09, 2026 или 2026-07-01..2026-09-30")
    rep.add_argument("--municipality", help="название муниципалитета (по умолчанию вся область)")
    rep.add_argument("--format", choices=list(REPORT_FORMATS), required=True)
    rep.add_argument("--out", required=True)

    al = command("alerts", help="сигналы и ежедневные сводки получателям")
    mode = al.add_mutually_exclusive_group()
    mode.add_argument("--send", action="store_true", help="отправить сводки (эл. почта, Telegram)")
    mode.add_argument("--dry-run", action="store_true",
                      help="только показать сигналы и сводки, ничего не записывая и не отправляя")

    rc = command("recipients", help="получатели сводок")
    rc.add_argument("action", choices=["list", "add", "remove"])
    rc.add_argument("--name", help="имя получателя (ключ: add с тем же именем изменяет его)")
    rc.add_argument("--municipality", help="муниципалитет получателя; без него — ЦУР (все сигналы)")
    rc.add_argument("--email", help="адрес эл. почты")
    rc.add_argument("--telegram", help="ID чата в Telegram (число; у групп и каналов начинается с -100)")
    rc.add_argument("--telegram-token", help="свой токен бота (по умолчанию TELEGRAM_BOT_TOKEN)")
    rc.add_argument("--disabled", action="store_true", help="сохранить отключённым (сводки не отправляются)")
    return p


def _list_users(engine) -> int:
    """``users list``: e-mail, role and municipality of every user."""
    from dashboard.core import migrate
    from queries import users as user_queries

    migrate.upgrade(engine)
    with engine.connect() as conn:
        table = user_queries.users(conn)
    if table.empty:
        print("Пользователей нет. Добавьте: python -m dashboard users add EMAIL --role ЦУР")
        return 0
    for r in table.itertuples(index=False):
        where = f", {r.municipality}" if r.municipality else ""
        print(f"{r.email}\t{r.role_label}{where}")
    return 0


def _has_pages(engine) -> bool:
    from queries import reference

    with engine.connect() as conn:
        return reference.has_pages(conn)


def _municipality_id(engine, name: str) -> int | None:
    """The municipality called ``name`` (as in reports: a unique word is enough); None after
    printing why not."""
    from dashboard.core import migrate
    from dashboard.presentation.reports import ReportError, resolve_municipality
    from queries import reference

    migrate.upgrade(engine)
    with engine.connect() as conn:
        m = reference.municipalities(conn)
    try:
        return resolve_municipality(dict(zip(m["id"].astype(int), m["name"])), name)
    except ReportError as e:
        print(f"Ошибка: {e}", file=sys.stderr)
        return None


# Commands that read or write data without upgrading the schema themselves: on a database not
# brought to this app's schema they say so (run «db upgrade»), not fail with a driver's traceback.
NEEDS_SCHEMA = {"import", "collect", "alerts", "recipients", "report"}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        engine = make_engine(args.database_url)
        check_connection(engine)
        if args.command == "db":
            from dashboard.core import migrate

            print(migrate.upgrade_report(migrate.upgrade(engine)))
            return 0
        if args.command in NEEDS_SCHEMA:
            from dashboard.core import migrate

            migrate.check_current(engine)
        if args.command == "demo":
            from dashboard.writers import demo

            if args.remove:
                return demo.run_remove(engine)
            if args.if_empty and _has_pages(engine):
                print("В базе уже есть данные: демонстрационные данные не создаются.")
                return 0
            if args.if_empty and demo.was_removed(engine):
                print("Демонстрационные данные из этой базы удалены (demo --remove): она остаётся пустой "
                      "для настоящих данных.")
                return 0
            return demo.run_cli(engine, args)
        if args.command == "import":
            from dashboard.writers.importing import importer

            return importer.run_cli(engine, args)
        if args.command == "collect":
            from dashboard.writers import collect
            from dashboard.writers.importing import importer

            with engine.connect() as conn:
                demo_db = _has_pages(engine) and importer.holds_demo(conn)
            if demo_db and not args.add_to_demo:
                print("Ошибка: в базе демонстрационные данные, сбор не выполнен: настоящие данные не смешиваются "
                      "с выдуманными. Начните с чистой базы («python -m dashboard demo --remove») или, чтобы "
                      "только попробовать, добавьте --add-to-demo.", file=sys.stderr)
                return 1

            return collect.run_cli(engine, args)
        if args.command == "alerts":
            from dashboard.writers import alerts
            from queries import signals

            with engine.connect() as conn:
                found = signals.evaluate(conn)
            return alerts.run_cli(engine, args, found)
        if args.command == "recipients":
            from dashboard.writers import alerts

            if args.action != "list" and not (args.name or "").strip():
                print("Ошибка: укажите --name.", file=sys.stderr)
                return 2
            return alerts.recipients_cli(engine, args)
        if args.command == "users":
            from dashboard.writers import users

            if args.action == "list":
                return _list_users(engine)
            municipality_id = None
            if args.action == "add" and args.municipality:
                municipality_id = _municipality_id(engine, args.municipality)
                if municipality_id is None:
                    return 1
            return users.run_cli(engine, args, municipality_id)
        if args.command == "report":
            from dashboard.presentation import reports

            return reports.run_cli(engine, args)
    except (DatabaseUnavailable, SettingsError) as e:
        print(f"Ошибка: {e}", file=sys.stderr)
        return 2
    return 1
