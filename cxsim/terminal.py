"""Value beyond the horizon: what each customer still active at the horizon is expected to bring.

An active customer buys at Poisson rate ``lambda`` and drops out for good with
probability ``p`` after each repeat purchase (BG/NBD, Fader, Hardie & Lee 2005).
Their time alive from now on is then exponential with rate ``p lambda``, so
the expected purchases in the next ``t`` weeks, discounted continuously at
rate ``delta`` (``ln(1 + weekly rate)``), are

    DERT(t) = lambda (1 - exp(-(delta + p lambda) t)) / (delta + p lambda)

(``lambda / (delta + p lambda)`` for ever; ``(1 - exp(-p lambda t)) / p``
undiscounted, the individual form of BG/NBD's expected residual purchases).
The simulation knows who is active (P(alive) is 1 for them and 0 for lapsed
customers) and each one's rate and dropout at the horizon: their drawn
BG/NBD traits moved by their final satisfaction, tenure and loyalty
membership, as the engines move them. The future is valued as if those stayed
as they are: no further word-of-mouth, win-back or new customers.

A customer's future value is their DERT times the margin of one purchase
(price x basket x gross margin, less loyalty rewards), less a member's
programme cost over their discounted time alive, in money at the horizon.
"""

from __future__ import annotations

import numpy as np

from cxsim import behaviour as b
from cxsim.behaviour import Stage
from cxsim.scenario import ScenarioConfig
from cxsim.segments import TraitTable, segment_traits


def weekly_force(annual_rate: float) -> float:
    """Continuous weekly discount rate delta equivalent to an annual rate: ln(1 + annual) / 52."""
    return float(np.log1p(annual_rate) / 52.0)


def discounted_purchases(rate: np.ndarray | float, dropout: np.ndarray | float, delta: float,
                         weeks: float = np.inf) -> np.ndarray | float:
    """Expected purchases in the next ``weeks`` of an active customer, discounted at ``delta`` (DERT).

    Args:
        rate: weekly purchase rate lambda while active.
        dropout: probability p of dropping out after a purchase.
        delta: continuous weekly discount rate (0: undiscounted).
        weeks: how far ahead (``inf``: for ever).
    """
    rate = np.asarray(rate, dtype=float)
    force = delta + np.asarray(dropout, dtype=float) * rate
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.isinf(weeks):
            per_rate = np.where(force > 0, 1.0 / force, np.inf)
        else:
            per_rate = np.where(force > 0, -np.expm1(-force * weeks) / force, weeks)
        out = np.where(rate > 0, rate * per_rate, 0.0)
    return float(out) if out.ndim == 0 else out


def discounted_time_alive(rate: np.ndarray, dropout: np.ndarray, delta: float, weeks: float = np.inf) -> np.ndarray:
    """Expected discounted weeks an active customer stays active in the next ``weeks``."""
    force = delta + np.asarray(dropout, dtype=float) * np.asarray(rate, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.isinf(weeks):
            return np.where(force > 0, 1.0 / force, np.inf)
        return np.where(force > 0, -np.expm1(-force * weeks) / force, weeks)


def horizon_rates(pop, cfg: ScenarioConfig, weeks: int) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's weekly purchase rate and dropout probability at the horizon, as the engines set them."""
    rep, loy = cfg.repeat, cfg.loyalty
    traits = TraitTable(segment_traits(cfg))
    seg = pop.segment
    rate = b.repeat_rate(pop.rate, pop.satisfaction, rep.neutral_satisfaction, traits.of("rate_sensitivity", seg))
    tenure = np.maximum(weeks - pop.first_purchase_step, 0).astype(float)
    if loy.rate_growth > 0:
        rate = rate * b.tenure_lift(tenure, loy.rate_growth, loy.tenure_half_weeks)
    dropout = b.dropout_probability(pop.dropout, pop.satisfaction, rep.neutral_satisfaction,
                                    traits.of("dropout_sensitivity", seg))
    if loy.enrolment > 0:
        member = pop.member.astype(float)
        rate = b.member_rate(rate, member, loy.member_rate_uplift)
        dropout = b.member_dropout(dropout, member, loy.member_dropout_reduction)
    return np.asarray(rate, dtype=float), np.asarray(dropout, dtype=float)


def future_values(pop, cfg: ScenarioConfig, weeks: int, ahead: float = np.inf) -> np.ndarray:
    """Each customer's expected discounted margin after the horizon, in money at the horizon (0 if not active).

    Args:
        pop: the customers' final state (``cxsim.model.Population`` of one replication).
        cfg: the scenario's configuration.
        weeks: the horizon (the week the state is taken at).
        ahead: how many weeks after the horizon to count (``inf``: for ever).
    """
    active = (pop.stage == Stage.CUSTOMER) | (pop.stage == Stage.REPEAT)
    rate, dropout = horizon_rates(pop, cfg, weeks)
    delta = weekly_force(cfg.economics.discount_rate)
    loy = cfg.loyalty
    traits = TraitTable(segment_traits(cfg))
    tenure = np.maximum(weeks - pop.first_purchase_step, 0).astype(float)
    basket = b.basket_size(traits.of("basket", pop.segment), tenure, pop.satisfaction,
                           cfg.repeat.neutral_satisfaction, loy.basket_growth, loy.tenure_half_weeks,
                           loy.basket_satisfaction)
    spend = cfg.purchase.price * np.asarray(basket, dtype=float)
    margin = spend * cfg.purchase.gross_margin
    value = discounted_purchases(rate, dropout, delta, ahead) * margin
    if loy.enrolment > 0:
        member = pop.member.astype(bool)
        value = value - member * (discounted_purchases(rate, dropout, delta, ahead) * loy.reward_share * spend
                                  + loy.cost_per_member_week * discounted_time_alive(rate, dropout, delta, ahead))
    return np.where(active, value, 0.0)


def residual_purchases(pop, cfg: ScenarioConfig, weeks: int, ahead: float) -> float:
    """Expected purchases of the active customers in the ``ahead`` weeks after the horizon, undiscounted."""
    active = (pop.stage == Stage.CUSTOMER) | (pop.stage == Stage.REPEAT)
    rate, dropout = horizon_rates(pop, cfg, weeks)
    return float(discounted_purchases(rate[active], dropout[active], 0.0, ahead).sum())
