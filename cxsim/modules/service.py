"""The service pool: staff spend buys agents, who answer customers' contacts as a contact-centre queue.

With ``service.model = "queue"`` (the default) the week's contacts are a queue
(Erlang C, or Erlang A with a patience; :mod:`cxsim.queueing`): waits grow
smoothly with utilisation, contacts not answered carry over, and what customers
experience is the quality staff deliver times what waiting leaves of it. Staff
follow spend with a hiring delay and skill follows training spend with a delay.
``"capacity"`` keeps the simpler pool: spend / cost_per_encounter encounters a
week, quality falling only above that.
"""

from __future__ import annotations

import numpy as np

from cxsim.metrics import WeekState, WeekTally
from cxsim.modules.base import Module, Week
from cxsim.queueing import WeekOfService, agents_from_spend, week_of_service
from cxsim.response import loaded_quality, service_capacity, service_load, spend_at, trained_quality
from cxsim.scenario import ScenarioConfig

QUEUE_COLUMNS = ("contacts", "answered", "abandoned", "backlog", "service_level", "mean_wait_minutes", "occupancy",
                 "agents")


def lagged(current: float, target: float, weeks: float) -> float:
    """A first-order delay: ``current`` moves a share 1/weeks of the way to ``target`` (at once when weeks < 1)."""
    return target if weeks < 1 else current + (target - current) / weeks


class Service(Module):
    """Staff meet this week the contacts of last week and any backlog (``[service]``)."""

    table = "service"
    title = "service staff"

    def __init__(self, cfg: ScenarioConfig, replications: int) -> None:
        super().__init__(cfg, replications)
        self.last_demand = np.zeros(replications)  # last week's encounters
        self.backlog = np.zeros(replications)      # contacts not answered yet
        svc = cfg.service
        # staff and skill start where the first week's spend keeps them
        self.agents = float(agents_from_spend(spend_at(svc.weekly_spend, 0), svc.cost_per_agent_hour,
                                              svc.open_hours, svc.shrinkage))
        self.skill = float(trained_quality(svc.quality, spend_at(svc.training_weekly_spend, 0),
                                           svc.training_half_saturation))
        self.queue: WeekOfService | None = None

    @property
    def queueing(self) -> bool:
        """Whether the pool is a queue (not with service channels, which have their own model)."""
        return self.cfg.service.model == "queue" and not self.cfg.channels

    def before_customers(self, week: Week) -> None:
        svc = self.cfg.service
        week.staff_spend = spend_at(svc.weekly_spend, week.number)
        week.training_spend = spend_at(svc.training_weekly_spend, week.number)
        fixed = svc.arrivals_per_week
        week.demand = self.last_demand if fixed is None else np.full(self.replications, float(fixed))
        week.people_investment = week.training_spend
        target = float(trained_quality(svc.quality, week.training_spend, svc.training_half_saturation))
        self.skill = lagged(self.skill, target, svc.training_weeks)
        week.quality = np.full(self.replications, self.skill)
        week.handle_minutes = svc.handle_minutes
        if self.queueing:
            hired = float(agents_from_spend(week.staff_spend, svc.cost_per_agent_hour, svc.open_hours, svc.shrinkage))
            self.agents = lagged(self.agents, hired, svc.hiring_weeks)
            week.capacity = self.agents * svc.open_hours * 60.0 / svc.handle_minutes
        else:
            week.capacity = float(service_capacity(week.staff_spend, svc.cost_per_encounter))

    def settle(self, week: Week) -> None:
        svc = self.cfg.service
        if not self.queueing:
            week.load = np.atleast_1d(service_load(week.demand, week.capacity))
            week.service_quality = np.atleast_1d(loaded_quality(week.quality, week.load, svc.overload_sensitivity))
            return
        q = self.queue = week_of_service(week.demand, self.backlog, self.agents, week.handle_minutes, svc.open_hours,
                                         svc.target_seconds, svc.patience_minutes,
                                         tolerance_minutes=svc.wait_tolerance_minutes)
        offered = q.contacts * week.handle_minutes / (svc.open_hours * 60.0)  # Erlangs
        with np.errstate(divide="ignore", invalid="ignore"):
            week.load = np.where(offered > 0, offered / self.agents, 0.0) if self.agents > 0 else np.where(
                offered > 0, np.inf, 0.0)
        week.service_quality = week.quality * q.quality_factor

    def after_customers(self, week: Week, tally: WeekTally) -> None:
        self.last_demand = tally.service_encounters.astype(float)
        if self.queue is not None:
            self.backlog = self.queue.carried

    def columns(self, week: Week | None, tally: WeekTally, state: WeekState) -> dict:
        out = {name: np.nan for name in QUEUE_COLUMNS}
        if week is None:
            return {"service_load": 0.0, "service_quality": 0.0, "service_spend": 0.0, **out}
        if self.queueing and self.queue is not None:
            q = self.queue
            out = {"contacts": q.contacts, "answered": q.answered, "abandoned": q.abandoned, "backlog": q.carried,
                   "service_level": q.service_level, "mean_wait_minutes": q.mean_wait_minutes,
                   "occupancy": q.occupancy, "agents": self.agents}
        return {"service_load": week.load, "service_quality": week.service_quality,
                "service_spend": week.staff_spend + week.training_spend, **out}
