"""Benchmarks of `cxsim calibrate history` (not CI tests): coverage, the held-out check, and speed.

coverage: simulation-based calibration (Talts et al. 2018). Truths drawn from the
    prior, a synthetic history made from each, a calibration of each; the share
    of 90% posterior intervals that contain the truth, per key (bar: 80-97%).
example: the shipped example (6 keys, 104 weeks, 10,000 people) fitted on weeks
    1-78 (``--holdout 26``): wall time, and the share of weeks 79-104 whose
    observed new_customers and active lie in the 90% posterior-predictive band
    (bar: >= 80%). ``--firm``: the firm-sized example (a million people, its history
    made with every person simulated) fitted at the automatic scale.

Run from the repository root (the machine's load is printed with each result):

    .venv/bin/python benchmarks/bench_calibration.py coverage --histories 20 --workers 2
    .venv/bin/python benchmarks/bench_calibration.py example --workers 2
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from cxsim.calibrate.adjustment import LastGeneration  # noqa: E402
from cxsim.calibrate.calibration import calibrate, prepare  # noqa: E402
from cxsim.calibrate.history import read_history  # noqa: E402
from cxsim.calibrate.inference import Budget, posterior_draws  # noqa: E402
from cxsim.calibrate.posterior import summary_table  # noqa: E402
from cxsim.calibrate.priors import load_priors  # noqa: E402
from cxsim.calibrate.synthetic import company_history  # noqa: E402
from cxsim.decide.pools import ProcessPool  # noqa: E402
from cxsim.scenario import load_scenario  # noqa: E402

BASE = ROOT / "scenarios" / "data" / "company_base.toml"
HISTORY = ROOT / "scenarios" / "data" / "company_history.csv"
FIRM_BASE = ROOT / "scenarios" / "data" / "firm_base.toml"
FIRM_HISTORY = ROOT / "scenarios" / "data" / "firm_history.csv"
RESULTS = ROOT / "benchmarks" / "results-calibration.md"


def write_result(text: str, *design: str) -> None:
    """Put a run's section on the results page in place of the last run of the same design (else at the end):
    the page holds the latest run of each design. ``design``: the parts of a section that name it."""
    head, *sections = RESULTS.read_text(encoding="utf-8").split("\n## ")
    new = text.strip("\n").removeprefix("## ")
    same = [i for i, s in enumerate(sections) if all(part in s for part in design)]
    if same:
        sections[same[0]] = new
        sections = [s for i, s in enumerate(sections) if i not in same[1:]]
    else:
        sections.append(new)
    RESULTS.write_text("\n## ".join([head.rstrip("\n") + "\n", *(s.rstrip("\n") + "\n" for s in sections)]),
                       encoding="utf-8")


def markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    """A DataFrame (index included) as a Markdown table."""
    frame = frame.reset_index()
    cell = lambda v: f"{v:.{digits}g}" if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def coverage_table(frame: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
    """Per key: intervals holding the truth, their share with its 90% Clopper-Pearson interval, and where the
    misses fell (truth below the interval, or above); ``prefix`` "abc_" for the particles before adjustment."""
    from scipy import stats

    def one(group: pd.DataFrame) -> pd.Series:
        if prefix:
            group = group[["truth"] + [c for c in group if c.startswith(prefix)]]
            group = group.rename(columns=lambda c: c.removeprefix(prefix))
        n, k = len(group), int(group.inside.sum())
        low = stats.beta.ppf(0.05, k, n - k + 1) if k > 0 else 0.0
        high = stats.beta.ppf(0.95, k + 1, n - k) if k < n else 1.0
        return pd.Series({"histories": n, "inside": k, "coverage": f"{k / n:.0%}",
                          "coverage_90ci": f"{low:.0%}-{high:.0%}",
                          "truth_below": int((group.truth < group.low_5).sum()),
                          "truth_above": int((group.truth > group.high_95).sum()),
                          "median_contraction": group.contraction.median()})

    return pd.DataFrame({key: one(group) for key, group in frame.groupby("key", sort=False)}).T.rename_axis("key")


def interval_rows(history: int, truth: dict[str, float], generation: LastGeneration, priors: dict,
                  spent: dict) -> list[dict]:
    """Per key: the 90% interval of the posterior (regression-adjusted) and of the ABC particles as they are."""
    tables = {name: summary_table(posterior_draws(generation, list(priors.values()), regression)[0], priors)
              .set_index("key") for name, regression in (("", True), ("abc_", False))}
    rows = []
    for k in priors:
        row = {"history": history, "key": k, "truth": truth[k]}
        for name, table in tables.items():
            low, high = table.loc[k, "low_5"], table.loc[k, "high_95"]
            row |= {f"{name}low_5": low, f"{name}high_95": high, f"{name}inside": bool(low <= truth[k] <= high),
                    f"{name}contraction": table.loc[k, "contraction"]}
        rows.append(row | spent)
    return rows


def coverage(args: argparse.Namespace) -> None:
    from make_company_history import FIT, past_spends

    keys = FIT[: args.keys]
    priors = load_priors(keys, scenario=load_scenario(BASE))
    base = load_scenario(BASE).with_overrides({"market.population": args.population, "market.weeks": args.weeks,
                                               **past_spends(args.weeks)})
    Path(args.tmp).mkdir(parents=True, exist_ok=True)
    saved = Path(args.tmp) / "coverage.csv"
    rows = pd.read_csv(saved).to_dict("records") if args.resume and saved.exists() else []
    finished = {row["history"] for row in rows}
    with ProcessPool(args.workers) as pool:
        for i in range(args.histories):
            if i in finished:
                continue
            rng = np.random.default_rng(np.random.SeedSequence([args.seed, i]))
            truth = {k: float(p.to_value(rng.uniform(*p.bounds))) for k, p in priors.items()}
            generation = Path(args.tmp) / f"generation_{i}.npz"
            start = time.perf_counter()
            if not generation.exists():
                frame = company_history(base, truth, seed=10_000 + i)
                path = Path(args.tmp) / f"history_{i}.csv"
                frame.to_csv(path, index=False)
                plain = load_scenario(BASE).with_overrides({"market.population": args.population})
                problem = prepare(read_history(path, plain), plain, keys)
                result = calibrate(problem, pool, args.particles, Budget(args.simulations, 60), seed=i, runs=20)
                result.check.posterior.last.save(generation)
                spent = {"simulations": result.check.posterior.simulations, "seconds": time.perf_counter() - start}
            else:  # a calibration saved by an earlier run: re-analysed, not re-run
                spent = {"simulations": np.nan, "seconds": np.nan}
            rows += interval_rows(i, truth, LastGeneration.load(generation), priors, spent)
            done = pd.DataFrame(rows)
            done.to_csv(saved, index=False)
            print(f"history {i + 1}/{args.histories}: inside {done[done.history == i].inside.mean():.0%}, "
                  f"{time.perf_counter() - start:.0f} s, {load()}", flush=True)
    frame = pd.DataFrame(rows)
    table = coverage_table(frame)
    design = (f"Market of {args.population:,} people, {args.weeks} weeks, {len(keys)} keys, {args.particles} particles, "
              f"budget {args.simulations:,} simulations, {args.workers} workers")
    text = (f"\n## Coverage of 90% intervals ({args.histories} histories, truths from the prior)\n\n"
            f"{design}; {load()} at the end; median "
            f"{frame.groupby('history').seconds.first().median():.0f} s per calibration.\n\n"
            "The posterior (regression-adjusted):\n\n" + markdown(table)
            + "\n\nThe ABC particles before the adjustment:\n\n" + markdown(coverage_table(frame, "abc_"))
            + "\n\nCommand: `.venv/bin/python benchmarks/bench_calibration.py "
            + " ".join(sys.argv[1:]) + "`\n")
    print(text)
    write_result(text, design)


def example(args: argparse.Namespace) -> None:
    from make_company_history import FIRM_TRUTH, FIT, TRUTH

    base = load_scenario(FIRM_BASE if args.firm else BASE)
    problem = prepare(read_history(FIRM_HISTORY if args.firm else HISTORY, base), base, FIT, holdout=args.holdout)
    before = load()
    start = time.perf_counter()
    with ProcessPool(args.workers) as pool:
        result = calibrate(problem, pool, args.particles, Budget(args.simulations, args.minutes), seed=args.seed)
    seconds = time.perf_counter() - start
    check = result.check
    table = check.table.set_index("key")
    table["truth"] = pd.Series(FIRM_TRUTH if args.firm else TRUTH)
    table["inside"] = (table.low_5 <= table.truth) & (table.truth <= table.high_95)
    held = check.holdout_coverage
    which = (f"The firm-sized example ({base.population:,} people at the automatic scale, {base.scale:g})" if args.firm
             else "The shipped example")
    text = (f"\n## {which}, {len(FIT)} keys, fitted on weeks 1-{problem.fit_weeks} of 104\n\n"
            f"{seconds / 60:.1f} minutes wall ({check.posterior.simulations:,} simulations, {args.particles} particles, "
            f"{args.workers} workers); {before} before, {load()} after; stopped: {check.posterior.stopped}.\n\n"
            f"Held-out weeks {problem.fit_weeks + 1}-104 inside the 90% posterior-predictive band: "
            + ", ".join(f"{k} {v:.0%}" for k, v in held.items()) + "\n\n"
            + table[["truth", "median", "low_5", "high_95", "inside", "contraction"]].pipe(markdown, 4)
            + "\n\nCommand: `.venv/bin/python benchmarks/bench_calibration.py " + " ".join(sys.argv[1:]) + "`\n")
    print(text)
    if args.out:
        result.write(args.out)
    write_result(text, f"{which}, {len(FIT)} keys, fitted on weeks 1-{problem.fit_weeks} of 104\n\n",
                 f"particles, {args.workers} workers)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    c = sub.add_parser("coverage")
    c.add_argument("--histories", type=int, default=20)
    c.add_argument("--keys", type=int, default=6)
    c.add_argument("--population", type=int, default=2_000)
    c.add_argument("--weeks", type=int, default=52)
    c.add_argument("--particles", type=int, default=100)
    c.add_argument("--simulations", type=int, default=2_000)
    c.add_argument("--workers", type=int, default=2)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--tmp", default="/tmp", help="folder for the histories, coverage.csv and each calibration's last generation "
                   "(generation_N.npz), written after each one; a saved generation is re-analysed, not re-run")
    c.add_argument("--resume", action="store_true", help="skip the histories already in TMP/coverage.csv")
    e = sub.add_parser("example")
    e.add_argument("--holdout", type=int, default=26)
    e.add_argument("--particles", type=int, default=200)
    e.add_argument("--simulations", type=int, default=6_000)
    e.add_argument("--minutes", type=float, default=20.0)
    e.add_argument("--workers", type=int, default=2)
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--out", help="also write the calibration folder here")
    e.add_argument("--firm", action="store_true", help="the firm-sized example (scenarios/data/firm_*) instead")
    args = parser.parse_args()
    coverage(args) if args.what == "coverage" else example(args)


if __name__ == "__main__":
    main()
