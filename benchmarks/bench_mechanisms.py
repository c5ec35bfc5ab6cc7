"""Benchmark of the fast engine with each customer-experience mechanism switched on.

Times ``cxsim.model.simulate`` (fast engine, 20 replications x 10,000 customers x 52 weeks)
on the baseline (every mechanism off) and on each mechanism's scenario file, as
medians over repeats after a warm-up run, interleaved so that load on the machine
hits every case alike. The files differ in what their markets do (more customers
mean more purchases to handle), so purchases per second are shown too. Prints
Markdown and writes ``benchmarks/results-mechanisms.md``.

    .venv/bin/python benchmarks/bench_mechanisms.py [--repeats 5]
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

import cxsim  # noqa: E402

CASES = ("baseline", "channels", "segments", "feedback_loop", "service_profit_chain", "loyalty", "pressure", "silos")
SIZE = {"market.population": 10_000, "market.weeks": 52}
REPLICATIONS = 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per case (median reported)")
    args = parser.parse_args(argv)
    scenarios = {name: cxsim.load_scenario(ROOT / "scenarios" / f"{name}.toml").with_overrides(SIZE)
                 for name in CASES}
    purchases, times = {}, {name: [] for name in CASES}
    for name, sc in scenarios.items():  # warm-up, and the work each case does
        res = cxsim.simulate(sc, REPLICATIONS, seed=1, keep_customers=False)
        purchases[name] = res.timeseries["purchases"].sum()
    for _ in range(args.repeats):
        for name, sc in scenarios.items():
            start = time.perf_counter()
            cxsim.simulate(sc, REPLICATIONS, seed=1, keep_customers=False)
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["baseline"])
    lines = [f"Machine: {os.cpu_count()} cores; medians of {args.repeats} repeats; fast engine, "
             f"{REPLICATIONS} replications x 10,000 customers x 52 weeks.", "",
             "| scenario (mechanisms on) | wall | vs baseline | customer-steps/s | purchases/s |",
             "|---|---|---|---|---|"]
    for name in CASES:
        t = statistics.median(times[name])
        steps = REPLICATIONS * 10_000 * 52
        lines.append(f"| {name} | {t:.2f} s | {t / base:.2f}x | {steps / t / 1e6:.1f} M | "
                     f"{purchases[name] / t / 1e3:.0f} k |")
    text = "\n".join(lines)
    print(text)
    (ROOT / "benchmarks" / "results-mechanisms.md").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
