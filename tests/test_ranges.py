"""The plausible ranges: real scenario keys, inside the schema, around the defaults."""

import math

import pytest

from cxsim.ranges import RANGES, Range, is_number_key, plausible_range, schema_bounds
from cxsim.scenario import default_scenario, flatten


def test_every_range_is_a_numeric_key_inside_the_schema():
    for key, r in RANGES.items():
        assert is_number_key(key), key
        low, high = schema_bounds(key)
        assert low <= r.low < r.high <= high, key
        assert r.source


def test_the_defaults_lie_inside_their_ranges():
    values = flatten(default_scenario().config.model_dump())
    for key, r in RANGES.items():
        assert r.contains(values[key]), (key, values[key])


def test_keys_without_a_range_fall_back_to_the_schema_or_are_refused():
    assert plausible_range("purchase.gross_margin") == Range(
        "purchase.gross_margin", 0.0, 1.0, source=plausible_range("purchase.gross_margin").source)
    with pytest.raises(ValueError, match="no published range"):
        plausible_range("purchase.price")  # >= 0 only
    for key in ("service.enabled", "network.kind", "advertising.nonsense", "nonsense"):
        assert not is_number_key(key)
        with pytest.raises(ValueError, match="numeric scenario key"):
            plausible_range(key)
    assert schema_bounds("advertising.adstock_decay") == (0.0, 1.0)
    assert math.isinf(schema_bounds("purchase.price")[1])


def test_a_range_refuses_nonsense():
    with pytest.raises(ValueError):
        Range("x.y", 1.0, 1.0)
    with pytest.raises(ValueError):
        Range("x.y", 0.0, 1.0, log=True)
    with pytest.raises(ValueError):
        Range("x.y", 0.0, math.inf)
