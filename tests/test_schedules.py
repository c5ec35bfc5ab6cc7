"""Every spend can be a weekly schedule, so a company can replay its own history or test a temporary investment."""

from __future__ import annotations

import numpy as np
import pytest

import cxsim
from cxsim.core.errors import ScenarioError

BASE = {"market.population": 2_000, "market.weeks": 20, "employees.enabled": True}


@pytest.mark.parametrize("key, column", [("service.weekly_spend", None), ("service.training_weekly_spend", None),
                                         ("employees.weekly_spend", "people_spend")])
def test_a_spend_schedule_is_replayed_week_by_week(key, column):
    schedule = [1000.0] * 5 + [3000.0] * 5 + [500.0]  # the last value is held after the list ends
    sc = cxsim.load_scenario("scenarios/baseline.toml").with_overrides({**BASE, key: schedule})
    ts = cxsim.simulate(sc, 2, seed=1).timeseries
    week = ts[ts["replication"] == 0].set_index("step")
    expected = np.array([schedule[min(w, len(schedule) - 1)] for w in range(20)])
    if column is None:  # service spend is staff plus training
        other = "service.training_weekly_spend" if key == "service.weekly_spend" else "service.weekly_spend"
        expected = expected + sc[other]
        column = "service_spend"
    np.testing.assert_allclose(week.loc[1:20, column].to_numpy(), expected)


def test_staff_hired_for_a_few_weeks_lower_the_load_in_those_weeks_only():
    base = cxsim.load_scenario("scenarios/baseline.toml").with_overrides({"market.population": 5_000,
                                                                          "market.weeks": 30})
    spend = base["service.weekly_spend"]
    boost = base.with_overrides({"service.weekly_spend": [spend] * 10 + [3 * spend] * 10 + [spend]})
    a = cxsim.simulate(base, 4, seed=2).timeseries.groupby("step")["service_load"].mean()
    b = cxsim.simulate(boost, 4, seed=2).timeseries.groupby("step")["service_load"].mean()
    assert (b.loc[11:20] < a.loc[11:20]).all()
    assert np.allclose(b.loc[1:10], a.loc[1:10])  # the same dice: nothing changes before the money does


def test_a_bad_schedule_names_the_field():
    base = cxsim.load_scenario("scenarios/baseline.toml")
    with pytest.raises(ScenarioError, match=r"service\.training_weekly_spend: expected"):
        base.with_overrides({"service.training_weekly_spend": [100.0, -5.0]})
