"""League table and composite rating of municipalities."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from dashboard.core import metrics
from dashboard.core.db import figures_now
from dashboard.core.metrics import (
    KPIS,
    RATING_CHANGE_Z,
    RATING_PRIOR,
    RATING_RELIABLE_MESSAGES,
    RATING_SHRUNK,
    RATING_WEIGHTS,
)
from dashboard.core.schema import MUNICIPALITY_KINDS
from queries.aggregate import MESSAGE_PARTS
from queries.breakdowns import by_municipality
from queries.filters import REGIONAL, Filters
from queries.kpis import data_from, same_age

# Rating component -> by_municipality column.
COMPONENT_COLUMNS = {
    "share_in_norm": "share_in_norm",
    "median_response": "median_response_min",
    "subs_per_1000": "subs_per_1000",
    "photo_share": "photo_share",
    "posts_per_week": "posts_per_week",
}


def scale_component(values: pd.Series, lower_is_better: bool) -> pd.Series:
    """Min-max scale to 0..100 (100 = best). All equal: 100. Missing values: 0."""
    lo, hi = values.min(), values.max()
    if pd.isna(lo) or hi == lo:
        scaled = pd.Series(100.0, index=values.index)
    else:
        scaled = (values - lo) / (hi - lo) * 100
        if lower_is_better:
            scaled = 100 - scaled
    return scaled.where(values.notna(), 0.0)


def shrunk(df: pd.DataFrame, column: str, prior: float = RATING_PRIOR) -> pd.Series:
    """``column`` of a by_municipality frame shrunk toward its value over all rows, as if
    ``prior`` messages at that value were added to each row's own (RATING_SHRUNK names the
    counts): shares (successes + prior × p0) / (n + prior) with p0 = Σ successes / Σ n;
    the median (n × median + prior × m0) / (n + prior) with m0 the n-weighted mean median.
    NaN where the row has no value and no cases."""
    successes, sample = RATING_SHRUNK[column]
    n = df[sample].astype("float64")
    if successes is not None:
        total = n.sum()
        p0 = df[successes].sum() / total if total else float("nan")
        out = (df[successes] + prior * p0) / (n + prior)
    else:
        x = df[column].astype("float64")
        known = x.notna() & (n > 0)
        m0 = (x[known] * n[known]).sum() / n[known].sum() if known.any() else float("nan")
        out = (x.fillna(0) * n + prior * m0) / (n + prior)
    return out.where(n > 0)


# Shrunk shares whose sampling error the rating tracks (binomial): column -> rating component.
NOISY_SHARES = {"share_in_norm": "share_in_norm", "photo_share": "photo_share"}


def shrunk_se(df: pd.DataFrame, column: str, prior: float = RATING_PRIOR) -> pd.Series:
    """Standard error of ``shrunk(df, column)`` for a share: the binomial error of the
    row's own cases, damped by the prior: sqrt(p (1 − p) n) / (n + prior), p the shrunk
    share. NaN where the row has no cases."""
    _successes, sample = RATING_SHRUNK[column]
    n = df[sample].astype("float64")
    p = df[f"{column}_adj"].astype("float64")
    return (np.sqrt(p * (1 - p) * n) / (n + prior)).where(n > 0)


def score_se(df: pd.DataFrame) -> pd.Series:
    """Standard error of each ranked row's composite score from the sampling error of its
    shrunk shares (NOISY_SHARES): each share's error × its weight × 100 / the span of that
    component among the ranked rows (the min-max scale). The median response, pages,
    subscribers and posts are taken as exact. NaN for rows not ranked."""
    ranked = df["enough_data"].astype(bool)
    var = pd.Series(0.0, index=df.index)
    for column, code in NOISY_SHARES.items():
        values = df.loc[ranked, f"{column}_adj"]
        span = values.max() - values.min()
        if not span or pd.isna(span):
            continue
        se = df[f"{column}_adj_se"].fillna(0.0)
        var += (RATING_WEIGHTS[code] * 100 * se / span) ** 2
    return np.sqrt(var).where(ranked)


def real_change(cur_value, cur_se, prev_value, prev_se, z: float = RATING_CHANGE_Z) -> pd.Series:
    """True where the value moved by more than ``z`` standard errors of the change
    (sqrt(cur_se² + prev_se²)); a missing error counts as 0 (an exact value)."""
    cur_value, prev_value = pd.Series(cur_value, dtype="float64"), pd.Series(prev_value, dtype="float64")
    se = np.sqrt(pd.Series(cur_se, dtype="float64").fillna(0) ** 2 + pd.Series(prev_se, dtype="float64").fillna(0) ** 2)
    return ((cur_value - prev_value).abs() > z * se).fillna(False).astype(bool)


def reliability(messages: pd.Series, enough: pd.Series) -> pd.Series:
    """'high' (RATING_RELIABLE_MESSAGES messages or more), 'medium' (ranked) or 'low'."""
    return pd.Series(["high" if m >= RATING_RELIABLE_MESSAGES else "medium" if ok else "low"
                      for m, ok in zip(messages, enough)], index=messages.index)


def score_table(df: pd.DataFrame, min_messages: int | None = None) -> pd.DataFrame:
    """Add enough_data, reliability, <column>_adj (shrunk message-based components),
    score_<component>, score and rank to a by_municipality frame."""
    df = df.copy()
    min_messages = metrics.rating_min_messages() if min_messages is None else min_messages
    df["enough_data"] = df["messages"] >= min_messages
    df["reliability"] = reliability(df["messages"], df["enough_data"])
    for column in RATING_SHRUNK:
        df[f"{column}_adj"] = shrunk(df, column)
    for column in NOISY_SHARES:
        df[f"{column}_adj_se"] = shrunk_se(df, column)
    ranked = df[df["enough_data"]]
    score = pd.Series(0.0, index=ranked.index)
    for code, weight in RATING_WEIGHTS.items():
        column = COMPONENT_COLUMNS[code]
        values = ranked[f"{column}_adj" if column in RATING_SHRUNK else column]
        part = scale_component(values.astype("float64"), KPIS[code].better == "lower")
        df[f"score_{code}"] = part
        score += weight * part
    df["score"] = score
    df["score_se"] = score_se(df)
    # Places by the score as shown (one decimal): equal shown scores share a place.
    df["rank"] = df["score"].round(1).rank(method="min", ascending=False)
    return df


def rating(conn: Connection, f: Filters, now: datetime | None = None) -> pd.DataFrame:
    """The 35 municipalities with the composite score (dashboard.core.metrics.RATING_WEIGHTS: each
    component min-max scaled to 0..100 across ranked municipalities, lower-is-better
    components inverted; message-based components shrunk toward the oblast value first,
    ``shrunk``), rank (1 = best), previous period's rank and rank_change (positive = moved
    up; NaN unless ranked in both periods and the score moved by more than its noise,
    ``with_previous_rank``). Municipalities with fewer than
    metrics.rating_min_messages() messages get enough_data=False, score/rank NaN ("мало данных").
    Columns: by_municipality's columns + score, rank, prev_rank, rank_change, enough_data,
    reliability ('high', 'medium', 'low'), share_in_norm_adj, median_response_min_adj,
    photo_share_adj.

    score = Σ weight × scaled component over share_in_norm, median_response (inverted),
    subs_per_1000, photo_share, posts_per_week (dashboard.core.metrics codes). A ranked
    municipality missing a component (e.g. no answers, so no median) gets 0 for it; if all
    ranked values are equal, each gets 100. Equal scores (to one decimal, as shown) share
    the better rank. The municipality
    filter is ignored (a municipality is always rated among all 35); the regional
    pseudo-municipality is not rated. Sorted by rank, unranked last (by name). Also:
    score_<component> columns with the scaled components."""
    return rating_and_previous(conn, f, now)[0]


def rating_and_previous(conn: Connection, f: Filters, now: datetime | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(``rating``, ``previous_rating``) from one reading of each period: «Рейтинг» and the
    report compare places on every metric with the previous period's table, whose reading
    at the same age costs as much as the current one's."""
    now = figures_now(conn, now)
    everyone = f.with_(municipality_ids=())
    cur = score_table(_municipalities_only(by_municipality(conn, everyone, now)))
    prev = previous_rating(conn, f, now)
    return with_previous_rank(cur, prev), prev


def previous_rating(conn: Connection, f: Filters, now: datetime | None = None) -> pd.DataFrame:
    """``score_table`` of the 35 municipalities in f's previous equal period as it stood at
    the same age (queries.kpis.same_age), as the KPI cards compare: what rank changes,
    «Рейтинг»'s changes of place on each metric and the report's movers compare with. Taken
    settled instead, the previous period would count answers a running one has not had time
    to get: a running November's median (its slow answers still to come) against October's
    final one read about two hours faster for that alone on the demo data, and a
    municipality's share within the norm up to 8.6 п.п. apart. Columns as ``score_table``;
    the municipality filter is ignored, as in ``rating``. No rows when the previous period
    starts before the data (queries.kpis.data_from): no place changes against it."""
    now = figures_now(conn, now)
    everyone = f.with_(municipality_ids=())
    prev = by_municipality(conn, everyone.previous(), now, as_of=same_age(everyone, now))
    table = score_table(_municipalities_only(prev))
    return table.iloc[0:0] if data_from(conn, f) is not None else table


# What norm_standing returns: best_and_worst's inputs, as ``rating`` has them.
STANDING_COLUMNS = ["municipality_id", "name", "messages", "due", "in_norm", "share_in_norm", "enough_data",
                    "share_in_norm_adj"]


def norm_standing(conn: Connection, f: Filters, now: datetime | None = None) -> pd.DataFrame:
    """The part of ``rating`` that «Обзор»'s best and worst (``best_and_worst`` on
    share_in_norm) read, with the same values: the 35 municipalities' messages, due,
    in_norm, share_in_norm, enough_data and share_in_norm_adj (shrunk toward the
    municipalities' share, ``shrunk``). From the period's message sums only — no pages,
    subscribers, composite score or previous period, about a third of ``rating``'s work.
    The municipality filter is ignored, as in ``rating``. Columns: STANDING_COLUMNS, in
    municipality id order."""
    now = figures_now(conn, now)
    df = _municipalities_only(by_municipality(conn, f.with_(municipality_ids=()), now, parts=MESSAGE_PARTS))
    df["enough_data"] = df["messages"] >= metrics.rating_min_messages()
    df["share_in_norm_adj"] = shrunk(df, "share_in_norm")
    return df[STANDING_COLUMNS]


def with_previous_rank(cur: pd.DataFrame, prev: pd.DataFrame) -> pd.DataFrame:
    """Add prev_rank and rank_change (prev_rank − rank: positive = moved up) to a scored
    table, sorted by rank with unranked municipalities last (by name). rank_change is NaN
    unless the score moved by more than RATING_CHANGE_Z standard errors (``real_change``):
    a move within the noise of small samples is not shown."""
    cur = cur.merge(prev[["municipality_id", "rank", "score", "score_se"]]
                    .rename(columns={"rank": "prev_rank", "score": "prev_score", "score_se": "prev_score_se"}),
                    on="municipality_id", how="left")
    real = real_change(cur["score"], cur["score_se"], cur["prev_score"], cur["prev_score_se"])
    cur["rank_change"] = (cur["prev_rank"] - cur["rank"]).where(real.values)
    cur = cur.drop(columns=["prev_score", "prev_score_se"])
    cur = cur.sort_values(["rank", "name"], na_position="last")
    return cur.reset_index(drop=True)


def _municipalities_only(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["municipality_id"] != REGIONAL].reset_index(drop=True)




# -- views of a rating table (the frame returned by ``rating``) ------------------------------

# Metrics about answering messages: a municipality is ranked on them only with enough messages.
MESSAGE_METRICS = frozenset({"score", "share_in_norm", "median_response_min", "mean_response_min",
                             "photo_share"})
AVERAGE_NAME = "Среднее по муниципалитетам"
PEERS = 4


def rank_by(df: pd.DataFrame, metric: str, lower_is_better: bool,
            eligible: pd.Series | None = None) -> pd.Series:
    """Rank 1 = best on ``metric``, ties share the better place; NaN for rows not
    ``eligible`` or without a value."""
    values = df[metric] if eligible is None else df[metric].where(eligible)
    return values.rank(ascending=lower_is_better, method="min")


def league(cur: pd.DataFrame, prev: pd.DataFrame, metric: str, lower_is_better: bool) -> pd.DataFrame:
    """The league table of the municipalities on ``metric``: ``cur`` (a rating) with place,
    prev_place (the same ranking of ``prev``), change (prev_place − place: positive = moved
    up) and low_data (not ranked on a message metric for want of messages). "score" keeps
    the composite rank; a message-based metric ranks by its shrunk estimate (<metric>_adj),
    so a few messages at 100 % do not top hundreds at 95 %. For the score and the shrunk
    shares (NOISY_SHARES) change is NaN unless the value moved by more than RATING_CHANGE_Z
    standard errors (``real_change``). Sorted by place, unranked last, then by name."""
    df = cur[cur["municipality_id"] != REGIONAL].copy()
    prev = prev[prev["municipality_id"] != REGIONAL]
    real = None  # where a change of place is more than noise (None: every change)
    if metric == "score":
        df["place"], df["prev_place"] = df["rank"], df["prev_rank"]
        real = df["rank_change"].notna() if "rank_change" in df.columns else None
    else:
        on_messages = metric in MESSAGE_METRICS
        by = f"{metric}_adj" if f"{metric}_adj" in df.columns else metric  # shrunk estimate
        df["place"] = rank_by(df, by, lower_is_better,
                              df["enough_data"].astype(bool) if on_messages else None)
        prev_place = rank_by(prev, by if by in prev.columns else metric, lower_is_better,
                             prev["enough_data"].astype(bool) if on_messages else None)
        df["prev_place"] = df["municipality_id"].map(dict(zip(prev["municipality_id"], prev_place)))
        if metric in NOISY_SHARES and f"{metric}_adj_se" in df.columns:
            before = prev.set_index("municipality_id")
            ids = df["municipality_id"]
            real = real_change(df[by], df[f"{metric}_adj_se"], ids.map(before[by]),
                               ids.map(before[f"{metric}_adj_se"])).values
    df["change"] = df["prev_place"] - df["place"]
    if real is not None:
        df["change"] = df["change"].where(real)
    df["low_data"] = df["place"].isna() & (metric in MESSAGE_METRICS) & ~df["enough_data"].astype(bool)
    return df.sort_values(["place", "name"], na_position="last")


def standing(df: pd.DataFrame, metric: str = "share_in_norm") -> pd.DataFrame:
    """The municipalities of a rating with enough messages and a value on ``metric`` (higher
    is better), best first, by the shrunk estimate where there is one (small samples cannot
    win); ties broken by name."""
    ranked = df[df["enough_data"].astype(bool) & (df["municipality_id"] != REGIONAL)]
    by = f"{metric}_adj" if f"{metric}_adj" in df.columns else metric  # shrunk: small samples cannot win
    return ranked.dropna(subset=[metric]).sort_values([by, "name"], ascending=[False, True])


def best_and_worst(df: pd.DataFrame, metric: str = "share_in_norm",
                   n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Up to ``n`` best and ``n`` worst municipalities of ``standing``; the worst start from the
    lowest. No municipality is in both: with fewer than 2n ranked the better half (the middle
    one too) are the best and the rest the worst, as the report's «Первые» and «Последние» —
    with two ranked (a platform or a topic) «Обзор» had drawn the same two bars as the five
    best and as the five worst."""
    ranked = standing(df, metric)
    k = min(n, (len(ranked) + 1) // 2)
    return ranked.head(k), ranked.iloc[k:].tail(n).iloc[::-1]


def score_parts(cur: pd.DataFrame, prev: pd.DataFrame, mid: int) -> pd.DataFrame:
    """Why a municipality's composite score is what it is and what moved it: one row per
    rating component (code, name, weight, value and prev_value as the KPI shows them, points
    and prev_points — weight × the component's 0–100 points, their sum the score — and
    change = points − prev_points), the largest change either way first. The prev_* and
    change are NaN where the municipality was not ranked in ``prev``; empty when it is not
    ranked in ``cur``. A component's points are its place among the ranked between the best
    (100) and the worst (0): they move when the others move too."""
    columns = ["code", "name", "weight", "value", "prev_value", "points", "prev_points", "change"]
    now = cur[(cur["municipality_id"] == mid) & cur["enough_data"].astype(bool)]
    if now.empty:
        return pd.DataFrame(columns=columns)
    before = prev[(prev["municipality_id"] == mid) & prev["enough_data"].astype(bool)]
    was = before.iloc[0] if len(before) else None
    rows = []
    for code, weight in RATING_WEIGHTS.items():
        column = COMPONENT_COLUMNS[code]
        points = weight * float(now.iloc[0][f"score_{code}"])
        prev_points = float("nan") if was is None else weight * float(was[f"score_{code}"])
        rows.append({"code": code, "name": KPIS[code].name, "weight": weight, "value": now.iloc[0][column],
                     "prev_value": float("nan") if was is None else was[column], "points": points,
                     "prev_points": prev_points, "change": points - prev_points})
    df = pd.DataFrame(rows, columns=columns)
    order = df["change"].abs().fillna(-1).sort_values(ascending=False, kind="stable").index
    return df.loc[order].reset_index(drop=True)


def peers_of(df: pd.DataFrame, mid: int, n: int = PEERS) -> list[int]:
    """``mid`` and the ``n`` municipalities of the same kind closest to it in population
    (ties by name)."""
    me = df[df["municipality_id"] == mid].iloc[0]
    same = df[(df["kind"] == me["kind"]) & (df["municipality_id"] != mid)].copy()
    same["gap"] = (same["population"] - me["population"]).abs()
    return [mid] + list(same.sort_values(["gap", "name"])["municipality_id"].head(n))


def with_average(df: pd.DataFrame, chosen: list[int], metrics: list[str]) -> pd.DataFrame:
    """The chosen municipalities' rows of a rating (in the order chosen) and a last row
    AVERAGE_NAME with each metric's plain mean over all municipalities (not weighted by
    population)."""
    munis = df[df["municipality_id"] != REGIONAL]
    rows = munis.set_index("municipality_id").loc[chosen].reset_index()
    average = {"name": AVERAGE_NAME, **{c: munis[c].mean() for c in metrics}}
    return pd.concat([rows, pd.DataFrame([average])], ignore_index=True)


def compared_with_kind(df: pd.DataFrame, mid: int, metrics: list[str]) -> pd.DataFrame:
    """Three rows to compare a municipality with: its own values, the plain mean of the
    other municipalities of its kind («Среднее: городской округ») and the mean of all
    municipalities (AVERAGE_NAME). Columns: name and ``metrics``."""
    munis = df[df["municipality_id"] != REGIONAL]
    me = munis[munis["municipality_id"] == mid].iloc[0]
    peers = munis[(munis["kind"] == me["kind"]) & (munis["municipality_id"] != mid)]
    return pd.DataFrame([
        {"name": me["name"], **{c: me[c] for c in metrics}},
        {"name": f"Среднее: {MUNICIPALITY_KINDS.get(me['kind'], me['kind'])}", **{c: peers[c].mean() for c in metrics}},
        {"name": AVERAGE_NAME, **{c: munis[c].mean() for c in metrics}},
    ])
