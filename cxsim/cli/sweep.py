"""The ``cxsim sweep`` and ``cxsim sensitivity`` commands."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from cxsim.cli.common import check_output, make_pool, print_json, write_table
from cxsim.core.errors import UserError, bounded
from cxsim.core.formatting import number
from cxsim.decide.pools import check_address

EXIT_FAILED_RUNS = 1
EXIT_INTERRUPTED = 130
LOG_EVERY = 30.0  # seconds between progress lines when stderr is not a terminal

SWEEP_USAGE = """cxsim sweep FILE --out DIR [--workers N] [--scheduler ADDRESS|local]
       cxsim sweep export DIR OUT.csv|OUT.parquet [--timeseries]"""
SWEEP_EPILOG = """Re-running the same command on the same DIR resumes: finished runs are skipped.
Examples:
  cxsim sweep scenarios/sweeps/budget_split.toml --out sweeps/split
  cxsim sweep scenarios/sweeps/budget_split.toml --out sweeps/split --scheduler tcp://scheduler-host:8786
  cxsim sweep export sweeps/split split.csv
  cxsim sensitivity sweeps/split"""


def add_sweep_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``cxsim sweep`` (both forms)."""
    p.usage = SWEEP_USAGE
    p.epilog = SWEEP_EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("file", metavar="FILE", help="sweep file (TOML; see docs/sweeps.md), or `export`")
    p.add_argument("rest", nargs="*", metavar="DIR OUT", help="export only: the results folder and the output file")
    p.add_argument("--out", "-o", metavar="DIR", help="results folder (created, or resumed when it holds this sweep)")
    p.add_argument("--workers", "-w", type=int, metavar="N",
                   help="worker processes (default: one per core); with --scheduler local, Dask workers")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask cluster: its scheduler's address (tcp://host:8786), or `local` "
                        "to start a local Dask cluster")
    p.add_argument("--timeseries", action="store_true", help="export only: export the weekly metrics instead of KPIs")


class _Progress:
    """A progress bar with rate and ETA on a terminal; a line every 30 seconds otherwise."""

    def __init__(self, desc: str) -> None:
        self.desc = desc
        self.bar = None
        self.start = time.monotonic()
        self.first = 0
        self.last_log = self.start

    def __call__(self, finished: int, total: int) -> None:
        if self.bar is None:
            from cxsim.core.progress import progress_bar

            self.bar = progress_bar(total, self.desc)
            self.bar.n = self.bar.last_print_n = self.bar.initial = self.first = finished
            self.bar.refresh()
            return
        self.bar.update(finished - self.bar.n)
        now = time.monotonic()
        if self.bar.disable and now - self.last_log >= LOG_EVERY:
            self.last_log = now
            rate = (finished - self.first) / (now - self.start)
            eta = (total - finished) / rate if rate > 0 else float("nan")
            print(f"{self.desc}: {finished}/{total} runs, {rate:.2f} runs/s, about {_duration(eta)} left",
                  file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _duration(seconds: float) -> str:
    if seconds != seconds:  # nan
        return "?"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


def run_sweep_command(args: argparse.Namespace) -> int:
    """``cxsim sweep``: run or resume a sweep, or export its results."""
    if args.file == "export":
        return _export(args)
    if args.rest:
        raise UserError(f"sweep: unexpected arguments {' '.join(args.rest)} (usage: {SWEEP_USAGE.splitlines()[0]})")
    if not args.out:
        raise UserError(f"{args.file}: --out DIR is required: the folder the results stream to")
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers: expected an integer >= 1, got {args.workers}")
    if args.scheduler:
        check_address(args.scheduler)
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise UserError(f"{bounded(args.out)}: --out: expected a folder for the sweep's results, found a file")
    from cxsim.scenario import read_toml_text
    from cxsim.sweep.design import build_design
    from cxsim.sweep.runner import run_sweep
    from cxsim.sweep.spec import parse_sweep

    text = read_toml_text(args.file, "sweep")
    spec = parse_sweep(text, args.file)
    design = build_design(spec)  # every value checked before anything is written
    progress = _Progress(spec.name)
    try:
        report = run_sweep(spec, args.out, lambda: make_pool(args), design, text, progress)
    finally:
        progress.close()
    _summary(spec, report)
    if report.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED_RUNS if len(report.failed) else 0


def _summary(spec, report) -> None:
    """What the sweep did, the failures, and the KPIs over the runs."""
    from cxsim.sweep.store import kpi_summary

    s = spec.file.sweep
    points = report.total // max(1, len(spec.arms) * s.replications)
    print(f"sweep {spec.name!r}: {report.total} runs ({points} points x {len(spec.arms)} variant"
          f"{'s' if len(spec.arms) > 1 else ''} x {s.replications} replications) -> {report.out}")
    if report.ran or not report.done_before:
        print(f"  {report.ran} run{'s' if report.ran != 1 else ''} done now in {_duration(report.elapsed)} on "
              f"{report.pool or 'no workers'} ({report.rate:.2f} runs/s); {report.done_before} were done before")
    else:
        print("  every run was already done")
    for note in report.notes:
        print(f"  repaired: {note}")
    if report.retried:
        print(f"  {report.retried} failed attempt{'s' if report.retried > 1 else ''} retried")
    if report.interrupted:
        print(f"  interrupted: {report.done} of {report.total} runs are saved; run the same command to resume")
    if len(report.failed):
        print(f"  {len(report.failed)} run{'s' if len(report.failed) > 1 else ''} failed after "
              f"{s.retries + 1} attempts (kept in the ledger; the same command tries them again):")
        for _, f in report.failed.head(10).iterrows():
            print(f"    {f['run_id']} ({f['variant']}, replication {f['replication']}, {f['overrides']}): {f['error']}")
        if len(report.failed) > 10:
            print(f"    ... and {len(report.failed) - 10} more (cxsim.sweep.failures({str(report.out)!r}))")
    summary = kpi_summary(report.out)
    if summary.empty:
        return
    print(f"\nKPIs over {int(summary['runs'].sum())} finished runs: mean [min, max]")
    table = {variant: {k: f"{number(row[k + '_mean'])} [{number(row[k + '_min'])}, {number(row[k + '_max'])}]"
                       for k in spec.file.outputs.kpis} for variant, row in summary.iterrows()}
    import pandas as pd
    print(pd.DataFrame(table).to_string())


def _export(args: argparse.Namespace) -> int:
    from cxsim.sweep.store import load_results, load_timeseries

    if len(args.rest) != 2:
        raise UserError("sweep export: expected a results folder and an output file: "
                        "cxsim sweep export DIR OUT.csv|OUT.parquet")
    folder, target = args.rest
    check_output(target, (".csv", ".parquet"), stdout=True)
    frame = load_timeseries(folder) if args.timeseries else load_results(folder)
    write_table(frame, target)
    print(f"{len(frame):,} rows -> {target if target != '-' else 'standard output'}",
          file=sys.stderr if target == "-" else sys.stdout)
    return 0


# --- sensitivity ----------------------------------------------------------------------

def add_sensitivity_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of ``cxsim sensitivity``."""
    p.epilog = ("The method follows the sweep's design: sobol -> Sobol S1/ST; morris -> Morris mu*/sigma; "
                "lhs -> RBD-FAST S1; grid -> main and total effects. With two or more variants it also says "
                "where one beats the other (scenario discovery).")
    p.add_argument("dir", metavar="DIR", help="results folder of a finished sweep")
    p.add_argument("--kpi", action="append", metavar="KPI", help="analyse this KPI (repeatable; default: all kept)")
    p.add_argument("--html", metavar="PATH", help="write the page here (default: DIR/sensitivity.html)")
    p.add_argument("--table", metavar="OUT", help="also write the indices as .csv or .parquet")
    p.add_argument("--versus", nargs=2, metavar=("A", "B"),
                   help="variants to compare: where does B beat A? (default: 'more ads' 'more people' when "
                        "both are run, else the first two)")
    p.add_argument("--target", default="npv", metavar="KPI",
                   help="KPI that decides who wins in scenario discovery (default npv)")
    p.add_argument("--depth", type=int, default=2, help="how many conditions a finding may combine (default 2)")
    p.add_argument("--json", action="store_true", help="print the indices and findings as JSON instead of text")


def run_sensitivity_command(args: argparse.Namespace) -> int:
    """``cxsim sensitivity``: indices per KPI, scenario discovery, a table and an HTML page."""
    from cxsim.report.sweep_page import write_page
    from cxsim.sweep.analysis import display, headline, sensitivity
    from cxsim.sweep.discovery import choose_pair, discover
    from cxsim.sweep.store import load_design, load_results, read_spec

    if args.depth < 1:
        raise UserError(f"--depth: expected an integer >= 1, got {args.depth}")
    spec = read_spec(args.dir)
    html_path = Path(args.html) if args.html else Path(args.dir) / "sensitivity.html"
    check_output(html_path, (".html",), "--html")
    if args.table:
        check_output(args.table, (".csv", ".parquet"), "--table", stdout=True)
    results, design = load_results(args.dir), load_design(args.dir)
    pair = choose_pair(spec, tuple(args.versus) if args.versus else None) if len(spec.arms) > 1 or args.versus \
        else None
    result = sensitivity(results, design, spec, args.kpi, pair)
    found = discover(results, spec, args.target, pair, depth=args.depth) if pair else None
    write_page(html_path, spec, result, found, len(results))
    if args.table:
        write_table(result.table, args.table)
    if args.json:
        print_json({"sweep": spec.name, "runs": len(results), "points": len(design), "method": result.method,
                    "indices": result.table.to_dict(orient="records"), "notes": list(result.notes),
                    "discovery": None if found is None else {"a": found.a, "b": found.b, "kpi": found.kpi,
                                                             "findings": list(found.sentences),
                                                             "boxes": list(found.boxes)},
                    "page": str(html_path)})
        return 0
    labels = {n: p.label for n, p in spec.parameters.items() if p.label}
    echo = sys.stderr if args.table == "-" else sys.stdout  # the table has standard output to itself
    print(f"{spec.name}: {len(results)} runs, {len(design)} points, method {result.method}", file=echo)
    for variant in dict.fromkeys(result.table["variant"]):
        print(f"\n== {variant} ==", file=echo)
        for kpi in dict.fromkeys(result.table["kpi"]):
            print(f"  {headline(result, variant, kpi, labels)}", file=echo)
        print(display(result, variant, labels).to_string(), file=echo)
    for note in result.notes:
        print(f"note: {note}", file=echo)
    if found is not None:
        print(f"\n== where {found.b} beats {found.a} ({found.kpi}) ==", file=echo)
        for sentence in found.sentences:
            print(f"- {sentence}", file=echo)
        if found.boxes:
            print("\nPRIM boxes (each variant's own region; coverage: share of its wins inside, density: share "
                  "of the box it wins):", file=echo)
            for sentence in found.boxes:
                print(f"- {sentence}", file=echo)
    print(f"\npage -> {html_path}", file=echo)
    if args.table and args.table != "-":
        print(f"indices -> {args.table}", file=echo)
    return 0
