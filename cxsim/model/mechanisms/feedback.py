"""The closed feedback loop: bad experiences fed back improve service quality after a delay."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from cxsim.model.levers import ASSUMPTION, Lever
from cxsim.model.mechanisms.base import Module, Week
from cxsim.model.metrics import WeekState, WeekTally
from cxsim.scenario import ScenarioConfig


def fed_back(bad_experiences: ArrayLike, purchases: ArrayLike, share: float) -> ArrayLike:
    """Share of the week's experiences reported as bad through the loop (0 in a week without purchases)."""
    purchases = np.asarray(purchases, dtype=float)
    return share * np.divide(bad_experiences, purchases, out=np.zeros_like(purchases), where=purchases > 0)


def feedback_lift(fixes: ArrayLike, effect: float) -> ArrayLike:
    """Share of the gap between service quality and 1 closed by the fixes in place: 1 - exp(-effect x fixes)."""
    return -np.expm1(-effect * np.asarray(fixes, dtype=float))


def lifted_quality(quality: ArrayLike, lift: ArrayLike) -> ArrayLike:
    """Quality with a share ``lift`` of its gap to 1 closed."""
    return np.add(quality, np.multiply(np.subtract(1.0, quality), lift))


class Feedback(Module):
    """Feedback captured waits in a pipeline, becomes fixes, and fixes close the quality gap (``[feedback]``)."""

    table = "feedback"
    title = "closed feedback loop"
    levers_title = "Closed feedback loop"
    levers = (
        Lever("feedback.share", "Share of bad experiences fed back and acted on",
              "0 switches the loop off. What comes back improves service quality after a delay.",
              max_value=1.0, step=0.05, fmt="%.2f", published=ASSUMPTION),
        Lever("feedback.lag_weeks", "Weeks from feedback to a fix", "Mean delay before a fix is in place.",
              max_value=520.0, step=1.0, fmt="%.1f", published=ASSUMPTION),
        Lever("feedback.effect", "Learning from feedback",
              "How fast fixes close the gap between service quality and perfect.",
              max_value=100.0, step=0.05, fmt="%.2f", published=ASSUMPTION),
        Lever("feedback.cost_per_complaint", "Cost of handling one piece of feedback",
              "Capturing, routing and acting on one bad experience.", step=1.0, fmt="%.2f",
              published="specific to each business"),
    )

    def __init__(self, cfg: ScenarioConfig, replications: int, plans: Sequence[ScenarioConfig] = ()) -> None:
        super().__init__(cfg, replications, plans)
        self.pipeline = np.zeros(replications)  # feedback captured and not yet acted on
        self.fixes = np.zeros(replications)     # feedback acted on: fixes in place
        self.lift: np.ndarray | None = None

    @classmethod
    def switched_on(cls, cfg: ScenarioConfig) -> bool:
        return cfg.feedback.share > 0

    def before_customers(self, week: Week) -> None:
        self.lift = feedback_lift(self.fixes, self.cfg.feedback.effect) if self.switched_on(self.cfg) else None

    def adjust_quality(self, quality: np.ndarray) -> np.ndarray:
        if self.lift is None:
            return quality
        return lifted_quality(quality, self.lift.reshape(-1, *([1] * (quality.ndim - 1))))

    def after_customers(self, week: Week, tally: WeekTally) -> None:
        fb = self.cfg.feedback
        if fb.share > 0:
            captured = fed_back(tally.bad_experiences, tally.purchases, fb.share)
            done = self.pipeline + captured if fb.lag_weeks < 1 else self.pipeline / fb.lag_weeks
            self.pipeline, self.fixes = self.pipeline + captured - done, self.fixes + done

    def columns(self, week: Week | None, tally: WeekTally, state: WeekState) -> dict:
        fb = self.cfg.feedback
        lift = 0.0 if week is None or self.lift is None else self.lift
        return {"feedback_lift": lift, "feedback_cost": fb.share * fb.cost_per_complaint * tally.bad_experiences}

    def cost(self, week: Week | None, tally: WeekTally, state: WeekState) -> np.ndarray:
        fb = self.cfg.feedback
        return fb.share * fb.cost_per_complaint * tally.bad_experiences
