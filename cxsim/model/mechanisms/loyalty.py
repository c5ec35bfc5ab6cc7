"""Loyalty monetised: rate and basket grow with tenure and satisfaction; an optional programme."""

from __future__ import annotations

import numpy as np

from cxsim.model.behaviour import Stage
from cxsim.model.levers import ASSUMPTION, Lever
from cxsim.model.mechanisms.base import Module, Week
from cxsim.model.metrics import WeekState, WeekTally, per_group
from cxsim.model.rules import (
    BASKET_GROWTH,
    BASKET_SATISFACTION,
    ENROLMENT,
    MEMBER_DROPOUT_REDUCTION,
    MEMBER_RATE_UPLIFT,
    RATE_GROWTH,
    TENURE_HALF_WEEKS,
)
from cxsim.scenario import ScenarioConfig


class Loyalty(Module):
    """Long-standing customers buy more often and spend more; programme members leave less (``[loyalty]``)."""

    table = "loyalty"
    title = "loyalty"
    levers_title = "Loyalty"
    levers = (
        Lever("loyalty.rate_growth", "Rise in purchase rate of long-standing customers",
              "Fraction: 0.3 means loyal customers buy 30% more often (half of it by tenure_half_weeks).",
              max_value=10.0, step=0.05, fmt="%.2f", published=ASSUMPTION),
        Lever("loyalty.basket_growth", "Rise in spend per purchase of long-standing customers",
              "Fraction, same form as the purchase rate.", max_value=10.0, step=0.05, fmt="%.2f",
              published=ASSUMPTION),
        Lever("loyalty.enrolment", "Loyalty programme: share of new customers who join",
              "0 means no programme. Members buy more and leave less, at a running cost and rewards.",
              max_value=1.0, step=0.05, fmt="%.2f",
              published="programmes change loyalty only modestly (Sharp & Sharp 1997; Dowling & Uncles 1997)"),
        Lever("loyalty.cost_per_member_week", "Programme cost per member per week", "Running cost.",
              step=0.05, fmt="%.2f", published="specific to each business"),
    )

    @classmethod
    def switched_on(cls, cfg: ScenarioConfig) -> bool:
        loy = cfg.loyalty
        return loy.rate_growth > 0 or loy.basket_growth > 0 or loy.basket_satisfaction > 0 or loy.enrolment > 0

    def describe(self) -> str:
        loy, parts = self.cfg.loyalty, []
        if loy.rate_growth > 0 or loy.basket_growth > 0 or loy.basket_satisfaction > 0:
            parts.append("loyalty growing with tenure")
        if loy.enrolment > 0:
            parts.append("loyalty programme")
        return ", ".join(parts)

    def customer_effects(self, constants: np.ndarray) -> None:
        loy = self.cfg.loyalty
        constants[[RATE_GROWTH, TENURE_HALF_WEEKS, ENROLMENT, MEMBER_RATE_UPLIFT, MEMBER_DROPOUT_REDUCTION,
                   BASKET_GROWTH, BASKET_SATISFACTION]] = (
            loy.rate_growth, loy.tenure_half_weeks, loy.enrolment, loy.member_rate_uplift,
            loy.member_dropout_reduction, loy.basket_growth, loy.basket_satisfaction)

    def _members(self, state: WeekState) -> np.ndarray:
        if state.member is None:
            return np.zeros(self.replications, dtype=np.int64)
        active = (state.stage == Stage.CUSTOMER) | (state.stage == Stage.REPEAT)
        members = per_group(state.member & active, self.replications).astype(np.int64)
        return members if state.weight == 1 else members * (int(state.weight) if float(state.weight).is_integer()
                                                             else float(state.weight))

    def columns(self, week: Week | None, tally: WeekTally, state: WeekState) -> dict:
        members = self._members(state)
        return {"members": members, "loyalty_cost": self._cost(members, tally)}

    def _cost(self, members: np.ndarray, tally: WeekTally) -> np.ndarray:
        loy = self.cfg.loyalty
        return members * loy.cost_per_member_week + loy.reward_share * tally.member_revenue

    def cost(self, week: Week | None, tally: WeekTally, state: WeekState) -> np.ndarray:
        return self._cost(self._members(state), tally)
