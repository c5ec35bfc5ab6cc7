"""``cxsim calibrate``: written scenarios reproduce the data; bad data exits 2 with the file and column named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxsim
from cxsim.calibrate.synthetic import adoption_series, transaction_log
from tests.conftest import call_cli, run_cli

Z = 4.0


@pytest.fixture(scope="module")
def launch_csv(tmp_path_factory):
    """Sixty weeks of new customers from one run of the Bass limit (p = 0.01, q = 0.25, 8,000 people)."""
    path = tmp_path_factory.mktemp("adoption") / "launch.csv"
    adoption_series(0.01, 0.25, population=8_000, weeks=60, seed=21).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def log_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("transactions") / "log.csv"
    log = transaction_log(0.25, 4.0, 0.8, 2.5, customers=1_500, weeks=60, seed=22, price=30.0)
    log.assign(date=log["date"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    return path


def test_adoption_scenario_reproduces_the_data(capsys, launch_csv, tmp_path):
    out, plot = tmp_path / "launch.toml", tmp_path / "fit.html"
    res = call_cli(capsys, "calibrate", "adoption", str(launch_csv), "--column", "new_customers",
                   "--out", str(out), "--plot", str(plot))
    assert res.returncode == 0, res.stderr
    assert "weekly recursion" in res.stdout and "continuous Bass" in res.stdout
    html = plot.read_text()
    assert html.lower().startswith("<!doctype html>") and "Bass fit: weekly p" in html
    sc = cxsim.load_scenario(out)
    assert sc.weeks == 60 and sc["purchase.buy_on_awareness"] == 1.0
    runs = cxsim.simulate(sc, replications=12, seed=3, keep_customers=False).timeseries
    cum = runs[runs["step"] > 0].pivot(index="step", columns="replication", values="ever_customers").to_numpy()
    data = pd.read_csv(launch_csv)["new_customers"].cumsum().to_numpy()
    # week by week, the data lie within the spread of runs of the written scenario (one data set is one run)
    spread = cum.std(axis=1, ddof=1) * np.sqrt(1 + 1 / cum.shape[1])
    assert np.all(np.abs(data - cum.mean(axis=1)) <= Z * spread + 0.002 * sc.population)
    assert abs(data[-1] - cum[-1].mean()) <= 0.01 * sc.population


def test_adoption_accepts_cumulative_and_longer_periods(capsys, launch_csv, tmp_path):
    frame = pd.read_csv(launch_csv)
    monthly = frame["new_customers"].to_numpy()[:60].reshape(-1, 4).sum(axis=1).cumsum()
    path = tmp_path / "cumulative.csv"
    pd.DataFrame({"period": range(1, 16), "customers": monthly}).to_csv(path, index=False)
    res = call_cli(capsys, "calibrate", "adoption", str(path), "--cumulative", "--period", "4",
                   "--out", str(tmp_path / "c.toml"))
    assert res.returncode == 0, res.stderr
    sc = cxsim.load_scenario(tmp_path / "c.toml")
    assert sc.weeks == 60
    assert sc["advertising.max_awareness_rate"] == pytest.approx(0.01, rel=0.3)


def test_transactions_scenario_carries_the_fit(capsys, log_csv, tmp_path):
    out = tmp_path / "repeat.toml"
    res = call_cli(capsys, "calibrate", "transactions", str(log_csv), "--customer-col", "customer",
                   "--date-col", "date", "--amount-col", "amount", "--calibration-end", "2024-07-31",
                   "--out", str(out), "--plot", str(tmp_path / "fit.html"))
    assert res.returncode == 0, res.stderr
    assert "holdout" in res.stdout and "predicted" in res.stdout
    fit = cxsim.calibrate.fit_transactions(pd.read_csv(log_csv), "customer", "date", "2024-07-31", "amount")
    sc = cxsim.load_scenario(out)
    assert sc["repeat.rate_shape"] == pytest.approx(fit.params["r"], rel=1e-5)
    assert sc["repeat.rate_scale"] == pytest.approx(fit.params["alpha"], rel=1e-5)
    assert sc["repeat.dropout_a"] == pytest.approx(fit.params["a"], rel=1e-5)
    assert sc["repeat.dropout_b"] == pytest.approx(fit.params["b"], rel=1e-5)
    assert sc["purchase.price"] == pytest.approx(30.0, rel=0.05)
    assert sc["repeat.rate_sensitivity"] == 0.0 and sc.population == fit.n_customers
    assert out.read_text().startswith("# Calibrated by cxsim calibrate transactions")


def test_transactions_into_a_base_scenario(capsys, log_csv, tmp_path, root):
    out = tmp_path / "people.toml"
    res = call_cli(capsys, "calibrate", "transactions", str(log_csv), "--customer-col", "customer",
                   "--date-col", "date", "--calibration-end", "2024-07-31", "--base",
                   str(root / "scenarios" / "people_vs_ads.toml"), "--out", str(out))
    assert res.returncode == 0, res.stderr
    sc = cxsim.load_scenario(out)
    base = cxsim.load_scenario(root / "scenarios" / "people_vs_ads.toml")
    assert sc.population == base.population and set(sc.variants) == set(base.variants)
    assert sc["repeat.rate_shape"] != base["repeat.rate_shape"]


def _write(tmp_path, name: str, frame: pd.DataFrame) -> str:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


def _log(log_csv) -> pd.DataFrame:
    return pd.read_csv(log_csv)


TX = ("--customer-col", "customer", "--date-col", "date", "--calibration-end", "2024-07-31")

BAD_CASES = {
    "missing file": (lambda tmp, log, launch: ["adoption", str(tmp / "nope.csv")], "nope.csv: (file)"),
    "missing adoption column": (lambda tmp, log, launch: ["adoption", str(launch), "--column", "adopters"],
                                "column 'adopters': expected one of the file's columns"),
    "text in counts": (lambda tmp, log, launch: ["adoption", _write(tmp, "t.csv", pd.DataFrame(
        {"new": ["5", "9", "many", "20", "11"]}))], "column 'new': expected new customers (a count) in every row"),
    "too few periods": (lambda tmp, log, launch: ["adoption", _write(tmp, "f.csv", pd.DataFrame({"new": [5, 9, 3]}))],
                        "column 'new': expected at least 5 periods"),
    "no peak": (lambda tmp, log, launch: ["adoption", _write(tmp, "g.csv", pd.DataFrame(
        {"new": np.round(10 * 1.2 ** np.arange(20))}))], "did not converge"),
    "bad period": (lambda tmp, log, launch: ["adoption", str(launch), "--period", "fortnight"],
                   "--period: expected one of week, month, quarter, year"),
    "missing customer column": (lambda tmp, log, launch: ["transactions", str(log), "--customer-col", "client",
                                                          *TX[2:]], "column 'client': expected one of"),
    "unparsable date": (lambda tmp, log, launch: ["transactions", _write(tmp, "d.csv", _log(log).assign(
        date=lambda d: d["date"].where(d.index != 10, "yesterday"))), *TX], "column 'date'"),
    "negative amount": (lambda tmp, log, launch: ["transactions", _write(tmp, "n.csv", _log(log).assign(
        amount=lambda d: d["amount"].where(d.index != 4, -30.0))), *TX, "--amount-col", "amount"],
        "column 'amount': expected an amount >= 0"),
    "too few customers": (lambda tmp, log, launch: ["transactions", _write(tmp, "s.csv", _log(log).query(
        "customer < 12")), *TX], "column 'customer': expected at least 30 customers"),
    "bad calibration end": (lambda tmp, log, launch: ["transactions", str(log), *TX[:4], "--calibration-end",
                                                      "soon"], "calibration end: expected a date"),
    "schedule, no convergence": (lambda tmp, log, launch: ["transactions", _write(tmp, "w.csv", pd.DataFrame({
        "customer": np.repeat(np.arange(60), 40),
        "date": (pd.Timestamp("2024-01-01") + pd.to_timedelta(
            [7 * w + c % 7 for c in range(60) for w in range(40)], unit="D")).strftime("%Y-%m-%d")})), *TX],
        "BG/NBD fit did not converge"),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_input_exits_2_naming_file_and_column(capsys, tmp_path, log_csv, launch_csv, case):
    make_args, expected = BAD_CASES[case]
    args = make_args(tmp_path, log_csv, launch_csv)
    out = tmp_path / "never.toml"
    res = call_cli(capsys, "calibrate", *args, "--out", str(out))
    assert res.returncode == 2
    assert expected in res.stderr and "Traceback" not in res.stderr
    assert res.stderr.startswith(f"error: {args[1]}") or case == "bad period" and "--period" in res.stderr
    assert not out.exists() and not list(tmp_path.glob("*.part"))


def test_real_process_exit_code_and_no_traceback(tmp_path, log_csv):
    bad = _write(tmp_path, "neg.csv", _log(log_csv).assign(amount=-1.0))
    res = run_cli("calibrate", "transactions", bad, *TX, "--amount-col", "amount")
    assert res.returncode == 2
    assert "neg.csv: column 'amount': expected an amount >= 0" in res.stderr
    assert "Traceback" not in res.stderr


def test_output_names_are_checked_before_fitting(capsys, launch_csv, tmp_path):
    res = call_cli(capsys, "calibrate", "adoption", str(launch_csv), "--out", str(tmp_path / "x.csv"))
    assert res.returncode == 2 and "expected a file name ending in .toml" in res.stderr
    res = call_cli(capsys, "calibrate", "adoption", str(launch_csv), "--out", str(tmp_path / "no" / "x.toml"))
    assert res.returncode == 2 and "does not exist" in res.stderr
