"""Run a scenario: replications, seeds and engines."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from cxsim.core.errors import UserError
from cxsim.model.draws import resolve_seed
from cxsim.model.journey import JourneyModel, side_by_side
from cxsim.model.results import Results, customers_frame, repeat_share
from cxsim.model.segments import segment_names
from cxsim.model.terminal import future_values
from cxsim.model.value import value_after
from cxsim.scenario import Scenario

ENGINES = ("fast", "agents")
BATCH_CUSTOMERS = 400_000  # the fast engine runs replications side by side up to this many customers


def engine_class(engine: str) -> type[JourneyModel]:
    """The model class of an engine name."""
    if engine == "fast":
        from cxsim.model.fast import FastModel
        return FastModel
    if engine == "agents":
        from cxsim.model.agents import AgentsModel
        return AgentsModel
    raise UserError(f"engine: expected one of {', '.join(ENGINES)}, got {engine!r}")


def simulate(scenario: Scenario, replications: int = 20, seed: int | None = 0, engine: str = "fast",
             trace: Sequence[int] = (), keep_customers: bool = True,
             first_replication: int = 0,
             progress: Callable[[int], None] | None = None, value: bool = True) -> Results:
    """Run replications of a scenario.

    Args:
        scenario: the validated scenario.
        replications: number of independent runs.
        seed: master seed (``None``: a fresh one). Replication ``r`` draws its market from
            streams of (seed, r) and every decision of its people from keys of (seed, r),
            so results depend only on (scenario, seed, replication numbers): both engines
            give the same customers, whatever the batching or the process.
        engine: ``"fast"`` (arrays) or ``"agents"`` (one Mesa agent per customer).
        trace: customer ids whose week-by-week journey to record.
        keep_customers: keep the per-customer final state (one row per customer).
        first_replication: number of the first replication (to run a slice of a larger set).
        progress: called with the number of replications just finished.
        value: run the plan past the horizon (``economics.runout_weeks``) to value it after the horizon
            (``cxsim.model.value``); off, the terminal value and ``value`` are NaN and nothing runs past it.

    Returns:
        The time series, customers, journeys and KPIs.
    """
    if replications < 1:
        raise UserError(f"replications: expected an integer >= 1, got {replications}")
    model_class = engine_class(engine)
    seed = resolve_seed(seed)
    per_batch = 1 if engine == "agents" else max(1, min(replications, BATCH_CUSTOMERS // scenario.simulated_population))
    runs = _Runs(scenario, keep_customers, value)
    last = first_replication + replications
    for start in range(first_replication, last, per_batch):
        k = min(per_batch, last - start)
        model = model_class(scenario, seed, trace, replications=k, first_replication=start).run()
        runs.add(model, 0, start, k)
        runs.add_values(runs.run_out(model), 0, start, k)
        if progress:
            progress(k)
    return runs.results(seed, engine)


def simulate_plans(scenarios: Sequence[Scenario], replications: int = 20, seed: int | None = 0,
                   keep_customers: bool = True, first_replication: int = 0, value: bool = True) -> list[Results]:
    """Several plans, each as :func:`simulate` runs it on the fast engine, to the bit; quicker together.

    Plans that differ only in their weekly spends (``journey.side_by_side``) share their markets and
    draws (common random numbers), so they run side by side in one model: the week's work for every
    plan in one pass, the market's bookkeeping once. Others, and plans too large to share a model
    (``BATCH_CUSTOMERS``), run one after another.
    """
    if replications < 1:
        raise UserError(f"replications: expected an integer >= 1, got {replications}")
    seed = resolve_seed(seed)
    if not scenarios:
        return []
    together = BATCH_CUSTOMERS // (replications * scenarios[0].simulated_population)
    if len(scenarios) == 1 or together < 2 or not side_by_side(scenarios):
        return [simulate(s, replications, seed, keep_customers=keep_customers, first_replication=first_replication,
                         value=value) for s in scenarios]
    from cxsim.model.fast import FastModel

    out = []
    for first in range(0, len(scenarios), together):
        plans = scenarios[first:first + together]
        model = FastModel(plans[0], seed, replications=replications, first_replication=first_replication,
                          plans=plans).run()
        runs = [_Runs(plan, keep_customers, value) for plan in plans]
        series = model.timeseries()  # every plan's weeks, once
        for block, plan_runs in enumerate(runs):
            plan_runs.add(model, block, first_replication, replications, series)
        flows = runs[0].run_out(model)  # (after every plan's state at the horizon is kept)
        for block, plan_runs in enumerate(runs):
            plan_runs.add_values(flows, block, first_replication, replications)
            out.append(plan_runs.results(seed, "fast"))
    return out


class _Runs:
    """The runs of one plan, model after model: its weekly series, customers, journeys and values."""

    def __init__(self, scenario: Scenario, keep_customers: bool, value: bool) -> None:
        self.scenario, self.keep_customers, self.value = scenario, keep_customers, value
        self.series, self.people, self.journeys = [], [], []
        self.shares, self.futures, self.after, self.steady = {}, {}, {}, {}

    def run_out(self, model: JourneyModel) -> dict[str, np.ndarray] | None:
        """The model's weekly cash flows past the horizon, (weeks, markets); None when not valued or none run."""
        weeks = self.scenario.config.economics.runout_weeks
        return model.run_out(weeks) if self.value and weeks else None

    def add(self, model: JourneyModel, block: int, start: int, k: int, series: pd.DataFrame | None = None) -> None:
        """Replications ``start .. start + k - 1``: the ``block``-th ``k`` markets of ``model``, run to the horizon
        (``series``: the model's time series when already taken)."""
        scenario, cfg, n = self.scenario, self.scenario.config, self.scenario.simulated_population
        ts = model.timeseries() if series is None else series
        if model.replications != k:  # this plan's markets among the plans side by side
            ts = ts[np.arange(len(ts)) % model.replications // k == block].reset_index(drop=True)
        ts.insert(0, "replication", np.tile(np.arange(start, start + k), len(ts) // k))
        self.series.append(ts)
        pop = model.population()
        mine = [pop.replication(block * k + r, n) for r in range(k)]
        self.shares.update({start + r: repeat_share(mine[r]) for r in range(k)})
        ahead = cfg.economics.terminal_weeks or np.inf
        future = [future_values(mine[r], cfg, scenario.weeks, ahead) for r in range(k)]
        self.futures.update({start + r: float(future[r].sum()) * scenario.scale for r in range(k)})  # the real size
        if self.keep_customers:
            names = segment_names(cfg), list(cfg.channels)
            members = cfg.loyalty.enrolment > 0
            self.people.extend(customers_frame(start + r, mine[r], *names, members).assign(future_value=future[r])
                               for r in range(k))
        if model.journeys:
            self.journeys.append(pd.DataFrame(model.journeys).assign(
                replication=lambda d, s=start: d["replication"] + s))

    def add_values(self, flows: dict[str, np.ndarray] | None, block: int, start: int, k: int) -> None:
        """The values after the horizon of the replications just added, from the model's run-out (``None``: from
        the horizon's last weeks)."""
        if not self.value:
            return
        economics, column = self.scenario.config.economics, block * k
        if flows is None:
            ts, column = self.series[-1], 0
            flows = {c: ts[c].to_numpy().reshape(-1, k)[1:] for c in ("profit", "revenue")}
        for r in range(k):
            self.after[start + r], self.steady[start + r] = value_after(
                flows["profit"][:, column + r], flows["revenue"][:, column + r], economics.discount_rate,
                economics.terminal_weeks, economics.runout_weeks)

    def results(self, seed: int, engine: str) -> Results:
        """Everything added, as one ``Results``."""
        scenario, value = self.scenario, self.value
        ts = pd.concat(self.series, ignore_index=True).sort_values(["replication", "step"], ignore_index=True)
        return Results(
            timeseries=ts,
            customers=pd.concat(self.people, ignore_index=True) if self.people else pd.DataFrame(),
            journeys=pd.concat(self.journeys, ignore_index=True) if self.journeys else pd.DataFrame(),
            scenario_name=scenario.name,
            discount_rate=scenario.config.economics.discount_rate,
            seed=seed,
            engine=engine,
            repeat_shares=pd.Series(self.shares, dtype=float).rename_axis("replication"),
            terminal_values=pd.Series(self.after, dtype=float).rename_axis("replication") if value else None,
            customer_equity=pd.Series(self.futures, dtype=float).rename_axis("replication"),
            steady=pd.Series(self.steady, dtype=bool).rename_axis("replication") if value else None,
            weeks=scenario.weeks,
            scale=scenario.scale,
            population=scenario.population,
            scale_set=scenario.config.market.scale is not None,
        )
