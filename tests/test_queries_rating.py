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


def test_previous_rating_is_the_previous_period_at_the_same_age(fixture_engine):
    # November runs at NOW (28.11, 19:00 local), so October is taken as it stood on 28.10 at
    # 19:00 local (kpis.same_age): message 108 (29.10, Баганский район) had not come yet, and
    # the October figures are the KPI cards' previous ones.
    from queries import kpis
    from queries.breakdowns import by_municipality
    from tests.fixture_data import BAGAN, NSK, OCT
    with fixture_engine.connect() as conn:
        prev = rating.previous_rating(conn, NOV.with_(municipality_ids=(NSK,)), NOW).set_index("municipality_id")
        settled = by_municipality(conn, OCT, NOW).set_index("municipality_id")
        cards = kpis.headline(conn, OCT.with_(municipality_ids=(BAGAN,)), NOW, as_of=kpis.same_age(NOV, NOW))
    assert len(prev) == 35 and REGIONAL not in prev.index  # every municipality, whatever the filter
    assert settled.loc[BAGAN, "messages"] == 1
    assert prev.loc[BAGAN, "messages"] == cards.messages == 0
    assert prev.loc[NSK, "messages"] == 5 and prev["messages"].sum() == 6  # 101–104, 106, 107; 105 is regional
    assert {"score", "rank", "enough_data", "share_in_norm_adj"} <= set(prev.columns)


def test_rank_change():
    nan = float("nan")

    def table(ids, ranks, scores, errors):
        return pd.DataFrame({"municipality_id": ids, "name": [f"m{i}" for i in ids], "rank": ranks,
                             "score": scores, "score_se": errors})

    cur = table([1, 2, 3], [1.0, 2.0, nan], [80.0, 70.0, nan], [1.0, 1.0, nan])
    prev = table([1, 2, 3], [2.0, 1.0, 3.0], [70.0, 75.0, 60.0], [1.0, 1.0, 1.0])
    out = rating.with_previous_rank(cur, prev)
    assert list(out["municipality_id"]) == [1, 2, 3]
    assert list(out["prev_rank"]) == [2.0, 1.0, 3.0]
    # Score changes 10 and 5 against 2 × sqrt(1 + 1) = 2,83: real moves.
    assert list(out["rank_change"][:2]) == [1.0, -1.0]   # 1 moved up, 2 down
    assert math.isnan(out["rank_change"][2])              # not ranked now
    assert "prev_score" not in out.columns


def test_rank_change_within_the_noise_is_not_shown():
    """Two municipalities swap places on score changes of 2 points with standard errors of
    3 (2 × sqrt(9 + 9) = 8,5): no change is shown; a third falls 20 points: shown."""
    cur = pd.DataFrame({"municipality_id": [1, 2, 3], "name": ["a", "b", "c"], "rank": [1.0, 2.0, 3.0],
                        "score": [80.0, 79.0, 60.0], "score_se": [3.0, 3.0, 1.0]})
    prev = pd.DataFrame({"municipality_id": [1, 2, 3], "name": ["a", "b", "c"], "rank": [3.0, 2.0, 1.0],
                         "score": [78.0, 81.0, 80.0], "score_se": [3.0, 3.0, 1.0]})
    out = rating.with_previous_rank(cur, prev).set_index("municipality_id")
    assert math.isnan(out.loc[1, "rank_change"]) and math.isnan(out.loc[2, "rank_change"])
    assert out.loc[3, "rank_change"] == -2.0


def test_standard_errors_of_shrunk_shares_and_of_the_score():
    """90 of 100 due within the norm, shrunk with the prior 30: error sqrt(0,9 × 0,1 × 100)
    / 130 = 3 / 130; weight 0,4 over a span of 0,1 between the ranked: 0,4 × 100 × (3 / 130)
    / 0,1 = 9,23 points (photo shares equal: no span, no error from them)."""
    df = pd.DataFrame({"share_in_norm_adj": [0.9, 0.8], "due": [100, 0], "photo_share_adj": [0.5, 0.5],
                       "answered": [100, 100], "enough_data": [True, True]})
    df["share_in_norm_adj_se"] = rating.shrunk_se(df, "share_in_norm")
    df["photo_share_adj_se"] = rating.shrunk_se(df, "photo_share")
    assert df["share_in_norm_adj_se"][0] == pytest.approx(3 / 130)
    assert math.isnan(df["share_in_norm_adj_se"][1])                   # no cases
    assert rating.score_se(df)[0] == pytest.approx(0.4 * 100 * (3 / 130) / 0.1)


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


def test_league_on_a_shrunk_share_hides_moves_within_the_noise():
    """Альфа rises from 3rd to 1st on a share 0,01 higher, with errors of 0,04 (2 × sqrt(0,04²
    × 2) = 0,11): no change shown; Дельта falls from 1st to 3rd, 0,4 lower with an error of
    0,01: shown."""
    def frame(shares, errors):
        return _table(share_in_norm_adj=shares, share_in_norm_adj_se=errors, enough_data=[True, True, False, True])

    cur = frame([0.81, 0.80, 0.9, 0.5], [0.04, 0.04, 0.1, 0.01])
    prev = frame([0.80, 0.82, 0.9, 0.9], [0.04, 0.04, 0.1, 0.01])
    lg = rating.league(cur, prev, "share_in_norm", lower_is_better=False).set_index("name")
    assert (lg.loc["Альфа", "place"], lg.loc["Альфа", "prev_place"]) == (1, 3)
    assert pd.isna(lg.loc["Альфа", "change"]) and pd.isna(lg.loc["Бета", "change"])
    assert lg.loc["Дельта", "change"] == 1 - 3


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
    # Three ranked: Дельта, the middle one, is among the best and not again among the worst.
    assert list(worst["name"]) == ["Бета"]
    assert list(rating.standing(df, "share_in_norm")["name"]) == ["Альфа", "Дельта", "Бета"]


@pytest.mark.parametrize("ranked, n, best, worst", [
    (1, 5, [1], []), (2, 5, [1], [2]), (3, 5, [1, 2], [3]), (7, 5, [1, 2, 3, 4], [7, 6, 5]),
    (10, 5, [1, 2, 3, 4, 5], [10, 9, 8, 7, 6]), (12, 5, [1, 2, 3, 4, 5], [12, 11, 10, 9, 8]),
])
def test_best_and_worst_never_name_one_municipality_twice(ranked, n, best, worst):
    # Municipality i has share 1 − i/100: 1 is the best, ``ranked`` the worst.
    df = pd.DataFrame({"municipality_id": range(1, ranked + 1), "name": [f"М{i:02}" for i in range(1, ranked + 1)],
                       "enough_data": True, "share_in_norm": [1 - i / 100 for i in range(1, ranked + 1)]})
    b, w = rating.best_and_worst(df, "share_in_norm", n)
    assert (list(b["municipality_id"]), list(w["municipality_id"])) == (best, worst)


def test_peers_and_averages():
    df = _table()
    assert rating.peers_of(df, 1, n=2) == [1, 3, 2]  # same kind; by population gap 10, 80
    rows = rating.with_average(df, [2, 1], ["share_in_norm"])
    assert list(rows["name"]) == ["Бета", "Альфа", rating.AVERAGE_NAME]
    assert rows["share_in_norm"].iloc[-1] == pytest.approx(0.75)  # (0.9 + 0.5 + 0.9 + 0.7) / 4
    rows = rating.compared_with_kind(df, 1, ["share_in_norm"])
    assert list(rows["name"]) == ["Альфа", "Среднее: городской округ", "Среднее по муниципалитетам"]
    assert list(rows["share_in_norm"]) == pytest.approx([0.9, 0.7, 0.75])


# -- the method: small samples cannot win, ties share a place ------------------------------

def _frame(rows):
    """A by_municipality-like frame from (id, messages, due, in_norm, median, answered)."""
    df = pd.DataFrame(rows, columns=["municipality_id", "messages", "due", "in_norm", "median_response_min",
                                     "answered"])
    return df.assign(name=[f"М{i}" for i in df["municipality_id"]], share_in_norm=df["in_norm"] / df["due"],
                     photo=0, photo_share=0.0, subs_per_1000=10.0, posts_per_week=2.0, kind="district",
                     population=10000.0)


def test_twelve_messages_at_100_do_not_beat_five_hundred_at_95():
    df = _frame([(1, 12, 12, 12, 60.0, 12), (2, 500, 500, 475, 60.0, 500), (3, 300, 300, 210, 60.0, 300)])
    # 12 messages, 100 %: still not ranked (threshold above 10, here 20).
    scored = rating.score_table(df, min_messages=20)
    assert not scored.loc[0, "enough_data"] and math.isnan(scored.loc[0, "rank"])
    assert scored.loc[0, "reliability"] == "low"
    # Even when a 12-message district is ranked, its shrunk share sits below 95 % of 500:
    # p0 = (12 + 475 + 210) / 812; (12 + 30 p0) / 42 < (475 + 30 p0) / 530.
    scored = rating.score_table(df, min_messages=10)
    p0 = (12 + 475 + 210) / 812
    assert scored.loc[0, "share_in_norm_adj"] == pytest.approx((12 + 30 * p0) / 42)
    assert scored.loc[1, "share_in_norm_adj"] == pytest.approx((475 + 30 * p0) / 530)
    assert scored.loc[1, "rank"] == 1 and scored.loc[0, "rank"] == 2
    league = rating.league(scored.assign(prev_rank=float("nan")), scored, "share_in_norm", lower_is_better=False)
    assert list(league["municipality_id"][:2]) == [2, 1]
    best, _worst = rating.best_and_worst(scored)
    assert list(best["municipality_id"][:2]) == [2, 1]
    assert list(scored["reliability"]) == ["medium", "high", "high"]


def test_equal_scores_share_a_place():
    df = _frame([(1, 200, 200, 150, 60.0, 200), (2, 200, 200, 150, 60.0, 200), (3, 200, 200, 100, 90.0, 200)])
    scored = rating.score_table(df, min_messages=20)
    assert list(scored["rank"]) == [1, 1, 3]


def test_no_rank_change_when_either_period_lacks_data():
    cur = rating.score_table(_frame([(1, 200, 200, 150, 60.0, 200), (2, 200, 200, 100, 90.0, 200),
                                     (3, 15, 15, 10, 60.0, 15)]), min_messages=20)
    prev = rating.score_table(_frame([(1, 8, 8, 4, 60.0, 8), (2, 200, 200, 190, 30.0, 200),
                                      (3, 300, 300, 200, 60.0, 300)]), min_messages=20)
    out = rating.with_previous_rank(cur, prev).set_index("municipality_id")
    assert math.isnan(out.loc[1, "rank_change"])      # not ranked before
    assert math.isnan(out.loc[3, "rank_change"])      # not ranked now
    assert out.loc[2, "rank_change"] == 1 - 2         # 1st before, 2nd now


def test_demo_top_five_is_not_won_by_small_samples(tmp_path):
    """On the demo data, no municipality with fewer than 30 messages sits in the top 5 of
    «Ответ в срок» ahead of one with 100+ messages whose share is within 3 п.п. of its."""
    from dashboard.core import periods
    from dashboard.core.db import make_engine
    from queries import reference
    from queries.filters import Filters
    from tests.apptest_utils import demo_db_url

    engine = make_engine(demo_db_url(tmp_path))
    with engine.connect() as conn:
        last = reference.data_status(conn).last_day
        for name in ("30d", "month", "quarter"):
            p = periods.preset(name, last)
            f = Filters(p.start, p.end)
            cur = rating.rating(conn, f)
            lg = rating.league(cur, rating.rating(conn, f.previous()), "share_in_norm", lower_is_better=False)
            ranked = lg[lg["place"].notna()]
            top = ranked.head(5)
            for _, small in top[top["messages"] < 30].iterrows():
                behind = ranked[(ranked["place"] > small["place"]) & (ranked["messages"] >= 100)]
                close = behind[(behind["share_in_norm"] - small["share_in_norm"]).abs() <= 0.03]
                assert close.empty, (name, small["name"], list(close["name"]))
    engine.dispose()


def test_norm_standing_is_the_ratings_view_of_best_and_worst(fixture_engine):
    # «Обзор» reads norm_standing instead of the whole rating: the same values, the same
    # best and worst, whatever the municipality filter (ignored by both).
    from tests.fixture_data import OCT

    with fixture_engine.connect() as conn:
        for f in (NOV, NOV.with_(municipality_ids=(31,)), OCT, NOV.with_(start=OCT.start)):
            full = rating.rating(conn, f, NOW)
            part = rating.norm_standing(conn, f, NOW)
            assert list(part.columns) == rating.STANDING_COLUMNS
            assert list(part["municipality_id"]) == sorted(full["municipality_id"])
            expected = full.set_index("municipality_id").loc[part["municipality_id"], rating.STANDING_COLUMNS[1:]]
            pd.testing.assert_frame_equal(part.set_index("municipality_id")[rating.STANDING_COLUMNS[1:]], expected,
                                          check_dtype=False)
            for n in (2, 5, 35):
                for a, b in zip(rating.best_and_worst(part, "share_in_norm", n),
                                rating.best_and_worst(full, "share_in_norm", n)):
                    assert list(a["municipality_id"]) == list(b["municipality_id"])
                    assert list(a["share_in_norm"]) == pytest.approx(list(b["share_in_norm"]), nan_ok=True)
        # November: only 19 (6/9) and 31 (9/14) have enough messages; 19 is the better.
        best, worst = rating.best_and_worst(rating.norm_standing(conn, NOV, NOW), "share_in_norm", 5)
    assert list(best["municipality_id"]) == [19] and list(worst["municipality_id"]) == [31]
    assert list(best["share_in_norm"]) == pytest.approx([6 / 9])


def _parts_row(mid, enough, share, median, subs, photo, posts, values=(0.5, 60.0, 10.0, 0.2, 2.0)):
    return {"municipality_id": mid, "enough_data": enough, "score_share_in_norm": share,
            "score_median_response": median, "score_subs_per_1000": subs, "score_photo_share": photo,
            "score_posts_per_week": posts, "share_in_norm": values[0], "median_response_min": values[1],
            "subs_per_1000": values[2], "photo_share": values[3], "posts_per_week": values[4]}


def test_score_parts_say_what_moved_the_score():
    # Points = weight × component points (40/20/20/10/10 %): now 0,4·50 + 0,2·100 + 0 + 0,1·20 +
    # 0,1·40 = 46; before 0,4·100 + 0,2·100 + 0 + 0,1·20 + 0,1·70 = 69. «Ответ в срок» lost
    # 20 points, «Публикаций в неделю» 3: the largest change first, the unchanged after.
    cur = pd.DataFrame([_parts_row(1, True, 50, 100, 0, 20, 40, (0.55, 300.0, 12.0, 0.25, 3.0)),
                        _parts_row(2, True, 100, 0, 100, 100, 100)])
    prev = pd.DataFrame([_parts_row(1, True, 100, 100, 0, 20, 70, (0.9, 290.0, 11.0, 0.25, 4.0)),
                         _parts_row(2, False, 0, 0, 0, 0, 0)])
    parts = rating.score_parts(cur, prev, 1)
    assert list(parts["code"]) == ["share_in_norm", "posts_per_week", "median_response", "subs_per_1000",
                                   "photo_share"]
    assert list(parts["name"][:2]) == ["Ответ в срок", "Публикаций в неделю"]
    assert list(parts["points"]) == pytest.approx([20, 4, 20, 0, 2])
    assert list(parts["prev_points"]) == pytest.approx([40, 7, 20, 0, 2])
    assert list(parts["change"]) == pytest.approx([-20, -3, 0, 0, 0])
    assert parts["points"].sum() == pytest.approx(46) and parts["prev_points"].sum() == pytest.approx(69)
    assert list(parts["value"][:2]) == pytest.approx([0.55, 3.0])
    assert list(parts["prev_value"][:2]) == pytest.approx([0.9, 4.0])
    # Not ranked before: the points now, nothing to compare with; not ranked now: no rows.
    fresh = rating.score_parts(cur, prev, 2)
    assert list(fresh["points"]) == pytest.approx([40, 0, 20, 10, 10])
    assert fresh["prev_points"].isna().all() and fresh["change"].isna().all()
    assert rating.score_parts(prev, cur, 2).empty


def test_score_parts_add_up_to_the_score():
    df = _frame([(1, 200, 200, 150, 60.0, 200), (2, 200, 200, 120, 90.0, 200), (3, 200, 200, 100, 30.0, 200)])
    scored = rating.score_table(df, min_messages=20)
    for mid in (1, 2, 3):
        parts = rating.score_parts(scored, scored, mid)
        score = float(scored.loc[scored["municipality_id"] == mid, "score"].iloc[0])
        assert parts["points"].sum() == pytest.approx(score) and (parts["change"] == 0).all()
