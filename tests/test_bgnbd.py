"""The BG/NBD closed forms against a direct simulation of the process they describe."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from cxsim.model import bgnbd

# Fader, Hardie & Lee's CDNOW estimates (weeks) and a second set with a > 1.
CDNOW = (0.243, 4.414, 0.793, 2.426)
HEAVY = (2.0, 5.0, 3.0, 6.0)
Z = 4.5  # tolerance in standard errors: a false alarm has probability below 1e-5 per check


def purchase_times(rng: np.random.Generator, n: int, horizon: float, r: float, alpha: float, a: float,
                   b: float) -> list[np.ndarray]:
    """Repeat-purchase times in (0, horizon] of n customers, drawn step by step from the story.

    Purchases arrive as a Poisson process with rate lambda ~ Gamma(r, alpha);
    after each one the customer drops out with probability p ~ Beta(a, b).
    """
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    clock = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    times: list[list[float]] = [[] for _ in range(n)]
    while alive.any():
        idx = np.flatnonzero(alive)
        clock[idx] += rng.exponential(1.0 / lam[idx])
        inside = clock[idx] <= horizon
        for i in idx[inside]:
            times[i].append(clock[i])
        dropped = rng.random(idx.size) < p[idx]
        alive[idx[~inside | dropped]] = False
    return [np.asarray(t) for t in times]


def counts_by(times: list[np.ndarray], t: float) -> np.ndarray:
    return np.array([np.count_nonzero(ts <= t) for ts in times])


@pytest.fixture(scope="module", params=[CDNOW, HEAVY], ids=["cdnow", "heavy"])
def simulated(request):
    params = request.param
    rng = np.random.default_rng(20_050_401)
    return params, purchase_times(rng, 60_000, 104.0, *params)


def test_expected_repeat_purchases_match_simulation(simulated):
    params, times = simulated
    for t in (1.0, 13.0, 52.0, 104.0):
        x = counts_by(times, t)
        se = x.std(ddof=1) / np.sqrt(x.size)
        assert bgnbd.expected_repeat_purchases(t, *params) == pytest.approx(x.mean(), abs=Z * se)


def test_pmf_matches_simulated_frequencies(simulated):
    params, times = simulated
    x = counts_by(times, 39.0)
    values = np.arange(12)
    pmf = bgnbd.repeat_purchase_pmf(values, 39.0, *params)
    observed = np.bincount(x, minlength=values.size)[:values.size] / x.size
    se = np.sqrt(pmf * (1 - pmf) / x.size)
    assert np.all(np.abs(observed - pmf) <= Z * se + 1e-12)
    # and as a whole: a chi-square test on the counts, the tail pooled
    expected = np.append(pmf, 1 - pmf.sum()) * x.size
    got = np.append(observed * x.size, x.size - observed.sum() * x.size)
    keep = expected > 5
    chi2 = ((got[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    assert stats.chi2.sf(chi2, keep.sum() - 1) > 1e-4


@pytest.mark.parametrize("params", [CDNOW, HEAVY, (0.5, 2.0, 1.0, 3.0)])
def test_pmf_is_a_distribution_with_mean_e_x(params):
    x = np.arange(0, 2_000)
    pmf = bgnbd.repeat_purchase_pmf(x, 52.0, *params)
    assert np.all(pmf >= 0)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
    assert (x * pmf).sum() == pytest.approx(bgnbd.expected_repeat_purchases(52.0, *params), rel=1e-6)


def test_near_a_equal_one_the_closed_form_is_continuous():
    r, alpha, b = 0.5, 3.0, 2.0
    at_one = bgnbd.expected_repeat_purchases(np.array([5.0, 30.0]), r, alpha, 1.0, b)
    assert np.all(np.isfinite(at_one))
    for a in (0.99, 1.01):
        assert bgnbd.expected_repeat_purchases(np.array([5.0, 30.0]), r, alpha, a, b) == pytest.approx(at_one, rel=0.02)
    assert bgnbd.expected_repeat_purchases(0.0, r, alpha, 1.0, b) == 0.0


@pytest.mark.parametrize("params", [CDNOW, HEAVY])
def test_likelihood_integrates_to_the_pmf(params):
    """Summing the likelihood of purchase sequences with x purchases in (0, T] gives P(X(T) = x)."""
    T = 30.0
    assert np.exp(bgnbd.log_likelihood(0, 0, T, *params)) == pytest.approx(bgnbd.repeat_purchase_pmf(0, T, *params))
    for x in (1, 2, 5):
        # density of the last purchase at t_x times the volume of the earlier x - 1 ordered times
        def f(tx: float, x: int = x) -> float:
            return float(np.exp(bgnbd.log_likelihood(x, tx, T, *params))) * tx ** (x - 1) / np.prod(range(1, x))
        total, _ = integrate.quad(f, 0, T)
        assert total == pytest.approx(bgnbd.repeat_purchase_pmf(x, T, *params), rel=1e-6)


def test_conditional_expectation_matches_simulation():
    """Customers grouped by calibration history buy, on average, what the formula predicts in the holdout."""
    params = CDNOW
    T, horizon = 39.0, 78.0
    rng = np.random.default_rng(11)
    times = purchase_times(rng, 60_000, horizon, *params)
    x = counts_by(times, T)
    t_x = np.array([ts[ts <= T].max() if n else 0.0 for ts, n in zip(times, x)])
    future = counts_by(times, horizon) - x
    predicted = bgnbd.conditional_expected_purchases(horizon - T, x, t_x, np.full(x.size, T), *params)
    for k in range(0, 6):
        group = x == k
        se = future[group].std(ddof=1) / np.sqrt(group.sum())
        assert predicted[group].mean() == pytest.approx(future[group].mean(), abs=Z * se + 1e-3)
    assert bgnbd.probability_alive(0, 0, T, *params) == 1.0  # no repeat purchase: no chance to drop out yet


def test_conditional_expectation_fallback_agrees_with_closed_form():
    x, t_x, T = np.array([0, 1, 4, 10]), np.array([0.0, 5.0, 20.0, 38.0]), np.full(4, 39.0)
    r, alpha, b = 0.4, 4.0, 2.5
    # a = 1 is computed by quadrature; compare with the closed form just beside it
    at_one = bgnbd.conditional_expected_purchases(26.0, x, t_x, T, r, alpha, 1.0, b)
    beside = bgnbd.conditional_expected_purchases(26.0, x, t_x, T, r, alpha, 1.0005, b)
    assert at_one == pytest.approx(beside, rel=2e-3)
