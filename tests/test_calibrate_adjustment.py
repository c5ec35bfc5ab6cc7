"""Regression adjustment of the last ABC generation, on a problem whose posterior is known exactly.

A parameter theta with a flat prior on [0, 10] and one statistic s ~ Normal(theta, 0.2): the posterior given s is
Normal(s, 0.2) (far from the prior's ends). Rejection ABC with tolerance h keeps theta within about h of s, so its
spread is about sqrt(0.2^2 + h^2 / 3): wider than the posterior. The adjustment should bring it back to 0.2.
"""

from __future__ import annotations

import numpy as np
import pytest

from cxsim.calibrate.adjustment import MIN_PARTICLES, LastGeneration, adjust

SIGMA, OBSERVED, TOLERANCE, BOUNDS = 0.2, 5.0, 1.0, [(0.0, 10.0)]


def rejection_abc(seed: int, particles: int = 400, noise_stats: int = 0) -> LastGeneration:
    """The particles rejection ABC keeps within TOLERANCE of OBSERVED (plus statistics that are pure noise)."""
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0, 10, 40 * particles)
    s = theta + rng.normal(0, SIGMA, theta.size)
    keep = np.flatnonzero(np.abs(s - OBSERVED) < TOLERANCE)[:particles]
    stats = np.column_stack([s[keep], rng.normal(0, 1, (keep.size, noise_stats))])
    observed = np.concatenate([[OBSERVED], np.zeros(noise_stats)])
    return LastGeneration(points=theta[keep, None], weights=np.full(keep.size, 1 / keep.size),
                          distances=np.abs(s[keep] - OBSERVED), stats=stats, observed=observed)


def weighted_sd(x: np.ndarray, w: np.ndarray) -> float:
    m = w @ x
    return float(np.sqrt(w @ (x - m) ** 2))


@pytest.mark.parametrize("noise_stats", [0, 60])
def test_the_adjusted_particles_have_the_true_posteriors_centre_and_spread(noise_stats):
    spreads, centres, raw = [], [], []
    for seed in range(10):
        generation = rejection_abc(seed, noise_stats=noise_stats)
        points, weights = adjust(generation, BOUNDS)
        spreads.append(weighted_sd(points[:, 0], weights))
        centres.append(float(weights @ points[:, 0]))
        raw.append(weighted_sd(generation.points[:, 0], generation.weights))
    # ten replications of 400 particles: the spread's sampling error is a few percent of SIGMA
    assert np.mean(spreads) == pytest.approx(SIGMA, rel=0.12)
    assert np.mean(centres) == pytest.approx(OBSERVED, abs=3 * SIGMA / np.sqrt(10))
    assert np.mean(raw) > 2 * SIGMA  # what ABC alone gives: the tolerance's width, not the posterior's


def test_statistics_that_carry_no_information_leave_the_particles_almost_as_abc_left_them():
    rng = np.random.default_rng(0)
    theta = rng.uniform(2, 8, 200)
    generation = LastGeneration(points=theta[:, None], weights=np.full(200, 1 / 200),
                                distances=rng.uniform(0, 1, 200), stats=rng.normal(0, 1, (200, 150)),
                                observed=np.zeros(150))
    points, weights = adjust(generation, BOUNDS)
    assert weighted_sd(points[:, 0], weights) == pytest.approx(weighted_sd(theta, weights), rel=0.1)
    assert float(weights @ points[:, 0]) == pytest.approx(float(weights @ theta), abs=0.2)


def test_adjusted_particles_stay_inside_the_priors_range_and_too_few_are_left_alone():
    generation = rejection_abc(1)
    shifted = LastGeneration(generation.points, generation.weights, generation.distances, generation.stats,
                             generation.observed + 4.0)  # an observed statistic at the edge of what ABC reached
    points, _ = adjust(shifted, BOUNDS)
    assert np.isfinite(points).all() and (points > 0).all() and (points < 10).all()
    few = rejection_abc(2, particles=MIN_PARTICLES - 1)
    assert adjust(few, BOUNDS) is None


def test_a_saved_generation_reads_back_the_same(tmp_path):
    generation = rejection_abc(3, noise_stats=2)
    generation.save(tmp_path / "g.npz")
    again = LastGeneration.load(tmp_path / "g.npz")
    for name in ("points", "weights", "distances", "stats", "observed"):
        np.testing.assert_array_equal(getattr(generation, name), getattr(again, name))
