"""The slide model: what is on each slide, where, and in which words.

``build`` turns a ``ReportContent`` and the chart images into a ``Deck`` of slides made
of five kinds of blocks (rectangle, text, picture, table, chart) placed in inches. The PPTX
and PDF renderers draw these blocks one-to-one, so both formats carry the same content and
layout, and every wording and number format is decided here, once. A chart block carries
its data (PowerPoint draws a native, editable chart from it) and the same chart as an image
(the PDF draws that).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

import pandas as pd

from dashboard.core import formatting as fmt
from dashboard.core import metrics, periods
from dashboard.core.metrics import (
    KPIS,
    RATING_WEIGHTS,
    REPORT_CARDS,
    Change,
)
from dashboard.presentation import charts
from dashboard.presentation.reports import theme
from dashboard.presentation.reports.content import ReportContent
from dashboard.presentation.reports.theme import CONTENT, Box

# -- blocks -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rect:
    box: Box
    fill: str
    line: str | None = None


@dataclass(frozen=True)
class Line:
    text: str
    pt: float = theme.BODY_PT
    bold: bool = False
    color: str = theme.TEXT
    bullet: bool = False
    space_before: float = 0  # points


@dataclass(frozen=True)
class Text:
    box: Box
    lines: tuple[Line, ...]
    align: str = "left"      # left | center | right
    valign: str = "top"      # top | middle | bottom
    role: str = ""           # "title": the slide title (PPTX puts it in the title placeholder)


@dataclass(frozen=True)
class Picture:
    box: Box
    png: bytes
    name: str = ""           # chart key, for tests and alt text


@dataclass(frozen=True)
class Column:
    header: str
    align: str = "left"
    weight: float = 1.0


@dataclass(frozen=True)
class Cell:
    text: str
    color: str | None = None
    bold: bool = False


@dataclass(frozen=True)
class Table:
    box: Box
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    highlight: frozenset[int] = frozenset()
    pt: float = theme.TABLE_PT

    MAX_ROW_H = 0.5

    CELL_PAD = 0.16  # inches of left + right cell margin

    @cached_property
    def widths(self) -> list[float]:
        """Column widths in inches: every column gets what its longest cell (and longest header
        word) needs, the rest of the box is shared by weight; when space is short, text
        columns (left-aligned) give way and are shortened with an ellipsis."""
        need = []
        for j, col in enumerate(self.columns):
            # Short headers stay on one line; longer ones may wrap onto two: room for the
            # longest word and half the header.
            whole = theme.text_width(col.header, self.pt, True)
            words = [whole] if whole <= 0.8 else [whole / 2, *(theme.text_width(w, self.pt, True)
                                                                for w in col.header.split())]
            cells = [theme.text_width(r[j].text, self.pt, r[j].bold) for r in self.rows]
            need.append(max(words + cells + [0.3]) + self.CELL_PAD + 0.02)  # + rounding slack
        free = self.box.w - sum(need)
        weights = [c.weight for c in self.columns]
        if free >= 0:
            return [n + free * w / sum(weights) for n, w in zip(need, weights)]
        flexible = [j for j, c in enumerate(self.columns) if c.align == "left"]
        fixed = sum(n for j, n in enumerate(need) if j not in flexible)
        room = self.box.w - fixed
        if not flexible or room <= 0.5 * len(flexible):
            return [self.box.w * w / sum(weights) for w in weights]
        flex_w = sum(weights[j] for j in flexible)
        return [room * weights[j] / flex_w if j in flexible else need[j] for j in range(len(need))]

    @cached_property
    def cells(self) -> tuple[tuple[Cell, ...], ...]:
        """The rows with texts shortened to their column widths (what both renderers draw)."""
        return tuple(tuple(Cell(theme.fit_text(c.text, self.pt, c.bold, w - self.CELL_PAD), c.color, c.bold)
                           for c, w in zip(row, self.widths)) for row in self.rows)

    @property
    def header_lines(self) -> int:
        """2 when some header does not fit its column on one line, else 1."""
        too_wide = any(theme.text_width(c.header, self.pt, True) > w - self.CELL_PAD
                       for c, w in zip(self.columns, self.widths))
        return 2 if too_wide else 1

    @property
    def header_h(self) -> float:
        base = min(self.box.h / (len(self.rows) + 1), self.MAX_ROW_H)
        return max(base, self.header_lines * self.pt * 1.2 / 72 + 0.12)

    @property
    def row_h(self) -> float:
        """Data row height in inches: fill the box, but never taller than a comfortable row."""
        if not self.rows:
            return 0.0
        return min((self.box.h - self.header_h) / len(self.rows), self.MAX_ROW_H)

    @property
    def height(self) -> float:
        return self.header_h + self.row_h * len(self.rows)


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    color: str                            # hex without '#'
    dashed: bool = False
    point_colors: tuple[str, ...] = ()    # one colour per category (bars coloured by status)
    hollow: tuple[bool, ...] = ()         # line markers drawn hollow (a value from too few cases)
    # Per point: the colour of the line into it from the point before ("": the series' own);
    # PowerPoint styles a segment by its end point.
    into_colors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chart:
    """A bar or line chart: PowerPoint gets a native chart object from ``categories`` and
    ``series``; the PDF draws ``png``, the same chart rendered by Altair for this box."""

    box: Box
    name: str                    # chart key (CHART_BOXES), for tests and the shape name
    kind: str                    # line | column | bar (horizontal)
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    number_format: str           # Excel number format of the values (axis, labels): COUNT, PCT_AXIS
    png: bytes = b""
    axis_title: str = ""
    axis_max: float | None = None
    data_labels: bool = False
    legend: bool = False
    label_texts: tuple[str, ...] = ()  # the first series' data labels as text, when a format cannot print them


# Excel number formats of the native charts' axes and labels. A format's «,» and «.» print the
# viewer's separators (an English PowerPoint or LibreOffice: «1,234», «47.9 %»), so these spell
# the separators out and print as the screens do whatever the viewer's locale: a count's
# thousands by conditional sections with a literal no-break space («1 234 567»: Excel's digit
# placeholders around a literal, as in its «000-00-0000»), a share's axis in whole percents
# («20 %»). A share with a decimal («47,9 %») has no such format (a format prints its decimal
# mark as the viewer's, and the ×10 a literal comma would need is not among a format's
# scalings: % ×100, a trailing «,» ÷1000): its data labels are text (Chart.label_texts).
COUNT = f"[>=1000000]0\\{fmt.NBSP}000\\{fmt.NBSP}000;[>=1000]0\\{fmt.NBSP}000;0"
PCT_AXIS = f"0\\{fmt.NBSP}%"


Block = Rect | Text | Picture | Table | Chart


@dataclass
class Slide:
    title: str
    blocks: list[Block] = field(default_factory=list)
    subtitle: str = ""
    title_bar: bool = True
    notes: str = ""              # speaker notes: the definitions of the KPIs on the slide


@dataclass
class Deck:
    title: str
    demo: bool
    slides: list[Slide]


# -- chart places: images are rendered for exactly these boxes ----------------------------

# The note under a trend takes up to three lines: the norm, partial buckets, hollow and
# lighter points of the «Ответ в срок» trend.
TREND_BOX, TREND_NOTE = CONTENT.split_v(CONTENT.h - 0.8, 0.7, gap=0.1)
MAP_BOX, MAP_SIDE = CONTENT.split_h(7.9, 4.4)
HALF_LEFT, HALF_RIGHT = CONTENT.split_h(1, 1)
TOPIC_CHART, TOPIC_TABLE = CONTENT.split_h(5.6, 6.7)
CHART_BOXES = {
    "map": MAP_BOX,
    "messages": TREND_BOX,
    "timeliness": TREND_BOX,
    "topics": TOPIC_CHART,
    "responses": TOPIC_CHART,
}

# -- value formats ------------------------------------------------------------------


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _t(code: str, x, sample=None) -> str:
    """A KPI value as the registry writes it, as one unbreakable word ('5 ч 24 мин' never wraps);
    «мало данных» when ``sample`` is below the KPI's minimum, as the cards and «Методика» say."""
    return KPIS[code].text(x, sample).replace(" ", fmt.NBSP)


def _ht(h, code: str) -> str:
    """A headline KPI (queries.kpis.Headline) with its sample, as the KPI cards print it."""
    return _t(code, h.value(code), h.sample(code))


def _rt(code: str, row) -> str:
    """A KPI of a table row (itertuples of a query frame) with the row's sample when the frame
    has it (a topic's «в срок» from 2 messages reads «мало данных», not «100,0 %»)."""
    k = KPIS[code]
    return _t(code, getattr(row, k.column), getattr(row, k.sample, None) if k.sample else None)


TONES = {"good": theme.GOOD, "bad": theme.BAD, "neutral": theme.NEUTRAL}


def kpi_card_lines(c: ReportContent, code: str) -> tuple[str, Change]:
    """(value text, change) of KPI ``code`` on the KPI slide — the registry's text and change,
    exactly as the «Обзор» cards print them (dashboard.ui.widgets.headline_cards)."""
    k = KPIS[code]
    cur, prev = c.headline, c.headline_prev
    change = k.change(cur.value(code), prev.value(code), cur.sample(code), prev.sample(code))
    return k.text(cur.value(code), cur.sample(code)), change


def rank_change_cell(x) -> Cell:
    if _missing(x):
        return Cell(fmt.NA, theme.MUTED)
    x = int(x)
    if x > 0:
        return Cell(f"▲ {x}", theme.GOOD)
    if x < 0:
        return Cell(f"▼ {-x}", theme.BAD)
    return Cell("=", theme.MUTED)


def rank_move_text(rank_change, prev_rank, previous_label: str) -> str:
    """The line under the place in the rating, in the words of the «Муниципалитет» card
    (charts.rank_card_change) with the period they compare with: «▲ 2 к периоду «…»», «место
    не изменилось», «было 26-е в периоде «…»» (a move within random variation), «в периоде
    «…» не было в рейтинге»."""
    said = charts.rank_card_change(rank_change, prev_rank)
    if said is None:
        return f"в периоде «{previous_label}» не было в рейтинге"
    if said == "=":
        return "место не изменилось"
    if said.startswith("было"):
        return f"{said} в периоде «{previous_label}»"
    return f"{said} к периоду «{previous_label}»"


def _cells(*values) -> tuple[Cell, ...]:
    return tuple(v if isinstance(v, Cell) else Cell(str(v)) for v in values)


def _cap(s: str) -> str:
    """'III квартал 2026' stays, 'октябрь 2026' → 'Октябрь 2026'."""
    return s[:1].upper() + s[1:]


def _brief(formula: str) -> str:
    """The first clause of a KPI formula, for the method slide."""
    return formula.split("; ")[0].split(". ")[0].rstrip(".") + "."


def kpi_notes(*codes: str, extra: str = "") -> str:
    """Speaker notes: the definition of each KPI on the slide, one per paragraph."""
    parts = [f"{KPIS[k].name}: {KPIS[k].formula}" for k in codes]
    return "\n".join(parts + ([extra] if extra else []))


RATING_NOTE = (f"Рейтинг: взвешенная сумма показателей, каждый приведён к шкале 0–100 по муниципалитетам; "
               f"при менее {metrics.rating_min_messages()} обращений — «мало данных», без места.")


# -- the summary: conclusions generated from the numbers ------------------------------

def _share_changes(c: ReportContent) -> pd.DataFrame:
    """Municipalities with enough messages in both periods (like for like), and the change of
    their share within the norm."""
    both = c.rating["enough_data"].astype(bool) & c.rating["prev_enough_data"].astype(bool)
    df = c.rating[both].dropna(subset=["share_in_norm", "prev_share_in_norm"])
    return df.assign(share_change=(df["share_in_norm"] - df["prev_share_in_norm"]).round(3))


def _change(c: ReportContent, code: str) -> str:
    """The change of a headline KPI to the previous period, as the KPI cards print it."""
    return kpi_card_lines(c, code)[1].text or fmt.NA


def conclusions(c: ReportContent) -> list[str]:
    """Three to five sentences a governor reads first: who improved, who declined, the overdue
    backlog, who is below the target, how subscribers changed — each with its numbers."""
    h, prev = c.headline, f"к периоду «{c.previous_label}»"
    target = c.targets.get("share_in_norm")
    out: list[str] = []
    if c.is_oblast:
        changes = _share_changes(c)
        up = changes[changes["share_change"] > 0].sort_values(["share_change", "name"], ascending=[False, True])
        down = changes[changes["share_change"] < 0].sort_values(["share_change", "name"])
        if not up.empty:
            r = up.iloc[0]
            out.append(f"Сильнее всего улучшился ответ в срок: {r['name']} — {_t('share_in_norm', r.share_in_norm)} "
                       f"({fmt.pp(r.share_change)} {prev}).")
        if not down.empty:
            r = down.iloc[0]
            out.append(f"Сильнее всего ухудшился: {r['name']} — {_t('share_in_norm', r.share_in_norm)} "
                       f"({fmt.pp(r.share_change)}).")
        m = c.municipalities[c.municipalities["municipality_id"] > 0]
        if h.overdue:
            worst = m.sort_values(["overdue", "name"], ascending=[False, True]).iloc[0]
            out.append(f"{KPIS['overdue'].name} — {metrics.messages_text(h.overdue)}; больше всего: {worst['name']} "
                       f"({fmt.num(worst['overdue'])}).")
        else:
            out.append("Просроченных обращений без ответа нет.")
        ranked = c.rating[c.rating["enough_data"].astype(bool)].dropna(subset=["share_in_norm"])
        if target is not None and not ranked.empty:
            below = ranked[ranked["share_in_norm"] < target.goal].sort_values(["share_in_norm", "name"])
            if below.empty:
                out.append(f"Цель по ответу в срок ({target.text()}) достигли все {len(ranked)} "
                           "муниципалитетов с достаточным числом обращений.")
            else:
                names = ", ".join(f"{r.name} ({_t('share_in_norm', r.share_in_norm)})" for r in below.head(2).itertuples())
                out.append(f"Ниже цели по ответу в срок ({target.text()}) — {len(below)} из {len(ranked)} "
                           f"муниципалитетов; дальше всего: {names}.")
    else:
        goal = f"; цель — {target.text()}" if target is not None else ""
        oblast = f", по области — {_ht(c.oblast, 'share_in_norm')}" if c.oblast is not None else ""
        change = _change(c, "share_in_norm")
        out.append(f"Ответ в срок — {_ht(h, 'share_in_norm')}{f' ({change} {prev})' if change != fmt.NA else ''}"
                   f"{goal}{oblast}.")
        row = c.rating_row()
        if row is not None and bool(row["enough_data"]):
            n = int(c.rating["enough_data"].sum())
            move = rank_change_cell(row["rank_change"]).text
            tail = f" ({move} {prev})" if move not in ("=", fmt.NA) else ""
            out.append(f"{c.scope_name} — {int(row['rank'])} место в рейтинге из {n}{tail}.")
        out.append(f"{KPIS['overdue'].name} — {metrics.messages_text(h.overdue)}." if h.overdue
                   else "Просроченных обращений без ответа нет.")
        out.append(f"Медиана первого ответа — {_ht(h, 'median_response')}.")
    change = _change(c, "subscribers")  # none before the data (c.data_from): the figure alone
    out.append(f"Подписчиков — {_t('subscribers', h.subscribers)}{f': {change} {prev}' if change != fmt.NA else ''}.")
    return out[:5]


def summary_slide(c: ReportContent) -> Slide:
    items = conclusions(c)
    for pt in (22, 20, 18, 16):  # the largest type at which every conclusion fits
        lines = tuple(Line(t, pt, bullet=True, space_before=14 if i else 0) for i, t in enumerate(items))
        if theme.lines_height(lines, CONTENT.w) <= CONTENT.h:
            break
    notes = kpi_notes("share_in_norm", "overdue", "subscribers",
                      extra="Выводы составлены автоматически по тем же данным, что и остальные слайды. " + RATING_NOTE)
    return Slide("Главное", [Text(CONTENT, lines)], subtitle=f"{c.scope_name}, {c.period.label()}", notes=notes)


# -- slides -------------------------------------------------------------------------


def title_slide(c: ReportContent) -> Slide:
    band = Box(0, 1.9, theme.SLIDE_W, 3.2)
    inner = Box(theme.MARGIN + 0.3, band.y + 0.3, theme.CONTENT_W - 0.6, band.h - 0.6)
    lines = (
        Line("Официальные страницы органов власти в социальных сетях", 20, color=theme.WHITE),
        Line(c.scope_name, 40, bold=True, color=theme.WHITE, space_before=10),
        Line(_cap(c.period.label()), 28, color=theme.WHITE, space_before=8),
    )
    below = Box(inner.x, band.y + band.h + 0.35, inner.w, 1.5)
    info = (
        Line(f"Данные на {fmt.d(c.data_date)}", 20, bold=True, color=theme.NAVY),
        *((Line(c.unfinished, 18, bold=True, color=theme.WARN, space_before=6),) if c.unfinished else ()),
        Line(f"Норма ответа: {c.norm_label}. Изменение — {c.change_basis}.",
             16, color=theme.MUTED, space_before=6),
    )
    return Slide("Отчёт", [Rect(band, theme.NAVY), Text(inner, lines, valign="middle"), Text(below, info)],
                 title_bar=False, notes=f"Норма ответа: {c.norm_label}. Определения показателей — в заметках "
                                        "к каждому слайду и на слайде «Методика».")


def kpi_slide(c: ReportContent) -> Slide:
    """The eight headline cards and, under them, what the changes compare with and the norm —
    the words of the line under the screen's cards (metrics.change_basis)."""
    cols, rows = 4, 2
    note = Box(CONTENT.x, CONTENT.y + CONTENT.h - 0.32, CONTENT.w, 0.32)
    cards = Box(CONTENT.x, CONTENT.y, CONTENT.w, note.y - 0.08 - CONTENT.y)
    grid = [b for row in cards.split_v(*([1] * rows), gap=0.2) for b in row.split_h(*([1] * cols), gap=0.3)]
    blocks: list[Block] = [Text(note, (Line(f"Изменение — {c.change_basis}. Норма ответа: {c.norm_label}.", 13,
                                            color=theme.MUTED),))]
    for box, code in zip(grid, REPORT_CARDS):
        k = KPIS[code]
        value, change = kpi_card_lines(c, code)
        prev = c.headline_prev
        # The value in one piece: «сентябрь 2026: 5 ч» and «9 мин» on two lines read as two numbers.
        notes = [] if c.data_from else [Line(f"{c.previous_label}: {_ht(prev, code)}",  # none before the data
                                             theme.CARD_NOTE_PT, color=theme.MUTED, space_before=4)]
        if c.oblast is not None:
            notes.insert(0, Line(f"Область: {_ht(c.oblast, code)}",
                                 theme.CARD_NOTE_PT, color=theme.MUTED, space_before=6))
        blocks.append(Rect(box, theme.LIGHT))
        blocks.append(Text(Box(box.x + 0.2, box.y + 0.1, box.w - 0.4, box.h - 0.15), (
            Line(k.name, theme.CARD_LABEL_PT, color=theme.MUTED),
            Line(value, theme.CARD_VALUE_PT, bold=True, color=theme.NAVY, space_before=4),
            Line(change.text or fmt.NA, theme.CARD_NOTE_PT + 2, bold=True,
                 color=TONES[change.tone], space_before=2),
            *notes,
        )))
    return Slide("Главные показатели", blocks, subtitle=f"{c.scope_name}, {c.period.label()}",
                 notes=kpi_notes(*REPORT_CARDS))


def map_slide(c: ReportContent, png: bytes) -> Slide:
    m = c.municipalities
    side: list[Block] = []
    top, table_box, _note = MAP_SIDE.split_v(1.3, MAP_SIDE.h - 2.3, 0.6, gap=0.2)
    if c.is_oblast:
        lines = (Line("По области", theme.CARD_LABEL_PT, color=theme.MUTED),
                 Line(_ht(c.headline, "share_in_norm"), theme.CARD_VALUE_PT, bold=True, color=theme.NAVY))
        urban = m[m["kind"] == "urban_okrug"].sort_values("share_in_norm", ascending=False)
        rows = tuple(_cells(r.name, _rt("share_in_norm", r)) for r in urban.itertuples())
        side += [Text(top, lines),
                 Table(Box(table_box.x, table_box.y, table_box.w, min(table_box.h, 0.45 * (len(rows) + 1))),
                       (Column("Городские округа", weight=3.0), Column("В срок", "right")), rows)]
    else:
        side += rank_panel(c, top, table_box)
    note = Box(MAP_SIDE.x, CONTENT.y + CONTENT.h - 0.75, MAP_SIDE.w, 0.75)
    few = c.map_classes.few
    grey = (f"Серым — нет данных; бледно, в пунктире — меньше {metrics.rating_min_messages()} обращений."
            if few else "Серым — нет обращений со сроком ответа.")
    side.append(Text(note, (Line(f"Кружки — городские округа, малые в масштабе области. {grey}",
                                 12, color=theme.MUTED),)))
    return Slide("Ответ в срок по муниципалитетам", [Picture(MAP_BOX, png, "map"), *side],
                 subtitle=f"Доля ответов не позже нормы ({c.norm_label}), {c.period.label()}",
                 notes=kpi_notes("share_in_norm", extra="" if c.is_oblast else RATING_NOTE))


def rank_panel(c: ReportContent, top: Box, table_box: Box) -> list[Block]:
    """The municipality's place in the rating and its neighbours."""
    row = c.rating_row()
    ranked = c.rating[c.rating["enough_data"].astype(bool)].sort_values("rank")
    if row is None or not bool(row["enough_data"]):
        return [Text(top, (Line("Место в рейтинге", theme.CARD_LABEL_PT, color=theme.MUTED),
                           Line(f"мало данных (< {metrics.rating_min_messages()} обращений)", 18, bold=True,
                                color=theme.NAVY)))]
    rank = int(row["rank"])
    lines = (Line("Место в рейтинге", theme.CARD_LABEL_PT, color=theme.MUTED),
             Line(f"{rank} из {len(ranked)}", theme.CARD_VALUE_PT, bold=True, color=theme.NAVY),
             Line(rank_move_text(row["rank_change"], row["prev_rank"], c.previous_label), theme.CARD_NOTE_PT,
                  color=rank_change_cell(row["rank_change"]).color or theme.MUTED))
    pos = ranked.index.get_loc(row.name)
    window = ranked.iloc[max(0, pos - 3):pos + 4]
    rows = tuple(_cells(str(int(r.rank)), r.name, fmt.num(r.score, 1)) for r in window.itertuples())
    hi = frozenset(i for i, r in enumerate(window.itertuples()) if r.municipality_id == c.municipality_id)
    return [Text(top, lines),
            Table(Box(table_box.x, table_box.y, table_box.w, min(table_box.h, 0.42 * (len(rows) + 1))),
                  (Column("Место", "right", 0.8), Column("Муниципалитет", weight=2.6), Column("Балл", "right")),
                  rows, hi)]


RANK_SIDE_COLUMNS = (
    Column("Место", "right", 0.8), Column("Муниципалитет", weight=3.0), Column("Балл", "right", 0.9),
    Column("В срок", "right", 1.0),
)


def rating_side_rows(df: pd.DataFrame) -> tuple[tuple[Cell, ...], ...]:
    return tuple(_cells(str(int(r.rank)), r.name, fmt.num(r.score, 1), _t("share_in_norm", r.share_in_norm))
                 for r in df.itertuples())


def rating_slide(c: ReportContent, n: int = 10) -> Slide:
    """The first and the last ``n`` ranked municipalities side by side in large type; the
    whole rating is in the workbook (a projector cannot carry 35 rows)."""
    ranked = c.rating[c.rating["enough_data"].astype(bool)].sort_values(["rank", "name"])
    n = min(n, (len(ranked) + 1) // 2)
    top, bottom = ranked.head(n), ranked.tail(min(n, len(ranked) - n))
    note = Box(CONTENT.x, CONTENT.y + CONTENT.h - 0.5, CONTENT.w, 0.5)
    blocks: list[Block] = []
    for box, title, df, color in ((HALF_LEFT, f"Первые {len(top)}", top, theme.GOOD),
                                  (HALF_RIGHT, f"Последние {len(bottom)}", bottom, theme.BAD)):
        head = Box(box.x, box.y, box.w, 0.5)
        room = note.y - 0.15 - (head.y + 0.6)
        blocks.append(Text(head, (Line(title, 20, bold=True, color=color),)))
        if not df.empty:
            hi = frozenset(i for i, mid in enumerate(df["municipality_id"]) if mid == c.municipality_id)
            blocks.append(Table(Box(box.x, head.y + 0.6, box.w, min(room, 0.46 * (len(df) + 1))),
                                RANK_SIDE_COLUMNS, rating_side_rows(df), hi, pt=15))
    unranked = int((~c.rating["enough_data"].astype(bool)).sum())
    rest = (f"Полный рейтинг всех {len(c.rating)} муниципалитетов с изменением мест — в книге Excel, "
            "лист «Рейтинг»." + (f" Без места (менее {metrics.rating_min_messages()} обращений): {unranked}."
                                 if unranked else ""))
    blocks.append(Text(note, (Line(rest, 13, color=theme.MUTED),)))
    return Slide("Рейтинг муниципалитетов", blocks,
                 subtitle=f"{c.period.label()}: балл рейтинга 0–100 и доля ответов в срок",
                 notes=kpi_notes("share_in_norm", "median_response", "subs_per_1000", extra=RATING_NOTE))


def partial_buckets_note(c: ReportContent) -> str:
    """'Первая и последняя недели периода неполные.' when the period cuts weeks or months, and
    'После 28.11 данных ещё нет.' when it runs past the data (content.cut_by_the_data marks
    those buckets partial too)."""
    p, until = c.period, c.known_until
    beyond = until is not None and until < p.end
    first = last = False
    if c.grain == "week":
        first, last = p.start.weekday() != 0, p.end.weekday() != 6 or beyond
        words = ("Первая", "последняя", "недели", "неполные", "неделя", "неполная")
    elif c.grain == "month":
        first, last = p.start.day != 1, (p.end + timedelta(days=1)).day != 1 or beyond
        words = ("Первый", "последний", "месяцы", "неполные", "месяц", "неполный")
    cut = ""
    if first and last:
        cut = f"{words[0]} и {words[1]} {words[2]} периода {words[3]}."
    elif first or last:
        cut = f"{words[0] if first else _cap(words[1])} {words[4]} периода {words[5]}."
    after = f"После {bucket_label(until, 'day')} данных ещё нет." if beyond else ""
    return " ".join(filter(None, (cut, after)))


# -- native charts: data for PowerPoint, the image for the PDF ---------------------------

def _hex(colour: str) -> str:
    return colour.lstrip("#").upper()


def bucket_label(period, grain: str) -> str:
    """A time bucket as a category: '03.11' (a day, a week's Monday) or 'Ноябрь 2026'."""
    d = pd.Timestamp(period)
    if grain == "month":
        return f"{periods.MONTHS_RU[d.month - 1].capitalize()} {d.year}"
    return d.strftime("%d.%m")


def _values(col: pd.Series) -> tuple[float | None, ...]:
    return tuple(None if _missing(v) else float(v) for v in col)


def _partial_colours(c: ReportContent, full: str, partial: str, pending=None) -> tuple[str, ...]:
    """One colour per bucket: ``partial`` (lighter) for buckets the period cuts, and for those
    true in ``pending`` (messages not due yet: charts.trend_marks, the share's trend)."""
    flags = c.series["partial"] if "partial" in c.series else [False] * len(c.series)
    if pending is not None:
        flags = [p or q for p, q in zip(flags, pending)]
    return tuple(_hex(partial if p else full) for p in flags)


def _into_colors(lighter_into, light: str) -> tuple[str, ...]:
    """Series.into_colors: ``light`` into the buckets whose incoming line the screen draws
    lighter (charts.trend_lighter_into / reference_lighter_into), the series' own elsewhere."""
    return tuple(_hex(light) if x else "" for x in lighter_into)


def messages_chart(c: ReportContent, png: bytes) -> Chart:
    """Messages per bucket as columns, as the screen's and the PDF's chart draws them: every
    bucket of the period (0 where none), partial buckets lighter (the note under the chart
    names them). How many got an answer is on the KPI slide and in the workbook."""
    s = c.series
    cats = tuple(bucket_label(p, c.grain) for p in s["period"])
    return Chart(CHART_BOXES["messages"], "messages", "column", cats,
                 (Series("Обращения", _values(s["messages"]), _hex(charts.ACCENT),
                         point_colors=_partial_colours(c, charts.ACCENT, charts.ACCENT_LIGHT)),),
                 COUNT, png, axis_title="Обращений")


def timeliness_chart(c: ReportContent, png: bytes) -> Chart:
    """Share within the norm per bucket: every bucket on the axis, a gap (no value) where a
    bucket has no messages, the markers of partial buckets and of those with messages not due
    yet lighter (and the line into the latter), of a share from too few messages due hollow
    (as on «Обзор»). A municipality's report: its line named by the municipality and the
    oblast's share beside it in grey (as on «Муниципалитет»), its partial and not-yet-due
    buckets lighter, the line into and out of them too. Which segments are lighter is the
    screen's rule (charts.trend_lighter_into, reference_lighter_into)."""
    s = c.series
    marks = charts.trend_marks(s)
    cats = tuple(bucket_label(p, c.grain) for p in s["period"])
    series = [Series("Ответ в срок" if c.oblast_series is None else c.scope_name, _values(s["share_in_norm"]),
                     _hex(charts.GOOD), point_colors=_partial_colours(c, charts.GOOD, charts.GOOD_LIGHT, marks["pending"]),
                     hollow=tuple(bool(few) for few in marks["few"]),
                     into_colors=_into_colors(charts.trend_lighter_into(s), charts.GOOD_LIGHT))]
    if c.oblast_series is not None:
        o = s[["period"]].merge(c.oblast_series, on="period", how="left")
        series.append(Series(charts.REFERENCE_NAME, _values(o["share_in_norm"]), _hex(charts.REFERENCE_COLOR),
                             point_colors=tuple(_hex(charts.REFERENCE_LIGHT if x else charts.REFERENCE_COLOR)
                                                for x in charts.lighter_buckets(o)),
                             into_colors=_into_colors(charts.reference_lighter_into(o), charts.REFERENCE_LIGHT)))
    target = c.targets.get("share_in_norm")
    if target is not None:
        series.append(Series(target.label, (target.goal,) * len(cats), _hex(charts.MUTED), dashed=True))
    return Chart(CHART_BOXES["timeliness"], "timeliness", "line", cats, tuple(series), PCT_AXIS, png,
                 axis_title="Доля ответов в срок", axis_max=1.0, legend=True)


def topics_chart(c: ReportContent, png: bytes) -> Chart:
    t = c.topics
    return Chart(CHART_BOXES["topics"], "topics", "bar", tuple(t["topic"]),
                 (Series("Обращения", _values(t["messages"]), _hex(charts.ACCENT)),), COUNT, png,
                 data_labels=True)


def responses_chart(c: ReportContent, png: bytes) -> Chart:
    r = c.responses
    status = [charts.bucket_status(b, c.norm.hours) for b in r["bucket"]]
    colours = {"в норме": charts.GOOD, "частично в норме": charts.WARN, "сверх нормы": charts.BAD}
    return Chart(CHART_BOXES["responses"], "responses", "column", tuple(r["label"]),
                 (Series("Доля обращений", _values(r["share"]), _hex(charts.ACCENT),
                         point_colors=tuple(_hex(colours.get(st, charts.NEUTRAL)) for st in status)),),
                 PCT_AXIS, png, axis_title=f"Доля обращений; норма ответа {c.norm.hours} ч", data_labels=True,
                 label_texts=tuple(fmt.pct(v) for v in r["share"]))


def few_messages_note(c: ReportContent) -> str:
    """The note under the timeliness chart when some bucket's share rests on too few messages
    due (drawn hollow, as on «Обзор»; charts.trend_marks)."""
    if not charts.trend_marks(c.series)["few"].any():
        return ""
    return f"Полые точки — {charts.FEW_LABELS[1]}: доля случайна."


PENDING_LISTED = 3  # buckets named in pending_note; more are counted


def pending_note(c: ReportContent) -> str:
    """The note under the timeliness chart when some bucket's messages are not all due yet
    (its marker lighter, as on «Обзор»): which, and how many of how many, so that a last day
    is not read as a fall of the response rate."""
    s = c.series
    pending = s[charts.trend_marks(s)["pending"].values & s["share_in_norm"].notna().values]  # drawn points
    if pending.empty:
        return ""
    items = [f"{bucket_label(r.period, c.grain)}: у {fmt.num(r.messages - r.due)} из {fmt.num(r.messages)}"
             for r in pending.head(PENDING_LISTED).itertuples()]
    if len(pending) > PENDING_LISTED:
        items.append(f"ещё {len(pending) - PENDING_LISTED}")
    return (f"Светлые точки — срок ответа ещё не наступил у части обращений ({'; '.join(items)}): "
            "доля ещё изменится.")


def oblast_line_note(c: ReportContent) -> str:
    """The note under a municipality's timeliness chart naming the oblast's grey line."""
    if c.oblast_series is None:
        return ""
    return "Серая линия — вся область (светлее, где её доля ещё изменится)."


def trend_slide(title: str, subtitle: str, chart: Chart, note: str, notes: str = "") -> Slide:
    blocks: list[Block] = [chart]
    if note:
        blocks.append(Text(TREND_NOTE, (Line(note, 12, color=theme.MUTED),)))
    return Slide(title, blocks, subtitle=subtitle, notes=notes)


def topics_slide(c: ReportContent, png: bytes) -> Slide:
    rows = tuple(_cells(r.topic, _t("messages", r.messages), fmt.pct(r.share), _rt("share_in_norm", r))
                 for r in c.topics.itertuples())
    cols = (Column("Тема", weight=2.4), Column("Обращения", "right", 1.1), Column("Доля", "right", 0.9),
            Column("В срок", "right", 0.9))
    box = Box(TOPIC_TABLE.x, TOPIC_TABLE.y, TOPIC_TABLE.w, min(TOPIC_TABLE.h, 0.42 * (len(rows) + 1)))
    return Slide("Темы обращений", [topics_chart(c, png), Table(box, cols, rows)],
                 subtitle=f"{c.scope_name}, {c.period.label()}",
                 notes=kpi_notes("messages", "share_in_norm", extra="Доля: обращения темы / все обращения периода."))


def responses_slide(c: ReportContent, png: bytes) -> Slide:
    platforms = c.platforms[c.platforms["messages"] > 0]  # broadcast-only channels get no messages
    rows = tuple(_cells(r.platform_label, _t("messages", r.messages), _rt("share_in_norm", r),
                        _rt("median_response", r)) for r in platforms.itertuples())
    cols = (Column("Платформа", weight=1.5), Column("Обращения", "right", 1.1), Column("В срок", "right", 0.9),
            Column("Медиана", "right", 1.1))
    box = Box(TOPIC_TABLE.x, TOPIC_TABLE.y, TOPIC_TABLE.w, min(TOPIC_TABLE.h, 0.45 * (len(rows) + 1)))
    text_box = Box(TOPIC_TABLE.x, box.y + box.h + 0.4, TOPIC_TABLE.w, 1.6)
    h = c.headline
    lines = (Line(f"Медиана первого ответа: {_ht(h, 'median_response')}", 16),
             Line(f"Среднее время первого ответа: {_ht(h, 'mean_response')}", 16,
                  space_before=6),
             Line(f"Доля с ответом: {_ht(h, 'share_answered')}", 16, space_before=6))
    return Slide("Время первого ответа", [responses_chart(c, png), Table(box, cols, rows), Text(text_box, lines)],
                 subtitle=f"{c.scope_name}, {c.period.label()}",
                 notes=kpi_notes("median_response", "mean_response", "share_answered", "share_in_norm"))


def movers(c: ReportContent, n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(best improvements, largest declines) by rank change, then by score change."""
    df = c.rating[c.rating["enough_data"].astype(bool) & c.rating["rank_change"].notna()]
    up = df[df["rank_change"] > 0].sort_values(["rank_change", "score_change"], ascending=False).head(n)
    down = df[df["rank_change"] < 0].sort_values(["rank_change", "score_change"], ascending=True).head(n)
    return up, down


def movers_slide(c: ReportContent) -> Slide:
    cols = (Column("Муниципалитет", weight=2.7), Column("Место", "center", 1.0), Column("Изм. места", "center", 0.9),
            Column("Изм. балла", "right", 0.9), Column("В срок", "right", 1.1))

    def rows(df: pd.DataFrame) -> tuple[tuple[Cell, ...], ...]:
        return tuple(_cells(
            r.name, f"{int(r.prev_rank)} → {int(r.rank)}", rank_change_cell(r.rank_change),
            fmt.signed(r.score_change, 1), fmt.pp(r.share_in_norm - r.prev_share_in_norm))
            for r in df.itertuples())

    up, down = movers(c)
    # An empty side says why: nobody was ranked in the previous period, or nobody's score moved
    # beyond its noise that way (a place is not changed by chance: with_previous_rank) — a
    # bare «нет» under «Наибольшее снижение» beside a climb of 17 places read as an error.
    ranked_before = bool(c.rating["prev_rank"].notna().any())
    blocks: list[Block] = []
    for box, title, df, color, moved in ((HALF_LEFT, "Лучшая динамика", up, theme.GOOD, "поднялся"),
                                         (HALF_RIGHT, "Наибольшее снижение", down, theme.BAD, "опустился")):
        head, body = box.split_v(0.5, box.h - 0.7, gap=0.2)
        blocks.append(Text(head, (Line(title, 20, bold=True, color=color),)))
        if df.empty:
            why = (f"Ни один муниципалитет не {moved} в рейтинге сильнее случайных колебаний." if ranked_before
                   else f"Изменения мест не показаны: прошлый период начинается раньше данных (они — только с "
                        f"{fmt.d(c.data_from)})." if c.data_from
                   else "Нет муниципалитетов с изменением места: в прошлом периоде мало данных для рейтинга.")
            blocks.append(Text(body, (Line(why, 16, color=theme.MUTED),)))
        else:
            blocks.append(Table(Box(body.x, body.y, body.w, 0.55 * (len(df) + 1)), cols, rows(df), pt=13))
    if not c.data_from:  # what the tables compare; before the data there are none
        note = Box(CONTENT.x, CONTENT.y + CONTENT.h - 0.5, CONTENT.w, 0.5)
        blocks.append(Text(note, (Line(
            f"Место в рейтинге: {c.previous_label} → {c.period.label()}. Изменение балла рейтинга (0–100) и доли "
            "ответов в срок (п.п.) — к прошлому периоду.", 12, color=theme.MUTED),)))
    return Slide("Динамика рейтинга", blocks, subtitle="Муниципалитеты, сильнее всего изменившие место",
                 notes=kpi_notes("share_in_norm", extra=RATING_NOTE))


def pages_slide(c: ReportContent) -> Slide:
    """The municipality's pages with the most subscribers (content.PAGES_SHOWN), of all."""
    df, total, limit = c.pages, c.pages_total, len(c.pages)
    rows = tuple(_cells(r.platform_label, r.title, _t("subscribers", r.subscribers), fmt.d(r.last_post_at),
                        "да" if r.verified else "нет") for r in df.head(limit).itertuples())
    cols = (Column("Сеть", "center", 0.8), Column("Страница", weight=4.0), Column("Подписчики", "right", 1.1),
            Column("Последняя публикация", "center", 1.3), Column("Госметка", "center", 0.8))
    box = Box(CONTENT.x, CONTENT.y, CONTENT.w, min(CONTENT.h - 0.5, 0.34 * (len(rows) + 1)))
    # Page titles are free text of any length: the longest are shortened (full titles in the workbook).
    more = (f"Показаны {len(rows)} из {fmt.num(total)} (по числу подписчиков); полный список — в XLSX."
            if total > limit else f"Всего страниц: {fmt.num(total)}.")
    note = Box(CONTENT.x, CONTENT.y + CONTENT.h - 0.4, CONTENT.w, 0.4)
    blocks: list[Block] = [Table(box, cols, rows)] if rows else []
    blocks.append(Text(note, (Line(more if rows else "Страниц нет.", 12, color=theme.MUTED),)))
    # The registry as it stands, not as of the period: a report on October listed November's
    # last posts under a subtitle that named no date.
    when = f", на {fmt.d(c.data_date)}" if c.data_date else ""
    return Slide("Страницы муниципалитета", blocks, subtitle=f"{c.scope_name}{when}",
                 notes=kpi_notes("pages", "subscribers"))


def method_slide(c: ReportContent) -> Slide:
    items = [f"{KPIS[k].name}: {_brief(KPIS[k].formula)}"
             for k in ("messages", "share_in_norm", "share_answered", "median_response", "subs_per_1000", "overdue")]
    weights = ", ".join(f"{KPIS[k].name.lower()} {int(w * 100)} %" for k, w in RATING_WEIGHTS.items())
    items.append(f"Рейтинг: взвешенная сумма показателей, каждый приведён к шкале 0–100 по муниципалитетам "
                 f"({weights}); при менее {metrics.rating_min_messages()} обращений — «мало данных», без места.")
    same_age = "" if c.data_from else ", в том же «возрасте»"
    items.append(f"Норма ответа: {c.norm_label}. Изменения — {c.change_basis}{same_age}.")
    if c.targets:
        items.append("Цели: " + "; ".join(t.description for t in c.targets.values()) + ".")
    lines = [Line(t, 15, bullet=True, space_before=8) for t in items]
    if c.is_demo:
        lines.append(Line(theme.DEMO_LABEL, 20, bold=True, color=theme.DEMO, space_before=18))
    return Slide("Методика", [Text(CONTENT, tuple(lines))],
                 subtitle="Полные определения — на странице «Методика» дашборда",
                 notes=kpi_notes(*KPIS))


def frame(s: Slide, number: int, footer: str, demo: bool, unfinished: str = "") -> list[Block]:
    """The template around a slide: title bar, demo label, footer with source and date (and,
    for a period not over yet, the date its data ends, in bold), number."""
    out: list[Block] = []
    if s.title_bar:
        out.append(Rect(Box(0, 0, theme.SLIDE_W, theme.TITLE_BAR_H), theme.NAVY))
        lines = [Line(s.title, theme.TITLE_PT, bold=True, color=theme.WHITE)]
        if s.subtitle:
            lines.append(Line(s.subtitle, theme.SUBTITLE_PT - 2, color="D5DEEA"))
        title_w = theme.CONTENT_W - (3.6 if demo else 0)
        out.append(Text(Box(theme.MARGIN, 0.05, title_w, theme.TITLE_BAR_H - 0.1), tuple(lines),
                        valign="middle", role="title"))
    if demo:
        badge = Box(theme.SLIDE_W - theme.MARGIN - 3.4, 0.2 if s.title_bar else 0.3, 3.4, 0.55)
        out += [Rect(badge, theme.DEMO),
                Text(badge, (Line(theme.DEMO_LABEL, 12, bold=True, color=theme.WHITE),), "center", "middle")]
    y = theme.SLIDE_H - theme.FOOTER_H
    source_w = theme.CONTENT_W - 1
    if unfinished:  # right of the source, left of the number (which needs ~0.3 in)
        note_w = theme.text_width(unfinished, theme.FOOTER_PT, True) + theme.TEXT_PAD_X + 0.05
        source_w = theme.CONTENT_W - 0.4 - note_w - 0.2
        out.append(Text(Box(theme.MARGIN + source_w + 0.2, y, note_w, theme.FOOTER_H),
                        (Line(unfinished, theme.FOOTER_PT, bold=True, color=theme.WARN),), "right", "middle"))
    out += [Rect(Box(theme.MARGIN, y, theme.CONTENT_W, 0.01), theme.GRID),
            Text(Box(theme.MARGIN, y, source_w, theme.FOOTER_H),
                 (Line(footer, theme.FOOTER_PT, color=theme.MUTED),), valign="middle"),
            Text(Box(theme.SLIDE_W - theme.MARGIN - 0.4, y, 0.4, theme.FOOTER_H),
                 (Line(str(number), theme.FOOTER_PT, color=theme.MUTED),), "right", "middle")]
    return out


def build(c: ReportContent, images: dict[str, bytes]) -> Deck:
    """The deck for the content; ``images`` maps CHART_BOXES keys to PNGs rendered for those boxes."""
    scope = c.scope_name
    slides = [title_slide(c), summary_slide(c), kpi_slide(c), map_slide(c, images["map"])]
    if c.is_oblast:
        slides.append(rating_slide(c))
    grain = periods.GRAIN_LABELS[c.grain]
    note = partial_buckets_note(c)
    slides += [
        trend_slide(f"Обращения {grain}", f"{scope}, {c.period.label()}: всего {_t('messages', c.headline.messages)}",
                    messages_chart(c, images["messages"]), note, kpi_notes("messages", "share_answered")),
        trend_slide(f"Ответ в срок {grain}", f"{scope}, {c.period.label()}: {_ht(c.headline, 'share_in_norm')} "
                    "за период", timeliness_chart(c, images["timeliness"]),
                    " ".join(filter(None, (f"Норма ответа: {c.norm_label}.", oblast_line_note(c), note,
                                           few_messages_note(c), pending_note(c)))),
                    kpi_notes("share_in_norm")),
        topics_slide(c, images["topics"]),
        responses_slide(c, images["responses"]),
    ]
    slides.append(movers_slide(c) if c.is_oblast else pages_slide(c))
    slides.append(method_slide(c))
    footer = f"{theme.SOURCE_NOTE} · Данные на {fmt.d(c.data_date)}"
    for number, s in enumerate(slides, start=1):
        s.blocks += frame(s, number, footer, c.is_demo, c.unfinished)
    return Deck(f"{scope}: {c.period.label()}", c.is_demo, slides)
