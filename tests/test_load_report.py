"""bench/load.py's arithmetic: the per-action rows, the steady-state window, the cores between
two marks and the capacity curve's line, on hand-made timings (no server, nothing timed)."""

from __future__ import annotations

import argparse
import json

import pytest

from bench import load


def _t(seconds: float, start: float, error: str | None = None, action: str = "фильтр") -> load.Timing:
    return load.Timing("Обзор", action, seconds, error, 0, start)


def test_row_counts_errors_apart_from_the_times():
    rows = [_t(s, 0) for s in (4.0, 1.0, 10.0, 3.0, 2.0)] + [_t(120.0, 0, "TimeoutError")]
    row = load.Row.of(rows)
    # The 90th percentile (inclusive) of 1, 2, 3, 4, 10: position 0.9 × 4 = 3.6, 4 + 0.6 × 6.
    assert (row.count, row.median, row.worst, row.errors) == (6, 3.0, 10.0, 1)
    assert row.p90 == pytest.approx(7.6)
    assert row.cells() == "6 | 3.00 | 7.60 | 10.00 | 1"


def test_a_row_without_a_success_is_valid_json():
    row = load.Row.of([_t(0.0, 0, "соединение закрыто сервером")])
    assert row.as_dict() == {"count": 1, "median_s": None, "p90_s": None, "worst_s": None, "errors": 1}
    json.dumps(row.as_dict(), allow_nan=False)


def test_steady_state_is_from_the_end_of_the_ramp_to_the_end_of_the_run():
    rows = [_t(1, start) for start in (0.0, 29.9, 30.0, 100.0, 179.9, 180.0, 200.0)]
    assert [r.start for r in load.steady(rows, ramp=30, duration=180)] == [30.0, 100.0, 179.9]


def test_summary_and_curve_from_two_marks(tmp_path, capsys):
    sampler = load.Sampler(tmp_path, None)  # no pid files: the groups stay empty
    sampler.marks = {
        "steady": load.Mark(100.0, {"app": 10.0, "nginx": 0.0, "postgres": 1.0, "client": 0.5}, 50.0),
        "end": load.Mark(150.0, {"app": 45.0, "nginx": 0.5, "postgres": 2.0, "client": 1.0}, 140.0),
    }
    sampler.groups["app"].mb_samples = [400.0, 500.0]
    sampler.groups["app"].peak_mb = 520.0
    args = argparse.Namespace(client="protocol", sessions=30, duration=60.0, ramp=10.0, seed=1,
                              url="http://127.0.0.1:8501")
    # 5 actions start in the 50 s window (one an error), one during the ramp.
    results = [_t(0.5, 5.0, action="открытие")] + [_t(s, 20.0) for s in (0.2, 0.4, 0.6, 0.8)] \
        + [_t(0.0, 30.0, "Page not found")]
    s = load.summary(results, sampler, args)
    assert {k: s["steady"][k] for k in ("count", "errors", "actions_per_s", "median_s", "worst_s")} == {
        "count": 5, "errors": 1, "actions_per_s": 0.1, "median_s": 0.5, "worst_s": 0.8}
    # (45 − 10) / 50 s = 0.7 cores; the machine (140 − 50) / 50 = 1.8.
    assert s["steady"]["cores"] == {"app": 0.7, "nginx": 0.01, "postgres": 0.02, "client": 0.01, "machine": 1.8}
    assert s["memory_mb"]["app"] == {"mean": 450.0, "peak": 520.0}
    assert s["all"]["открытие"]["count"] == 1
    json.dumps(s, allow_nan=False)

    load.curve([s])
    # others = 1.8 − (0.7 + 0.01 + 0.02 + 0.01) = 1.06
    assert "| 30 | 0.10 | 0.50 | 0.74 | 1 | 0.70 | 450 / 520 | 0.02 | 0.01 | 1.06 |" in capsys.readouterr().out
