"""The Calibrate page, run headless with ``streamlit.testing.v1.AppTest``."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cxsim import parse_scenario
from cxsim.calibrate import fit_adoption
from cxsim.calibrate.synthetic import adoption_series

from .conftest import ROOT

PAGE = str(ROOT / "app" / "calibrate_page.py")


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def scenario_text(at: AppTest) -> str:
    return at.session_state["calibrated_scenario"]["text"]


@pytest.fixture
def page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=120).run()


def test_example_launch_is_fitted_and_offered_as_a_scenario(page):
    assert not page.exception and not page.error
    shown = metrics(page)
    assert set(shown) == {"p (ads, per week)", "q (word of mouth, per week)", "m (market size)", "R²"}
    sc = parse_scenario(scenario_text(page))
    # the page shows what the library computes on the same data
    fit = fit_adoption(adoption_series(0.01, 0.25, population=8_000, weeks=60, seed=1)["new_customers"])
    assert shown["p (ads, per week)"] == f"{fit.weekly.params['p']:.4f}"
    assert sc["advertising.max_awareness_rate"] == pytest.approx(fit.weekly.params["p"])
    assert sc.population == round(fit.weekly.params["m"])
    assert len(page.get("plotly_chart")) == 1


def test_uploaded_launch_curve_with_cumulative_column(page):
    frame = adoption_series(0.02, 0.3, population=3_000, weeks=40, seed=9)
    upload = pd.DataFrame({"week": frame["week"], "total": frame["new_customers"].cumsum()})
    page.file_uploader[0].set_value(("launch.csv", upload.to_csv(index=False).encode(), "text/csv")).run()
    page.checkbox[0].check().run()
    assert not page.exception and not page.error
    fit = fit_adoption(upload["total"], cumulative=True)
    assert metrics(page)["m (market size)"] == f"{fit.weekly.params['m']:,.0f}"
    assert scenario_text(page).startswith("# Calibrated by cxsim calibrate adoption from launch.csv")


def test_transaction_example_fit_holdout_and_simulation(page):
    page.radio[0].set_value(page.radio[0].options[1]).run()
    assert not page.exception and not page.error
    assert {"r", "alpha (weeks)", "a", "b"} <= set(metrics(page))
    assert any("Holdout" in m.value for m in page.markdown)
    sc = parse_scenario(scenario_text(page))
    assert sc["repeat.rate_shape"] == pytest.approx(float(metrics(page)["r"]), abs=5e-4)
    next(b for b in page.button if b.label == "Simulate the calibrated scenario").click().run()
    assert not page.exception and len(page.get("plotly_chart")) == 2


def test_bad_upload_shows_the_command_line_message(page):
    page.radio[0].set_value(page.radio[0].options[1]).run()
    log = pd.DataFrame({"customer": [1, 2, 3], "date": ["2024-01-01", "someday", "2024-01-03"]})
    page.file_uploader[0].set_value(("shop.csv", log.to_csv(index=False).encode(), "text/csv")).run()
    assert not page.exception
    assert page.error and "shop.csv: column 'date': expected dates" in page.error[0].value.replace("\\", "")


@pytest.mark.parametrize("option", [0, 1])
def test_use_in_the_planner_merges_the_fit_into_a_planning_scenario(page, option):
    from cxsim import load_scenario
    from cxsim.views import planner

    page.radio[0].set_value(page.radio[0].options[option]).run()
    assert not page.exception and not page.error
    next(b for b in page.button if b.label == "Use in the planner").click().run()
    merged = parse_scenario(page.session_state["planning_scenario"]["text"], "merged.toml")
    flagship = load_scenario(ROOT / "scenarios" / planner.FLAGSHIP)
    assert merged["advertising.weekly_spend"] == flagship["advertising.weekly_spend"]  # a plan, not a limit
    assert merged["service.weekly_spend"] == flagship["service.weekly_spend"]
    assert set(merged.variants) == set(flagship.variants)
    assert planner.plan_warnings(merged) == []
    bare = parse_scenario(scenario_text(page))
    assert len(planner.plan_warnings(bare)) >= 1  # the bare limit would get a visible warning
    if option == 0:
        fit = fit_adoption(adoption_series(0.01, 0.25, population=8_000, weeks=60, seed=1)["new_customers"])
        assert merged.population == round(fit.weekly.params["m"])
        assert merged["wom.awareness_effect"] == pytest.approx(fit.weekly.params["q"])
    else:
        assert merged["repeat.rate_shape"] == pytest.approx(bare["repeat.rate_shape"])


def test_history_tab_runs_a_small_calibration_and_hands_it_to_the_planner(page, tmp_path):
    from pathlib import Path

    from cxsim.calibrate.synthetic import company_history

    base_text = ("[market]\npopulation = 300\nweeks = 24\n[advertising]\nweekly_spend = 3000.0\n"
                 "[service]\nweekly_spend = 300.0\n")
    history = company_history(parse_scenario(base_text), {"service.need_probability": 0.3}, seed=4)
    page.file_uploader(key="history upload").set_value(
        ("shop.csv", history.to_csv(index=False).encode(), "text/csv"))
    page.file_uploader(key="history base").set_value(("shop.toml", base_text.encode(), "application/toml"))
    page.multiselect(key="history keys").set_value(["service.need_probability"])
    page.number_input(key="history holdout").set_value(4)
    page.number_input(key="history simulations").set_value(100)
    page.number_input(key="history particles").set_value(20)
    page.number_input(key="history workers").set_value(1)
    page.run()
    page.button(key="history run").click().run(timeout=240)
    assert not page.exception and not page.error, [e.value for e in page.error]
    done = page.session_state["history_calibration"]
    assert {p.name for p in Path(done["dir"]).iterdir()} == {"posterior.parquet", "summary.csv", "scenario.toml",
                                                               "check.html"}
    assert any("The history pins down" in m.value for m in page.markdown)
    page.button(key="history to planner").click().run()
    handed = page.session_state["planning_scenario"]
    assert handed["posterior"] == done["dir"]
    median = pd.read_csv(Path(done["dir"]) / "summary.csv").set_index("key").loc["service.need_probability", "median"]
    assert parse_scenario(handed["text"])["service.need_probability"] == pytest.approx(median)
