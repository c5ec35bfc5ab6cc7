"""Benchmark of the many-lever optimiser: a 4-lever ``cxsim optimize`` on 1 and N workers and on Dask.

Run with ``.venv/bin/python benchmarks/bench_optimize.py`` (in this process, 2 worker processes, a
local Dask cluster of 2), or on a bigger machine, e.g. ``--workers 1 4 8 16 --dask-workers 16``.
The command timed is the README's::

    cxsim optimize scenarios/service_profit_chain.toml --levers ads staff training people --json

(4 levers, budget = today's 6,000 a week, 240 plans at most, 6 replications a plan, seed 0), run
as a subprocess with ``--workers N`` (1: this process, numba's threads on every core; N > 1: a
generation's plans on N single-thread processes) or ``--scheduler local --workers N``. Each
figure is the median of ``--repeats`` wall times with the lowest and highest beside it; the
settings are interleaved within a repeat, so a drift of the machine's load touches them alike.
The load average (``os.getloadavg``) before and after each timing is recorded with it. Every
setting must find the same allocation (common random numbers, a seeded search): the benchmark
checks it. Prints a Markdown table and writes it to ``benchmarks/results-optimize.md`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from timings import spread

ROOT = Path(__file__).resolve().parent.parent
COMMAND = ["optimize", "scenarios/service_profit_chain.toml", "--levers", "ads", "staff", "training", "people",
           "--json"]


def timed(extra: list[str]) -> tuple[float, dict, tuple[float, float]]:
    """Wall seconds of one optimize command, its JSON, and the 1-minute load average before and after."""
    before = os.getloadavg()[0]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "cxsim.cli.main", *COMMAND, *extra], cwd=ROOT, capture_output=True,
                          text=True, check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    elapsed = time.perf_counter() - start
    return elapsed, json.loads(done.stdout), (before, os.getloadavg()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="local settings (default 1 2)")
    parser.add_argument("--dask-workers", type=int, default=2, help="workers of a local Dask cluster (0: none)")
    parser.add_argument("--repeats", type=int, default=3, help="timings per setting (default 3)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results-optimize.md"))
    args = parser.parse_args()
    settings = {f"{w} worker{'s' if w > 1 else ''}" + (" (this process)" if w == 1 else " (processes)"):
                ["--workers", str(w)] for w in args.workers}
    if args.dask_workers:
        settings[f"Dask local, {args.dask_workers} workers"] = ["--scheduler", "local", "--workers",
                                                                str(args.dask_workers)]
    times: dict[str, list[float]] = {name: [] for name in settings}
    loads: dict[str, list[float]] = {name: [] for name in settings}
    found: dict[str, dict] = {}
    for repeat in range(args.repeats):
        for name, extra in settings.items():
            elapsed, out, load = timed(extra)
            times[name].append(elapsed)
            loads[name].extend(load)
            found[name] = out["allocation"]
            print(f"repeat {repeat + 1}: {name}: {elapsed:.1f} s, {out['evaluations']} plans, "
                  f"load {load[0]:.1f} -> {load[1]:.1f}", file=sys.stderr)
    same = all(found[name] == next(iter(found.values())) for name in found)
    first = next(iter(settings))
    rows = ["| setting | wall time, median [lowest, highest] (s) | speed-up (median) | load average during |",
            "|---|---|---|---|"]
    for name in settings:
        t = times[name]
        rows.append(f"| {name} | {spread(t, '{:.0f}')} | "
                    f"{statistics.median(times[first]) / statistics.median(t):.2f}x | "
                    f"{min(loads[name]):.1f}-{max(loads[name]):.1f} |")
    text = "\n".join([
        f"# `cxsim {' '.join(COMMAND)}`", "",
        f"{args.repeats} repeats on {os.cpu_count()} cores ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}); "
        f"bar: at most 300 s. Same allocation on every setting: {'yes' if same else 'NO'}.", "",
        *rows, "",
        "Best allocation found (weekly spend per lever): "
        + ", ".join(f"{k} {v:,.0f}" for k, v in next(iter(found.values())).items()), "",
        f"Re-run: `.venv/bin/python benchmarks/bench_optimize.py --repeats {args.repeats} --workers "
        f"{' '.join(map(str, args.workers))} --dask-workers {args.dask_workers}`", ""])
    print(text)
    Path(args.out).write_text(text)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
