"""The budget-split optimiser: known optima, common random numbers, the command line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxsim import load_scenario, simulate
from cxsim.cli.main import main
from cxsim.core.errors import UserError
from cxsim.decide.optimize import frontier, frontier_table, split_scenario, total_budget
from cxsim.report.figures import frontier_figure

from .conftest import SCENARIOS, run_cli

SMALL = {"market.population": 2000, "market.weeks": 52}
REPLICATIONS = 20


@pytest.fixture(scope="module")
def small():
    """The baseline market, smaller and shorter so a frontier takes seconds."""
    return load_scenario(SCENARIOS / "baseline.toml").with_overrides(SMALL)


@pytest.fixture(scope="module")
def service_worthless(small):
    """No purchase ever needs service: service money buys nothing, so every dollar should go to ads."""
    return frontier(small.with_overrides({"service.need_probability": 0.0}), 3000, "profit",
                    replications=REPLICATIONS, seed=0)


@pytest.fixture(scope="module")
def ads_worthless(small):
    """Ads reach and persuade no one; service money (staff and training) is all that works."""
    scenario = small.with_overrides({"advertising.max_awareness_rate": 0.0, "advertising.max_persuasion": 0.0,
                                     "market.initial_customer_share": 0.2})
    return frontier(scenario, 1500, "profit", replications=REPLICATIONS, seed=0, training_share=0.5)


def test_service_worthless_puts_the_budget_on_ads(service_worthless):
    f = service_worthless
    assert f.best_share <= 0.1
    # all-ads is statistically as good as the best, and far better than an even split or all-service
    assert f.points.set_index("share").loc[0.0, "near_best"]
    for share in (0.5, 1.0):
        gain, lo, hi = f.gain(share)
        assert lo > 0, (share, gain, lo, hi)
    # and the curve falls as money moves to service: the grid's means against the share slope down
    grid = f.points[f.points["how"] == "grid"]
    slope = np.polyfit(grid["share"], grid["mean"], 1)[0]
    se = (grid["ci_hi"] - grid["ci_lo"]).mean()  # one 90% CI width: the noise of one point's mean
    assert slope < -se


def test_ads_worthless_puts_the_budget_on_service(ads_worthless):
    f = ads_worthless
    assert f.best_share >= 0.8
    assert f.points.set_index("share").loc[1.0, "near_best"]
    for share in (0.0, 0.5):
        gain, lo, hi = f.gain(share)
        assert lo > 0, (share, gain, lo, hi)


def test_points_are_the_split_runs_with_one_seed(small, service_worthless):
    """Each point is the split scenario run with the frontier's seed: common random numbers."""
    f = service_worthless
    share = 0.3
    scenario = split_scenario(small.with_overrides({"service.need_probability": 0.0}), 3000, share)
    assert scenario["advertising.weekly_spend"] + scenario["service.weekly_spend"] == pytest.approx(3000)
    direct = simulate(scenario, REPLICATIONS, 0, keep_customers=False).summary()["profit"].to_numpy()
    np.testing.assert_array_equal(f.runs[share], direct)
    row = f.points.set_index("share").loc[share]
    assert row["mean"] == pytest.approx(direct.mean())
    assert row["lo"] <= row["mean"] <= row["hi"]
    assert row["ci_lo"] <= row["mean"] <= row["ci_hi"]
    # the spends add up to the budget at every point, and the search added shares between grid points
    pts = f.points
    np.testing.assert_allclose(pts["ad_spend"] + pts["service_spend"], 3000)
    assert set(pts["how"]) >= {"grid", "search", "current"}
    assert pts["share"].is_monotonic_increasing
    table = frontier_table([f, f])
    assert len(table) == 2 * len(pts) and set(table["budget"]) == {3000} and set(table["kpi"]) == {"profit"}


def test_training_share_and_current_share(small):
    scenario = small.with_overrides({"service.training_weekly_spend": 500.0,  # 4000 ads, 2000 staff, 500 training
                                     "market.population": 500, "market.weeks": 26})
    assert total_budget(scenario) == pytest.approx(6500)
    f = frontier(scenario, 1000, "customers", replications=3, seed=1, grid=3)
    assert f.training_share == pytest.approx(500 / 2500)
    assert f.current == pytest.approx(2500 / 6500, abs=1e-6)
    pts = f.points
    np.testing.assert_allclose(pts["training_spend"], pts["service_spend"] * 0.2)
    split = split_scenario(scenario, 1000, 0.5, 0.2)
    assert split["service.training_weekly_spend"] == pytest.approx(100)
    assert split["service.weekly_spend"] == pytest.approx(400)


def test_same_seed_same_frontier(small):
    tiny = small.with_overrides({"market.population": 500, "market.weeks": 26})
    a = frontier(tiny, 2000, "npv", replications=3, seed=7, grid=3)
    b = frontier(tiny, 2000, "npv", replications=3, seed=7, grid=3)
    pd.testing.assert_frame_equal(a.points, b.points)


@pytest.mark.parametrize("kwargs, field", [
    ({"budget": 0}, "--budget"), ({"budget": 100, "kpi": "nps"}, "--kpi"),
    ({"budget": 100, "grid": 2}, "--grid"), ({"budget": 100, "training_share": 1.5}, "--training-share"),
])
def test_bad_arguments_name_the_option(small, kwargs, field):
    with pytest.raises(UserError, match=field):
        frontier(small, **kwargs)


def test_frontier_figure_marks_the_best(service_worthless, ads_worthless):
    fig = frontier_figure([service_worthless, ads_worthless])
    stars = [t for t in fig.data if getattr(t.marker, "symbol", None) == "star"]
    assert len(stars) == 2
    assert stars[0].x[0] == pytest.approx(service_worthless.best_share * 100)


def test_cli_optimize_writes_the_table_and_the_figure(tmp_path):
    scenario = tmp_path / "small.toml"
    scenario.write_text('[market]\npopulation = 1000\nweeks = 26\n[advertising]\nweekly_spend = 1500.0\n'
                        '[service]\nweekly_spend = 500.0\n')
    out, fig = tmp_path / "frontier.csv", tmp_path / "frontier.html"
    proc = run_cli("optimize", str(scenario), "--budget", "1000", "2000", "--kpi", "customers", "-r", "4",
                   "--grid", "5", "--out", str(out), "--figure", str(fig))
    assert proc.returncode == 0, proc.stderr
    assert "Budget 1,000 a week: best" in proc.stdout and "Budget 2,000 a week: best" in proc.stdout
    table = pd.read_csv(out)
    assert set(table["budget"]) == {1000, 2000} and set(table["kpi"]) == {"customers"}
    assert {0.0, 0.25, 0.5, 0.75, 1.0} <= set(table["share"].round(6))
    assert "plotly" in fig.read_text() and "</html>" in fig.read_text()
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("args, expected", [
    (["--budget", "-5"], "--budget: expected a total weekly budget > 0"),
    (["--variant", "nope"], "variants: expected one of the file's variants"),
    (["--out", "frontier.txt"], "frontier.txt: --out: expected a file name ending in .csv or .parquet"),
    (["--set", "service.weekly_spend=-1"], "service.weekly_spend"),
])
def test_cli_optimize_refuses_bad_input(tmp_path, monkeypatch, capsys, args, expected):
    monkeypatch.chdir(tmp_path)
    assert main(["optimize", str(SCENARIOS / "people_vs_ads.toml"), *args]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err
    assert not list(tmp_path.iterdir())
