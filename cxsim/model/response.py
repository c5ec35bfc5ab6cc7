"""Money into rates: ad spend through adstock and Hill saturation, and the service pool's capacity, load and quality.

The functions the modules (:mod:`cxsim.model.mechanisms`) use each week on the whole
market; they take scalars or numpy arrays (one value per replication, or per
replication and channel), and curves of them are drawn for the planner.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def spend_at(schedule: float | list[float], week: int) -> float:
    """Spend in ``week`` (0-based) of a constant or a schedule by week (last value held)."""
    if isinstance(schedule, list):
        return float(schedule[min(week, len(schedule) - 1)])
    return float(schedule)


def mean_spend(schedule: float | list[float], weeks: int) -> float:
    """Mean weekly spend over a horizon of ``weeks`` (a constant is itself)."""
    if not isinstance(schedule, list):
        return float(schedule)
    return float(np.mean([spend_at(schedule, w) for w in range(max(weeks, 1))]))


def adstock(spend: ArrayLike, previous: ArrayLike, decay: float) -> ArrayLike:
    """Geometric adstock: A_t = x_t + theta * A_{t-1}."""
    return np.add(spend, np.multiply(decay, previous))


def hill(x: ArrayLike, half_saturation: float, slope: float) -> ArrayLike:
    """Hill saturation x^s / (x^s + K^s), in [0, 1); K = 0 means full effect for any x > 0."""
    x = np.asarray(x, dtype=float)
    if half_saturation == 0:
        return np.where(x > 0, 1.0, 0.0)[()]
    with np.errstate(over="ignore", invalid="ignore"):
        ratio = np.power(np.maximum(x, 0.0) / half_saturation, slope)
        effect = ratio / (1.0 + ratio)
    return np.where(np.isinf(ratio), 1.0, effect)[()]  # x^s beyond float range (tiny K, steep s): full effect


def service_capacity(staff_spend: ArrayLike, cost_per_encounter: float) -> ArrayLike:
    """Service encounters the staff can handle in a week."""
    return np.divide(staff_spend, cost_per_encounter)


def trained_quality(quality: float, training_spend: ArrayLike, half_saturation: float) -> ArrayLike:
    """Quality at normal load: training closes part of the gap to 1."""
    lift = np.divide(training_spend, np.add(training_spend, half_saturation))
    return np.add(quality, np.multiply(np.subtract(1.0, quality), lift))


def service_load(demand: ArrayLike, capacity: ArrayLike) -> ArrayLike:
    """Demand over capacity (inf when there is demand and no capacity, 0 with no demand)."""
    demand = np.asarray(demand, dtype=float)
    capacity = np.asarray(capacity, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        load = np.where(demand > 0, demand / capacity, 0.0)
    return float(load) if load.ndim == 0 else load


def loaded_quality(quality: ArrayLike, load: ArrayLike, sensitivity: float) -> ArrayLike:
    """Quality under load: quality / (1 + s * max(0, load - 1)); 0 with no capacity at all."""
    excess = np.maximum(np.subtract(load, 1.0), 0.0)
    with np.errstate(invalid="ignore"):
        q = np.divide(quality, np.add(1.0, np.multiply(sensitivity, excess)))
    q = np.nan_to_num(q, nan=0.0, posinf=0.0)
    return float(q) if q.ndim == 0 else q
