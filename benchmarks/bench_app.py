"""Benchmark of the planner and of advise: opening the page, changing a lever, the frontier, the marginal returns.

Run with ``.venv/bin/python benchmarks/bench_app.py``. The page is run headless with
``streamlit.testing.v1.AppTest`` (the whole script: simulation, cards, figures), so the
times exclude the browser drawing the page. Every figure is a median over repeats, with the
spread (fastest to slowest) beside it.
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

from cxsim import load_scenario  # noqa: E402
from cxsim.decide.advise import DEFAULT_REPLICATIONS as ADVISE_REPLICATIONS  # noqa: E402
from cxsim.decide.advise import advise  # noqa: E402
from cxsim.decide.optimize import frontier, total_budget  # noqa: E402
from cxsim.views import planner  # noqa: E402

APP = str(ROOT / "app" / "planner_page.py")
FLAGSHIP = ROOT / "scenarios" / planner.FLAGSHIP


CPU: list[float] = []  # processor seconds of every timed call, in order (the same work on an idle machine)


def timed(fn) -> float:
    """Wall-clock seconds of ``fn()``; its processor seconds (all threads of this process) go to ``CPU``."""
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    CPU.append(time.process_time() - cpu)
    return time.perf_counter() - start


def with_cpu(fn):
    """Call ``fn`` and return (its wall times, the processor times of the same calls)."""
    before = len(CPU)
    wall = fn()
    return wall, CPU[before:]


def spread(values: list[float]) -> str:
    """Median and range of repeated timings: "2.1 s (1.9-2.6)"."""
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


def both(wall: list[float], cpu: list[float]) -> str:
    """Wall-clock and processor time, each a median with its range."""
    return f"{spread(wall)} | {spread(cpu)}"


def page_times(repeats: int) -> dict[str, tuple[list[float], list[float]]]:
    """Open (cold cache), change the ad budget, rerun with everything cached: (wall, cpu) of each."""
    out: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in ("open", "lever", "cached")}

    def record(kind: str, fn) -> None:
        out[kind][0].append(timed(fn))
        out[kind][1].append(CPU[-1])

    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=600)
    record("open", at.run)
    for i in range(repeats):
        box = next(n for n in at.number_input if n.label == "Ad budget per week")
        box.set_value(3000.0 + 100 * i)
        record("lever", at.run)
        record("cached", at.run)
        assert not at.exception, at.exception
    for _ in range(max(0, repeats // 2 - 1)):
        st.cache_data.clear()
        fresh = AppTest.from_file(APP, default_timeout=600)
        record("open", fresh.run)
    return out


def advise_times(repeats: int) -> list[float]:
    """``cxsim advise`` of the flagship at its defaults (simulation only; numba compiled beforehand)."""
    sc = load_scenario(FLAGSHIP)
    advise(sc, replications=2)
    return [timed(lambda: advise(sc)) for _ in range(repeats)]


def frontier_times(repeats: int) -> dict[str, list[float] | int]:
    """One budget's frontier at the app's settings and at the command line's defaults."""
    sc = load_scenario(FLAGSHIP)
    budget = total_budget(sc)
    app = [timed(lambda: frontier(sc, budget, "value", planner.DEFAULT_REPLICATIONS, 0, grid=planner.FRONTIER_GRID))
           for _ in range(repeats)]
    cli = [timed(lambda: frontier(sc, budget, "value", 20, 0)) for _ in range(max(1, repeats // 2))]
    runs = len(frontier(sc, budget, "value", planner.DEFAULT_REPLICATIONS, 0, grid=planner.FRONTIER_GRID).points)
    return {"app": app, "cli": cli, "app_runs": runs}


FIRM = ROOT / "scenarios" / "people_vs_ads_firm.toml"


def firm_times(repeats: int) -> dict[str, list[float]]:
    """The firm-sized flagship (a million people, the automatic scale): the planner's lever change, ``advise``
    at its defaults, and ``advise`` with 2 replications at the automatic scale and at scale 1 (every person)."""
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    at.file_uploader[0].set_value(("people_vs_ads_firm.toml", FIRM.read_bytes(), "application/toml"))
    at.run()
    lever = []
    for i in range(repeats):
        box = next(n for n in at.number_input if n.label == "Ad budget per week")
        box.set_value(400_000.0 + 1000 * (i + 1))
        lever.append(timed(at.run))
        assert not at.exception, at.exception
    firm = load_scenario(FIRM)
    every = firm.with_overrides({"market.scale": 1})
    return {"lever": lever, "advise": [timed(lambda: advise(firm)) for _ in range(repeats)],
            "advise_r2": [timed(lambda: advise(firm, replications=2)) for _ in range(repeats)],
            "advise_r2_every": [timed(lambda: advise(every, replications=2))]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="repeats per measurement (default 5)")
    parser.add_argument("--no-frontier", action="store_true", help="leave out the (slow) frontier timings")
    parser.add_argument("--no-firm", action="store_true", help="leave out the (slow) firm-sized timings")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    page = page_times(args.repeats)
    adv = with_cpu(lambda: advise_times(args.repeats))
    front = None if args.no_frontier else frontier_times(max(2, args.repeats // 2))
    firm = None if args.no_firm else firm_times(max(2, args.repeats // 2))
    load_after = os.getloadavg()[0]
    n = planner.DEFAULT_REPLICATIONS
    text = f"""Machine: {os.cpu_count()} cores, load average {load_before:.1f} before and {load_after:.1f} after (other
work on the machine slows every wall-clock figure; the processor time is what the same work takes on an idle
machine); median (fastest-slowest) of {args.repeats} lever changes and cached reruns, {len(page['open'][0])}
openings. Page times: the whole script under `streamlit.testing.v1.AppTest` (simulation, table, figures),
Python already started.

| planner, flagship (4 plans + 3 moved by advise, {n} replications x 10,000 people x 104 weeks) | wall clock | processor |
|---|---|---|
| open the page (nothing cached) | {both(*page['open'])} |
| change the ad budget (7 plans recomputed) | {both(*page['lever'])} |
| any other change (results cached) | {both(*page['cached'])} |

| `cxsim advise` of the flagship at its defaults ({ADVISE_REPLICATIONS} replications, 4 plans) | wall clock | processor |
|---|---|---|
| simulation and intervals (Python started, numba compiled) | {both(*adv)} |
"""
    if front:
        text += f"""
| budget-split frontier of the flagship base, one total budget (objective: value) | median (range) |
|---|---|
| app: grid of {planner.FRONTIER_GRID} + search, {n} replications ({front['app_runs']} splits run) | {spread(front['app'])} |
| `cxsim optimize` defaults: grid of 11 + search, 20 replications | {spread(front['cli'])} |
"""
    if firm:
        text += f"""
| the firm-sized flagship (`scenarios/people_vs_ads_firm.toml`: 1,000,000 people at the automatic scale, 20) | median (range) |
|---|---|
| planner: change the ad budget (7 plans recomputed, {n} replications x 50,000 simulated people) | {spread(firm['lever'])} |
| `cxsim advise` at its defaults ({ADVISE_REPLICATIONS} replications, 4 plans) | {spread(firm['advise'])} |
| `cxsim advise`, 2 replications, at the automatic scale | {spread(firm['advise_r2'])} |
| `cxsim advise`, 2 replications, every person simulated (scale 1; one run) | {spread(firm['advise_r2_every'])} |
"""
    print(text)
    (ROOT / "benchmarks" / "results-app.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
