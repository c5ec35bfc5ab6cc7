"""The ``cxsim`` command line.

Each subcommand is a pair: a function that adds its arguments and one that
runs it. A user's mistake (a ``UserError``) prints one clear message and exits
with code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from textwrap import fill

from cxsim.cli.common import (
    EXIT_USER_ERROR,
    STDOUT,
    TABLES,
    WIDTH,
    WORKERS,
    Parser,
    add_run_options,
    add_uncertainty_options,
    check_output,
    integer,
    make_pool,
    parse_set,
    print_json,
    replications_of,
    scale_lines,
    warning_lines,
    write_table,
)
from cxsim.core.errors import UserError, bounded, error_text
from cxsim.core.outputs import write_text
from cxsim.core.progress import progress_bar
from cxsim.core.validation import MAX_MAGNITUDE
from cxsim.decide.stats import WORLD_REPLICATIONS

EXTRAS = {"SALib": "sweep", "sklearn": "sweep", "dask": "sweep", "distributed": "sweep", "streamlit": "app",
          "ema_workbench": "decide", "cma": "decide", "pyabc": "calibrate"}


# --- run --------------------------------------------------------------------------

def _add_run(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="scenario file (TOML)")
    p.add_argument("--variant", help="run this variant of the file instead of its base")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a field, e.g. --set advertising.weekly_spend=5000 (repeatable)")
    add_run_options(p)
    p.add_argument("--out", "-o", required=True, help="time series output: OUT.csv or OUT.parquet, or - for CSV "
                                                       "on standard output (the summary then goes to stderr)")
    p.add_argument("--customers", help="also write each customer's final state: FILE.csv or FILE.parquet")


def _run(args: argparse.Namespace) -> int:
    from cxsim.model.simulate import simulate
    from cxsim.scenario import load_scenario

    scenario = load_scenario(args.file, args.variant).with_overrides(parse_set(args.set, args.file),
                                                                       where=f"{args.file} (--set)")
    check_output(args.out, TABLES, "--out", stdout=True)
    if args.customers:
        check_output(args.customers, TABLES, "--customers")
        if args.out != STDOUT and Path(args.customers).resolve() == Path(args.out).resolve():
            raise UserError(f"{bounded(args.customers)}: --customers: expected a file other than --out")
    with progress_bar(args.replications, scenario.name) as bar:
        res = simulate(scenario, args.replications, args.seed, args.engine,
                       keep_customers=bool(args.customers), progress=bar.update)
    write_table(res.timeseries, args.out)
    if args.customers:
        write_table(res.customers, args.customers)
    summary = res.summary().drop(columns="replication").agg(["mean", "std"]).T
    out = sys.stderr if args.out == STDOUT else sys.stdout
    print(f"{scenario.name}: {res.replications} replications, {scenario.weeks} weeks, "
          f"{scenario.population:,} people -> {'standard output' if args.out == STDOUT else args.out}", file=out)
    for line in scale_lines([scenario]) + warning_lines(res.thin_results()):
        print(line, file=out)
    print(summary.to_string(float_format=lambda x: f"{x:,.2f}"), file=out)
    return 0


# --- compare ----------------------------------------------------------------------

def _add_compare(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", help="scenario files; each file's base and all its variants are compared")
    add_run_options(p, replications=20, per_world=WORLD_REPLICATIONS)
    p.add_argument("--kpi", choices=("value", "profit", "npv", "customers", "revenue", "active"), default="value",
                   help="what the verdict ranks by (default value = NPV + the plan continued after the horizon)")
    p.add_argument("--report", help="write a self-contained HTML report with charts to this path")
    p.add_argument("--table", help="write the KPI table (means, intervals, differences) as .csv or .parquet; "
                                   "under uncertainty, the robust table (one row per plan)")
    p.add_argument("--json", action="store_true", help="print the KPI table as JSON instead of text")
    add_uncertainty_options(p)
    p.add_argument("--discover", action="store_true",
                   help="under uncertainty: where each plan wins, as boxes over the uncertain assumptions (PRIM)")


def _compare(args: argparse.Namespace) -> int:
    from cxsim.cli.advise import run_robust_compare, worlds_from_args
    from cxsim.decide.compare import compare, display_table, fit_width, scenarios_from_files, value_split
    from cxsim.model.results import thin_warnings
    from cxsim.report.pages import write_report

    scenarios = scenarios_from_files(args.files)
    if args.table:
        check_output(args.table, TABLES, "--table")
    if args.report:
        check_output(args.report, (".html",), "--report")
    worlds = worlds_from_args(args, scenarios[0])
    if worlds is not None:
        return run_robust_compare(args, scenarios, worlds, replications_of(args, True))
    args.replications = replications_of(args, False)
    with progress_bar(args.replications * len(scenarios), "compare") as bar:
        comparison = compare(scenarios, args.replications, args.seed, args.engine, progress=bar.update,
                             workers=args.workers or os.cpu_count() or 1)
    table = comparison.table()
    if args.table:
        write_table(table, args.table)
    if args.report:
        write_report(comparison, args.report)
    if args.json:
        print_json({"verdict": comparison.verdict(args.kpi) if len(scenarios) > 1 else None,
                    "why": comparison.why(args.kpi) or None,
                    "decomposition": {label: d.to_dict() for label, d in comparison.decompositions().items()},
                    "scenarios": comparison.labels,
                    "replications": args.replications, "seed": args.seed, "engine": args.engine,
                    "kpis": table.to_dict(orient="records"),
                    **({"scale": {s.name: s.scale for s in scenarios}, "simulated_people":
                        {s.name: s.simulated_population for s in scenarios}}
                       if any(s.scale != 1 for s in scenarios) else {})})
        return 0
    split = value_split(table, scenarios[0].weeks, scenarios[0].config.economics.currency)
    if len(scenarios) > 1:
        print(fill(comparison.verdict(args.kpi), WIDTH))
        print(fill(comparison.why(args.kpi), WIDTH))
    if split:
        print(fill(split, WIDTH))
    print(f"\n{len(scenarios)} scenarios x {args.replications} replications, seed {args.seed}, engine {args.engine}.")
    for line in scale_lines(scenarios) + warning_lines(thin_warnings(comparison.results, comparison.labels)):
        print(line)
    print("\nKPIs at the horizon: mean [5%, 95% of runs]")
    print(fit_width(display_table(table, "mean"), WIDTH))
    if len(scenarios) > 1:
        print(f"\nDifference from {comparison.labels[0]!r}: mean [90% confidence interval], paired by seed")
        print(fit_width(display_table(table, "diff"), WIDTH))
    if args.table:
        print(f"\nKPI table -> {args.table}")
    if args.report:
        print(f"\nreport -> {args.report}")
    return 0


# --- validate and schema ------------------------------------------------------------

def _add_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", help="scenario files to check")


def _validate(args: argparse.Namespace) -> int:
    from cxsim.scenario import load_scenario

    failed = 0
    for path in args.files:
        try:
            sc = load_scenario(path)
        except UserError as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        print(f"ok: {path} (base {sc.name!r}, {len(sc.variants)} variants)")
    return EXIT_USER_ERROR if failed else 0


def _add_schema(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("markdown", "json"), default="markdown",
                   help="markdown reference (default) or JSON Schema")


def _schema(args: argparse.Namespace) -> int:
    from cxsim.scenario.reference import json_schema, markdown_reference

    print(markdown_reference() if args.format == "markdown" else json_schema())
    return 0


# --- optimize -----------------------------------------------------------------------

def _add_optimize(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="scenario file (TOML)")
    p.add_argument("--variant", help="split the budget of this variant of the file instead of its base")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a field, e.g. --set purchase.price=70 (repeatable)")
    p.add_argument("--budget", "-b", type=float, nargs="+", metavar="B",
                   help="total weekly budget(s) to split between service and ads, e.g. --budget 4500 6000 7500 "
                        "(default: the scenario's own ads + service spend); with --levers one budget, "
                        "default today's spend on those levers")
    p.add_argument("--kpi", choices=("value", "profit", "npv", "customers", "revenue", "active", "satisfaction",
                                     "nps"), default="value", metavar="KPI",
                   help="what to maximise: value = NPV + the plan continued after the horizon (default), profit, npv or customers won; "
                        "with --levers also revenue, active, satisfaction, nps")
    p.add_argument("--training-share", type=float, metavar="F",
                   help="part of the service money spent on training, 0-1 (default: as in the scenario)")
    p.add_argument("--grid", type=int, default=11,
                   help="evenly spaced shares run before the search refines the best (default 11: 0%%, 10%%, ..., 100%%)")
    multi = p.add_argument_group(
        "many levers", "With --levers, one weekly budget is shared over several levers by CMA-ES, every plan run with "
                       "the same seed (common random numbers); without it, the two-lever frontier (service vs ads).")
    multi.add_argument("--levers", nargs="+", metavar="KEY",
                       help="levers to share the budget: advertising.weekly_spend, service.weekly_spend, "
                            "service.training_weekly_spend, employees.weekly_spend (with employees.enabled), "
                            "channels.NAME (a channel's staff); or ads, staff, training, people")
    multi.add_argument("--bounds", nargs="+", metavar="KEY=LOW:HIGH",
                       help="a lever's weekly spend range, e.g. advertising.weekly_spend=1000:6000 "
                            "(default 0 to the budget)")
    multi.add_argument("--objective", choices=("mean", "p10", "cvar"), default="mean",
                       help="how a plan's runs reduce to one number: mean (default), p10 (10th percentile) or "
                            "cvar (mean of the worst 10%%)")
    multi.add_argument("--evaluations", type=integer(10, 100_000), default=240, metavar="N",
                       help="plans the search runs at most (default 240: about 30 generations for 4 levers)")
    multi.add_argument("--workers", "-w", type=WORKERS, default=None,
                       help="processes running a generation's plans side by side, one thread each (default: one per "
                            "core; 1: this process, its threads on every core); with --scheduler local, Dask workers")
    multi.add_argument("--scheduler", metavar="ADDRESS",
                       help="run the plans on a Dask cluster: its scheduler's address (tcp://host:8786), or `local`")
    multi.add_argument("--uncertain", action="store_true",
                       help="weigh every plan over plausible worlds of the assumptions: the scenario's [uncertainty] "
                            "table, else the plausible ranges (a scenario with the table is weighed so anyway)")
    multi.add_argument("--posterior", metavar="DIR",
                       help="the worlds are a calibration's posterior draws (DIR/posterior.parquet)")
    multi.add_argument("--draws", type=integer(1, 100_000), default=12, metavar="N",
                       help="worlds with --uncertain or --posterior (default 12; each plan runs in every one)")
    add_run_options(p)
    for action in p._actions:  # one default per mode: 20 runs per share, 8 per plan of the many-lever search
        if action.dest == "replications":
            action.default = None
            action.help = ("independent runs per share (default 20), or per plan with --levers (default 6; "
                           "per plan and world with worlds: 2)")
    p.add_argument("--out", "-o", help="write every share (or plan) evaluated as .csv or .parquet "
                                       "(- : CSV on standard output)")
    p.add_argument("--figure", "--chart", dest="figure",
                   help="write the chart (and, with --levers, the text summary) as a self-contained .html file")
    p.add_argument("--json", action="store_true", help="print the result as JSON instead of text (with --levers the "
                                                       "best weekly spend per lever under allocation)")


def _optimize(args: argparse.Namespace) -> int:
    """``cxsim optimize``: the frontier of each budget, printed and optionally written."""
    from cxsim.decide.optimize import check_frontier_args, describe, frontier_table, frontiers, max_evaluations, total_budget
    from cxsim.report.figures import frontier_figure
    from cxsim.scenario import load_scenario

    scenario = load_scenario(args.file, args.variant).with_overrides(parse_set(args.set, args.file))
    if args.levers:
        return _optimize_levers(args, scenario)
    for flag, given in (("--bounds", args.bounds), ("--scheduler", args.scheduler), ("--uncertain", args.uncertain),
                        ("--posterior", args.posterior), ("--draws", args.draws != 12),
                        ("--objective", args.objective != "mean"), ("--evaluations", args.evaluations != 240),
                        ("--workers", args.workers is not None)):
        if given:
            raise UserError(f"{flag}: applies to the many-lever search; give --levers too")
    args.replications = args.replications or 20
    budgets = args.budget or [round(total_budget(scenario), 2)]
    if args.out:
        check_output(args.out, (".csv", ".parquet"), "--out", stdout=True)
    if args.figure:
        check_output(args.figure, (".html",), "--figure")
    for budget in budgets:
        check_frontier_args(budget, args.kpi, args.grid, args.training_share)
        if budget > MAX_MAGNITUDE:
            raise UserError(f"--budget: expected a weekly budget of at most {MAX_MAGNITUDE:g} (the most a scenario "
                            f"can spend a week), got {budget:g}")
    with progress_bar(max_evaluations(len(budgets), args.grid), "optimize") as bar:
        result = frontiers(scenario, budgets, args.kpi, args.replications, args.seed, args.engine, args.grid,
                           training_share=args.training_share, progress=bar.update)
        bar.total = bar.n
        bar.refresh()
    if args.out:
        write_table(frontier_table(result), args.out)
    if args.figure:
        write_text(args.figure, frontier_figure(result).to_html(include_plotlyjs=True))
    if args.json:
        print_json({"scenario": scenario.name, "kpi": args.kpi, "replications": args.replications,
                    "seed": args.seed, "frontier": frontier_table(result).to_dict(orient="records")})
        return 0
    echo = sys.stderr if args.out == "-" else sys.stdout  # the table has standard output to itself
    print(f"{scenario.name}: {args.kpi} against the share of the weekly budget spent on service, "
          f"{scenario.weeks} weeks, {args.replications} replications per share, seed {args.seed} "
          f"(the same for every share: common random numbers); "
          f"{result[0].training_share:.0%} of the service money on training.", file=echo)
    print(describe(result), file=echo)
    if args.out and args.out != "-":
        print(f"\nfrontier table -> {args.out}", file=echo)
    if args.figure:
        print(f"frontier figure -> {args.figure}", file=echo)
    return 0


def _optimize_levers(args: argparse.Namespace, scenario) -> int:
    """``cxsim optimize --levers``: the best split of one weekly budget over several levers (CMA-ES)."""
    from cxsim.decide.allocate import DEFAULT_REPLICATIONS, check_args, parse_bounds, resolve_levers, spends
    from cxsim.decide.allocate import optimise as optimise_levers
    from cxsim.decide.uncertainty import worlds_for
    from cxsim.report.figures import allocation_html

    if args.budget and len(args.budget) > 1:
        raise UserError(f"--budget: with --levers expected one weekly budget, got {len(args.budget)}")
    if args.training_share is not None:
        raise UserError("--training-share: with --levers, training is a lever of its own "
                        "(--levers ... service.training_weekly_spend)")
    keys = resolve_levers(scenario, args.levers)
    budget = args.budget[0] if args.budget else round(sum(spends(scenario, keys).values()), 2)
    worlds = worlds_for(scenario, uncertain=args.uncertain, posterior=args.posterior, draws=args.draws,
                        seed=args.seed)
    replications = args.replications or (DEFAULT_REPLICATIONS if worlds is None else WORLD_REPLICATIONS)
    check_args(budget, args.kpi, args.objective, replications, args.evaluations)
    bounds = parse_bounds(args.bounds, keys, budget, args.file)
    if args.out:
        check_output(args.out, TABLES, "--out", stdout=True)
    if args.figure:
        check_output(args.figure, (".html",), "--figure")
    pooled = args.scheduler or (args.workers or os.cpu_count() or 1) > 1  # one process: no pool
    with (make_pool(args) if pooled else nullcontext()) as pool, progress_bar(args.evaluations + 1, "optimize") as bar:
        result = optimise_levers(scenario, keys, budget, bounds, args.kpi, args.objective, replications,
                                 args.seed, args.engine, args.evaluations,
                                 pool, progress=bar.update, worlds=worlds)
        bar.total = bar.n
        bar.refresh()
    if args.out:
        write_table(result.plans, args.out)
    if args.figure:
        write_text(args.figure, allocation_html(result))
    if args.json:
        print_json(result.to_dict())
        return 0
    echo = sys.stderr if args.out == "-" else sys.stdout
    print(result.describe(), file=echo)
    if args.out and args.out != "-":
        print(f"\nplans table -> {args.out}", file=echo)
    if args.figure:
        print(f"chart -> {args.figure}", file=echo)
    return 0


# --- viz ----------------------------------------------------------------------------

def _add_viz(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", "-p", type=int, default=8765,
                   help="port on 127.0.0.1 to serve the live view on (default 8765)")


def _viz(args: argparse.Namespace) -> int:
    import subprocess

    if not 1 <= args.port <= 65535:
        raise UserError(f"--port: expected a port number 1-65535, got {args.port}")
    print(f"cxsim viz: the live view of the market on http://127.0.0.1:{args.port} (Ctrl-C stops it)")
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}  # the page talks to nobody but you
    return subprocess.call([sys.executable, "-m", "solara", "run", "cxsim.views.viz", "--host", "127.0.0.1",
                            "--port", str(args.port), "--no-open", "--production", "--no-check-version"], env=env)


# --- commands whose code lives in their own package --------------------------------

def lazy(module: str, name: str) -> Callable:
    """``module.name``, imported on first call so that ``cxsim --help`` stays quick."""
    def call(*args):
        return getattr(importlib.import_module(module), name)(*args)

    call.__name__ = name
    return call


Command = tuple[str, str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]

COMMANDS: list[Command] = [
    ("run", "run one scenario (or variant) and write its time series", _add_run, _run),
    ("compare", "compare scenarios and variants side by side, with intervals and an HTML report",
     _add_compare, _compare),
    ("validate", "check scenario files and report every problem", _add_validate, _validate),
    ("schema", "print the reference of every scenario key", _add_schema, _schema),
    ("advise", "where the next step of weekly spend earns most: each lever's marginal return with its interval",
     lazy("cxsim.cli.advise", "add_advise_arguments"), lazy("cxsim.cli.advise", "run_advise_command")),
    ("optimize", "find the best split of a weekly budget between service and ads (the frontier), or over many "
                 "levers (--levers: CMA-ES)",
     _add_optimize, _optimize),
    ("sweep", "run a batch sweep over parameter ranges (resumable; local processes or Dask), or export it",
     lazy("cxsim.cli.sweep", "add_sweep_arguments"), lazy("cxsim.cli.sweep", "run_sweep_command")),
    ("sensitivity", "sensitivity indices of a finished sweep, and where one variant beats another",
     lazy("cxsim.cli.sweep", "add_sensitivity_arguments"),
     lazy("cxsim.cli.sweep", "run_sensitivity_command")),
    ("calibrate", "fit acquisition (Bass), repeat purchase (BG/NBD) or any keys to a weekly history (ABC-SMC)",
     lazy("cxsim.cli.calibrate", "add_calibrate_arguments"),
     lazy("cxsim.cli.calibrate", "run_calibrate_command")),
    ("viz", "a live view of a small market in the browser: the network, the funnel and NPS, with sliders",
     _add_viz, _viz),
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    from cxsim.core.version import __version__

    parser = Parser(
        prog="cxsim",
        description="Customer-journey simulator: should the next dollar go to service (people) or to ads?",
        epilog="Example: cxsim compare scenarios/people_vs_ads.toml --report report.html",
    )
    parser.add_argument("--version", action="version", version=f"cxsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text, add, run in COMMANDS:
        p = sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
        add(p)
        p.set_defaults(handler=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``cxsim`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        return args.handler(args)
    except UserError as exc:
        print(error_text(exc), file=sys.stderr)
        return EXIT_USER_ERROR
    except ModuleNotFoundError as exc:
        extra = EXTRAS.get((exc.name or "").split(".")[0])
        if extra is None:
            raise
        print(f"error: this needs the optional package {exc.name.split('.')[0]}: pip install 'cxsim[{extra}]'",
              file=sys.stderr)
        return EXIT_USER_ERROR
    except BrokenPipeError:  # output piped into a command that stopped reading (e.g. head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        return 0
    except OSError as exc:  # the system refused (disk full, folder gone, no permission): no traceback
        where = f"{bounded(exc.filename)}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or bounded(exc)}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
