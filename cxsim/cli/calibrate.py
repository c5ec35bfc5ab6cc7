"""``cxsim calibrate adoption|transactions``: fit the data, print the fit, write a scenario."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from cxsim.calibrate.data import DataError, FitError, numeric_column, read_csv, require_columns
from cxsim.cli.common import integer, make_pool, scale_lines
from cxsim.core.errors import UserError, bounded
from cxsim.core.formatting import number
from cxsim.core.outputs import check_output, write_text
from cxsim.core.progress import progress_bar

ADOPTION_HELP = "fit Bass p, q and market size to new (or cumulative) customers per period"
MAX_PERIOD_WEEKS = 1040  # a row longer than a scenario's longest horizon cannot be simulated
HISTORY_HELP = ("fit any scenario keys to a company's weekly history (spends replayed, outcomes compared) by ABC-SMC: "
                "a posterior, a scenario at its medians and a check")
TRANSACTIONS_HELP = "fit BG/NBD repeat purchase and dropout (and spend) to a transaction log, with a holdout check"


def add_calibrate_arguments(p: argparse.ArgumentParser) -> None:
    """The ``adoption``, ``transactions`` and ``history`` subcommands."""
    p.epilog = ("Examples: cxsim calibrate adoption launch.csv --column new_customers --out launch.toml\n"
                "          cxsim calibrate transactions log.csv --customer-col id --date-col date "
                "--calibration-end 2024-06-30 --out repeat.toml\n"
                "          cxsim calibrate history scenarios/data/company_history.csv --scenario "
                "scenarios/data/company_base.toml --fit advertising.half_saturation service.need_probability "
                "--out calibrated")
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    sub = p.add_subparsers(dest="target", metavar="WHAT", required=True)

    a = sub.add_parser("adoption", help=ADOPTION_HELP, description=ADOPTION_HELP[0].upper() + ADOPTION_HELP[1:] + (
        ". Rows are consecutive periods from launch. Writes a Bass-limit scenario whose weekly hazard "
        "p + q F reproduces the fit."))
    a.add_argument("data", help="CSV file with a header row, one row per period in order")
    a.add_argument("--column", "-c", help="column of counts (default: the last column)")
    a.add_argument("--cumulative", action="store_true", help="the column holds cumulative customers, not new ones")
    a.add_argument("--period", default="week",
                   help="length of a row: week (default), month, quarter, year, or a number of weeks")
    _add_outputs(a)

    t = sub.add_parser("transactions", help=TRANSACTIONS_HELP, description=TRANSACTIONS_HELP[0].upper()
                       + TRANSACTIONS_HELP[1:] + (". One row per purchase; purchases on one day count once; time is "
                                                  "in weeks. Writes the scenario's repeat parameters (and price)."))
    t.add_argument("data", help="CSV file with a header row, one row per purchase")
    t.add_argument("--customer-col", required=True, help="column of customer ids")
    t.add_argument("--date-col", required=True, help="column of purchase dates")
    t.add_argument("--amount-col", help="column of amounts spent (gives the price per purchase)")
    t.add_argument("--calibration-end", required=True, metavar="DATE",
                   help="last day of the calibration period, e.g. 1997-09-30; later purchases are the holdout")
    t.add_argument("--date-format", help="strftime format of the dates when not ISO-like, e.g. %%d/%%m/%%Y")
    t.add_argument("--base", help="write the fitted keys into this scenario file instead of the BG/NBD-limit scenario")
    _add_outputs(t)
    _add_history(sub)


def _add_history(sub) -> None:
    h = sub.add_parser("history", help=HISTORY_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description=HISTORY_HELP[0].upper() + HISTORY_HELP[1:] + ".", epilog=HISTORY_EPILOG)
    h.add_argument("data", metavar="HISTORY.csv", help="one row per week: week (1..T), spend columns named by "
                   "scenario key, outcome columns named as cxsim's weekly metrics (blank: not measured)")
    h.add_argument("--scenario", required=True, metavar="BASE.toml", help="the base scenario the history replays on")
    h.add_argument("--fit", required=True, nargs="+", metavar="KEY", help="scenario keys to fit, e.g. "
                   "advertising.half_saturation wom.awareness_effect service.need_probability")
    h.add_argument("--out", "-o", required=True, metavar="DIR", help="folder for posterior.parquet, summary.csv, "
                   "scenario.toml and check.html")
    h.add_argument("--priors", metavar="FILE", help="TOML file overriding priors: [\"KEY\"] low = .. high = .. "
                   "log = true|false (default: each key's plausible range, cxsim.scenario.ranges)")
    h.add_argument("--holdout", type=integer(0, 1040), default=0, metavar="WEEKS",
                   help="leave the last WEEKS weeks out of the fit and check the posterior's forecast of them")
    h.add_argument("--simulations", type=integer(1, 10_000_000), default=6_000, metavar="N",
                   help="budget: at most N simulations for the fit (default 6,000)")
    h.add_argument("--minutes", type=float, default=20.0, metavar="M", help="budget: stop after about M minutes "
                   "(default 20); the fit ends at whichever budget runs out first")
    h.add_argument("--particles", type=integer(20, 100_000), default=200, metavar="N",
                   help="ABC-SMC population size (default 200)")
    h.add_argument("--seed", "-s", type=integer(0, 2**32 - 1), default=0, help="master seed (default 0)")
    h.add_argument("--workers", "-w", type=integer(1, 4096), metavar="N",
                   help="worker processes (default: one per core); with --scheduler local, Dask workers")
    h.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the simulations on a Dask cluster: its scheduler (tcp://host:8786), or `local`")


HISTORY_EPILOG = """\
Priors: each key's plausible range (uniform, or log-uniform for ranges
spanning decades; `cxsim.scenario.ranges` gives the source of each). The fit is ABC-SMC
(pyabc): it stops at the budget of simulations or minutes; its last generation
is then regression-adjusted to the history's statistics (Beaumont et al.
2002). Writes into DIR: posterior.parquet (a row per draw, a column per key,
weight), summary.csv (median, 90% interval, prior interval, contraction),
scenario.toml (the base with the posterior medians) and check.html.
The output of `cxsim run --out` (one replication) is itself a valid history.

Example (the shipped company, docs/calibration.md):
  cxsim calibrate history scenarios/data/company_history.csv \\
      --scenario scenarios/data/company_base.toml \\
      --fit advertising.half_saturation advertising.max_awareness_rate \\
            wom.awareness_effect service.need_probability \\
            satisfaction.disconfirmation_weight repeat.dropout_sensitivity \\
      --holdout 26 --out calibrated
"""


def _add_outputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", "-o", help="write the calibrated scenario to this .toml file")
    p.add_argument("--plot", help="write the fit chart to this self-contained .html file")
    p.add_argument("--name", help="name of the written scenario")
    p.add_argument("--weeks", type=integer(1, 1040),
                   help="horizon of the written scenario in weeks, 1-1040 (default: the data's span)")


def _check_output(path: str | None, suffix: str, option: str) -> Path | None:
    return None if path is None else check_output(path, (suffix,), option)


def _weeks_per_period(value: str, source: str) -> float:
    from cxsim.calibrate.adoption import PERIODS

    if value in PERIODS:
        return PERIODS[value]
    try:
        weeks = float(value)
    except ValueError:
        weeks = float("nan")
    if not 0 < weeks <= MAX_PERIOD_WEEKS:
        raise DataError(source, "--period", f"one of {', '.join(PERIODS)} or a number of weeks > 0 and at most "
                        f"{MAX_PERIOD_WEEKS}", repr(value))
    return weeks


def _finish(fit, text: str, out: Path | None, plot: Path | None) -> None:
    if plot:
        from cxsim.report.calibration_figures import fit_figure

        write_text(plot, fit_figure(fit).to_html(include_plotlyjs=True, full_html=True))
        print(f"fit chart -> {plot}")
    if out:
        write_text(out, text)
        print(f"scenario -> {out}  (run it: cxsim run {out} --out series.csv)")
    else:
        print("(no scenario written: add --out scenario.toml)")


def _weeks(n: float) -> str:
    return f"{n:g} week" + ("" if n == 1 else "s")


def _fmt_table(table) -> str:
    return table.to_string(index=False, float_format=lambda v: number(v, figures=4))


def run_adoption(args: argparse.Namespace) -> int:
    """``cxsim calibrate adoption``."""
    from cxsim.calibrate.adoption import fit_adoption

    out, plot = _check_output(args.out, ".toml", "--out"), _check_output(args.plot, ".html", "--plot")
    frame = read_csv(args.data)
    column = args.column or str(frame.columns[-1])
    require_columns(frame, [column], args.data)
    what = "cumulative customers" if args.cumulative else "new customers (a count)"
    values = numeric_column(frame, column, args.data, what)
    fit = fit_adoption(values, cumulative=args.cumulative, weeks_per_period=_weeks_per_period(args.period, args.data),
                       source=args.data, field_name=f"column {column!r}")
    text = fit.scenario_file(name=args.name or Path(args.data).stem, weeks=args.weeks)
    w, c = fit.weekly, fit.continuous
    print(f"{args.data}: {fit.periods} periods of {_weeks(fit.weeks_per_period)}, {fit.observed.sum():,.0f} customers "
          f"(column {column!r})\n")
    print(_fmt_table(fit.table()))
    print(f"\nweekly recursion (used by the scenario): R² {fit.r_squared('weekly'):.4f}, dispersion "
          f"{w.dispersion:.2f}{'; every one of the market adopted, so m is the total' if w.exhausted else ''}")
    print(f"continuous Bass (Srinivasan & Mason): R² {fit.r_squared('continuous'):.4f}, peak at period "
          f"{c.peak:.1f}")
    for warning in fit.warnings:
        print(f"warning: {warning}")
    _finish(fit, text, out, plot)
    return 0


def run_transactions(args: argparse.Namespace) -> int:
    """``cxsim calibrate transactions``."""
    from cxsim.calibrate.transactions import fit_transactions
    from cxsim.scenario import load_scenario

    out, plot = _check_output(args.out, ".toml", "--out"), _check_output(args.plot, ".html", "--plot")
    base = load_scenario(args.base) if args.base else None
    frame = read_csv(args.data)
    fit = fit_transactions(frame, args.customer_col, args.date_col, args.calibration_end, args.amount_col,
                           source=args.data, date_format=args.date_format)
    text = fit.scenario_file(name=args.name or Path(args.data).stem, weeks=args.weeks, base=base)
    repeaters = int((fit.customers["x"] > 0).sum())
    print(f"{args.data}: {fit.n_customers:,} customers with a first purchase by {fit.calibration_end.date()} "
          f"({repeaters:,} bought again before it); data {fit.first_date.date()} to {fit.last_date.date()}\n")
    print(_fmt_table(fit.table()))
    print(f"\nlog-likelihood {fit.log_likelihood:,.2f}; E[repeat purchases in 52 weeks] of a new customer "
          f"{fit.expected_repeat_purchases(52.0):.3f}")
    if fit.spend:
        print(f"spend per purchase {fit.spend.mean:,.2f} +- {fit.spend.std_error:,.2f} "
              f"({fit.spend.purchases:,} purchases) -> purchase.price")
    h = fit.holdout
    if h is None:
        print("holdout: none (no purchases after the calibration end)")
    else:
        print(f"\nholdout {h.start.date()} to {h.end.date()} ({h.weeks:.1f} weeks): repeat purchases predicted "
              f"{h.predicted:,.1f}, actual {h.actual:,} ({h.relative_error:+.1%})")
        print(_fmt_table(h.by_frequency))
    _finish(fit, text, out, plot)
    return 0


def run_history(args: argparse.Namespace) -> int:
    """``cxsim calibrate history``: everything checked first, then the fit, then the folder."""
    from cxsim.calibrate.calibration import PREDICTIVE_RUNS, calibrate, read_problem
    from cxsim.calibrate.inference import Budget, check_budget
    from cxsim.calibrate.posterior import check_folder, verdicts
    from cxsim.decide.pools import check_address
    from cxsim.scenario import load_scenario

    out = check_folder(args.out)
    if not (math.isfinite(args.minutes) and 0 < args.minutes <= 10_080):
        raise UserError(f"--minutes: expected a number of minutes > 0 and at most 10,080 (a week), got {args.minutes}")
    if args.scheduler:
        check_address(args.scheduler)
    check_budget(Budget(args.simulations, args.minutes), args.particles)
    base = load_scenario(args.scenario)
    problem = read_problem(args.data, base, args.fit, args.priors, args.holdout)
    h = problem.history
    print(f"{args.data}: {h.weeks} weeks; fitting weeks 1-{problem.fit_weeks} on "
          f"{', '.join(problem.model.plan.outcomes)}; replaying {', '.join(h.spends) or 'no spends'}")
    for line in scale_lines([base]):  # the history is at the real size; the replays simulate 1 in scale
        print(line)
    for p in problem.priors.values():
        print(f"  prior {p.key}: {'log-uniform' if p.log else 'uniform'} [{p.low:g}, {p.high:g}] ({p.source})")
    budget = Budget(args.simulations, args.minutes)
    with make_pool(args) as pool, progress_bar(args.simulations + PREDICTIVE_RUNS, "calibrating") as bar:
        bar.unit = "sim"

        def progress(done: int, status: str) -> None:
            bar.set_postfix_str(status, refresh=False)
            bar.update(done - bar.n)

        result = calibrate(problem, pool, args.particles, budget, args.seed, progress=progress)
    from cxsim.report.calibration_check import check_html  # pyabc, the [calibrate] extra

    result.write(out, check_html(result.check))
    check, post = result.check, result.check.posterior
    print(f"\n{check.headline()}\n")
    print(_fmt_table(check.table.drop(columns="prior")))
    print(f"\n{post.simulations:,} simulations in {post.elapsed / 60:.1f} min on {post.where}; stopped: {post.stopped}")
    for line in verdicts(check.table, check.corr):
        print(f"  {line}")
    held = check.holdout_coverage
    if held:
        print("held-out weeks inside the 90% band: " + ", ".join(f"{k} {v:.0%}" for k, v in held.items()))
    print(f"posterior -> {out}/ (posterior.parquet, summary.csv, scenario.toml, check.html)")
    return 0


def run_calibrate_command(args: argparse.Namespace) -> int:
    """Dispatch ``cxsim calibrate WHAT``; numbers the fit cannot work with end in a message, not a traceback."""
    import numpy as np

    if args.target == "history":
        return run_history(args)
    try:
        return run_adoption(args) if args.target == "adoption" else run_transactions(args)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        raise FitError(args.data, "the fit", f"the data gave numbers it cannot work with ({bounded(exc)})") from None
