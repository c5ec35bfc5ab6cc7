"""The behaviour functions: one definition that gives the same answer one customer at a time and for an array."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from cxsim import behaviour as b
from cxsim import response as r


def test_scalar_and_array_agree_for_every_deterministic_function():
    rng = np.random.default_rng(1)
    sat = rng.uniform(0, 10, 200)
    heard_pos, heard_neg = rng.uniform(0, 1.5, 200), rng.uniform(0, 1.5, 200)
    cases = [
        (lambda x, y: b.awareness_probability(0.03, x, 0.4), heard_pos, heard_neg),
        (lambda x, y: b.credit_to_ads_probability(0.03, x, 0.4), heard_pos, heard_neg),
        (lambda x, y: b.purchase_probability(0.02, 0.01, x, y, 0.2, 0.3), heard_pos, heard_neg),
        (lambda x, y: b.repeat_rate(0.1 + y, x, 7.0, 0.2), sat, heard_neg),
        (lambda x, y: b.dropout_probability(0.2 + 0 * y, x, 7.0, 0.4), sat, heard_neg),
        (lambda x, y: b.churn_probability(y, 0.3), sat, heard_neg),
        (lambda x, y: b.updated_satisfaction(x, 10 * y / 1.5, 0.4), sat, heard_neg),
        (lambda x, y: b.updated_expectation(x / 10, y / 1.5, 0.3), sat, heard_neg),
        (lambda x, y: b.nps_class(x), sat, heard_neg),
        (lambda x, y: b.voice(x, y > 0.5), sat, heard_neg),
    ]
    for fn, xs, ys in cases:
        vector = np.asarray(fn(xs, ys), dtype=float)
        one_by_one = np.array([fn(float(x), float(y)) for x, y in zip(xs, ys)], dtype=float)
        np.testing.assert_allclose(vector, one_by_one, rtol=1e-12, atol=1e-12)


def test_probabilities_stay_in_unit_interval():
    heard = np.linspace(0, 50, 101)
    for p in (b.awareness_probability(0.5, heard, 0.8),
              b.purchase_probability(0.5, 0.5, heard, 0 * heard, 0.5, 0.5),
              b.purchase_probability(0.0, 0.0, 0 * heard, heard, 0.5, 0.5),
              b.churn_probability(heard, 1.0)):
        assert np.all((p >= 0) & (p <= 1))


def test_nps_classes_follow_the_rounded_scale():
    assert [b.nps_class(x) for x in (10.0, 9.0, 8.6, 8.4, 7.0, 6.6, 6.4, 0.0)] == [1, 1, 1, 0, 0, 0, -1, -1]
    assert b.voice(9.5, False) == b.Voice.SILENT
    assert b.voice(9.5, True) == b.Voice.PROMOTER
    assert b.voice(5.0, True) == b.Voice.DETRACTOR


@pytest.mark.parametrize("rate", [0.05, 0.7, 3.0])
def test_poisson_by_inversion_has_the_poisson_distribution(rate):
    rng = np.random.default_rng(7)
    n = 100_000
    k = b.poisson_from_uniform(rng.random(n), np.full(n, rate))
    top = int(stats.poisson.ppf(0.999, rate)) + 1
    observed = np.bincount(np.minimum(k, top), minlength=top + 1)
    expected = stats.poisson.pmf(np.arange(top + 1), rate) * n
    expected[-1] = stats.poisson.sf(top - 1, rate) * n
    keep = expected > 5
    chi2 = (((observed - expected) ** 2 / expected)[keep]).sum()
    assert chi2 < stats.chi2.ppf(0.999, keep.sum() - 1)
    scalar = [b.poisson_from_uniform(float(u), rate) for u in rng.random(5000)]
    assert abs(np.mean(scalar) - rate) < 4 * np.sqrt(rate / 5000)


def test_repeat_week_stops_at_the_dropout_purchase():
    rng = np.random.default_rng(3)
    n = 200_000
    rate, dropout = np.full(n, 1.5), np.full(n, 0.3)
    bought, dropped = b.repeat_week(rng, rate, dropout)
    # P(drop this week) = sum_k P(K=k) (1 - 0.7^k) = 1 - exp(-rate * 0.3)
    expected = 1 - np.exp(-1.5 * 0.3)
    assert abs(dropped.mean() - expected) < 4 * np.sqrt(expected * (1 - expected) / n)
    assert np.all(bought[~dropped] >= 0) and np.all(bought[dropped] >= 1)


def test_experience_score_follows_disconfirmation():
    rng = np.random.default_rng(0)
    better = b.experience_score(rng, 0.9, 0.7, 1.0, 0.0)
    worse = b.experience_score(rng, 0.5, 0.7, 1.0, 0.0)
    assert better == pytest.approx(10.0)  # 10 * (0.9 + 0.2) = 11, clipped to 10
    assert worse == pytest.approx(3.0)
    assert b.experienced_quality(0.8, 0.4, 0.5, 0) == 0.8
    assert b.experienced_quality(0.8, 0.4, 0.5, 2) == pytest.approx(0.6)


def test_adstock_hill_and_load():
    assert r.adstock(100.0, 50.0, 0.5) == 125.0
    assert r.hill(10.0, 10.0, 2.0) == pytest.approx(0.5)
    assert r.hill(0.0, 10.0, 1.0) == 0.0
    assert r.hill(5.0, 0.0, 1.0) == 1.0
    assert r.service_load(0, 100) == 0.0
    assert r.loaded_quality(0.8, 0.5, 1.0) == pytest.approx(0.8)
    assert r.loaded_quality(0.8, 2.0, 1.0) == pytest.approx(0.4)
    assert r.spend_at([1.0, 2.0, 3.0], 10) == 3.0
