"""The best split of one weekly budget over several spend levers: CMA-ES under common random numbers.

A plan gives each lever (ads, service staff, training, the people programme,
each service channel's staff) a weekly spend, the spends summing to the
budget. Every plan is run with the same seed, so replication ``r`` of every
plan starts from the same random numbers and two plans differ only where the
spends make people act differently. The search is CMA-ES (the ``cma``
package): it ranks each generation of plans, so only the order of the
objective matters, it needs no gradient, it keeps inside bounds, and a
generation is a batch of plans that run side by side on many workers.

A plan's values over worlds x replications (one world, until the assumptions
themselves are drawn) reduce to one objective: the mean, the 10th percentile
(``p10``) or the mean of the worst 10% (``cvar``). The best plan is compared
with today's plan paired by seed, and the plans whose objective is within
``NEAR`` of the best, or not distinguishable from it, make the near-best
region.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxsim.core.errors import UserError, bounded, plain
from cxsim.core.formatting import money, number
from cxsim.core.validation import MAX_MAGNITUDE
from cxsim.decide.pools import Pool
from cxsim.decide.runs import run_plans
from cxsim.decide.spend import CHANNEL, lever_key, lever_name, spend_levers
from cxsim.decide.stats import LEVEL, mean_interval
from cxsim.decide.uncertainty import Worlds
from cxsim.scenario import Scenario

RISK_MEASURES = {
    "mean": "the mean over worlds and replications",
    "p10": "the 10th percentile over worlds and replications (a bad case)",
    "cvar": "the mean of the worst 10% of worlds and replications (conditional value at risk)",
}
RISK_MEASURE_NAMES = {"mean": "mean", "p10": "10th percentile", "cvar": "mean of the worst 10%"}
MAXIMISED = ("value", "profit", "npv", "revenue", "customers", "active", "satisfaction", "nps")
DEFAULT_REPLICATIONS = 6    # runs per plan: 4 levers, 240 plans x 6 runs (benchmarks/results-optimize.md)
DEFAULT_EVALUATIONS = 240   # plans at most: about 30 generations of 8 for 4 levers
MAX_BUDGET = MAX_MAGNITUDE      # the most any number of a scenario may be (cxsim.core.validation)
NEAR = 0.005                # near-best: within 0.5% of the best plan's objective
TAIL = 0.1                  # p10 and cvar look at the worst 10%
SIGMA0 = 0.15               # CMA-ES's first step, in the space of weights 0-1
TOLX = 2e-3                 # stop when the weights move less than this (a fraction of a point of share)
# --- levers ------------------------------------------------------------------------------------

def lever_keys(scenario: Scenario) -> list[str]:
    """Every lever the scenario can allocate: the spend keys, the people programme and each channel's staff."""
    return [lever.lever for lever in spend_levers(scenario)]


def resolve_levers(scenario: Scenario, names: Sequence[str]) -> list[str]:
    """Scenario keys of the levers named (a key, or a plain name such as ``ads``), checked against the scenario.

    Raises:
        UserError: for an unknown lever, one given twice, fewer than two, or the staff budget
            together with channels' staff (it is their sum).
    """
    known = lever_keys(scenario)
    keys = []
    for name in names:
        key = lever_key(name)
        if key.endswith(".staff_share") and CHANNEL.fullmatch(key.removesuffix(".staff_share")):
            key = key.removesuffix(".staff_share")
        if key not in known:
            why = ""
            if key == "employees.weekly_spend":
                why = " (the people programme needs employees.enabled = true)"
            elif CHANNEL.fullmatch(key):
                why = " (no such channel in the scenario)"
            raise UserError(f"{scenario.source}: --levers {bounded(name, 60)}: expected one of "
                            f"{', '.join(known)} (or ads, staff, training, people){why}")
        if key in keys:
            raise UserError(f"{scenario.source}: --levers: {key} is given twice")
        keys.append(key)
    if len(keys) < 2:
        raise UserError(f"{scenario.source}: --levers: expected at least two levers to share the budget, "
                        f"got {len(keys)}")
    if "service.weekly_spend" in keys and any(CHANNEL.fullmatch(k) for k in keys):
        raise UserError(f"{scenario.source}: --levers: service.weekly_spend is the sum of the channels' staff; "
                        "give either it or channels' staff, not both")
    return keys


def _channel_spends(scenario: Scenario) -> dict[str, float]:
    return {lever.channel: lever.read(scenario) for lever in spend_levers(scenario) if lever.channel}


def spends(scenario: Scenario, keys: Sequence[str]) -> dict[str, float]:
    """Today's weekly spend on each lever (a schedule as its mean over the horizon)."""
    today = {lever.lever: lever.read(scenario) for lever in spend_levers(scenario)}
    return {key: today[key] for key in keys}


def plan_overrides(scenario: Scenario, allocation: Mapping[str, float]) -> dict[str, Any]:
    """Scenario overrides that spend ``allocation`` (lever key -> weekly spend); a schedule becomes constant.

    Channels not in the allocation keep their spend; the staff budget is the channels' sum
    and each channel's share its part of it.
    """
    out: dict[str, Any] = {k: float(v) for k, v in allocation.items() if not CHANNEL.fullmatch(k)}
    chosen = {CHANNEL.fullmatch(k).group(1): float(v) for k, v in allocation.items() if CHANNEL.fullmatch(k)}
    if chosen:
        channels = {**_channel_spends(scenario), **chosen}
        total = sum(channels.values())
        out["service.weekly_spend"] = total
        if total > 0:
            names = list(channels)
            shares = {c: channels[c] / total for c in names[:-1]}
            shares[names[-1]] = max(0.0, 1.0 - sum(shares.values()))  # the shares sum to 1 exactly
            out.update({f"channels.{c}.staff_share": s for c, s in shares.items()})
    return out


def parse_bounds(items: Sequence[str] | None, keys: Sequence[str], budget: float,
                 source: str) -> dict[str, tuple[float, float]]:
    """``KEY=LOW:HIGH`` strings as each lever's weekly spend range (default 0 to the budget), checked.

    Raises:
        UserError: for a malformed item, a lever not optimised, a range that is not finite or
            not 0 <= LOW <= HIGH, or ranges the budget cannot meet.
    """
    bounds = {k: (0.0, budget) for k in keys}
    given: dict[str, str] = {}
    for item in items or []:
        name, sep, span = item.partition("=")
        low, colon, high = span.partition(":")
        key = lever_key(name)
        key = key.removesuffix(".staff_share") if CHANNEL.fullmatch(key.removesuffix(".staff_share")) else key
        try:
            lo, hi = float(low), float(high)
        except ValueError:
            lo = hi = math.nan
        if not sep or not colon:
            raise UserError(f"{source}: --bounds: expected KEY=LOW:HIGH (e.g. advertising.weekly_spend=1000:6000), "
                            f"got {bounded(repr(item), 80)}")
        if key not in bounds:
            raise UserError(f"{source}: --bounds {bounded(name, 60)}: expected one of the levers "
                            f"({', '.join(keys)})")
        if not (math.isfinite(lo) and math.isfinite(hi) and 0 <= lo <= hi):
            raise UserError(f"{source}: --bounds {key}: expected 0 <= LOW <= HIGH in money a week, "
                            f"got {bounded(span, 60)}")
        if key in given:
            raise UserError(f"{source}: --bounds {key}: given twice ({given[key]} and {bounded(span, 60)}); "
                            "expected one range per lever")
        given[key] = span
        bounds[key] = (lo, min(hi, budget))
    low, high = sum(b[0] for b in bounds.values()), sum(b[1] for b in bounds.values())
    if low > budget * (1 + 1e-12) or high < budget * (1 - 1e-12):
        raise UserError(f"{source}: --bounds: the levers' ranges add up to {low:,.0f} to {high:,.0f} a week, "
                        f"expected a range that holds the budget {budget:,.0f}")
    return bounds


def weights_to_spends(x: np.ndarray, budget: float, bounds: Sequence[tuple[float, float]]) -> np.ndarray:
    """Weights (one per lever, 0-1) as weekly spends that sum to ``budget`` and keep within ``bounds``.

    Each lever gets its lower bound and a part of what is left in proportion to its weight;
    spend above an upper bound goes to the levers below theirs, in proportion to their weights.
    """
    low = np.array([b[0] for b in bounds], dtype=float)
    high = np.array([b[1] for b in bounds], dtype=float)
    w = np.clip(np.asarray(x, dtype=float), 0.0, None)
    w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))
    spend = low + w * (budget - low.sum())
    capped = np.zeros(len(w), dtype=bool)
    for _ in range(len(w)):
        over = spend > high + 1e-9
        if not over.any():
            break
        capped |= over
        excess = float((spend[over] - high[over]).sum())
        spend[over] = high[over]
        free = ~capped
        room = np.where(free, high - spend, 0.0)
        share = np.where(free, w, 0.0)
        share = share / share.sum() if share.sum() > 0 else room / room.sum()
        spend = spend + excess * share
    return spend


def within(spend: Sequence[float], budget: float, bounds: Sequence[tuple[float, float]]) -> bool:
    """Whether weekly spends sum to ``budget`` and each keeps within its range (to a hundredth of a cent a week)."""
    tol = 1e-4 + 1e-9 * abs(budget)
    spend = np.asarray(spend, dtype=float)
    if not np.isfinite(spend).all() or abs(float(spend.sum()) - budget) > tol:
        return False
    return all(lo - tol <= s <= hi + tol for s, (lo, hi) in zip(spend, bounds, strict=True))


# --- evaluating plans ------------------------------------------------------------------------

def _plans_runs(plans: Sequence[Scenario], replications: int, seed: int, engine: str, kpi: str, first: int = 0,
                one_thread: bool = False) -> list[np.ndarray]:
    """Plans' KPI per replication in one world, replications ``first ..`` of the seed, side by side where they
    can be (``runs.run_plans``); runs in a worker as well as here (``one_thread``: on one numba thread)."""
    return [res.summary().sort_values("replication")[kpi].to_numpy(dtype=float)
            for res in run_plans(plans, replications, seed, first, engine, one_thread=one_thread)]


def plan_values(plans: Sequence[Scenario], replications: int, seed: int, engine: str = "fast",
                kpi: str = "value", pool: Pool | None = None,
                progress: Callable[[int], None] | None = None, worlds: Worlds | None = None,
                reference: Scenario | None = None) -> np.ndarray:
    """Each plan's KPI over worlds x replications, shape (plans, worlds, replications), paired by seed.

    Without ``worlds``, one world: the scenario's assumptions as written. With them, plan ``p``
    in world ``i`` is ``cxsim.decide.uncertainty.in_world`` of the plan (against ``reference``, today's
    plan) and runs replications ``i*R ..`` of the seed, as ``cxsim.decide.runs.evaluate`` does: the
    same world and the same random numbers for every plan. A world's plans run side by side in one
    model (they differ only in their spends), split into as many groups as keep ``pool``'s workers
    busy (a process pool or a Dask cluster); without one, here. The numbers do not depend on which.
    """
    from cxsim.decide.uncertainty import in_world

    draws = 1 if worlds is None else worlds.draws
    workers = 1 if pool is None else pool.slots
    parts = min(len(plans), max(1, -(-workers // draws)))  # groups of a world's plans: enough tasks for the workers
    groups = [list(g) for g in np.array_split(np.arange(len(plans)), parts) if g.size]
    tasks = [(group, i, [plans[p] if worlds is None else in_world(plans[p], worlds, i, reference) for p in group])
             for i in range(draws) for group in groups]
    out = np.empty((len(plans), draws, replications))
    if pool is None:
        results = (_plans_runs(here, replications, seed, engine, kpi, i * replications) for _, i, here in tasks)
    else:
        futures = [pool.executor().submit(_plans_runs, here, replications, seed, engine, kpi, i * replications, True)
                   for _, i, here in tasks]
        results = (future.result() for future in futures)
    for (group, i, _), values in zip(tasks, results, strict=True):
        out[group, i] = values
        if progress and i == draws - 1:
            progress(len(group))
    return out


def reduce(values: np.ndarray, objective: str) -> float:
    """One plan's values over worlds x replications as one number: mean, p10 or cvar (-inf if any is not finite)."""
    v = np.asarray(values, dtype=float).ravel()
    if v.size == 0 or not np.isfinite(v).all():
        return -math.inf
    if objective == "mean":
        return float(v.mean())
    if objective == "p10":
        return float(np.quantile(v, TAIL))
    if objective == "cvar":
        return float(np.sort(v)[:max(1, math.ceil(TAIL * v.size))].mean())
    raise UserError(f"--objective: expected one of {', '.join(RISK_MEASURES)}, got {objective!r}")


# --- the search -----------------------------------------------------------------------------

@dataclass
class Allocation:
    """The best split of a weekly budget over levers, today's plan beside it, and every plan tried.

    Attributes:
        scenario: today's plan.
        levers: the lever keys, in the order given.
        budget: the weekly budget shared by the levers.
        bounds: each lever's weekly spend range.
        kpi: the KPI (a key of ``cxsim.model.results.KPIS``).
        objective: how a plan's values reduce to one number (a key of ``RISK_MEASURES``).
        replications: runs per plan and world.
        seed: the master seed, the same for every plan.
        plans: one row per plan evaluated, in the order run: ``plan`` (0 is today's),
            ``generation`` (-1 for today's), one column per lever key (weekly spend), ``feasible``
            (within the budget and every bound: only such a plan can be the best), ``objective``,
            ``mean``, ``lo``-``hi`` (central 90% of runs), the paired difference from the best
            (``diff``, ``diff_lo``, ``diff_hi``) and ``near_best``.
        runs: each plan's values over worlds x replications, by plan number.
        generations: CMA-ES generations run.
        stop: why the search stopped.
        worlds_source: where the worlds came from ("" for the assumptions as written).
    """

    scenario: Scenario
    levers: list[str]
    budget: float
    bounds: dict[str, tuple[float, float]]
    kpi: str
    objective: str
    replications: int
    seed: int
    plans: pd.DataFrame
    runs: dict[int, np.ndarray] = field(repr=False)
    generations: int = 0
    stop: str = ""
    worlds_source: str = ""

    @property
    def best(self) -> pd.Series:
        """The best plan evaluated within the budget and bounds (today's included when it is within them)."""
        return self.plans.loc[_best_index(self.plans)]

    @property
    def today(self) -> pd.Series:
        """Today's plan, as the scenario spends."""
        return self.plans.loc[self.plans["plan"] == 0].iloc[0]

    @property
    def allocation(self) -> dict[str, float]:
        """The best plan's weekly spend per lever key."""
        best = self.best
        return {k: float(best[k]) for k in self.levers}

    @property
    def worlds(self) -> int:
        """Worlds each plan ran in (1: the assumptions as written)."""
        return next(iter(self.runs.values())).shape[0]

    def versus_today(self, level: float = LEVEL) -> tuple[float, float, float]:
        """Mean gain of the best plan over today's in the KPI, paired by seed (and world), with its CI."""
        return mean_interval(self.runs[int(self.best["plan"])] - self.runs[0], level)

    def near_best(self) -> dict[str, tuple[float, float]]:
        """Per lever, the lowest and highest weekly spend among the near-best plans."""
        near = self.plans.loc[self.plans["near_best"]]
        return {k: (float(near[k].min()), float(near[k].max())) for k in self.levers}

    @property
    def currency(self) -> str:
        """How the scenario shows money."""
        return self.scenario.config.economics.currency

    def verdict(self) -> str:
        """The answer in one sentence: the best split, and what it gains over today's plan."""
        cur = self.currency
        parts = ", ".join(f"{lever_name(k)} {money(v, cur)}" for k, v in self.allocation.items())
        gain, lo, hi = self.versus_today()
        if int(self.best["plan"]) == 0:
            return (f"Today's plan is the best split of {money(self.budget, cur)} a week found over "
                    f"{len(self.levers)} levers ({parts}).")
        worlds = ""
        if self.worlds > 1:
            worlds = (f"; it beats today's plan in {self.share_of_worlds_better():.0%} of {self.worlds} plausible "
                      f"worlds ({self.worlds_source})")
        risk = ""
        if self.objective != "mean":
            risk = (f"{RISK_MEASURE_NAMES[self.objective]} of {self.kpi} {_num(self.best['objective'])} against "
                    f"today's {_num(self.today['objective'])}; mean ")
        return (f"Best split of {money(self.budget, cur)} a week over {len(self.levers)} levers: {parts}; "
                f"{risk}{self.kpi} {_signed(gain)} against today's plan [{LEVEL:.0%} CI {_signed(lo)} to "
                f"{_signed(hi)}], paired by seed{worlds}.")

    def share_of_worlds_better(self) -> float:
        """Share of worlds in which the best plan's mean over replications beats today's."""
        diff = self.runs[int(self.best["plan"])] - self.runs[0]
        return float((diff.mean(axis=1) > 0).mean())

    def table(self) -> pd.DataFrame:
        """Per lever: today's spend, the best plan's, and the near-best range."""
        today, best, near = self.today, self.best, self.near_best()
        return pd.DataFrame([{"lever": lever_name(k), "key": k, "today": float(today[k]), "best": float(best[k]),
                              "best share": float(best[k]) / self.budget, "near-best low": near[k][0],
                              "near-best high": near[k][1]} for k in self.levers])

    def describe(self) -> str:
        """The verdict, then the table, the objective of both plans and how the search went."""
        today, best = self.today, self.best
        gain, lo, hi = self.versus_today()
        worlds = f"{self.worlds} worlds ({self.worlds_source}) x " if self.worlds > 1 else ""
        table = self.table().drop(columns="key")
        table["best share"] = table["best share"].map(lambda s: f"{s:.1%}")
        lines = [self.verdict(), "",
                 f"Weekly spend per lever (budget {self.budget:,.0f} a week; today's plan spends "
                 f"{sum(float(today[k]) for k in self.levers):,.0f} on these levers):",
                 *("  " + line for line in table.to_string(index=False, float_format=lambda x: f"{x:,.0f}")
                   .splitlines()), "",
                 f"{self.kpi}, {worlds}{self.replications} replications, seed {self.seed}:",
                 f"  best plan:    mean {_num(best['mean'])} [90% of runs {_num(best['lo'])} to {_num(best['hi'])}]"
                 f"; objective ({self.objective}) {_num(best['objective'])}",
                 f"  today's plan: mean {_num(today['mean'])} [90% of runs {_num(today['lo'])} to "
                 f"{_num(today['hi'])}]; objective ({self.objective}) {_num(today['objective'])}",
                 f"  best - today: {_signed(gain)} [{LEVEL:.0%} CI {_signed(lo)} to {_signed(hi)}], paired by seed",
                 "",
                 f"Near-best: {int(self.plans['near_best'].sum())} of {len(self.plans)} plans have an objective within "
                 f"{NEAR:.1%} of the best or not distinguishable from it; their range per lever is above.",
                 f"Search: CMA-ES, {self.generations} generations, {len(self.plans)} plans ({self.stop})."]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain data: the verdict, ``allocation`` (key -> weekly spend) and every plan."""
        gain, lo, hi = self.versus_today()
        best, today = self.best, self.today
        return {"verdict": self.verdict(), "scenario": self.scenario.name, "budget": self.budget,
                "levers": self.levers, "kpi": self.kpi, "objective": self.objective,
                "replications": self.replications, "worlds": self.worlds, "worlds_source": self.worlds_source or None,
                "seed": self.seed,
                "share_of_worlds_better": self.share_of_worlds_better() if self.worlds > 1 else None,
                "allocation": self.allocation, "today": {k: float(today[k]) for k in self.levers},
                "bounds": {k: list(v) for k, v in self.bounds.items()},
                "best": {m: float(best[m]) for m in ("objective", "mean", "lo", "hi")},
                "today_kpi": {m: float(today[m]) for m in ("objective", "mean", "lo", "hi")},
                "versus_today": {"mean": gain, "lo": lo, "hi": hi, "level": LEVEL},
                "near_best": {k: list(v) for k, v in self.near_best().items()},
                "generations": self.generations, "evaluations": len(self.plans), "stop": self.stop,
                "plans": self.plans.to_dict(orient="records")}


def _num(x: float) -> str:
    return number(x, whole_from=100)


def _signed(x: float) -> str:
    return number(x, signed=True, whole_from=100)


def check_args(budget: float, kpi: str, objective: str, replications: int, evaluations: int) -> None:
    """Refuse arguments the optimiser cannot use, naming the option and what was expected."""
    if not (isinstance(budget, int | float) and math.isfinite(budget) and budget > 0):
        raise UserError(f"--budget: expected one total weekly budget > 0 (currency), got {plain(budget)!r}")
    if budget > MAX_BUDGET:
        raise UserError(f"--budget: expected a weekly budget of at most {MAX_BUDGET:g} (the most a scenario "
                        f"can spend a week), got {budget:g}")
    if kpi not in MAXIMISED:
        raise UserError(f"--kpi: expected one of {', '.join(MAXIMISED)} to maximise, got {kpi!r}")
    if objective not in RISK_MEASURES:
        raise UserError(f"--objective: expected one of {', '.join(RISK_MEASURES)}, got {objective!r}")
    if replications < 2:
        raise UserError(f"--replications: expected at least 2 (intervals come from paired runs), got {replications}")
    if evaluations < 10:
        raise UserError(f"--evaluations: expected at least 10 plans, got {evaluations}")


def optimise(scenario: Scenario, levers: Sequence[str], budget: float | None = None,
             bounds: Mapping[str, tuple[float, float]] | None = None, kpi: str = "value", objective: str = "mean",
             replications: int = DEFAULT_REPLICATIONS, seed: int = 0, engine: str = "fast",
             evaluations: int = DEFAULT_EVALUATIONS, pool: Pool | None = None,
             progress: Callable[[int], None] | None = None, worlds: Worlds | None = None) -> Allocation:
    """Find the split of ``budget`` over ``levers`` that maximises the objective, with CMA-ES.

    Args:
        scenario: today's plan; everything but the levers' spends stays as it is.
        levers: lever keys or plain names (see ``resolve_levers``).
        budget: weekly budget shared by the levers (default: today's spend on them).
        bounds: weekly spend range per lever key (default 0 to the budget).
        kpi: what each run is scored by (one of ``MAXIMISED``).
        objective: how a plan's runs reduce to one number (``mean``, ``p10``, ``cvar``).
        replications: runs per plan, paired by seed across plans.
        seed: master seed for every plan, and for the search.
        engine: ``fast`` or ``agents``.
        evaluations: most plans the search runs (today's not counted).
        pool: runs a generation's plans side by side (worker processes or a Dask cluster).
        progress: called with 1 after each plan is run.
        worlds: plausible worlds of the assumptions (``cxsim.decide.uncertainty.worlds_for``); each plan
            runs ``replications`` in every world. ``None``: the assumptions as written.

    Returns:
        Every plan run, the best, today's, and the near-best region.
    """
    import cma

    keys = resolve_levers(scenario, levers)
    today = spends(scenario, keys)
    if budget is None:
        budget = sum(today.values())
    check_args(budget, kpi, objective, replications, evaluations)
    ranges = dict(bounds) if bounds else parse_bounds(None, keys, budget, scenario.source)
    ranges = {k: ranges.get(k, (0.0, budget)) for k in keys}
    box = [ranges[k] for k in keys]
    rows: list[dict[str, Any]] = []
    runs: dict[int, np.ndarray] = {}
    seen: dict[tuple[float, ...], int] = {}

    def run(batch: list[np.ndarray], generation: int) -> list[float]:
        """Objective of each plan of a batch of spends (plans run before are not run again)."""
        fresh = []
        for spend in batch:
            key = tuple(np.round(spend, 2))
            if key not in seen and key not in {tuple(np.round(f, 2)) for f in fresh}:
                fresh.append(spend)
        plans = [scenario.with_overrides(plan_overrides(scenario, dict(zip(keys, map(float, s), strict=True))))
                 for s in fresh]
        values = (plan_values(plans, replications, seed, engine, kpi, pool, progress, worlds, scenario)
                  if plans else [])
        for spend, v in zip(fresh, values, strict=True):
            number = len(rows)
            seen[tuple(np.round(spend, 2))] = number
            runs[number] = v
            rows.append({"plan": number, "generation": generation, **dict(zip(keys, map(float, spend), strict=True)),
                         "feasible": within(spend, budget, box), "objective": reduce(v, objective)})
        return [rows[seen[tuple(np.round(s, 2))]]["objective"] for s in batch]

    current = np.array([today[k] for k in keys])
    run([current], -1)  # today's plan is plan 0, as it spends (its total may differ from the budget)
    start = np.clip(current - [b[0] for b in box], 0.0, None)
    start = start / start.sum() if start.sum() > 0 else np.full(len(keys), 1.0 / len(keys))
    x0 = 0.5 * start + 0.5 / len(keys)  # today's mix, pulled in from the edges so no lever starts at 0
    es = cma.CMAEvolutionStrategy(x0, SIGMA0, {
        "bounds": [0.0, 1.0], "seed": seed % (2**31 - 2) + 1, "maxfevals": evaluations, "tolx": TOLX,
        "tolfun": 0.0, "tolfunhist": 0.0, "tolflatfitness": 3, "verbose": -9})
    generation = 0
    while not es.stop():
        xs = es.ask()
        scores = run([weights_to_spends(x, budget, box) for x in xs], generation)
        es.tell(xs, [1e300 if not math.isfinite(s) else -s for s in scores])
        generation += 1
    frame = pd.DataFrame(rows)
    if not frame["feasible"].any():
        raise UserError(f"{scenario.source}: --budget {budget:,.2f} with --bounds: no plan the search tried keeps "
                        "within the budget and every bound; expected ranges that leave room to share the budget")
    if not np.isfinite(frame.loc[frame["feasible"], "objective"]).any():
        raise UserError(f"{scenario.source}: --kpi {kpi}: not a number in some run of every plan (e.g. satisfaction "
                        "with no customers); expected a KPI every run defines")
    plans = _table(rows, runs, keys, objective)
    stop = ", ".join(f"{k} {v:g}" if isinstance(v, int | float) else k for k, v in es.stop().items())
    return Allocation(scenario, keys, float(budget), ranges, kpi, objective, replications, seed, plans, runs,
                      generation, stop, "" if worlds is None else worlds.source)


def _table(rows: list[dict[str, Any]], runs: dict[int, np.ndarray], keys: Sequence[str],
           objective: str) -> pd.DataFrame:
    """The plans with their intervals, paired differences from the best and the near-best flag.

    Near-best: a plan of the search whose objective is within ``NEAR`` of the best's, or (for the
    mean) whose paired difference from the best is not distinguishable from 0.
    """
    plans = pd.DataFrame(rows)
    best = int(plans.loc[_best_index(plans), "plan"])
    top = float(plans.loc[_best_index(plans), "objective"])
    extra = []
    for plan in plans["plan"]:
        v = runs[plan].ravel()
        lo, hi = np.quantile(v, [(1 - LEVEL) / 2, (1 + LEVEL) / 2]) if np.isfinite(v).all() else (math.nan,) * 2
        d, d_lo, d_hi = mean_interval(runs[plan] - runs[best]) if plan != best else (0.0, 0.0, 0.0)
        score = float(plans.loc[plan, "objective"])
        near = plan == best or (plan != 0 and bool(plans.loc[plan, "feasible"]) and math.isfinite(score) and (
            score >= top - NEAR * abs(top) or (objective == "mean" and math.isfinite(d_hi) and d_hi >= 0)))
        extra.append({"mean": float(v.mean()), "lo": float(lo), "hi": float(hi), "diff": d, "diff_lo": d_lo,
                      "diff_hi": d_hi, "near_best": bool(near)})
    return pd.concat([plans, pd.DataFrame(extra)], axis=1)[
        ["plan", "generation", *keys, "feasible", "objective", "mean", "lo", "hi", "diff", "diff_lo", "diff_hi", "near_best"]]


def _best_index(plans: pd.DataFrame) -> Any:
    """Row of the plan with the highest objective among those within the budget and bounds."""
    allowed = plans["objective"].where(plans["feasible"].astype(bool), -math.inf)
    return allowed.idxmax()
