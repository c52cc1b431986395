"""The columns each kind of import accepts, their aliases, and finding them in a header row.

Headers are compared after ``importer_values.norm`` (case, ё/е, punctuation and extra
spaces do not matter); a unit after a comma or in brackets is ignored too, so
"Подписчики, чел." and "Подписчики (чел.)" both mean "Подписчики".
README.md lists every alias; tests/test_import_docs.py keeps the two in step.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from dashboard.core.schema import IMPORT_KINDS
from dashboard.writers.importing.read import HEADER_SEARCH_ROWS, FileRejected, Row
from dashboard.writers.importing.values import norm


@dataclass(frozen=True)
class Column:
    field: str
    label: str                       # the header used in examples and messages
    aliases: tuple[str, ...] = ()    # other accepted headers
    required: bool = False
    doc: str = ""                    # what the values look like (Russian)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


@dataclass(frozen=True)
class Spec:
    kind: str                         # a key of schema.IMPORT_KINDS
    choice: str                       # Russian, the choice on the «Данные» page
    help: str                         # Russian, one line: what a row of the file is
    example: str                      # the example file in data/examples/
    columns: tuple[Column, ...]
    one_of: tuple[tuple[str, ...], ...] = ()  # at least one field of each group must be present

    @property
    def title(self) -> str:
        """Russian, for messages: "страницы"."""
        return IMPORT_KINDS[self.kind]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.field == name)

    def lookup(self) -> dict[str, str]:
        """Normalised header → field."""
        out: dict[str, str] = {}
        for c in self.columns:
            for name in c.names:
                key = norm(name)
                assert out.get(key, c.field) == c.field, f"alias {name!r} used twice in {self.kind}"
                out[key] = c.field
        return out


@dataclass
class Header:
    """Where each known column is: field → cell index, and the header text as written."""

    row: int                                   # row number of the header (Excel numbering)
    index: dict[str, int] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.index


# --- shared column definitions --------------------------------------------------------------

_PAGE_URL_ALIASES = ("Ссылка на страницу", "Адрес страницы", "Страница", "Ссылка на госпаблик",
                     "Госпаблик", "page_url", "page")
_PAGE_ID_ALIASES = ("Идентификатор страницы", "ИД страницы", "page_id", "group_id")
_PLATFORM = Column("platform", "Площадка", ("Платформа", "Соцсеть", "Социальная сеть", "Сеть", "platform"),
                   doc="ВКонтакте / ВК / VK, Одноклассники / ОК / OK, MAX / Макс, Telegram / ТГ")
_LAST_POST = Column("last_post_at", "Последняя публикация",
                    ("Дата последней публикации", "Последний пост", "last_post_at"),
                    doc="дата и время последней публикации страницы")
_PAGE_REF_DOC = ("ссылка на страницу из реестра (vk.com/…, ok.ru/…, max.ru/…, t.me/…; "
                 "ссылка на запись vk.com/wall-123_45 тоже подходит)")

PAGES = Spec(
    "pages", "Страницы (реестр)",
    "Одна строка — одна официальная страница: муниципалитет, организация, площадка, ссылка, название, "
    "госметка.",
    "pages.csv", (
    Column("municipality", "Муниципалитет",
           ("Муниципальное образование", "Муниципальный район", "Муниципальный округ", "МО", "Район",
            "Территория", "municipality"),
           doc="один из 35 муниципалитетов; пусто или «Область» — региональный орган власти"),
    Column("oktmo", "ОКТМО", ("Код ОКТМО", "oktmo"), doc="код ОКТМО муниципалитета, 8 цифр"),
    Column("organisation", "Организация",
           ("Наименование организации", "Название организации", "Орган власти", "Учреждение",
            "Владелец страницы", "organisation", "organization"),
           required=True, doc="полное название; новая организация создаётся автоматически"),
    Column("org_kind", "Тип организации", ("Вид организации", "Уровень", "org_kind"),
           doc="региональный орган власти / администрация муниципалитета / подведомственное учреждение; "
               "если столбца нет — определяется сам"),
    Column("sector", "Сфера", ("Отрасль", "Сфера деятельности", "sector"),
           doc="образование, здравоохранение, культура, социальная защита, спорт, ЖКХ, транспорт, прочее"),
    _PLATFORM,
    Column("url", "Ссылка", ("URL", "Адрес", "Link", *_PAGE_URL_ALIASES[:2]), required=True,
           doc="адрес страницы: vk.com/…, vk.ru/…, ok.ru/…, max.ru/…, t.me/…"),
    Column("title", "Название страницы",
           ("Название", "Наименование страницы", "Наименование", "Заголовок", "title", "name"),
           doc="если пусто — название организации"),
    Column("external_id", "ID страницы", ("ID", "ИД", "Идентификатор", *_PAGE_ID_ALIASES[:2], "external_id",
                                           "page_id", "group_id"),
           doc="идентификатор в соцсети; если пусто — берётся из ссылки (vk.com/club123 → 123)"),
    Column("verified", "Госметка", ("Гос. метка", "Госорганизация", "Метка госорганизации", "Верифицирована",
                                    "verified"),
           doc="да / нет (1/0, true/false)"),
    Column("gospubliki", "Госпаблики", ("Подключена к Госпабликам", "Подключение к Госпабликам", "gospubliki"),
           doc="да / нет: страница подключена к «Госпабликам»"),
    Column("opened_on", "Дата создания", ("Дата открытия", "Создана", "opened_on"), doc="дата"),
    Column("closed_on", "Дата закрытия", ("Закрыта", "closed_on"), doc="дата; пусто — страница действует"),
    _LAST_POST,
), one_of=(("municipality", "oktmo"),))

STATS = Spec(
    "stats", "Статистика страниц",
    "Одна строка — снимок страницы на дату: ссылка или ID страницы, дата, подписчики; публикации, "
    "просмотры, лайки, комментарии, репосты — по желанию.",
    "stats.xlsx", (
    Column("page_url", "Ссылка", ("URL", "Адрес", "Link", *_PAGE_URL_ALIASES), doc=_PAGE_REF_DOC),
    Column("page_id", "ID страницы", ("ID", "ИД", *_PAGE_ID_ALIASES, "external_id"),
           doc="идентификатор страницы в соцсети (как в реестре)"),
    _PLATFORM,
    Column("on", "Дата", ("Дата среза", "На дату", "Дата снимка", "Дата выгрузки", "date", "on"),
           required=True, doc="дата снимка"),
    Column("subscribers", "Подписчики",
           ("Подписчиков", "Число подписчиков", "Количество подписчиков", "Участники", "Участников",
            "Число участников", "subscribers", "members", "members_count", "followers"),
           required=True, doc="целое число на эту дату"),
    Column("posts", "Публикации", ("Публикаций", "Посты", "Постов", "Записи", "Записей", "Число публикаций",
                                   "posts"),
           doc="публикаций с предыдущего снимка"),
    Column("views", "Просмотры", ("Просмотров", "views"), doc="просмотры этих публикаций"),
    Column("likes", "Лайки", ("Лайков", "Нравится", "Отметки «Нравится»", "likes"), doc="отметки «Нравится»"),
    Column("comments", "Комментарии", ("Комментариев", "comments"), doc="комментарии"),
    Column("reposts", "Репосты", ("Репостов", "Поделились", "reposts", "shares"), doc="репосты"),
    _LAST_POST,
), one_of=(("page_url", "page_id"),))

MESSAGES = Spec(
    "messages", "Сообщения жителей",
    "Одна строка — сообщение жителя: ID, ссылка на страницу, дата поступления, тема, дата первого "
    "ответа, статус, фотоотчёт.",
    "messages.csv", (
    Column("external_id", "ID сообщения",
           ("ID", "ИД", "Идентификатор", "Идентификатор сообщения", "Номер", "Номер сообщения",
            "Номер обращения", "ID обращения", "Номер инцидента", "ID инцидента", "message_id", "external_id"),
           required=True, doc="уникальный номер сообщения в пределах площадки"),
    Column("page_url", "Ссылка на страницу", ("Ссылка", "URL", "Адрес", "Link", *_PAGE_URL_ALIASES[1:]),
           doc=_PAGE_REF_DOC),
    Column("page_id", "ID страницы", _PAGE_ID_ALIASES, doc="идентификатор страницы в соцсети (как в реестре)"),
    _PLATFORM,
    Column("received_at", "Дата поступления",
           ("Дата обращения", "Дата и время поступления", "Время поступления", "Поступило", "Дата создания",
            "Создано", "Дата сообщения", "Дата", "received_at", "created_at"),
           required=True, doc="дата и время; без часового пояса — новосибирское время"),
    Column("topic", "Тема", ("Тематика", "Тема обращения", "Категория", "Рубрика", "topic", "category"),
           required=True, doc="тема из справочника (название или код); пусто — «Прочее»"),
    Column("first_response_at", "Дата ответа",
           ("Время ответа", "Дата первого ответа", "Время первого ответа", "Первый ответ",
            "Дата и время ответа", "first_response_at", "responded_at", "answered_at"),
           doc="дата и время первого ответа страницы; пусто — ответа нет"),
    Column("status", "Статус", ("Состояние", "Статус обращения", "status"),
           doc="новое / в работе / дан ответ / закрыто без ответа (или new, in_work, answered, closed); "
               "пусто — «дан ответ», если есть дата ответа, «закрыто без ответа», если есть дата закрытия, "
               "иначе «новое»"),
    Column("closed_at", "Дата закрытия",
           ("Время закрытия", "Дата и время закрытия", "closed_at"),
           doc="дата и время закрытия без ответа (только для статуса «закрыто без ответа»); пусто — "
               "неизвестна: сообщение считается закрытым с момента поступления"),
    Column("photo_report", "Фотоотчёт", ("Фото", "С фотоотчётом", "Есть фотоотчёт", "photo_report", "photo"),
           doc="да / нет (1/0, true/false); пусто — нет"),
    Column("satisfaction", "Оценка", ("Удовлетворённость", "Оценка заявителя", "Оценка ответа",
                                      "satisfaction", "rating"),
           doc="1 / 0 / -1 или положительная / нейтральная / отрицательная; пусто — нет оценки"),
    Column("kind", "Тип сообщения", ("Вид сообщения", "Тип", "kind"),
           doc="комментарий / личное сообщение; пусто — комментарий"),
), one_of=(("page_url", "page_id"),))

SPECS = {s.kind: s for s in (PAGES, STATS, MESSAGES)}


# --- header matching ----------------------------------------------------------------------------

def _header_keys(cell) -> list[str]:
    """The header, then the header without a trailing unit (", чел." or "(шт.)")."""
    s = "" if cell is None else str(cell)
    keys = [norm(s)]
    base = re.split(r"[,(]", s, maxsplit=1)[0]
    if base != s:
        keys.append(norm(base))
    return keys


def match_header(number: int, cells: list, spec: Spec) -> Header:
    lookup = spec.lookup()
    header = Header(row=number)
    for i, cell in enumerate(cells):
        written = "" if cell is None else " ".join(str(cell).split())
        if not written:
            continue
        found = next((lookup[k] for k in _header_keys(cell) if k in lookup), None)
        if found is None:
            header.ignored.append(written)
        elif found in header.index:
            header.duplicates.append((header.written[found], written))
        else:
            header.index[found] = i
            header.written[found] = written
    return header


def missing_columns(header: Header, spec: Spec) -> list[str]:
    """Russian names of required columns (or column groups) not in the header."""
    out = [f"«{c.label}»" for c in spec.columns if c.required and not header.has(c.field)]
    for group in spec.one_of:
        if not any(header.has(f) for f in group):
            out.append(" или ".join(f"«{spec.column(f).label}»" for f in group))
    return out


def near_misses(header: Header, spec: Spec) -> list[tuple[str, str]]:
    """(header as written, the missing column it looks like): a required column (or one of a
    required group) absent from ``header`` whose name, or an alias, differs from a skipped
    header by a letter or two («Дата поступлния» for «Дата поступления»)."""
    skipped = {norm(h): h for h in header.ignored}
    missing = [c for c in spec.columns if c.required and not header.has(c.field)]
    missing += [spec.column(f) for g in spec.one_of if not any(header.has(f) for f in g) for f in g]
    out = []
    for c in missing:
        for name in c.names:
            close = difflib.get_close_matches(norm(name), list(skipped), n=1, cutoff=0.85)
            if close:
                out.append((skipped.pop(close[0]), c.label))
                break
    return out


def expected_columns(spec: Spec) -> str:
    required = [f"«{c.label}»" for c in spec.columns if c.required]
    required += [" или ".join(f"«{spec.column(f).label}»" for f in g) for g in spec.one_of]
    optional = [f"«{c.label}»" for c in spec.columns
                if not c.required and not any(c.field in g for g in spec.one_of)]
    return f"обязательные: {', '.join(required)}; необязательные: {', '.join(optional)}"


def find_header(rows: list[Row], spec: Spec) -> tuple[int, Header]:
    """Position in ``rows`` and the matched header; raises FileRejected if none fits."""
    if not rows:
        raise FileRejected("Файл пустой: в нём нет ни одной строки с данными.")
    best: tuple[int, Header] | None = None
    for pos, (number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        header = match_header(number, cells, spec)
        if not missing_columns(header, spec):
            if header.duplicates:
                a, b = header.duplicates[0]
                raise FileRejected(f"Строка {number}: столбцы «{a}» и «{b}» означают одно и то же — "
                                   "оставьте один из них.")
            return pos, header
        if best is None or len(header.index) > len(best[1].index):
            best = (pos, header)
    pos, header = best
    number, cells = rows[pos]
    found = ", ".join(f"«{' '.join(str(c).split())}»" for c in cells if c is not None and str(c).strip())
    typos = "".join(f" Возможно, опечатка: «{written}» вместо «{label}»." for written, label in near_misses(header, spec))
    raise FileRejected(
        f"Это не похоже на файл «{spec.title}»: нет столбцов {', '.join(missing_columns(header, spec))}.{typos} "
        f"Ожидаются столбцы — {expected_columns(spec)}. "
        f"В файле (строка {number}): {found or 'пусто'}."
    )


def markdown_table(kind: str) -> str:
    """The accepted columns of ``kind`` as a Markdown table (README.md embeds it verbatim)."""
    spec = SPECS[kind]
    groups = {f: g for g in spec.one_of for f in g}
    lines = ["| column | other accepted headers | required | values |", "|---|---|---|---|"]
    for c in spec.columns:
        if c.required:
            need = "yes"
        elif c.field in groups:
            need = "or " + " / ".join(f"«{spec.column(f).label}»" for f in groups[c.field] if f != c.field)
        else:
            need = ""
        aliases = ", ".join(f"«{a}»" for a in c.aliases)
        lines.append(f"| «{c.label}» | {aliases} | {need} | {c.doc} |")
    return "\n".join(lines)
