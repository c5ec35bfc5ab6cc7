"""The service-profit chain: people investment -> engagement and turnover (lagged) -> service quality.

The staff themselves (hiring, new hires ramping up, leavers) are the service
queue's workforce (:mod:`cxsim.model.mechanisms.staffing`); this module moves its attrition with
engagement and lowers quality by the workforce's share of new hires.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from cxsim.model.levers import ASSUMPTION, Lever
from cxsim.model.mechanisms.base import Module, Week
from cxsim.model.metrics import WeekState, WeekTally
from cxsim.scenario import ScenarioConfig


def engagement_target(initial: float, investment: ArrayLike, half_saturation: float, load: ArrayLike,
                      overload_strain: float, pressure_strain: float) -> ArrayLike:
    """Engagement that staff move toward: investment closes part of the gap to 1; overload and pressure erode it."""
    lift = np.divide(investment, np.add(investment, half_saturation))
    target = initial + (1.0 - initial) * lift - overload_strain * np.maximum(np.subtract(load, 1.0), 0.0)
    return np.clip(target - pressure_strain, 0.0, 1.0)


def next_engagement(engagement: ArrayLike, target: ArrayLike, lag_weeks: float) -> ArrayLike:
    """Engagement a week later: a first-order delay of mean ``lag_weeks`` toward the target."""
    return np.add(engagement, np.divide(np.subtract(target, engagement), lag_weeks))


def weekly_turnover(annual: float, engagement: ArrayLike, initial: float, sensitivity: float) -> ArrayLike:
    """Share of staff leaving in a week: annual / 52 at the initial engagement, less when more engaged."""
    return np.clip(annual / 52.0 * np.exp(-sensitivity * np.subtract(engagement, initial)), 0.0, 1.0)


def people_quality(quality: ArrayLike, engagement: ArrayLike, initial_engagement: float, quality_effect: float,
                   novices: ArrayLike, novice_gap: float) -> ArrayLike:
    """Quality of proficient staff moved by engagement (against where it started), less new hires' shortfall."""
    moved = np.add(quality, quality_effect * np.subtract(engagement, initial_engagement))
    return np.clip(moved - novice_gap * np.asarray(novices), 0.0, 1.0)


def replacement_cost(turnover: ArrayLike, staff_spend: float, replacement_weeks: float) -> ArrayLike:
    """Cost of the week's leavers: their share of the staff budget times the weeks of pay a replacement costs."""
    return np.multiply(turnover, staff_spend * replacement_weeks)


class Employees(Module):
    """Staff engagement follows investment with a lag; engaged staff serve better and stay (``[employees]``)."""

    table = "employees"
    title = "staff engagement and turnover"
    levers_title = "Employees (with the staff modelled)"
    levers = (
        Lever("employees.weekly_spend", "People investment per week (beyond wages)",
              "Pay, recognition, engagement and staff loyalty programmes. Training spend counts too.", step=100.0,
              published=ASSUMPTION),
        Lever("employees.initial_engagement", "Share of staff engaged today",
              "Engagement moves from here toward what the investment supports.", max_value=1.0, step=0.05,
              fmt="%.2f", published="about a third of US employees engaged (Gallup, 2015-2023)"),
        Lever("employees.annual_turnover", "Staff leaving per year today",
              "At today's engagement; engaged staff stay longer.", max_value=5.0, step=0.05, fmt="%.2f",
              published="contact centres often report 30–45% a year (industry surveys)"),
        Lever("employees.replacement_cost_weeks", "Cost of replacing a leaver (weeks of pay)",
              "Hiring and training a replacement.", max_value=520.0, step=1.0, fmt="%.1f",
              published="about 16–20% of annual pay for most jobs, 8–10 weeks (Boushey & Glynn 2012)"),
        Lever("employees.lag_weeks", "Weeks for engagement to follow investment",
              "Mean delay of engagement behind its target.", min_value=1.0, max_value=520.0, step=1.0, fmt="%.1f",
              published=ASSUMPTION),
        Lever("employees.quality_effect", "Service quality per unit of engagement",
              "Quality gained (0-1 scale) when engagement rises from 0 to 1.", max_value=2.0, step=0.05, fmt="%.2f",
              published="the Sears chain: +5 units employee attitude -> +1.3 units customer impression "
                        "(Rucci, Kirn & Quinn 1998)"),
    )

    def __init__(self, cfg: ScenarioConfig, replications: int, plans: Sequence[ScenarioConfig] = ()) -> None:
        super().__init__(cfg, replications, plans)
        emp = cfg.employees
        self.engagement = np.full(replications, emp.initial_engagement)
        self.turnover = np.zeros(replications)
        self.novices = np.zeros(replications)  # share of the staff still learning, from the workforce

    @classmethod
    def switched_on(cls, cfg: ScenarioConfig) -> bool:
        return cfg.employees.enabled

    def before_customers(self, week: Week) -> None:
        if self.switched_on(self.cfg):
            emp = self.cfg.employees
            self.turnover = weekly_turnover(emp.annual_turnover, self.engagement, emp.initial_engagement,
                                            emp.turnover_sensitivity)
            self.week_engagement = self.engagement  # as the week starts (the state moves on after it)
            self.people_spend = self.spend("employees.weekly_spend", week.number)
            self.staff_spend = week.staff_spend
            week.people_investment = self.people_spend + week.training_spend
            week.attrition = self.turnover  # the workforce's leavers (cxsim.model.mechanisms.staffing)
            self.novices = week.novice_share

    def adjust_quality(self, quality: np.ndarray) -> np.ndarray:
        if not self.switched_on(self.cfg):
            return quality
        emp = self.cfg.employees
        shape = (-1, *([1] * (quality.ndim - 1)))
        return people_quality(quality, self.engagement.reshape(shape), emp.initial_engagement, emp.quality_effect,
                              self.novices.reshape(shape), emp.novice_quality_gap)

    def after_customers(self, week: Week, tally: WeekTally) -> None:
        if self.switched_on(self.cfg):
            emp, press = self.cfg.employees, self.cfg.pressure
            target = engagement_target(emp.initial_engagement, week.people_investment, emp.half_saturation,
                                       week.load, emp.overload_strain, press.strain * (1.0 - press.handle_time_target))
            self.engagement = next_engagement(self.engagement, target, emp.lag_weeks)

    def _turnover_cost(self) -> np.ndarray:
        emp = self.cfg.employees
        return replacement_cost(self.turnover, self.staff_spend, emp.replacement_cost_weeks)

    def columns(self, week: Week | None, tally: WeekTally, state: WeekState) -> dict:
        emp = self.cfg.employees
        if not emp.enabled:
            return {"engagement": np.nan, "staff_turnover": np.nan, "people_spend": 0.0, "turnover_cost": 0.0}
        if week is None:
            return {"engagement": emp.initial_engagement, "staff_turnover": emp.annual_turnover / 52.0,
                    "people_spend": 0.0, "turnover_cost": 0.0}
        return {"engagement": self.week_engagement, "staff_turnover": self.turnover, "people_spend": self.people_spend,
                "turnover_cost": self._turnover_cost()}

    def cost(self, week: Week | None, tally: WeekTally, state: WeekState) -> np.ndarray | float:
        if week is None or not self.cfg.employees.enabled:
            return 0.0
        return self.people_spend + self._turnover_cost()
