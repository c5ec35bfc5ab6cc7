"""The budget split: for a fixed total weekly budget, a KPI against the share spent on service.

Every share is run with the same seed, so replication ``r`` of every share
starts from the same random stream (common random numbers) and the curve is
far smoother than independent runs would give. A coarse grid over the share
finds the best region; a bounded scalar search (Brent's method,
``scipy.optimize.minimize_scalar``) refines it between the grid's neighbours.
Every point evaluated is kept, with its per-replication values, so any two
splits can be compared paired by seed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

from cxsim.core.errors import UserError
from cxsim.decide.budget import split_overrides
from cxsim.decide.runs import run_plan, run_plans
from cxsim.decide.stats import LEVEL, mean_interval
from cxsim.model.response import mean_spend
from cxsim.model.results import Results
from cxsim.scenario import Scenario

OBJECTIVES = {
    "value": "NPV within the horizon + the plan continued after it, its spends included",
    "profit": "Profit over the horizon (currency)",
    "npv": "Net present value of weekly profit (currency)",
    "customers": "Customers ever won by the horizon (persons)",
}
GRID = 11          # shares 0, 0.1, ..., 1
XATOL = 0.01       # the search stops when the best share is known to within 1 point of share
TOLERANCE = 0.02   # near-best: a mean less than 2% of the curve's height (best - worst) below the best
SEARCH_EVALUATIONS = 12  # at most this many runs in the refining search


def ad_budget(scenario: Scenario) -> float:
    """Mean weekly ad spend over the horizon (a schedule is averaged)."""
    return mean_spend(scenario.config.advertising.weekly_spend, scenario.weeks)


def service_budget(scenario: Scenario) -> float:
    """Weekly spend on service: staff and training (schedules averaged over the horizon)."""
    svc = scenario.config.service
    return mean_spend(svc.weekly_spend, scenario.weeks) + mean_spend(svc.training_weekly_spend, scenario.weeks)


def total_budget(scenario: Scenario) -> float:
    """Weekly spend on ads and service together."""
    return ad_budget(scenario) + service_budget(scenario)


def current_share(scenario: Scenario) -> float | None:
    """Share of the scenario's own budget spent on service (``None`` with no budget)."""
    total = total_budget(scenario)
    return service_budget(scenario) / total if total > 0 else None


def default_training_share(scenario: Scenario) -> float:
    """Part of the service money the scenario puts into training (0 with no service money)."""
    total = service_budget(scenario)
    return mean_spend(scenario.config.service.training_weekly_spend, scenario.weeks) / total if total > 0 else 0.0


def split_scenario(scenario: Scenario, budget: float, share: float, training_share: float = 0.0) -> Scenario:
    """The scenario with ``budget`` a week split: ``share`` on service, the rest on ads.

    The service money goes to staff and training in the ratio ``training_share``.
    An ad spend schedule is replaced by a constant weekly spend.
    """
    return scenario.with_overrides(split_overrides(
        budget, share, {"service.weekly_spend": 1.0 - training_share, "service.training_weekly_spend": training_share},
        {"advertising.weekly_spend": 1.0}))


@dataclass
class Frontier:
    """A KPI against the share of one total budget spent on service.

    Attributes:
        budget: total weekly budget (ads + service).
        kpi: the KPI maximised (a key of ``OBJECTIVES``).
        training_share: part of the service money spent on training.
        current: the scenario's own share on service (``None`` when it spends nothing).
        replications: runs per share.
        seed: master seed shared by every share.
        points: one row per share evaluated, sorted by share: the spends, the KPI's mean,
            ``lo``-``hi`` (central 90% of runs), ``ci_lo``-``ci_hi`` (90% confidence interval
            of the mean), the paired difference from the best (``diff``, ``diff_lo``,
            ``diff_hi``), ``near_best`` (mean less than ``TOLERANCE`` times the curve's height
            below the best, or a paired difference not distinguishable from 0) and ``how`` (``grid``, ``search`` or
            ``current``).
        runs: per-replication KPI values by share.
    """

    budget: float
    kpi: str
    training_share: float
    current: float | None
    replications: int
    seed: int
    points: pd.DataFrame
    runs: dict[float, np.ndarray] = field(repr=False)

    @property
    def best(self) -> pd.Series:
        """The row of the best share evaluated."""
        return self.points.loc[self.points["mean"].idxmax()]

    @property
    def best_share(self) -> float:
        """Share on service with the highest mean KPI."""
        return float(self.best["share"])

    @property
    def near_best(self) -> tuple[float, float]:
        """Lowest and highest share evaluated that is near-best (see ``points``)."""
        near = self.points.loc[self.points["near_best"], "share"]
        return float(near.min()), float(near.max())

    def gain(self, share: float, level: float = LEVEL) -> tuple[float, float, float]:
        """Mean gain of the best share over an evaluated ``share``, paired by seed, with its CI."""
        diff = self.runs[self.best_share] - self.runs[_key(share)]
        mean = float(diff.mean())
        lo, hi = mean_interval(diff, level)[1:]
        return mean, lo, hi

    def gain_over_current(self, level: float = LEVEL) -> tuple[float, float, float] | None:
        """Gain of the best split over the scenario's own share at this budget (``None`` if it has none)."""
        return None if self.current is None else self.gain(self.current, level)


def _key(share: float) -> float:
    return round(float(share), 6)


def frontier(scenario: Scenario, budget: float, kpi: str = "value", replications: int = 20, seed: int = 0,
             engine: str = "fast", grid: int = GRID, xatol: float = XATOL,
             training_share: float | None = None,
             progress: Callable[[int], None] | None = None) -> Frontier:
    """Find the best split of ``budget`` between service and ads, and the curve around it.

    Args:
        scenario: the scenario whose spends are replaced by the split.
        budget: total weekly budget (ads + service staff + training).
        kpi: ``value`` (NPV + the plan continued after the horizon), ``profit``, ``npv`` or ``customers``: the mean over
            replications is maximised.
        replications: runs per share.
        seed: master seed, the same for every share (common random numbers).
        engine: ``fast`` or ``agents``.
        grid: number of evenly spaced shares from 0 to 1 run first (>= 3).
        xatol: the search stops when the best share is known to within this much.
        training_share: part of the service money spent on training; default: as in the scenario.
        progress: called with 1 after each share is run.

    Returns:
        Every share evaluated, the best one, and the scenario's own share at this budget.
    """
    check_frontier_args(budget, kpi, grid, training_share)
    if training_share is None:
        training_share = default_training_share(scenario)
    runs: dict[float, np.ndarray] = {}
    how: dict[float, str] = {}

    def keep(key: float, res: Results, label: str) -> None:
        runs[key] = res.summary()[kpi].to_numpy(dtype=float)
        how[key] = label
        if progress:
            progress(1)

    def evaluate(share: float, label: str) -> float:
        key = _key(share)
        if key not in runs:
            keep(key, run_plan(split_scenario(scenario, budget, key, training_share), replications, seed,
                               engine=engine), label)
        return float(runs[key].mean())

    shares = np.linspace(0.0, 1.0, grid)
    keys = list(dict.fromkeys(_key(s) for s in shares))  # the grid's plans at once: side by side on the fast engine
    for key, res in zip(keys, run_plans([split_scenario(scenario, budget, k, training_share) for k in keys],
                                        replications, seed, engine=engine)):
        keep(key, res, "grid")
    means = [evaluate(s, "grid") for s in shares]
    i = int(np.argmax(means))
    lo, hi = shares[max(i - 1, 0)], shares[min(i + 1, grid - 1)]
    optimize.minimize_scalar(lambda s: -evaluate(s, "search"), bounds=(lo, hi), method="bounded",
                             options={"xatol": xatol, "maxiter": SEARCH_EVALUATIONS})
    current = current_share(scenario)
    if current is not None:
        current = _key(current)
        evaluate(current, "current")
    return Frontier(budget, kpi, training_share, current, replications, seed, _points(runs, how, budget,
                    training_share), runs)


def _points(runs: dict[float, np.ndarray], how: dict[float, str], budget: float,
            training_share: float) -> pd.DataFrame:
    best = max(runs, key=lambda s: runs[s].mean())
    top = runs[best].mean()
    slack = TOLERANCE * (top - min(v.mean() for v in runs.values()))
    rows = []
    for share in sorted(runs):
        values = runs[share]
        lo, hi = np.quantile(values, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
        ci_lo, ci_hi = mean_interval(values, LEVEL)[1:]
        diff = values - runs[best]
        d_lo, d_hi = mean_interval(diff, LEVEL)[1:] if share != best else (0.0, 0.0)
        service = share * budget
        rows.append({
            "share": share, "ad_spend": budget - service, "service_spend": service,
            "staff_spend": service * (1 - training_share), "training_spend": service * training_share,
            "mean": float(values.mean()), "lo": float(lo), "hi": float(hi), "ci_lo": ci_lo, "ci_hi": ci_hi,
            "diff": float(diff.mean()), "diff_lo": d_lo, "diff_hi": d_hi,
            "near_best": bool(share == best or not d_hi < 0 or values.mean() >= top - slack),
            "how": how[share],
        })
    return pd.DataFrame(rows)


def check_frontier_args(budget: float, kpi: str, grid: int, training_share: float | None) -> None:
    """Refuse arguments the optimiser cannot use, naming the option and what was expected."""
    if not np.isfinite(budget) or budget <= 0:
        raise UserError(f"--budget: expected a total weekly budget > 0 (currency), got {budget:g}")
    if kpi not in OBJECTIVES:
        raise UserError(f"--kpi: expected one of {', '.join(OBJECTIVES)}, got {kpi!r}")
    if grid < 3:
        raise UserError(f"--grid: expected at least 3 shares, got {grid}")
    if training_share is not None and not 0 <= training_share <= 1:
        raise UserError(f"--training-share: expected a fraction from 0 to 1, got {training_share:g}")


def frontiers(scenario: Scenario, budgets: Sequence[float], kpi: str = "value", replications: int = 20,
              seed: int = 0, engine: str = "fast", grid: int = GRID, xatol: float = XATOL,
              training_share: float | None = None,
              progress: Callable[[int], None] | None = None) -> list[Frontier]:
    """The frontier of each total budget, all run with the same seed."""
    for budget in budgets:
        check_frontier_args(budget, kpi, grid, training_share)
    return [frontier(scenario, b, kpi, replications, seed, engine, grid, xatol, training_share, progress)
            for b in budgets]


def max_evaluations(budgets: int, grid: int = GRID) -> int:
    """Upper bound of the runs ``frontiers`` makes (for a progress bar)."""
    return budgets * (grid + SEARCH_EVALUATIONS + 1)


def frontier_table(frontiers: Sequence[Frontier]) -> pd.DataFrame:
    """Every point of every frontier as one long table (budget, kpi, then the points' columns)."""
    return pd.concat([f.points.assign(budget=f.budget, kpi=f.kpi)[["budget", "kpi", *f.points.columns]]
                      for f in frontiers], ignore_index=True)


def describe(frontiers: Sequence[Frontier], level: float = LEVEL) -> str:
    """Plain-text summary of frontiers: the best split of each budget and the curve."""
    lines = []
    for f in frontiers:
        best = f.best
        lo, hi = f.near_best
        lines.append(f"\nBudget {f.budget:,.0f} a week: best {best['share']:.0%} on service "
                     f"({best['service_spend']:,.0f} service, {best['ad_spend']:,.0f} ads): "
                     f"{f.kpi} {best['mean']:,.0f} [90% of runs {best['lo']:,.0f} to {best['hi']:,.0f}]")
        lines.append(f"  near-best: {lo:.0%} to {hi:.0%} on service (less than {TOLERANCE:.0%} of the curve's "
                     f"height below the best, or not distinguishable from it with {f.replications} replications)")
        gain = f.gain_over_current(level)
        if gain is not None:
            lines.append(f"  best vs today's share ({f.current:.0%} on service): {gain[0]:+,.0f} "
                         f"[{level:.0%} CI {gain[1]:+,.0f} to {gain[2]:+,.0f}], paired by seed")
        table = f.points[["share", "service_spend", "ad_spend", "mean", "lo", "hi", "how"]].rename(
            columns={"share": "on service", "service_spend": "service", "ad_spend": "ads", "mean": f.kpi,
                     "lo": "5% of runs", "hi": "95% of runs", "how": "from"})
        table["on service"] = table["on service"].map(lambda s: f"{s:.1%}")
        text = table.to_string(index=False, float_format=lambda x: f"{x:,.0f}")
        lines.extend("  " + line for line in text.splitlines())
    return "\n".join(lines)
