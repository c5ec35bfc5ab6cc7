"""``cxsim calibrate history``: a posterior that recovers known parameters, the folder's contract, the same
posterior on any pool, and bad histories refused with file, column and row (exit 2, nothing written)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import cxsim
from cxsim.calibrate.calibration import calibrate, read_problem
from cxsim.calibrate.inference import Budget
from cxsim.calibrate.synthetic import company_history
from cxsim.decide.pools import Pool, ProcessPool
from cxsim.report.calibration_check import check_html
from tests.conftest import call_cli
from tests.test_hostile_inputs import refused

SMALL_BASE = """[market]
population = 2000
weeks = 52
initial_customer_share = 0.01
[network]
kind = "random"
mean_degree = 8
[advertising]
weekly_spend = 4000.0
[service]
weekly_spend = 600.0
"""
TRUTH = {"service.need_probability": 0.3, "wom.awareness_effect": 0.25, "advertising.max_awareness_rate": 0.03}
ADS = [9_000.0 if (w % 13) in range(4, 8) else 3_000.0 for w in range(52)]


def in_process() -> Pool:
    """One thread: the simulations run in the test's own process (light on a shared CI machine)."""
    return Pool(ThreadPoolExecutor(1), slots=1)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A 52-week history of a 2,000-person market made from TRUTH, with ad campaigns and a survey NPS."""
    folder = tmp_path_factory.mktemp("history")
    base = folder / "base.toml"
    base.write_text(SMALL_BASE, encoding="utf-8")
    scenario = cxsim.load_scenario(base).with_overrides({"advertising.weekly_spend": ADS})
    history = company_history(scenario, TRUTH, seed=11, survey_size=150)
    path = folder / "history.csv"
    history.to_csv(path, index=False)
    return base, path, history


@pytest.fixture(scope="module")
def fitted(small):
    base, path, _ = small
    problem = read_problem(path, cxsim.load_scenario(base), list(TRUTH), holdout=8)
    with in_process() as pool:
        return calibrate(problem, pool, particles=60, budget=Budget(900, 10), seed=3, runs=40)


def test_the_posterior_recovers_the_parameters_the_history_was_made_with(fitted):
    table = fitted.check.table.set_index("key")
    for key, truth in TRUTH.items():
        row = table.loc[key]
        assert row.low_5 <= truth <= row.high_95, (key, truth, row.to_dict())
    # the data teach something about each key: the 90% interval is narrower than the prior's
    assert (table["high_95"] - table["low_5"] < table["prior_high_95"] - table["prior_low_5"]).all()
    assert table.loc["service.need_probability", "contraction"] > 0.7  # contacts per purchase fix it
    held = fitted.check.holdout_coverage
    assert set(held) == {"new_customers", "active", "purchases", "revenue", "contacts", "nps"}
    assert np.mean(list(held.values())) >= 0.8


def test_the_folder_keeps_its_contract(fitted, tmp_path):
    out = fitted.write(tmp_path / "cal", check_html(fitted.check))
    draws = pd.read_parquet(out / "posterior.parquet")
    assert list(draws.columns) == [*TRUTH, "weight"]
    assert all(draws[c].dtype == float for c in draws) and np.isclose(draws["weight"].sum(), 1.0)
    assert (draws["weight"] > 0).all() and len(draws) == 60
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns[:7]) == ["key", "median", "low_5", "high_95", "prior_low_5", "prior_high_95",
                                         "contraction"]
    assert (summary["low_5"] <= summary["median"]).all() and (summary["median"] <= summary["high_95"]).all()
    scenario = cxsim.load_scenario(out / "scenario.toml")
    for row in summary.itertuples():
        assert scenario[row.key] == pytest.approx(row.median)
    assert scenario["advertising.weekly_spend"] == 4000.0 and scenario.weeks == 52  # the base's plan, not the past
    from cxsim.decide.uncertainty import read_posterior  # the reader of --posterior DIR takes the folder as written

    worlds = read_posterior(out, scenario, draws=30, seed=0)
    assert worlds.keys == tuple(TRUTH) and worlds.values.shape == (30, len(TRUTH))
    page = (out / "check.html").read_text()
    assert "The history pins down" in page and "held-out weeks" in page and "Posterior correlations" in page
    assert "regression-adjusted" in page


def test_the_same_seed_gives_the_same_posterior_on_one_thread_or_two_processes(small):
    base, path, _ = small
    problem = read_problem(path, cxsim.load_scenario(base).with_overrides({"market.population": 300}),
                           ["service.need_probability"], holdout=0)
    runs = []
    for pool in (in_process(), ProcessPool(2)):
        with pool:
            runs.append(calibrate(problem, pool, particles=20, budget=Budget(80, 5), seed=5, runs=4))
    a, b = (r.check.posterior.draws for r in runs)
    pd.testing.assert_frame_equal(a, b)
    assert runs[0].check.posterior.simulations == runs[1].check.posterior.simulations


def test_a_run_of_cxsim_is_itself_a_history(small, tmp_path, capsys):
    base, _, _ = small
    series = tmp_path / "run.csv"
    assert call_cli(capsys, "run", str(base), "--replications", "1", "--out", str(series)).returncode == 0
    from cxsim.calibrate.history import read_history

    history = read_history(series, cxsim.load_scenario(base))
    assert history.weeks == 52 and "new_customers" in history.outcomes and not history.spends
    assert history.outcomes.index[0] == 1  # the week-0 state is not a week


# --- bad histories and arguments: one line naming file, column and row; exit 2; nothing written ---------------

def _history(tmp_path, small, change) -> str:
    frame = small[2].copy()
    frame = change(frame)
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    return str(path)


def _bad(capsys, small, data, *extra):
    base = str(small[0])
    return call_cli(capsys, "calibrate", "history", data, "--scenario", base, "--fit", "service.need_probability",
                    *extra)


@pytest.mark.parametrize("change, needles", [
    (lambda f: f.assign(footfall=1), ["column 'footfall'", "an unknown column"]),
    (lambda f: f.assign(active=f["active"].astype(object).where(f.index != 6, "lots")),
     ["column 'active'", "'lots' in data row 7"]),
    (lambda f: f.assign(**{"advertising.weekly_spend": f["advertising.weekly_spend"].where(f.index != 3, -5.0)}),
     ["column 'advertising.weekly_spend'", ">= 0", "data row 4"]),
    (lambda f: f.assign(week=f["week"].replace({10: 11, 11: 10})), ["column 'week'", "11 in data row 10"]),
    (lambda f: f.drop(columns="week"), ["column 'week'"]),
    (lambda f: f.assign(nps=f["nps"].where(f.index != 1, float("inf"))), ["column 'nps'", "data row 2"]),
])
def test_bad_histories_are_refused_naming_file_column_and_row(tmp_path, capsys, small, change, needles):
    data = _history(tmp_path, small, change)
    out = tmp_path / "out"
    err = refused(_bad(capsys, small, data, "--out", str(out)), "bad.csv", *needles)
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("fit, needle", [
    (["network.kind"], "'network.kind'"),
    (["market.nonsense"], "'market.nonsense'"),
    (["market.population"], "a whole number"),
    (["advertising.weekly_spend"], "does not replay"),
    (["service.need_probability", "service.need_probability"], "twice"),
])
def test_keys_that_cannot_be_fitted_are_refused(tmp_path, capsys, small, fit, needle):
    out = tmp_path / "out"
    res = call_cli(capsys, "calibrate", "history", str(small[1]), "--scenario", str(small[0]), "--fit", *fit,
                   "--out", str(out))
    refused(res, "--fit", needle)
    assert not out.exists()


@pytest.mark.parametrize("text, needle", [
    ('["service.need_probability"]\nlow = 0.5\nhigh = 0.2\n', "low < high"),
    ('["service.need_probability"]\nlow = 0.1\nhigh = 2.0\n', "within what the schema allows"),
    ('["service.need_probability"]\nlow = 0.1\nhigh = 0.5\nshape = 2\n', "shape"),
    ('["service.need_probability"]\nlow = 0.0\nhigh = 0.5\nlog = true\n', "log-uniform"),
    ('["network.kind"]\nlow = 0\nhigh = 1\n', "network.kind"),
])
def test_bad_priors_files_are_refused(tmp_path, capsys, small, text, needle):
    priors = tmp_path / "priors.toml"
    priors.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    refused(_bad(capsys, small, str(small[1]), "--priors", str(priors), "--out", str(out)), needle)
    assert not out.exists()


def test_several_replications_and_a_holdout_too_long_are_refused(tmp_path, capsys, small):
    data = _history(tmp_path, small, lambda f: pd.concat([f.assign(replication=0), f.assign(replication=1)]))
    refused(_bad(capsys, small, data, "--out", str(tmp_path / "o")), "column 'replication'", "2 replications")
    refused(_bad(capsys, small, str(small[1]), "--holdout", "50", "--out", str(tmp_path / "o")), "--holdout")
    refused(_bad(capsys, small, str(small[1]), "--simulations", "100", "--particles", "50", "--out",
                 str(tmp_path / "o")), "--simulations", "200")
    assert not (tmp_path / "o").exists()


def test_an_out_that_is_a_file_or_a_folder_of_other_things_is_refused(tmp_path, capsys, small):
    a_file = tmp_path / "taken.csv"
    a_file.write_text("x\n", encoding="utf-8")
    refused(_bad(capsys, small, str(small[1]), "--out", str(a_file)), "--out", "got a file")
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    refused(_bad(capsys, small, str(small[1]), "--out", str(other)), "--out", "notes.txt")
    assert {p.name for p in other.iterdir()} == {"notes.txt"}
