"""Hostile [uncertainty] tables (issue 28, item 6): validate checks what the worlds can draw, in every plan, and a
key given both dotted and nested is refused naming it. The same refusal from validate and compare, one line."""

from __future__ import annotations

import pytest

from tests.conftest import call_cli
from tests.test_hostile_inputs import SMALL, files_in, refused

ADS = '[variants.ads]\n"advertising.weekly_spend" = 100.0\n'


def one_line(result, *needles: str) -> str:
    err = refused(result, *needles)
    assert len(err.strip().splitlines()) == 1, err
    return err


@pytest.mark.parametrize("text, key, needle", [
    # an open bound: the range reaches rate_shape = 0, which the schema refuses
    ('[uncertainty]\n"repeat.rate_shape" = {dist = "uniform", low = 0, high = 1e-11}\n' + ADS,
     "repeat.rate_shape", "greater than 0"),
    # a variant's shift carries the range past the key's bound
    ('[uncertainty]\n"service.need_probability" = {dist = "uniform", low = 0.5, high = 1}\n'
     '[variants.v]\n"service.need_probability" = 0.95\n', "service.need_probability", "variant 'v'"),
    # a check across fields: the two shares of one market can sum above 1 in a world
    ('[uncertainty]\n"market.initial_aware_share" = {dist = "uniform", low = 0.2, high = 0.6}\n'
     '"market.initial_customer_share" = {dist = "uniform", low = 0.2, high = 0.6}\n' + ADS,
     "market.initial_", "<= 1"),
    # a normal truncated to the key's range, moved out of it by a variant
    ('[uncertainty]\n"satisfaction.memory" = {dist = "normal", mean = 0.5, sd = 0.2}\n'
     '[variants.v]\n"satisfaction.memory" = 0.9\n', "satisfaction.memory", "variant 'v'"),
])
def test_validate_refuses_a_range_whose_worlds_draw_an_invalid_value(tmp_path, capsys, text, key, needle):
    path = tmp_path / "u.toml"
    path.write_text(SMALL + text, encoding="utf-8")
    err = one_line(call_cli(capsys, "validate", str(path)), str(path), f'uncertainty."{key}', needle)
    assert "every draw" in err
    one_line(call_cli(capsys, "compare", str(path), "-r", "2", "-w", "1", "--draws", "4"), f'uncertainty."{key}')
    assert files_in(tmp_path) == {"u.toml"}


def test_a_range_every_plan_can_take_is_accepted(tmp_path, capsys):
    path = tmp_path / "u.toml"
    path.write_text(SMALL + '[uncertainty]\n"service.need_probability" = {dist = "uniform", low = 0.1, high = 0.5}\n'
                    '"repeat.rate_shape" = {dist = "loguniform", low = 0.1, high = 2}\n'
                    '[variants.v]\n"service.need_probability" = 0.6\n', encoding="utf-8")
    result = call_cli(capsys, "validate", str(path))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("text, where", [
    ('[uncertainty]\n"wom.awareness_effect" = {dist = "uniform", low = 0.1, high = 0.2}\n'
     '[uncertainty.wom]\nawareness_effect = {dist = "uniform", low = 0.3, high = 0.4}\n',
     'uncertainty."wom.awareness_effect"'),
    ('[variants.v]\n"wom.awareness_effect" = 0.1\n[variants.v.wom]\nawareness_effect = 0.2\n',
     'variants."v"."wom.awareness_effect"'),
])
def test_a_key_given_dotted_and_nested_is_refused_naming_it(tmp_path, capsys, text, where):
    path = tmp_path / "u.toml"
    path.write_text(SMALL + text, encoding="utf-8")
    one_line(call_cli(capsys, "validate", str(path)), str(path), where, "each key once")
