"""Bass calibration: round trips through cxsim's own Bass limit, the continuous curve, bad data."""

from __future__ import annotations

import numpy as np
import pytest

import cxsim
from cxsim.calibrate import DataError, FitError, fit_adoption
from cxsim.calibrate.adoption import bass_cdf, bass_recursion, discrete_cdf

Z = 4.0  # tolerance in standard errors; with a dozen estimates a false alarm has probability < 0.1%


def bass_runs(p: float, q: float, population: int, weeks: int, replications: int, seed: int) -> list[np.ndarray]:
    """New customers per week of independent runs of the Bass limit."""
    ts = cxsim.simulate(cxsim.scenario.presets.bass(p, q, population, weeks), replications=replications, seed=seed,
                        keep_customers=False).timeseries
    ts = ts[ts["step"] > 0]
    return [g["new_customers"].to_numpy(float) for _, g in ts.groupby("replication")]


def check_recovery(fits, truth: dict[str, float], which: str = "weekly") -> None:
    """Every estimate within Z standard errors, and the standard errors match the spread of the estimates."""
    for name, true in truth.items():
        est = np.array([getattr(f, which).params[name] for f in fits])
        se = np.array([getattr(f, which).std_errors[name] for f in fits])
        assert np.all(np.abs(est - true) <= Z * se), (name, est, se)
        # the reported error is honest: the spread over independent data sets is of its size
        ratio = est.std(ddof=1) / se.mean()
        assert 0.5 < ratio < 2.0, (name, ratio)


def test_recursion_and_curve_agree_for_small_steps():
    t = np.linspace(0, 400, 401)
    p, q = 0.002, 0.02  # a weekly step is a small Euler step: the two curves nearly coincide
    assert np.max(np.abs(bass_recursion(400, p, q) - bass_cdf(t, p, q))) < 0.01
    assert discrete_cdf(np.array([2.5]), 0.1, 0.5)[0] == pytest.approx(np.mean(bass_recursion(3, 0.1, 0.5)[2:4]))


def test_weekly_fit_recovers_a_saturated_market():
    """p = 0.03, q = 0.38 (the meta-analytic means) on 10,000 people who all adopt within a year."""
    fits = [fit_adoption(y) for y in bass_runs(0.03, 0.38, 10_000, 52, replications=12, seed=1)]
    check_recovery(fits, {"p": 0.03, "q": 0.38})
    assert all(f.weekly.exhausted and f.weekly.params["m"] == pytest.approx(10_000) for f in fits)
    # the continuous curve's p is not the weekly hazard: a weekly step is a coarse Euler step here
    assert np.mean([f.params["p"] for f in fits]) < 0.027


def test_weekly_fit_recovers_market_size_before_saturation():
    """Cut at 26 weeks, before everyone has adopted: m is estimated with an error."""
    fits = [fit_adoption(y) for y in bass_runs(0.01, 0.2, 5_000, 26, replications=12, seed=2)]
    assert not any(f.weekly.exhausted for f in fits)
    check_recovery(fits, {"p": 0.01, "q": 0.2, "m": 5_000})


def test_monthly_periods_recover_weekly_hazards():
    """Four-week periods: the recursion is run week by week inside each period."""
    runs = bass_runs(0.01, 0.2, 5_000, 80, replications=12, seed=3)
    fits = [fit_adoption(y.reshape(-1, 4).sum(axis=1), weeks_per_period=4.0) for y in runs]
    check_recovery(fits, {"p": 0.01, "q": 0.2})


def test_continuous_fit_recovers_the_curve_it_assumes():
    """Independent Poisson noise around m (F(t) - F(t-1)): Srinivasan & Mason's setting."""
    p, q, m = 0.02, 0.35, 20_000
    mean = m * np.diff(bass_cdf(np.arange(31.0), p, q))
    rng = np.random.default_rng(7)
    fits = [fit_adoption(rng.poisson(mean)) for _ in range(12)]
    check_recovery(fits, {"p": p, "q": q, "m": m}, which="continuous")
    lo, hi = fits[0].intervals["q"]
    assert lo < fits[0].params["q"] < hi


def test_cumulative_input_is_the_same_fit():
    y = bass_runs(0.02, 0.3, 3_000, 30, replications=1, seed=4)[0]
    a, b = fit_adoption(y), fit_adoption(np.cumsum(y), cumulative=True)
    assert a.params == pytest.approx(b.params) and a.weekly.params == pytest.approx(b.weekly.params)


def test_scenario_is_the_bass_limit_of_the_fit():
    y = bass_runs(0.02, 0.3, 3_000, 30, replications=1, seed=5)[0]
    fit = fit_adoption(y)
    sc = fit.scenario()
    w = fit.weekly.params
    assert sc["advertising.max_awareness_rate"] == pytest.approx(w["p"])
    assert sc["wom.awareness_effect"] == pytest.approx(w["q"])
    assert sc["market.population"] == round(w["m"])
    assert sc["purchase.buy_on_awareness"] == 1.0 and sc["advertising.half_saturation"] == 0.0
    assert sc.weeks == 30


@pytest.mark.parametrize("values,kwargs,expected", [
    ([5, 10, 20], {}, "at least 5 periods"),
    ([5, 10, -3, 20, 10, 4], {}, "new customers >= 0"),
    ([5, 10, 20, 15, 30, 40], {"cumulative": True}, "never fall"),
    ([5, 10, float("nan"), 20, 10, 4], {}, "a number in every period"),
    ([0, 0, 0, 0, 7, 0, 0], {}, "at least 3 periods"),
])
def test_bad_series_is_refused_with_the_reason(values, kwargs, expected):
    with pytest.raises(DataError, match=expected) as info:
        fit_adoption(values, source="launch.csv", field_name="column 'new'", **kwargs)
    assert str(info.value).startswith("launch.csv: column 'new': expected")


def test_a_series_without_a_peak_does_not_give_a_market_size():
    growing = 10 * 1.2 ** np.arange(20)  # still accelerating: any larger market fits as well
    with pytest.raises(FitError, match="did not converge.*past the peak"):
        fit_adoption(growing, source="launch.csv")
