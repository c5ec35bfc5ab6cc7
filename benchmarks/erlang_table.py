"""Erlang C and Erlang A closed forms beside one week of ``cxsim.model.mechanisms.queueing.week_of_service``.

For a few contact-centre cases (contacts a week, handle time, agents, open hours,
target, patience) prints the steady-state closed form and what the weekly queue
step reports, then times the weekly step on arrays of 20 replications x 8
channels. Prints Markdown and writes ``benchmarks/results-erlang.md``.

    .venv/bin/python benchmarks/erlang_table.py [--repeats 200] [--out PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cxsim  # noqa: E402
from cxsim.model.mechanisms import queueing as q  # noqa: E402

# (label, contacts a week, handle minutes, agents, open hours, target seconds, patience minutes)
CASES = [
    ("voice, 4 agents, 80% load", 2_304, 5.0, 4, 60, 20, None),
    ("voice, 4 agents, 90% load", 2_592, 5.0, 4, 60, 20, None),
    ("voice, 25 agents", 12_000, 6.0, 25, 60, 20, None),
    ("voice, 22.5 agents (average)", 12_000, 6.0, 22.5, 60, 20, None),
    ("voice, 95 agents", 60_000, 5.0, 95, 60, 20, None),
    ("voice, 25 agents, patience 3 min", 12_000, 6.0, 25, 60, 20, 3.0),
    ("voice, 20 agents overloaded, patience 2 min", 14_000, 6.0, 20, 60, 20, 2.0),
    ("voice, 4 agents overloaded (backlog)", 4_000, 5.0, 4, 60, 20, None),
    ("email, 5 agents, 8 h target", 1_400, 8.0, 5, 40, 8 * 3600, None),
]


def closed_form(contacts, handle, agents, hours, target, patience) -> dict[str, float]:
    """Steady-state Erlang C (no patience) or Erlang A measures for one case."""
    load = contacts * handle / (hours * 60.0)
    if patience is None:
        return {"load": load, "p_wait": float(q.erlang_c(agents, load)), "p_abandon": 0.0,
                "service_level": float(q.erlang_c_service_level(agents, load, handle, target)),
                "mean_wait": float(q.erlang_c_mean_wait(agents, load, handle)),
                "occupancy": float(q.occupancy(agents, load))}
    res = q.erlang_a(agents, load, handle, patience, target)
    return {"load": load, "p_wait": float(res.p_wait), "p_abandon": float(res.p_abandon),
            "service_level": float(res.service_level), "mean_wait": float(res.mean_wait_minutes),
            "occupancy": float(res.occupancy)}


def simulated(contacts, handle, agents, hours, target, patience) -> dict[str, float]:
    """The simulator's weekly outputs on ``cxsim.scenario.presets.contact_centre`` (weeks 2-6, both engines)."""
    sc = cxsim.scenario.presets.contact_centre(contacts, handle, agents, hours, target, patience, weeks=6)
    out = {}
    for engine in ("fast", "agents"):
        ts = cxsim.simulate(sc, 1, seed=1, engine=engine, keep_customers=False).timeseries
        out[engine] = float(ts[ts["step"] == 2]["service_level"].iloc[0])
    return out


def fmt(x: float, digits: int = 3) -> str:
    """A number for the table; 'inf' (unstable) spelled out."""
    return "unstable (inf)" if not np.isfinite(x) else f"{x:.{digits}f}"


def table() -> list[str]:
    """Markdown rows: closed form beside the weekly step, one row per case."""
    lines = ["| case | load (Erl) | method | P(wait) | SL closed | SL week | mean wait closed (min) | "
             "mean wait week (min) | abandon closed | abandon week | carried | occupancy closed | occupancy week | "
             "SL simulator (fast / agents) |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label, contacts, handle, agents, hours, target, patience in CASES:
        cf = closed_form(contacts, handle, agents, hours, target, patience)
        wk = q.week_of_service(contacts, 0.0, agents, handle, hours, target, patience_minutes=patience)
        method = "Erlang C" if patience is None else "Erlang A"
        sim = simulated(contacts, handle, agents, hours, target, patience)
        lines.append(
            f"| {label} | {cf['load']:.2f} | {method} | {fmt(cf['p_wait'])} | {fmt(cf['service_level'])} | "
            f"{fmt(float(wk.service_level))} | {fmt(cf['mean_wait'], 2)} | {fmt(float(wk.mean_wait_minutes), 2)} | "
            f"{fmt(cf['p_abandon'])} | {fmt(float(wk.abandoned) / contacts)} | {float(wk.carried):,.0f} | "
            f"{fmt(cf['occupancy'])} | {fmt(float(wk.occupancy))} | {fmt(sim['fast'])} / {fmt(sim['agents'])} |")
    return lines


def timing(repeats: int) -> list[str]:
    """Median and spread of one weekly step on (20, 8) arrays, with and without patience and profile."""
    rng = np.random.default_rng(1)
    arrivals = rng.uniform(1_000, 20_000, (20, 8))
    agents = arrivals * 5.0 / 3600.0 * rng.uniform(0.9, 1.5, (20, 8))
    calls = {"Erlang C": {}, "Erlang A (patience 3 min)": {"patience_minutes": 3.0},
             "Erlang C, 60 hourly slots": {"profile": np.ones(60)}}
    lines = ["| weekly step, 20 x 8 arrays | median (ms) | min-max (ms) |", "|---|---:|---:|"]
    for name, kwargs in calls.items():
        q.week_of_service(arrivals, 0.0, agents, 5.0, 60, 20, **kwargs)  # warm-up (numba compiles)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            q.week_of_service(arrivals, 0.0, agents, 5.0, 60, 20, **kwargs)
            times.append((time.perf_counter() - start) * 1e3)
        lines.append(f"| {name} | {statistics.median(times):.3f} | {min(times):.3f}-{max(times):.3f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200, help="timed calls per case (median reported)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-erlang.md",
                        help="where to write the Markdown")
    args = parser.parse_args(argv)
    text = "\n".join(["Closed form (steady state) beside one week of the queue step and the simulator's week 2 "
                      "on `cxsim.scenario.presets.contact_centre` (both engines); SL = share of all contacts answered within "
                      "the target.", "", *table(), "",
                      f"Machine: {os.cpu_count()} cores; {args.repeats} calls per case.", "", *timing(args.repeats)])
    print(text)
    args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
