"""Altair chart builders shared by the app and the report (PNG export via vl-convert).

One theme of our own (``gospubliki``: offline fonts, calm palette, Russian number and
date locale in ``config.locale``) is registered and enabled on import. Builders are pure:
they take the DataFrames returned by ``queries`` (columns as in their docstrings) and
return ``alt.Chart`` objects with Russian titles; width and height are parameters
(``"container"`` fills the page in Streamlit; give numbers for a static export).
Nothing here needs a selection to be read, so PNG export keeps the meaning.
"""

from __future__ import annotations

import html
from typing import Sequence

import altair as alt
import numpy as np
import pandas as pd

from dashboard.core import formatting as fmt
from dashboard.core import platforms
from dashboard.core.metrics import KPI, KPIS, LOW_DATA, RESPONSE_BUCKETS, SCORE, UNANSWERED_LABEL, due_text
from dashboard.core.reference_data import short_name
from dashboard.core.targets import goal_label

THEME = "gospubliki"
# The page's own font first: Streamlit serves «Source Sans» (Cyrillic included) with the app
# and draws every text in it, so a chart in the browser matches the page offline; a static
# export (vl-convert, no such font) falls back to DejaVu, which the reports set outright.
FONT = '"Source Sans", DejaVu Sans, Liberation Sans, Arial, sans-serif'

INK = "#1f2a37"
MUTED = "#6b7280"
GRID = "#e5e7eb"
ACCENT = "#1f4e8c"          # main series
ACCENT_LIGHT = "#9fc0e6"    # the same series where a bucket is partial
GOOD = "#2e9e6b"
GOOD_LIGHT = "#a9dcc3"      # partial buckets of the share line
BAD = "#d0543f"
WARN = "#e5a33b"
NEUTRAL = "#b8c0cc"
HIGHLIGHT = "#d97706"

PALETTE = ["#1f4e8c", "#f28c28", "#2e9e6b", "#8b5cf6", "#d0543f", "#38bdf8",
           "#a16207", "#db2777", "#64748b", "#0d9488", "#9ca3af"]

WEEKDAYS_SHORT = ("Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс")

LOCALE = {
    "number": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", "\u00a0₽"]},
    "time": {
        "dateTime": "%A, %e %B %Y г. %X",
        "date": "%d.%m.%Y",
        "time": "%H:%M:%S",
        "periods": ["", ""],
        "days": ["воскресенье", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота"],
        "shortDays": ["вс", "пн", "вт", "ср", "чт", "пт", "сб"],
        "months": ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август",
                   "сентябрь", "октябрь", "ноябрь", "декабрь"],
        "shortMonths": ["янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт",
                        "ноя", "дек"],
    },
}

# Axis label expressions that stay Russian whatever the renderer's locale support.
# A band label of two words and more than 7 characters on two lines: «более 24 ч» and
# «без ответа» side by side ran together in a half-width column.
TWO_LINES = ("length(datum.label) > 7 && indexof(datum.label, ' ') > 0 ? "
             "[substring(datum.label, 0, indexof(datum.label, ' ')), "
             "substring(datum.label, indexof(datum.label, ' ') + 1)] : datum.label")
# Percent ticks keep the decimals a fine scale needs: ER ticks 0,2 % apart read «1,2 %», not
# five times «1 %» (whole-percent ticks stay «20 %»); the comma whatever the locale.
PCT_LABEL = "replace(format(datum.value * 100, '.1~f'), '.', ',') + '\u00a0%'"
DATE_FORMAT = "%d.%m.%Y"


@alt.theme.register(THEME, enable=True)
def theme() -> alt.theme.ThemeConfig:
    """Calm, readable on a big screen and in slides; fonts available offline."""
    label, title = 13, 14  # «Source Sans» reads smaller than DejaVu at the same size: the page's captions are 14 px
    return {
        "config": {
            "locale": LOCALE,
            "font": FONT,
            "background": "white",
            "view": {"stroke": None, "continuousWidth": 640, "continuousHeight": 300},
            "padding": 8,
            "title": {"font": FONT, "fontSize": 15, "fontWeight": 600, "color": INK,
                      "anchor": "start", "offset": 10},
            "axis": {
                "labelFont": FONT, "titleFont": FONT, "labelFontSize": label,
                "titleFontSize": title, "labelColor": MUTED, "titleColor": INK,
                "titleFontWeight": 500, "gridColor": GRID, "domainColor": NEUTRAL,
                "tickColor": NEUTRAL, "labelLimit": 260,
            },
            "axisX": {"grid": False},
            "axisY": {"domain": False, "ticks": False, "titlePadding": 10},
            "axisBand": {"grid": False},
            "legend": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": label,
                       "titleFontSize": title, "titleColor": INK, "labelColor": INK,
                       "orient": "bottom", "symbolType": "circle", "labelLimit": 240},
            "header": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": title,
                       "labelColor": INK, "titleFontSize": title},
            "range": {"category": PALETTE},
            "line": {"strokeWidth": 2.5, "color": ACCENT},
            "bar": {"color": ACCENT, "cornerRadiusEnd": 2},
            "area": {"color": ACCENT},
            "point": {"color": ACCENT, "filled": True, "size": 50},
            "text": {"font": FONT, "fontSize": label, "color": INK},
            "rule": {"color": MUTED},
        }
    }


# -- metrics: name, format and direction of each column, from the metric registry --------

# Query column -> KPI (dashboard.core.metrics), plus the composite rating's score.
METRICS: dict[str, KPI] = {k.column: k for k in (SCORE, *KPIS.values())}


# -- data: a frame as Vega-Lite values, cheaper than Altair's own conversion ------------------

DATA_TRANSFORMER = "dashboard"   # alt.data_transformers.enable(DATA_TRANSFORMER) in the app
_NULLABLE = {"str", "string", "category", "boolean", "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16",
             "UInt32", "UInt64", "Float32", "Float64"}


def _column_values(col: pd.Series) -> list | None:
    """A column as Altair's sanitize_pandas_dataframe leaves it for JSON (Python values,
    None for missing ones), or None for a dtype it treats otherwise."""
    name = str(col.dtype)
    if name in ("str", "string"):  # Python strs or None at once: astype(object) took 2.5 times as long
        return col.to_numpy(dtype=object, na_value=None).tolist()
    if name in _NULLABLE or name == "object":
        return [_plain(v) for v in col.astype(object).tolist()]
    if name == "bool" or name.startswith(("int", "uint")):
        return col.tolist()
    if name.startswith("float"):
        inf = float("inf")
        return [None if v != v or v == inf or v == -inf else v for v in col.tolist()]
    if name.startswith(("datetime", "timestamp")):
        return ["" if v is pd.NaT else v.isoformat() for v in col]
    return None


def _plain(v):
    """An object column's value as Altair leaves it: arrays as lists, missing as None, numpy
    scalars as Python ones (as DataFrame.to_dict boxes them)."""
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (list, tuple, dict)):
        return v
    if v is None or pd.isna(v):
        return None
    return v.item() if isinstance(v, np.generic) else v


def chart_values(data) -> dict:
    """Altair's data transformer (``alt.data_transformers``) without its per-column pandas
    copies: a small frame's values built by column, each one as Altair's sanitizer would
    leave it (the same spec; the app's tests compare the two for every chart a page draws).
    Other data, and a frame with a column of another kind (time spans …), go through
    Altair's own ``to_values``."""
    from altair.utils.data import to_values

    if isinstance(data, pd.DataFrame) and all(isinstance(c, str) for c in data.columns) \
            and not isinstance(data.index, pd.MultiIndex):
        columns = [_column_values(data[c]) for c in data.columns]
        if all(v is not None for v in columns):
            names = list(data.columns)
            return {"values": [dict(zip(names, row)) for row in zip(*columns)]}
    return to_values(data)


alt.data_transformers.register(DATA_TRANSFORMER, chart_values)


def _size(chart: alt.Chart, width, height) -> alt.Chart:
    """A single view's size. A layered chart takes its size in ``alt.layer(..., width=,
    height=)`` instead: Altair's properties() copies the chart, and a layered chart's copy runs
    its construction again, deep-copying every layer twice (a sixth of the time the «Ответ в
    срок» trend with the oblast's line took to build, and as much again for each of a page's
    comparison bars)."""
    return chart.properties(width=width, height=height)


NO_MESSAGES = "Обращений за выбранный период нет"


def _empty(title: str = "Нет данных за выбранный период", width="container", height=200) -> alt.Chart:
    """A blank chart with a message, so callers never have to special-case empty frames."""
    return _size(alt.Chart(pd.DataFrame({"t": [title]})).mark_text(
        fontSize=14, color=MUTED).encode(text=alt.Text("t:N")), width, height)


def _time_x(grain: str | None = None, periods=None) -> alt.X:
    """Time axis: 'dd.mm' labels (month names for months); with few buckets, one tick per
    bucket so weekly ticks fall on the Mondays the data is keyed by."""
    label_fmt = "%b %Y" if grain == "month" else "%d.%m"
    values = alt.Undefined
    if periods is not None:
        days = sorted(pd.to_datetime(pd.Series(periods).drop_duplicates()))
        if 1 < len(days) <= 14:
            values = [alt.DateTime(year=d.year, month=d.month, date=d.day) for d in days]
    return alt.X("period:T", title=None, axis=alt.Axis(format=label_fmt, labelAngle=0, values=values,
                                                       labelOverlap=True, labelSeparation=LABEL_GAP,
                                                       tickCount=8))


def _with_period(df: pd.DataFrame) -> pd.DataFrame:
    """``period`` as datetime64 (JSON-serialisable) plus a Russian ``period_label``."""
    period = pd.to_datetime(df["period"])
    return df.assign(period=period, period_label=period.dt.strftime(DATE_FORMAT))


# -- time series ---------------------------------------------------------------

PARTIAL_LABELS = {"day": ("полный день", "неполный день"),
                  "week": ("полная неделя", "неполная неделя"),
                  "month": ("полный месяц", "неполный месяц")}
COUNT_AXIS = {"format": ",d", "tickMinStep": 1}   # counts: whole numbers only
COUNT_TICKS_LISTED = 5  # up to this top the ticks of a count axis are listed (count_axis)


def count_axis(top) -> alt.Axis:
    """The axis of a count whose tallest bar or point is ``top``: whole numbers only. The Vega
    in vl-convert (the report's images) takes tickMinStep as a cap on the number of ticks
    only, so a top of 1 or 2 still got half steps, printed «0, 1, 1, 2, 2» (a small district's
    messages per day); up to COUNT_TICKS_LISTED the ticks are listed instead, with their own
    count and no tickMinStep: the browser's Vega lowers the count under tickMinStep until the
    step is whole (0, 2 for a top of 2) and then thins listed ticks to it, dropping the 1."""
    if top is None or pd.isna(top) or top > COUNT_TICKS_LISTED:
        return alt.Axis(**COUNT_AXIS)
    values = list(range(max(int(np.ceil(top)), 1) + 1))
    return alt.Axis(format=COUNT_AXIS["format"], values=values, tickCount=len(values))
# px kept free between two axis labels: labels that merely touched passed the overlap
# check, and in the browser's wider font «31.1003.1106.11» ran together.
LABEL_GAP = 8
# px a long legend label may take: the theme's 240 cut «меньше 5 обращений, срок ответа по
# которым наступил» (~330 px on a page, ~510 px in a slide's 17 px DejaVu).
LEGEND_LONG_LABEL = 640


def _bucket_x(df: pd.DataFrame, grain: str) -> alt.X:
    """One band per bucket, in time order, labelled 'dd.mm' (months: 'янв 2026')."""
    return alt.X("x_label:N", title=None, sort=list(dict.fromkeys(df["x_label"])),
                 axis=alt.Axis(labelAngle=0, labelOverlap="greedy", labelSeparation=LABEL_GAP, labelPadding=4))


def _with_buckets(df: pd.DataFrame, grain: str) -> pd.DataFrame:
    """Add x_label, period_label (tooltip), partial (False if absent) and bucket_kind."""
    period = pd.to_datetime(df["period"])
    if grain == "month":
        # Within one year the month alone («мар»): twelve «мар 2025» did not fit a slide's
        # width, and the axis dropped March and June to keep the rest apart.
        months = LOCALE["time"]["shortMonths"]
        one_year = period.dt.year.nunique() == 1
        x_label = [months[d.month - 1] if one_year else f"{months[d.month - 1]} {d.year}" for d in period]
    else:
        x_label = list(period.dt.strftime("%d.%m"))
    partial = df["partial"].astype(bool) if "partial" in df else pd.Series(False, index=df.index)
    full, part = PARTIAL_LABELS.get(grain, PARTIAL_LABELS["week"])
    return df.assign(period=period, period_label=period.dt.strftime(DATE_FORMAT), x_label=x_label,
                     partial=partial.values, bucket_kind=[part if p else full for p in partial])


# A bucket of the «Ответ в срок» trend with messages not due yet: its share will still change.
PENDING_LABEL = "срок ответа наступил не у всех"
LIGHTER = 0.4   # opacity of a partial bucket (or one whose share is not final)


def _partial_opacity(df: pd.DataFrame, grain: str, orient: str = "bottom", field: str = "bucket_kind",
                     columns: int | None = None) -> alt.Opacity | dict:
    """Partial buckets lighter, with a legend saying why; nothing when all are complete.
    ``orient="top"`` where a colour legend takes the bottom: two legends side by side ran
    past a half-width column («■ полная» cut at the card's edge). ``field`` may also name
    PENDING_LABEL (the timeliness trend): lighter too, named in the same legend (in
    ``columns``: its three entries in a row ran past a half-width column at 1366 px)."""
    full, part = PARTIAL_LABELS.get(grain, PARTIAL_LABELS["week"])
    lighter = [k for k in (part, PENDING_LABEL) if (df[field] == k).any()]
    if not lighter:
        return {}
    return {"opacity": alt.Opacity(f"{field}:N", title=None,
                                   scale=alt.Scale(type="ordinal", domain=[full, *lighter], range=[1] + [LIGHTER] * len(lighter)),
                                   legend=alt.Legend(orient=orient, symbolType="square",
                                                     columns=alt.Undefined if columns is None else columns))}


def messages_trend(series_df: pd.DataFrame, grain: str = "week", width="container",
                   height=260, title: str | None = None) -> alt.Chart:
    """Messages per bucket (queries.series.messages_series): one bar per bucket, zeros
    included; partial buckets (cut by the period) lighter, named in the legend. No message
    at all (Telegram alone) is said in words, as beside it «Ответ в срок» does: an axis of
    a single «0» over empty weeks looked broken."""
    if series_df.empty:
        return _empty(width=width, height=height)
    if not series_df["messages"].fillna(0).any():
        return _empty(NO_MESSAGES, width=width, height=height)
    df = _with_buckets(series_df, grain).assign(
        messages_label=series_df["messages"].map(fmt.num).values,
        answered_label=series_df["answered"].map(fmt.num).values,
    )
    tooltip = [alt.Tooltip("period_label:N", title="Период с"),
               alt.Tooltip("bucket_kind:N", title="Интервал"),
               alt.Tooltip("messages_label:N", title="Обращений"),
               alt.Tooltip("answered_label:N", title="С ответом")]
    bars = alt.Chart(df, title=title or alt.Undefined).mark_bar(color=ACCENT).encode(
        x=_bucket_x(df, grain),
        y=alt.Y("messages:Q", title="Обращений", axis=count_axis(df["messages"].max())),
        tooltip=tooltip, **_partial_opacity(df, grain))
    return _size(bars, width, height)


def _runs(values: pd.Series) -> pd.Series:
    """Contiguous runs of known values get one id each: a line is drawn within a run only,
    so it breaks at a bucket without data instead of joining across it."""
    return values.isna().cumsum()


TREND_KPI = KPIS["share_in_norm"]
TREND_MIN_SAMPLE = TREND_KPI.min_sample
# A bucket's share rests on its messages already due (the KPI's sample), not on all of them.
FEW_LABELS = (due_text(TREND_MIN_SAMPLE, "от"), due_text(TREND_MIN_SAMPLE, "меньше"))


def trend_marks(series_df: pd.DataFrame) -> pd.DataFrame:
    """How each bucket of queries.series.messages_series is marked on the «Ответ в срок»
    trend, on the screens and the slides alike. Columns: ``due`` (the messages its share rests
    on, the KPI's sample; all of its messages in a frame without the column), ``few`` (a
    share from fewer of them than the KPI's minimum: a hollow point; a last day of 94 messages
    of which 3 are due is a share of 3), ``pending`` (some of its messages are not due yet: a
    lighter point, as a partial bucket, for its share will still change — the last day read
    as a fall, or a rise, of the response rate)."""
    sample = TREND_KPI.sample        # "due"
    due = series_df[sample] if sample in series_df else series_df["messages"]
    return pd.DataFrame({"due": due.values, "few": [TREND_KPI.too_small(d) for d in due],
                         "pending": (series_df["messages"] > due).values}, index=series_df.index)


def _due_label(messages: int, due: int) -> str:
    """The tooltip's «Срок ответа»: «ещё не наступил: 64 из 94», «наступил для всех»."""
    if not messages:
        return "нет обращений"
    if due < messages:
        return f"ещё не наступил: {fmt.num(messages - due)} из {fmt.num(messages)}"
    return "наступил для всех"


def _share_label(share, due, few: bool) -> str:
    """«80,0 % из 30 обращений, срок ответа по которым наступил» (« — мало данных» when few)."""
    if pd.isna(share):
        return fmt.pct(share)
    return f"{fmt.pct(share)} {due_text(due)}" + (f" — {LOW_DATA}" if few else "")


def _line_segments(points: pd.DataFrame, flag: str, flagged) -> pd.DataFrame:
    """The line between each two neighbouring points of a run (``run``, ``_runs``: it breaks
    where a bucket has no share), two rows a segment (``seg``), with the column ``flag`` =
    ``flagged(starts, ends)`` — the segments' first and second rows, aligned — on both rows
    of each (drawn lighter). Column-wise: a frame a segment cost 0.2 s a chart for 30 days."""
    k = points.reset_index(drop=True)
    run = k["run"].to_numpy()
    starts = np.flatnonzero(run[:-1] == run[1:])
    marks = np.asarray(flagged(k.iloc[starts].reset_index(drop=True), k.iloc[starts + 1].reset_index(drop=True)),
                       dtype=bool)
    rows = k.iloc[np.column_stack([starts, starts + 1]).ravel()].reset_index(drop=True)
    return rows.assign(seg=np.repeat(starts, 2), **{flag: np.repeat(marks, 2)})


def _into_flags(segments: pd.DataFrame, flag: str, n: int) -> tuple[bool, ...]:
    """Per point of ``n`` (``segments`` from _line_segments of points numbered in ``pos``):
    ``flag`` of the segment ending at it, False where none ends (a first point, one after a
    gap): for a chart that styles a segment by its end point (PowerPoint's c:dPt)."""
    into = [False] * n
    for _seg, rows in segments.groupby("seg"):
        into[int(rows["pos"].iloc[-1])] = bool(rows[flag].iloc[-1])
    return tuple(into)


def _segments(known: pd.DataFrame) -> pd.DataFrame:
    """The trend's own line (not the grey reference's): ``into_pending`` where its later point's
    messages are not all due yet (PENDING_LABEL), as PowerPoint styles a segment by its end."""
    return _line_segments(known, "into_pending", lambda a, b: b["point_kind"].to_numpy() == PENDING_LABEL)


def trend_lighter_into(series_df: pd.DataFrame) -> tuple[bool, ...]:
    """Per bucket of the «Ответ в срок» trend: is the line into it from the bucket before drawn
    lighter — _segments, the screen's rule, for the slides' chart."""
    pending = trend_marks(series_df)["pending"].values
    df = pd.DataFrame({"run": _runs(series_df["share_in_norm"]).values, "share": series_df["share_in_norm"].values,
                       "point_kind": np.where(pending, PENDING_LABEL, ""), "pos": range(len(series_df))})
    return _into_flags(_segments(df.dropna(subset=["share"])), "into_pending", len(df))


def timeliness_trend(series_df: pd.DataFrame, norm_share_target: float | None = None,
                     grain: str = "week", width="container", height=260,
                     title: str | None = None) -> alt.Chart:
    """Share answered within the norm per bucket (straight segments between neighbouring
    buckets; a gap where a bucket has no messages); partial buckets, and those with messages
    not due yet (their share will still change), as lighter points named in a legend and the
    tooltip («Срок ответа: ещё не наступил: 64 из 94»); a bucket whose share rests on fewer
    messages due than the KPI's minimum as a hollow point, named in a legend and its tooltip
    (a small district's day of one message is «100 %» by chance); trend_marks decides both;
    an optional target line."""
    return _timeliness(series_df, None, norm_share_target, grain, width, height, title)


# The oblast's line beside a municipality's: a grey darker than NEUTRAL, which faded among
# a small district's scattered points at 1366 px.
REFERENCE_COLOR = "#9ca3af"
REFERENCE_LIGHT = "#d7dae0"   # its lighter buckets: REFERENCE_COLOR at LIGHTER on white (the slides' markers)
REFERENCE_NAME = "Вся область"


def timeliness_vs_oblast(series_df: pd.DataFrame, oblast_df: pd.DataFrame,
                         norm_share_target: float | None = None, grain: str = "week",
                         width="container", height=260, title: str | None = None) -> alt.Chart:
    """timeliness_trend of a municipality (``series_df``) with the oblast's share
    (``oblast_df``: queries.series.messages_series of the same filters without the
    municipality, the same buckets) as a grey line for reference: a district sees when it
    slipped and whether the oblast slipped too. The oblast's line has no hollow points (its
    samples are large) but its partial buckets and those with messages not due yet are lighter,
    as the municipality's: a running last bucket is not read as the oblast's fall. Every bucket
    keeps its row with both shares (none where a bucket had no messages: a gap in the line);
    the tooltip prints both and the municipality's minus the oblast's in п.п."""
    return _timeliness(series_df, oblast_df, norm_share_target, grain, width, height, title)


def _reference_columns(df: pd.DataFrame, ref: pd.DataFrame, grain: str) -> pd.DataFrame:
    """The oblast's share of each bucket of ``df`` (the municipality's buckets, by period):
    ``oblast_share``, its ``oblast_label`` as the tooltip prints a share, ``oblast_kind`` (as
    the municipality's ``point_kind``: partial, or PENDING_LABEL where messages are not all
    due), ``oblast_lighter`` (either) and ``gap_label`` (the municipality's share minus the
    oblast's, «−3,2 п.п.»)."""
    ref = _with_buckets(ref.reset_index(drop=True), grain)
    marks = trend_marks(ref)
    ref = pd.DataFrame({"period": ref["period"], "oblast_share": ref["share_in_norm"].astype(float),
                        "oblast_label": [_share_label(v, d, few) for v, d, few in
                                         zip(ref["share_in_norm"], marks["due"], marks["few"])],
                        "oblast_kind": np.where(marks["pending"], PENDING_LABEL, ref["bucket_kind"]),
                        "oblast_lighter": lighter_buckets(ref).values})
    out = df[["period"]].merge(ref, on="period", how="left")
    out["oblast_kind"] = out["oblast_kind"].fillna(pd.Series(df["bucket_kind"].values))
    out["oblast_lighter"] = out["oblast_lighter"].fillna(False).astype(bool)
    out["oblast_label"] = out["oblast_label"].fillna(fmt.NA)
    gap = df["share_in_norm"].astype(float).values - out["oblast_share"].values
    out["gap_label"] = [fmt.pp(g) for g in gap]
    return out.drop(columns="period").set_index(df.index)


def lighter_buckets(series_df: pd.DataFrame) -> pd.Series:
    """The buckets of a share's trend drawn lighter: partial (cut by the period; a bucket
    without the column or without a row is not) or with messages not due yet (trend_marks)."""
    partial = series_df["partial"] if "partial" in series_df else pd.Series(False, index=series_df.index)
    return partial.fillna(False).astype(bool) | trend_marks(series_df)["pending"]


def _reference_segments(df: pd.DataFrame) -> pd.DataFrame:
    """The oblast's line between each two neighbouring buckets with a share (a gap where one
    has none), lighter (``lighter``) where either end is lighter: a partial first week too."""
    k = df.assign(run=_runs(df["oblast_share"]).values).dropna(subset=["oblast_share"])
    return _line_segments(k, "lighter", lambda a, b: a["oblast_lighter"].to_numpy(bool) | b["oblast_lighter"].to_numpy(bool))


def reference_lighter_into(oblast_df: pd.DataFrame) -> tuple[bool, ...]:
    """Per bucket of the oblast's grey line (``oblast_df``: its share and marks on the
    municipality's buckets): is the line into it from the bucket before drawn lighter —
    _reference_segments, the screen's rule (either end lighter: out of a partial first week
    too, not only into a partial last one), for the slides' chart."""
    df = pd.DataFrame({"oblast_share": oblast_df["share_in_norm"].astype(float).values,
                       "oblast_lighter": lighter_buckets(oblast_df).values, "pos": range(len(oblast_df))})
    return _into_flags(_reference_segments(df), "lighter", len(df))


def _timeliness(series_df: pd.DataFrame, reference: pd.DataFrame | None, norm_share_target: float | None,
                grain: str, width, height, title: str | None) -> alt.Chart:
    """timeliness_trend, with the oblast's line when ``reference`` is given (timeliness_vs_oblast)."""
    if series_df.empty or (series_df["share_in_norm"].isna().all()
                           and (reference is None or reference["share_in_norm"].isna().all())):
        return _empty(width=width, height=height)
    marks = trend_marks(series_df)
    df = _with_buckets(series_df, grain).assign(run=_runs(series_df["share_in_norm"]).values,
                                                due=marks["due"].values)
    df = df.assign(share_label=[_share_label(v, d, few) for v, d, few in zip(df["share_in_norm"], df["due"],
                                                                           marks["few"])],
                   sample_kind=np.where(marks["few"], FEW_LABELS[1], FEW_LABELS[0]))
    df = df.assign(point_kind=np.where(marks["pending"], PENDING_LABEL, df["bucket_kind"]),
                   due_label=[_due_label(m, d) for m, d in zip(df["messages"], df["due"])])
    tips = {"period_label": "Период с", "bucket_kind": "Интервал", "share_label": "Ответ в срок",
            "due_label": "Срок ответа"}
    if reference is not None:
        df = pd.concat([df, _reference_columns(df, reference, grain)], axis=1)
        tips |= {"oblast_label": REFERENCE_NAME, "gap_label": "Разница с областью"}
    tooltip = [alt.Tooltip(f"{field}:N", title=name) for field, name in tips.items()]

    def drawn(rows: pd.DataFrame, *fields: str) -> pd.DataFrame:
        """A layer's rows with only the fields it draws: x, ``fields`` (its y and the flags
        its opacity, fill or detail read) and the tooltip's. Every column of the series was in
        each of the six layers; now only in the first (``axis_only``), whose rows are the
        chart's table, every bucket whole."""
        return rows[["x_label", *fields, *tips]]

    x = _bucket_x(df, grain)           # every bucket keeps its place on the axis, data or not
    known = df.dropna(subset=["share_in_norm"])
    y = alt.Y("share_in_norm:Q", title="Ответ в срок", scale=alt.Scale(domain=[0, 1]),
              axis=alt.Axis(labelExpr=PCT_LABEL, tickCount=5))
    # Every layer names its tooltip: a layer without one would show raw field names («period»).
    axis_only = alt.Chart(df).mark_point(opacity=0).encode(x=x, tooltip=tooltip)
    layers = [axis_only]
    if reference is not None:
        # Under the municipality's marks, thinner, grey; no legend of its own (the section's
        # caption names it): a third legend ran past a half-width column.
        ref_y = alt.Y("oblast_share:Q", title="Ответ в срок", scale=alt.Scale(domain=[0, 1]),
                      axis=alt.Axis(labelExpr=PCT_LABEL, tickCount=5))
        lighter = alt.OpacityValue(1, condition={"test": "datum.oblast_lighter", "value": LIGHTER})
        ref_line = alt.Chart(drawn(_reference_segments(df), "oblast_share", "seg", "lighter")).mark_line(
            color=REFERENCE_COLOR, strokeWidth=2).encode(
            x=x, y=ref_y, detail=alt.Detail("seg:N"), tooltip=tooltip,
            opacity=alt.OpacityValue(1, condition={"test": "datum.lighter", "value": LIGHTER}))
        ref_points = alt.Chart(drawn(df.dropna(subset=["oblast_share"]), "oblast_share", "oblast_lighter")).mark_point(
            color=REFERENCE_COLOR, size=25, filled=True).encode(x=x, y=ref_y, tooltip=tooltip, opacity=lighter)
        layers += [ref_line, ref_points]
    # The line into a point whose share will still change is as light as the point: a steep
    # last segment read as a fall of the rate whatever its point looked like.
    if not known.empty:
        # The legend of the lighter points names the oblast's lighter buckets too.
        kinds = known if reference is None else pd.DataFrame(
            {"point_kind": [*known["point_kind"], *df.dropna(subset=["oblast_share"])["oblast_kind"]]})
        line = alt.Chart(drawn(_segments(known), "share_in_norm", "seg", "into_pending")).mark_line(
            color=GOOD, interpolate="linear").encode(
            x=x, y=y, detail=alt.Detail("seg:N"), tooltip=tooltip,
            opacity=alt.OpacityValue(1, condition={"test": "datum.into_pending", "value": LIGHTER}))
        hollow = {}
        if (known["sample_kind"] == FEW_LABELS[1]).any():
            hollow = {"fill": alt.Fill("sample_kind:N", title=None, scale=alt.Scale(domain=list(FEW_LABELS),
                                                                                     range=[GOOD, "white"]),
                                       # Only the hollow point is named: a filled one needs no words.
                                       legend=alt.Legend(orient="top", symbolType="circle", symbolStrokeColor=GOOD,
                                                         symbolStrokeWidth=2, values=[FEW_LABELS[1]],
                                                         labelLimit=LEGEND_LONG_LABEL))}
        points = alt.Chart(drawn(known, "share_in_norm", "point_kind", "sample_kind")).mark_point(
            color=GOOD, stroke=GOOD, strokeWidth=2, size=60, filled=True).encode(
            x=x, y=y, tooltip=tooltip, **_partial_opacity(kinds, grain, field="point_kind", columns=2), **hollow)
        layers += [line, points]
    if norm_share_target is not None:
        # The same text as the bars' target line and the cards (the KPI's own format).
        target = pd.DataFrame({"y": [norm_share_target],
                               "label": [goal_label("share_in_norm", norm_share_target)]})
        rule = alt.Chart(target).mark_rule(strokeDash=[5, 4], color=MUTED).encode(
            y=alt.Y("y:Q"), tooltip=[alt.Tooltip("label:N", title="Цель")])
        # The label above the plot's top right corner, not on the line: points at the goal
        # (often 90 %) sat under it.
        text = alt.Chart(target).mark_text(align="right", baseline="bottom", color=MUTED).encode(
            y=alt.YValue(-RULE_LABEL_GAP), text=alt.Text("label:N"), x=alt.XValue(alt.ExprRef("width")),
            tooltip=[alt.Tooltip("label:N", title="Цель")])
        layers += [rule, text]
    return alt.layer(*layers, title=title or alt.Undefined, width=width, height=height)


def platform_scale(codes: pd.Series, labels: pd.Series) -> alt.Scale:
    """Colour scale of the platforms present, in the registry's order. A code missing from
    the registry is drawn in the neutral colour, never dropped from the chart."""
    label_of = dict(zip(codes, labels))
    keys = platforms.ordered(label_of)
    return alt.Scale(domain=[label_of[k] for k in keys],
                     range=[platforms.PLATFORMS[k].color if k in platforms.PLATFORMS else NEUTRAL
                            for k in keys])


def by_platform_area(series_by_df: pd.DataFrame, grain: str = "week", width="container",
                     height=260, title: str | None = None) -> alt.Chart:
    """Messages per bucket stacked by platform (queries.series.messages_series_by(by='platform'))."""
    if series_by_df.empty:
        return _empty(width=width, height=height)
    df = _with_period(series_by_df).assign(messages_label=series_by_df["messages"].map(fmt.num))
    df = _with_buckets(df, grain)
    return _size(alt.Chart(df, title=title or alt.Undefined).mark_bar().encode(
        x=_bucket_x(df, grain),
        y=alt.Y("sum(messages):Q", title="Обращений", stack="zero",
                axis=count_axis(df.groupby("period")["messages"].sum().max())),
        color=alt.Color("label:N", title="Платформа",
                        scale=platform_scale(df["key"], df["label"]),
                        legend=alt.Legend(columns=2)),
        order=alt.Order("key:N"),
        tooltip=[alt.Tooltip("period_label:N", title="Период с"), alt.Tooltip("label:N", title="Платформа"),
                 alt.Tooltip("messages_label:N", title="Обращений")],
        **_partial_opacity(df, grain, orient="top"),
    ), width, height)


def by_topic_lines(series_by_df: pd.DataFrame, top: int = 6, grain: str = "week",
                   width="container", height=260, title: str | None = None) -> alt.Chart:
    """Messages per bucket for the ``top`` largest topics (messages_series_by(by='topic')):
    a band per bucket as in the other trends, partial buckets as lighter points and the lines
    into and out of them lighter too (a week cut by the period is not a fall: a full-strength
    line down to it read as one), the legend below the plot."""
    if series_by_df.empty:
        return _empty(width=width, height=height)
    totals = series_by_df.groupby("label")["messages"].sum().sort_values(ascending=False)
    keep = list(totals.index[:top])
    df = series_by_df[series_by_df["label"].isin(keep)]
    if "partial" not in df:
        df = df.assign(partial=False)
    df = df.groupby(["period", "label"], as_index=False).agg(messages=("messages", "sum"), partial=("partial", "any"))
    df = _with_buckets(df.assign(messages_label=df["messages"].map(fmt.num)), grain)
    x = _bucket_x(df, grain)
    y = alt.Y("messages:Q", title="Обращений", axis=count_axis(df["messages"].max()))
    colour = alt.Color("label:N", title="Тема", sort=keep, scale=alt.Scale(domain=keep),
                       legend=alt.Legend(orient="bottom", columns=2, labelLimit=200))
    tooltip = [alt.Tooltip("period_label:N", title="Период с"), alt.Tooltip("bucket_kind:N", title="Интервал"),
               alt.Tooltip("label:N", title="Тема"), alt.Tooltip("messages_label:N", title="Обращений")]
    # One run a topic (its buckets in order): a segment is lighter where either end is partial.
    by_topic = df.sort_values(["label", "period"]).assign(run=lambda d: d["label"].map(keep.index))
    segments = _line_segments(by_topic, "lighter", lambda a, b: a["partial"].to_numpy(bool) | b["partial"].to_numpy(bool))
    line = alt.Chart(segments).mark_line(interpolate="linear").encode(
        x=x, y=y, color=colour, detail=alt.Detail("seg:N"), tooltip=tooltip,
        opacity=alt.OpacityValue(1, condition={"test": "datum.lighter", "value": LIGHTER}))
    points = alt.Chart(df).mark_point(filled=True, size=40).encode(x=x, y=y, color=colour, tooltip=tooltip,
                                                                  **_partial_opacity(df, grain, orient="top"))
    return alt.layer(line, points, title=title or alt.Undefined, width=width, height=height)


def subscribers_trend(df: pd.DataFrame, grain: str = "week", width="container", height=260,
                      title: str | None = None) -> alt.Chart:
    """Subscribers by platform over time (queries.series.subscribers_series), stacked."""
    if df.empty:
        return _empty(width=width, height=height)
    data = _with_period(df).assign(subscribers_label=df["subscribers"].map(fmt.num))
    return _size(alt.Chart(data, title=title or alt.Undefined).mark_area(
        interpolate="linear", opacity=0.85).encode(
        x=_time_x(grain, df["period"]),
        y=alt.Y("subscribers:Q", title="Подписчиков", stack="zero", axis=alt.Axis(format=",~f")),
        color=alt.Color("platform_label:N", title="Платформа",
                        scale=platform_scale(data["platform"], data["platform_label"]),
                        legend=alt.Legend(columns=2)),
        order=alt.Order("platform:N"),
        tooltip=[alt.Tooltip("period_label:N", title="Дата"),
                 alt.Tooltip("platform_label:N", title="Платформа"),
                 alt.Tooltip("subscribers_label:N", title="Подписчиков")],
    ), width, height)


# -- distributions -------------------------------------------------------------

def share_text(share) -> str:
    """A bar's share as the tables beside it print it (fmt.pct, one decimal): in whole percents
    the report's topic slide drew «1 086 · 21 %» beside «20,9 %» in its table. «<0,1 %» for a
    share above zero that rounds to 0: «3 · 0,0 %» beside a bar of 3 messages read as none."""
    if share is not None and not pd.isna(share) and 0 < share < 0.0005:
        return f"<{fmt.num(0.1, 1)}{fmt.NBSP}%"
    return fmt.pct(share)


def label_room(texts, width="container", fixed: float = 1.4) -> float:
    """How far past the longest bar the value scale reaches so the value printed after it
    fits. In a page's column (``width="container"``) Vega does not count a text beyond the
    plot when it fits the chart to the column, so «45 818 · 18 %» beside the longest bar was
    cut at the card's edge: about 6,5 % of the plot for each character of the longest value (a
    half-width column at 1366 px leaves the plot ~240 px). A chart of a given width (slides)
    grows to hold its texts: ``fixed``, so its bars keep their length."""
    if width != "container":
        return fixed
    longest = max((len(str(t)) for t in texts), default=0)
    return 1.2 + 0.065 * longest


def topic_bars(by_topic_df: pd.DataFrame, top: int | None = None, width="container",
               height=None, title: str | None = None) -> alt.Chart:
    """Horizontal bars of messages by topic with the share printed (queries.breakdowns.by_topic).
    With ``top`` the topics beyond the first ``top`` are one grey bar «Другие темы (N)» last:
    cut off, 8 of 11 topics printed shares summing to 85 % of «все обращения»."""
    if by_topic_df.empty:
        return _empty(width=width, height=height or 200)
    df = by_topic_df.sort_values("messages", ascending=False)[["topic", "messages", "share"]]
    df = df.assign(rest=False)
    if top and len(df) > top:
        tail = df.iloc[top:]
        n = len(tail)
        other = pd.DataFrame({"topic": [f"Другие темы ({fmt.num(n)})" if n > 1 else str(tail["topic"].iloc[0])],
                              "messages": [tail["messages"].sum()], "share": [tail["share"].sum()],
                              "rest": [n > 1]})
        df = pd.concat([df.head(top), other], ignore_index=True)
    df = df.assign(text=[f"{fmt.num(m)} · {share_text(s)}" for m, s in zip(df["messages"], df["share"])],
                   fill=np.where(df["rest"], NEUTRAL, ACCENT))
    height = height or 30 * len(df) + 20
    base = alt.Chart(df, title=title or alt.Undefined).encode(
        y=alt.Y("topic:N", title=None, sort=list(df["topic"])),
        x=alt.X("messages:Q", title=None, axis=None,
                scale=alt.Scale(domainMax=float(df["messages"].max()) * label_room(df["text"], width))),
        tooltip=[alt.Tooltip("topic:N", title="Тема"), alt.Tooltip("text:N", title="Обращений, доля")],
    )
    bars = base.mark_bar().encode(color=alt.Color("fill:N", scale=None, legend=None))
    return alt.layer(bars, base.mark_text(align="left", dx=4).encode(text=alt.Text("text:N")),
                     width=width, height=height)


def platform_bars(by_platform_df: pd.DataFrame, value: str = "messages", width="container",
                  height=None, title: str | None = None) -> alt.Chart:
    """Messages (or subscribers, pages) by platform (queries.breakdowns.by_platform), in the
    platform colours, with the count and share printed. Platforms with zero are left out."""
    df = by_platform_df[by_platform_df[value] > 0] if not by_platform_df.empty else by_platform_df
    if df.empty:  # titled as the chart would be: «Нет данных» under «Подписчики» read as no subscribers
        empty = _empty(width=width, height=height or 160)
        return empty.properties(title=title) if title else empty
    total = df[value].sum()
    order = platforms.ordered(df["platform"])
    # Only the columns drawn: Altair converts every column of the data of every layer.
    df = df[["platform", "platform_label", value]].set_index("platform").loc[order].reset_index()
    df = df.assign(text=[f"{fmt.num(v)} · {share_text(v / total)}" for v in df[value]])
    labels = list(df["platform_label"])
    base = alt.Chart(df, title=title or alt.Undefined).encode(
        y=alt.Y("platform_label:N", title=None, sort=labels),
        x=alt.X(f"{value}:Q", title=None, axis=None,
                scale=alt.Scale(domainMax=float(df[value].max()) * label_room(df["text"], width, 1.9))),
        tooltip=[alt.Tooltip("platform_label:N", title="Платформа"), alt.Tooltip("text:N", title="Всего, доля")],
    )
    bars = base.mark_bar().encode(color=alt.Color("platform_label:N", legend=None,
                                                  scale=platform_scale(df["platform"], df["platform_label"])))
    return alt.layer(bars, base.mark_text(align="left", dx=4).encode(text=alt.Text("text:N")), width=width,
                     height=height or 36 * len(df) + 20)


def bucket_status(bucket: str, norm_hours: int) -> str:
    """'в норме', 'частично' or 'сверх нормы' for a response bucket under the norm."""
    if bucket in ("none", "unanswered"):
        return UNANSWERED_LABEL
    for code, _label, lo, hi in RESPONSE_BUCKETS:
        if code == bucket:
            norm = norm_hours * 60
            if hi is not None and hi <= norm:
                return "в норме"
            if lo >= norm:
                return "сверх нормы"
            return "частично в норме"
    return "сверх нормы"


def response_distribution(dist_df: pd.DataFrame, norm_hours: int, width="container", height=240,
                          title: str | None = None) -> alt.Chart:
    """Bars of the response buckets (queries.responses.response_distribution), coloured by
    whether the bucket lies within the norm; the norm is named in the axis title."""
    if dist_df.empty or dist_df["messages"].sum() == 0:
        return _empty(width=width, height=height)
    status = [bucket_status(b, norm_hours) for b in dist_df["bucket"]]
    df = dist_df.assign(status=status,
                        text=[f"{fmt.pct(s)}\n{fmt.num(m)}" for m, s in zip(dist_df["messages"], dist_df["share"])])
    # Only the statuses present: with the norm on a bucket edge no bucket is «частично в норме».
    present = set(status)
    pairs = [(s, c) for s, c in zip(["в норме", "частично в норме", "сверх нормы", UNANSWERED_LABEL],
                                    [GOOD, WARN, BAD, NEUTRAL]) if s in present]
    domain, colors = [s for s, _ in pairs], [c for _, c in pairs]
    order = list(df["label"])
    base = alt.Chart(df, title=title or alt.Undefined).encode(
        x=alt.X("label:N", title=f"Время первого ответа (норма {norm_hours} ч)", sort=order,
                axis=alt.Axis(labelAngle=0, labelExpr=TWO_LINES), scale=alt.Scale(paddingInner=0.15)),
        y=alt.Y("share:Q", title="Доля обращений", axis=alt.Axis(labelExpr=PCT_LABEL, tickCount=6),
                # Room above the tallest bar for its two-line label: at 1.3 «45,9 %» was cut
                # at the top of a half-width card at 1366 px.
                scale=alt.Scale(domainMax=float(df["share"].max()) * 1.45)),
        tooltip=[alt.Tooltip("label:N", title="Время ответа"), alt.Tooltip("text:N", title="Доля (обращений)"),
                 alt.Tooltip("status:N", title="Норма")],
    )
    # Bars fill their band and the legend sits below: in a half-width column (1366 px) a
    # fixed bar width and a legend at the side made the bars overlap. The legend has no
    # title: the axis title under the bars names the norm.
    bars = base.mark_bar().encode(
        color=alt.Color("status:N", title=None,
                        scale=alt.Scale(domain=domain, range=colors), legend=alt.Legend(columns=2, orient="bottom")))
    labels = base.mark_text(baseline="bottom", dy=-18, lineBreak="\n", lineHeight=14).encode(text=alt.Text("text:N"))
    return alt.layer(bars, labels, width=width, height=height)


def weekday_hour_heatmap(df: pd.DataFrame, width="container", height=230,
                         title: str | None = None) -> alt.Chart:
    """Messages by local weekday × hour (queries.responses.weekday_hour); empty cells are 0.
    No message at all is said in words: 168 cells of 0 were all mid-blue, as if there were."""
    if df.empty or not df["messages"].fillna(0).any():
        return _empty(NO_MESSAGES, width=width, height=height)
    full = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"]).to_frame(index=False)
    data = full.merge(df, on=["weekday", "hour"], how="left").fillna({"messages": 0})
    data = data.assign(day=[WEEKDAYS_SHORT[int(w)] for w in data["weekday"]],
                       hour_label=[f"{int(h):02d}:00–{int(h):02d}:59" for h in data["hour"]],
                       messages_label=data["messages"].map(fmt.num))
    return _size(alt.Chart(data, title=title or alt.Undefined).mark_rect(cornerRadius=2).encode(
        x=alt.X("hour:O", title="Час (местное время)",
                axis=alt.Axis(labelAngle=0, labelExpr="datum.value % 3 == 0 ? datum.value : ''")),
        y=alt.Y("day:O", title=None, sort=list(WEEKDAYS_SHORT)),
        color=alt.Color("messages:Q", title="Обращений", scale=alt.Scale(scheme="blues"),
                        legend=alt.Legend(orient="right", format=",~f")),
        tooltip=[alt.Tooltip("day:N", title="День"), alt.Tooltip("hour_label:N", title="Время"),
                 alt.Tooltip("messages_label:N", title="Обращений")],
    ), width, height)


# -- municipalities --------------------------------------------------------------

RULE_LABEL_GAP = 4     # px between the plot's top and the label of its first dashed line
RULE_LABEL_ROW = 16    # px between the labels of two lines (12 px text)


def municipality_bars(df: pd.DataFrame, metric: str, highlight_id: int | None = None,
                      oblast_value: float | None = None, worst_first: bool = False,
                      width="container", height=None, title: str | None = None,
                      domain_max: float | None = None, target=None, short_names: bool = False) -> alt.Chart:
    """Horizontal bars of one metric across municipalities, best on top; one highlighted,
    an optional dashed rule at the oblast value
    (``worst_first`` puts the worst on top). ``df``: municipality_id, name, <metric>.

    ``domain_max`` fixes the scale (two charts side by side then compare: 59 % is never
    drawn longer than 100 %). With a ``target`` (dashboard.core.targets.Target) bars take
    the green/amber/red status colour, the target is a dashed rule, and the highlighted
    municipality is outlined instead of recoloured. ``short_names`` labels the bars «г. Бердск»,
    «Татарский р-н» (the tooltip keeps the full name) for a narrow column."""
    from dashboard.core.targets import STATUS_COLOURS, STATUS_LABELS

    m = METRICS[metric]
    # Only the columns drawn: Altair converts every column of the data of every layer.
    data = df[["municipality_id", "name", metric]].dropna(subset=[metric])
    if data.empty:
        return _empty(width=width, height=height or 200)
    data = data.sort_values(metric, ascending=(m.better == "lower") != worst_first, kind="stable")
    chosen = [i == highlight_id for i in data["municipality_id"]]
    data = data.assign(
        label=data["name"].map(short_name) if short_names else data["name"],
        value_label=data[metric].map(m.format),
        chosen=chosen,
        group=([STATUS_LABELS[target.status(v)] for v in data[metric]] if target is not None
               else ["выбран" if c else "прочие" for c in chosen]),
    )
    height = height or max(120, 22 * len(data) + 20)
    top = domain_max if domain_max is not None else float(data[metric].max())
    base = alt.Chart(data, title=title or alt.Undefined).encode(
        y=alt.Y("label:N", title=None, sort=list(data["label"])),
        x=alt.X(f"{metric}:Q", title=None, axis=None,
                scale=alt.Scale(domain=[0, top * label_room([m.format(top)], width, 1.3) or 1])),
        tooltip=[alt.Tooltip("name:N", title="Муниципалитет"), alt.Tooltip("value_label:N", title=m.label)],
    )
    if target is not None:
        domain = list(STATUS_LABELS.values())
        colour = alt.Color("group:N", legend=None, scale=alt.Scale(
            domain=domain, range=[STATUS_COLOURS[k] for k in STATUS_LABELS]))
        bars = base.mark_bar().encode(
            color=colour, stroke=alt.StrokeValue(None, condition={"test": "datum.chosen", "value": INK}),
            strokeWidth=alt.StrokeWidthValue(0, condition={"test": "datum.chosen", "value": 2.5}))
    else:
        bars = base.mark_bar().encode(color=alt.Color(
            "group:N", legend=None, scale=alt.Scale(domain=["выбран", "прочие"], range=[HIGHLIGHT, ACCENT])))
    value = alt.Text("value_label:N")
    rules = []
    if oblast_value is not None and not pd.isna(oblast_value):
        rules.append((oblast_value, f"по области: {m.format(oblast_value)}", INK))
    if target is not None:
        rules.append((target.goal, target.label, MUTED))
    lines, labels = [], []
    for i, (x, label, colour) in enumerate(rules):
        rule = pd.DataFrame({"x": [x], "label": [label]})
        tip = [alt.Tooltip("label:N", title="Линия")]
        lines.append(alt.Chart(rule).mark_rule(strokeDash=[5, 4], color=colour).encode(
            x=alt.X("x:Q", axis=None), tooltip=tip))
        # Each line's label on a row of its own above the plot, where no bar or value is.
        labels.append(alt.Chart(rule).mark_text(align="left", dx=4, baseline="bottom", color=colour).encode(
            x=alt.X("x:Q"), y=alt.YValue(-RULE_LABEL_GAP - i * RULE_LABEL_ROW), text=alt.Text("label:N"),
            tooltip=tip))
    # The values are drawn over the lines, each on a white halo, so a line never crosses a figure.
    halo = base.mark_text(align="left", dx=4, stroke="white", strokeWidth=4, strokeJoin="round").encode(text=value)
    text = base.mark_text(align="left", dx=4).encode(text=value)
    return alt.layer(bars, *lines, halo, text, *labels, width=width, height=height)


TITLE_TWO_LINES_PX = 34


def two_lines(title: str, one_line: int = 18) -> list[str]:
    """A chart title as two lines, so charts side by side keep their plots level: a long one
    broken at the space nearest its middle («Медиана первого» / «ответа»), a short one under an
    empty line. In a quarter of the page at 1366 px «Медиана первого ответа» was cut to
    «Медиана первого ответ»."""
    if len(title) <= one_line or " " not in title:
        return [" ", title]
    middle = len(title) / 2
    cut = min((i for i, ch in enumerate(title) if ch == " "), key=lambda i: (abs(i - middle), -i))
    return [title[:cut], title[cut + 1:]]


def comparison_colours(names: Sequence[str], reference_name: str | None = None) -> list[str]:
    """The colour of each row of comparison_bars: the palette in order, the average grey."""
    return [NEUTRAL if n == reference_name else PALETTE[i % len(PALETTE)] for i, n in enumerate(names)]


def comparison_legend_html(names: Sequence[str], reference_name: str | None = None) -> str:
    """One line of colour swatches and names over a grid of comparison_bars: a chart without
    its names (beside or, on a narrow screen, under the one that has them) is read by colour."""
    items = "".join(
        '<span style="display:inline-flex;align-items:center;gap:0.35rem;white-space:nowrap">'
        f'<span style="display:inline-block;width:0.9rem;height:0.9rem;border-radius:2px;background:{c}">'
        f"</span>{html.escape(str(n))}</span>"
        for n, c in zip(names, comparison_colours(names, reference_name)))
    return f'<div style="display:flex;flex-wrap:wrap;gap:0.25rem 1.1rem;font-size:0.9rem;margin-bottom:0.75rem">{items}</div>'


def comparison_bars(df: pd.DataFrame, metric: str, name_col: str = "name",
                    reference_name: str | None = None, show_names: bool = True,
                    width="container", height=None) -> alt.Chart:
    """One metric for 2-5 municipalities (rows of ``df``) and the average (the row named
    ``reference_name``, drawn grey): a bar each, titled with the metric's name."""
    m = METRICS[metric]
    names = list(df[name_col])
    colors = comparison_colours(names, reference_name)
    part = pd.DataFrame({"name": names, "value": pd.to_numeric(df[metric], errors="coerce"),
                         "value_label": [m.format(v) for v in df[metric]]})
    vmax = part["value"].max()
    base = alt.Chart(part, title=alt.Title(two_lines(m.label), fontSize=13)).encode(
        y=alt.Y("name:N", title=None, sort=names, axis=alt.Axis(labels=show_names, ticks=False)),
        x=alt.X("value:Q", title=None, axis=None,
                scale=alt.Scale(domainMax=float(vmax) * 1.5 if vmax and vmax > 0 else 1)),
        tooltip=[alt.Tooltip("name:N", title="Муниципалитет"), alt.Tooltip("value_label:N", title=m.label)],
    )
    bars = base.mark_bar().encode(color=alt.Color("name:N", legend=None,
                                                  scale=alt.Scale(domain=names, range=colors)))
    text = base.mark_text(align="left", dx=4).encode(text=alt.Text("value_label:N"))
    # A page's column fits the whole chart, its two-line title included, into the height:
    # 28 px a bar plus the title's ~34 px (without them three bars got 13 px each).
    return alt.layer(bars, text, width=width, height=height or 28 * len(names) + 10 + TITLE_TWO_LINES_PX)


def comparison(df: pd.DataFrame, metrics: Sequence[str], name_col: str = "name",
               reference_name: str | None = None, width=260, height=None,
               title: str | None = None) -> alt.HConcatChart:
    """Side by side (for static export): comparison_bars for each metric, names on the first."""
    if df.empty:
        return _empty(width=width, height=height or 200)
    charts = [comparison_bars(df, metric, name_col, reference_name, show_names=(i == 0),
                              width=width, height=height) for i, metric in enumerate(metrics)]
    return alt.hconcat(*charts, spacing=18, title=title or alt.Undefined).resolve_scale(
        x="independent", color="shared")


# -- league-table helpers ----------------------------------------------------------

def rank_card_change(rank_change, prev_rank) -> str | None:
    """The line under a municipality's «Место в рейтинге» card: «▲ 2» / «▼ 1» / «=» for a move
    beyond random variation (rank_change set), «было 26-е» when it was ranked before but the
    move is within it (rank_change empty), None when it was not ranked before — the profile
    had answered «where was I» with nothing whenever the move was not marked."""
    if rank_change is not None and not pd.isna(rank_change):
        return rank_change_label(rank_change)
    if prev_rank is None or pd.isna(prev_rank):
        return None
    return f"было {int(prev_rank)}-е"


def rank_change_label(change) -> str:
    """'▲ 2' (moved up), '▼ 1' (down), '=' (same), '—' (not ranked before or now)."""
    if change is None or pd.isna(change):
        return "—"
    change = int(change)
    if change > 0:
        return f"▲ {change}"
    if change < 0:
        return f"▼ {-change}"
    return "="
