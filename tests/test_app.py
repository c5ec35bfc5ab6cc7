"""The planner's page logic, run headless with ``streamlit.testing.v1.AppTest``, and ``cxsim.views.planner``."""

from __future__ import annotations

import html
import re
import sys

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cxsim import load_scenario, parse_scenario, simulate
from cxsim.cli.main import main
from cxsim.core.errors import ScenarioError, UserError
from cxsim.decide.compare import compare
from cxsim.views import comparison as comparison_view
from cxsim.views import planner

from .conftest import ROOT, SCENARIOS

APP = str(ROOT / "app" / "planner_page.py")
SMALL_TOML = b"""
[scenario]
name = "small shop"
[market]
population = 1000
weeks = 26
[advertising]
weekly_spend = 1500.0
[service]
weekly_spend = 500.0
[variants."more staff"]
"service.weekly_spend" = 900.0
"""
BAD_TOML = b"""
[market]
population = 1000
[advertising]
weekly_spend = -5.0
"""


def unescape(markdown: str) -> str:
    """Markdown shown on the page back to plain text."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("  \n", "\n")


def number_input(at: AppTest, label: str):
    return next(n for n in at.number_input if n.label == label)


def weigh_small_upload_over_worlds(at: AppTest, draws: int) -> None:
    """Upload the small file and turn on the weighing over ``draws`` plausible worlds (not yet run)."""
    at.file_uploader[0].set_value(("small.toml", SMALL_TOML, "application/toml"))
    next(t for t in at.toggle if t.label == "Weigh the plans over plausible worlds").set_value(True)
    at.run()
    number_input(at, "Plausible worlds").set_value(draws)
    at.run()


def table_markdown(at: AppTest) -> str | None:
    """The comparison table's HTML, as the page shows it (``None`` when there is none)."""
    return next((m.value for m in at.markdown if '<table class="cx-compare"' in m.value), None)


def shown(at: AppTest, title: str, plan: int = 0) -> str:
    """A KPI's mean as the comparison table shows it for one plan."""
    row = re.search(rf">{re.escape(html.escape(title))}</th>(.*?)</tr>", table_markdown(at)).group(1)
    return html.unescape(re.findall(r'class="cx-mean">(.*?)</span>', row)[plan])


def deltas(at: AppTest, title: str) -> list[str]:
    row = re.search(rf">{re.escape(html.escape(title))}</th>(.*?)</tr>", table_markdown(at)).group(1)
    return [html.unescape(d) for d in re.findall(r'class="cx-small ?[a-z]*">(Δ[^<]*|the reference)</span>', row)]


def headers(at: AppTest) -> dict[str, str]:
    """Each plan's column header: name -> its spends."""
    return {html.unescape(a): html.unescape(b) for a, b in re.findall(
        r'class="cx-name">(.*?)</span><span class="cx-spends">(.*?) a week</span>', table_markdown(at))}


def verdict(at: AppTest) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", next(m.value for m in at.markdown if "cx-verdict" in m.value)))


@pytest.fixture(scope="module")
def opened() -> AppTest:
    """The page as it opens: the flagship comparison, computed."""
    at = AppTest.from_file(APP, default_timeout=180)
    return at.run()


def test_opens_on_the_flagship_comparison_computed(opened):
    at = opened
    assert not at.exception and not at.error
    # the answer first: the verdict of cxsim advise at today's plan, with the page's runs
    assert verdict(at).startswith("At today's plan the next $1,000 a week")
    assert at.markdown[1].value.startswith('<div class="cx-verdict"')  # right after the page's style
    assert headers(at) == {"baseline": "ads 4,000 · staff 2,571 · training 0",
                           "more ads": "ads 5,500 · staff 2,571 · training 0",
                           "more people": "ads 4,000 · staff 3,321 · training 750",
                           "balanced": "ads 4,750 · staff 2,946 · training 375"}
    # the table is cxsim's numbers: the base run with the page's replications and seed
    base = load_scenario(SCENARIOS / planner.FLAGSHIP)
    expected = simulate(base, planner.DEFAULT_REPLICATIONS, 0, keep_customers=False).summary()
    assert shown(at, "Customers won") == f"{expected['customers'].mean():,.0f}"
    assert shown(at, "Value: NPV + the plan continued after the horizon") == f"${expected['value'].mean():,.0f}"
    # differences from the base for the variants, none for the base
    d = deltas(at, "Profit within the horizon")
    assert d[0] == "the reference" and all(x.startswith("Δ ") and "90% CI" in x for x in d[1:])
    assert [b.label for b in at.button if b.label != "Reset the assumptions to the file's values"] == [
        "Trace the response curves", "Find the best split", "Find the best plan over many levers"]
    labels_dl = [d.label for d in at.get("download_button")]
    assert {"Edited scenario (TOML)", "Results over time (CSV)", "Results over time (Parquet)",
            "KPI table (CSV)", "HTML report"} <= set(labels_dl)
    assert "Why: with" in " ".join(m.value for m in at.markdown).replace("\\", "")
    assert [c.key for c in at.get("plotly_chart")] == ["chart:why", "chart:marginal", "chart:funnel"]


def test_assumptions_are_ranked_and_reset_to_the_files_values():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    labels = [n.label for n in at.number_input]
    ranked = [lever.label for lever in planner.ranked_assumptions()]
    assert ranked[0] == next(lv.label for lv in planner.ranked_assumptions() if lv.key == planner.INFLUENCE[0])
    positions = [labels.index(label) for label in ranked]
    assert positions == sorted(positions)  # shown most influential first
    number_input(at, "Product quality (0-1)").set_value(0.6)  # an assumption, moved away from the file
    at.run()
    assert number_input(at, "Product quality (0-1)").value == pytest.approx(0.6)
    next(b for b in at.button if b.label == "Reset the assumptions to the file's values").click()
    at.run()
    assert not at.exception
    in_file = load_scenario(SCENARIOS / planner.FLAGSHIP)["purchase.product_quality"]
    assert in_file != pytest.approx(0.6)
    assert number_input(at, "Product quality (0-1)").value == pytest.approx(in_file)


def test_assumptions_show_their_ranges_published_or_assumed(opened):
    captions = " ".join(c.value for c in opened.caption).replace("\\", "")  # shown literally: Markdown escapes
    assert "Source: published: 0.3-0.8 for TV, 0-0.3 for digital" in captions
    assert "published: 0.5-3" in captions and "Source: an assumption: around the default 0.3 a week" in captions
    assert number_input(opened, "Ad carry-over (adstock θ)").value == pytest.approx(0.5)


def test_editing_a_lever_changes_the_kpis():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.multiselect[0].set_value([])
    number_input(at, "Replications per scenario").set_value(4)
    at.run()
    before = shown(at, "Customers won")
    number_input(at, "Ad budget per week").set_value(500.0)
    at.run()
    assert not at.exception and not at.error
    after = shown(at, "Customers won")
    assert float(after.replace(",", "")) < float(before.replace(",", ""))  # 500 a week on ads instead of 4,000
    base = load_scenario(SCENARIOS / planner.FLAGSHIP).with_overrides({"advertising.weekly_spend": 500.0})
    expected = simulate(base, 4, 0, keep_customers=False).summary()["customers"].mean()
    assert after == f"{expected:,.0f}"


def test_invalid_upload_shows_the_command_line_message(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_bytes(BAD_TOML)
    assert main(["run", "bad.toml", "--out", "out.csv"]) == 2
    cli_message = capsys.readouterr().err.strip()
    assert "advertising.weekly_spend" in cli_message

    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.file_uploader[0].set_value(("bad.toml", BAD_TOML, "application/toml"))
    at.run()
    assert not at.exception
    assert [unescape(e.value) for e in at.error] == [cli_message]
    assert table_markdown(at) is None  # nothing computed from a file that cannot be used

    at.file_uploader[0].set_value(("latin.toml", "name = 'café'".encode("latin-1"), "application/toml"))
    at.run()
    assert not at.exception
    assert "latin.toml: (file): expected a readable UTF-8 TOML file" in unescape(at.error[0].value)


def test_small_upload_frontier_and_journey():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.file_uploader[0].set_value(("small.toml", SMALL_TOML, "application/toml"))
    at.run()
    number_input(at, "Replications per scenario").set_value(3)
    at.checkbox[0].uncheck()
    at.run()
    assert not at.exception and not at.error
    assert list(headers(at)) == ["small shop", "more staff"]
    assert headers(at)["more staff"] == "ads 1,500 · staff 900 · training 0"
    assert number_input(at, "Total weekly budget").value == pytest.approx(2000)
    assert not any(c.key == "chart:frontier" for c in at.get("plotly_chart"))
    assert not at.exception
    next(b for b in at.button if b.label == "Find the best split").click()
    at.run()
    assert not at.exception and not at.error
    summary = at.dataframe[-1].value
    assert len(summary) == 1 and summary["total budget a week"].iloc[0] == "2,000"
    assert 0 <= float(summary["best share on service"].iloc[0].rstrip("%")) <= 100
    # the frontier stays on the page while other widgets change
    next(t for t in at.toggle if t.label == "Follow one customer week by week").set_value(True)
    at.run()
    next(s for s in at.selectbox if s.label == "Who").set_value("a person by number")
    at.run()
    number_input(at, "Person number").set_value(17)
    at.run()
    assert not at.exception
    assert any(c.key == "chart:frontier" for c in at.get("plotly_chart"))
    assert any(m.value.startswith(("Customer 17 of run 0", "Person 17 of run 0")) for m in at.markdown)


def test_values_beyond_the_widgets_bounds_do_not_break_the_page():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    edge = (b"[market]\npopulation = 500\nweeks = 600\n"
            b"[advertising]\nadstock_decay = 0.995\nhill_slope = 0.01\n")
    at.file_uploader[0].set_value(("edge.toml", edge, "application/toml"))
    at.run()
    assert not at.exception and not at.error
    assert len(at.warning) == 1 and "edge.toml: market.weeks is 600" in unescape(at.warning[0].value)
    assert number_input(at, "Horizon (weeks)").value == planner.MAX_WEEKS
    assert number_input(at, "Ad carry-over (adstock θ)").value == pytest.approx(0.995)
    assert number_input(at, "Saturation slope (Hill s)").value == pytest.approx(0.01)
    assert table_markdown(at) is not None


def test_sizes_are_bounded_with_a_clear_message():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    number_input(at, "People in the market").set_value(planner.MAX_POPULATION)
    number_input(at, "Replications per scenario").set_value(planner.MAX_REPLICATIONS)
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and "the planner allows at most 4,000,000" in unescape(at.error[0].value)
    assert table_markdown(at) is None


# --- cxsim.views.planner, without a page ---------------------------------------------------------------

def test_apply_levers_changes_only_what_moved():
    base = load_scenario(SCENARIOS / "people_vs_ads.toml")
    values = {lever.key: planner.lever_value(base, lever.key) for lever in planner.LEVERS}
    assert planner.apply_levers(base, values) is base
    edited = planner.apply_levers(base, {**values, "purchase.price": 75.0})
    assert edited["purchase.price"] == 75.0
    assert parse_scenario(edited.to_toml(), "x")["purchase.price"] == 75.0
    assert edited.with_variant("more ads")["advertising.weekly_spend"] == 5500.0  # variants apply on top
    with pytest.raises(ScenarioError, match="purchase.price"):
        planner.apply_levers(base, {"purchase.price": -1.0})


def test_schedule_shows_as_its_mean_and_stays_unless_changed():
    base = parse_scenario('[market]\nweeks = 4\n[advertising]\nweekly_spend = [1000.0, 3000.0]\n', "s.toml")
    assert planner.lever_value(base, "advertising.weekly_spend") == pytest.approx((1000 + 3000 * 3) / 4)
    same = planner.apply_levers(base, {"advertising.weekly_spend": 2500.0})
    assert same["advertising.weekly_spend"] == [1000.0, 3000.0]
    assert planner.apply_levers(base, {"advertising.weekly_spend": 2000.0})["advertising.weekly_spend"] == 2000.0


def test_bounds():
    huge = parse_scenario("[market]\npopulation = 1000000\nweeks = 1000\n", "huge.toml")
    bounded, notes = planner.within_bounds(huge)  # a real firm's market stays: the automatic scale carries it
    assert bounded.population == 1_000_000 and bounded.simulated_population == 50_000
    assert bounded.weeks == planner.MAX_WEEKS and len(notes) == 1 and notes[0].startswith("huge.toml: market.weeks")
    every = parse_scenario("[market]\npopulation = 1000000\nscale = 1\n", "every.toml")
    bounded, notes = planner.within_bounds(every)  # every person of a million: too many for a page
    assert bounded.population == 1_000_000 and bounded.scale == 20 and bounded.simulated_population == 50_000
    assert len(notes) == 1 and "market.scale 1 would simulate 1,000,000 people" in notes[0]
    planner.check_size([bounded], planner.DEFAULT_REPLICATIONS)
    with pytest.raises(UserError, match="market.scale: expected at most 200,000 simulated people"):
        planner.check_size([every], 2)
    small = parse_scenario("[market]\npopulation = 1000\n", "s.toml")
    planner.check_size([small] * 4, planner.MAX_REPLICATIONS)
    with pytest.raises(UserError, match="replications: expected 1 to 50"):
        planner.check_size([small], 51)
    with pytest.raises(UserError, match="customer-runs"):
        planner.check_size([bounded] * 4, 30)  # 4 plans x 50,000 simulated people x 30 runs


def test_scenario_files_put_the_flagship_first():
    files = planner.scenario_files(SCENARIOS)
    assert files[0].name == planner.FLAGSHIP and len(files) >= 3


@pytest.fixture(scope="module")
def small_comparison():
    base = parse_scenario(SMALL_TOML.decode(), "small.toml")
    return compare(base.all_variants(), 4, 3, keep_customers=True)


def test_comparison_table_matches_the_comparison(small_comparison):
    table = comparison_view.comparison_table(small_comparison)
    assert table.labels == ["small shop", "more staff"]
    assert table.headers == ["ads 1,500 · staff 500 · training 0", "ads 1,500 · staff 900 · training 0"]
    long = small_comparison.table().set_index(["scenario", "kpi"])
    profit = table.cells[table.kpis.index("profit")]
    row = long.loc[("more staff", "profit")]
    assert profit[1].mean == f"{row['mean']:,.0f}"
    assert profit[1].delta.startswith(f"Δ {row['diff']:+,.0f} (90% CI {row['diff_lo']:+,.0f} to ")
    assert profit[0].delta == "the reference" and profit[0].verdict == ""
    cac = table.cells[table.kpis.index("cac")][1]
    worse = long.loc[("more staff", "cac"), "diff_lo"] > 0
    assert (cac.verdict == "worse") == worse  # a higher CAC is worse news
    page = comparison_view.comparison_html(table)
    assert page.count("<tr>") == 1 + len(comparison_view.ROWS) and "Ad cost per new customer (CAC)" in page
    assert 'title="Acquisition cost: ad spend per new customer (money)"' in page


def test_plan_warnings_for_no_service_and_ads_near_zero():
    bare = parse_scenario("[advertising]\nweekly_spend = 1.0\n[service]\nweekly_spend = 0.0\n", "fit.toml")
    notes = planner.plan_warnings(bare)
    assert len(notes) == 2 and "spends nothing on service" in notes[0] and "near zero" in notes[1]
    assert planner.plan_warnings(load_scenario(SCENARIOS / planner.FLAGSHIP)) == []


def test_downloads_round_trip(small_comparison, tmp_path):
    series = planner.timeseries_table(small_comparison)
    assert list(series["scenario"].unique()) == ["small shop", "more staff"]
    (tmp_path / "t.parquet").write_bytes(planner.table_bytes(series, "parquet"))
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), series, check_dtype=False)
    csv = planner.table_bytes(series, "csv").decode()
    assert csv.splitlines()[0].startswith("scenario,replication,step")


def test_picked_customer_and_journey_are_from_the_same_runs(small_comparison):
    res = small_comparison.results[0]
    customers = res.customers
    for kind, stage in planner.JOURNEY_KINDS.items():
        cid = planner.pick_customer(customers, 1, kind, seed=3)
        assert cid == planner.pick_customer(customers, 1, kind, seed=3)
        if cid is None:
            continue
        row = customers[(customers["replication"] == 1) & (customers["customer_id"] == cid)].iloc[0]
        if stage == "never":
            assert pd.isna(row["first_purchase_step"])
        else:
            assert row["stage"] == stage
    cid = planner.pick_customer(customers, 1, "a repeat customer", seed=3)
    journey = simulate(small_comparison.scenarios[0], 4, 3, trace=[cid], keep_customers=False).journeys
    last = journey[journey["replication"] == 1].sort_values("step").iloc[-1]
    row = customers[(customers["replication"] == 1) & (customers["customer_id"] == cid)].iloc[0]
    assert last["purchases"] == row["purchases"] and last["service_encounters"] == row["service_encounters"]
    text = planner.journey_summary(customers, 1, cid)
    assert text.startswith(f"Customer {cid} of run 1") and f"{int(row['purchases'])} purchase" in text



def test_a_plan_without_service_or_ads_gets_a_visible_warning():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    bare = b"[market]\npopulation = 800\nweeks = 12\n[advertising]\nweekly_spend = 1.0\n[service]\nweekly_spend = 0.0\n"
    at.file_uploader[0].set_value(("fit.toml", bare, "application/toml"))
    at.run()
    assert not at.exception and not at.error
    warnings = [unescape(w.value) for w in at.warning]
    assert any("spends nothing on service" in w for w in warnings)
    assert any("ad budget is 1 a week, near zero" in w for w in warnings)


def test_a_calibrated_plan_from_the_calibrate_page_opens_first():
    base = load_scenario(SCENARIOS / planner.FLAGSHIP).with_overrides(
        {"market.population": 900, "market.weeks": 10, "repeat.rate_shape": 0.5, "scenario.name": "fitted shop"})
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["planning_scenario"] = {"name": "fitted shop (planning).toml", "text": base.to_toml()}
    at.run()
    assert not at.exception and not at.error
    assert next(s for s in at.selectbox if s.label == "Scenario file").value == "calibrated plan (from the Calibrate page)"
    assert list(headers(at)) == ["fitted shop", "more ads", "more people", "balanced"]
    assert number_input(at, "Repeat purchase rate: shape (BG/NBD r)").value == pytest.approx(0.5)


def test_clv_by_cohort_on_request():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    number_input(at, "People in the market").set_value(1500)
    number_input(at, "Horizon (weeks)").set_value(30)
    at.run()
    next(t for t in at.toggle if t.label == "CLV by cohort (today's plan)").set_value(True)
    at.run()
    assert not at.exception and not at.error
    table = next(d.value for d in at.dataframe if "cohort" in d.value.columns)
    assert list(table["cohort"][:3]) == ["weeks 0-12", "weeks 13-25", "weeks 26-30"]
    assert "CLV net of service ($)" in table.columns


def test_uncertainty_on_request_puts_the_robust_sentence_first(tmp_path):
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.file_uploader[0].set_value(("small.toml", SMALL_TOML, "application/toml"))
    at.run()
    assert not any(b.label.startswith("Weigh the plans") for b in at.button)  # off: the page stays quick
    next(t for t in at.toggle if t.label == "Weigh the plans over plausible worlds").set_value(True)
    at.run()
    number_input(at, "Plausible worlds").set_value(10)
    at.run()
    assert not at.exception and not at.error
    assert not any(c.key.startswith("chart:robust") for c in at.get("plotly_chart"))  # computed on request only
    next(b for b in at.button if b.label == "Weigh the plans over 10 plausible worlds").click()
    at.run()
    assert not at.exception and not at.error
    boxes = [html.unescape(re.sub(r"<[^>]+>", "", m.value)) for m in at.markdown if "cx-verdict" in m.value]
    assert "cx-robust" in next(m.value for m in at.markdown if "cx-verdict" in m.value)  # the robust one first
    base = parse_scenario(SMALL_TOML.decode(), "small.toml")
    from cxsim.decide.robust import robust_compare
    from cxsim.decide.uncertainty import worlds_for

    expected = robust_compare(base.all_variants(), worlds_for(base, uncertain=True, draws=10, seed=0),
                              planner.WORLD_REPLICATIONS, 0, workers=1, progress=False)
    counted = r"ranges of \d+ assumptions, \d of them published"
    assert boxes[0] == expected.verdict() and re.search(r"of 10 plausible worlds \(" + counted + r"\)", boxes[0])
    assert boxes[1].startswith("At today's plan")  # then the detail
    assert [c.key for c in at.get("plotly_chart")][0].startswith("chart:robust")
    assert not any(b.label == "Stop at the current answer" for b in at.button)  # gone once every world is in


def test_a_posterior_handed_over_by_the_calibrate_page_is_used(tmp_path):
    folder = tmp_path / "posterior"
    folder.mkdir()
    pd.DataFrame({"service.need_probability": [0.2, 0.3], "weight": [1.0, 1.0]}).to_parquet(
        folder / "posterior.parquet")
    at = AppTest.from_file(APP, default_timeout=180)
    at.session_state["planning_posterior"] = str(folder)
    at.run()
    weigh_small_upload_over_worlds(at, 10)
    assert next(t for t in at.toggle if t.label == "Use the calibrated posterior").value
    next(b for b in at.button if b.label == "Weigh the plans over 10 plausible worlds").click()
    at.run()
    assert not at.exception and not at.error
    robust = next(html.unescape(re.sub(r"<[^>]+>", "", m.value)) for m in at.markdown if "cx-robust" in m.value)
    assert f"of 10 plausible worlds (posterior {folder})" in robust


def test_small_upload_best_plan_over_many_levers():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.file_uploader[0].set_value(("small.toml", SMALL_TOML, "application/toml"))
    at.run()
    number_input(at, "Replications per scenario").set_value(2)
    number_input(at, "Plans at most").set_value(12)
    at.run()
    assert not at.exception and not at.error
    assert number_input(at, "Weekly budget").value == pytest.approx(2000)  # ads 1,500 + staff 500 + training 0
    assert not any(c.key == "chart:allocation" for c in at.get("plotly_chart"))
    next(b for b in at.button if b.label == "Find the best plan over many levers").click()
    at.run()
    assert not at.exception and not at.error
    assert any(c.key == "chart:allocation" for c in at.get("plotly_chart"))
    answer = next(m.value for m in at.markdown if "a week over 3 levers" in m.value or "Today's plan" in m.value)
    assert answer.startswith(("**Best split of 2,000 a week over 3 levers", "**Today's plan"))
    table = at.dataframe[-1].value
    assert list(table["lever"]) == ["ads", "service staff", "training"]
    assert table["best"].sum() == pytest.approx(2000)


def test_the_warmed_landing_page_is_exactly_what_a_first_visit_computes(monkeypatch):
    """After ``warm_landing`` (what ``app/serve.py`` runs when the server starts) the page opens without
    simulating anything: every plan and marginal return it asks for is already in the cache."""
    sys.path.insert(0, str(ROOT / "app"))
    import planner_runs

    planner_runs.warm_landing()

    def simulated_again(*args, **kwargs):
        raise AssertionError("the page simulated a plan the server had computed")

    monkeypatch.setattr(planner_runs, "simulate", simulated_again)
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert not at.exception and not at.error
    assert next(m.value for m in at.markdown if "cx-verdict" in m.value)


def test_a_robust_answer_stopped_early_is_kept_and_labelled_with_its_worlds():
    """"Stop at the current answer" keeps the answer over the worlds finished so far, says how many, and how
    sure; without the stop, a partial answer left behind is computed again to the end."""
    from cxsim.decide.robust import RobustAnswer

    sys.path.insert(0, str(ROOT / "app"))
    import planner_runs

    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    weigh_small_upload_over_worlds(at, 10)
    next(b for b in at.button if b.label == "Weigh the plans over 10 plausible worlds").click()
    at.run()
    request = at.session_state["robust"]
    whole = planner_runs.robust_answers()[request]
    assert whole.draws == 10
    partial = RobustAnswer(whole.labels, whole.values[:, :8], whole.worlds.head(8), whole.kpi, whole.currency,
                           whole.replications, whole.seed)
    planner_runs.robust_answers()[request] = partial
    at.session_state["robust-stopped"] = request  # what the stop button's callback sets
    at.run()
    said = " ".join(m.value for m in at.markdown)
    assert "After 8 of 10 worlds** (stopped)" in said and ("settled" in said)
    assert "of 8 plausible worlds" in next(m.value for m in at.markdown if "cx-robust" in m.value)
    at.session_state["robust-stopped"] = None  # not stopped: the partial answer is run to the end again
    at.run()
    assert planner_runs.robust_answers()[request].draws == 10
    assert "of 10 plausible worlds" in next(m.value for m in at.markdown if "cx-robust" in m.value)


def test_the_best_plan_search_is_timed_at_the_pace_this_server_measured():
    """The time the best-plan search would take is estimated from the pace of the page's own runs on this server,
    not from a figure typed into the page."""
    from cxsim.decide.allocate import DEFAULT_EVALUATIONS

    sys.path.insert(0, str(ROOT / "app"))
    import planner_runs

    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    assert planner_runs.pace()["person_week"] > 0
    base = load_scenario(SCENARIOS / planner.FLAGSHIP)
    minutes = planner_runs.estimated_minutes(base, (DEFAULT_EVALUATIONS + 1) * planner.DEFAULT_REPLICATIONS)
    info = next(i.value for i in at.info if "Find the best plan over many levers" in i.value)
    assert f"about {max(1, round(minutes))} min at the pace of this server's latest runs" in info
