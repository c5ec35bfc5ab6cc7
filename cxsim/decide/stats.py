"""The one paired interval: the mean of paired differences and its Student-t confidence interval.

Plans run with the same seed are paired replication by replication (common random
numbers), so the difference of a KPI between two plans is a sample of its own; its
mean has a t interval. Over plausible worlds each world's mean over its replications
is one observation (the worlds are the independent draws).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

LEVEL = 0.9  # every interval cxsim shows is 90% unless it says otherwise
WORLD_REPLICATIONS = 2
"""Runs per plan and world under uncertainty: more worlds teach more than more runs of one world (the paired
runs of a world differ little next to the worlds' spread; benchmarks/bench_uncertain.py has the cost)."""


def mean_interval(values, level: float = LEVEL) -> tuple[float, float, float]:
    """Mean of a sample (non-finite values left out) and the Student-t ``level`` interval of that mean.

    A sample of shape (worlds, replications) with more than one world counts each world's mean once.
    """
    v = np.asarray(values, dtype=float)
    if v.ndim == 2 and v.shape[0] > 1:
        v = v.mean(axis=1)
    v = v.ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (math.nan,) * 3
    mean = float(v.mean())
    if v.size < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf((1 + level) / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
    return mean, mean - half, mean + half


def paired(base, other, kpi: str) -> np.ndarray:
    """``other - base`` of a KPI, replication by replication (two ``Results`` run with one seed)."""
    a = base.summary().set_index("replication")[kpi]
    b = other.summary().set_index("replication")[kpi]
    return (b - a).dropna().to_numpy(dtype=float)


def paired_difference(a, b, kpi: str, level: float = LEVEL) -> tuple[float, float, float]:
    """Mean of ``b - a`` over replications paired by seed, with a t confidence interval of that mean."""
    return mean_interval(paired(a, b, kpi), level)


def weighted_quantile(x: np.ndarray, q: float, weights: np.ndarray | None = None) -> float:
    """The ``q`` quantile of ``x`` (numpy's linear rule without weights; the weighted CDF's inverse with them)."""
    x = np.asarray(x, dtype=float).ravel()
    if weights is None:
        return float(np.quantile(x, q))
    w = np.asarray(weights, dtype=float).ravel()
    order = np.argsort(x, kind="stable")
    cdf = np.cumsum(w[order]) / w.sum()
    return float(x[order][min(np.searchsorted(cdf, q), x.size - 1)])
