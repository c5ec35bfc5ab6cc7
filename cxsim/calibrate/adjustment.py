"""Regression adjustment of the last ABC generation: from "near the history" to "at the history".

ABC keeps particles whose summary statistics fall within a tolerance of the
history's, so its posterior is the posterior given statistics *near* the
observed ones: wider than the true posterior, and its 90% intervals hold the
truth more often than 90% of the time. Beaumont, Zhang & Balding (2002,
Genetics 162:2025) correct this: regress each parameter on the statistics over
the accepted particles (weighted by an Epanechnikov kernel of their distance),
and move every particle along the fitted line to where its statistics would
equal the observed ones::

    theta_adjusted = theta - (s - s_observed) . beta

Three choices:

* parameters are regressed on the logit of their place in the prior's range
  (Hamilton et al. 2005, as in the R package ``abc``), so adjusted particles
  stay inside it;
* the statistics (blocks of weeks for each outcome) are about as many as the
  particles (168 for 200 over two years of six outcomes) or more, so
  the regression is a ridge regression, its penalty chosen per parameter by
  weighted leave-one-out error: a parameter the statistics do not predict gets
  a slope near zero and is left about as ABC found it;
* each particle keeps its *leave-one-out* residual, not its in-sample one. With
  nearly as many statistics as particles an in-sample fit explains noise, and
  particles moved by in-sample residuals bunch too tightly (in trial
  calibrations a third of their 90% intervals missed the truth); the leave-one-out residual is
  the error the fit makes on a particle it has not seen, so the spread stays
  honest. The ridge's leave-one-out residuals come in closed form,
  ``e / (1 - leverage)``.

The weights are the particles' importance weights times the kernel. The
adjustment is a few lines of linear algebra on the last generation, no
simulation; ``cxsim`` applies it to every calibration of a history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_PARTICLES = 20  # fewer particles with weight than this: no regression, the ABC particles as they are
EDGE = 1e-6  # share of the prior's range kept between a particle and the range's ends before the logit
ALPHAS = np.logspace(-2, 5, 36)  # ridge penalties tried, on statistics scaled to unit spread


@dataclass(frozen=True)
class LastGeneration:
    """The last ABC-SMC generation, as the adjustment needs it.

    Attributes:
        points: particles x keys, on the priors' sampling scales.
        weights: importance weights (sum to 1).
        distances: each particle's distance to the history.
        stats: particles x summary statistics (flattened).
        observed: the history's summary statistics (flattened alike).
    """

    points: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    stats: np.ndarray
    observed: np.ndarray

    def save(self, path) -> None:
        """Write to a ``.npz`` file (for benchmarks that re-analyse a calibration)."""
        np.savez_compressed(path, points=self.points, weights=self.weights, distances=self.distances,
                            stats=self.stats, observed=self.observed)

    @classmethod
    def load(cls, path) -> LastGeneration:
        """Read what :meth:`save` wrote."""
        with np.load(path) as f:
            return cls(f["points"], f["weights"], f["distances"], f["stats"], f["observed"])


def kernel_weights(generation: LastGeneration) -> np.ndarray:
    """Importance weights times an Epanechnikov kernel of distance, bandwidth just past the farthest particle."""
    d = generation.distances
    h = float(d.max()) * 1.0001 if d.max() > 0 else 1.0
    w = generation.weights * (1.0 - (d / h) ** 2)
    return w / w.sum()


def _logit(u: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    p = np.clip((u - low) / (high - low), EDGE, 1.0 - EDGE)
    return np.log(p / (1.0 - p))


def _expit(z: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return low + (high - low) / (1.0 + np.exp(-z))


def _ridge_loo(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted ridge regression of each column of ``y`` on ``x``, its penalty chosen from :data:`ALPHAS` by
    weighted leave-one-out error: (prediction at x = 0, leave-one-out residuals particles x columns)."""
    xm, ym = w @ x, w @ y
    root = np.sqrt(w)[:, None]
    u, sv, vt = np.linalg.svd(root * (x - xm), full_matrices=False)
    uy = u.T @ (root * (y - ym))  # components x columns
    best = np.full(y.shape[1], np.inf)
    at_zero, loo = ym.copy(), y - ym
    for alpha in ALPHAS:
        shrink = sv ** 2 / (sv ** 2 + alpha)
        fitted = (u * shrink) @ uy / root  # the centred fit, back on the particles' scale
        leverage = (u ** 2) @ shrink + w  # hat matrix diagonal, intercept included (w sums to 1)
        residual = ((y - ym) - fitted) / (1.0 - leverage)[:, None]
        error = w @ residual ** 2
        better = error < best
        if better.any():
            beta = vt.T @ ((sv / (sv ** 2 + alpha))[:, None] * uy)  # statistics x columns
            best[better] = error[better]
            at_zero[better] = (ym - xm @ beta)[better]
            loo[:, better] = residual[:, better]
    return at_zero, loo


def adjust(generation: LastGeneration, bounds: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray] | None:
    """Regression-adjusted particles and their weights, or ``None`` when too few particles carry weight.

    Args:
        generation: the last generation.
        bounds: each key's prior range on its sampling scale.

    Returns:
        (points particles x keys on the sampling scales, weights summing to 1).
    """
    w = kernel_weights(generation)
    keep = w > 0
    if keep.sum() < MIN_PARTICLES:
        return None
    low, high = (np.array(b, dtype=float) for b in zip(*bounds, strict=True))
    y = _logit(generation.points[keep], low, high)
    x = generation.stats[keep] - generation.observed
    wk = w[keep] / w[keep].sum()
    mean = wk @ x
    spread = np.sqrt(wk @ (x - mean) ** 2)
    varies = spread > 1e-12 * max(1.0, float(np.abs(x).max()))
    if not varies.any():
        return None
    at_observed, residuals = _ridge_loo(x[:, varies] / spread[varies], y, wk)
    return _expit(at_observed + residuals, low, high), wk
