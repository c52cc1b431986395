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


def _table(**cols) -> pd.DataFrame:
    """A small rating-shaped frame: four municipalities of two kinds."""
    base = {"municipality_id": [1, 2, 3, 4], "name": ["Альфа", "Бета", "Гамма", "Дельта"],
            "kind": ["urban_okrug", "urban_okrug", "urban_okrug", "municipal_district"],
            "population": [100, 180, 90, 120], "enough_data": [True, True, False, True],
            "share_in_norm": [0.9, 0.5, 0.9, 0.7], "messages": [20, 12, 3, 30],
            "rank": [1.0, 3.0, None, 2.0], "prev_rank": [2.0, None, None, 1.0]}
    return pd.DataFrame({**base, **cols})


def test_rank_by():
    df = pd.DataFrame({"share_in_norm": [0.9, 0.5, 0.9, None], "ok": [True, True, True, False]})
    assert list(rating.rank_by(df, "share_in_norm", lower_is_better=False)[:3]) == [1, 3, 1]
    ranked = rating.rank_by(df.assign(share_in_norm=[0.9, 0.5, 0.7, 0.99]), "share_in_norm", False, df["ok"])
    assert list(ranked[:3]) == [1, 3, 2] and pd.isna(ranked[3])
    assert list(rating.rank_by(df, "share_in_norm", lower_is_better=True)[:3]) == [2, 1, 2]


def test_league_on_a_message_metric_skips_low_data():
    cur = _table()
    prev = _table(share_in_norm=[0.5, 0.9, 0.9, 0.7])
    lg = rating.league(cur, prev, "share_in_norm", lower_is_better=False)
    assert list(lg["name"]) == ["Альфа", "Дельта", "Бета", "Гамма"]
    assert list(lg["place"][:3]) == [1, 2, 3] and pd.isna(lg["place"].iloc[3])
    assert list(lg["prev_place"][:3]) == [3, 2, 1]
    assert list(lg["change"][:3]) == [2, 0, -2]
    assert list(lg["low_data"]) == [False, False, False, True]


def test_league_on_the_score_keeps_the_composite_rank():
    lg = rating.league(_table(), _table(), "score", lower_is_better=False)
    assert list(lg["name"]) == ["Альфа", "Дельта", "Бета", "Гамма"]
    assert list(lg["change"][:2]) == [1, -1] and pd.isna(lg["change"].iloc[2])
    # On a non-message metric everyone is ranked, enough data or not.
    lg = rating.league(_table(), _table(), "messages", lower_is_better=False)
    assert list(lg["place"]) == [1, 2, 3, 4] and not lg["low_data"].any()


def test_best_and_worst():
    df = pd.concat([_table(), pd.DataFrame([{"municipality_id": REGIONAL, "name": "Регион",
                                             "enough_data": True, "share_in_norm": 1.0}])])
    best, worst = rating.best_and_worst(df, "share_in_norm", n=2)
    assert list(best["name"]) == ["Альфа", "Дельта"]   # Гамма has too few messages
    assert list(worst["name"]) == ["Бета", "Дельта"]


def test_peers_and_averages():
    df = _table()
    assert rating.peers_of(df, 1, n=2) == [1, 3, 2]  # same kind; by population gap 10, 80
    rows = rating.with_average(df, [2, 1], ["share_in_norm"])
    assert list(rows["name"]) == ["Бета", "Альфа", rating.AVERAGE_NAME]
    assert rows["share_in_norm"].iloc[-1] == pytest.approx(0.75)  # (0.9 + 0.5 + 0.9 + 0.7) / 4
    rows = rating.compared_with_kind(df, 1, ["share_in_norm"])
    assert list(rows["name"]) == ["Альфа", "Среднее: городской округ", "Среднее по муниципалитетам"]
    assert list(rows["share_in_norm"]) == pytest.approx([0.9, 0.7, 0.75])
