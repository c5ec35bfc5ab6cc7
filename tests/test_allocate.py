"""The many-lever optimiser: known optima from the model's equations, determinism, bounds, the command line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import optimize

from cxsim.core.errors import UserError
from cxsim.decide.allocate import (
    optimise,
    parse_bounds,
    plan_overrides,
    reduce,
    resolve_levers,
    spends,
    weights_to_spends,
)
from cxsim.model.response import loaded_quality, service_capacity, service_load, trained_quality
from cxsim.scenario import Scenario, load_scenario

from .conftest import SCENARIOS, call_cli

BUDGET = 6000.0
QUALITY, TRAINING_K, COST, CONTACTS, SENSITIVITY = 0.5, 2000.0, 12.0, 500.0, 1.0


def service_only() -> Scenario:
    """A market where only service quality moves the KPI, through two known concave responses.

    Everyone is a customer already; contacts arrive at a fixed 500 a week whatever anyone does;
    staff buy capacity (spend / cost per encounter) and quality falls as 1 / (1 + s (load - 1)) above
    it; training lifts quality toward 1 as t / (t + K). Satisfaction is the last experience's score,
    10 x quality plus a personal mood (no expectations, no word-of-mouth, rates and dropout blind to
    satisfaction), so mean satisfaction rises with the week's service quality and nothing else: its
    best split is the one that maximises quality. Ads reach no one who is not a customer already.
    """
    return Scenario({
        "scenario": {"name": "service only"},
        "market": {"population": 200, "weeks": 5, "initial_customer_share": 1.0},
        "network": {"kind": "complete"},
        "advertising": {"weekly_spend": 1000.0, "overpromise": 0.0},
        "purchase": {"base_rate": 0.0},
        "service": {"model": "capacity", "weekly_spend": 3000.0, "training_weekly_spend": 1000.0,
                    "cost_per_encounter": COST, "need_probability": 1.0, "quality": QUALITY,
                    "training_half_saturation": TRAINING_K, "overload_sensitivity": SENSITIVITY, "weight": 1.0,
                    "arrivals_per_week": CONTACTS, "hiring_weeks": 0.0, "training_weeks": 0.0},
        "satisfaction": {"memory": 1.0, "disconfirmation_weight": 0.0, "expectation_adaptation": 0.0},
        "repeat": {"rate_sensitivity": 0.0, "dropout_sensitivity": 0.0, "rate_scale": 2.0},
        "winback": {"enabled": False},
        "wom": {"promoter_talk": 0.0, "passive_talk": 0.0, "detractor_talk": 0.0},
    }, "<service only>")


def quality(staff: float, budget: float = BUDGET) -> float:
    """The week's service quality with ``staff`` a week on staff and the rest of the budget on training."""
    skill = trained_quality(QUALITY, budget - staff, TRAINING_K)
    return float(loaded_quality(skill, service_load(CONTACTS, service_capacity(staff, COST)), SENSITIVITY))


@pytest.fixture(scope="module")
def analytic_share() -> float:
    """The staff share that maximises quality: s (q + (1-q) t/(t+K)) / (D c) with t = B - s, below capacity."""
    best = optimize.minimize_scalar(lambda s: -quality(s), bounds=(1.0, BUDGET - 1.0), method="bounded",
                                    options={"xatol": 1e-3})
    return float(best.x) / BUDGET


@pytest.fixture(scope="module")
def two_levers():
    return optimise(service_only(), ["service.weekly_spend", "service.training_weekly_spend"], BUDGET,
                    kpi="satisfaction", replications=3, seed=0, evaluations=60)


@pytest.fixture(scope="module")
def three_levers():
    return optimise(service_only(), ["staff", "training", "ads"], BUDGET, kpi="satisfaction", replications=3,
                    seed=0, evaluations=90)


def test_two_concave_levers_land_on_the_analytic_optimum(two_levers, analytic_share):
    # the optimum is interior and far from an even split, so landing on it is not luck
    assert 0.7 < analytic_share < 0.95
    assert quality(analytic_share * BUDGET) > quality(0.5 * BUDGET) + 0.1
    share = two_levers.allocation["service.weekly_spend"] / BUDGET
    assert abs(share - analytic_share) <= 0.03, (share, analytic_share)
    assert sum(two_levers.allocation.values()) == pytest.approx(BUDGET)
    gain, lo, hi = two_levers.versus_today()
    assert lo > 0  # today's 3,000 staff / 1,000 training is worse, and it shows paired by seed


def test_a_worthless_lever_gets_almost_nothing(three_levers, analytic_share):
    alloc = three_levers.allocation
    assert alloc["advertising.weekly_spend"] <= 0.05 * BUDGET
    # what ads do not get goes to the two levers that work, split as without ads
    share = alloc["service.weekly_spend"] / (alloc["service.weekly_spend"] + alloc["service.training_weekly_spend"])
    assert abs(share - analytic_share) <= 0.05
    assert three_levers.plans["near_best"].sum() >= 1
    low, high = three_levers.near_best()["advertising.weekly_spend"]
    assert low <= alloc["advertising.weekly_spend"] <= high


def test_same_seed_same_search(two_levers):
    again = optimise(service_only(), ["service.weekly_spend", "service.training_weekly_spend"], BUDGET,
                     kpi="satisfaction", replications=3, seed=0, evaluations=60)
    assert again.plans.equals(two_levers.plans)
    other = optimise(service_only(), ["service.weekly_spend", "service.training_weekly_spend"], BUDGET,
                     kpi="satisfaction", replications=3, seed=1, evaluations=20)
    assert not other.plans.iloc[1:5].equals(two_levers.plans.iloc[1:5])


def test_worker_processes_give_the_same_plans():
    from cxsim.decide.pools import ProcessPool

    here = optimise(service_only(), ["staff", "training", "ads"], BUDGET, kpi="satisfaction", replications=2,
                    seed=3, evaluations=14)
    with ProcessPool(2) as pool:
        there = optimise(service_only(), ["staff", "training", "ads"], BUDGET, kpi="satisfaction",
                         replications=2, seed=3, evaluations=14, pool=pool)
    assert there.plans.equals(here.plans)


def test_bounds_hold_for_every_plan():
    scenario = service_only()
    bounds = parse_bounds(["staff=1000:3000", "ads=500:6000"], resolve_levers(scenario, ["staff", "training", "ads"]),
                          BUDGET, "<test>")
    result = optimise(scenario, ["staff", "training", "ads"], BUDGET, bounds, kpi="satisfaction", replications=2,
                      evaluations=24)
    search = result.plans[result.plans["plan"] > 0]
    assert search["service.weekly_spend"].between(1000 - 1e-6, 3000 + 1e-6).all()
    assert search["advertising.weekly_spend"].between(500 - 1e-6, 6000 + 1e-6).all()
    assert np.allclose(search[result.levers].sum(axis=1), BUDGET)
    assert result.allocation["service.weekly_spend"] == pytest.approx(3000, abs=150)  # staff wants all it can get


def test_weights_to_spends_keep_the_budget_and_the_bounds():
    rng = np.random.default_rng(0)
    box = [(0.0, 1000.0), (500.0, 6000.0), (0.0, 6000.0), (200.0, 300.0)]
    for _ in range(200):
        spend = weights_to_spends(rng.random(4) * rng.integers(0, 2, 4), 5000.0, box)
        assert spend.sum() == pytest.approx(5000.0)
        assert all(lo - 1e-6 <= s <= hi + 1e-6 for s, (lo, hi) in zip(spend, box, strict=True))


def test_objectives_reduce_the_runs():
    values = np.arange(1.0, 21.0).reshape(2, 10)  # 2 worlds x 10 replications: 1..20
    assert reduce(values, "mean") == pytest.approx(10.5)
    assert reduce(values, "p10") == pytest.approx(np.quantile(np.arange(1.0, 21.0), 0.1))
    assert reduce(values, "cvar") == pytest.approx(1.5)  # the worst 2 of 20
    assert reduce(np.array([1.0, np.nan]), "mean") == -np.inf


def test_channels_staff_as_levers():
    scenario = load_scenario(SCENARIOS / "channels.toml")
    keys = resolve_levers(scenario, ["ads", "channels.phone", "channels.email.staff_share"])
    assert keys == ["advertising.weekly_spend", "channels.phone", "channels.email"]
    staff = scenario["service.weekly_spend"]
    share = {c: scenario[f"channels.{c}.staff_share"] for c in ("phone", "email", "chat")}
    assert spends(scenario, keys) == pytest.approx({"advertising.weekly_spend": scenario["advertising.weekly_spend"],
                                                    "channels.phone": staff * share["phone"],
                                                    "channels.email": staff * share["email"]})
    moved = scenario.with_overrides(plan_overrides(scenario, {"advertising.weekly_spend": 3000.0,
                                                              "channels.phone": 1500.0, "channels.email": 900.0}))
    assert spends(moved, ["channels.phone", "channels.email", "channels.chat"]) == pytest.approx(
        {"channels.phone": 1500.0, "channels.email": 900.0, "channels.chat": staff * share["chat"]})  # chat keeps its
    assert moved["service.weekly_spend"] == pytest.approx(2400.0 + staff * share["chat"])
    with pytest.raises(UserError, match="not both"):
        resolve_levers(scenario, ["staff", "channels.phone"])


@pytest.mark.parametrize(("names", "expected"), [
    (["ads"], "at least two"), (["ads", "ads"], "twice"), (["ads", "people"], "employees.enabled"),
    (["ads", "purchase.price"], "expected one of"), (["ads", "channels.fax"], "no such channel")])
def test_levers_are_checked(names, expected):
    with pytest.raises(UserError, match=expected):
        resolve_levers(load_scenario(SCENARIOS / "people_vs_ads.toml"), names)


def test_cli_levers_json_and_chart(tmp_path, capsys):
    chart, table = tmp_path / "alloc.html", tmp_path / "plans.csv"
    res = call_cli(capsys, "optimize", str(SCENARIOS / "people_vs_ads.toml"), "--levers", "ads", "staff", "training",
                   "--set", "market.population=1000", "--set", "market.weeks=20", "--budget", "6000",
                   "--evaluations", "12", "-r", "2", "--json", "--chart", str(chart), "--out", str(table))
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert set(out["allocation"]) == {"advertising.weekly_spend", "service.weekly_spend",
                                      "service.training_weekly_spend"}
    assert sum(out["allocation"].values()) == pytest.approx(6000.0)
    assert out["verdict"].startswith(("Best split of $6,000 a week", "Today's plan"))
    assert out["versus_today"]["lo"] <= out["versus_today"]["mean"] <= out["versus_today"]["hi"]
    assert "plotly" in chart.read_text() and out["verdict"].split(":")[0] in chart.read_text()
    assert table.read_text().startswith("plan,generation,advertising.weekly_spend")
    text = call_cli(capsys, "optimize", str(SCENARIOS / "people_vs_ads.toml"), "--levers", "ads", "staff",
                    "--set", "market.population=1000", "--set", "market.weeks=20", "--evaluations", "10", "-r", "2")
    assert text.returncode == 0
    assert text.stdout.splitlines()[0].startswith(("Best split of $6,571 a week over 2 levers", "Today's plan"))
    assert "Near-best" in text.stdout and "paired by seed" in text.stdout


@pytest.mark.parametrize(("args", "expected"), [
    (["--levers", "ads", "staff", "--budget", "1", "2"], "--budget: with --levers expected one"),
    (["--levers", "ads", "staff", "--bounds", "ads=4000:5000", "staff=0:100"], "holds the budget"),
    (["--levers", "ads", "staff", "--bounds", "ads=nan:5"], "0 <= LOW <= HIGH"),
    (["--levers", "ads", "staff", "--bounds", "training=0:5"], "one of the levers"),
    (["--levers", "ads", "staff", "--bounds", "ads"], "KEY=LOW:HIGH"),
    (["--levers", "ads", "staff", "--kpi", "satisfaction", "--budget", "0"], "--budget"),
    (["--levers", "ads", "people"], "employees.enabled"),
    (["--levers", "ads", "staff", "--training-share", "0.2"], "--training-share"),
    (["--objective", "cvar"], "--objective: applies to the many-lever search"),
    (["--uncertain"], "--uncertain: applies to the many-lever search"),
    (["--workers", "2"], "--workers: applies to the many-lever search"),
    (["--levers", "ads", "staff", "--posterior", "no/such/folder"], "no/such/folder"),
    (["--kpi", "satisfaction"], "--kpi"),
])
def test_cli_levers_refuse_bad_input(tmp_path, capsys, args, expected):
    chart = tmp_path / "c.html"
    res = call_cli(capsys, "optimize", str(SCENARIOS / "people_vs_ads.toml"), *args, "--chart", str(chart))
    assert res.returncode == 2
    assert expected in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not chart.exists()


def test_worlds_collapsed_to_a_point_give_the_fixed_answer():
    from cxsim.decide.allocate import plan_values
    from cxsim.decide.uncertainty import Worlds

    scenario = service_only()
    point = Worlds(("service.need_probability",), np.full((3, 1), 1.0), None, "a point")  # the scenario's own value
    plans = [scenario, scenario.with_overrides({"service.weekly_spend": 4500.0})]
    in_worlds = plan_values(plans, 2, 5, kpi="satisfaction", worlds=point, reference=scenario)
    fixed = plan_values(plans, 6, 5, kpi="satisfaction")
    assert in_worlds.shape == (2, 3, 2)
    assert np.array_equal(in_worlds.reshape(2, 1, 6), fixed)  # world i runs replications 2i, 2i+1 of the seed
    robust = optimise(scenario, ["staff", "training"], BUDGET, kpi="satisfaction", replications=2, seed=0,
                      evaluations=12, worlds=point)
    plain = optimise(scenario, ["staff", "training"], BUDGET, kpi="satisfaction", replications=6, seed=0,
                     evaluations=12)
    assert robust.allocation == plain.allocation
    assert robust.versus_today()[0] == pytest.approx(plain.versus_today()[0])  # the interval: over 3 world means
    assert robust.share_of_worlds_better() == 1.0
    assert "of 3 plausible worlds (a point)" in robust.verdict()


def test_worlds_that_differ_pair_plans_world_by_world():
    from cxsim.decide.uncertainty import Worlds

    scenario = service_only()
    worlds = Worlds(("service.quality",), np.array([[0.3], [0.6], [0.9]]), None, "three qualities")
    result = optimise(scenario, ["staff", "training"], BUDGET, kpi="satisfaction", replications=2, seed=0,
                      evaluations=12, worlds=worlds)
    today = result.runs[0]
    assert today.shape == (3, 2)
    assert today[0].mean() < today[1].mean() < today[2].mean()  # better staff, more satisfied, in every plan
    assert result.to_dict()["worlds"] == 3 and result.to_dict()["worlds_source"] == "three qualities"
