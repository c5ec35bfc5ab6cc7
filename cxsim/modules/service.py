"""The service pool: staff spend buys capacity, training lifts quality, load above capacity lowers it."""

from __future__ import annotations

import numpy as np

from cxsim.metrics import WeekState, WeekTally
from cxsim.modules.base import Module, Week
from cxsim.response import loaded_quality, service_capacity, service_load, spend_at, trained_quality
from cxsim.scenario import ScenarioConfig


class Service(Module):
    """Staff meet this week at the load of last week's demand: capacity is planned, queues build (``[service]``)."""

    table = "service"
    title = "service staff"

    def __init__(self, cfg: ScenarioConfig, replications: int) -> None:
        super().__init__(cfg, replications)
        self.last_demand = np.zeros(replications)  # last week's encounters

    def before_customers(self, week: Week) -> None:
        svc = self.cfg.service
        week.staff_spend = spend_at(svc.weekly_spend, week.number)
        week.training_spend = spend_at(svc.training_weekly_spend, week.number)
        week.capacity = float(service_capacity(week.staff_spend, svc.cost_per_encounter))
        week.demand = self.last_demand
        base = float(trained_quality(svc.quality, week.training_spend, svc.training_half_saturation))
        week.quality = np.full(self.replications, base)
        week.people_investment = week.training_spend

    def settle(self, week: Week) -> None:
        week.load = np.atleast_1d(service_load(week.demand, week.capacity))
        week.service_quality = np.atleast_1d(loaded_quality(week.quality, week.load,
                                                            self.cfg.service.overload_sensitivity))

    def after_customers(self, week: Week, tally: WeekTally) -> None:
        self.last_demand = tally.service_encounters.astype(float)

    def columns(self, week: Week | None, tally: WeekTally, state: WeekState) -> dict:
        if week is None:
            return {"service_load": 0.0, "service_quality": 0.0, "service_spend": 0.0}
        return {"service_load": week.load, "service_quality": week.service_quality,
                "service_spend": week.staff_spend + week.training_spend}
