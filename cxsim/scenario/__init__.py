"""Scenarios: the schema of a scenario file, its loading, variants and changes, ranges and presets."""

from cxsim.scenario.changes import CROSS_CHECKED, flatten, keyword_overrides, resolve_relative
from cxsim.scenario.loading import (
    Scenario,
    default_scenario,
    load_scenario,
    numeric_bounds,
    parse_scenario,
    read_toml,
    read_toml_text,
    uncertainty_table,
)
from cxsim.scenario.schema import ScenarioConfig, named_tables

__all__ = [
    "CROSS_CHECKED", "Scenario", "ScenarioConfig", "default_scenario", "flatten", "keyword_overrides",
    "load_scenario", "named_tables", "numeric_bounds", "parse_scenario", "read_toml", "read_toml_text",
    "resolve_relative", "uncertainty_table",
]
