"""The plausible ranges: real scenario keys, inside the schema, around the defaults."""

import math

import pytest

from cxsim.scenario import default_scenario, flatten, numeric_bounds
from cxsim.scenario.ranges import RANGES, Range, plausible_range


def test_every_range_is_a_number_key_inside_the_schema():
    scenario = default_scenario()
    for key, r in RANGES.items():
        bounds = numeric_bounds(key, scenario)
        assert bounds is not None, key
        assert bounds[0] <= r.low < r.high <= bounds[1], key
        assert r.source


def test_the_defaults_lie_inside_their_ranges():
    values = flatten(default_scenario().config.model_dump())
    for key in RANGES:
        assert plausible_range(key).contains(values[key]), (key, values[key])


def test_keys_without_a_range_fall_back_to_the_schema_or_are_refused():
    margin = plausible_range("purchase.gross_margin")
    assert (margin.low, margin.high, margin.log) == (0.0, 1.0, False)
    assert "schema" in margin.source
    with pytest.raises(ValueError, match="does not bound it"):
        plausible_range("purchase.price")  # >= 0 only
    for key in ("service.model", "network.kind", "advertising.nonsense", "nonsense", "advertising.weekly_spend"):
        with pytest.raises(ValueError, match="holds one number"):
            plausible_range(key)


def test_a_range_refuses_nonsense():
    with pytest.raises(ValueError):
        Range("x.y", 1.0, 1.0)
    with pytest.raises(ValueError):
        Range("x.y", 0.0, 1.0, log=True)
    with pytest.raises(ValueError):
        Range("x.y", 0.0, math.inf)
