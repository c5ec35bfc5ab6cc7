"""Sweep files: validation and its messages, designs, budget splits, run ids and seeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from cxsim.cli.main import main
from cxsim.core.errors import ScenarioError
from cxsim.model.simulate import simulate
from cxsim.sweep.design import UNIT, build_design, size, to_values, unit_sample
from cxsim.sweep.spec import Parameter, load_sweep, parse_sweep
from cxsim.sweep.tasks import make_run, plan, scenario_key
from tests.conftest import ROOT, SCENARIOS, run_cli

PEOPLE_VS_ADS = (SCENARIOS / "people_vs_ads.toml").as_posix()

BASIC = f"""
[sweep]
scenario = "{PEOPLE_VS_ADS}"
variants = ["more ads", "more people"]
replications = 3
seed = 5

[fixed]
"market.population" = 500
"market.weeks" = 20

[design]
kind = "grid"
steps = 3

[parameters."wom.awareness_effect"]
range = [0.1, 0.5]

[parameters."network.kind"]
values = ["random", "small_world"]
"""


def write(tmp_path: Path, text: str, name: str = "sweep.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- valid files -------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted((SCENARIOS / "sweeps").glob("*.toml")), ids=lambda p: p.name)
def test_shipped_sweeps_are_valid_and_their_designs_have_the_announced_size(path):
    spec = load_sweep(path)
    design = build_design(spec)
    assert len(design) == size(spec)
    assert design["point"].tolist() == list(range(len(design)))
    for name, p in spec.parameters.items():
        u = design[UNIT + name]
        assert ((u >= 0) & (u <= 1)).all()
        if p.range is not None:
            assert design[name].between(*p.range).all()


def test_grid_is_every_combination(tmp_path):
    spec = parse_sweep(BASIC, str(tmp_path / "s.toml"))
    design = build_design(spec)
    assert len(design) == 3 * 2
    assert sorted(set(design["wom.awareness_effect"])) == pytest.approx([0.1, 0.3, 0.5])
    assert set(design["network.kind"]) == {"random", "small_world"}
    assert len(design.drop_duplicates(["wom.awareness_effect", "network.kind"])) == 6


@pytest.mark.parametrize("kind, samples, expected", [
    ("lhs", 20, 20), ("sobol", 16, 16 * (2 + 2)), ("morris", 5, 5 * (2 + 1))])
def test_design_sizes(tmp_path, kind, samples, expected):
    text = BASIC.replace('kind = "grid"\nsteps = 3', f'kind = "{kind}"\nsamples = {samples}')
    spec = parse_sweep(text, str(tmp_path / "s.toml"))
    assert size(spec) == expected
    assert len(build_design(spec)) == expected


def test_latin_hypercube_puts_one_point_in_each_slice(tmp_path):
    text = BASIC.replace('kind = "grid"\nsteps = 3', 'kind = "lhs"\nsamples = 25')
    u = unit_sample(parse_sweep(text, str(tmp_path / "s.toml")))
    for j in range(u.shape[1]):
        assert sorted(np.floor(u[:, j] * 25).astype(int)) == list(range(25))


def test_distributions_map_by_their_quantiles():
    u = np.array([0.1, 0.5, 0.9])
    normal = Parameter(distribution="normal", mean=10.0, sd=2.0)
    assert to_values(normal, u) == pytest.approx(stats.norm.ppf(u, 10, 2))
    truncated = Parameter(distribution="normal", mean=0.5, sd=1.0, low=0.0, high=1.0)
    assert all(0 <= v <= 1 for v in to_values(truncated, np.linspace(0, 1, 11)))
    lognormal = Parameter(distribution="lognormal", median=100.0, sigma=0.5)
    assert to_values(lognormal, np.array([0.5]))[0] == pytest.approx(100.0)
    tri = Parameter(distribution="triangular", low=0.0, mode=1.0, high=4.0)
    assert to_values(tri, np.array([0.0, 0.25, 1.0])) == pytest.approx([0.0, 1.0, 4.0], abs=1e-6)
    # Morris moves on a grid including 0 and 1: a distribution takes the centres of equal-probability slices
    levels = to_values(normal, np.array([0.0, 1 / 3, 2 / 3, 1.0]), morris_levels=4)
    assert levels == pytest.approx(stats.norm.ppf([0.125, 0.375, 0.625, 0.875], 10, 2))
    assert to_values(Parameter(range=(1.0, 9.0), integer=True), np.array([0.0, 0.49, 1.0])) == [1, 5, 9]


def test_budget_split_sets_both_keys_and_spends_the_total(tmp_path):
    text = BASIC.replace('variants = ["more ads", "more people"]\n', "") + """
[parameters.people_share]
range = [0.2, 0.8]
budget_split = { total = 8000, share_to = { "service.weekly_spend" = 0.75, "service.training_weekly_spend" = 0.25 }, rest_to = "advertising.weekly_spend" }
"""
    spec = parse_sweep(text, str(tmp_path / "s.toml"))
    design = build_design(spec)
    for share in design["people_share"]:
        o = spec.overrides({"people_share": share})
        assert sum(o.values()) == pytest.approx(8000)
        assert o["service.weekly_spend"] == pytest.approx(share * 8000 * 0.75)
        assert o["advertising.weekly_spend"] == pytest.approx((1 - share) * 8000)


# --- run ids and seeds ------------------------------------------------------------------------

def test_run_ids_follow_what_decides_the_numbers(tmp_path):
    spec = parse_sweep(BASIC, str(tmp_path / "s.toml"))
    key = scenario_key(spec.arms["more ads"].config.model_dump(mode="json"))
    run = make_run(spec, key, "more ads", {"wom.awareness_effect": 0.3}, 1)
    assert run == make_run(spec, key, "more ads", {"wom.awareness_effect": 0.3}, 1)
    assert run.run_id != make_run(spec, key, "more ads", {"wom.awareness_effect": 0.3}, 2).run_id
    assert run.run_id != make_run(spec, key, "more ads", {"wom.awareness_effect": 0.31}, 1).run_id
    other = scenario_key(spec.arms["more people"].config.model_dump(mode="json"))
    assert run.run_id != make_run(spec, other, "more people", {"wom.awareness_effect": 0.3}, 1).run_id
    reseeded = parse_sweep(BASIC.replace("seed = 5", "seed = 6"), str(tmp_path / "s.toml"))
    assert run.run_id != make_run(reseeded, key, "more ads", {"wom.awareness_effect": 0.3}, 1).run_id
    # common random numbers: replication r of every point draws stream (seed, r)
    assert (run.seed, run.first_replication) == (5, 1)


def test_independent_seeds_give_every_run_its_own_stream(tmp_path):
    spec = parse_sweep(BASIC.replace("seed = 5", 'seed = 5\nseeds = "independent"'), str(tmp_path / "s.toml"))
    runs = [r for _, r in plan(spec, build_design(spec))]
    assert len({r.run_id for r in runs}) == len(runs) == 6 * 2 * 3
    assert len({r.seed for r in runs}) == len(runs)
    assert {r.first_replication for r in runs} == {0}


def test_fingerprint_ignores_retries_and_layout_but_not_the_design(tmp_path):
    spec = parse_sweep(BASIC, str(tmp_path / "s.toml"))
    same = parse_sweep("# a comment\n" + BASIC.replace("seed = 5", "seed = 5\nretries = 7"), str(tmp_path / "t.toml"))
    assert spec.fingerprint() == same.fingerprint()
    assert spec.fingerprint() != parse_sweep(BASIC.replace("steps = 3", "steps = 4"), "s").fingerprint()


# --- mistakes -----------------------------------------------------------------------------------

BAD = {
    "unknown key": (BASIC.replace("seed = 5", "seed = 5\nreplicatoins = 2"),
                    "sweep.replicatoins: expected no such key"),
    "wrong type": (BASIC.replace("replications = 3", 'replications = "three"'),
                   "sweep.replications: expected a valid integer"),
    "unknown scenario key": (BASIC.replace('[parameters."network.kind"]', '[parameters."wom.loudness"]'),
                             'parameters."wom.loudness": expected a scenario key like advertising.weekly_spend'),
    "missing scenario file": (BASIC.replace(PEOPLE_VS_ADS, "nowhere/missing.toml"),
                              "sweep.scenario: expected an existing scenario file, got 'nowhere/missing.toml'"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_sweep_files_exit_2_with_one_clear_message_and_write_nothing(tmp_path, capsys, case):
    text, message = BAD[case]
    path = write(tmp_path, text)
    out = tmp_path / "results"
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: ")
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_a_bad_sweep_file_gives_no_traceback_from_the_command_line(tmp_path):
    path = write(tmp_path, BAD["unknown key"][0])
    proc = run_cli("sweep", str(path), "--out", str(tmp_path / "results"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "sweep.replicatoins" in proc.stderr


@pytest.mark.parametrize("edit, message", [
    (("[design]", '[design]\nsamples = 10'), "no samples with kind = 'grid'"),
    (('kind = "grid"', 'kind = "sobol"\nsamples = 10'), "samples as a power of 2"),
    (("range = [0.1, 0.5]", "range = [0.5, 0.1]"), "low < high"),
    (("range = [0.1, 0.5]", "range = [0.1, 0.5]\nvalues = [1]"), "exactly one of values, range or distribution"),
    (("range = [0.1, 0.5]", 'distribution = "normal"\nmean = 0.3'), "mean and sd for distribution"),
    (("range = [0.1, 0.5]", 'distribution = "triangular"\nlow = 0.4\nmode = 0.3\nhigh = 0.2'),
     "triangular with low <= mode <= high"),
    (("range = [0.1, 0.5]", 'range = [0.1, 0.5]\nmedian = 0.3'), "no median here"),
    (('"market.weeks" = 20', '"market.weeks" = 20\n"wom.awareness_effect" = 0.2'), "either fixed or varied"),
    (('"more people"]', '"more people", "fewer people"]'), "sweep.variants: expected variants of"),
    (("range = [0.1, 0.5]", "range = [0.1, 7.5]"), "values that wom.awareness_effect accepts"),
    (('"market.weeks" = 20', '"market.weeks" = -1'), "fixed.\"market.weeks\": expected a value greater than or equal to 1"),
    (("[outputs]", ""), None),
])
def test_other_mistakes_name_the_field(tmp_path, edit, message):
    text = BASIC.replace(*edit)
    if message is None:  # control: the edit is harmless
        build_design(parse_sweep(text, str(tmp_path / "s.toml")))
        return
    with pytest.raises(ScenarioError) as exc:
        build_design(parse_sweep(text, str(tmp_path / "s.toml")))
    assert message in str(exc.value)
    assert str(exc.value).startswith(str(tmp_path / "s.toml"))


def test_a_swept_key_may_not_undo_a_variant(tmp_path):
    text = BASIC.replace('[parameters."network.kind"]', '[parameters."advertising.weekly_spend"]').replace(
        'values = ["random", "small_world"]', "range = [1000, 9000]")
    with pytest.raises(ScenarioError, match="'more ads' sets advertising.weekly_spend"):
        parse_sweep(text, str(tmp_path / "s.toml"))


def test_budget_split_shares_must_lie_between_0_and_1(tmp_path):
    text = BASIC.replace('variants = ["more ads", "more people"]\n', "") + """
[parameters.people_share]
range = [0.2, 1.4]
budget_split = { total = 8000, share_to = "service.weekly_spend", rest_to = "advertising.weekly_spend" }
"""
    with pytest.raises(ScenarioError, match=r"parameters.people_share: expected shares between 0 and 1"):
        parse_sweep(text, "s.toml")


def test_sweep_help_shows_both_forms():
    proc = run_cli("sweep", "--help")
    assert proc.returncode == 0
    assert "cxsim sweep FILE --out DIR" in proc.stdout and "cxsim sweep export DIR" in proc.stdout
    assert (ROOT / "docs" / "sweeps.md").is_file()


# --- keys inside named tables -------------------------------------------------------------------

CHANNELS = (SCENARIOS / "channels.toml").as_posix()

NAMED = f"""
[sweep]
scenario = "{CHANNELS}"
replications = 2
seed = 3

[fixed]
"market.population" = 3000
"market.weeks" = 26
"channels.phone.quality" = 0.7

[design]
kind = "grid"

[parameters."channels.email.handle_minutes"]
values = [4.0, 12.0]
"""


def test_a_sweep_varies_keys_inside_named_tables(tmp_path):
    spec = parse_sweep(NAMED, str(tmp_path / "s.toml"))
    assert spec.arms["base"].config.channels["phone"].quality == 0.7  # fixed
    path = write(tmp_path, NAMED)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1"]) == 0
    from cxsim.sweep import load_results

    res = load_results(tmp_path / "out")
    assert sorted(res["channels.email.handle_minutes"].unique()) == [4.0, 12.0]
    assert res.groupby("replication")["npv"].nunique().gt(1).any()  # the value reaches the runs
    for _, row in res.iterrows():  # each run is simulate of the scenario with its value set
        hours = row["channels.email.handle_minutes"]
        scenario = spec.arms["base"].with_overrides({"channels.email.handle_minutes": hours})
        direct = simulate(scenario, 1, seed=spec.file.sweep.seed, first_replication=row["replication"])
        assert row["npv"] == direct.summary().iloc[0]["npv"]


@pytest.mark.parametrize("edit, message", [
    (('"channels.email.handle_minutes"]', '"channels.fax.handle_minutes"]'),
     "parameters.\"channels.fax.handle_minutes\": expected a channels entry of"),
    (('"channels.phone.quality" = 0.7', '"channels.pager.quality" = 0.7'), "'phone', 'email', 'chat'), got 'pager'"),
    (('"channels.email.handle_minutes"]', '"channels.email.loudness"]'), "channels.email.response_hours (see"),
    (("values = [4.0, 12.0]", "values = [4.0, -1.0]"), "values that channels.email.handle_minutes accepts"),
    ((CHANNELS, PEOPLE_VS_ADS), "none: the scenario has no [channels] tables"),
])
def test_named_table_mistakes_name_the_field(tmp_path, edit, message):
    with pytest.raises(ScenarioError) as exc:
        build_design(parse_sweep(NAMED.replace(*edit), str(tmp_path / "s.toml")))
    assert message in str(exc.value)


def test_design_points_are_checked_against_the_whole_scenario(tmp_path):
    segments = (SCENARIOS / "segments.toml").as_posix()
    base = NAMED.replace(CHANNELS, segments).replace('"channels.phone.quality" = 0.7\n', "")
    alone = base.replace('[parameters."channels.email.handle_minutes"]\nvalues = [4.0, 12.0]',
                         '[parameters."segments.loyalists.share"]\nvalues = [0.2, 0.4]')
    with pytest.raises(ScenarioError) as exc:
        build_design(parse_sweep(alone, str(tmp_path / "s.toml")))
    assert "parameters: expected design points that the base scenario accepts (segments.*.share: expected " \
           "shares over the segments that sum to 1" in str(exc.value)
    # a budget split of the two shares keeps the sum at 1 (the third segment holds 0.3)
    split = base.replace('[parameters."channels.email.handle_minutes"]\nvalues = [4.0, 12.0]', """
[parameters.loyalist_share]
values = [0.2, 0.4, 0.6]
budget_split = { total = 0.7, share_to = "segments.loyalists.share", rest_to = "segments.deal_seekers.share" }""")
    assert len(build_design(parse_sweep(split, str(tmp_path / "s.toml")))) == 3
