"""Benchmark of sweeps: runs per second on 1..N worker processes and on Dask, and the sweep's own cost per run.

Run with ``.venv/bin/python benchmarks/bench_sweep.py`` (1 and 2 workers, Dask with 2), or on a
bigger machine, e.g. ``--workers 1 2 4 8 16 --dask-workers 16 --points 48``. The scenario is the
baseline (10,000 people) over 52 weeks; a run is one replication with every KPI.

- direct: ``simulate(scenario, 1, seed, first_replication=r, keep_customers=False).summary()``
  called in a loop with one numba thread, in a fresh process that imports only cxsim
  (what a worker does, without the sweep);
- sweep, N workers: ``run_sweep`` on a local process pool into a new results folder
  (design, ledger, every run's KPIs committed), the pool started and warmed beforehand
  (every worker has run and compiled);
- Dask, N workers: the same on a ``LocalCluster`` of N single-thread worker processes.

Each figure is the median of ``--repeats`` timings (``time.perf_counter``), with the spread
(lowest and highest) beside it; the local pools are interleaved within a repeat, so drifts of the
machine's load touch them alike, and timed before any Dask cluster starts (its scheduler would run
in this process). The processor time of the sweep's own process (``time.process_time``, all its
threads) per run is given too: unlike wall time, other jobs on the machine barely move it.
Scaling is a rate over the 1-worker rate of the same repeat. The sweep's own cost per run is
the 1-worker sweep's wall time minus the time its runs took inside the worker (as the ledger
records it), over the runs. Prints a Markdown table and writes it to
``benchmarks/results-sweep.md`` (or ``--out``).
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

from timings import spread

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numba  # noqa: E402

from cxsim import load_scenario, simulate  # noqa: E402
from cxsim.decide.pools import DaskPool, Pool, ProcessPool  # noqa: E402
from cxsim.sweep import parse_sweep, run_sweep  # noqa: E402

SCENARIO = ROOT / "scenarios" / "baseline.toml"
POPULATION, WEEKS = map(int, os.environ.get("CXSIM_BENCH_SIZE", "10000,52").split(","))  # --population, --weeks


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


def timed_sweep(pool: Pool, text: str, workdir: Path) -> tuple[float, float, float]:
    """Seconds for a whole sweep into a new folder, the seconds its runs took inside the workers, and the
    processor seconds the sweep's own process used (all its threads: the part that a busy machine cannot blur)."""
    out = Path(tempfile.mkdtemp(dir=workdir))
    spec = parse_sweep(text, str(workdir / "bench.toml"))
    start, cpu = time.perf_counter(), time.process_time()
    report = run_sweep(spec, out / "results", pool)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert report.done == report.total and not len(report.failed), report
    with sqlite3.connect(out / "results" / "ledger.sqlite") as conn:
        in_workers = conn.execute("SELECT SUM(elapsed) FROM runs").fetchone()[0]
    shutil.rmtree(out)
    return elapsed, in_workers, cpu


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


def warm_text(workers: int) -> str:
    """A small sweep with a run for every worker (each one imports cxsim and loads the compiled engine)."""
    return sweep_text(max(2, 2 * workers), 2, 999)


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--direct":
        print(_direct(*map(int, sys.argv[2:])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=12, help="grid points (default 12)")
    parser.add_argument("--replications", type=int, default=4, help="runs per point (default 4)")
    parser.add_argument("--repeats", type=int, default=3, help="timings per figure; the median is kept (default 3)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                        help="local worker processes to time, e.g. 1 2 4 8 16 (default 1 2; 1 is always timed)")
    parser.add_argument("--dask-workers", type=int, nargs="*", default=[2],
                        help="Dask LocalCluster sizes to time (default 2; none: no Dask)")
    parser.add_argument("--no-direct", action="store_true", help="skip the direct loop (saves a 1-worker time)")
    parser.add_argument("--population", type=int, default=POPULATION, help="people per run (default 10,000)")
    parser.add_argument("--weeks", type=int, default=WEEKS, help="weeks per run (default 52)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results-sweep.md"), help="where to write the table")
    args = parser.parse_args()
    if (args.population, args.weeks) != (POPULATION, WEEKS):  # this process, its direct loop and its workers
        os.environ["CXSIM_BENCH_SIZE"] = f"{args.population},{args.weeks}"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    runs = args.points * args.replications
    workers = sorted(set([1, *args.workers]))
    workdir = Path(tempfile.mkdtemp(prefix="cxsim-bench-sweep-"))
    names = [f"{n} worker{'s' * (n > 1)}" for n in workers] + [f"Dask, {n} workers" for n in args.dask_workers]
    times: dict[str, list[float]] = {name: [] for name in (["direct"] if not args.no_direct else []) + names}
    machinery: list[float] = []  # 1 worker: wall time not spent running simulations, per run
    own_cpu: dict[str, list[float]] = {name: [] for name in names}  # the sweep process's processor time, per run
    load_before = os.getloadavg()[0]
    try:
        local = {f"{n} worker{'s' * (n > 1)}": (lambda n=n: ProcessPool(n)) for n in workers}
        dask = {f"Dask, {n} workers": (lambda n=n: DaskPool("local", n)) for n in args.dask_workers}
        # Local pools first, then Dask: a LocalCluster's scheduler lives in this process and would add its
        # own processor time to the local pools' figures.
        for phase, makers in (("local", local), ("Dask", dask)):
            if not makers:
                continue
            pools: dict[str, Pool] = {name: make() for name, make in makers.items()}
            for name, pool in pools.items():
                timed_sweep(pool, warm_text(pool.slots), workdir)  # start the workers, import, compile
                print(f"warmed {name}", file=sys.stderr, flush=True)
            for i in range(args.repeats):
                seed = i  # a new seed each repeat: new run ids, nothing reused
                if phase == "local" and not args.no_direct:
                    times["direct"].append(direct_seconds(args.points, args.replications, seed))
                for name, pool in pools.items():
                    wall, in_workers, cpu = timed_sweep(pool, sweep_text(args.points, args.replications, seed),
                                                        workdir)
                    times[name].append(wall)
                    own_cpu[name].append(cpu / runs)
                    if name == "1 worker":
                        machinery.append((wall - in_workers) / runs)
                print(f"{phase} repeat {i + 1}/{args.repeats}: "
                      + ", ".join(f"{k} {times[k][-1]:.2f}s" for k in pools), file=sys.stderr, flush=True)
            for pool in pools.values():
                pool.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    one = times["1 worker"]
    lines = [
        f"Sweeps: {runs} runs of {POPULATION:,} people x {WEEKS} weeks (baseline, every KPI), "
        f"{args.repeats} repeats: median [lowest, highest]; {os.cpu_count()} cores.",
        "",
        "| how | runs per second | seconds per run | scaling over 1 worker |",
        "|---|---:|---:|---:|",
    ]
    for name, values in times.items():
        rates = [runs / v for v in values]
        scaling = "" if name == "direct" else spread([a / b for a, b in zip(one, values, strict=True)]) + "x"
        lines.append(f"| {name} | {spread(rates)} | {spread([v / runs for v in values], '{:.4f}')} | {scaling} |")
    lines.append("")
    if not args.no_direct:
        direct = statistics.median(times["direct"]) / runs
        lines.append(f"- overhead per run of a 1-worker sweep against calling simulate directly: "
                     f"{(statistics.median(one) / runs / direct - 1) * 100:+.1f}%")
    lines.append(f"- the sweep's own cost per run (1 worker: wall time minus the time the runs took inside the "
                 f"worker, over the runs): {spread([m * 1000 for m in machinery], '{:.3f}')} ms")
    lines.append("- processor time of the sweep's own process per run (design, ledger, sending and collecting; "
                 "with Dask, its scheduler and client too): " + ", ".join(
                     f"{name} {spread([c * 1000 for c in values], '{:.3f}')} ms" for name, values in own_cpu.items()))
    lines.append(f"- load average of the machine (1 min) before and after: {load_before:.1f}, {os.getloadavg()[0]:.1f}")
    text = "\n".join(lines)
    print(text)
    Path(args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
