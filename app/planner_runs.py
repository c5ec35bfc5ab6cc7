"""The planner's computations, cached for the server's life: the page arranges what these return.

They live apart from the page so the server can compute the landing page's plans when it starts
(``app/serve.py`` calls :func:`warm_landing` before it opens its port), and the first visitor meets a warm answer.
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from pathlib import Path

import pandas as pd
import streamlit as st

from cxsim import parse_scenario, simulate
from cxsim.decide import runs
from cxsim.decide.advise import DEFAULT_STEP, advise, moved_plans
from cxsim.decide.compare import Comparison
from cxsim.decide.optimize import Frontier, frontier
from cxsim.decide.pools import ProcessPool
from cxsim.decide.robust import robust_compare_anytime
from cxsim.decide.uncertainty import worlds_for
from cxsim.model.results import Results
from cxsim.report.figures import (
    acquisition_figure,
    customers_figure,
    funnel_figure,
    profit_figure,
    satisfaction_figure,
)
from cxsim.scenario import Scenario
from cxsim.views import planner

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
CHART_FUNCTIONS = {"funnel": funnel_figure, "customers": customers_figure, "acquisition": acquisition_figure,
                   "satisfaction": satisfaction_figure, "profit": profit_figure}


@st.cache_data(max_entries=32, show_spinner=False)
def run_scenario(text: str, source: str, variant: str | None, replications: int, seed: int,
                 keep_customers: bool = False) -> Results:
    """One scenario (the base or a variant) of the scenario text, run with the page's seed.

    The customers are kept only when asked (segments, a journey): the comparison is quicker without.
    """
    return simulate(parse_scenario(text, source, variant), replications, seed, keep_customers=keep_customers)


@st.cache_data(max_entries=64, show_spinner=False)
def run_plan(text: str, replications: int, seed: int) -> Results:
    """One plan of ``advise`` (today's plan with one lever moved), without the customers."""
    return simulate(parse_scenario(text, "<plan>"), replications, seed, keep_customers=False)


@st.cache_data(max_entries=16, show_spinner=False)
def run_page_plans(text: str, source: str, replications: int, seed: int,
                   keep_customers: bool = False) -> tuple[Results, dict[str, Results]]:
    """Today's plan and each lever moved a step from it (the verdict's plans), run together: plans that differ
    only in their spends run side by side (``runs.run_plans``). Returns today's results and the moved plans'
    by their TOML (for :func:`run_advice`)."""
    today = parse_scenario(text, source)
    moved = [plan for _, _, plan in moved_plans(today, DEFAULT_STEP)]
    started = time.perf_counter()
    ran = runs.run_plans([today, *moved], replications, seed, keep_customers=keep_customers)
    pace()["person_week"] = (time.perf_counter() - started) / _person_weeks(today, (1 + len(moved)) * replications)
    return ran[0], {plan.to_toml(include_variants=False): res for plan, res in zip(moved, ran[1:])}


@st.cache_resource
def pace() -> dict[str, float]:
    """This server's measured pace: seconds per simulated person-week of the page's latest runs."""
    return {}


def _person_weeks(scenario: Scenario, count: int) -> int:
    """Simulated person-weeks of ``count`` runs of a scenario, its run-out included."""
    return count * scenario.simulated_population * (scenario.weeks + scenario.config.economics.runout_weeks)


def estimated_minutes(scenario: Scenario, count: int) -> float | None:
    """Minutes ``count`` runs of a scenario take at this server's measured pace (``None`` before any is measured)."""
    seconds = pace().get("person_week")
    return None if seconds is None else seconds * _person_weeks(scenario, count) / 60


@st.cache_data(max_entries=16, show_spinner=False)
def run_variants(text: str, source: str, variants: tuple[str, ...], replications: int, seed: int,
                 keep_customers: bool = False) -> list[Results]:
    """The scenario's variants (the table's other plans), run together as :func:`run_page_plans` runs its plans."""
    today = parse_scenario(text, source)
    return runs.run_plans([today.with_variant(v) for v in variants], replications, seed,
                          keep_customers=keep_customers)


def run_advice(edited, today: Results, replications: int, seed: int, curve_steps: tuple[int, ...] = (),
               moved: dict[str, Results] | None = None):
    """Marginal returns at the edited plan; today's runs are the comparison's, each moved plan is taken from
    ``moved`` (:func:`run_page_plans`) or run and cached."""
    def run(plan: Scenario) -> Results:
        key = plan.to_toml(include_variants=False)
        return moved[key] if moved and key in moved else run_plan(key, replications, seed)

    return advise(edited, DEFAULT_STEP, replications, seed, base=today, curve_steps=curve_steps, run=run)


@st.cache_data(max_entries=24, show_spinner=False)
def run_frontier(text: str, source: str, variant: str | None, budget: float, kpi: str, replications: int,
                 seed: int) -> Frontier:
    """The budget-split frontier of one total budget."""
    return frontier(parse_scenario(text, source, variant), budget, kpi, replications, seed,
                    grid=planner.FRONTIER_GRID)


@st.cache_data(max_entries=8, show_spinner=False)
def chart(text: str, source: str, variants: tuple[str, ...], replications: int, seed: int, name: str,
          _comparison: Comparison):
    """One figure over time of a comparison (keyed like the runs it was made from)."""
    if name == "profit":
        return profit_figure(_comparison.results, _comparison.labels, _comparison.scenarios[0].config.economics.currency)
    return CHART_FUNCTIONS[name](_comparison.results, _comparison.labels)


@st.cache_resource
def robust_answers() -> dict:
    """Robust answers already computed in this server, by request (scenario text, variants, worlds, seed)."""
    return {}


@st.cache_resource
def robust_pool() -> ProcessPool:
    """The robust answer's worker processes, one per core: started once, kept for the server's life."""
    return ProcessPool(runs.default_workers())


def start_robust_workers(scenario: Scenario) -> list[Future]:
    """Start the robust answer's workers: each runs the scenario small, so its compiled loops are loaded."""
    small = scenario.with_overrides({"market.population": 100, "market.weeks": 2})
    workers = robust_pool()
    return [workers.executor().submit(runs.run_plan, small, 1, 0, one_thread=True) for _ in range(workers.slots)]


def run_robust(text: str, source: str, variants: tuple[str, ...], draws: int, seed: int, posterior: str | None):
    """Every plan in every plausible world (plausible ranges, the file's [uncertainty] table, or a posterior),
    answer after answer as the worlds arrive (``robust_compare_anytime``), on the server's worker processes."""
    base = parse_scenario(text, source)
    plans = [base, *(base.with_variant(v) for v in variants)]
    worlds = worlds_for(base, uncertain=True, posterior=posterior, draws=draws, seed=seed)
    return robust_compare_anytime(plans, worlds, planner.WORLD_REPLICATIONS, seed, first=planner.FIRST_WORLDS,
                                  every=planner.FIRST_WORLDS, pool=robust_pool())


@st.cache_data(max_entries=16, show_spinner=False)
def run_journey(text: str, source: str, variant: str | None, replications: int, seed: int,
                customer_id: int) -> pd.DataFrame:
    """Week-by-week journey of one customer in every run of the comparison (same seed, same runs)."""
    scenario = parse_scenario(text, source, variant)
    return simulate(scenario, replications, seed, trace=[customer_id], keep_customers=False).journeys


def landing_request(folder: Path = SCENARIOS) -> tuple[str, str, list[str], bool]:
    """What the page computes for a first visitor: the first scenario file as it is (text, source), all its
    variants, and whether customers are kept (segments shown)."""
    chosen = planner.scenario_files(folder)[0]
    source = str(chosen.relative_to(folder.parent))
    base, _ = planner.within_bounds(planner.scenario_from_upload(source, chosen.read_bytes()))
    scenarios = [base, *(base.with_variant(v) for v in base.variants)]
    return base.to_toml(), source, list(base.variants), any(bool(s.config.segments) for s in scenarios)


def warm_landing(folder: Path = SCENARIOS) -> None:
    """Run the landing page's plans and their marginal returns into the caches, as a first visit would, and
    start the robust answer's workers (each runs a small plan, so its compiled loops are loaded)."""
    text, source, variants, keep = landing_request(folder)
    base = parse_scenario(text, source)
    started = start_robust_workers(base)
    replications, seed = planner.DEFAULT_REPLICATIONS, 0
    today, moved = run_page_plans(text, source, replications, seed, keep)
    run_advice(base, today, replications, seed, moved=moved)
    run_variants(text, source, tuple(variants), replications, seed, keep)
    for future in started:
        future.result()
