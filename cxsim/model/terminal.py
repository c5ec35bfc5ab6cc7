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

import numba
import numpy as np

from cxsim.model import rules
from cxsim.model.behaviour import Stage
from cxsim.model.mechanisms import customer_constants
from cxsim.model.segments import segment_traits
from cxsim.scenario import ScenarioConfig

CUSTOMER, REPEAT = int(Stage.CUSTOMER), int(Stage.REPEAT)


def weekly_force(annual_rate: float) -> float:
    """Continuous weekly discount rate delta equivalent to an annual rate: ln(1 + annual) / 52."""
    return float(np.log1p(annual_rate) / 52.0)


@numba.njit(cache=True, error_model="numpy")
def time_alive(rate: float, dropout: float, delta: float, weeks: float) -> float:  # pragma: no cover  (compiled)
    """Expected weeks an active customer stays active in the next ``weeks``, discounted at ``delta``.

    Alive for an exponential time of rate ``dropout x rate``: the integral of
    exp(-(delta + p lambda) s) over the next ``weeks`` (``inf``: for ever).
    """
    force = delta + dropout * rate
    if force <= 0.0:
        return weeks
    return 1.0 / force if np.isinf(weeks) else -np.expm1(-force * weeks) / force


def discounted_purchases(rate: float, dropout: float, delta: float, weeks: float = np.inf) -> float:
    """Expected purchases in the next ``weeks`` of an active customer, discounted at ``delta`` (DERT).

    Args:
        rate: weekly purchase rate lambda while active.
        dropout: probability p of dropping out after a purchase.
        delta: continuous weekly discount rate (0: undiscounted).
        weeks: how far ahead (``inf``: for ever).
    """
    return 0.0 if rate <= 0 else float(rate * time_alive(float(rate), float(dropout), float(delta), float(weeks)))


@numba.njit(cache=True, error_model="numpy")
def _future(stage, rate, dropout, satisfaction, first, segment, member, c, traits, weeks, delta, ahead,
            margin, reward_share, member_cost):  # pragma: no cover  (compiled)
    """Per customer: expected discounted purchases after the horizon, and their value (0 if not active)."""
    n = stage.size
    purchases = np.zeros(n)
    value = np.zeros(n)
    for i in range(n):
        if stage[i] != CUSTOMER and stage[i] != REPEAT:
            continue
        t = traits[segment[i]]
        tenure = float(weeks - first[i])
        r = rules.active_rate(c, t, rate[i], satisfaction[i], tenure, member[i])
        p = rules.active_dropout(c, t, dropout[i], satisfaction[i], member[i])
        is_member = c[rules.ENROLMENT] > 0 and member[i]
        if r <= 0.0:
            continue
        alive = time_alive(r, p, delta, ahead)
        purchases[i] = r * alive
        spend = c[rules.PRICE] * rules.basket(c, t, tenure, satisfaction[i])
        value[i] = purchases[i] * spend * margin
        if is_member:
            value[i] -= purchases[i] * reward_share * spend + member_cost * alive
    return purchases, value


def _evaluate(pop, cfg: ScenarioConfig, weeks: int, ahead: float, delta: float) -> tuple[np.ndarray, np.ndarray]:
    loy = cfg.loyalty
    return _future(pop.stage.astype(np.int64), pop.rate.astype(float), pop.dropout.astype(float),
                   pop.satisfaction.astype(float), pop.first_purchase_step.astype(np.int64),
                   pop.segment.astype(np.int64), pop.member.astype(np.bool_), customer_constants(cfg),
                   rules.trait_table(segment_traits(cfg)), float(weeks), float(delta), float(ahead),
                   float(cfg.purchase.gross_margin), float(loy.reward_share), float(loy.cost_per_member_week))


def future_values(pop, cfg: ScenarioConfig, weeks: int, ahead: float = np.inf) -> np.ndarray:
    """Each customer's expected discounted margin after the horizon, in money at the horizon (0 if not active).

    Rates, dropout and basket come from the engines' own rules (``cxsim.model.rules``,
    ``cxsim.model.behaviour``) at each customer's final satisfaction, tenure and membership.

    Args:
        pop: the customers' final state (``cxsim.model.journey.Population`` of one replication).
        cfg: the scenario's configuration.
        weeks: the horizon (the week the state is taken at).
        ahead: how many weeks after the horizon to count (``inf``: for ever).
    """
    return _evaluate(pop, cfg, weeks, ahead, weekly_force(cfg.economics.discount_rate))[1]

