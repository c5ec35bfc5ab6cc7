"""Directions the model must get right, checked with paired replications (common random numbers)."""

from __future__ import annotations

from pathlib import Path

import cxsim
from tests.conftest import mean_and_se

ROOT = Path(__file__).resolve().parent.parent
BASE = cxsim.load_scenario(ROOT / "scenarios/baseline.toml").with_overrides(
    {"market.population": 3_000, "market.weeks": 52})
REPS = 16


def paired(low: cxsim.Scenario, high: cxsim.Scenario, kpi: str, reps: int = REPS) -> tuple[float, float]:
    """Mean and standard error of the paired difference high - low of a KPI."""
    a = cxsim.simulate(low, reps, seed=9).summary()[kpi].to_numpy()
    b = cxsim.simulate(high, reps, seed=9).summary()[kpi].to_numpy()
    return mean_and_se(b - a)


def paired_series(low, high, column: str, agg) -> tuple[float, float]:
    a = cxsim.simulate(low, REPS, seed=9, keep_customers=False).timeseries.groupby("replication")[column].agg(agg)
    b = cxsim.simulate(high, REPS, seed=9, keep_customers=False).timeseries.groupby("replication")[column].agg(agg)
    return mean_and_se(b.to_numpy() - a.to_numpy())


def test_more_ad_spend_more_awareness():
    def ever_aware(res):
        t = res.timeseries
        return (t["aware"] + t["ever_customers"]).groupby(t["replication"]).last().to_numpy()

    low = cxsim.simulate(BASE, REPS, seed=9, keep_customers=False)
    high = cxsim.simulate(BASE.with_overrides({"advertising.weekly_spend": 8000.0}), REPS, seed=9,
                          keep_customers=False)
    diff, se = mean_and_se(ever_aware(high) - ever_aware(low))
    assert diff > 3 * se and diff > 0


def test_zero_ad_spend_wins_no_customer_by_ads():
    res = cxsim.simulate(BASE.with_overrides({"advertising.weekly_spend": 0.0}), 4, seed=9, keep_customers=False)
    assert res.timeseries["new_from_ads"].sum() == 0
    assert res.timeseries["new_from_wom"].sum() > 0  # the market still moves by word-of-mouth


def test_more_service_capacity_and_quality_raise_satisfaction_repeat_and_nps():
    # A cohort of existing customers and no acquisition, so the repeat share is not diluted by newcomers.
    cohort = BASE.with_overrides({"market.initial_customer_share": 0.3, "advertising.weekly_spend": 0.0,
                                  "wom.awareness_effect": 0.0, "purchase.base_rate": 0.0,
                                  "service.weekly_spend": 100.0, "market.weeks": 26})
    better = cohort.with_overrides({"service.weekly_spend": 1500.0, "service.training_weekly_spend": 1000.0})
    for kpi in ("satisfaction", "nps", "repeat_share"):
        diff, se = paired(cohort, better, kpi, reps=40)
        assert diff > 3 * se, f"{kpi}: {diff} +- {se}"


def test_overload_lowers_satisfaction():
    overloaded = BASE.with_overrides({"service.weekly_spend": 300.0})
    diff, se = paired(BASE, overloaded, "satisfaction")
    assert diff < -3 * se
    load, _ = paired_series(BASE, overloaded, "service_load", "max")
    assert load > 0


def test_overpromising_lowers_satisfaction():
    diff, se = paired(BASE, BASE.with_overrides({"advertising.overpromise": 0.2}), "satisfaction")
    assert diff < -3 * se


def test_negative_word_of_mouth_costs_customers():
    poor = BASE.with_overrides({"purchase.product_quality": 0.6})  # a product that makes detractors
    louder = poor.with_overrides({"wom.detractor_talk": 4.0, "wom.negative_churn_effect": 0.2})
    diff, se = paired(poor, louder, "active")
    assert diff < -3 * se


def test_same_seed_same_numbers_different_seed_different_numbers():
    a = cxsim.simulate(BASE, 3, seed=5)
    b = cxsim.simulate(BASE, 3, seed=5)
    c = cxsim.simulate(BASE, 3, seed=6)
    assert a.timeseries.equals(b.timeseries) and a.customers.equals(b.customers)
    assert not a.timeseries.equals(c.timeseries)
    agents_a = cxsim.simulate(BASE.with_overrides({"market.population": 500}), 2, seed=5, engine="agents")
    agents_b = cxsim.simulate(BASE.with_overrides({"market.population": 500}), 2, seed=5, engine="agents")
    assert agents_a.timeseries.equals(agents_b.timeseries)
