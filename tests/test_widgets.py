"""The lesson widgets, driven as a student would: set a slider, read what the widget shows."""

from __future__ import annotations

import re

import pytest

from cxsim import load_scenario, simulate
from cxsim.views.planner import apply_levers
from cxsim.views.widgets import MarketExplorer, PlanComparer, lever, lever_slider

from .conftest import SCENARIOS


@pytest.fixture(scope="module")
def small():
    """The baseline market shrunk so a rerun takes a moment."""
    return load_scenario(SCENARIOS / "baseline.toml").with_overrides(
        {"market.population": 1500, "market.weeks": 40, "service.weekly_spend": 300.0})


def shown(markup: str, kpi: str, plan: str | None = None) -> float:
    """The number a widget displays for a KPI (in a plan's column)."""
    where = f'data-kpi="{kpi}"' + (f' data-plan="{plan}"' if plan else "")
    match = re.search(where + r'[^>]*>[^<]*<b[^>]*>([-\d,.]+)(%?)</b>', markup)
    assert match, f"{kpi} not shown in {markup[:300]}"
    return float(match.group(1).replace(",", ""))


def test_a_lever_slider_starts_at_the_scenario_value_with_the_planner_label(small):
    slider = lever_slider(small, "advertising.weekly_spend")
    assert slider.value == 4000.0 and slider.max == 12000.0
    assert slider.description == "Ad budget per week"
    assert not slider.continuous_update  # reruns on release, not on every pixel
    assert lever("wom.awareness_effect").label.startswith("Word-of-mouth awareness effect")
    with pytest.raises(KeyError, match="not a lever"):
        lever("market.nonsense")


def test_plan_comparer_shows_both_plans_and_reacts_to_a_slider(small):
    widget = PlanComparer(small, replications=4, seed=3)
    before = widget.cards.value
    assert shown(before, "customers", "Plan A") == shown(before, "customers", "Plan B")  # same plan, same seeds
    widget.plans["Plan B"]["advertising.weekly_spend"].value = 0.0
    after = widget.cards.value
    assert after != before
    assert shown(after, "customers", "Plan A") == shown(before, "customers", "Plan A")
    assert shown(after, "customers", "Plan B") < 0.2 * shown(after, "customers", "Plan A")
    # the cards are those of the planner: the same numbers as simulating the plan directly
    direct = simulate(apply_levers(small, {"advertising.weekly_spend": 0.0}), replications=4, seed=3)
    assert widget.kpis.loc["Plan B", "customers"] == pytest.approx(direct.summary()["customers"].mean())
    assert round(direct.summary()["customers"].mean()) == shown(after, "customers", "Plan B")
    assert "vs Plan A: 90% CI" in after


def test_plan_comparer_starts_plan_b_from_its_overrides(small):
    widget = PlanComparer(small, plan_b={"service.weekly_spend": 20.0}, replications=3)
    assert widget.plans["Plan B"]["service.weekly_spend"].value == 20.0
    assert widget.plans["Plan A"]["service.weekly_spend"].value == 300.0
    assert widget.kpis.loc["Plan B", "nps"] < widget.kpis.loc["Plan A", "nps"] - 1  # a starved desk displeases


def test_market_explorer_redraws_the_funnel_and_the_kpis(small):
    widget = MarketExplorer(small, replications=3, seed=1)
    customers, wom = shown(widget.summary.value, "customers"), shown(widget.summary.value, "wom_share")
    first_figure = widget.figure
    widget.sliders["wom.awareness_effect"].value = 1.5
    assert shown(widget.summary.value, "wom_share") > wom
    assert shown(widget.summary.value, "customers") > customers
    assert widget.figure is not first_figure
    assert [t.name for t in widget.figure.data][:2] == ["unaware", "aware"]
    assert widget.market()["wom.awareness_effect"] == 1.5
