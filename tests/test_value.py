"""Value of a plan that continues: its spends go on after the horizon, and so do their costs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import cxsim
from cxsim.model.value import STEADY_WEEKS, value_after, weekly_discount
from tests.conftest import SCENARIOS

SMALL = {"market.population": 1_500, "market.weeks": 26}


def _values(scenario, replications=4, seed=3):
    return cxsim.simulate(scenario, replications, seed=seed, keep_customers=False).summary().set_index("replication")


def test_ads_that_reach_nobody_lose_the_present_value_of_their_spend_for_ever_and_gain_nothing():
    base = cxsim.load_scenario(SCENARIOS / "people_vs_ads.toml").with_overrides({
        **SMALL, "advertising.max_awareness_rate": 0.0, "advertising.max_persuasion": 0.0,
        "advertising.overpromise": 0.0})
    extra = 1_000.0
    more = base.with_overrides({"advertising.weekly_spend": base["advertising.weekly_spend"] + extra})
    a, b = _values(base), _values(more)
    rate = base.config.economics.discount_rate
    for_ever = extra * 52 / math.log(1 + rate)  # a year's spend x 52 / ln(1 + r): the closed form
    change = b["value"] - a["value"]
    assert np.allclose(change, -for_ever, rtol=0.01), (change.to_numpy(), -for_ever)
    # nothing else of the market moved: the customers, NPV's margin and the customer equity are the same
    assert (b["customers"] == a["customers"]).all() and np.allclose(b["customer_equity"], a["customer_equity"])


def test_a_plan_that_changes_nothing_has_value_change_zero():
    sc = cxsim.load_scenario(SCENARIOS / "people_vs_ads.toml").with_overrides(SMALL)
    same = sc.with_overrides({"scenario.name": "the same plan"})
    assert (_values(same)["value"] - _values(sc)["value"]).abs().max() == 0.0


def test_a_market_in_steady_state_from_week_0_is_worth_the_closed_form_perpetuity():
    # nobody to sell to, a constant spend: profit is -spend every week, for ever
    spend, fixed, rate = 700.0, 300.0, 0.08
    sc = cxsim.parse_scenario(f"""
[market]
population = 200
weeks = 30
initial_customer_share = 0.0
initial_aware_share = 0.0
[advertising]
weekly_spend = {spend}
max_awareness_rate = 0.0
max_persuasion = 0.0
[purchase]
base_rate = 0.0
[service]
weekly_spend = 0.0
[economics]
discount_rate = {rate}
fixed_weekly_cost = {fixed}
terminal_weeks = 0
runout_weeks = 0
""")
    res = cxsim.simulate(sc, 2, seed=1, keep_customers=False)
    w = weekly_discount(rate)
    s = res.summary()
    assert np.allclose(s["value"], -(spend + fixed) / w, rtol=1e-9)  # weeks 1.. for ever
    assert res.steady.all()


def test_value_after_counts_the_run_out_then_a_perpetuity_or_the_valuation_period():
    w = weekly_discount(0.1)
    flow = np.full(40, 100.0)
    revenue = np.full(40, 500.0)
    value, steady = value_after(flow, revenue, 0.1)
    assert steady and value == pytest.approx(100.0 / w, rel=1e-9)
    # a valuation period shorter than the run-out counts only its weeks; longer adds an annuity
    short, _ = value_after(flow, revenue, 0.1, terminal_weeks=10)
    assert short == pytest.approx(100.0 * (1 - (1 + w) ** -10) / w, rel=1e-9)
    long, _ = value_after(flow, revenue, 0.1, terminal_weeks=100)
    assert long == pytest.approx(100.0 * (1 - (1 + w) ** -100) / w, rel=1e-9)


def test_a_cash_flow_still_growing_at_the_end_of_the_run_out_is_said_not_to_have_settled():
    growing = np.linspace(0.0, 1_000.0, 4 * STEADY_WEEKS)
    _, steady = value_after(growing, np.full(growing.size, 2_000.0), 0.1)
    assert not steady


def test_the_horizon_is_untouched_by_the_run_out():
    sc = cxsim.load_scenario(SCENARIOS / "people_vs_ads.toml").with_overrides(SMALL)
    with_runout = cxsim.simulate(sc, 2, seed=4, keep_customers=False)
    without = cxsim.simulate(sc.with_overrides({"economics.runout_weeks": 0}), 2, seed=4, keep_customers=False)
    cols = ["customers", "active", "revenue", "profit", "npv", "customer_equity", "nps"]
    assert with_runout.summary()[cols].equals(without.summary()[cols])
    assert with_runout.timeseries.equals(without.timeseries)


def test_a_discount_rate_of_zero_needs_a_finite_valuation_period():
    with pytest.raises(cxsim.ScenarioError, match="terminal_weeks"):
        cxsim.parse_scenario("[economics]\ndiscount_rate = 0.0\n")
    cxsim.parse_scenario("[economics]\ndiscount_rate = 0.0\nterminal_weeks = 520\n")


def test_the_flagship_starts_staffed_to_80_percent_within_20_seconds_at_launch():
    from cxsim.model.mechanisms.queueing import agents_for_service_level, agents_from_spend

    sc = cxsim.load_scenario(SCENARIOS / "people_vs_ads.toml")
    s = sc.config.service
    launch = cxsim.simulate(sc, 4, seed=0, keep_customers=False, value=False).timeseries.query("1 <= step <= 4")
    load = launch["contacts"].mean() * s.handle_minutes / 60 / s.open_hours  # erlangs over the open hours
    needed = agents_for_service_level(load, s.handle_minutes, s.target_seconds, 0.8)
    on_duty = agents_from_spend(s.weekly_spend, s.cost_per_agent_hour, s.open_hours, s.shrinkage)
    assert needed <= on_duty < needed + 0.01
    under = cxsim.load_scenario(SCENARIOS / "people_vs_ads_understaffed.toml").config.service
    assert agents_from_spend(under.weekly_spend, under.cost_per_agent_hour, under.open_hours, under.shrinkage) < 1


def test_advise_says_why_and_each_levers_decomposition_adds_up_to_its_value_change(tmp_path):
    import json
    import subprocess
    import sys

    small = tmp_path / "flagship.toml"
    small.write_text(cxsim.load_scenario(SCENARIOS / "people_vs_ads.toml").with_overrides(
        {"market.population": 2_000, "market.weeks": 26}).to_toml())
    run = lambda *extra: subprocess.run([sys.executable, "-m", "cxsim.cli", "advise", str(small), "-r", "4", *extra],
                                        capture_output=True, text=True, timeout=600)  # noqa: E731
    out = json.loads(run("--json").stdout)
    for lever in out["levers"]:
        parts = lever["decomposition"]["parts"]
        assert set(parts) == {"margin", "ad_spend", "service_spend", "other_costs", "after_horizon"}
        total = sum(p["mean"] for p in parts.values())
        assert total == pytest.approx(lever["value"]["mean"], rel=0.005, abs=1e-6)
    assert out["why"].startswith("Why:")
    printed = run().stdout.splitlines()
    assert printed[1].startswith("Why:")


@pytest.mark.parametrize("name", ["people_vs_ads.toml", "channels.toml", "segments.toml", "service_profit_chain.toml", "loyalty.toml"])
def test_every_kpi_but_value_is_the_same_without_the_run_past_the_horizon(name):
    """Sweeps that keep no value KPI skip the run-out (cxsim.sweep.worker): the other KPIs must not change."""
    from cxsim.sweep.worker import RUNOUT_FREE

    sc = cxsim.load_scenario(SCENARIOS / name).with_overrides({"market.population": 600, "market.weeks": 30})
    full = cxsim.simulate(sc, 2, seed=3, keep_customers=False).summary()
    short = cxsim.simulate(sc, 2, seed=3, keep_customers=False, value=False).summary()
    kept = sorted(RUNOUT_FREE & set(full.columns))
    assert "npv" in kept and "customer_equity" in kept and "value" not in kept
    pd.testing.assert_frame_equal(full[kept], short[kept])
    assert short["value"].isna().all() and full["value"].notna().all()
