"""The service pool is a contact-centre queue: the weekly outputs match Erlang C and Erlang A in their limits,
and staff above what demand needs are worth something, with diminishing returns."""

from __future__ import annotations

import numpy as np
import pytest

import cxsim
from cxsim.model.mechanisms.queueing import erlang_a, erlang_c_service_level

CASES = [  # contacts a week, handle minutes, agents, open hours, target seconds, patience minutes
    (2_400, 6.0, 5.0, 60.0, 20.0, None),
    (4_000, 8.0, 10.0, 60.0, 20.0, None),
    (2_400, 6.0, 4.5, 60.0, 20.0, 3.0),
]


@pytest.mark.parametrize("engine", ["fast", "agents"])
@pytest.mark.parametrize("contacts,handle,agents,hours,target,patience", CASES)
def test_the_contact_centre_preset_matches_erlang(engine, contacts, handle, agents, hours, target, patience):
    sc = cxsim.scenario.presets.contact_centre(contacts, handle, agents, hours, target, patience, weeks=6)
    ts = cxsim.simulate(sc, 1, seed=1, engine=engine).timeseries
    week = ts[ts["step"] >= 2]  # constant arrivals from week 2 on (week 1 meets the empty queue of week 0)
    load = contacts * handle / (hours * 60.0)
    if patience is None:
        expected = float(erlang_c_service_level(agents, load, handle, target))
    else:
        expected = float(erlang_a(agents, load, handle, patience, target).service_level)
    np.testing.assert_allclose(week["contacts"], contacts, rtol=1e-9)
    assert abs(week["service_level"].mean() - expected) < 0.01


def test_staff_above_demand_are_worth_something_with_diminishing_returns():
    base = cxsim.load_scenario("scenarios/people_vs_ads.toml").with_overrides({"market.weeks": 52})
    spends = [2000.0, 2500.0, 3000.0, 3500.0, 4000.0]
    levels, quality = [], []
    for spend in spends:
        ts = cxsim.simulate(base.with_overrides({"service.weekly_spend": spend}), 4, seed=3).timeseries
        late = ts[ts["step"] >= 26]
        levels.append(late["service_level"].mean())
        quality.append(late["service_quality"].mean())
    gains = np.diff(levels)
    assert np.all(gains > 0) and np.all(np.diff(quality) > 0)  # every step of staff buys service
    assert gains[-1] < gains[0]  # ... and the later ones less than the first


def test_profit_has_an_interior_maximum_in_staff_spend():
    """Staff cost money: profit rises from too few staff to enough, then falls when they stand idle."""
    base = cxsim.load_scenario("scenarios/people_vs_ads.toml")
    profit = {spend: cxsim.simulate(base.with_overrides({"service.weekly_spend": spend}), 6, seed=3,
                                    keep_customers=False).summary()["profit"].to_numpy()
              for spend in (1_000.0, 4_000.0, 12_000.0)}
    for low_or_high in (1_000.0, 12_000.0):
        gain = profit[4_000.0] - profit[low_or_high]  # paired by seed
        assert gain.mean() > 3 * gain.std(ddof=1) / np.sqrt(gain.size) and gain.mean() > 0
