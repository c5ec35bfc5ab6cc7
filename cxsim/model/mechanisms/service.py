"""The service pool: staff spend buys agents, who answer customers' contacts as a contact-centre queue.

With ``service.model = "queue"`` (the default) the week's contacts are a queue
(Erlang C, or Erlang A with a patience; :mod:`cxsim.model.mechanisms.queueing`): waits grow
smoothly with utilisation, contacts not answered carry over, and what customers
experience is the quality staff deliver times what waiting leaves of it. The
staff are a workforce (:mod:`cxsim.model.mechanisms.staffing`): hires follow spend with a delay and
ramp up, staff leave at ``employees.annual_turnover``; skill follows training
spend with a delay. With service channels this module staffs each channel's
queue (its share of the spend) and :mod:`cxsim.model.mechanisms.channels` runs the queues.
``"capacity"`` keeps the simpler pool: spend / cost_per_encounter encounters a
week, quality falling only above that.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cxsim.core.errors import plain
from cxsim.model.mechanisms.base import Module, Week
from cxsim.model.mechanisms.channels import channel_queues
from cxsim.model.mechanisms.queueing import WeekOfService, agents_from_spend, offered_load
from cxsim.model.mechanisms.scaled_queue import week_of_service_at_scale
from cxsim.model.mechanisms.staffing import Workforce
from cxsim.model.metrics import WeekState, WeekTally
from cxsim.model.response import loaded_quality, service_capacity, service_load, trained_quality
from cxsim.scenario import ScenarioConfig

QUEUE_COLUMNS = ("contacts", "answered", "abandoned", "backlog", "service_level", "mean_wait_minutes", "occupancy",
                 "agents", "headcount", "novice_share")


def lagged(current: float, target: float, weeks: float) -> float:
    """A first-order delay: ``current`` moves a share 1/weeks of the way to ``target`` (at once when weeks < 1)."""
    return target if weeks < 1 else current + (target - current) / weeks


class Service(Module):
    """Staff meet this week the contacts of last week and any backlog (``[service]``)."""

    table = "service"
    title = "service staff"

    def __init__(self, cfg: ScenarioConfig, replications: int, plans: Sequence[ScenarioConfig] = ()) -> None:
        super().__init__(cfg, replications, plans)
        self.last_demand = np.zeros(replications)  # last week's encounters
        self.backlog = np.zeros(replications)      # contacts not answered yet
        svc, emp = cfg.service, cfg.employees
        # staff and skill start where the first week's spend keeps them
        self.attrition = np.full(replications, emp.annual_turnover / 52.0)
        self.staff = Workforce.steady(self.target_agents(self.spend("service.weekly_spend", 0)), self._attrition(), emp.ramp_weeks)
        self.agents = self.staff.effective(emp.novice_productivity)
        self.skill = plain(trained_quality(svc.quality, self.spend("service.training_weekly_spend", 0), svc.training_half_saturation))
        self.queue: WeekOfService | None = None

    @property
    def queueing(self) -> bool:
        """Whether the pool is a queue (not with service channels, which have their own queues)."""
        return self.cfg.service.model == "queue" and not self.cfg.channels

    def target_agents(self, staff_spend: float | np.ndarray) -> np.ndarray:
        """Agents on duty that a week's staff spend pays for: (replications,), or (replications, channels)."""
        svc = self.cfg.service
        if self.cfg.channels:  # (one plan: several plans side by side are run without channels)
            q = channel_queues(self.cfg)
            agents = agents_from_spend(staff_spend * q.staff_share, q.cost_per_agent_hour, q.open_hours, svc.shrinkage)
            return np.tile(np.asarray(agents, dtype=float), (self.replications, 1))
        agents = agents_from_spend(staff_spend, svc.cost_per_agent_hour, svc.open_hours, svc.shrinkage)
        return np.full(self.replications, plain(agents))

    def _attrition(self) -> np.ndarray:
        """This week's attrition in the workforce's shape."""
        return self.attrition[:, None] if self.cfg.channels else self.attrition

    def before_customers(self, week: Week) -> None:
        svc, emp = self.cfg.service, self.cfg.employees
        week.staff_spend = self.spend("service.weekly_spend", week.number)
        week.training_spend = self.spend("service.training_weekly_spend", week.number)
        fixed = svc.arrivals_per_week
        week.demand = self.last_demand if fixed is None else np.full(self.replications, float(fixed))
        week.people_investment = week.training_spend
        target = plain(trained_quality(svc.quality, week.training_spend, svc.training_half_saturation))
        self.skill = lagged(self.skill, target, svc.training_weeks)
        week.quality = np.full(self.replications, self.skill)
        week.handle_minutes = svc.handle_minutes
        week.attrition = self.attrition
        # the workforce moves in either model (its new hires matter to the staff module); agents answer in the queue
        self.staff = self.staff.step(self.target_agents(week.staff_spend), self._attrition(), svc.hiring_weeks,
                                     emp.ramp_weeks, emp.layoffs)
        week.agents = self.agents = self.staff.effective(emp.novice_productivity)
        heads = self.staff.headcount.reshape(self.replications, -1).sum(axis=1)
        novices = self.staff.novices.reshape(self.replications, -1).sum(axis=1)
        week.novice_share = np.where(heads > 0, novices / np.where(heads > 0, heads, 1.0), 0.0)
        if self.queueing:
            week.capacity = self.agents * svc.open_hours * 60.0 / svc.handle_minutes
        else:
            week.capacity = plain(service_capacity(week.staff_spend, svc.cost_per_encounter))

    def settle(self, week: Week) -> None:
        svc = self.cfg.service
        if not self.queueing:
            week.load = np.atleast_1d(service_load(week.demand, week.capacity))
            week.service_quality = np.atleast_1d(loaded_quality(week.quality, week.load, svc.overload_sensitivity))
            return
        # a fixed arrivals_per_week is the real demand itself, not a count of simulated contacts
        scale = self.cfg.market.people_scale if svc.arrivals_per_week is None else 1.0
        q = self.queue = week_of_service_at_scale(week.demand, self.backlog, self.agents, week.handle_minutes,
                                                  svc.open_hours, svc.target_seconds, scale,
                                                  patience_minutes=svc.patience_minutes,
                                                  tolerance_minutes=svc.wait_tolerance_minutes)
        offered = q.contacts * week.handle_minutes / (svc.open_hours * 60.0)  # Erlangs
        week.load = offered_load(offered, self.agents)
        week.service_quality = week.quality * q.quality_factor

    def after_customers(self, week: Week, tally: WeekTally) -> None:
        self.last_demand = tally.service_encounters.astype(float)
        self.attrition = np.broadcast_to(np.asarray(week.attrition, dtype=float), (self.replications,)).copy()
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
                   "occupancy": q.occupancy, "agents": self.agents, "headcount": self.staff.headcount,
                   "novice_share": week.novice_share}
        return {"service_load": week.load, "service_quality": week.service_quality,
                "service_spend": week.staff_spend + week.training_spend, **out}
