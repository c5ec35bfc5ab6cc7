"""Marginal returns (cxsim advise): known answers, the verdict, the table, the command line."""

from __future__ import annotations

import json

import numpy as np
import pytest

import cxsim
from cxsim.core.errors import UserError
from cxsim.decide.advise import advise
from cxsim.decide.spend import plan_spends, spend_levers
from cxsim.decide.stats import mean_interval
from cxsim.model.results import weekly_discount
from tests.conftest import SCENARIOS, call_cli

SMALL = {"market.population": 2000, "market.weeks": 40}


def flagship(**overrides) -> cxsim.Scenario:
    return cxsim.load_scenario(SCENARIOS / "people_vs_ads.toml").with_overrides({**SMALL, **overrides})


def present_value(weekly: float, scenario: cxsim.Scenario) -> float:
    """Discounted cost of ``weekly`` more spend from week 1 for ever (value counts the plan continued)."""
    return weekly / weekly_discount(scenario.config.economics.discount_rate)


def test_a_worthless_lever_earns_nothing_and_its_interval_says_so():
    # Ads that reach and persuade nobody: the extra money is pure cost, for every kpi.
    sc = flagship(**{"advertising.max_awareness_rate": 0.0, "advertising.max_persuasion": 0.0,
                     "advertising.overpromise": 0.0})
    advice = advise(sc, step=1000, replications=6, seed=3)
    ads = next(r for r in advice.returns if r.lever == "ads")
    mean, lo, hi = ads.changes["value"]
    assert hi <= 0 and lo <= mean <= hi
    assert mean == pytest.approx(-present_value(1000, sc), rel=1e-6)
    assert ads.changes["customers"][0] == pytest.approx(0.0, abs=1e-9)
    assert advice.returns[-1].lever == "ads" or advice.returns[-1].changes["value"][0] <= mean


def test_doubling_a_levers_effect_raises_its_return():
    # Training closes the gap to perfect quality as spend / (spend + K): halving K doubles what
    # the first money buys, so training's marginal return at today's 0 must rise.
    sc = flagship(**{"market.population": 5000, "market.weeks": 52})
    doubled = sc.with_overrides({"service.training_half_saturation": sc["service.training_half_saturation"] / 2})
    base = next(r for r in advise(sc, replications=8, seed=1).returns if r.lever == "training")
    more = next(r for r in advise(doubled, replications=8, seed=1).returns if r.lever == "training")
    gain, lo, _ = mean_interval(more.runs - base.runs, 0.99)  # paired by seed
    assert gain > 0 and lo > 0, (gain, lo)


def test_every_spend_lever_is_advised_with_the_channels_and_the_people_programme():
    sc = cxsim.load_scenario(SCENARIOS / "channels.toml").with_overrides(
        {**SMALL, "market.weeks": 12, "employees.enabled": True})
    names = [lever.name for lever in spend_levers(sc)]
    assert names[:4] == ["ads", "service staff", "training", "people programme"]
    assert [n for n in names[4:]] == [f"{c} staff" for c in sc.config.channels]
    advice = advise(sc, step=500, replications=2)
    assert sorted(r.lever for r in advice.returns) == sorted(names)
    means = [r.changes["value"][0] for r in advice.returns]
    assert means == sorted(means, reverse=True)  # best first


def test_a_channels_staff_gets_the_extra_money_and_the_others_keep_theirs():
    sc = cxsim.load_scenario(SCENARIOS / "channels.toml")
    lever = next(lv for lv in spend_levers(sc) if lv.name.endswith(" staff") and lv.name != "service staff")
    moved = sc.with_overrides(lever.moved(sc, 1000.0))
    for other in spend_levers(sc)[3:]:
        expected = other.read(sc) + (1000.0 if other.name == lever.name else 0.0)
        assert other.read(moved) == pytest.approx(expected)
    assert plan_spends(moved)["service staff"] == pytest.approx(plan_spends(sc)["service staff"] + 1000)


def test_the_verdict_comes_first_names_the_best_lever_and_its_interval():
    advice = advise(flagship(), replications=4)
    sentence = advice.verdict()
    best = advice.best
    assert sentence.startswith("At today's plan")
    assert best.lever in sentence.split(";")[0] and "90% CI" in sentence.split(";")[0]
    for r in advice.returns:
        assert f"on {r.lever}" in sentence
    table = advice.display_table().to_string(index=False)
    assert max(len(line) for line in table.splitlines()) <= 100
    curves = advice.curves
    assert set(curves["lever"]) == {r.lever for r in advice.returns}
    assert (curves.loc[curves["steps"] == 0, "mean"] == 0).all()


def test_response_curves_cover_the_steps_asked_and_skip_spend_below_zero():
    advice = advise(flagship(), replications=2, curve_steps=(-2, -1, 2))
    training = advice.curves[advice.curves["lever"] == "training"]  # 0 today: no negative points
    assert sorted(training["steps"]) == [0, 1, 2]
    ads = advice.curves[advice.curves["lever"] == "ads"]
    assert sorted(ads["steps"]) == [-2, -1, 0, 1, 2]
    assert ads.set_index("steps").loc[-2, "spend"] == pytest.approx(2000.0)
    from cxsim.report.figures import marginal_figure, response_figure
    assert len(marginal_figure(advice).data) == 1
    assert len(response_figure(advice).data) == 2 * len(advice.returns)


@pytest.mark.parametrize("step", [0.0, -5.0, float("nan"), float("inf")])
def test_a_bad_step_is_refused(step):
    with pytest.raises(UserError, match="step"):
        advise(flagship(), step=step, replications=2)


def test_cli_prints_the_verdict_first_then_the_table(capsys, tmp_path):
    out = call_cli(capsys, "advise", str(SCENARIOS / "people_vs_ads.toml"), "--set", "market.population=1500",
                   "--set", "market.weeks=20", "-r", "3", "--figure", str(tmp_path / "advice.html"))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("At today's plan") and "$1,000 a week" in lines[0]
    assert any(line.strip().startswith("service staff") for line in lines)
    assert (tmp_path / "advice.html").read_text().count("plotly") > 0
    data = json.loads(call_cli(capsys, "advise", str(SCENARIOS / "people_vs_ads.toml"), "--set",
                               "market.population=1500", "--set", "market.weeks=20", "-r", "3", "--step", "500",
                               "--json").stdout)
    assert data["step"] == 500 and data["verdict"].startswith("At today's plan")
    assert {lv["lever"] for lv in data["levers"]} == {"ads", "service staff", "training"}
    assert all(np.isfinite(lv["value"]["mean"]) for lv in data["levers"])


def test_cli_bad_input_is_one_line_and_exit_2(capsys, tmp_path):
    out = call_cli(capsys, "advise", str(SCENARIOS / "people_vs_ads.toml"), "--step", "0", "-r", "2")
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "step" in out.stderr
    out = call_cli(capsys, "advise", str(SCENARIOS / "people_vs_ads.toml"), "--variant", "nope")
    assert out.returncode == 2 and "nope" in out.stderr
    out = call_cli(capsys, "advise", str(SCENARIOS / "people_vs_ads.toml"), "--figure", str(tmp_path / "x.png"))
    assert out.returncode == 2 and "x.png" in out.stderr and not (tmp_path / "x.png").exists()
