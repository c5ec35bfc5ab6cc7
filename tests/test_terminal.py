"""Value beyond the horizon: customer equity against BG/NBD's closed form, and the KPIs built on it."""

from __future__ import annotations

import numpy as np
import pytest

import cxsim
from cxsim.model.bgnbd import expected_repeat_purchases
from cxsim.model.results import clv_by_cohort, weekly_discount
from cxsim.model.terminal import discounted_purchases, weekly_force
from tests.conftest import SCENARIOS, mean_and_se

N = 20_000


@pytest.mark.parametrize("r, alpha, a, b, horizon, ahead", [
    (0.8, 8.0, 2.5, 6.0, 26, 52),
    (0.5, 4.0, 3.0, 3.0, 10, 30),
])
def test_customer_equity_is_bgnbd_expected_residual_purchases(r, alpha, a, b, horizon, ahead):
    # In the BG/NBD limit, with one unit of margin a purchase and no discounting, the value of the
    # customers active at the horizon is their expected purchases in the next `ahead` weeks:
    # N (E[X(horizon + ahead)] - E[X(horizon)]) over the cohort (Fader, Hardie & Lee 2005, eq. 7).
    sc = cxsim.scenario.presets.bgnbd(r, alpha, a, b, N, horizon).with_overrides({
        "purchase.price": 1.0, "purchase.gross_margin": 1.0, "economics.discount_rate": 0.0,
        "economics.terminal_weeks": float(ahead)})
    res = cxsim.simulate(sc, replications=6, seed=7, keep_customers=False)
    expected = N * (expected_repeat_purchases(horizon + ahead, r, alpha, a, b)
                    - expected_repeat_purchases(horizon, r, alpha, a, b))
    mean, se = mean_and_se(res.customer_equity.to_numpy())
    assert abs(mean - expected) < 4 * se + 1e-3 * expected, (mean, expected, se)
    summary = res.summary()
    assert np.allclose(summary["customer_equity"], res.customer_equity.to_numpy())  # discount rate 0
    assert np.allclose(summary["value"], summary["npv"] + summary["terminal_value"])


def test_customer_equity_detects_a_wrong_dropout():
    # The same check fails when the terminal value ignores dropout (a one-sided bias, not noise).
    r, alpha, a, b, horizon, ahead = 0.8, 8.0, 2.5, 6.0, 26, 52
    expected = N * (expected_repeat_purchases(horizon + ahead, r, alpha, a, b)
                    - expected_repeat_purchases(horizon, r, alpha, a, b))
    sc = cxsim.scenario.presets.bgnbd(r, alpha, a, b, N, horizon)
    res = cxsim.simulate(sc, replications=1, seed=7, keep_customers=True)
    active = res.customers["stage"].isin(["customer", "repeat"]).sum()
    no_dropout = active * r / alpha * ahead  # mean rate x weeks, as if nobody left
    assert no_dropout > 1.2 * expected


def test_discounted_purchases_match_a_direct_simulation_of_the_process():
    rng = np.random.default_rng(0)
    lam, p, delta, weeks = 0.3, 0.1, weekly_force(0.1), 80.0
    total = 0.0
    n = 40_000
    for _ in range(n):
        t, alive = 0.0, True
        while alive:
            t += rng.exponential(1 / lam)
            if t > weeks:
                break
            total += np.exp(-delta * t)
            alive = rng.random() >= p
    assert total / n == pytest.approx(discounted_purchases(lam, p, delta, weeks), rel=0.02)
    assert discounted_purchases(lam, p, 0.0) == pytest.approx(1 / p)
    assert discounted_purchases(lam, p, delta) == pytest.approx(lam / (delta + p * lam))
    assert discounted_purchases(0.0, p, delta) == 0.0


def test_value_clv_net_and_cac_with_service_are_consistent():
    sc = cxsim.load_scenario(SCENARIOS / "people_vs_ads.toml").with_overrides(
        {"market.population": 2000, "market.weeks": 30})
    res = cxsim.simulate(sc, replications=3, seed=2, keep_customers=True)
    s = res.summary().set_index("replication")
    ts = res.timeseries
    horizon = (1 + weekly_discount(sc.config.economics.discount_rate)) ** -30
    assert np.allclose(s["terminal_value"], res.terminal_values * horizon)
    assert np.allclose(s["customer_equity"], res.customer_equity * horizon)
    assert (s["customer_equity"] > 0).all()
    assert np.allclose(s["value"], s["npv"] + s["terminal_value"])
    spend = ts.groupby("replication")[["ad_spend", "service_spend", "new_customers"]].sum()
    assert np.allclose(s["cac_all"], (spend["ad_spend"] + spend["service_spend"]) / spend["new_customers"])
    assert (s["cac_all"] > s["cac"]).all()
    per_customer = res.customers.groupby("replication")["future_value"].sum()
    assert np.allclose(per_customer, res.customer_equity)
    lapsed = res.customers[res.customers["stage"].isin(["lapsed", "unaware", "aware"])]
    assert (lapsed["future_value"] == 0).all()
    cohorts = clv_by_cohort(res, sc.config.purchase.gross_margin, width=10)
    assert list(cohorts["cohort"][:3]) == ["weeks 0-9", "weeks 10-19", "weeks 20-29"]
    assert np.allclose(cohorts["clv_net"], cohorts["margin"] - cohorts["service_cost"] + cohorts["future_value"])
    # within the horizon alone late cohorts look poor; their future value makes up much of it
    assert cohorts["margin"].iloc[0] > cohorts["margin"].iloc[2]
    assert cohorts["future_value"].iloc[2] > cohorts["margin"].iloc[2]


def test_customer_equity_counts_the_loyalty_mechanisms_of_the_scenario():
    """The rates after the horizon come from the same constants the engines use, the modules' included."""
    from cxsim.model.fast import FastModel
    from cxsim.model.terminal import future_values

    sc = cxsim.load_scenario("scenarios/loyalty.toml").with_overrides({"market.population": 2_000,
                                                                       "market.weeks": 30})
    pop = FastModel(sc, 1).run().population()
    grown = future_values(pop, sc.config, 30).sum()
    flat = future_values(pop, sc.with_overrides({"loyalty.rate_growth": 0.0}).config, 30).sum()
    assert sc["loyalty.rate_growth"] > 0 and grown > flat > 0
