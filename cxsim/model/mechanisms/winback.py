"""Win-back: lapsed customers may come back, moved by ads and word-of-mouth."""

from __future__ import annotations

import numpy as np

from cxsim.model.levers import ASSUMPTION, Lever
from cxsim.model.mechanisms.base import Module
from cxsim.model.rules import WINBACK, WINBACK_RATE
from cxsim.scenario import ScenarioConfig


class Winback(Module):
    """A lapsed customer buys again with weekly probability winback_rate + ads + WOM - negative WOM (``[winback]``).

    Switched off, dropout is permanent and repeat buying is BG/NBD's (Fader, Hardie & Lee 2005): a
    fit of a company's transactions then reproduces its expected purchases.
    """

    table = "winback"
    title = "win-back of lapsed customers"
    levers_title = "Win-back"
    levers = (
        Lever("repeat.winback_rate", "Weekly chance a lapsed customer comes back on their own",
              "Before ads and word-of-mouth push them.", max_value=1.0, step=0.001, fmt="%.3f",
              published=ASSUMPTION),
    )

    @classmethod
    def switched_on(cls, cfg: ScenarioConfig) -> bool:
        return cfg.winback.enabled

    def customer_effects(self, constants: np.ndarray) -> None:
        constants[WINBACK] = float(self.switched_on(self.cfg))
        constants[WINBACK_RATE] = self.cfg.repeat.winback_rate
