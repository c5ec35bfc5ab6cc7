"""``cxsim advise`` and the robust answers of ``cxsim compare`` under uncertainty: arguments and printing."""

from __future__ import annotations

import importlib.util
import math
import textwrap
from collections.abc import Sequence
from typing import Any

from cxsim.cli.common import (
    add_run_options,
    add_uncertainty_options,
    parse_set,
    print_json,
    replications_of,
    scale_lines,
    write_table,
)
from cxsim.core.errors import UserError
from cxsim.core.formatting import money
from cxsim.core.outputs import check_output, write_text
from cxsim.core.progress import progress_bar
from cxsim.decide.advise import (
    CROSSOVER_FACTORS,
    CURVE_STEPS,
    DEFAULT_KPI,
    DEFAULT_REPLICATIONS,
    DEFAULT_STEP,
    KPIS,
    STEP_SHARE,
    advise,
    crossover,
    default_step,
    step_sentence,
)
from cxsim.decide.pools import check_address
from cxsim.decide.robust import WIDTH, RobustAnswer, boxes_json, discover, robust_advise, robust_compare
from cxsim.decide.spend import spend_levers
from cxsim.decide.stats import WORLD_REPLICATIONS
from cxsim.decide.uncertainty import Worlds, worlds_for
from cxsim.report.figures import advice_html
from cxsim.report.pages import robust_advise_html, robust_report_html
from cxsim.scenario import Scenario, load_scenario


def add_advise_arguments(p) -> None:
    """Arguments of ``cxsim advise``."""
    p.add_argument("file", help="scenario file (TOML): today's plan is its base")
    p.add_argument("--variant", help="take this variant of the file as today's plan")
    p.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a field of today's plan, e.g. --set advertising.weekly_spend=5000 (repeatable)")
    p.add_argument("--step", type=float, default=None,
                   help=f"extra weekly spend given to each lever (default {DEFAULT_STEP:,.0f}, or about "
                        f"{STEP_SHARE:.0%}% of today's spend on the levers where that is more, rounded)")
    p.add_argument("--kpi", choices=list(KPIS), default=DEFAULT_KPI, metavar="KPI",
                   help="what the verdict ranks by (default value = NPV + the plan continued after the horizon; also npv, profit, "
                        "customers, ...)")
    p.add_argument("--curves", action="store_true",
                   help=f"also trace each lever's response curve at {', '.join(f'{k:+d}' for k in CURVE_STEPS)} "
                        "steps (more runs)")
    p.add_argument("--figure", help="write the marginal returns (and curves) as a self-contained .html file")
    p.add_argument("--crossover", nargs="?", const="best", metavar="LEVER",
                   help="where the answer changes: advise again at 1.5, 2, 3, 4 and 6 times today's spend on LEVER "
                        "(default: the lever that earns most), and say where the next step stops earning most on it")
    p.add_argument("--json", action="store_true", help="print the verdict, the table and the curves as JSON")
    add_run_options(p, replications=DEFAULT_REPLICATIONS, per_world=WORLD_REPLICATIONS)
    add_uncertainty_options(p)
    p.add_argument("--discover", action="store_true",
                   help="under uncertainty: where each lever earns most, as boxes over the uncertain assumptions "
                        "(PRIM)")


def run_advise_command(args) -> int:
    """``cxsim advise``: the verdict sentence, then the table (or JSON)."""
    scenario = load_scenario(args.file, args.variant).with_overrides(parse_set(args.set, args.file),
                                                                       where=f"{args.file} (--set)")
    if args.figure is not None:
        check_output(args.figure, (".html",), "--figure")
    chosen = args.step is None
    args.step = default_step(scenario) if chosen else args.step
    if not (math.isfinite(args.step) and args.step > 0):
        raise UserError(f"--step: expected a positive amount of money a week, got {args.step!r}")
    said = step_sentence(scenario, args.step) if chosen else ""
    worlds = worlds_from_args(args, scenario)
    if worlds is not None:
        if args.curves:
            raise UserError("--curves: expected the assumptions fixed (--fixed, or no --uncertain/--posterior); "
                            "under uncertainty advise reports each lever's next step over the worlds")
        return run_robust_advise(args, scenario, worlds, replications_of(args, True))
    args.replications = replications_of(args, False)
    if args.crossover is not None:
        with progress_bar(len(CROSSOVER_FACTORS) * (1 + len(spend_levers(scenario))), "crossover") as bar:
            lever = None if args.crossover == "best" else args.crossover
            found = crossover(scenario, lever, step=args.step, replications=args.replications,
                              seed=args.seed, kpi=args.kpi, engine=args.engine, progress=bar.update)
        if args.json:
            print_json({"lever": found.lever, "sentence": found.sentence(),
                        "spends": found.table.to_dict(orient="records")})
        else:
            print(textwrap.fill(found.sentence(), WIDTH))
            print(f"\nMean change in {args.kpi} per extra {money(args.step, found.currency)} a week on each lever, at "
                  f"each weekly spend on {found.lever}:")
            print(found.table.to_string(index=False, float_format=lambda v: f"{v:,.0f}"))
            for line in ([textwrap.fill(said, WIDTH)] if said else []) + scale_lines([scenario]):
                print(line)
        return 0
    curve = CURVE_STEPS if args.curves or args.figure else ()
    plans = 1 + len(spend_levers(scenario)) * (1 + len(curve))
    with progress_bar(plans, "advise") as bar:
        advice = advise(scenario, args.step, args.replications, args.seed, args.kpi, args.engine, curve,
                        progress=bar.update)
    if args.json:
        print(advice.to_json())
    else:
        print(advice.verdict())
        print(textwrap.fill(advice.why(), WIDTH))
        print(f"\nChange per extra {money(advice.step, advice.currency)} a week on one lever, the rest of the plan "
              f"held: mean [{advice.level:.0%} CI],\npaired by seed ({advice.replications} replications, seed "
              f"{advice.seed}). value = NPV + the plan continued after the horizon (money); customers won (persons).")
        print(advice.display_table().to_string(index=False))
        for line in ([textwrap.fill(said, WIDTH)] if said else []) + scale_lines([scenario]):
            print(line)
    if args.figure:
        write_text(args.figure, advice_html(advice))
        if not args.json:
            print(f"\nfigure -> {args.figure}")
    return 0


def worlds_from_args(args, scenario: Scenario) -> Worlds | None:
    """The worlds the command line asks for (``add_uncertainty_options``), checked before any run."""
    if args.scheduler:
        check_address(args.scheduler)
    if args.fixed:
        if args.uncertain or args.posterior:
            raise UserError("--fixed: expected it alone, without --uncertain or --posterior")
        worlds = None
    else:
        worlds = worlds_for(scenario, uncertain=args.uncertain, posterior=args.posterior, draws=args.draws,
                            seed=args.seed)
    if worlds is None and args.scheduler:
        raise UserError("--scheduler: expected only with uncertainty (--uncertain, --posterior DIR or an "
                        "[uncertainty] table): a fixed comparison runs on this machine")
    if worlds is None and args.discover:
        raise UserError("--discover: expected uncertainty to discover over (--uncertain, --posterior DIR or an "
                        "[uncertainty] table in the file)")
    return worlds


def _print_answer(answer: RobustAnswer, findings: list[tuple[str, Any]], what: str,
                  scenarios: Sequence[Scenario] = ()) -> None:
    w = answer.worlds
    keys = ", ".join(w.keys[:6]) + (f" and {len(w.keys) - 6} more" if len(w.keys) > 6 else "")
    print(textwrap.fill(answer.verdict(), WIDTH))
    print(f"\n{len(answer.labels)} {what}s x {answer.draws} worlds x {answer.replications} replications, "
          f"seed {answer.seed}; worlds from {w.source}: {keys}.")
    against = "today's plan" if answer.base is None else repr(answer.labels[answer.base])
    print(f"{answer.kpi}: expected and 10%-90% over every run; against {against}, paired by world and seed, "
          f"with its worst 10%;\nP over worlds (each the mean of its runs); regret = mean over worlds of "
          f"(best {what} - this {what}).")
    print(answer.display_table().to_string(index=False))
    for line in scale_lines(scenarios):
        print(line)
    if findings:
        print("\nWhere each wins (PRIM boxes over the uncertain assumptions):")
        for sentence, _ in findings:
            print(f"- {sentence}")


def run_robust_compare(args, scenarios: Sequence[Scenario], worlds: Worlds, replications: int) -> int:
    """``cxsim compare`` under uncertainty: the robust sentence, the table, where each plan wins (``--discover``)."""
    if len(scenarios) < 2:
        raise UserError("compare under uncertainty: expected at least two plans (a file with variants, or "
                        "several files)")
    answer = robust_compare(scenarios, worlds, replications, args.seed, args.kpi, workers=args.workers,
                            engine=args.engine, scheduler=args.scheduler, progress=True)
    with_prim = importlib.util.find_spec("ema_workbench") is not None  # the report adds the boxes when it can
    findings = discover(answer) if args.discover or (args.report and with_prim) else []
    if args.table:
        write_table(answer.table(), args.table)
    if args.report:
        write_text(args.report, robust_report_html(answer, scenarios, [s for s, _ in findings]))
    if args.json:
        print_json({**answer.to_dict(), "engine": args.engine, "where_each_wins": boxes_json(findings)})
        return 0
    _print_answer(answer, findings if args.discover else [], "plan", scenarios)
    if args.table:
        print(f"\nrobust table -> {args.table}")
    if args.report:
        print(f"\nreport -> {args.report}")
    return 0


def run_robust_advise(args, scenario: Scenario, worlds: Worlds, replications: int) -> int:
    """``cxsim advise`` under uncertainty: which lever's next step earns most, and how likely."""
    answer = robust_advise(scenario, worlds, args.step, replications, args.seed, args.kpi, workers=args.workers,
                           engine=args.engine, scheduler=args.scheduler, progress=True)
    findings = discover(answer) if args.discover else []
    if args.figure:
        write_text(args.figure, robust_advise_html(answer, [s for s, _ in findings], scenario))
    if args.json:
        print_json({**answer.to_dict(), "scenario": scenario.name, "step": args.step, "currency": answer.currency,
                    "where_each_wins": boxes_json(findings)})
        return 0
    _print_answer(answer, findings, "lever", [scenario])
    if args.figure:
        print(f"\nfigure -> {args.figure}")
    return 0
