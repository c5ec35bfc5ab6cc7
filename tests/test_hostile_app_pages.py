"""The hostile files of issue 28 in the app's two pages: the planner and the Calibrate page show the command line's
message as an error, never an exception."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import SCENARIOS
from tests.test_hostile_app import CALIBRATE, PLANNER, SMALL, upload

OVERFLOW = SMALL + '[variants.v]\n"market.population" = "x1' + "0" * 400 + '"\n'
WORLDS = (SMALL + '[uncertainty]\n"service.need_probability" = {dist = "uniform", low = 0.5, high = 1}\n'
          '[variants.v]\n"service.need_probability" = 0.95\n')
OPEN_BOUND = SMALL + '[uncertainty]\n"repeat.rate_shape" = {dist = "uniform", low = 0, high = 1e-11}\n'
TWICE = (SMALL + '[uncertainty]\n"wom.awareness_effect" = {dist = "uniform", low = 0.1, high = 0.2}\n'
         '[uncertainty.wom]\nawareness_effect = {dist = "uniform", low = 0.3, high = 0.4}\n')
HOSTILE_SCENARIOS = [(OVERFLOW, "market.population"), (WORLDS, 'uncertainty."service.need_probability"'),
                     (OPEN_BOUND, 'uncertainty."repeat.rate_shape"'), (TWICE, 'uncertainty."wom.awareness_effect"')]


def shown_error(at: AppTest) -> str:
    assert not at.exception, at.exception
    assert at.error, "no error shown"
    text = at.error[0].value.replace("\\", "")
    assert len(text) < 2_000 and "Traceback" not in text and "np.float64" not in text, text
    return text


@pytest.fixture(scope="module")
def planner() -> AppTest:
    return AppTest.from_file(PLANNER, default_timeout=240).run()


@pytest.mark.parametrize("text, needle", HOSTILE_SCENARIOS)
def test_the_planner_shows_an_error_for_each_hostile_scenario(planner, text, needle):
    at = upload(planner, "hostile.toml", text.encode(), "application/toml")
    assert needle in shown_error(at)


@pytest.fixture
def calibrate() -> AppTest:
    return AppTest.from_file(CALIBRATE, default_timeout=120).run()


def run_history(at: AppTest, history: bytes | None = None, base: str | None = None) -> AppTest:
    if history is not None:
        at.file_uploader(key="history upload").set_value(("h.csv", history, "text/csv"))
    if base is not None:
        at.file_uploader(key="history base").set_value(("base.toml", base.encode(), "application/toml"))
    at = at.run()
    next(n for n in at.number_input if n.label == "Held-out weeks").set_value(0)
    return at.button(key="history run").click().run()


@pytest.mark.parametrize("column, value, needle", [("nps", 250, "an NPS from -100 to 100"),
                                                   ("satisfaction_mean", 99, "0-10 scale")])
def test_the_calibrate_page_shows_an_error_for_an_outcome_off_its_scale(calibrate, column, value, needle):
    frame = pd.read_csv(SCENARIOS / "data" / "company_history.csv")
    frame.loc[4, column] = value
    at = run_history(calibrate, frame.to_csv(index=False).encode())
    text = shown_error(at)
    assert f"column '{column}'" in text and needle in text and "data row 5" in text


@pytest.mark.parametrize("text, needle", HOSTILE_SCENARIOS)
def test_the_calibrate_page_shows_an_error_for_each_hostile_base_scenario(calibrate, text, needle):
    at = run_history(calibrate, base=text)
    assert needle in shown_error(at)
