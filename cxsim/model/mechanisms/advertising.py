"""Advertising: spend -> geometric adstock -> Hill saturation -> reach, persuasion and what ads promise."""

from __future__ import annotations

from collections.abc import Sequence

from cxsim.core.errors import plain
from cxsim.model.mechanisms.base import Module, Week
from cxsim.model.metrics import WeekState, WeekTally
from cxsim.model.response import adstock, hill
from cxsim.scenario import ScenarioConfig


class Advertising(Module):
    """Ads make people aware and persuade them; overpromising ads raise expectations (``[advertising]``)."""

    table = "advertising"
    title = "advertising"

    def __init__(self, cfg: ScenarioConfig, replications: int, plans: Sequence[ScenarioConfig] = ()) -> None:
        super().__init__(cfg, replications, plans)
        self.adstock = 0.0  # carried from week to week

    def before_customers(self, week: Week) -> None:
        ads = self.cfg.advertising
        week.ad_spend = self.spend("advertising.weekly_spend", week.number)
        week.adstock = self.adstock = plain(adstock(week.ad_spend, self.adstock, ads.adstock_decay))
        week.ad_pressure = pressure = plain(hill(week.adstock, ads.half_saturation, ads.hill_slope))
        week.ad_reach = ads.max_awareness_rate * pressure
        week.ad_persuasion = ads.max_persuasion * pressure
        week.ad_expectation_lift = ads.overpromise * pressure

    def columns(self, week: Week | None, tally: WeekTally, state: WeekState) -> dict:
        return {"ad_spend": 0.0 if week is None else week.ad_spend}
