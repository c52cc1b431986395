"""Composite rating of municipalities (dashboard.core.metrics.RATING_WEIGHTS)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from queries import REGIONAL, rating
from tests.fixture_data import NOV, NOW


def test_scale_component():
    s = pd.Series([1.0, 2.0, 3.0, float("nan")])
    assert list(rating.scale_component(s, lower_is_better=False)) == [0, 50, 100, 0]
    assert list(rating.scale_component(s, lower_is_better=True)) == [100, 50, 0, 0]
    assert list(rating.scale_component(pd.Series([4.0, 4.0]), False)) == [100, 100]


def test_rating_fixture(fixture_engine):
    # Enough data (>= 10 messages in November): 31 (15) and 19 (10) only.
    #                      31                         19
    # share_in_norm        9/14 = 0.643               6/9 = 0.667     -> 19 best
    # median_response      105                        180             -> 31 best (lower)
    # subs_per_1000        2790/1633595k = 1.71       320/161124k = 1.99 -> 19 best
    # photo_share          2/11                       2/8             -> 19 best
    # posts_per_week       101/5/(30/7) = 4.71        9/2/(30/7) = 1.05 -> 31 best
    # With two ranked, best = 100, worst = 0:
    # score 31 = 0.20 × 100 + 0.10 × 100 = 30; score 19 = 0.40 + 0.20 + 0.10 -> 70.
    # October: nobody has 10 messages -> no previous rank.
    with fixture_engine.connect() as conn:
        df = rating.rating(conn, NOV.with_(municipality_ids=(31,)), NOW)
    assert len(df) == 35 and REGIONAL not in set(df["municipality_id"])
    for col in ("score", "rank", "prev_rank", "rank_change", "enough_data", "share_in_norm", "er"):
        assert col in df.columns
    assert list(df["municipality_id"][:2]) == [19, 31]
    assert list(df["score"][:2]) == pytest.approx([70.0, 30.0])
    assert list(df["rank"][:2]) == [1, 2]
    assert list(df["enough_data"][:3]) == [True, True, False]
    assert df["score"][2:].isna().all() and df["rank"][2:].isna().all()
    assert math.isnan(df["prev_rank"][0]) and math.isnan(df["rank_change"][0])
    # Unranked municipalities follow by name.
    assert df["name"].iloc[2] == "Баганский район"


def test_rank_change():
    def table(ids, ranks):
        return pd.DataFrame({"municipality_id": ids, "name": [f"m{i}" for i in ids], "rank": ranks})

    cur = table([1, 2, 3], [1.0, 2.0, float("nan")])
    prev = table([1, 2, 3], [2.0, 1.0, 3.0])
    out = rating.with_previous_rank(cur, prev)
    assert list(out["municipality_id"]) == [1, 2, 3]
    assert list(out["prev_rank"]) == [2.0, 1.0, 3.0]
    assert list(out["rank_change"][:2]) == [1.0, -1.0]   # 1 moved up, 2 down
    assert math.isnan(out["rank_change"][2])
