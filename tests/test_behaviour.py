"""The behaviour functions, the rules that assemble them, and the random numbers they draw."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from cxsim.model import behaviour as b
from cxsim.model import draws as d
from cxsim.model import response as r
from cxsim.model import rules


def test_probabilities_stay_in_unit_interval():
    for heard in np.linspace(0, 50, 101):
        for p in (b.awareness_probability(0.5, heard, 0.8), b.purchase_probability(0.5, 0.5, heard, 0.0, 0.5, 0.5),
                  b.purchase_probability(0.0, 0.0, 0.0, heard, 0.5, 0.5), b.churn_probability(heard, 1.0)):
            assert 0.0 <= p <= 1.0


def test_nps_classes_follow_the_rounded_scale():
    assert [b.nps_class(x) for x in (10.0, 9.0, 8.6, 8.4, 7.0, 6.6, 6.4, 0.0)] == [1, 1, 1, 0, 0, 0, -1, -1]
    assert b.voice(9.5, False) == b.Voice.SILENT
    assert b.voice(9.5, True) == b.Voice.PROMOTER
    assert b.voice(7.5, True) == b.Voice.PASSIVE
    assert b.voice(5.0, True) == b.Voice.DETRACTOR
    sat = np.array([9.5, 7.5, 5.0, 9.5])
    assert b.voices(sat, np.array([True, True, True, False])).tolist() == [1, 2, 3, 0]


def test_survey_counts_active_customers_by_nps_class_per_market():
    rng = np.random.default_rng(3)
    stage = rng.integers(0, len(b.Stage), 3_000).astype(np.int8)
    answer = rng.uniform(0.0, 11.0, 3_000)
    answer[:40] = [b.PROMOTER_CUTOFF, b.DETRACTOR_CUTOFF] * 20  # on the cutoffs
    expected = []
    for g in range(3):
        block = range(g * 1_000, (g + 1) * 1_000)
        classes = [b.nps_class(answer[i]) for i in block if stage[i] in (b.Stage.CUSTOMER, b.Stage.REPEAT)]
        expected.append([len(classes), classes.count(1), classes.count(-1)])
    assert b.survey_counts(stage, answer, 3).tolist() == expected


def test_experience_score_follows_disconfirmation():
    assert b.experience_score(0.9, 0.7, 1.0, 0.0, 0.0) == pytest.approx(10.0)  # 10 * (0.9 + 0.2) = 11, clipped
    assert b.experience_score(0.5, 0.7, 1.0, 0.0, 0.0) == pytest.approx(3.0)
    assert b.experience_score(0.5, 0.7, 1.0, 1.5, 0.5) == pytest.approx(4.0)
    assert b.experienced_quality(0.8, 0.4, 0.5, 0) == 0.8
    assert b.experienced_quality(0.8, 0.4, 0.5, 2) == pytest.approx(0.6)


def test_uniforms_are_uniform_and_independent_across_people_weeks_and_decisions():
    key = d.replication_key(7, 0)
    people = np.arange(200_000)
    u = d.uniforms(key, d.Decision.AWARE, 3, people)
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    v = d.uniforms(key, d.Decision.CREDIT, 3, people)  # another decision of the same people
    w = d.uniforms(key, d.Decision.AWARE, 4, people)   # the same decision a week later
    x = d.uniforms(d.replication_key(7, 1), d.Decision.AWARE, 3, people)  # another replication
    for other in (v, w, x):
        assert abs(np.corrcoef(u, other)[0, 1]) < 4 / np.sqrt(people.size)
    assert np.array_equal(u, d.uniforms(key, d.Decision.AWARE, 3, people))  # a pure function


def test_one_persons_draws_do_not_depend_on_anyone_else():
    key = d.replication_key(3, 0)
    everyone = d.uniforms(key, d.Decision.FIRST_BUY, 10, np.arange(1000))
    some = d.uniforms(key, d.Decision.FIRST_BUY, 10, np.array([999, 5, 500]))
    assert some.tolist() == [everyone[999], everyone[5], everyone[500]]


def _draw(fn, n: int, *args) -> np.ndarray:
    key = d.replication_key(11, 0)
    return np.array([fn(d.uniform(key, d.Decision.REPEAT, 1, i, 0), *args) for i in range(n)])


@pytest.mark.parametrize("rate", [0.05, 0.7, 3.0])
def test_poisson_by_inversion_has_the_poisson_distribution(rate):
    n = 50_000
    k = _draw(d.poisson, n, rate)
    top = int(stats.poisson.ppf(0.999, rate)) + 1
    observed = np.bincount(np.minimum(k, top), minlength=top + 1)
    expected = stats.poisson.pmf(np.arange(top + 1), rate) * n
    expected[-1] = stats.poisson.sf(top - 1, rate) * n
    keep = expected > 5
    chi2 = (((observed - expected) ** 2 / expected)[keep]).sum()
    assert chi2 < stats.chi2.ppf(0.999, keep.sum() - 1)


def test_poisson_shortcut_for_no_purchase_is_exactly_the_full_inversion():
    """The shortcut (no exponential below 1 - rate) gives every draw the full rule gives, at the edges too."""
    rng = np.random.default_rng(3)
    rates = np.concatenate([[0.0, 1e-300, 1e-17, 1e-9, 1e-4, 0.5, 1.0, 1.5], rng.gamma(0.5, 0.5, 3000)])
    for rate in rates:
        edge = 1.0 - rate
        us = np.concatenate([rng.random(20), [0.0, edge, np.nextafter(edge, 0), np.nextafter(edge, 1), edge - 1e-12,
                                             math.exp(-rate), np.nextafter(math.exp(-rate), 1)]])
        for u in us[(us >= 0) & (us < 1)]:
            assert d.poisson(float(u), float(rate)) == d.poisson_inversion(float(u), float(rate)), (u, rate)


def test_normal_by_box_muller_is_standard_normal():
    key = d.replication_key(5, 2)
    z = np.array([d.normal(key, d.Decision.SCORE_NOISE, 2, i) for i in range(50_000)])
    assert stats.kstest(z, "norm").pvalue > 1e-3


def test_repeat_week_stops_at_the_dropout_purchase():
    """P(drop this week) = sum_k P(K=k) (1 - (1-p)^k) = 1 - exp(-rate p); buyers only can drop."""
    c = np.zeros(rules.N_CONSTANTS)
    t = np.zeros(13)
    key, n = d.replication_key(3, 0), 100_000
    out = [rules.repeat_week(c, t, key, 1, i, 1.5, 0.3, 7.0, 0.0, False, 0) for i in range(n)]
    bought = np.array([o[0] for o in out])
    dropped = np.array([o[1] for o in out])
    expected = 1 - np.exp(-1.5 * 0.3)
    assert abs(dropped.mean() - expected) < 4 * np.sqrt(expected * (1 - expected) / n)
    assert np.all(bought[dropped] >= 1)
    j = np.arange(1, 60)  # E[min(K, G)] = sum_j P(K >= j) P(G >= j)
    mean = float((stats.poisson.sf(j - 1, 1.5) * 0.7 ** (j - 1)).sum())
    assert abs(bought.mean() - mean) < 4 * bought.std() / np.sqrt(n)


def test_adstock_hill_and_load():
    assert r.adstock(100.0, 50.0, 0.5) == 125.0
    assert r.hill(10.0, 10.0, 2.0) == pytest.approx(0.5)
    assert r.hill(0.0, 10.0, 1.0) == 0.0
    assert r.hill(5.0, 0.0, 1.0) == 1.0
    assert r.service_load(0, 100) == 0.0
    assert r.loaded_quality(0.8, 0.5, 1.0) == pytest.approx(0.8)
    assert r.loaded_quality(0.8, 2.0, 1.0) == pytest.approx(0.4)
    assert r.spend_at([1.0, 2.0, 3.0], 10) == 3.0
