"""Benchmark of the planner: opening the page, changing a lever, the budget-split frontier.

Run with ``.venv/bin/python benchmarks/bench_app.py``. The page is run headless with
``streamlit.testing.v1.AppTest`` (the whole script: simulation, cards, figures), so the
times exclude the browser drawing the page. Every figure is a median over repeats.
Prints a Markdown table and writes it to ``benchmarks/results-app.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from cxsim import load_scenario, planner  # noqa: E402
from cxsim.optimize import frontier, total_budget  # noqa: E402

APP = str(ROOT / "app" / "planner_page.py")
FLAGSHIP = ROOT / "scenarios" / planner.FLAGSHIP


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def page_times(repeats: int) -> dict[str, float]:
    """Open (cold cache), change the ad budget, rerun with everything cached."""
    opened, lever, cached = [], [], []
    for i in range(repeats):
        st.cache_data.clear()
        at = AppTest.from_file(APP, default_timeout=600)
        opened.append(timed(at.run))
        box = next(n for n in at.number_input if n.label == "Ad budget per week")
        box.set_value(3000.0 + 100 * i)
        lever.append(timed(at.run))
        cached.append(timed(at.run))
        assert not at.exception, at.exception
    return {"open": statistics.median(opened), "lever": statistics.median(lever),
            "cached": statistics.median(cached)}


def frontier_times(repeats: int) -> dict[str, float]:
    """One budget's frontier at the app's settings and at the command line's defaults."""
    sc = load_scenario(FLAGSHIP)
    budget = total_budget(sc)
    app = [timed(lambda: frontier(sc, budget, "profit", planner.DEFAULT_REPLICATIONS, 0, grid=planner.FRONTIER_GRID))
           for _ in range(repeats)]
    cli = [timed(lambda: frontier(sc, budget, "profit", 20, 0)) for _ in range(max(1, repeats // 2))]
    runs = len(frontier(sc, budget, "profit", planner.DEFAULT_REPLICATIONS, 0, grid=planner.FRONTIER_GRID).points)
    return {"app": statistics.median(app), "cli": statistics.median(cli), "app_runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="repeats per measurement (default 3)")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    page = page_times(args.repeats)
    front = frontier_times(args.repeats)
    load_after = os.getloadavg()[0]
    n = planner.DEFAULT_REPLICATIONS
    text = f"""Machine: {os.cpu_count()} cores, load average {load_before:.1f} before and {load_after:.1f} after (other
work on the machine slows every figure); medians of {args.repeats} repeats. Page times: the whole script under
`streamlit.testing.v1.AppTest` (simulation, cards, figures), Python already started.

| planner, flagship (4 scenarios x {n} replications x 10,000 people x 104 weeks) | median |
|---|---|
| open the page (nothing cached) | {page['open']:.1f} s |
| change the ad budget (4 scenarios recomputed) | {page['lever']:.1f} s |
| any other change (results cached) | {page['cached']:.1f} s |

| budget-split frontier of the flagship base, one total budget | median |
|---|---|
| app: grid of {planner.FRONTIER_GRID} + search, {n} replications ({front['app_runs']} splits run) | {front['app']:.1f} s |
| `cxsim optimize` defaults: grid of 11 + search, 20 replications | {front['cli']:.1f} s |
"""
    print(text)
    (ROOT / "benchmarks" / "results-app.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
