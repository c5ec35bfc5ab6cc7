"""Variants stated relative to the base keep their meaning when the base moves; reports describe each plan."""

from __future__ import annotations

import pytest

import cxsim
from cxsim.core.errors import ScenarioError
from cxsim.decide.compare import compare
from cxsim.decide.spend import describe_plan, plan_spends
from cxsim.report.pages import report_html
from tests.conftest import SCENARIOS

TEXT = """
[advertising]
weekly_spend = 4000.0
[service]
weekly_spend = 2000.0
[variants.a]
"advertising.weekly_spend" = "+1500"
"service.weekly_spend" = "-10%"
"market.population" = "x1.5"
[variants.schedule]
"advertising.weekly_spend" = [1000.0, 3000.0]
"""


def test_relative_changes_resolve_against_the_base():
    base = cxsim.parse_scenario(TEXT, "t.toml")
    a = base.with_variant("a")
    assert a["advertising.weekly_spend"] == 5500.0
    assert a["service.weekly_spend"] == pytest.approx(1800.0)
    assert a["market.population"] == 15_000 and isinstance(a["market.population"], int)
    moved = base.with_overrides({"advertising.weekly_spend": 5000.0, "service.weekly_spend": 3000.0})
    assert moved.with_variant("a")["advertising.weekly_spend"] == 6500.0  # still 1,500 more than its base
    assert moved.with_variant("a")["service.weekly_spend"] == pytest.approx(2700.0)


def test_a_relative_change_moves_a_schedule_week_by_week():
    text = ('[advertising]\nweekly_spend = [1000.0, 3000.0]\n'
            '[variants.more]\n"advertising.weekly_spend" = "+500"\n[variants.less]\n"advertising.weekly_spend" = "x0.5"\n')
    base = cxsim.parse_scenario(text, "t.toml")
    assert base.with_variant("more")["advertising.weekly_spend"] == [1500.0, 3500.0]
    assert base.with_variant("less")["advertising.weekly_spend"] == [500.0, 1500.0]


@pytest.mark.parametrize("value, expected", [
    ('"+abc"', 'change from the base such as "+1500"'),
    ('"-5000"', "spend must be >= 0"),
])
def test_a_bad_relative_change_names_file_variant_and_field(value, expected):
    text = f'[variants."more ads"]\n"advertising.weekly_spend" = {value}\n'
    with pytest.raises(ScenarioError) as err:
        cxsim.parse_scenario(text, "plan.toml")
    message = str(err.value)
    assert "plan.toml" in message and "more ads" in message and "advertising.weekly_spend" in message
    assert expected in message and "\n" not in message


def test_the_flagships_variants_keep_their_meaning_after_a_lever_edit():
    base = cxsim.load_scenario(SCENARIOS / "people_vs_ads.toml")
    edited = base.with_overrides({"advertising.weekly_spend": 5000.0})
    spends = {v: plan_spends(edited.with_variant(v)) for v in edited.variants}
    total = sum(plan_spends(edited).values())
    assert spends["more ads"]["ads"] == 6500.0
    assert spends["balanced"]["ads"] == 5750.0
    for v in spends:
        assert sum(spends[v].values()) == pytest.approx(total + 1500)  # each option adds the same money


def test_the_report_describes_each_plan_from_its_own_spends():
    base = cxsim.load_scenario(SCENARIOS / "people_vs_ads.toml").with_overrides(
        {"market.population": 400, "market.weeks": 6})
    page = report_html(compare(base.all_variants(), replications=2))
    assert "more ads</b>: ads $5,500 a week, service staff $2,571, training $0" in page
    assert "more people</b>: ads $4,000 a week, service staff $3,321, training $750" in page
    assert "4,000 a week on ads" not in page  # no stale description of the base for every plan
    edited = base.with_overrides({"advertising.weekly_spend": 5000.0})
    page = report_html(compare(edited.all_variants(), replications=2))
    assert "baseline</b>: ads $5,000 a week" in page and "more ads</b>: ads $6,500 a week" in page
    assert describe_plan(edited).startswith("ads $5,000 a week")
