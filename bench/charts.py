"""Chart times of the pages: for each chart a page draws through ``widgets.chart`` on its cold
run, the CPU time of building the Altair chart, of its ``to_dict`` (the Vega-Lite spec the
browser gets) and of the whole ``widgets.chart`` call (those two, the cache's hashing of the
data, the datasets to Arrow and Streamlit's drawing), and the spec's size.

    .venv/bin/python bench/charts.py --database-url sqlite:///bench/out/national.db [--rounds 5]
        [--pages municipality overview rating]

Each page is run once (its modules imported, its statements compiled), then ``--rounds`` times
after the caches were cleared, as ``bench/pages.py`` times its cold run; each chart's figures
are the median over those runs. Only the charts: the queries and Streamlit's own part of a
page are in ``bench/pages.py``. Charts of one builder on one page (the six comparison bars of
«Муниципалитет») are summed.

Not a test: timings depend on the machine; nothing here asserts on them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_PAGES = ["overview", "municipality", "rating", "messages"]


def chart_times(rounds: int, only: list[str]) -> dict[str, dict[str, list[tuple[int, float, float, int, float]]]]:
    """page title -> builder -> per cold run (charts, build s, to_dict s, spec bytes, chart call s)."""
    import altair as alt

    from bench.pages import _app, _clear_caches, pages
    from dashboard.ui import widgets
    from tests.apptest_utils import switch_page

    runs: list[list] = []       # the current run's [builder, build, to_dict, bytes, whole call]
    resolve, to_dict, chart = widgets._resolve, alt.TopLevelMixin.to_dict, widgets.chart

    def timed_chart(*args, **kwargs):
        t, before = time.thread_time(), len(runs)
        try:
            return chart(*args, **kwargs)
        finally:
            if len(runs) > before:  # a chart built here (not a ready Altair chart)
                runs[-1][4] = time.thread_time() - t

    def timed_resolve(qualname: str):
        fn = resolve(qualname)
        if not qualname.startswith("dashboard.presentation."):
            return fn

        def build(*args, **kwargs):
            t = time.thread_time()
            chart = fn(*args, **kwargs)
            runs.append([qualname.rsplit(".", 1)[1], time.thread_time() - t, 0.0, 0, 0.0])
            return chart
        return build

    depth = [0]  # to_dict calls itself on a chart's layers: the outermost call is the chart's

    def timed_to_dict(self, *args, **kwargs):
        t = time.thread_time()
        depth[0] += 1
        try:
            spec = to_dict(self, *args, **kwargs)
        finally:
            depth[0] -= 1
        if runs and depth[0] == 0:  # the chart just built
            runs[-1][2] += time.thread_time() - t
            runs[-1][3] = len(json.dumps(spec, ensure_ascii=False).encode())
        return spec

    widgets._resolve, alt.TopLevelMixin.to_dict, widgets.chart = timed_resolve, timed_to_dict, timed_chart
    out: dict = {}
    try:
        for file, title, url in pages():
            if Path(file).stem not in only:
                continue
            at = _app({"m": "31"} if url == "munitsipalitet" else None)
            at.run()
            switch_page(at, file)
            at.run()
            per: dict[str, list] = defaultdict(list)
            for _ in range(rounds):
                _clear_caches()
                runs.clear()
                switch_page(at, file)
                at.run()
                sums: dict[str, list] = defaultdict(lambda: [0, 0.0, 0.0, 0, 0.0])
                for name, build, spec, size, whole in runs:
                    s = sums[name]
                    s[0] += 1
                    s[1] += build
                    s[2] += spec
                    s[3] += size
                    s[4] += whole
                for name, s in sums.items():
                    per[name].append(tuple(s))
            out[title] = per
    finally:
        widgets._resolve, alt.TopLevelMixin.to_dict, widgets.chart = resolve, to_dict, chart
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pages", nargs="+", default=DEFAULT_PAGES, help="page files without .py")
    args = ap.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    times = chart_times(args.rounds, args.pages)
    print(f"Chart CPU time on a cold page run, ms: median of {args.rounds}; spec size in KB (UTF-8 JSON)\n")
    print("| page | chart | charts | build | to_dict | whole chart call | spec, KB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for title, per in times.items():
        totals = [0.0, 0.0, 0.0]
        for name, runs in per.items():
            build, spec, whole = (statistics.median(r[i] for r in runs) * 1000 for i in (1, 2, 4))
            totals = [totals[0] + build, totals[1] + spec, totals[2] + whole]
            print(f"| {title} | {name} | {runs[0][0]} | {build:.1f} | {spec:.1f} | {whole:.1f} | "
                  f"{runs[-1][3] / 1024:.0f} |")
        print(f"| {title} | **all** | | **{totals[0]:.1f}** | **{totals[1]:.1f}** | **{totals[2]:.1f}** | |")


if __name__ == "__main__":
    main()
