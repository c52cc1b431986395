"""Charts of one page's profile (queries.page_profile.weekly), in the app's Altair theme."""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard.core import formatting as fmt
from dashboard.presentation.charts import ACCENT, NEUTRAL, PCT_LABEL, _empty


def _weeks(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["week"] = pd.to_datetime(out["week"])
    out["week_label"] = [("неделя с " + fmt.d(w)) + (" (неполная)" if p else "")
                         for w, p in zip(out["week"], out["partial"])]
    out["kind"] = ["неполная неделя" if p else "полная неделя" for p in out["partial"]]
    out["week_short"] = [w.strftime("%d.%m") for w in out["week"]]
    return out


# One place per week, labelled with its Monday as the bars beside are: a time axis put its
# ticks on other days («27.10», «03.11», «11.11») between the weekly points.
_X = alt.X("week_short:O", title=None, sort=None, axis=alt.Axis(labelAngle=0))
_PARTIAL = alt.Color("kind:N", title=None, scale=alt.Scale(domain=["полная неделя", "неполная неделя"],
                                                           range=[ACCENT, NEUTRAL]),
                     legend=alt.Legend(orient="bottom"))


def weekly_bars(df: pd.DataFrame, column: str, title: str, height: int = 200) -> alt.Chart:
    """Bars per week of a count (posts, messages…); partial weeks in grey."""
    if df.empty:
        return _empty(height=height)
    data = _weeks(df).assign(value_label=df[column].map(fmt.num).values)
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("week_short:O", title=None, sort=None, axis=alt.Axis(labelAngle=0)), y=alt.Y(f"{column}:Q", title=title, axis=alt.Axis(format=",~f", tickMinStep=1)),
        color=_PARTIAL,
        tooltip=[alt.Tooltip("week_label:N", title="Неделя"), alt.Tooltip("value_label:N", title=title)],
    ).properties(width="container", height=height)


def weekly_line(df: pd.DataFrame, column: str, title: str, share: bool = False, height: int = 200) -> alt.Chart:
    """A line per week (subscribers, ER, share within the norm); weeks without a value are gaps."""
    data = _weeks(df)
    data[column] = pd.to_numeric(data[column], errors="coerce").astype("float64")
    if data[column].dropna().empty:
        return _empty(height=height)
    data["value_label"] = data[column].map(fmt.pct if share else fmt.num)
    axis = alt.Axis(labelExpr=PCT_LABEL) if share else alt.Axis(format=",~f")
    return alt.Chart(data).mark_line(point=True, color=ACCENT).encode(
        x=_X, y=alt.Y(f"{column}:Q", title=title, axis=axis, scale=alt.Scale(zero=share)),
        tooltip=[alt.Tooltip("week_label:N", title="Неделя"), alt.Tooltip("value_label:N", title=title)],
    ).properties(width="container", height=height)
