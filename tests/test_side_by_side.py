"""Plans that differ only in their spends run side by side in one model, each exactly as it runs alone."""

import numpy as np
import pytest

from cxsim import load_scenario
from cxsim.model.journey import side_by_side
from cxsim.model.simulate import simulate, simulate_plans
from tests.golden import ROOT

SMALL = {"market.population": 600, "market.weeks": 16, "economics.runout_weeks": 8}


def _plans(name: str):
    base = load_scenario(ROOT / "scenarios" / name).with_overrides(SMALL)
    moved = base.with_overrides({"service.training_weekly_spend": 900.0, "advertising.weekly_spend": [0.0, 500.0]})
    return [base, *base.all_variants(), moved]


def _same(a, b) -> None:
    assert a.scenario_name == b.scenario_name
    assert a.timeseries.equals(b.timeseries)
    assert a.customers.equals(b.customers)
    for name in ("terminal_values", "customer_equity", "repeat_shares", "steady"):
        assert getattr(a, name).equals(getattr(b, name)), name
    assert a.summary().equals(b.summary())


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "scenarios").glob("*.toml")
                                        if "firm" not in p.name))
def test_each_plan_side_by_side_is_the_plan_run_alone_to_the_bit(name):
    plans = _plans(name)
    together = simulate_plans(plans, replications=3, seed=5, first_replication=4)
    for plan, result in zip(plans, together):
        _same(result, simulate(plan, replications=3, seed=5, first_replication=4))


def test_plans_that_differ_beyond_their_spends_or_have_channels_do_not_share_a_model():
    flagship = _plans("people_vs_ads.toml")
    assert side_by_side(flagship)
    assert not side_by_side([flagship[0], flagship[0].with_overrides({"purchase.price": 99.0})])
    assert not side_by_side(_plans("channels.toml"))


def test_plans_side_by_side_in_groups_when_together_they_would_be_too_large(monkeypatch):
    from cxsim.model import simulate as module

    plans = _plans("people_vs_ads.toml")
    monkeypatch.setattr(module, "BATCH_CUSTOMERS", 2 * 3 * 600)  # two plans of 3 x 600 people a model
    together = simulate_plans(plans, replications=3, seed=2, keep_customers=False)
    for plan, result in zip(plans, together):
        _same(result, simulate(plan, replications=3, seed=2, keep_customers=False))


def test_the_plans_spends_reach_their_own_markets():
    plans = _plans("people_vs_ads.toml")
    together = simulate_plans(plans, replications=2, seed=1, keep_customers=False)
    ads = [res.timeseries.groupby("step")["ad_spend"].first().iloc[1:].to_numpy() for res in together]
    for plan, spent in zip(plans, ads):
        wanted = plan.config.advertising.weekly_spend
        expected = np.array(wanted if isinstance(wanted, list) else [wanted])
        assert np.array_equal(spent[:expected.size], expected)
