"""Short-term pressure: handle-time targets buy capacity at the cost of quality, and problems come back."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from cxsim.model.levers import ASSUMPTION, Lever
from cxsim.model.mechanisms.base import Module, Week
from cxsim.scenario import ScenarioConfig


def pressured_capacity(capacity: ArrayLike, target: float) -> ArrayLike:
    """Encounters handled when each must end within ``target`` of the time it needs."""
    return np.divide(capacity, target)


def pressured_quality(quality: ArrayLike, target: float, quality_cost: float) -> ArrayLike:
    """Quality of a rushed encounter: quality x (1 - c (1 - target))."""
    return np.multiply(quality, 1.0 - quality_cost * (1.0 - target))


def failure_demand(demand: ArrayLike, target: float, recontact: float) -> ArrayLike:
    """Demand with the contacts that come back because rushed ones left the problem unsolved."""
    return np.multiply(demand, 1.0 + recontact * (1.0 - target))


class Pressure(Module):
    """Encounters must end within a share of the time they need (``[pressure]``)."""

    table = "pressure"
    title = "handle-time target"
    levers_title = "Short-term pressure"
    levers = (
        Lever("pressure.handle_time_target", "Handle-time target (share of the time needed)",
              "1 means no target; 0.6 means encounters must end in 60% of the time they need: more capacity, "
              "worse encounters, and problems that call back.", min_value=0.2, max_value=1.0, step=0.05,
              fmt="%.2f", published=ASSUMPTION),
    )

    @classmethod
    def switched_on(cls, cfg: ScenarioConfig) -> bool:
        return cfg.pressure.handle_time_target < 1

    def before_customers(self, week: Week) -> None:
        if self.switched_on(self.cfg):
            press = self.cfg.pressure
            week.capacity = pressured_capacity(week.capacity, press.handle_time_target)
            week.handle_minutes = week.handle_minutes * press.handle_time_target
            week.demand = failure_demand(week.demand, press.handle_time_target, press.recontact)

    def adjust_quality(self, quality: np.ndarray) -> np.ndarray:
        if not self.switched_on(self.cfg):
            return quality
        return pressured_quality(quality, self.cfg.pressure.handle_time_target, self.cfg.pressure.quality_cost)
