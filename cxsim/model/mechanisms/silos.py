"""Silos: touchpoints run by departments that do not coordinate deliver inconsistent experiences."""

from __future__ import annotations

import numpy as np

from cxsim.model.levers import ASSUMPTION, Lever
from cxsim.model.mechanisms.base import Module
from cxsim.model.rules import INCONSISTENCY_WEIGHT, SILO_SPREAD
from cxsim.scenario import ScenarioConfig


class Silos(Module):
    """Each touchpoint's quality varies by customer; gaps between them cost satisfaction (``[silos]``)."""

    table = "silos"
    title = "silos"
    levers_title = "Silos"
    levers = (
        Lever("silos.spread", "Inconsistency between touchpoints (silos)",
              "Spread of the quality each touchpoint delivers (0-1 scale): 0 when one owner runs the experience.",
              max_value=1.0, step=0.01, fmt="%.2f", published=ASSUMPTION),
        Lever("silos.inconsistency_weight", "Satisfaction lost per point of gap between touchpoints",
              "0 means customers do not mind inconsistency.", max_value=10.0, step=0.1, fmt="%.2f",
              published=ASSUMPTION),
    )

    @classmethod
    def switched_on(cls, cfg: ScenarioConfig) -> bool:
        return cfg.silos.spread > 0 or cfg.silos.inconsistency_weight > 0

    def customer_effects(self, constants: np.ndarray) -> None:
        constants[[SILO_SPREAD, INCONSISTENCY_WEIGHT]] = (self.cfg.silos.spread, self.cfg.silos.inconsistency_weight)
