"""The planner shows the customer-experience mechanisms: their levers, what is on, segments and channels."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from cxsim import load_scenario, simulate
from cxsim.decide.compare import compare
from cxsim.views import mechanisms, planner

from .conftest import ROOT, SCENARIOS
from .test_app import shown, unescape

APP = str(ROOT / "app" / "planner_page.py")


def open_file(name: str, replications: int = 2) -> AppTest:
    """The page on one of the scenario files, small enough to be quick."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    next(s for s in at.selectbox if s.label == "Scenario file").set_value(SCENARIOS / name)
    at.run()
    next(n for n in at.number_input if n.label == "Replications per scenario").set_value(replications)
    next(n for n in at.number_input if n.label == "People in the market").set_value(2000)
    next(n for n in at.number_input if n.label == "Horizon (weeks)").set_value(26)
    at.run()
    assert not at.exception and not at.error
    return at


def test_segments_file_shows_the_breakdown_by_segment():
    at = open_file("segments.toml")
    assert "By segment" in [h.value for h in at.header]
    table = next(d.value for d in at.dataframe if "segment" in d.value.columns)
    assert set(table["segment"]) == {"loyalists", "deal_seekers", "service_dependent"}
    assert set(table["scenario"]) == {"three personas", "more people"}
    assert any(c.key == "chart:segments" for c in at.get("plotly_chart"))
    assert any("segments (loyalists, deal_seekers, service_dependent)" in unescape(c.value) for c in at.caption)


def test_channels_file_shows_channel_levers_and_table():
    at = open_file("channels.toml")
    assert "By service channel" in [h.value for h in at.header]
    labels = [n.label for n in at.number_input]
    label = "email: minutes of agent time per contact"
    assert {"phone: minutes of agent time per contact", label} <= set(labels)
    email = next(n for n in at.number_input if n.label == label)
    assert email.value == pytest.approx(12.0)
    table = next(d.value for d in at.dataframe if "channel" in d.value.columns)
    before = table[(table["scenario"] == "email in days") & (table["channel"] == "email")]["hours to an answer"]
    email.set_value(2.0)
    at.run()
    assert not at.exception and not at.error
    table = next(d.value for d in at.dataframe if "channel" in d.value.columns)
    base_email = table[(table["scenario"] == "email in days") & (table["channel"] == "email")]
    assert base_email["hours to an answer"].iloc[0] < before.iloc[0] / 2  # the lever reached the runs


def test_mechanism_levers_edit_the_scenario_and_the_staff_toggle_switches_the_chain_on():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.multiselect[0].set_value([])
    next(n for n in at.number_input if n.label == "Replications per scenario").set_value(3)
    at.run()
    assert not any(h.value in ("By segment", "By service channel") for h in at.header)
    keys = {lever.label for levers in mechanisms.ASSUMPTIONS.values() for lever in levers}
    assert keys <= {n.label for n in at.number_input}
    toggle = next(t for t in at.toggle if t.label.startswith("Model the staff"))
    assert toggle.value is False
    toggle.set_value(True)
    next(n for n in at.number_input if n.label == "Handle-time target (share of the time needed)").set_value(0.6)
    at.run()
    assert not at.exception and not at.error
    assert any("staff engagement and turnover" in c.value and "handle-time target" in c.value for c in at.caption)
    edited = load_scenario(SCENARIOS / planner.FLAGSHIP).with_overrides(
        {"employees.enabled": True, "pressure.handle_time_target": 0.6})
    expected = simulate(edited, 3, 0, keep_customers=False).summary()["customers"].mean()
    assert shown(at, "Customers won") == f"{expected:,.0f}"


def test_segment_and_channel_summaries_are_the_results_means():
    sc = load_scenario(SCENARIOS / "segments.toml").with_overrides({"market.population": 1500, "market.weeks": 20})
    comparison = compare([sc], 3, 5, keep_customers=True)
    summary = mechanisms.segment_summary(comparison)
    by = comparison.results[0].by_segment()
    loyal = by[by["segment"] == "loyalists"]
    row = summary[summary["segment"] == "loyalists"].iloc[0]
    assert row["revenue per customer"] == pytest.approx(loyal["revenue_per_customer"].mean())
    assert row["people"] == 300
    assert mechanisms.channel_summary(comparison).empty
