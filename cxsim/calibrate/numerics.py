"""Numerical helpers shared by the fits."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def hessian(f: Callable[[np.ndarray], float], x: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Hessian of a scalar function by central differences with the given step per coordinate."""
    x = np.asarray(x, dtype=float)
    n = x.size
    h = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            di, dj = np.zeros(n), np.zeros(n)
            di[i], dj[j] = steps[i], steps[j]
            h[i, j] = h[j, i] = (f(x + di + dj) - f(x + di - dj) - f(x - di + dj) + f(x - di - dj)) / (
                4 * steps[i] * steps[j])
    return h


def covariance(h: np.ndarray) -> np.ndarray | None:
    """Inverse of a Hessian of a negative log-likelihood, or None when it is not positive definite."""
    if not np.all(np.isfinite(h)):
        return None
    try:
        np.linalg.cholesky(h)
    except np.linalg.LinAlgError:
        return None
    return np.linalg.inv(h)
