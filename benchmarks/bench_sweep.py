"""Benchmark of sweeps: runs per second on 1 and 2 worker processes and on Dask, and the overhead per run.

Run with ``.venv/bin/python benchmarks/bench_sweep.py``. The scenario is the
baseline (10,000 people) over 52 weeks; a run is one replication with every KPI.

- direct: ``simulate(scenario, 1, seed, first_replication=r, keep_customers=False).summary()``
  called in a loop with one numba thread, in a fresh process that imports only cxsim
  (what a worker does, without the sweep; this process holds Dask clients, whose
  objects would slow its garbage collector);
- sweep, 1 and 2 workers: ``run_sweep`` on a local process pool into a new results folder
  (design, ledger, every run's KPIs committed), the pool started and warmed beforehand;
- Dask, 2 workers: the same on a ``LocalCluster`` of two single-thread worker processes.

Each figure is the median of ``--repeats`` timings (``time.perf_counter``). Scaling
is the 2-worker rate over the 1-worker rate; overhead per run is the 1-worker time
per run over the direct time per run, minus one. Because that comparison moves
with whatever else the machine runs, the sweep's own cost is also given directly:
the 1-worker sweep's wall time minus the time its runs took inside the worker
(as the ledger records it), per run. Prints a Markdown table and writes it to
``benchmarks/results-sweep.md``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numba  # noqa: E402

from cxsim import load_scenario, simulate  # noqa: E402
from cxsim.sweep import parse_sweep, run_sweep  # noqa: E402
from cxsim.sweep.pools import DaskPool, Pool, ProcessPool  # noqa: E402

SCENARIO = ROOT / "scenarios" / "baseline.toml"
POPULATION, WEEKS = 10_000, 52


def sweep_text(points: int, replications: int, seed: int) -> str:
    """A grid over ad spend: ``points`` values x ``replications`` runs."""
    return f"""
[sweep]
scenario = "{SCENARIO.as_posix()}"
replications = {replications}
seed = {seed}
[fixed]
"market.population" = {POPULATION}
"market.weeks" = {WEEKS}
[design]
kind = "grid"
steps = {points}
[parameters."advertising.weekly_spend"]
range = [2000, 8000]
"""


def timed_sweep(pool: Pool, text: str, workdir: Path) -> tuple[float, float]:
    """Seconds for a whole sweep into a new folder, and the seconds its runs took inside the workers."""
    out = Path(tempfile.mkdtemp(dir=workdir))
    spec = parse_sweep(text, str(workdir / "bench.toml"))
    start = time.perf_counter()
    report = run_sweep(spec, out / "results", pool)
    elapsed = time.perf_counter() - start
    assert report.done == report.total and not len(report.failed), report
    with sqlite3.connect(out / "results" / "ledger.sqlite") as conn:
        in_workers = conn.execute("SELECT SUM(elapsed) FROM runs").fetchone()[0]
    shutil.rmtree(out)
    return elapsed, in_workers


def direct_seconds(points: int, replications: int, seed: int) -> float:
    """Seconds for the same runs called one after another in a fresh process (as clean as a worker)."""
    proc = subprocess.run([sys.executable, __file__, "--direct", str(points), str(replications), str(seed)],
                          capture_output=True, text=True, check=True)
    return float(proc.stdout.split()[-1])


def _direct(points: int, replications: int, seed: int) -> float:
    """The direct loop: warm up, then time ``simulate`` + ``summary`` for every run."""
    _loop(2, 1, 999)
    return _loop(points, replications, seed)


def _loop(points: int, replications: int, seed: int) -> float:
    """Seconds for the runs of a sweep of ad spend, called one after another here."""
    numba.set_num_threads(1)
    base = load_scenario(SCENARIO).with_overrides({"market.population": POPULATION, "market.weeks": WEEKS})
    spends = [2000 + 6000 * i / (points - 1) for i in range(points)]
    start = time.perf_counter()
    for spend in spends:
        scenario = base.with_overrides({"advertising.weekly_spend": spend})
        for r in range(replications):
            simulate(scenario, 1, seed=seed, first_replication=r, keep_customers=False).summary()
    return time.perf_counter() - start


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--direct":
        print(_direct(*map(int, sys.argv[2:])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=12, help="grid points (default 12)")
    parser.add_argument("--replications", type=int, default=4, help="runs per point (default 4)")
    parser.add_argument("--repeats", type=int, default=3, help="timings per figure; the median is kept (default 3)")
    args = parser.parse_args()
    runs = args.points * args.replications
    workdir = Path(tempfile.mkdtemp(prefix="cxsim-bench-sweep-"))
    times: dict[str, list[float]] = {"direct": [], "1 worker": [], "2 workers": [], "Dask, 2 workers": []}
    machinery: list[float] = []  # 1 worker: wall time not spent running simulations, per run
    load_before = os.getloadavg()[0]
    try:
        warm = sweep_text(2, 2, 999)
        pools = {"1 worker": ProcessPool(1), "2 workers": ProcessPool(2), "Dask, 2 workers": DaskPool("local", 2)}
        for pool in pools.values():
            timed_sweep(pool, warm, workdir)  # start the workers, import, compile
        for i in range(args.repeats):
            seed = i  # a new seed each repeat: new run ids, nothing reused
            times["direct"].append(direct_seconds(args.points, args.replications, seed))
            for name, pool in pools.items():
                wall, in_workers = timed_sweep(pool, sweep_text(args.points, args.replications, seed), workdir)
                times[name].append(wall)
                if name == "1 worker":
                    machinery.append((wall - in_workers) / runs)
            print(f"repeat {i + 1}/{args.repeats}: " + ", ".join(f"{k} {v[-1]:.1f}s" for k, v in times.items()),
                  file=sys.stderr)
        for pool in pools.values():
            pool.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    median = {k: statistics.median(v) for k, v in times.items()}
    rate = {k: runs / v for k, v in median.items()}
    per_run = {k: v / runs for k, v in median.items()}
    lines = [
        f"Sweeps: {runs} runs of {POPULATION:,} people x {WEEKS} weeks (baseline, every KPI), "
        f"median of {args.repeats}; {os.cpu_count()} cores.",
        "",
        "| how | runs per second | seconds per run |",
        "|---|---:|---:|",
        *(f"| {k} | {rate[k]:.2f} | {per_run[k]:.3f} |" for k in times),
        "",
        f"- scaling from 1 to 2 workers: {rate['2 workers'] / rate['1 worker']:.2f}x "
        f"(Dask, 2 workers: {rate['Dask, 2 workers'] / rate['1 worker']:.2f}x); per repeat: "
        + ", ".join(f"{a / b:.2f}x" for a, b in zip(times["1 worker"], times["2 workers"], strict=True)),
        f"- overhead per run of a 1-worker sweep against calling simulate directly: "
        f"{(per_run['1 worker'] / per_run['direct'] - 1) * 100:+.1f}% "
        f"({(per_run['1 worker'] - per_run['direct']) * 1000:+.1f} ms)",
    ]
    lines.append(f"- the sweep's own cost per run (1 worker: wall time minus the time the runs took inside the "
                 f"worker): {statistics.median(machinery) * 1000:.1f} ms, "
                 f"{statistics.median(machinery) / per_run['direct'] * 100:.1f}% of a direct run")
    lines.append(f"- load average of the machine (1 min) before and after: {load_before:.1f}, {os.getloadavg()[0]:.1f}")
    text = "\n".join(lines)
    print(text)
    (ROOT / "benchmarks" / "results-sweep.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
