"""cxsim: should the next dollar go to service (people) or to advertising?

A customer-journey simulator: awareness, purchase, service, satisfaction,
repeat purchase and word-of-mouth, with two engines (agents and fast).
"""

from cxsim import presets
from cxsim.advise import Advice, advise
from cxsim.errors import ScenarioError, UserError
from cxsim.results import Results, paired_difference
from cxsim.scenario import Scenario, load_scenario, parse_scenario
from cxsim.simulate import simulate

__all__ = [
    "Advice", "Results", "advise", "Scenario", "ScenarioError", "UserError", "load_scenario", "paired_difference",
    "parse_scenario", "presets", "simulate",
]
__version__ = "0.1.0"
