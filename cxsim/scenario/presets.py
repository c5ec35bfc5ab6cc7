"""Scenarios that reduce cxsim to known models (the limits in the model brief)."""

from __future__ import annotations

from typing import Any

from cxsim.scenario import Scenario

_QUIET_SERVICE = {
    "service.weekly_spend": 0.0, "service.need_probability": 0.0,
    "satisfaction.memory": 0.0, "satisfaction.noise_sd": 0.0, "satisfaction.scale_use_sd": 0.0,
    "wom.negative_purchase_effect": 0.0, "wom.negative_churn_effect": 0.0,
    "repeat.rate_sensitivity": 0.0, "repeat.dropout_sensitivity": 0.0,
}


def _scenario(name: str, values: dict[str, Any]) -> Scenario:
    return Scenario({}, f"<preset {name}>").with_overrides({"scenario.name": name, **_QUIET_SERVICE, **values})


def bass(p: float, q: float, population: int = 10_000, steps: int = 52) -> Scenario:
    """The Bass limit: constant ad hazard p, WOM q times the adopted share, immediate purchase.

    Everyone who buys stays a promoter and talks (satisfaction fixed at 10), on
    the complete graph, so each week a non-adopter adopts with probability
    p + q F_{t-1}.
    """
    return _scenario("bass", {
        "market.population": population, "market.weeks": steps,
        "market.initial_customer_share": 0.0, "market.initial_aware_share": 0.0,
        "network.kind": "complete",
        "advertising.weekly_spend": 1.0, "advertising.adstock_decay": 0.0,
        "advertising.half_saturation": 0.0, "advertising.max_awareness_rate": p,
        "advertising.max_persuasion": 0.0, "advertising.overpromise": 0.0,
        "purchase.buy_on_awareness": 1.0, "purchase.awareness_decay": 0.0, "purchase.base_rate": 0.0,
        "satisfaction.initial": 10.0,
        "wom.promoter_talk": 1.0, "wom.awareness_effect": q, "wom.purchase_effect": 0.0, "wom.lapsed_fade": 0.0,
        "repeat.winback_rate": 0.0,
    })


def contact_centre(contacts_per_week: float, handle_minutes: float, agents: float, open_hours_per_week: float,
                   target_seconds: float, patience_minutes: float | None = None, weeks: int = 10) -> Scenario:
    """The contact-centre limit: constant arrivals to a queue of ``agents``, nothing else moving.

    Contacts arrive evenly over the open hours; the weekly outputs (service level,
    mean wait, abandonment, occupancy) are Erlang C's, or Erlang A's with a
    patience. A paid agent-hour costs 1, nobody is off the phones and nobody
    leaves (no new hires learning), so the staff spend is ``agents x open hours``.
    """
    return _scenario("contact centre", {
        "market.population": 100, "market.weeks": weeks, "market.initial_customer_share": 0.0,
        "market.initial_aware_share": 0.0, "network.kind": "complete",
        "advertising.weekly_spend": 0.0, "purchase.base_rate": 0.0,
        "service.model": "queue", "service.arrivals_per_week": contacts_per_week,
        "service.weekly_spend": agents * open_hours_per_week, "service.cost_per_agent_hour": 1.0,
        "service.shrinkage": 0.0, "service.handle_minutes": handle_minutes, "service.open_hours": open_hours_per_week,
        "service.target_seconds": target_seconds, "service.patience_minutes": patience_minutes,
        "employees.annual_turnover": 0.0,
    })


def bgnbd(r: float, alpha: float, a: float, b: float, population: int = 20_000, steps: int = 52) -> Scenario:
    """The BG/NBD limit: a cohort that all bought at week 0, no satisfaction, WOM or ads.

    Each week an active customer buys Poisson(lambda_i) times and drops out
    with probability p_i after each purchase; lambda_i ~ Gamma(r, alpha),
    p_i ~ Beta(a, b).
    """
    return _scenario("bgnbd", {
        "market.population": population, "market.weeks": steps,
        "market.initial_customer_share": 1.0, "market.initial_aware_share": 0.0,
        "network.kind": "complete",
        "advertising.weekly_spend": 0.0, "advertising.max_awareness_rate": 0.0,
        "advertising.max_persuasion": 0.0,
        "purchase.base_rate": 0.0,
        "repeat.rate_shape": r, "repeat.rate_scale": alpha, "repeat.dropout_a": a, "repeat.dropout_b": b,
        "repeat.winback_rate": 0.0,
        "wom.promoter_talk": 0.0, "wom.passive_talk": 0.0, "wom.detractor_talk": 0.0,
        "wom.awareness_effect": 0.0, "wom.purchase_effect": 0.0,
    })
