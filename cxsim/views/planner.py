"""What the planner app shows: levers in plain words, assumptions with their published
ranges, the sizes a browser user may ask for, KPI cards, journeys and downloads.

The app's planner page (``app/planner_page.py``) only arranges what this module and the rest of
cxsim compute, so every number on the page can be checked without a browser.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxsim.core.errors import ScenarioError, UserError
from cxsim.core.errors import error_text as error_text  # the app shows a user's mistake as the command line prints it
from cxsim.core.formatting import money
from cxsim.decide.compare import Comparison
from cxsim.decide.optimize import Frontier
from cxsim.decide.spend import plan_spends
from cxsim.decide.stats import WORLD_REPLICATIONS
from cxsim.model.levers import Lever
from cxsim.model.response import mean_spend
from cxsim.model.results import scale_note
from cxsim.scenario import Scenario, parse_scenario
from cxsim.scenario.ranges import RANGES
from cxsim.scenario.schema import AUTOMATIC_PEOPLE, automatic_scale

MAX_POPULATION = 20_000_000    # real people in a market (the most a scenario takes: market.population)
MAX_SIMULATED = 200_000        # people simulated (a larger market is simulated at a scale)
MAX_WEEKS = 520
MAX_REPLICATIONS = 50
MAX_PERSON_RUNS = 4_000_000   # people x replications x scenarios in one comparison
DEFAULT_REPLICATIONS = 5      # fewer than the command line's 20: a lever change reruns 7 plans (benchmarks/results-app.md)
NEAR_ZERO_ADS = 50.0          # an ad budget below this a week gets a warning
FLAGSHIP = "people_vs_ads.toml"
FRONTIER_GRID = 6             # shares 0%, 20%, ..., 100% before the search refines the best


LEVERS: tuple[Lever, ...] = (
    Lever("advertising.weekly_spend", "Ad budget per week",
          "Money spent on advertising each week. Ads make people aware and push the aware to buy.", step=100.0),
    Lever("service.weekly_spend", "Service staff budget per week",
          "Money spent on service staff each week. It pays agents on duty in the contact centre (cost per "
          "agent-hour, less shrinkage, over the open hours); too few agents means long waits, abandoned "
          "contacts and poorer service.", step=100.0),
    Lever("service.training_weekly_spend", "Training budget per week",
          "Money spent each week on training service staff. It raises service quality toward perfect, "
          "with diminishing returns.", step=50.0),
    Lever("purchase.price", "Price per purchase", "What a customer pays for one purchase.", step=1.0),
    Lever("market.population", "People in the market",
          f"Everyone who could become a customer. Above {AUTOMATIC_PEOPLE:,} each simulated person stands for "
          "several real ones (market.scale), and every number shown is at the real size.",
          integer=True, min_value=10, max_value=MAX_POPULATION, step=1000, fmt="%d"),
    Lever("market.weeks", "Horizon (weeks)", f"How long each run lasts (at most {MAX_WEEKS} weeks in the app).",
          integer=True, min_value=1, max_value=MAX_WEEKS, step=4, fmt="%d"),
)

ASSUMPTIONS: dict[str, tuple[Lever, ...]] = {
    "Advertising": (
        Lever("advertising.adstock_decay", "Ad carry-over (adstock θ)",
              "Share of last week's ad pressure still working this week.", max_value=0.99, step=0.05, fmt="%.2f"),
        Lever("advertising.half_saturation", "Ad stock at half effect (Hill K)",
              "Ad stock (money) at which ads have half their full effect: lower means ads saturate sooner.",
              step=500.0),
        Lever("advertising.hill_slope", "Saturation slope (Hill s)",
              "How sharply the ad effect bends: below 1 concave from the first dollar, above 1 S-shaped.",
              min_value=0.05, max_value=10.0, step=0.1, fmt="%.2f"),
        Lever("advertising.max_awareness_rate", "Weekly awareness from ads at saturation (Bass p)",
              "Weekly chance that an unaware person notices the brand when ads are at full strength.",
              max_value=1.0, step=0.005, fmt="%.3f"),
        Lever("advertising.max_persuasion", "Extra weekly purchase chance from ads at saturation",
              "Added weekly chance that an aware person buys, with ads at full strength.",
              max_value=1.0, step=0.005, fmt="%.3f"),
        Lever("advertising.overpromise", "Overpromising",
              "How much ads at full strength raise the quality newcomers expect (0-1 scale). "
              "Expectations above what is delivered lower satisfaction.",
              max_value=1.0, step=0.05, fmt="%.2f",
              published="no published range; expectation-disconfirmation (Oliver 1980) gives the direction"),
    ),
    "Word-of-mouth": (
        Lever("wom.awareness_effect", "Word-of-mouth awareness effect (Bass q)",
              "Added weekly chance of becoming aware per unit of positive word-of-mouth heard.",
              max_value=5.0, step=0.02, fmt="%.2f"),
        Lever("wom.promoter_talk", "Positive talk per promoter per week",
              "Positive word-of-mouth a promoter (9-10) sends each week.", max_value=10.0, step=0.1, fmt="%.2f",
              published="positive WOM outnumbers negative about 3:1 overall (East, Hammond & Wright 2007)"),
        Lever("wom.detractor_talk", "Negative talk per detractor per week",
              "Negative word-of-mouth a detractor (0-6) sends each week.", max_value=10.0, step=0.1, fmt="%.2f",
              published="the dissatisfied talk more per head, but less than folklore says (Anderson 1998)"),
        Lever("wom.negative_purchase_effect", "Purchase chance lost to negative talk",
              "Removed weekly purchase chance per unit of negative word-of-mouth heard.",
              max_value=5.0, step=0.05, fmt="%.2f"),
    ),
    "Service": (
        Lever("service.cost_per_encounter", "Staff cost of one service encounter",
              "Capacity is the staff budget divided by this.", min_value=0.01, step=1.0, fmt="%.2f",
              published="specific to each business"),
        Lever("service.need_probability", "Share of purchases that need service",
              "Probability that a purchase involves a service encounter.", max_value=1.0, step=0.05, fmt="%.2f"),
        Lever("service.quality", "Service quality at normal load (0-1)",
              "Quality of an encounter when staff are not overloaded, before training.",
              max_value=1.0, step=0.05, fmt="%.2f", published="specific to each business"),
        Lever("service.overload_sensitivity", "Quality lost to overload",
              "How fast quality falls when demand exceeds capacity.", max_value=20.0, step=0.1, fmt="%.2f",
              published="no published range; a model assumption"),
        Lever("service.training_half_saturation", "Training budget for half the possible gain",
              "Weekly training spend that closes half the gap between quality and perfect.",
              min_value=1.0, step=100.0, published="no published range; a model assumption"),
    ),
    "Satisfaction and loyalty": (
        Lever("purchase.product_quality", "Product quality (0-1)", "Quality of the product itself.",
              max_value=1.0, step=0.02, fmt="%.2f", published="specific to each business"),
        Lever("satisfaction.disconfirmation_weight", "Weight of surprise (expectation-disconfirmation)",
              "How much (experience - expectation) counts against the experience itself.",
              max_value=10.0, step=0.1, fmt="%.2f"),
        Lever("repeat.rate_shape", "Repeat purchase rate: shape (BG/NBD r)",
              "Shape of the spread of weekly purchase rates between customers.",
              min_value=0.001, max_value=100.0, step=0.05, fmt="%.3f"),
        Lever("repeat.rate_scale", "Repeat purchase rate: scale (BG/NBD α)",
              "Mean weekly purchase rate is r / α.", min_value=0.001, step=0.5, fmt="%.3f"),
        Lever("repeat.dropout_a", "Dropout: a (BG/NBD)", "With b, the spread of dropout chances after a purchase.",
              min_value=0.001, max_value=1000.0, step=0.05, fmt="%.3f"),
        Lever("repeat.dropout_b", "Dropout: b (BG/NBD)", "Mean dropout chance after a purchase is a / (a + b).",
              min_value=0.001, max_value=1000.0, step=0.1, fmt="%.3f"),
        Lever("repeat.rate_sensitivity", "Satisfaction effect on buying again",
              "Purchase rate multiplier per satisfaction point above neutral: exp(k × points).",
              max_value=5.0, step=0.05, fmt="%.2f"),
        Lever("repeat.dropout_sensitivity", "Satisfaction effect on staying",
              "Dropout multiplier per satisfaction point below neutral: exp(k × points).",
              max_value=5.0, step=0.05, fmt="%.2f"),
    ),
    "Money": (
        Lever("purchase.gross_margin", "Gross margin (fraction of price)", "Share of the price that is margin.",
              max_value=1.0, step=0.05, fmt="%.2f", published="specific to each business"),
        Lever("economics.discount_rate", "Annual discount rate (for NPV)", "Used to discount weekly profit.",
              max_value=1.0, step=0.01, fmt="%.2f"),
    ),
}


def _with_range(lever: Lever) -> Lever:
    """A lever whose key has a plausible range shows that range's source (published or assumed), from one place."""
    return replace(lever, published=RANGES[lever.key].source) if lever.key in RANGES else lever


ASSUMPTIONS = {group: tuple(_with_range(lever) for lever in levers) for group, levers in ASSUMPTIONS.items()}


# The assumptions by how much a 20% move of each changes the flagship's value (NPV + the plan continued after the horizon),
# most first; measured by scripts/rank_assumptions.py (6 paired replications).
INFLUENCE: tuple[str, ...] = (
    "purchase.product_quality",
    "purchase.gross_margin",
    "repeat.dropout_a",
    "economics.discount_rate",
    "service.need_probability",
    "repeat.rate_shape",
    "service.quality",
    "repeat.rate_scale",
    "advertising.overpromise",
    "repeat.dropout_b",
    "wom.promoter_talk",
    "wom.detractor_talk",
    "advertising.half_saturation",
    "advertising.max_awareness_rate",
    "satisfaction.disconfirmation_weight",
    "repeat.dropout_sensitivity",
    "advertising.adstock_decay",
    "advertising.max_persuasion",
    "wom.awareness_effect",
    "wom.negative_purchase_effect",
    "repeat.rate_sensitivity",
    "advertising.hill_slope",
    "service.training_half_saturation",
    "service.overload_sensitivity",
    "service.cost_per_encounter",
)
TOP_ASSUMPTIONS = 8  # shown first in the assumptions panel


def ranked_assumptions() -> list[Lever]:
    """Every assumption of ``ASSUMPTIONS``, the most influential first (unranked ones last, in file order)."""
    levers = [lever for group in ASSUMPTIONS.values() for lever in group]
    rank = {key: i for i, key in enumerate(INFLUENCE)}
    return sorted(levers, key=lambda lever: rank.get(lever.key, len(rank)))


def plan_warnings(scenario: Scenario) -> list[str]:
    """Warnings about a plan that is probably not what was meant (no service spend, ads near zero), and the scale
    it is simulated at when each simulated person stands for several."""
    notes = []
    spends = plan_spends(scenario)
    currency = scenario.config.economics.currency
    if spends["service staff"] + spends["training"] <= 0:
        notes.append(f"{scenario.name}: this plan spends nothing on service (service.weekly_spend and "
                     "service.training_weekly_spend are 0), so customers who need service get none. A calibrated "
                     "fit leaves them out: merge it into a planning scenario (Calibrate → use in the planner).")
    if spends["ads"] < NEAR_ZERO_ADS:
        notes.append(f"{scenario.name}: the ad budget is {money(spends['ads'], currency)} a week, near zero: "
                     "ads reach almost nobody. Set advertising.weekly_spend to the plan's real budget.")
    scaled = scale_note(scenario.scale, scenario.population, scenario.config.market.scale is not None)
    if scaled:  # every number the page shows is at the real size: say what was simulated
        notes.append(f"{scenario.name}: simulated {scaled}.")
    return notes


# --- scenarios --------------------------------------------------------------------------

def scenario_files(folder: str | Path) -> list[Path]:
    """Scenario files in a folder, the flagship first."""
    files = sorted(Path(folder).glob("*.toml"))
    return sorted(files, key=lambda p: p.name != FLAGSHIP)


def scenario_from_upload(name: str, data: bytes) -> Scenario:
    """Parse an uploaded scenario file, with the same errors as loading it from disk."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(name, "(file)", "a readable UTF-8 TOML file", str(exc)) from None
    return parse_scenario(text, name)


def within_bounds(scenario: Scenario) -> tuple[Scenario, list[str]]:
    """The scenario with its simulated people and horizon lowered to the app's bounds, and what changed.

    A market that would simulate more than ``MAX_SIMULATED`` people (a file setting a small ``market.scale``)
    takes the automatic scale instead: the real market stays, each simulated person stands for more.
    """
    notes, overrides = [], {}
    if scenario.simulated_population > MAX_SIMULATED:
        scale = automatic_scale(scenario.population)
        overrides["market.scale"] = scale
        notes.append(f"{scenario.source}: market.scale {scenario.scale:g} would simulate "
                     f"{scenario.simulated_population:,} people; the planner simulates at most {MAX_SIMULATED:,}, "
                     f"so each simulated person stands for {scale:,.0f} real people here (every number is still "
                     "at the real size). Run the file's scale with `cxsim compare` on the command line.")
    if scenario.weeks > MAX_WEEKS:
        overrides["market.weeks"] = MAX_WEEKS
        notes.append(f"{scenario.source}: market.weeks is {scenario.weeks}; the planner runs at most {MAX_WEEKS} "
                     f"weeks, so it uses {MAX_WEEKS}. Run the full horizon with `cxsim compare`.")
    return (scenario.with_overrides(overrides) if overrides else scenario), notes


def lever_value(scenario: Scenario, key: str) -> float:
    """A lever's value in a scenario (a weekly spend schedule shows as its mean)."""
    value = scenario[key]
    return mean_spend(value, scenario.weeks) if isinstance(value, list) else value


def apply_levers(scenario: Scenario, values: dict[str, Any]) -> Scenario:
    """The scenario with the levers that differ from it overridden (validated)."""
    changed = {k: v for k, v in values.items() if not np.isclose(float(v), float(lever_value(scenario, k)),
                                                                  rtol=1e-12, atol=1e-9)}
    return scenario.with_overrides(changed) if changed else scenario


DEFAULT_WORLDS = 40           # plausible worlds weighed on request: 4 plans x 40 x 2 runs (results-interactive.md)
MAX_WORLDS = 200
FIRST_WORLDS = 8              # the robust answer appears after these worlds, and refines every 8 more
MAX_WORLD_PERSON_RUNS = 40_000_000  # people x runs x worlds x plans under uncertainty (on request, with progress)


def check_world_size(scenarios: Sequence[Scenario], draws: int) -> None:
    """Refuse a weighing over worlds too big for the page, saying what to change."""
    if not 1 <= draws <= MAX_WORLDS:
        raise UserError(f"worlds: expected 1 to {MAX_WORLDS} in the planner, got {draws}")
    person_runs = sum(s.simulated_population for s in scenarios) * WORLD_REPLICATIONS * draws
    if person_runs > MAX_WORLD_PERSON_RUNS:
        raise UserError(f"weighing over {draws} worlds would simulate {person_runs:,} customer-runs; the planner "
                        f"allows at most {MAX_WORLD_PERSON_RUNS:,}. Fewer worlds or variants, or run `cxsim compare "
                        "FILE --uncertain` on the command line.")


def check_size(scenarios: Sequence[Scenario], replications: int) -> None:
    """Refuse runs too big for an interactive page, saying what to change."""
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise UserError(f"replications: expected 1 to {MAX_REPLICATIONS} in the planner, got {replications}")
    for s in scenarios:
        if s.population > MAX_POPULATION:
            raise UserError(f"market.population: expected at most {MAX_POPULATION:,} people in the planner, "
                            f"got {s.population:,} ({s.name})")
        if s.simulated_population > MAX_SIMULATED:
            raise UserError(f"market.scale: expected at most {MAX_SIMULATED:,} simulated people in the planner, "
                            f"got {s.simulated_population:,} ({s.name}); unset market.scale to let it choose")
        if s.weeks > MAX_WEEKS:
            raise UserError(f"market.weeks: expected at most {MAX_WEEKS} weeks in the planner, "
                            f"got {s.weeks} ({s.name})")
    person_runs = sum(s.simulated_population for s in scenarios) * replications
    if person_runs > MAX_PERSON_RUNS:
        raise UserError(
            f"this comparison would simulate {person_runs:,} customer-runs (simulated people × replications × "
            "scenarios); "
            f"the planner allows at most {MAX_PERSON_RUNS:,} so it stays interactive. Lower the replications, "
            "the market size or the number of variants, or run it with `cxsim compare` on the command line.")


# --- results ----------------------------------------------------------------------------

def timeseries_table(comparison: Comparison) -> pd.DataFrame:
    """Every scenario's weekly time series in one table, with a ``scenario`` column first."""
    return pd.concat([res.timeseries.assign(scenario=label)[["scenario", *res.timeseries.columns]]
                      for label, res in zip(comparison.labels, comparison.results, strict=True)],
                     ignore_index=True)


def table_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """A table as CSV or Parquet file contents."""
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        return buffer.getvalue()
    raise ValueError(f"unknown table format {fmt!r}")


def frontier_summary(frontiers: Sequence[Frontier]) -> pd.DataFrame:
    """One row per total budget: the best split, its KPI, the near-best range, the gain over today's share."""
    rows = []
    for f in frontiers:
        best = f.best
        lo, hi = f.near_best
        gain = f.gain_over_current()
        rows.append({
            "total budget a week": f"{f.budget:,.0f}",
            "best share on service": f"{best['share']:.0%}",
            "on service": f"{best['service_spend']:,.0f}",
            "on ads": f"{best['ad_spend']:,.0f}",
            f.kpi: f"{best['mean']:,.0f}",
            "90% of runs": f"{best['lo']:,.0f} to {best['hi']:,.0f}",
            "near-best shares": f"{lo:.0%} to {hi:.0%}",
            "gain over today's share": ("-" if gain is None else
                                        f"{gain[0]:+,.0f} (90% CI {gain[1]:+,.0f} to {gain[2]:+,.0f}) "
                                        f"vs {f.current:.0%}"),
        })
    return pd.DataFrame(rows)


# --- one customer ---------------------------------------------------------------------------

JOURNEY_KINDS = {
    "a repeat customer": "repeat",
    "a customer who lapsed": "lapsed",
    "a one-time customer": "customer",
    "someone who never bought": "never",
}


def pick_customer(customers: pd.DataFrame, replication: int, kind: str, seed: int = 0) -> int | None:
    """A customer of one run who ended as ``kind`` (a key of ``JOURNEY_KINDS``), or ``None`` if nobody did.

    The pick is random but reproducible: the same table, kind and seed give the same person.
    """
    run = customers[customers["replication"] == replication]
    stage = JOURNEY_KINDS[kind]
    pool = run[run["first_purchase_step"].isna()] if stage == "never" else run[run["stage"] == stage]
    if pool.empty:
        return None
    ids = np.sort(pool["customer_id"].to_numpy())
    return int(ids[np.random.default_rng(seed).integers(ids.size)])


def journey_summary(customers: pd.DataFrame, replication: int, customer_id: int) -> str:
    """One sentence about a customer at the horizon: stage, who won them, purchases, service, money."""
    row = customers[(customers["replication"] == replication) & (customers["customer_id"] == customer_id)].iloc[0]
    stage = {"unaware": "unaware of the brand", "aware": "aware but never bought",
             "customer": "an active customer who bought once", "repeat": "an active repeat customer",
             "lapsed": "a lapsed customer"}[str(row["stage"])]
    won = {"ads": "made aware by ads", "wom": "made aware by word-of-mouth", "initial": "a customer from the start",
           "none": "never reached"}[str(row["source"])]
    if pd.isna(row["first_purchase_step"]):
        return f"Person {customer_id} of run {replication}: {won}, never bought; at the horizon {stage}."
    purchases, encounters = int(row["purchases"]), int(row["service_encounters"])
    return (f"Customer {customer_id} of run {replication}: {won}, first bought in week "
            f"{int(row['first_purchase_step'])}; {purchases} purchase{'s' * (purchases != 1)}, "
            f"{encounters} service encounter{'s' * (encounters != 1)}, revenue {row['revenue']:,.0f}; "
            f"at the horizon {stage}, satisfaction {row['satisfaction']:.1f} of 10.")


# --- a calibrated fit, merged into a plan ------------------------------------------------------

def planning_base(folder: str | Path) -> Scenario:
    """The scenario a calibrated fit is merged into: the flagship plan, with its variants."""
    return parse_scenario((Path(folder) / FLAGSHIP).read_text(encoding="utf-8"), FLAGSHIP)


def adoption_keys(p: float, q: float, m: float, base: Scenario) -> dict[str, float]:
    """A Bass fit's keys for a planning scenario: market size, and ad and word-of-mouth effects.

    In the fitted data the ads ran at the plan's spend, so p is the weekly awareness
    hazard ads gave at that spend: ``max_awareness_rate`` is p divided by the Hill
    saturation of the plan's steady adstock (spend / (1 - decay)), at most 1; q goes to
    ``wom.awareness_effect`` as in the Bass limit.
    """
    from cxsim.model.response import hill

    ads = base.config.advertising
    steady = mean_spend(ads.weekly_spend, base.weeks) / (1.0 - ads.adstock_decay)
    saturation = float(hill(steady, ads.half_saturation, ads.hill_slope)) if steady > 0 else 0.0
    rate = min(1.0, p / saturation) if saturation > 0 else ads.max_awareness_rate
    return {"market.population": int(round(min(max(m, 10), MAX_POPULATION))),
            "advertising.max_awareness_rate": rate, "wom.awareness_effect": q}


def merged_plan(base: Scenario, keys: dict[str, Any], name: str) -> str:
    """The planning scenario with the fitted keys merged in, as scenario-file text (variants kept)."""
    merged = base.with_overrides({**keys, "scenario.name": name,
                                  "scenario.description": f"{base.config.scenario.description} Calibrated: "
                                                          + ", ".join(f"{k} = {v:.4g}" for k, v in keys.items())
                                                          + "."})
    return merged.to_toml()
