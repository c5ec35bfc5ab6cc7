"""Marginal returns at the current plan: where does the next step of weekly spend earn most?

Every spend lever of the scenario (``cxsim.decide.spend``) is moved up by one step
(default 1,000 a week, or about 15% of a larger plan's spend: :func:`default_step`) with the rest of the plan held, and each moved plan is
run with the same seed as today's plan, so replication ``r`` of every plan
starts from the same random numbers (common random numbers). A lever's
marginal return is the mean over replications of (moved - today) in a KPI, with
a Student-t 90% confidence interval from those paired differences. The default
KPI is ``value`` (NPV within the horizon + the plan continued after it, its spends
included: ``cxsim.model.value``), so a lever that builds a customer base late in the
horizon is not valued at zero, nor its spend forgotten after it. Optionally each lever's response
curve is traced at further steps around today's spend (``curve_steps``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxsim.core.errors import UserError, finite_or_none, plain
from cxsim.core.formatting import money, number
from cxsim.decide.runs import run_plans
from cxsim.decide.spend import SpendLever, plan_spends, spend_levers
from cxsim.decide.stats import LEVEL, mean_interval, paired
from cxsim.decide.why import Decomposition, decompose
from cxsim.model.results import KPIS, Results
from cxsim.scenario import Scenario

DEFAULT_STEP = 1000.0
STEP_SHARE = 0.15
"""Where today's plan spends more than the flagship on its levers, the default step is about this share of that
spend a week (the flagship: 1,000 of its 6,571 a week)."""
DEFAULT_REPLICATIONS = 12  # the flagship: 4 plans x 12 runs (benchmarks/results-app.md has the time they take)
DEFAULT_KPI = "value"
MEASURES = ("value", "customers", "profit")  # the table's columns (the KPI asked for first)
CURVE_STEPS = (-2, -1, 2)  # with 0 and +1, five points per lever's response curve


@dataclass
class LeverReturn:
    """One lever's marginal return: the change per extra step of weekly spend.

    Attributes:
        lever: the lever's plain name ("ads", "service staff", ...).
        spend: today's weekly spend on it.
        changes: per KPI, the mean paired change (moved - today) and its confidence interval.
        runs: per-replication change in the advice's KPI (for comparing levers, paired).
        decomposition: the value change in parts that add up to it, with the mechanism's figures.
    """

    lever: str
    spend: float
    changes: dict[str, tuple[float, float, float]]
    runs: np.ndarray = field(repr=False)
    decomposition: Decomposition | None = field(default=None, repr=False)


@dataclass
class Advice:
    """Marginal returns of every spend lever at a plan, and the verdict.

    Attributes:
        scenario: today's plan.
        step: the extra weekly spend each lever was given.
        kpi: the KPI the verdict ranks by.
        replications: runs per plan.
        seed: master seed shared by every plan.
        level: confidence level of the intervals.
        returns: one per lever, best first.
        curves: per lever, the KPI's change against today at each step tried: lever,
            steps, delta (money a week), spend, mean, lo, hi.
    """

    scenario: Scenario
    step: float
    kpi: str
    replications: int
    seed: int
    level: float
    returns: list[LeverReturn]
    curves: pd.DataFrame

    @property
    def currency(self) -> str:
        """The scenario's currency."""
        return self.scenario.config.economics.currency

    @property
    def best(self) -> LeverReturn:
        """The lever with the highest mean return."""
        return self.returns[0]

    def _phrase(self, r: LeverReturn) -> str:
        mean, lo, hi = r.changes[self.kpi]
        c = self.currency
        ci = "" if math.isnan(lo) else f" ({self.level:.0%} CI {money(lo, c, True)} to {money(hi, c, True)})"
        return f"{money(mean, c, True)}{ci}"

    def verdict(self) -> str:
        """One plain sentence: where the next step earns most, with its interval, then the other levers."""
        step = money(self.step, self.currency)
        best, rest = self.best, self.returns[1:]
        mean, lo, hi = best.changes[self.kpi]
        others = "; ".join(f"on {r.lever} {self._phrase(r)}" for r in rest)
        others = f"; {others}" if others else ""
        if not math.isnan(lo) and lo > 0:
            head = f"At today's plan the next {step} a week earns most on {best.lever}: {self.kpi} "
        elif not math.isnan(hi) and hi < 0:
            head = (f"At today's plan the next {step} a week loses {self.kpi} on every lever, "
                    f"least on {best.lever}: ")
        else:
            head = (f"At today's plan no lever's next {step} a week clearly earns more than it costs, "
                    f"best on {best.lever}: {self.kpi} ")
        sentence = head + self._phrase(best) + others + "."
        if rest:
            second = rest[0]
            d_mean, d_lo, d_hi = mean_interval(best.runs - second.runs, self.level)
            if not math.isnan(d_lo) and d_lo <= 0 <= d_hi and d_mean != 0:
                sentence += (f" With {self.replications} replications {best.lever} and {second.lever} cannot be "
                             f"told apart (difference {money(d_mean, self.currency, True)}, {self.level:.0%} CI "
                             f"{money(d_lo, self.currency, True)} to {money(d_hi, self.currency, True)}).")
        return sentence

    def table(self) -> pd.DataFrame:
        """One row per lever, best first: today's spend and the change in each measure per step, as numbers."""
        rows = []
        for r in self.returns:
            row: dict[str, Any] = {"lever": r.lever, "today": r.spend}
            for kpi in self.measures:
                row[kpi], row[f"{kpi}_lo"], row[f"{kpi}_hi"] = r.changes[kpi]
            rows.append(row)
        return pd.DataFrame(rows)

    @property
    def measures(self) -> list[str]:
        """The KPIs reported: the advice's KPI first, then value, customers and profit."""
        return list(dict.fromkeys([self.kpi, *MEASURES]))

    def display_table(self) -> pd.DataFrame:
        """The table as text cells, "+38,200 [+31,900, +44,500]", for printing (at most 100 characters wide)."""
        out = []
        for r in self.returns:
            row = {"lever": r.lever, "today/wk": f"{r.spend:,.0f}"}
            for kpi in self.measures:
                mean, lo, hi = r.changes[kpi]
                row[f"{kpi} Δ"] = (f"{_change(mean)} [{_change(lo)}, {_change(hi)}]" if not math.isnan(lo) else _change(mean))
            out.append(row)
        return pd.DataFrame(out)

    def why(self) -> str:
        """The best lever's value change traced through the paired runs, in one sentence ("Why: ...")."""
        best = self.best
        if best.decomposition is None:
            return ""
        return best.decomposition.sentence(self.currency, f"{money(self.step, self.currency)} a week more on "
                                           f"{best.lever}")

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain data (what ``cxsim advise --json`` prints)."""
        return {
            "verdict": self.verdict(),
            "scenario": self.scenario.name,
            "currency": self.currency,
            "step": self.step,
            "kpi": self.kpi,
            "replications": self.replications,
            "seed": self.seed,
            "level": self.level,
            "why": self.why(),
            "levers": [{"lever": r.lever, "today": finite_or_none(r.spend),
                        **{kpi: {"mean": finite_or_none(m), "lo": finite_or_none(lo), "hi": finite_or_none(hi)}
                           for kpi, (m, lo, hi) in r.changes.items()},
                        "decomposition": None if r.decomposition is None else r.decomposition.to_dict()}
                       for r in self.returns],
            "curves": [{k: (finite_or_none(v) if isinstance(v, float) else v) for k, v in row.items()}
                       for row in self.curves.to_dict("records")],
        }

    def to_json(self) -> str:
        """``to_dict`` as JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


def _change(x: float) -> str:
    """A change in a table cell: signed, whole from 10 up."""
    return number(x, signed=True, whole_from=10, figures=2)


def default_step(scenario: Scenario) -> float:
    """The step :func:`advise` takes when none is asked: 1,000 a week, or where that is more, about
    ``STEP_SHARE`` (15%) of what today's plan spends a week on its levers, rounded to 1, 2 or 5 times a power of ten.

    A plan spending up to about 9,400 a week (the flagship's 6,571) keeps 1,000; the firm-sized flagship
    (400,000 on ads and 257,143 on staff a week) takes 100,000.
    """
    wanted = STEP_SHARE * sum(plan_spends(scenario).values())
    if not (math.isfinite(wanted) and wanted > DEFAULT_STEP):
        return DEFAULT_STEP
    power = 10.0 ** math.floor(math.log10(wanted))
    nearest = min((k * power for k in (1, 2, 5, 10)), key=lambda c: abs(math.log(c / wanted)))
    return max(DEFAULT_STEP, nearest)


def step_sentence(scenario: Scenario, step: float) -> str:
    """Why the default step is what it is, where it is not 1,000 a week ("" where it is)."""
    if step == DEFAULT_STEP:
        return ""
    currency = scenario.config.economics.currency
    spend = sum(plan_spends(scenario).values())
    return (f"The step, {money(step, currency)} a week, is about {STEP_SHARE:.0%} of today's "
            f"{money(spend, currency)} a week on the levers, rounded: the default at this plan's spend "
            "(--step sets another).")


def moved_plans(scenario: Scenario, step: float,
                curve_steps: Sequence[int] = ()) -> list[tuple[SpendLever, int, Scenario]]:
    """Each lever moved by ``k`` steps from the plan, ``k`` = 1 and each curve step: ``(lever, k, the moved plan)``,
    lever by lever; a move that would spend below zero is left out."""
    moves = []
    for lever in spend_levers(scenario):
        for k in sorted({1, *curve_steps} - {0}):
            overrides = lever.moved(scenario, k * step)
            if overrides is not None:
                moves.append((lever, k, scenario.with_overrides(overrides)))
    return moves


def advise(scenario: Scenario, step: float | None = None, replications: int = DEFAULT_REPLICATIONS,
           seed: int = 0, kpi: str = DEFAULT_KPI, engine: str = "fast", curve_steps: Sequence[int] = (),
           level: float = LEVEL, base: Results | None = None,
           progress: Callable[[int], None] | None = None,
           run: Callable[[Scenario], Results] | None = None) -> Advice:
    """Marginal returns of every spend lever at the scenario's plan.

    Args:
        scenario: today's plan.
        step: extra weekly spend given to each lever (money a week, > 0; default :func:`default_step`).
        replications: runs per plan, paired by seed.
        seed: master seed shared by every plan.
        kpi: what the verdict ranks by (a KPI of ``cxsim.model.results.KPIS``; default ``value``).
        engine: ``"fast"`` or ``"agents"``.
        curve_steps: further multiples of ``step`` at which to trace each lever's response
            curve (e.g. ``(-2, -1, 2)``); a point that would spend below zero is left out.
        level: confidence level of the intervals.
        base: today's results when already run (same replications, seed and engine).
        progress: called with the number of plans just finished.
        run: how to run a plan (default: :func:`cxsim.decide.runs.run_plan`); lets an app cache runs.

    Raises:
        UserError: for a step that is not a positive number or an unknown KPI.
    """
    step = default_step(scenario) if step is None else step
    if not (isinstance(step, int | float) and math.isfinite(step) and step > 0):
        raise UserError(f"step: expected a positive amount of money a week, got {plain(step)!r}")
    if kpi not in KPIS:
        raise UserError(f"kpi: expected one of {', '.join(KPIS)}, got {kpi!r}")
    if replications < 2:
        raise UserError(f"replications: expected at least 2 (intervals come from paired runs), got {replications}")
    moves = moved_plans(scenario, step, curve_steps)
    plans = ([] if base is not None else [scenario]) + [plan for _, _, plan in moves]
    if run is None:  # every plan at once: on the fast engine they run side by side
        ran = run_plans(plans, replications, seed, engine=engine)
    else:
        ran = [run(plan) for plan in plans]
    if progress:
        progress(len(plans))
    today = base if base is not None else ran.pop(0)
    measures = list(dict.fromkeys([kpi, *MEASURES]))
    returns, curve_rows = [], []
    for lever in spend_levers(scenario):
        curve_rows.append({"lever": lever.name, "steps": 0, "delta": 0.0, "spend": lever.read(scenario),
                           "mean": 0.0, "lo": 0.0, "hi": 0.0})
    for (lever, k, _), moved in zip(moves, ran):
        spend = lever.read(scenario)
        mean, lo, hi = mean_interval(paired(today, moved, kpi), level)
        curve_rows.append({"lever": lever.name, "steps": k, "delta": k * step, "spend": spend + k * step,
                           "mean": mean, "lo": lo, "hi": hi})
        if k == 1:
            returns.append(LeverReturn(
                lever.name, spend, {m: mean_interval(paired(today, moved, m), level) for m in measures},
                paired(today, moved, kpi), decompose(today, moved, level)))
    returns.sort(key=lambda r: -np.nan_to_num(r.changes[kpi][0], nan=-np.inf))
    curves = pd.DataFrame(curve_rows).sort_values(["lever", "steps"], kind="stable", ignore_index=True)
    return Advice(scenario, float(step), kpi, replications, seed, level, returns, curves)


CROSSOVER_FACTORS = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0)


@dataclass
class Crossover:
    """Where the answer changes: advice at several weekly spends of one lever, the rest of the plan held.

    Attributes:
        lever: the lever moved.
        table: one row per spend: ``spend``, ``best`` (the lever whose next step earns most) and each
            lever's mean return.
        currency: how money is shown.
    """

    lever: str
    table: pd.DataFrame
    currency: str = ""

    def sentence(self) -> str:
        """Where the next step stops earning most on the lever, or that it never did over the spends tried."""
        rows = self.table.to_dict("records")
        lo, hi = money(rows[0]["spend"], self.currency), money(rows[-1]["spend"], self.currency)
        if rows[0]["best"] != self.lever:
            return f"Over {lo} to {hi} a week on {self.lever}, the next step never earns most on it."
        for before, after in zip(rows, rows[1:]):
            if after["best"] != self.lever:
                return (f"The next step stops earning most on {self.lever} between {money(before['spend'], self.currency)} "
                        f"and {money(after['spend'], self.currency)} a week on it (then on {after['best']}).")
        return f"Up to {hi} a week on {self.lever} (the most tried), the next step still earns most on it."


def crossover(scenario: Scenario, lever: str | None = None, factors: Sequence[float] = CROSSOVER_FACTORS,
              **advise_args: Any) -> Crossover:
    """Advise at today's spend of ``lever`` (default: the best lever's) times each factor, the rest held.

    ``advise_args`` go to :func:`advise` (step, replications, seed, kpi, engine, progress); without a step, every
    spend takes today's plan's default step.
    """
    if advise_args.get("step") is None:
        advise_args["step"] = default_step(scenario)
    today = advise(scenario, **advise_args)
    lever = lever or today.best.lever
    spec = next((s for s in spend_levers(scenario) if s.name == lever), None)
    if spec is None:
        raise UserError(f"--crossover: expected one of {', '.join(s.name for s in spend_levers(scenario))}, "
                        f"got {lever!r}")
    base = spec.read(scenario)
    rows = []
    for factor in factors:
        overrides = spec.moved(scenario, base * (factor - 1.0))
        if overrides is None:
            continue
        advice = today if factor == 1.0 else advise(scenario.with_overrides(overrides), **advise_args)
        rows.append({"spend": spec.read(scenario.with_overrides(overrides)), "best": advice.best.lever,
                     **{r.lever: r.changes[advice.kpi][0] for r in advice.returns}})
    return Crossover(lever, pd.DataFrame(rows), today.currency)
