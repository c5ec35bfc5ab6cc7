"""The market's mechanisms as modules, run each week in the order of ``MODULES``.

Each module owns one table of the scenario (its parameters, validated in
:mod:`cxsim.scenario`) and, like a Starsim ``Module``, has a small lifecycle:

- ``__init__``: its state at week 0, one value per replication;
- ``before_customers(week)``, ``adjust_quality`` and ``settle(week)``: its part of the week's market
  conditions (ad pressure; capacity, demand and the quality staff deliver; then load and experienced quality);
- ``customer_effects(constants)``: what it changes in each customer's decisions (the rules' constants);
- ``after_customers(week, tally)``: what the organisation learns from the week;
- ``columns(week, tally, state)``: its weekly metric columns, and ``cost`` (counted in profit);
- ``levers``: the planner's sliders for its assumptions.

A new mechanism is one file here with its table in the scenario schema, its
entry in ``MODULES``, a docking case (a scenario file in scenarios/) and its tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cxsim.model import rules
from cxsim.model.mechanisms.advertising import Advertising
from cxsim.model.mechanisms.base import Module, Week
from cxsim.model.mechanisms.channels import Channels
from cxsim.model.mechanisms.employees import Employees
from cxsim.model.mechanisms.feedback import Feedback
from cxsim.model.mechanisms.loyalty import Loyalty
from cxsim.model.mechanisms.pressure import Pressure
from cxsim.model.mechanisms.service import Service
from cxsim.model.mechanisms.silos import Silos
from cxsim.model.mechanisms.winback import Winback
from cxsim.scenario import ScenarioConfig

# The order of the week: ads, then the service pool and what moves its quality
# (the feedback loop, the staff, handle-time targets, in that order), the pool's
# load, the channels, then the mechanisms that act only on customers.
MODULES: tuple[type[Module], ...] = (Advertising, Service, Feedback, Employees, Pressure, Channels, Winback, Loyalty,
                                     Silos)
CORE: tuple[type[Module], ...] = (Advertising, Service, Winback)  # always part of the model; the rest are mechanisms


def customer_constants(cfg: ScenarioConfig, modules: Sequence[Module] | None = None) -> np.ndarray:
    """The rules' whole constants vector: the journey's own, then what each module writes into it.

    Args:
        modules: the model's module instances (default: one of each, built for ``cfg``).
    """
    constants = rules.constants(cfg)
    for module in modules if modules is not None else [m(cfg, 1) for m in MODULES]:
        module.customer_effects(constants)
    return constants


__all__ = ["CORE", "MODULES", "Module", "Week", "customer_constants"]
