"""Benchmark of the two engines: speed ratio, a million customers, the flagship comparison, scaling.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/bench_engines.py``). Every
figure is a median over repeats; wall times come from ``time.perf_counter`` and
peak memory from ``/usr/bin/time -v`` (maximum resident set size) around a
separate process. Prints Markdown tables and writes them to
``benchmarks/results-engines.md``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cxsim  # noqa: E402
from cxsim.decide.compare import compare, scenarios_from_files  # noqa: E402

FLAGSHIP = ROOT / "scenarios" / "people_vs_ads.toml"


def wall_time(fn, *args) -> float:
    """Wall time of one call ``fn(*args)``."""
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def median_time(fn, repeats: int) -> float:
    """Median wall time of ``fn(seed)`` over ``repeats`` calls (after one warm-up call).

    Each call gets its own seed, so nothing drawn in one (a network) is reused by the next.
    """
    fn(0)
    return statistics.median(wall_time(fn, seed) for seed in range(1, repeats + 1))


def engine_ratio(repeats: int) -> dict[str, float]:
    """Fast vs agents on the flagship base at 10,000 customers, 52 weeks, 20 replications.

    The two engines are timed in turns (fast, agents, fast, ...), each repeat on a new
    seed, so both medians come from the same stretch of time on a shared machine.
    """
    sc = cxsim.load_scenario(FLAGSHIP).with_overrides({"market.population": 10_000, "market.weeks": 52})
    steps = 10_000 * 52
    agents_reps = 2  # the agents engine's cost is linear in replications: time 2 and scale to 20

    def run(engine: str, replications: int, seed: int) -> None:
        cxsim.simulate(sc, replications, seed=seed, engine=engine, keep_customers=False, value=False)  # 52 weeks

    run("fast", 20, 0)  # warm-up: compiled kernels and caches
    run("agents", 1, 0)
    fast, agents = [], []
    for seed in range(1, repeats + 1):
        fast.append(wall_time(run, "fast", 20, seed))
        agents.append(wall_time(run, "agents", agents_reps, seed) * 20 / agents_reps)
    fast_s, agents_s = statistics.median(fast), statistics.median(agents)
    in_turn = [a / f for f, a in zip(fast, agents, strict=True)]  # the ratio of each repeat's pair of runs
    return {"fast_s": fast_s, "agents_s": agents_s, "ratio": agents_s / fast_s,
            "fast_rate": 20 * steps / fast_s, "agents_rate": 20 * steps / agents_s,
            "ratio_low": min(in_turn), "ratio_high": max(in_turn)}


CHILD = """
import sys, time
sys.path.insert(0, {root!r})
import cxsim
sc = cxsim.load_scenario({flagship!r}).with_overrides({{"market.population": {n}, "market.weeks": 52,
                                                        "market.scale": 1, "network.mean_degree": 10}})
cxsim.simulate(cxsim.scenario.presets.bass(0.03, 0.38, 1000, 2).with_overrides({{"network.kind": "random"}}), 1)  # compile
start = time.perf_counter()
cxsim.simulate(sc, 1, seed=1, keep_customers=False, value=False)  # every person, the 52 weeks only
print("WALL", time.perf_counter() - start)
"""


def one_market(n: int, repeats: int) -> dict[str, float]:
    """Wall time (network build included) and peak memory of one 52-week run of ``n`` customers."""
    walls, peaks = [], []
    for _ in range(repeats):
        code = CHILD.format(root=str(ROOT), flagship=str(FLAGSHIP), n=n)
        proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-c", code], capture_output=True, text=True,
                              check=True)
        walls.append(float(re.search(r"WALL ([0-9.]+)", proc.stdout).group(1)))
        peaks.append(int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1)) / 1024)
    wall = statistics.median(walls)
    return {"n": n, "wall_s": wall, "peak_mb": statistics.median(peaks), "rate": n * 52 / wall}


def flagship_compare(repeats: int) -> float:
    """Simulation time of ``cxsim compare scenarios/people_vs_ads.toml`` at the file's defaults (all cores)."""
    scenarios = scenarios_from_files([FLAGSHIP])
    return median_time(lambda seed: compare(scenarios, replications=20, seed=seed, workers=os.cpu_count() or 1),
                       repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="repeats per figure (median reported)")
    parser.add_argument("--quick", action="store_true", help="skip the million-customer runs")
    args = parser.parse_args()

    load = os.getloadavg()[0]
    lines = [f"Machine: {os.cpu_count()} cores, load average {load:.1f} at the start; medians of {args.repeats} "
             "repeats.", ""]
    r = engine_ratio(args.repeats)
    lines += [
        "| engine | 20 replications x 10,000 customers x 52 weeks | customer-steps/s |",
        "|---|---|---|",
        f"| agents (timed on 2 replications, x10) | {r['agents_s']:.1f} s | {r['agents_rate'] / 1e6:.2f} M |",
        f"| fast | {r['fast_s']:.2f} s | {r['fast_rate'] / 1e6:.1f} M |",
        f"| **ratio fast / agents** | **{r['ratio']:.0f}x** | |",
        "",
        f"Ratio of each repeat's pair of runs: {r['ratio_low']:.0f}x to {r['ratio_high']:.0f}x.",
        "",
    ]
    flagship = flagship_compare(args.repeats)
    lines += [f"`cxsim compare scenarios/people_vs_ads.toml` (4 scenarios x 20 replications x 10,000 customers x "
              f"104 weeks, and the 52 weeks of run-out that value needs), simulation only: **{flagship:.1f} s**.", ""]
    sizes = [10_000, 100_000] + ([] if args.quick else [1_000_000])
    lines += ["| customers (mean degree 10, 52 weeks, one run) | wall incl. network build | peak memory | "
              "customer-steps/s |", "|---|---|---|---|"]
    for n in sizes:
        m = one_market(n, 3 if n < 1_000_000 else max(1, min(3, args.repeats)))
        lines.append(f"| {n:,} | {m['wall_s']:.2f} s | {m['peak_mb']:.0f} MB | {m['rate'] / 1e6:.1f} M |")
    text = "\n".join(lines)
    print(text)
    (ROOT / "benchmarks" / "results-engines.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
