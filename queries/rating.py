"""League table and composite rating of municipalities."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy.engine import Connection

from dashboard.core.db import utcnow
from dashboard.core.metrics import KPIS, RATING_MIN_MESSAGES, RATING_WEIGHTS
from queries.breakdowns import by_municipality
from queries.filters import REGIONAL, Filters

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


def score_table(df: pd.DataFrame) -> pd.DataFrame:
    """Add enough_data, score_<component>, score and rank to a by_municipality frame."""
    df = df.copy()
    df["enough_data"] = df["messages"] >= RATING_MIN_MESSAGES
    ranked = df[df["enough_data"]]
    score = pd.Series(0.0, index=ranked.index)
    for code, weight in RATING_WEIGHTS.items():
        part = scale_component(ranked[COMPONENT_COLUMNS[code]].astype("float64"),
                               KPIS[code].better == "lower")
        df[f"score_{code}"] = part
        score += weight * part
    df["score"] = score
    df["rank"] = df["score"].rank(method="min", ascending=False)
    return df


def rating(conn: Connection, f: Filters, now: datetime | None = None) -> pd.DataFrame:
    """The 35 municipalities with the composite score (dashboard.core.metrics.RATING_WEIGHTS: each
    component min-max scaled to 0..100 across ranked municipalities, lower-is-better
    components inverted), rank (1 = best), previous period's rank and rank_change
    (positive = moved up). Municipalities with fewer than RATING_MIN_MESSAGES messages get
    enough_data=False, score/rank NaN ("мало данных").
    Columns: by_municipality's columns + score, rank, prev_rank, rank_change, enough_data.

    score = Σ weight × scaled component over share_in_norm, median_response (inverted),
    subs_per_1000, photo_share, posts_per_week (dashboard.core.metrics codes). A ranked
    municipality missing a component (e.g. no answers, so no median) gets 0 for it; if all
    ranked values are equal, each gets 100. Ties share the better rank. The municipality
    filter is ignored (a municipality is always rated among all 35); the regional
    pseudo-municipality is not rated. Sorted by rank, unranked last (by name). Also:
    score_<component> columns with the scaled components."""
    now = now or utcnow()
    everyone = f.with_(municipality_ids=())
    cur = score_table(_municipalities_only(by_municipality(conn, everyone, now)))
    prev = score_table(_municipalities_only(by_municipality(conn, everyone.previous(), now)))
    return with_previous_rank(cur, prev)


def with_previous_rank(cur: pd.DataFrame, prev: pd.DataFrame) -> pd.DataFrame:
    """Add prev_rank and rank_change (prev_rank − rank: positive = moved up) to a scored
    table, sorted by rank with unranked municipalities last (by name)."""
    cur = cur.merge(prev[["municipality_id", "rank"]].rename(columns={"rank": "prev_rank"}),
                    on="municipality_id", how="left")
    cur["rank_change"] = cur["prev_rank"] - cur["rank"]
    cur = cur.sort_values(["rank", "name"], na_position="last")
    return cur.reset_index(drop=True)


def _municipalities_only(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["municipality_id"] != REGIONAL].reset_index(drop=True)


