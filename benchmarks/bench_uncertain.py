"""Benchmark of decisions under uncertainty: `cxsim advise SCENARIO --uncertain` end to end, on 1..N workers and Dask.

Run with ``.venv/bin/python benchmarks/bench_uncertain.py`` (the flagship, 100 worlds, 1 and 2 local
workers and a local Dask cluster of 2), or on a bigger machine, e.g. ``--workers 1 2 4 8 16
--dask-workers 16``. Each timing is the whole command as a user runs it (a fresh process: imports, the
worker pool's start, every plan in every world, the verdict), so it is what the issue's bar speaks of:
"`cxsim advise scenarios/people_vs_ads.toml --uncertain` over 100 draws in at most 5 minutes on this
2-core machine".

Each figure is the median of ``--repeats`` timings with the spread (lowest and highest); the
configurations are interleaved within a repeat so that drifts of the machine's load touch them alike.
The load average is recorded before and after: on a shared machine the figures are upper bounds.
The processor seconds (user + system, of the command and every worker process it started and
waited for; a Dask cluster's processes included) move little with other jobs on the machine: on a
quiet machine the wall time of a run that keeps C cores busy is about that over C.
Prints a Markdown table and writes it to ``benchmarks/results-uncertain.md`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from timings import spread

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "scenarios/people_vs_ads.toml"


def timed(extra: list[str], draws: int, replications: int | None, scenario: str) -> tuple[float, float, dict]:
    """Wall seconds for one `cxsim advise --uncertain`, the processor seconds it and its workers used, its answer."""
    command = [sys.executable, "-m", "cxsim.cli.main", "advise", scenario, "--uncertain", "--draws", str(draws),
               "--json", *extra]
    if replications:
        command += ["--replications", str(replications)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=SCENARIO)
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--replications", type=int, default=None, help="per plan and world (default: advise's)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--dask-workers", type=int, nargs="*", default=[2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results-uncertain.md"))
    args = parser.parse_args()

    configs = {f"{n} worker{'s' if n > 1 else ''}": ["--workers", str(n)] for n in args.workers}
    configs |= {f"Dask, {n} workers": ["--scheduler", "local", "--workers", str(n)] for n in args.dask_workers}
    load_before = os.getloadavg()[0]
    times: dict[str, list[float]] = {name: [] for name in configs}
    cpus: dict[str, list[float]] = {name: [] for name in configs}
    answers = {}
    for r in range(args.repeats):
        for name, extra in configs.items():
            seconds, cpu, answer = timed(extra, args.draws, args.replications, args.scenario)
            times[name].append(seconds)
            cpus[name].append(cpu)
            answers[name] = answer
            print(f"repeat {r + 1}, {name}: {seconds:.1f} s (load {os.getloadavg()[0]:.1f})", file=sys.stderr)
    load_after = os.getloadavg()[0]
    verdicts = {a["verdict"] for a in answers.values()}
    answer = next(iter(answers.values()))
    plans = 1 + len(answer["options"])
    runs = plans * args.draws * answer["replications_per_world"]
    first = next(iter(configs))
    lines = [
        f"`cxsim advise {args.scenario} --uncertain --draws {args.draws}`: {plans} plans x {args.draws} worlds x "
        f"{answer['replications_per_world']} replications = {runs:,} runs of the scenario; {args.repeats} repeats, "
        f"median [lowest, highest]; {os.cpu_count()} cores.",
        "",
        "| how | seconds (whole command) | processor seconds | runs per second | speed-up over the first |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, values in times.items():
        rates = [runs / v for v in values]
        ups = [a / b for a, b in zip(times[first], values, strict=True)]
        cells = [spread(figures, "{:.1f}") for figures in (values, cpus[name], rates, ups)]
        lines.append(f"| {name} | {cells[0]} | {cells[1]} | {cells[2]} | {cells[3]}x |")
    lines += ["", f"- the same answer on every configuration: {'yes' if len(verdicts) == 1 else 'NO'}",
              f"- verdict: {answer['verdict']}",
              f"- load average of the machine (1 min) before and after: {load_before:.1f}, {load_after:.1f}"]
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
