"""cxsim: should the next dollar go to service (people) or to advertising?

A customer-journey simulator: awareness, purchase, service, satisfaction,
repeat purchase and word-of-mouth, with two engines (agents and fast).
"""

from cxsim.core.errors import ScenarioError, UserError
from cxsim.decide.advise import Advice, advise
from cxsim.decide.stats import paired_difference
from cxsim.model.results import Results
from cxsim.model.simulate import simulate
from cxsim.scenario import Scenario, load_scenario, parse_scenario, presets

__all__ = [
    "Advice", "Results", "advise", "Scenario", "ScenarioError", "UserError", "load_scenario", "paired_difference",
    "parse_scenario", "presets", "simulate", "__version__",
]
from cxsim.core.version import __version__  # noqa: E402 - the version the package was installed as
