"""The customer-experience mechanisms move outcomes the way their essays claim.

Each claim is checked with paired replications (the same seed: common random
numbers): the mean paired difference must exceed three standard errors. The
scenarios are the files in scenarios/ at a smaller size.
"""

from __future__ import annotations

import numpy as np
import pytest

import cxsim
from cxsim.core.errors import ScenarioError
from cxsim.model.segments import segment_sizes, segment_table
from tests.conftest import SCENARIOS, docking_misfit, mean_and_se, run_cli

SIZE = {"market.population": 3_000, "market.weeks": 52}
REPS = 16


def scenario(name: str, variant: str | None = None, **overrides) -> cxsim.Scenario:
    """A scenario file of scenarios/ at the tests' size, with dotted-key overrides (``__`` for ``.``)."""
    sc = cxsim.load_scenario(SCENARIOS / f"{name}.toml", variant)
    return sc.with_overrides({**SIZE, **{k.replace("__", "."): v for k, v in overrides.items()}})


def run(sc: cxsim.Scenario, reps: int = REPS, keep_customers: bool = False) -> cxsim.Results:
    return cxsim.simulate(sc, reps, seed=17, keep_customers=keep_customers)


def kpi_diff(a: cxsim.Results, b: cxsim.Results, kpi: str) -> tuple[float, float]:
    """Mean and SE of the paired difference b - a of a KPI."""
    return mean_and_se(b.summary()[kpi].to_numpy() - a.summary()[kpi].to_numpy())


def series_diff(a: cxsim.Results, b: cxsim.Results, column: str, steps=slice(None), agg: str = "mean"):
    """Mean and SE of the paired difference b - a of a weekly metric, aggregated over ``steps`` per replication."""
    def per_rep(res):
        t = res.timeseries
        t = t[t["step"].isin(np.arange(t["step"].max() + 1)[steps])]
        return t.groupby("replication")[column].agg(agg).to_numpy()
    return mean_and_se(per_rep(b) - per_rep(a))


def assert_higher(diff_se: tuple[float, float], what: str) -> None:
    diff, se = diff_se
    assert diff > 3 * se and diff > 0, f"{what}: expected higher, got {diff:+.4g} ± {se:.2g}"


def assert_lower(diff_se: tuple[float, float], what: str) -> None:
    diff, se = diff_se
    assert diff < -3 * se and diff < 0, f"{what}: expected lower, got {diff:+.4g} ± {se:.2g}"


# --- service channels ---------------------------------------------------------------------

def test_a_slow_channel_drags_the_experience_down():
    slow = run(scenario("channels"))
    fast = run(scenario("channels", "email staffed, more budget"))
    assert_lower(series_diff(slow, fast, "mean_wait_minutes_email", slice(13, None)), "email wait with more staff")
    assert_higher(series_diff(slow, fast, "quality_email"), "email quality when email has more staff")
    assert_higher(kpi_diff(slow, fast, "satisfaction"), "satisfaction when email has more staff")


def test_escalated_contacts_are_judged_by_the_weaker_channel():
    # phone is the better channel; an escalated contact from email is pulled toward email's quality
    mean_of_two = run(scenario("channels", omnichannel__weakest_link=0.0, omnichannel__escalation_share=0.5))
    weakest = run(scenario("channels", omnichannel__weakest_link=1.0, omnichannel__escalation_share=0.5))
    assert_lower(kpi_diff(mean_of_two, weakest, "satisfaction"), "satisfaction, weakest link")


def test_forcing_customers_into_a_channel_costs_satisfaction():
    # plenty of staff in every channel and equal quality, so only the forcing differs
    equal = {"service__weekly_spend": 12000.0, "channels__phone__quality": 0.7, "channels__email__handle_minutes": 6.0,
             "channels__email__wait_tolerance_minutes": 5.0, "channels__email__target_seconds": 60.0,
             "omnichannel__escalation_share": 0.0}
    free = run(scenario("channels", **equal))
    forced = run(scenario("channels", **equal, omnichannel__forced_channel="chat",
                          channels__chat__staff_share=0.8, channels__email__staff_share=0.0,
                          channels__phone__staff_share=0.2))
    assert_lower(kpi_diff(free, forced, "satisfaction"), "satisfaction when pushed into chat")
    t = forced.timeseries
    assert t["encounters_email"].sum() == 0 and t["encounters_chat"].sum() > 0


def test_channel_staff_share_sets_its_load():
    few = run(scenario("channels"))
    more = run(scenario("channels", channels__email__staff_share=0.24, channels__chat__staff_share=0.21))
    assert_lower(series_diff(few, more, "load_email", slice(13, None)), "email load with twice its staff")


@pytest.mark.parametrize("kind", ["one channel", "one segment"])
def test_one_channel_or_one_segment_is_the_plain_model(kind):
    """A single channel that adds no wait, or a single segment, is the model without them (in distribution)."""
    base = cxsim.load_scenario(SCENARIOS / "baseline.toml").with_overrides(
        {"market.population": 2_000, "market.weeks": 26, "service.model": "capacity"})  # channels' own model
    one = base.with_overrides({"channels.all.response_hours": 0.0} if kind == "one channel"
                              else {"segments.everyone.share": 1.0})
    a = cxsim.simulate(base, 20, seed=3, keep_customers=False)
    b = cxsim.simulate(one, 20, seed=4, keep_customers=False)
    misfit = docking_misfit(a, b)
    assert max(misfit.values()) <= 1.0, sorted(misfit.items(), key=lambda kv: -kv[1])[:3]


# --- segments -----------------------------------------------------------------------------

def test_results_break_down_by_segment():
    res = run(scenario("segments"), reps=8, keep_customers=True)
    by = res.by_segment()
    names = ["loyalists", "deal_seekers", "service_dependent"]
    assert list(res.customers["segment"].cat.categories) == names
    sizes = dict(zip(names, segment_sizes([0.2, 0.5, 0.3], 3_000), strict=True))
    assert (by["people"] == by["segment"].map(sizes)).all()  # exact sizes in every replication
    wide = by.pivot(index="replication", columns="segment", values="purchases_per_customer")
    # loyalists buy about three times as often as deal seekers (weekly rate 0.2 against 0.06)
    assert_higher(mean_and_se((wide["loyalists"] - wide["deal_seekers"]).to_numpy()), "loyalists' purchases")
    revenue = by.groupby("replication")["revenue"].sum().to_numpy()
    assert np.allclose(revenue, res.summary()["revenue"].to_numpy())
    table = segment_table(by)
    assert set(table["segment"]) == set(names) and {"mean", "lo", "hi"} <= set(table.columns)


def test_a_segments_own_parameters_move_that_segment():
    base = run(scenario("segments"), keep_customers=True)
    louder = run(scenario("segments", segments__deal_seekers__ad_response=3.0), keep_customers=True)
    def conversion(res, segment):
        by = res.by_segment()
        return by[by["segment"] == segment].set_index("replication")["conversion"].to_numpy()
    assert_higher(mean_and_se(conversion(louder, "deal_seekers") - conversion(base, "deal_seekers")),
                  "deal seekers' conversion with ads aimed at them")


@pytest.mark.parametrize("engine", ["fast", "agents"])
def test_satisfaction_mean_counts_each_segments_own_starting_satisfaction(engine):
    sc = scenario("segments", market__population=600, market__initial_customer_share=0.2, market__weeks=1)
    res = cxsim.simulate(sc, 3, seed=2, engine=engine)
    start = res.timeseries[res.timeseries["step"] == 0].set_index("replication")["satisfaction_mean"]
    initial = {name: sc["satisfaction.initial"] if seg.initial_satisfaction is None else seg.initial_satisfaction
               for name, seg in sc.config.segments.items()}
    c = res.customers
    first = c[c["source"] == "initial"]
    expected = first["segment"].map(initial).astype(float).groupby(first["replication"]).mean()
    assert np.allclose(start.sort_index().to_numpy(), expected.sort_index().to_numpy())


# --- closed feedback loop ---------------------------------------------------------------------

def test_feedback_loop_raises_service_quality_over_time_at_a_cost():
    off = run(scenario("feedback_loop", "no loop"))
    on = run(scenario("feedback_loop"))
    assert_higher(series_diff(off, on, "service_quality", slice(26, None)), "service quality with the loop")
    assert_higher(kpi_diff(off, on, "satisfaction"), "satisfaction with the loop")
    assert on.timeseries["feedback_cost"].sum() > 0 and off.timeseries["feedback_cost"].sum() == 0
    lift = on.timeseries.groupby("step")["feedback_lift"].mean().to_numpy()
    assert lift[0] == 0 and np.all(np.diff(lift) >= 0) and lift[-1] > lift[13] > 0


def test_a_slower_loop_delivers_later():
    quick = run(scenario("feedback_loop", feedback__lag_weeks=2.0))
    slow = run(scenario("feedback_loop", feedback__lag_weeks=20.0))
    assert_lower(series_diff(quick, slow, "feedback_lift", slice(12, 14)), "lift at week 13 with a 20-week lag")


# --- employees and the service-profit chain ---------------------------------------------------

def test_investing_in_people_raises_engagement_keeps_staff_and_lifts_satisfaction():
    today = run(scenario("service_profit_chain"))
    invest = run(scenario("service_profit_chain", employees__weekly_spend=1500.0))
    late = slice(26, None)
    assert_higher(series_diff(today, invest, "engagement", late), "engagement")
    assert_lower(series_diff(today, invest, "staff_turnover", late), "staff turnover")
    assert_lower(series_diff(today, invest, "turnover_cost", late, "sum"), "turnover cost")
    assert_higher(kpi_diff(today, invest, "satisfaction"), "satisfaction")
    # the lag: a quarter of the way in, engagement has covered well under its distance at the horizon
    e = invest.timeseries.groupby("step")["engagement"].mean()
    assert e[4] - e[0] < 0.5 * (e[52] - e[0])


def test_staff_turnover_costs_money_and_quality():
    steady = run(scenario("service_profit_chain", employees__annual_turnover=0.1))
    churning = run(scenario("service_profit_chain", employees__annual_turnover=1.5))
    assert_higher(series_diff(steady, churning, "turnover_cost", agg="sum"), "turnover cost")
    assert_lower(series_diff(steady, churning, "service_quality", slice(1, None)), "service quality")
    assert_lower(kpi_diff(steady, churning, "satisfaction"), "satisfaction with high turnover")
    assert_lower(kpi_diff(steady, churning, "profit"), "profit with high turnover")


def test_staff_are_not_modelled_unless_enabled():
    ts = run(scenario("baseline"), reps=2).timeseries
    assert ts["engagement"].isna().all() and (ts["turnover_cost"] == 0).all()


# --- loyalty ------------------------------------------------------------------------------------

def test_loyal_customers_buy_more_often_and_spend_more():
    flat = run(scenario("loyalty", loyalty__rate_growth=0.0, loyalty__basket_growth=0.0,
                        loyalty__basket_satisfaction=0.0))
    grows = run(scenario("loyalty"))
    assert_higher(kpi_diff(flat, grows, "revenue"), "revenue")
    def per_purchase(res):
        t = res.timeseries.groupby("replication")[["revenue", "purchases"]].sum()
        return (t["revenue"] / t["purchases"]).to_numpy()
    assert_higher(mean_and_se(per_purchase(grows) - per_purchase(flat)), "spend per purchase")
    assert_higher(series_diff(flat, grows, "repeat_purchases", agg="sum"), "repeat purchases")


def test_loyalty_programme_has_members_a_cost_and_an_effect():
    none = run(scenario("loyalty"), keep_customers=True)
    programme = run(scenario("loyalty", "loyalty programme"), keep_customers=True)
    assert (none.timeseries["members"] == 0).all() and (none.timeseries["loyalty_cost"] == 0).all()
    assert programme.timeseries["members"].iloc[-1] > 0
    assert_higher(series_diff(none, programme, "loyalty_cost", agg="sum"), "programme cost")
    def repeats_per_customer(res):
        c = res.customers[res.customers["first_purchase_step"].notna()]
        return c.groupby("replication")["repeat_purchases"].mean().to_numpy()
    assert_higher(mean_and_se(repeats_per_customer(programme) - repeats_per_customer(none)),
                  "repeat purchases per customer with the programme")
    members = programme.customers["member"]
    assert 0.4 < members[programme.customers["first_purchase_step"].notna()].mean() < 0.8  # enrolment 0.6


# --- short-term pressure ---------------------------------------------------------------------

def test_handle_time_targets_buy_capacity():
    relaxed = run(scenario("pressure"))
    rushed = run(scenario("pressure", "two-minute rule"))
    assert_lower(series_diff(relaxed, rushed, "service_load", slice(4, None)), "service load with the target")


def test_handle_time_targets_cost_quality_when_capacity_is_not_short():
    ample = {"service__weekly_spend": 6000.0}
    relaxed = run(scenario("pressure", **ample))
    rushed = run(scenario("pressure", "two-minute rule", **ample))
    assert_lower(series_diff(relaxed, rushed, "service_quality", slice(1, None)), "service quality")
    assert_lower(kpi_diff(relaxed, rushed, "satisfaction"), "satisfaction")


# --- silos ----------------------------------------------------------------------------------

def test_inconsistent_touchpoints_lower_satisfaction():
    integrated = run(scenario("silos", "one owner of CX"))
    siloed = run(scenario("silos"))
    assert_lower(kpi_diff(integrated, siloed, "satisfaction"), "satisfaction when siloed")
    def detractor_share(res: cxsim.Results) -> np.ndarray:  # of survey respondents, from week 13
        t = res.timeseries[res.timeseries["step"] >= 13]
        sums = t.groupby("replication")[["detractors", "respondents"]].sum()
        return (sums["detractors"] / sums["respondents"]).to_numpy()
    assert_higher(mean_and_se(detractor_share(siloed) - detractor_share(integrated)), "detractors when siloed")


# --- the scenario files refuse what cannot work --------------------------------------------

@pytest.mark.parametrize("text,field", [
    ("[channels.phone]\nstaff_share = 0.5\n", "channels.*.staff_share"),
    ('[channels.phone]\n[omnichannel]\nforced_channel = "fax"\n', "omnichannel.forced_channel"),
    ("[omnichannel]\nescalation_share = 0.2\n", "omnichannel.escalation_channel"),
    ("[segments.a]\nshare = 0.5\n[segments.b]\nshare = 0.3\n", "segments.*.share"),
    ("[segments.a]\nshare = 1.0\nchannel_preference = {phone = 1.0}\n", "segments.a.channel_preference"),
    ('[channels."In Store"]\n', "channels.In Store"),
    ("[segments.a]\nbasket = 2.0\n", "segments.a.share"),
    ("[employees]\nenabled = 1.5\n", "employees.enabled"),
])
def test_bad_mechanism_settings_name_the_field(text, field):
    with pytest.raises(ScenarioError) as err:
        cxsim.parse_scenario(text, "bad.toml")
    assert err.value.field == field and str(err.value).startswith("bad.toml: ")


def test_bad_mechanism_settings_exit_2_on_the_command_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[segments.a]\nshare = 0.5\n")
    proc = run_cli("validate", str(bad))
    assert proc.returncode == 2 and "segments.*.share" in proc.stderr and "Traceback" not in proc.stderr


def test_every_scenario_file_round_trips_through_toml():
    for path in sorted(SCENARIOS.glob("*.toml")):
        sc = cxsim.load_scenario(path)
        again = cxsim.parse_scenario(sc.to_toml(), "again.toml")
        assert again.to_dict() == sc.to_dict() and again.variants == sc.variants, path.name
