"""Run a scenario: replications, seeds and engines."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from cxsim.core.errors import UserError
from cxsim.model.draws import resolve_seed
from cxsim.model.journey import JourneyModel
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
    n, scale = scenario.simulated_population, scenario.scale
    per_batch = 1 if engine == "agents" else max(1, min(replications, BATCH_CUSTOMERS // n))
    series, people, journeys, shares, futures, after, steady = [], [], [], {}, {}, {}, {}
    economics = scenario.config.economics
    last = first_replication + replications
    for start in range(first_replication, last, per_batch):
        k = min(per_batch, last - start)
        model = model_class(scenario, seed, trace, replications=k, first_replication=start).run()
        ts = model.timeseries()
        ts.insert(0, "replication", np.tile(np.arange(start, start + k), len(ts) // k))
        series.append(ts)
        pop = model.population()
        shares.update({start + r: repeat_share(pop.replication(r, n)) for r in range(k)})
        ahead = scenario.config.economics.terminal_weeks or np.inf
        future = [future_values(pop.replication(r, n), scenario.config, scenario.weeks, ahead) for r in range(k)]
        futures.update({start + r: float(future[r].sum()) * scale for r in range(k)})  # at the real size
        if keep_customers:
            names = segment_names(scenario.config), list(scenario.config.channels)
            members = scenario.config.loyalty.enrolment > 0
            people.extend(customers_frame(start + r, pop.replication(r, n), *names, members)
                          .assign(future_value=future[r]) for r in range(k))
        if model.journeys:
            journeys.append(pd.DataFrame(model.journeys).assign(replication=lambda d, s=start: d["replication"] + s))
        if value:
            flows = (model.run_out(economics.runout_weeks) if economics.runout_weeks
                     else {c: ts[c].to_numpy().reshape(-1, k)[1:] for c in ("profit", "revenue")})
            for r in range(k):
                after[start + r], steady[start + r] = value_after(
                    flows["profit"][:, r], flows["revenue"][:, r], economics.discount_rate, economics.terminal_weeks,
                    economics.runout_weeks)
        if progress:
            progress(k)
    ts = pd.concat(series, ignore_index=True).sort_values(["replication", "step"], ignore_index=True)
    return Results(
        timeseries=ts,
        customers=pd.concat(people, ignore_index=True) if people else pd.DataFrame(),
        journeys=pd.concat(journeys, ignore_index=True) if journeys else pd.DataFrame(),
        scenario_name=scenario.name,
        discount_rate=scenario.config.economics.discount_rate,
        seed=seed,
        engine=engine,
        repeat_shares=pd.Series(shares, dtype=float).rename_axis("replication"),
        terminal_values=pd.Series(after, dtype=float).rename_axis("replication") if value else None,
        customer_equity=pd.Series(futures, dtype=float).rename_axis("replication"),
        steady=pd.Series(steady, dtype=bool).rename_axis("replication") if value else None,
        weeks=scenario.weeks,
        scale=scale,
        population=scenario.population,
        scale_set=scenario.config.market.scale is not None,
    )
