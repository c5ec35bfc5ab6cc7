"""Sensitivity indices against functions whose indices are known, scenario discovery, and the command."""

from __future__ import annotations

import math
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from cxsim.cli.main import main
from cxsim.decide.pools import Pool
from cxsim.sweep import load_design, load_results, parse_sweep, run_sweep
from cxsim.sweep.analysis import sensitivity
from cxsim.sweep.design import UNIT, unit_sample
from cxsim.sweep.discovery import discover
from tests.conftest import SCENARIOS

PEOPLE_VS_ADS = (SCENARIOS / "people_vs_ads.toml").as_posix()


def spec_for(kind: str, samples: str, names: list[str], variants: str = "", extra: str = ""):
    params = "".join(f'[parameters."{n}"]\nrange = [0.0, 1.0]\n' for n in names)
    return parse_sweep(f"""
[sweep]
scenario = "{PEOPLE_VS_ADS}"
{variants}
replications = 1
seed = 3
[design]
kind = "{kind}"
{samples}
{params}{extra}
""", "analysis.toml")


def fake_results(spec, y: np.ndarray, variant: str = "base", replications: int = 1, noise=None) -> tuple:
    """Results and design frames for a function evaluated on the design's unit coordinates."""
    u = unit_sample(spec)
    design = pd.DataFrame({"point": np.arange(len(u))})
    for j, n in enumerate(spec.parameters):
        design[n] = u[:, j]
        design[UNIT + n] = u[:, j]
    rows = []
    for r in range(replications):
        extra = 0 if noise is None else noise[r]
        rows.append(pd.DataFrame({"point": design["point"], "variant": variant, "replication": r, "npv": y + extra}))
    return pd.concat(rows, ignore_index=True), design, u


# Four parameters a sweep could name; the functions below use them as x1..x3 (and x4, inert).
KEYS = ["wom.awareness_effect", "service.need_probability", "advertising.hill_slope", "purchase.price"]


def test_sobol_indices_of_the_ishigami_function(tmp_path):
    spec = spec_for("sobol", "samples = 1024", KEYS[:3])
    x = unit_sample(spec) * 2 * np.pi - np.pi
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    results, design, _ = fake_results(spec, y)
    table = sensitivity(results, design, spec, ["npv"]).table.set_index("parameter")
    # analytic indices of Ishigami (a=7, b=0.1)
    expected_s1 = {KEYS[0]: 0.3139, KEYS[1]: 0.4424, KEYS[2]: 0.0}
    expected_st = {KEYS[0]: 0.5576, KEYS[1]: 0.4424, KEYS[2]: 0.2437}
    for key in KEYS[:3]:
        row = table.loc[key]
        assert abs(row["S1"] - expected_s1[key]) <= max(2 * row["S1_conf"], 0.02)
        assert abs(row["ST"] - expected_st[key]) <= max(2 * row["ST_conf"], 0.02)
        assert 0 < row["S1_conf"] < 0.2 and 0 < row["ST_conf"] < 0.2


def test_morris_effects_of_a_linear_function_are_its_slopes():
    spec = spec_for("morris", "samples = 20", KEYS[:3])
    u = unit_sample(spec)
    results, design, _ = fake_results(spec, 30 * u[:, 0] - 10 * u[:, 1] + 0 * u[:, 2])
    table = sensitivity(results, design, spec, ["npv"]).table.set_index("parameter")
    assert table.loc[KEYS[0], "mu_star"] == pytest.approx(30)
    assert table.loc[KEYS[1], "mu_star"] == pytest.approx(10)
    assert table.loc[KEYS[1], "mu"] == pytest.approx(-10)
    assert table.loc[KEYS[2], "mu_star"] == pytest.approx(0, abs=1e-9)
    assert (table["sigma"].abs() < 1e-9).all()  # linear: no interaction, no curvature


def test_grid_effects_are_the_exact_variance_decomposition():
    spec = spec_for("grid", "steps = 3", KEYS[:2])
    u = unit_sample(spec)
    additive = 2 * u[:, 0] + u[:, 1]
    results, design, _ = fake_results(spec, additive)
    table = sensitivity(results, design, spec, ["npv"]).table.set_index("parameter")
    assert table.loc[KEYS[0], "S1"] == pytest.approx(4 / 5) and table.loc[KEYS[1], "S1"] == pytest.approx(1 / 5)
    assert table["ST"].to_numpy() == pytest.approx(table["S1"].to_numpy())
    product = (u[:, 0] - 0.5) * (u[:, 1] - 0.5)  # pure interaction: no main effects at all
    results, design, _ = fake_results(spec, product)
    table = sensitivity(results, design, spec, ["npv"]).table.set_index("parameter")
    assert table["S1"].to_numpy() == pytest.approx([0, 0], abs=1e-12)
    assert table["ST"].to_numpy() == pytest.approx([1, 1])


def test_rbd_fast_finds_the_one_parameter_that_matters_on_a_latin_hypercube():
    spec = spec_for("lhs", "samples = 400", KEYS[:3])
    u = unit_sample(spec)
    results, design, _ = fake_results(spec, np.sin(np.pi * u[:, 1]) + 0.05 * u[:, 0])
    table = sensitivity(results, design, spec, ["npv"]).table.set_index("parameter")
    assert table.loc[KEYS[1], "S1"] > 0.9
    assert table.loc[KEYS[1], "S1"] - 2 * table.loc[KEYS[1], "S1_conf"] > table.loc[KEYS[0], "S1"]


def test_chance_is_the_share_of_variance_within_points():
    spec = spec_for("grid", "steps = 5", KEYS[:1])
    u = unit_sample(spec)
    # between points: var of 4u over the grid; within: +-1 over 2 replications (variance 2 with ddof=1)
    results, design, _ = fake_results(spec, 4 * u[:, 0], replications=2, noise=[-1.0, 1.0])
    chance = sensitivity(results, design, spec, ["npv"]).chance["chance"].iloc[0]
    total = results["npv"].var()
    assert chance == pytest.approx(2.0 / total)


def test_missing_points_and_values_are_explained():
    spec = spec_for("grid", "steps = 3", KEYS[:2])
    results, design, u = fake_results(spec, u0 := unit_sample(spec)[:, 0])
    with pytest.raises(Exception, match="1 of 9 design points have no finished run"):
        sensitivity(results[results["point"] != 4], design, spec, ["npv"])
    results["cac"] = np.where(results["point"] == 2, np.nan, u0)
    results["nps"] = 5.0
    found = sensitivity(results, design, spec, kpis=["npv", "cac", "nps"])
    assert set(found.table["kpi"]) == {"npv"}
    assert any("cac" in n and "1 points have no value" in n for n in found.notes)
    assert any("nps" in n and "same value at every point" in n for n in found.notes)


# --- scenario discovery ----------------------------------------------------------------------

def discovery_frame(spec, diff_of, replications: int = 2, seed: int = 0) -> pd.DataFrame:
    """Results of two variants whose paired difference is diff_of(parameters) plus small noise."""
    rng = np.random.default_rng(seed)
    u = unit_sample(spec)
    rows = []
    for point, coords in enumerate(u):
        values = dict(zip(spec.parameters, coords, strict=True))
        if "network.kind" in values:
            values["network.kind"] = spec.parameters["network.kind"].values[min(int(coords[-1] * 2), 1)]
        for r in range(replications):
            base = rng.normal(100, 10)
            rows.append({"point": point, "variant": "more ads", "replication": r, **values, "npv": base})
            rows.append({"point": point, "variant": "more people", "replication": r, **values,
                         "npv": base + diff_of(values) + rng.normal(0, 0.01)})
    return pd.DataFrame(rows)


TWO_ARMS = 'variants = ["more ads", "more people"]'


def test_discovery_finds_the_threshold_and_says_it_in_words():
    spec = spec_for("lhs", "samples = 200", KEYS[:3], TWO_ARMS)
    results = discovery_frame(spec, lambda v: v[KEYS[1]] - 0.6)
    found = discover(results, spec, "npv")
    assert (found.a, found.b) == ("more ads", "more people")
    people = found.rules[found.rules["winner"] == "more people"]
    assert len(people) == 1
    lo, hi = people.iloc[0]["bounds"][KEYS[1]]
    assert abs(lo - 0.6) < 0.02 and hi == math.inf
    assert found.accuracy > 0.97 and found.baseline == pytest.approx(0.6, abs=0.05)
    text = " ".join(found.sentences)
    above = re.search(rf"more people wins where {KEYS[1]} is above ([0-9.]+):", text)
    at_most = re.search(rf"more ads wins where {KEYS[1]} is at most ([0-9.]+):", text)
    assert above and at_most and abs(float(above[1]) - 0.6) < 0.02 and above[1] == at_most[1]
    assert KEYS[0] not in text and KEYS[2] not in text  # parameters that do not matter are not mentioned
    # beside the tree, PRIM: each variant's own box, on the same threshold, with coverage and density
    people_box = next(b for b in found.boxes if b.startswith("'more people' wins where"))
    cut = re.search(rf"where {re.escape(KEYS[1])} > ([0-9.]+) \(coverage (\d+)%", people_box)
    assert cut and abs(float(cut[1]) - 0.6) < 0.03 and int(cut[2]) >= 90, people_box
    assert KEYS[0] not in people_box and KEYS[2] not in people_box


def test_discovery_combines_two_conditions_and_names_categories():
    extra = '[parameters."network.kind"]\nvalues = ["random", "small_world"]\n'
    spec = spec_for("lhs", "samples = 300", KEYS[:2], TWO_ARMS, extra)
    results = discovery_frame(
        spec, lambda v: 1.0 if v["network.kind"] == "small_world" and v[KEYS[0]] > 0.3 else -1.0)
    found = discover(results, spec, "npv")
    people = found.rules[found.rules["winner"] == "more people"]
    assert len(people) == 1 and people.iloc[0]["win_share"] == 1.0
    assert "network.kind is small_world" in people.iloc[0]["condition"]
    cut = re.search(rf"{KEYS[0]} is above ([0-9.]+)", people.iloc[0]["condition"])
    assert cut and abs(float(cut[1]) - 0.3) < 0.02
    assert found.accuracy == 1.0


def test_discovery_with_one_winner_everywhere_says_so():
    spec = spec_for("lhs", "samples = 40", KEYS[:2], TWO_ARMS)
    found = discover(discovery_frame(spec, lambda v: -5.0), spec, "npv")
    assert found.sentences[-1].startswith("more ads wins everywhere in the region sampled")
    assert "in 0% of them" in found.sentences[0]


def test_discovery_needs_two_variants():
    spec = spec_for("lhs", "samples = 10", KEYS[:2])
    results, _, _ = fake_results(spec, np.zeros(10))
    with pytest.raises(Exception, match="compares two variants"):
        discover(results, spec)


# --- the command, end to end on a real (small) sweep --------------------------------------------

def test_sensitivity_command_writes_the_table_and_the_page(tmp_path, capsys):
    spec = parse_sweep(f"""
[sweep]
scenario = "{PEOPLE_VS_ADS}"
variants = ["more ads", "more people"]
replications = 2
seed = 1
[fixed]
"market.population" = 1500
"market.weeks" = 26
[design]
kind = "morris"
samples = 4
[parameters."wom.awareness_effect"]
range = [0.1, 0.6]
label = "word-of-mouth strength"
[parameters."network.rewire_probability"]
range = [0.0, 1.0]
[outputs]
kpis = ["npv", "customers"]
""", str(tmp_path / "s.toml"))
    run_sweep(spec, tmp_path / "out", Pool(ThreadPoolExecutor(2), slots=2))
    assert main(["sensitivity", str(tmp_path / "out"), "--table", str(tmp_path / "indices.csv")]) == 0
    out = capsys.readouterr().out
    assert "method morris" in out and "== where more people beats more ads (npv) ==" in out
    assert "word-of-mouth strength" in out
    table = pd.read_csv(tmp_path / "indices.csv")
    assert set(table["variant"]) == {"more ads", "more people", "more people - more ads"}
    # a random network does not use the rewiring probability: with common random numbers its effect is exactly 0
    rewire = table[table["parameter"] == "network.rewire_probability"]
    assert (rewire["mu_star"] == 0).all()
    page = (tmp_path / "out" / "sensitivity.html").read_text()
    assert page.count("<div") > 3 and "plotly" in page and "Where more people beats more ads" in page
    results = load_results(tmp_path / "out")
    assert len(results) == len(load_design(tmp_path / "out")) * 2 * 2
    assert main(["sensitivity", str(tmp_path / "out"), "--versus", "more ads", "fewer ads"]) == 2
    assert "--versus: expected two of this sweep's variants" in capsys.readouterr().err


# --- honest about what a small design cannot say --------------------------------------------------

def test_a_method_that_cannot_run_on_the_design_is_said_once_in_words():
    from cxsim.sweep.analysis import headline

    spec = spec_for("lhs", "samples = 20", KEYS[:3])
    results, design, u = fake_results(spec, unit_sample(spec)[:, 1])
    results["profit"] = 2 * results["npv"]
    found = sensitivity(results, design, spec, ["npv", "profit"])
    assert found.table.empty
    assert len(found.notes) == 1  # one note for every KPI, not one error per KPI
    note = found.notes[0]
    assert note.startswith("rbd-fast cannot be computed on this design (20 points for 3 parameters)")
    assert "too few points" in note and "npv (base), profit (base)" in note and "division" not in note
    assert headline(found, "base", "npv") == "npv: no indices."


def test_indices_wider_than_their_interval_give_no_confident_sentence():
    from cxsim.sweep.analysis import headline

    spec = spec_for("sobol", "samples = 8", KEYS[:3])
    noise = np.random.default_rng(0).normal(size=len(unit_sample(spec)))
    results, design, u = fake_results(spec, noise + 0.1 * unit_sample(spec)[:, 0])
    found = sensitivity(results, design, spec, ["npv"])
    assert found.uncertain("base", "npv")
    sentence = headline(found, "base", "npv")
    assert sentence.startswith("npv: this design is too small to say what moves it")
    assert "moves most" not in sentence
    assert sum("cannot be told apart from 0" in n for n in found.notes) == 1
    # a design large enough for a clear answer keeps the confident sentence
    big = spec_for("sobol", "samples = 1024", KEYS[:3])
    ub = unit_sample(big)
    clear = sensitivity(*fake_results(big, 5 * ub[:, 1] + 0.1 * ub[:, 0])[:2], big, ["npv"])
    assert not clear.uncertain("base", "npv")
    assert headline(clear, "base", "npv").startswith(f"npv moves most with {KEYS[1]}")
