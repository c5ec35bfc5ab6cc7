"""BG/NBD calibration: the published CDNOW estimates, round trips through cxsim's BG/NBD limit, bad data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxsim
from cxsim.calibrate import DataError, FitError, fit_transactions
from cxsim.calibrate.synthetic import transaction_log

Z = 4.0
TRUE = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}  # near the CDNOW estimates


def cdnow_sample() -> pd.DataFrame:
    """The 1/10 CDNOW sample (2,357 customers), shipped in tests/data (source and licence in its README)."""
    path = Path(__file__).parent / "data" / "CDNOW_sample.txt"
    return pd.read_csv(path, sep=r"\s+", header=None, names=["master_id", "customer", "date", "cds", "amount"])


@pytest.fixture(scope="module")
def cdnow_fit():
    return fit_transactions(cdnow_sample(), "customer", "date", "1997-09-30", "amount", source="CDNOW_sample")


def test_cdnow_gives_the_published_estimates(cdnow_fit):
    """Fader, Hardie & Lee (2005), table 1: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4."""
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert cdnow_fit.params[name] == pytest.approx(value, abs=0.0015)
    assert cdnow_fit.log_likelihood == pytest.approx(-9582.4, abs=0.1)
    assert cdnow_fit.n_customers == 2357
    assert cdnow_fit.customers["x"].sum() == 2457  # repeat purchase days in the 39 calibration weeks


def test_cdnow_holdout_and_tracking(cdnow_fit):
    h = cdnow_fit.holdout
    assert h.weeks == pytest.approx(39.0)
    assert h.actual == int(cdnow_fit.customers["holdout"].sum())
    assert h.by_frequency["customers"].sum() == 2357
    # within the calibration period the expected curve tracks the data closely
    tr = cdnow_fit.tracking
    at_end = tr[tr["week_end"] <= cdnow_fit.calibration_end].iloc[-1]
    assert at_end["expected"] == pytest.approx(at_end["actual"], rel=0.05)
    assert cdnow_fit.spend.mean == pytest.approx(35.96, abs=0.01)


@pytest.fixture(scope="module")
def round_trips():
    """Two independent logs of 3,000 customers from cxsim's BG/NBD limit, 39 weeks of calibration."""
    out = []
    for seed in (1, 2):
        log = transaction_log(**TRUE, customers=3_000, weeks=78, seed=seed, price=42.0)
        out.append((log, fit_transactions(log, "customer", "date", "2024-09-29", "amount")))
    return out


def test_round_trip_recovers_the_parameters(round_trips):
    """Within Z standard errors on the log scale, where the fit's intervals are drawn (a and b are skewed)."""
    for _, fit in round_trips:
        for name, true in TRUE.items():
            est, se = fit.params[name], fit.std_errors[name]
            assert abs(np.log(est / true)) <= Z * se / est, (name, fit.params, fit.std_errors)
            lo, hi = fit.intervals[name]
            assert lo < fit.params[name] < hi
        assert fit.spend.mean == pytest.approx(42.0 * 1.0, rel=0.02)  # same-day purchases add up


def test_round_trip_holdout_prediction_matches(round_trips):
    """Predicted and actual holdout purchases agree within the noise of the total."""
    for _, fit in round_trips:
        h = fit.holdout
        c = fit.customers
        from cxsim.model import bgnbd
        predicted = bgnbd.conditional_expected_purchases(h.weeks, c["x"], c["t_x"], c["T"], *fit.values())
        sd_total = np.sqrt(((c["holdout"] - predicted) ** 2).sum())
        assert abs(h.predicted - h.actual) <= Z * sd_total
        assert h.predicted == pytest.approx(predicted.sum())


def test_log_is_the_run_simulate_makes():
    log = transaction_log(**TRUE, customers=500, weeks=20, seed=3, entry_weeks=0)
    res = cxsim.simulate(cxsim.scenario.presets.bgnbd(**TRUE, population=500, steps=20).with_overrides({"purchase.price": 60.0}),
                         replications=1, seed=3)
    per_customer = log.groupby("customer").size().reindex(range(500), fill_value=0).to_numpy()
    # the log adds each customer's first purchase (week 0), which the simulation starts from
    assert np.array_equal(per_customer, res.customers["purchases"].to_numpy() + 1)


def test_scenario_reproduces_the_repeat_purchases(round_trips):
    """Simulating the fitted scenario gives the data's repeat purchases by the calibration end."""
    log, fit = round_trips[0]
    sc = fit.scenario(weeks=40)
    assert (sc["repeat.rate_shape"], sc["repeat.rate_scale"], sc["repeat.dropout_a"], sc["repeat.dropout_b"]) == \
        fit.values()
    assert sc.population == fit.n_customers and sc["purchase.price"] == pytest.approx(fit.spend.mean)
    res = cxsim.simulate(sc, replications=8, seed=0, keep_customers=False)
    cum = res.timeseries.pivot(index="step", columns="replication", values="repeat_purchases").cumsum()
    weeks = np.arange(41)
    per_customer = cum.to_numpy() / sc.population  # cumulative repeat purchases per customer, by week
    T = fit.customers["T"].to_numpy()
    simulated = np.array([np.interp(T, weeks, per_customer[:, r]).sum() for r in range(per_customer.shape[1])])
    actual = fit.customers["x"].sum()
    # the data are one draw: their spread is about that of one simulated cohort
    assert abs(simulated.mean() - actual) <= Z * simulated.std(ddof=1) * np.sqrt(1 + 1 / simulated.size)


def test_base_scenario_keeps_its_other_keys(round_trips, root):
    _, fit = round_trips[0]
    base = cxsim.load_scenario(root / "scenarios" / "baseline.toml")
    sc = fit.scenario(base=base)
    assert sc["repeat.rate_shape"] == fit.params["r"] and sc["purchase.price"] == pytest.approx(fit.spend.mean)
    assert sc.population == base.population and sc["advertising.weekly_spend"] == base["advertising.weekly_spend"]


def small_log() -> pd.DataFrame:
    return transaction_log(**TRUE, customers=200, weeks=30, seed=4).assign(date=lambda d: d["date"].dt.date.astype(str))


@pytest.mark.parametrize("change,field,expected", [
    (lambda d: d.drop(columns="amount"), "column 'amount'", "one of the file's columns"),
    (lambda d: d.assign(date=d["date"].where(d.index != 5, "31/02/2024")), "column 'date'", "got '31/02/2024' in data row 6"),
    (lambda d: d.assign(amount=d["amount"].where(d.index != 7, -5.0)), "column 'amount'", "an amount >= 0"),
    (lambda d: d.assign(amount=d["amount"].where(d.index != 7, "ten")), "column 'amount'", "an amount in every row"),
    (lambda d: d[d["customer"] < 20], "column 'customer'", "at least 30 customers"),
    (lambda d: d.assign(customer=d["customer"].where(d.index != 3, None)), "column 'customer'", "a customer id"),
])
def test_bad_logs_are_refused_with_file_and_column(change, field, expected):
    with pytest.raises(DataError) as info:
        fit_transactions(change(small_log()), "customer", "date", "2024-05-01", "amount", source="log.csv")
    message = str(info.value)
    assert message.startswith(f"log.csv: {field}: expected") and expected in message


@pytest.mark.parametrize("end,expected", [("1999-01-01", "on or after the first purchase"),
                                          ("next tuesday", "a date like")])
def test_bad_calibration_end(end, expected):
    with pytest.raises(DataError, match=expected):
        fit_transactions(small_log(), "customer", "date", end if end != "1999-01-01" else "2023-01-01",
                         source="log.csv")


def test_purchases_on_a_schedule_do_not_fit():
    """Everyone buys every week: no spread in rates and no dropout, which BG/NBD cannot describe."""
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta([7 * w + c % 7 for c in range(100) for w in range(60)],
                                                        unit="D")
    log = pd.DataFrame({"customer": np.repeat(np.arange(100), 60), "date": days})
    with pytest.raises(FitError, match="BG/NBD fit did not converge"):
        fit_transactions(log, "customer", "date", "2024-09-01", source="schedule.csv")
