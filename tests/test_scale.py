"""A real firm's market at its real size: each simulated person stands for ``market.scale`` people (issue 26)."""

from pathlib import Path

import numpy as np
import pytest

import cxsim
from cxsim.core.errors import ScenarioError
from cxsim.model.mechanisms.queueing import erlang_c_service_level
from cxsim.model.results import clv_by_cohort
from cxsim.scenario.schema import AUTOMATIC_PEOPLE, automatic_scale

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = ROOT / "scenarios" / "people_vs_ads.toml"

# 200,000 people with a contact centre of 6 agents under real load (about 80-95% of calls within 20 s),
# 10% of them customers at the start so the queue's demand is steady; ads at 20 times the flagship's
DOCK = {"market.population": 200_000, "market.weeks": 13, "market.initial_customer_share": 0.1,
        "advertising.weekly_spend": 80_000.0, "advertising.half_saturation": 160_000.0,
        "service.weekly_spend": 6 * 2571.43, "service.hiring_weeks": 0, "employees.annual_turnover": 0.0,
        "economics.runout_weeks": 0}
KPIS = ("customers", "revenue", "nps", "service_level")


def _per_run(scenario, replications):
    res = cxsim.simulate(scenario, replications, seed=5, keep_customers=False, value=False)
    weeks = res.timeseries[res.timeseries["step"] > 0]
    out = res.summary().set_index("replication")
    out["service_level"] = weeks.groupby("replication")["service_level"].mean()
    return res, out


def test_a_market_at_scale_20_docks_with_every_person_simulated():
    base = cxsim.load_scenario(FLAGSHIP).with_overrides(DOCK)
    every, a = _per_run(base.with_overrides({"market.scale": 1}), 8)
    scaled, b = _per_run(base.with_overrides({"market.scale": 20}), 100)
    assert every.simulated_population == 200_000 and scaled.simulated_population == 10_000
    for kpi in KPIS:
        diff = b[kpi].mean() - a[kpi].mean()
        se = np.sqrt(a[kpi].var() / len(a) + b[kpi].var() / len(b))
        # enough replications to detect a 2% difference (two-sided 5%, power 90%) ...
        assert 3.24 * se < 0.02 * abs(a[kpi].mean()), (kpi, se)
        # ... and none found: the means agree within their intervals (99%), the service level's too (the queue's
        # demand, 20 x a count of simulated contacts, is levelled to the real market's week-to-week spread)
        assert abs(diff) < 2.58 * se, (kpi, a[kpi].mean(), b[kpi].mean(), se)
    assert any("service queue" in w for w in scaled.thin_results()) and not every.thin_results()
    # the queue sees the real sizes: the real agents answer scale x the simulated contacts, as Erlang C says
    ts = scaled.timeseries[scaled.timeseries["step"] > 1]
    assert ts["agents"].mean() == pytest.approx(6.0, rel=1e-4) and ts["contacts"].mean() > 1_000
    assert (ts["contacts"] % 20 == 0).all()  # each simulated contact is 20 real ones
    assert 0.5 < ts["service_level"].mean() < 0.99
    contacts, agents = ts["contacts"].to_numpy(), ts["agents"].to_numpy()
    steady = (ts["backlog"].to_numpy() == 0) & (contacts * 8.0 / 3600.0 < 0.9 * agents)  # weeks Erlang C describes
    assert steady.sum() > 0.8 * len(ts)
    contacts, agents = contacts[steady], agents[steady]

    def erlang(c):  # Erlang C at the real sizes (Erlangs: contacts x 8 minutes over 60 open hours)
        return erlang_c_service_level(agents, c * 8.0 / 3600.0, 8.0, 20.0)

    spread = np.sqrt(19 * contacts)  # the lumps' extra spread, levelled: 2 SL(c) - (SL(c + d) + SL(c - d)) / 2
    levelled = 2 * erlang(contacts) - (erlang(contacts + spread) + erlang(contacts - spread)) / 2
    np.testing.assert_allclose(ts["service_level"].to_numpy()[steady], levelled, atol=0.01)  # as test_service_queue
    np.testing.assert_allclose(levelled, erlang(contacts), atol=0.03)  # a levelling of a point or two at most


def test_counts_and_money_are_at_the_real_size_and_spends_are_as_set():
    sc = cxsim.load_scenario(FLAGSHIP).with_overrides({"market.population": 40_000, "market.weeks": 8,
                                                      "market.scale": 8, "economics.runout_weeks": 0})
    res = cxsim.simulate(sc, 2, seed=1)
    ts = res.timeseries
    start = ts[ts["step"] == 0]
    assert (start[["unaware", "aware", "active", "lapsed"]].sum(axis=1) == 40_000).all()
    assert (ts["new_customers"] % 8 == 0).all() and (ts["purchases"] % 8 == 0).all()
    assert (ts.loc[ts["step"] > 0, "ad_spend"] == 4_000.0).all()  # spends are the firm's, not divided
    # revenue is 8 x what the 5,000 simulated people paid
    paid = res.customers.groupby("replication")["revenue"].sum()
    assert ts.groupby("replication")["revenue"].sum().to_numpy() == pytest.approx(8 * paid.to_numpy())
    assert len(res.customers) == 2 * 5_000
    seg = res.by_segment()
    assert (seg["people"] == 40_000).all()
    assert "scale 8" in res.scale_note() and "5,000 of 40,000" in res.scale_note()
    cohorts = clv_by_cohort(res, 0.5)
    assert cohorts["customers"].sum() == pytest.approx(res.summary()["customers"].mean())


def test_the_scale_chooses_itself_where_a_scenario_sets_none():
    assert [automatic_scale(n) for n in (10, 50_000, 50_001, 100_000, 100_001, 250_001, 1_000_000, 20_000_000)] == \
        [1, 1, 2, 2, 5, 10, 20, 500]
    for n in (10, 777, 50_000, 50_001, 123_456, 1_000_000, 3_000_000, 20_000_000):
        sc = cxsim.scenario.default_scenario().with_overrides({"market.population": n})
        assert AUTOMATIC_PEOPLE * 0.4 <= sc.simulated_population <= AUTOMATIC_PEOPLE or sc.scale == 1
    big = cxsim.scenario.default_scenario().with_overrides({"market.population": 1_000_000})
    assert big.config.market.scale is None and big.scale == 20 and big.simulated_population == 50_000
    forced = big.with_overrides({"market.scale": 1})  # 1 forces every person
    assert forced.config.market.scale == 1 and forced.scale == 1 and forced.simulated_population == 1_000_000
    # every shipped scenario simulates every person: their results are those of every person
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        for s in cxsim.load_scenario(path).all_variants():
            if s.population <= AUTOMATIC_PEOPLE:
                assert s.scale == 1 and s.simulated_population == s.population, path.name
    # an unset scale stays unset through a file's round trip
    again = cxsim.parse_scenario(big.to_toml(), "again.toml")
    assert again.config.market.scale is None and again.scale == 20


def test_the_output_says_the_scale_was_chosen_and_warns_of_thin_results():
    sc = cxsim.load_scenario(FLAGSHIP).with_overrides({"market.population": 60_000, "market.weeks": 6,
                                                      "economics.runout_weeks": 0})
    res = cxsim.simulate(sc, 2, seed=2, keep_customers=False, value=False)
    assert res.scale == 2 and not res.scale_set
    assert "chosen automatically" in res.scale_note() and "market.scale = 1" in res.scale_note()
    thin = cxsim.simulate(sc.with_overrides({"market.scale": 1_000}), 2, seed=2, value=False)
    warnings = thin.thin_results()
    assert any("customers won" in w for w in warnings) and any("new customers" in w for w in warnings)
    segments = cxsim.load_scenario(ROOT / "scenarios" / "segments.toml").with_overrides(
        {"market.population": 60_000, "market.weeks": 6, "market.scale": 1_000, "economics.runout_weeks": 0})
    assert any("segment's customers" in w for w in cxsim.simulate(segments, 2, seed=2, value=False).thin_results())
    every = cxsim.simulate(sc.with_overrides({"market.scale": 1}), 1, seed=2, keep_customers=False, value=False)
    assert every.scale_note() == "" and every.thin_results() == []


def test_a_scale_that_leaves_too_few_people_is_refused_naming_the_key():
    with pytest.raises(ScenarioError, match="market.scale"):
        cxsim.scenario.default_scenario().with_overrides({"market.population": 100, "market.scale": 20})
    with pytest.raises(ScenarioError, match="market.scale"):
        cxsim.scenario.default_scenario().with_overrides({"market.scale": 0.5})


def test_both_engines_agree_customer_by_customer_at_a_scale():
    sc = cxsim.load_scenario(ROOT / "scenarios" / "channels.toml").with_overrides(
        {"market.population": 6_000, "market.weeks": 6, "market.scale": 5, "economics.runout_weeks": 0})
    fast = cxsim.simulate(sc, 1, seed=4, engine="fast", value=False)
    agents = cxsim.simulate(sc, 1, seed=4, engine="agents", value=False)
    whole = [c for c in fast.timeseries.columns if fast.timeseries[c].dtype.kind in "iu"]
    assert fast.timeseries[whole].equals(agents.timeseries[whole])
    assert np.allclose(fast.summary()["revenue"], agents.summary()["revenue"])


def test_a_history_of_every_person_is_fitted_at_a_scale():
    """A 20,000-person firm's year, made with every person simulated, fitted simulating 1 in 20 of them."""
    from concurrent.futures import ThreadPoolExecutor

    from cxsim.calibrate.calibration import calibrate, prepare
    from cxsim.calibrate.history import read_history
    from cxsim.calibrate.inference import Budget
    from cxsim.calibrate.synthetic import company_history
    from cxsim.decide.pools import Pool

    truth = {"service.need_probability": 0.3, "wom.awareness_effect": 0.25, "advertising.max_awareness_rate": 0.03}
    ads = [90_000.0 if (w % 13) in range(4, 8) else 30_000.0 for w in range(52)]
    firm = cxsim.scenario.default_scenario().with_overrides({
        "market.population": 20_000, "market.weeks": 52, "market.scale": 1, "network.mean_degree": 8,
        "advertising.weekly_spend": ads, "advertising.half_saturation": 80_000.0, "service.weekly_spend": 6_000.0})
    history = company_history(firm, truth, seed=11, survey_size=150)
    path = Path(__import__("tempfile").mkdtemp()) / "history.csv"
    history.to_csv(path, index=False)
    base = firm.with_overrides({"market.scale": 20, "advertising.weekly_spend": 40_000.0})
    problem = prepare(read_history(path, base), base, list(truth), holdout=8)
    with Pool(ThreadPoolExecutor(1), slots=1) as pool:
        fitted = calibrate(problem, pool, particles=40, budget=Budget(400, 10), seed=3, runs=30)
    table = fitted.check.table.set_index("key")
    for key, value in truth.items():
        assert table.loc[key, "low_5"] <= value <= table.loc[key, "high_95"], (key, table.loc[key].to_dict())
    held = fitted.check.holdout_coverage
    assert np.mean(list(held.values())) >= 0.8, held


def test_a_scale_that_is_not_a_whole_number_counts_in_fractions_of_people():
    sc = cxsim.load_scenario(FLAGSHIP).with_overrides({"market.population": 25_000, "market.weeks": 6,
                                                      "market.scale": 2.5, "economics.runout_weeks": 0})
    assert sc.simulated_population == 10_000
    res = cxsim.simulate(sc, 2, seed=3, value=False)
    ts = res.timeseries
    assert ts["new_customers"].dtype == float and (ts.loc[ts["step"] == 0, "unaware"] + 250 <= 25_000).all()
    paid = res.customers.groupby("replication")["revenue"].sum().to_numpy()
    assert ts.groupby("replication")["revenue"].sum().to_numpy() == pytest.approx(2.5 * paid)


def test_compare_says_the_scale_and_warns_of_thin_results_in_its_output_and_report(capsys, tmp_path):
    from tests.conftest import call_cli

    text = FLAGSHIP.read_text().replace("population = 10000\nweeks = 104", "population = 60000\nweeks = 6")
    text = text.replace('currency = "$"', 'currency = "$"\nrunout_weeks = 0')
    auto = tmp_path / "auto.toml"
    auto.write_text(text)
    out = call_cli(capsys, "compare", str(auto), "-r", "2", "-w", "1", "--report", str(tmp_path / "auto.html"))
    assert out.returncode == 0, out.stderr
    said = " ".join(out.stdout.split())
    assert "each simulated person stands for 2 real people): 30,000 of 60,000 people simulated" in said
    assert "chosen automatically" in said
    page = (tmp_path / "auto.html").read_text()
    assert "each simulated person stands for 2 real people): 30,000 of 60,000 people simulated" in page
    thin = tmp_path / "thin.toml"
    thin.write_text(text.replace("weeks = 6", "weeks = 6\nscale = 1000"))
    out = call_cli(capsys, "compare", str(thin), "-r", "2", "-w", "1", "--report", str(tmp_path / "thin.html"))
    said = " ".join(out.stdout.split())
    assert "stands for 1,000 real people): 60 of 60,000 people simulated; as market.scale sets" in said
    assert "warning: baseline: a week's new customers rest on about" in said and "warning: more ads:" in said
    page = (tmp_path / "thin.html").read_text()
    assert "Warnings:" in page and "more ads: a week&#x27;s new customers rest on about" in page
    every = call_cli(capsys, "compare", str(FLAGSHIP), "-r", "1", "-w", "1", "--seed", "1")  # every person
    assert "simulated person stands for" not in every.stdout and "warning:" not in every.stdout


def test_advise_at_a_firms_size_takes_a_step_at_the_firms_size_and_says_so(capsys, tmp_path):
    from cxsim.decide.advise import DEFAULT_STEP, default_step
    from tests.conftest import call_cli

    firm = ROOT / "scenarios" / "people_vs_ads_firm.toml"
    assert default_step(cxsim.load_scenario(FLAGSHIP)) == DEFAULT_STEP == 1_000  # the flagship's 6,571 a week
    assert default_step(cxsim.load_scenario(firm)) == 100_000  # 15% of 657,143 a week, rounded
    assert default_step(cxsim.load_scenario(FLAGSHIP).with_overrides({"advertising.weekly_spend": 40_000.0})) == 5_000
    out = call_cli(capsys, "advise", str(firm), "--set", "market.weeks=4", "--set", "market.scale=1000",
                   "--set", "economics.runout_weeks=0", "-r", "2")
    assert out.returncode == 0, out.stderr
    said = " ".join(out.stdout.split())
    assert said.startswith("At today's plan") and "next $100,000 a week" in said.split(".")[0]
    assert "The step, $100,000 a week, is about 15% of today's $657,143 a week on the levers" in said
    assert "each simulated person stands for 1,000 real people): 1,000 of 1,000,000 people simulated" in said
    page = tmp_path / "advice.html"
    asked = call_cli(capsys, "advise", str(firm), "--set", "market.weeks=4", "--set", "market.scale=1000",
                     "--set", "economics.runout_weeks=0", "-r", "2", "--step", "20000", "--figure", str(page))
    assert "next $20,000 a week" in asked.stdout and "The step," not in asked.stdout
    assert "stands for 1,000 real people" in page.read_text()  # the figure's page says the scale too


def test_a_firms_money_is_uncertain_at_the_firms_size():
    from cxsim.decide.uncertainty import worlds_for
    from cxsim.scenario.ranges import plausible_range

    flagship, firm = cxsim.load_scenario(FLAGSHIP), cxsim.load_scenario(ROOT / "scenarios" / "people_vs_ads_firm.toml")
    r = plausible_range("advertising.half_saturation", flagship)
    assert (r.low, r.high, r.log) == (2_000.0, 32_000.0, True)  # the flagship's range, as before
    r = plausible_range("advertising.half_saturation", firm)
    assert (r.low, r.high) == (200_000.0, 3_200_000.0)  # a quarter to four times the firm's 800,000
    w = worlds_for(firm, uncertain=True, draws=50, seed=0)
    for key in ("advertising.half_saturation", "service.cost_per_agent_hour"):
        drawn = w.values[:, w.keys.index(key)]
        assert 0.25 * firm[key] <= drawn.min() and drawn.max() <= 4 * firm[key], key


def test_a_channel_carried_by_few_simulated_contacts_is_flagged():
    sc = cxsim.load_scenario(ROOT / "scenarios" / "channels.toml").with_overrides(
        {"market.population": 60_000, "market.weeks": 6, "market.scale": 1_000, "economics.runout_weeks": 0})
    warnings = cxsim.simulate(sc, 2, seed=2, keep_customers=False, value=False).thin_results()
    assert any("contacts in the" in w and "channel" in w for w in warnings), warnings
