"""Uncertainty as an input: the [uncertainty] table, published ranges and posterior draws, and plans paired
across worlds (the same world and the same common random numbers for every plan)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxsim import parse_scenario, simulate
from cxsim.core.errors import ScenarioError, UserError
from cxsim.decide.runs import evaluate, evaluate_kpis
from cxsim.decide.uncertainty import Worlds, in_world, worlds_for
from cxsim.scenario.ranges import RANGES, plausible_range
from tests.conftest import call_cli

SMALL = "[market]\npopulation = 300\nweeks = 8\n"
TABLE = """
[uncertainty]
"service.need_probability" = {dist = "uniform", low = 0.2, high = 0.6}
"advertising.half_saturation" = {dist = "loguniform", low = 2000, high = 32000}
"satisfaction.memory" = {dist = "triangular", low = 0.2, mode = 0.3, high = 0.8}
"wom.awareness_effect" = {dist = "normal", mean = 0.3, sd = 0.4}
"market.population" = {dist = "uniform", low = 250, high = 350}
"""
VARIANTS = """
[variants."more ads"]
"advertising.weekly_spend" = "+1500"
[variants."more people"]
"service.weekly_spend" = "+1500"
"""


def test_the_table_is_sampled_as_a_latin_hypercube_inside_each_distribution():
    sc = parse_scenario(SMALL + TABLE)
    w = worlds_for(sc, draws=50, seed=3)
    assert w.source == "[uncertainty] table" and w.values.shape == (50, 5) and w.weights is None
    need = w.values[:, w.keys.index("service.need_probability")]
    # one draw in each of 50 equal slices of the range: a Latin hypercube, not 50 independent draws
    assert np.array_equal(np.sort(((need - 0.2) / 0.4 * 50).astype(int)), np.arange(50))
    half = w.values[:, w.keys.index("advertising.half_saturation")]
    assert np.array_equal(np.sort((np.log(half / 2000) / np.log(16) * 50).astype(int)), np.arange(50))
    memory = w.values[:, w.keys.index("satisfaction.memory")]
    assert 0.2 <= memory.min() and memory.max() <= 0.8 and np.median(memory) < 0.5  # the mode pulls it down
    wom = w.values[:, w.keys.index("wom.awareness_effect")]
    assert wom.min() >= 0 and wom.max() <= 5  # the normal truncated to the schema's [0, 5]
    people = w.values[:, w.keys.index("market.population")]
    assert np.array_equal(people, np.rint(people))  # a whole-number key is drawn in whole numbers


def test_the_same_seed_gives_the_same_worlds_and_another_seed_others():
    sc = parse_scenario(SMALL + TABLE)
    a, b, c = (worlds_for(sc, draws=20, seed=s) for s in (1, 1, 2))
    assert np.array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)


def test_no_uncertainty_asked_gives_none_and_uncertain_alone_the_plausible_ranges_counted_by_kind():
    sc = parse_scenario(SMALL)
    assert worlds_for(sc) is None
    w = worlds_for(sc, uncertain=True, draws=40, seed=0)
    published = sum(r.kind == "published" for r in RANGES.values())
    assert w.source == f"ranges of {len(RANGES)} assumptions, {published} of them published" and set(w.keys) == set(RANGES)
    for j, key in enumerate(w.keys):
        r = plausible_range(key, sc)
        assert r.low <= w.values[:, j].min() and w.values[:, j].max() <= r.high
        if RANGES[key].relative:  # a firm's own figure varies around the file's value
            assert r.low == RANGES[key].low * sc[key] and r.high == RANGES[key].high * sc[key]


def test_ranges_are_published_with_a_study_or_named_as_assumptions():
    kinds = {r.kind for r in RANGES.values()}
    assert kinds == {"published", "assumed"}
    for r in RANGES.values():
        assert r.source.startswith("published: " if r.kind == "published" else "an assumption")
    # the keys that set the size of the answer are uncertain too
    assert {"repeat.dropout_a", "repeat.dropout_b", "repeat.rate_shape", "repeat.rate_scale", "economics.discount_rate",
            "service.cost_per_agent_hour", "service.handle_minutes", "service.shrinkage"} <= set(RANGES)
    # the table, when the file has one, is the uncertainty, with or without --uncertain
    assert worlds_for(parse_scenario(SMALL + TABLE), uncertain=True).source == "[uncertainty] table"


@pytest.mark.parametrize("entry, field, words", [
    ('"advertising.weekly_spend" = {dist = "uniform", low = 1, high = 2}', "advertising.weekly_spend",
     "holds one number"),
    ('"network.kind" = {dist = "uniform", low = 1, high = 2}', "network.kind", "holds one number"),
    ('"service.no_such_key" = {dist = "uniform", low = 1, high = 2}', "service.no_such_key", "holds one number"),
    ('"channels.phone.quality" = {dist = "uniform", low = 0.1, high = 0.2}', "channels.phone.quality",
     "holds one number"),
    ('"service.need_probability" = {dist = "uniform", low = 0.5, high = 1.5}', "service.need_probability",
     "inside the key's range [0, 1]"),
    ('"service.need_probability" = {dist = "uniform", low = 0.5, high = 0.2}', "service.need_probability",
     "low < high"),
    ('"service.need_probability" = {dist = "uniform", low = 0.5}', "service.need_probability", "missing high"),
    ('"service.need_probability" = {dist = "beta", low = 0.1, high = 0.2}', "service.need_probability.dist",
     "uniform"),
    ('"service.need_probability" = {dist = "uniform", low = 0.1, high = 0.2, sd = 1}', "service.need_probability",
     "no sd"),
    ('"advertising.half_saturation" = {dist = "loguniform", low = 0, high = 10}', "advertising.half_saturation",
     "low > 0"),
    ('"service.need_probability" = {dist = "normal", mean = 0.5, sd = -1}', "service.need_probability.sd",
     "greater than 0"),
    ('"service.need_probability" = {dist = "uniform", low = nan, high = 0.2}', "service.need_probability.low",
     "finite"),
    ('"service.need_probability" = 0.4', "service.need_probability", "dist ="),
])
def test_a_bad_uncertainty_entry_is_one_line_naming_file_and_key(tmp_path, capsys, entry, field, words):
    path = tmp_path / "u.toml"
    path.write_text(SMALL + "[uncertainty]\n" + entry + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        parse_scenario(path.read_text(), str(path))
    assert f'uncertainty."{field.split(".dist")[0].split(".sd")[0].split(".low")[0]}"' in str(err.value)
    assert words in str(err.value), str(err.value)
    result = call_cli(capsys, "validate", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and str(path) in result.stderr


def test_the_table_survives_variants_overrides_and_a_round_trip():
    sc = parse_scenario(SMALL + TABLE + VARIANTS)
    assert set(sc.with_variant("more ads").uncertainty) == set(sc.uncertainty)
    assert sc.with_overrides({"purchase.price": 70}).uncertainty == sc.uncertainty
    again = parse_scenario(sc.to_toml())
    assert again.uncertainty == sc.uncertainty


def write_posterior(folder: Path, frame: pd.DataFrame) -> Path:
    folder.mkdir()
    frame.to_parquet(folder / "posterior.parquet")
    return folder


def test_a_posterior_replaces_the_table_and_is_resampled_by_weight(tmp_path):
    folder = write_posterior(tmp_path / "post", pd.DataFrame({
        "service.need_probability": [0.1, 0.2, 0.3, 0.4], "wom.awareness_effect": [0.2, 0.3, 0.4, 0.5],
        "weight": [0.0, 1.0, 3.0, 0.0]}))
    sc = parse_scenario(SMALL + TABLE)
    w = worlds_for(sc, posterior=folder, draws=4000, seed=5)
    assert w.keys == ("service.need_probability", "wom.awareness_effect") and w.source == f"posterior {folder}"
    need = w.values[:, 0]
    assert set(np.unique(need)) == {0.2, 0.3}  # rows of weight 0 are never drawn
    share = np.mean(need == 0.3)  # 3/4 expected; binomial sd sqrt(.75 * .25 / 4000) = 0.0068
    assert abs(share - 0.75) < 4 * 0.0068
    assert np.allclose(w.values[:, 1] - w.values[:, 0], 0.1)  # rows stay whole: the keys' joint draws are kept
    assert np.array_equal(worlds_for(sc, posterior=folder, draws=50, seed=5).values,
                          worlds_for(sc, posterior=folder, draws=50, seed=5).values)


@pytest.mark.parametrize("frame, words", [
    (pd.DataFrame({"service.no_such": [0.1]}), "column 'service.no_such'"),
    (pd.DataFrame({"service.need_probability": [0.1, float("nan")]}), "row 2"),
    (pd.DataFrame({"service.need_probability": [0.1, 1.5]}), "in [0, 1]"),
    (pd.DataFrame({"service.need_probability": [0.1], "weight": [-1.0]}), "weight >= 0"),
    (pd.DataFrame({"service.need_probability": [0.1], "weight": [0.0]}), "positive sum"),
    (pd.DataFrame({"weight": [1.0]}), "one column per scenario key"),
])
def test_a_bad_posterior_is_refused_naming_file_column_and_row(tmp_path, frame, words):
    folder = write_posterior(tmp_path / "post", frame)
    with pytest.raises(UserError) as err:
        worlds_for(parse_scenario(SMALL), posterior=folder)
    assert words in str(err.value) and "posterior.parquet" in str(err.value)


def test_a_missing_posterior_folder_or_file_is_refused(tmp_path):
    with pytest.raises(UserError, match="expected a folder"):
        worlds_for(parse_scenario(SMALL), posterior=tmp_path / "nowhere")
    with pytest.raises(UserError, match="no such file"):
        worlds_for(parse_scenario(SMALL), posterior=tmp_path)


def test_every_plan_gets_the_same_world_and_a_plan_keeps_its_own_change_of_an_uncertain_key():
    sc = parse_scenario(SMALL + TABLE + '[variants."trained"]\n"service.quality" = "+0.1"\n')
    worlds = Worlds(("service.quality", "wom.awareness_effect"), np.array([[0.5, 0.25], [0.6, 0.35]]), None, "t")
    base, trained = sc.all_variants()
    assert in_world(base, worlds, 1)["wom.awareness_effect"] == 0.35
    assert in_world(trained, worlds, 1, base)["wom.awareness_effect"] == 0.35
    assert in_world(trained, worlds, 0, base)["service.quality"] == pytest.approx(0.6)  # 0.5 + its +0.1
    assert in_world(base, worlds, 0, base)["service.quality"] == 0.5


def test_uncertainty_collapsed_to_a_point_gives_exactly_the_fixed_answer():
    sc = parse_scenario(SMALL + VARIANTS)
    plans = sc.all_variants()
    point = Worlds(("service.need_probability",), np.full((3, 1), sc["service.need_probability"]), None, "point")
    values = evaluate(plans, point, replications=2, seed=11, workers=1, progress=False)
    assert values.shape == (3, 3, 2)
    for p, plan in enumerate(plans):
        fixed = simulate(plan, replications=6, seed=11, keep_customers=False).summary()["value"].to_numpy()
        assert np.array_equal(values[p].reshape(-1), fixed)  # world i, replication r == replication 2i + r
    fixed_only = evaluate(plans, None, replications=6, seed=11, workers=1, progress=False)
    assert np.array_equal(fixed_only.reshape(3, -1), values.reshape(3, -1))


def test_worlds_differ_and_the_numbers_do_not_depend_on_the_workers():
    sc = parse_scenario(SMALL + TABLE + VARIANTS)
    worlds = worlds_for(sc, draws=3, seed=0)
    here = evaluate_kpis(sc.all_variants(), worlds, 2, 4, ("value", "customers"), workers=1, progress=False)
    pooled = evaluate_kpis(sc.all_variants(), worlds, 2, 4, ("value", "customers"), workers=2, progress=False)
    for kpi in here:
        assert np.array_equal(here[kpi], pooled[kpi])
    assert np.isfinite(here["value"]).all()
    assert len({tuple(here["customers"][0, i]) for i in range(3)}) == 3  # each world its own market


def test_bad_draws_and_kpi_are_refused():
    sc = parse_scenario(SMALL)
    with pytest.raises(UserError, match="--draws"):
        worlds_for(sc, uncertain=True, draws=0)
    with pytest.raises(UserError, match="kpi"):
        evaluate([sc], None, 2, 0, kpi="nope", progress=False)
