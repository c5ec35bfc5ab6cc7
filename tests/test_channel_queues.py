"""Each service channel is a queue of its own, and the staff behind every queue are hired with a delay, ramp up
and leave: known answers from Erlang C and Erlang A per channel, a slow email queue, ramp-up and attrition."""

from __future__ import annotations

import numpy as np
import pytest

import cxsim
from cxsim.model.mechanisms.queueing import erlang_a, erlang_c_service_level
from cxsim.model.mechanisms.staffing import Workforce, steady_novice_share
from cxsim.scenario import Scenario

PHONE = {"contacts": 2_400, "handle": 6.0, "agents": 5.0, "hours": 60.0, "target": 20.0}
# email: long handle time, a target of 4 open hours, customers who wait a week of open time
EMAIL = {"contacts": 300, "handle": 20.0, "agents": 2.4, "hours": 40.0, "target": 4 * 3600.0, "patience": 2_400.0}
QUIET = {  # nobody buys or talks: the queues see only the fixed arrivals (as presets.contact_centre)
    "market": {"population": 100, "weeks": 6, "initial_customer_share": 0.0, "initial_aware_share": 0.0},
    "network": {"kind": "complete"}, "advertising": {"weekly_spend": 0.0}, "purchase": {"base_rate": 0.0},
}


def two_channels(**employees) -> Scenario:
    """Phone (Erlang C) and email (Erlang A) with fixed arrivals; a paid agent-hour costs 1, no shrinkage."""
    spend = {name: c["agents"] * c["hours"] for name, c in (("phone", PHONE), ("email", EMAIL))}
    total = sum(spend.values())
    channel = {name: {"staff_share": spend[name] / total, "preference": 0.5, "arrivals_per_week": c["contacts"],
                      "handle_minutes": c["handle"], "open_hours": c["hours"], "target_seconds": c["target"],
                      **({"patience_minutes": c["patience"]} if "patience" in c else {})}
               for name, c in (("phone", PHONE), ("email", EMAIL))}
    return Scenario({**QUIET, "service": {"weekly_spend": total, "cost_per_agent_hour": 1.0, "shrinkage": 0.0},
                     "employees": {"annual_turnover": 0.0, **employees}, "channels": channel}, "<two channels>")


@pytest.mark.parametrize("engine", ["fast", "agents"])
def test_each_channel_matches_erlang_c_or_erlang_a(engine):
    ts = cxsim.simulate(two_channels(), 1, seed=1, engine=engine).timeseries
    week = ts[ts["step"] >= 2]  # from week 2 the queue meets a full week's arrivals
    np.testing.assert_allclose(week["agents_phone"], PHONE["agents"], rtol=1e-12)
    np.testing.assert_allclose(week["agents_email"], EMAIL["agents"], rtol=1e-12)
    phone_load = PHONE["contacts"] * PHONE["handle"] / (PHONE["hours"] * 60.0)
    expected = float(erlang_c_service_level(PHONE["agents"], phone_load, PHONE["handle"], PHONE["target"]))
    assert abs(week["service_level_phone"].mean() - expected) < 0.01
    assert week["abandoned_phone"].sum() == 0.0
    email_load = EMAIL["contacts"] * EMAIL["handle"] / (EMAIL["hours"] * 60.0)
    exact = erlang_a(EMAIL["agents"], email_load, EMAIL["handle"], EMAIL["patience"], EMAIL["target"])
    np.testing.assert_allclose(week["service_level_email"], float(exact.service_level), rtol=1e-9)
    np.testing.assert_allclose(week["abandoned_email"] / week["contacts_email"], float(exact.p_abandon), rtol=1e-9)
    np.testing.assert_allclose(week["mean_wait_minutes_email"], float(exact.mean_wait_minutes), rtol=1e-9)
    # the pooled columns add the channels up
    np.testing.assert_allclose(week["contacts"], PHONE["contacts"] + EMAIL["contacts"], rtol=1e-12)


def test_an_email_queue_waits_long_but_loses_few():
    ts = cxsim.simulate(two_channels(), 1, seed=1).timeseries
    week = ts[ts["step"] >= 2]
    email_wait, phone_wait = week["mean_wait_minutes_email"].mean(), week["mean_wait_minutes_phone"].mean()
    abandoned = week["abandoned_email"].sum() / week["contacts_email"].sum()
    assert email_wait > 120.0 and email_wait > 20 * phone_wait, (email_wait, phone_wait)  # answered in hours
    assert abandoned < 0.1, abandoned  # ... and almost everyone waits for the answer
    # the same staffing with phone-like patience (3 minutes) would lose far more
    short = erlang_a(EMAIL["agents"], EMAIL["contacts"] * EMAIL["handle"] / (EMAIL["hours"] * 60.0),
                     EMAIL["handle"], 3.0, EMAIL["target"])
    assert float(short.p_abandon) > 3 * abandoned


def hired_at(week: int, novice_productivity: float, weeks: int = 40) -> Scenario:
    """The contact-centre limit; the staff budget rises from 4.5 to 5.5 agents in ``week``, nobody leaves."""
    sc = cxsim.scenario.presets.contact_centre(2_400, 6.0, 4.5, 60.0, 20.0, weeks=weeks)
    schedule = [4.5 * 60.0] * week + [5.5 * 60.0]
    return sc.with_overrides({"service.weekly_spend": schedule, "employees.novice_productivity": novice_productivity})


def test_new_hires_ramp_up_so_service_dips_below_proficient_hires_then_recovers():
    ramp = cxsim.simulate(hired_at(5, 0.5), 1, seed=1).timeseries.set_index("step")
    proficient = cxsim.simulate(hired_at(5, 1.0), 1, seed=1).timeseries.set_index("step")
    np.testing.assert_allclose(ramp["headcount"], proficient["headcount"], rtol=1e-12)  # the same hires
    gap = proficient["service_level"] - ramp["service_level"]
    assert np.all(np.abs(gap.loc[1:5]) < 1e-12)  # before the hire nobody is learning
    assert np.all(gap.loc[6:12] > 0.005)  # the new hires' first weeks: fewer contacts answered in time
    assert ramp.loc[6:12, "novice_share"].min() > 0.02
    assert gap.loc[40] < 0.1 * gap.loc[6:12].max()  # ... then they learn and service recovers
    assert np.all(np.diff(ramp.loc[6:40, "service_level"].to_numpy()) > -1e-12)


def test_attrition_without_hiring_lowers_agents_week_by_week():
    sc = cxsim.scenario.presets.contact_centre(2_400, 6.0, 5.0, 60.0, 20.0, weeks=30).with_overrides(
        {"employees.annual_turnover": 0.3, "employees.layoffs": False, "employees.novice_productivity": 1.0,
         "service.weekly_spend": [5.0 * 60.0] * 3 + [2.0 * 60.0]})  # the budget falls to 2 agents in week 3
    heads = cxsim.simulate(sc, 1, seed=1).timeseries.set_index("step")["headcount"]
    np.testing.assert_allclose(heads.loc[1:3], 5.0, rtol=1e-12)  # leavers replaced while the budget holds
    np.testing.assert_allclose(heads.loc[4:30].to_numpy(), 5.0 * (1 - 0.3 / 52) ** np.arange(1, 28), rtol=1e-12)
    kept = cxsim.simulate(sc.with_overrides({"employees.annual_turnover": 0.0}), 1, seed=1).timeseries
    np.testing.assert_allclose(kept["headcount"].iloc[1:], 5.0, rtol=1e-12)  # no attrition, no layoffs: all stay
    released = cxsim.simulate(sc.with_overrides({"employees.layoffs": True}), 1, seed=1).timeseries
    assert released["headcount"].iloc[-1] < heads.iloc[-1] - 2.0  # layoffs bring it to the budget in weeks


def test_the_workforce_is_steady_under_a_constant_budget_and_follows_the_hiring_delay():
    w = 0.3 / 52
    staff = Workforce.steady(np.array([4.0]), w, 8.0)
    assert staff.novice_share()[0] == pytest.approx(float(steady_novice_share(w, 8.0)))
    for _ in range(20):
        staff = staff.step(np.array([4.0]), w, 6.0, 8.0)
    np.testing.assert_allclose([staff.headcount[0], staff.novices[0]], [4.0, 4.0 * steady_novice_share(w, 8.0)])
    grown = staff.step(np.array([10.0]), w, 6.0, 8.0)
    assert grown.headcount[0] == pytest.approx(4.0 + (10.0 - 4.0) / 6.0)  # first-order hiring delay
    assert grown.effective(0.5)[0] < grown.headcount[0]


def test_the_flagship_staff_carry_a_steady_share_of_new_hires():
    sc = cxsim.load_scenario("scenarios/people_vs_ads.toml").with_overrides(
        {"market.population": 1_000, "market.weeks": 4})
    ts = cxsim.simulate(sc, 1, seed=1).timeseries
    share = float(steady_novice_share(0.3 / 52, 8.0))
    np.testing.assert_allclose(ts["novice_share"].iloc[1:], share, rtol=1e-9)
    np.testing.assert_allclose(ts["agents"].iloc[1:], ts["headcount"].iloc[1:] * (1 - 0.5 * share), rtol=1e-9)
