"""What every module shares: the week's market conditions and the module lifecycle."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from cxsim.model.levers import Lever
from cxsim.model.metrics import WeekState, WeekTally
from cxsim.model.response import spend_at
from cxsim.scenario import ScenarioConfig


@dataclass
class Week:
    """The market's conditions in one week, filled in by the modules in their order.

    Market-level values are arrays with one value per replication.
    """

    number: int                     # 0-based week of the horizon
    ad_spend: float = 0.0
    adstock: float = 0.0
    ad_pressure: float = 0.0        # Hill-saturated adstock, 0-1
    ad_reach: float = 0.0           # weekly probability an unaware person becomes aware through ads
    ad_persuasion: float = 0.0      # extra weekly purchase probability for aware people
    ad_expectation_lift: float = 0.0  # rise in expected quality the ads create (0-1)
    staff_spend: float = 0.0
    training_spend: float = 0.0
    capacity: float | np.ndarray = 0.0  # encounters the staff can handle this week
    agents: np.ndarray | None = None  # agents on duty at a proficient pace: (replications,) or (replications, channels)
    novice_share: np.ndarray | None = None  # share of the staff still learning, per replication
    attrition: np.ndarray | None = None  # share of the staff leaving this week, per replication
    handle_minutes: float = 0.0     # mean handle time of a contact this week
    demand: np.ndarray | None = None  # encounters the staff meet: last week's, with any that come back
    quality: np.ndarray | None = None  # quality of a service encounter at normal load (0-1), per replication
    load: np.ndarray | None = None
    service_quality: np.ndarray | None = None  # experienced quality of a service encounter this week (0-1)
    channel_quality: np.ndarray | None = None  # (replications, channels), with channels
    people_investment: float = 0.0  # what moves staff engagement: people programmes and training
    quality_chain: Callable[[np.ndarray], np.ndarray] = field(default=lambda q: q, repr=False)
    """Applies every module's ``adjust_quality`` in order (set by the model before ``settle``)."""


class Module:
    """A mechanism of the market (see the package docstring for the lifecycle)."""

    table: ClassVar[str]   # the scenario table it owns
    title: ClassVar[str]   # its name in plain words
    levers_title: ClassVar[str] = ""
    levers: ClassVar[tuple[Lever, ...]] = ()  # the planner's sliders for its assumptions

    def __init__(self, cfg: ScenarioConfig, replications: int, plans: Sequence[ScenarioConfig] = ()) -> None:
        self.cfg = cfg
        self.replications = replications
        self.plans = tuple(plans)  # several plans side by side: equal blocks of the replications, in order

    def spend(self, key: str, week: int) -> float | np.ndarray:
        """The weekly spend ``key`` (one of the schema's ``SPEND_KEYS``) in ``week``: one number, or with several
        plans side by side one per replication."""
        plans = self.plans or (self.cfg,)
        at = [spend_at(plan.lookup(key), week) for plan in plans]
        return at[0] if not self.plans else np.repeat(at, self.replications // len(plans))

    @classmethod
    def switched_on(cls, cfg: ScenarioConfig) -> bool:
        """Whether a scenario uses this mechanism (modules that are always part of the model say True)."""
        return True

    def describe(self) -> str:
        """What the planner lists when the mechanism is on."""
        return self.title

    def before_customers(self, week: Week) -> None:
        """Set this module's part of the week's market conditions."""

    def settle(self, week: Week) -> None:
        """Finish the week's conditions once every module has set its part (load, experienced quality)."""

    def adjust_quality(self, quality: np.ndarray) -> np.ndarray:
        """Move the quality staff deliver at normal load (shape (replications,) or (replications, channels))."""
        return quality

    def customer_effects(self, constants: np.ndarray) -> None:
        """Write what this module changes in customers' decisions into the rules' constants."""

    def after_customers(self, week: Week, tally: WeekTally) -> None:
        """Learn from the week's events (the organisation's state for next week)."""

    def columns(self, week: Week | None, tally: WeekTally, state: WeekState) -> dict[str, np.ndarray | float]:
        """This module's weekly metric columns (``week`` is None for the state before week 1)."""
        return {}

    def cost(self, week: Week | None, tally: WeekTally, state: WeekState) -> np.ndarray | float:
        """This module's costs this week beyond ads and service spend, counted in profit."""
        return 0.0
