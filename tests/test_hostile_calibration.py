"""Hostile input to calibrate history and to posteriors (issue 28, items 7 and 9): impossible outcomes, priors
files that cannot be used, a posterior on its prior's edge, whole-number keys drawn fractional, numpy's reprs.
Each refusal is one bounded line naming the file, the column or key and what was expected; nothing is written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxsim.core.errors import ScenarioError, error_text
from tests.conftest import SCENARIOS, call_cli
from tests.test_hostile_inputs import files_in, refused, scenario_file

HISTORY = SCENARIOS / "data" / "company_history.csv"
BASE = SCENARIOS / "data" / "company_base.toml"


def one_line(result, *needles: str) -> str:
    err = refused(result, *needles)
    assert len(err.strip().splitlines()) == 1, err
    assert "np.float64" not in err and "np.int64" not in err, err
    return err


def history(tmp_path, column: str, row: int, value: float):
    frame = pd.read_csv(HISTORY)
    frame[column] = frame[column] if column in frame else np.nan
    frame.loc[row, column] = value
    path = tmp_path / "h.csv"
    frame.to_csv(path, index=False)
    return path


def calibrate(capsys, tmp_path, data, *extra: str):
    return call_cli(capsys, "calibrate", "history", str(data), "--scenario", str(BASE), "--fit",
                    "service.need_probability", "--out", str(tmp_path / "cal"), "--simulations", "80",
                    "--particles", "20", "-w", "1", *extra)


@pytest.mark.parametrize("column, value, needle", [
    ("nps", 250, "an NPS from -100 to 100"),
    ("nps", -101, "an NPS from -100 to 100"),
    ("satisfaction_mean", 99, "0-10 scale"),
])
def test_an_outcome_off_its_scale_is_refused_naming_column_and_row(tmp_path, capsys, column, value, needle):
    data = history(tmp_path, column, 4, value)
    err = one_line(calibrate(capsys, tmp_path, data), str(data), f"column {column!r}", needle, "data row 5")
    assert str(value) in err
    assert files_in(tmp_path) == {"h.csv"}


def test_a_priors_range_the_scenario_refuses_names_the_priors_file_and_the_key(tmp_path, capsys):
    priors = tmp_path / "p.toml"
    priors.write_text('["repeat.rate_shape"]\nlow = 0\nhigh = 1\nlog = false\n', encoding="utf-8")  # rate_shape must be > 0
    err = one_line(calibrate(capsys, tmp_path, HISTORY, "--fit", "repeat.rate_shape", "--priors", str(priors)),
                   str(priors), '["repeat.rate_shape"]', "greater than 0")
    assert "<calibration>" not in err
    assert files_in(tmp_path) == {"p.toml"}


def test_a_prior_for_a_key_not_fitted_is_refused_naming_the_key(tmp_path, capsys):
    priors = tmp_path / "p.toml"
    priors.write_text('["wom.awareness_effect"]\nlow = 0.1\nhigh = 0.5\n', encoding="utf-8")
    one_line(calibrate(capsys, tmp_path, HISTORY, "--priors", str(priors)), str(priors),
             '["wom.awareness_effect"]', "not fitted")
    assert files_in(tmp_path) == {"p.toml"}


def test_a_posterior_piled_on_its_priors_edge_is_not_called_pinned_down():
    from cxsim.calibrate.posterior import summary_table, verdicts
    from cxsim.calibrate.priors import Prior

    rng = np.random.default_rng(0)
    priors = {"a": Prior("a", 0.1, 0.8, False, "test"), "b": Prior("b", 0.1, 0.8, False, "test"),
              "c": Prior("c", 0.01, 1.0, True, "test")}
    draws = pd.DataFrame({"a": 0.1 + rng.uniform(0, 0.01, 200),  # against the low end
                          "b": 0.45 + rng.normal(0, 0.01, 200),  # pinned down in the middle
                          "c": rng.uniform(0.9, 1.0, 200),  # against the high end, on a log scale
                          "weight": np.full(200, 1 / 200)})
    table = summary_table(draws, priors)
    assert list(table["edge"]) == ["low", "", "high"]
    assert (table["contraction"] > 0.7).all()  # contraction alone would call all three pinned down
    lines = verdicts(table, pd.DataFrame(np.eye(3), index=list(priors), columns=list(priors)))
    assert "pinned down" not in lines[0] and "low edge of its prior" in lines[0]
    assert "pinned down" in lines[1]
    assert "pinned down" not in lines[2] and "high edge of its prior" in lines[2]


def test_the_headline_does_not_count_a_key_on_its_priors_edge_as_pinned():
    from cxsim.calibrate.check import Check

    table = pd.DataFrame({"key": ["a", "b"], "median": [0.1, 0.45], "low_5": [0.1, 0.44], "high_95": [0.11, 0.46],
                          "contraction": [0.99, 0.9], "edge": ["low", ""]})
    check = Check.__new__(Check)
    check.table, check.fit_weeks = table, 10
    check.history = type("H", (), {"weeks": 10, "outcomes": None})()
    check.predictive = type("P", (), {"coverage": lambda self, *a: {}})()
    text = check.headline()
    assert "pins down 1 of 2" in text and "e.g. b = 0.45" in text and "edge of their prior (a)" in text


@pytest.mark.parametrize("column, value, needle", [
    ("market.population", 2000.5, "whole number"),
    ("purchase.price", np.nan, "got nan"),
])
def test_a_posterior_never_puts_a_fraction_of_a_person_or_nan_into_a_scenario(tmp_path, capsys, column, value, needle):
    folder = tmp_path / "cal"
    folder.mkdir()
    pd.DataFrame({column: [2000.0, value], "weight": [0.5, 0.5]}).to_parquet(folder / "posterior.parquet")
    path = scenario_file(tmp_path, '[variants.ads]\n"advertising.weekly_spend" = 100.0\n')
    err = one_line(call_cli(capsys, "compare", str(path), "--posterior", str(folder), "-r", "2", "--draws", "4", "-w",
                            "1"), "posterior.parquet", f"column {column!r}, row 2", needle)
    if column == "market.population":
        assert "refused, not rounded" in err and "2000.5" in err
    assert files_in(tmp_path) == {"cal", "s.toml"}


def test_numpy_numbers_in_a_change_are_shown_plainly(tmp_path):
    from cxsim.scenario import load_scenario

    scenario = load_scenario(scenario_file(tmp_path))
    for value, shown in ((np.float64("nan"), "nan"), (np.float64(-3.5), "-3.5"), ([np.float64(1.0), np.inf], "inf")):
        with pytest.raises(ScenarioError) as caught:
            scenario.with_overrides({"purchase.price" if not isinstance(value, list) else
                                     "advertising.weekly_spend": value})
        text = error_text(caught.value)
        assert shown in text and "np.float64" not in text, text


def test_numpy_numbers_given_to_the_planners_functions_are_shown_plainly(tmp_path):
    from cxsim.core.errors import UserError
    from cxsim.decide.uncertainty import worlds_for
    from cxsim.scenario import load_scenario

    scenario = load_scenario(scenario_file(tmp_path))
    with pytest.raises(UserError) as caught:
        worlds_for(scenario, uncertain=True, draws=np.int64(0))
    assert str(caught.value).endswith("got 0"), caught.value
