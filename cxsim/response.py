"""Money into rates: adstock, Hill saturation, service capacity and load.

These act on the whole market each week, so both engines call them once per
step with scalars; they accept numpy arrays too (for curves and batches).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from cxsim.scenario import ScenarioConfig


def spend_at(schedule: float | list[float], week: int) -> float:
    """Spend in ``week`` (0-based) of a constant or a schedule by week (last value held)."""
    if isinstance(schedule, list):
        return float(schedule[min(week, len(schedule) - 1)])
    return float(schedule)


def adstock(spend: ArrayLike, previous: ArrayLike, decay: float) -> ArrayLike:
    """Geometric adstock: A_t = x_t + theta * A_{t-1}."""
    return np.add(spend, np.multiply(decay, previous))


def hill(x: ArrayLike, half_saturation: float, slope: float) -> ArrayLike:
    """Hill saturation x^s / (x^s + K^s), in [0, 1); K = 0 means full effect for any x > 0."""
    x = np.asarray(x, dtype=float)
    if half_saturation == 0:
        return np.where(x > 0, 1.0, 0.0)[()]
    ratio = np.power(np.maximum(x, 0.0) / half_saturation, slope)
    return (ratio / (1.0 + ratio))[()]


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


@dataclass(frozen=True)
class WeekConditions:
    """What the market looks like in one week, the same for every customer."""

    ad_spend: float
    adstock: float
    ad_pressure: float        # Hill-saturated adstock, 0-1
    ad_reach: float           # weekly probability an unaware person becomes aware through ads
    ad_persuasion: float      # extra weekly purchase probability for aware people
    ad_expectation: float     # expected quality an ad-exposed newcomer forms (0-1)
    staff_spend: float
    training_spend: float
    capacity: float
    load: float | np.ndarray             # one per replication when several run side by side
    service_quality: float | np.ndarray  # experienced quality of a service encounter this week (0-1)


def week_conditions(cfg: ScenarioConfig, week: int, previous_adstock: float,
                    previous_demand: float | np.ndarray) -> WeekConditions:
    """The week's ad pressure and service quality.

    Service staff meet this week at the load of last week's demand: capacity is
    planned, queues build from what came in.
    """
    ads, svc = cfg.advertising, cfg.service
    spend = spend_at(ads.weekly_spend, week)
    stock = float(adstock(spend, previous_adstock, ads.adstock_decay))
    pressure = float(hill(stock, ads.half_saturation, ads.hill_slope))
    capacity = float(service_capacity(svc.weekly_spend, svc.cost_per_encounter))
    load = service_load(previous_demand, capacity)
    base_quality = float(trained_quality(svc.quality, svc.training_weekly_spend, svc.training_half_saturation))
    return WeekConditions(
        ad_spend=spend,
        adstock=stock,
        ad_pressure=pressure,
        ad_reach=ads.max_awareness_rate * pressure,
        ad_persuasion=ads.max_persuasion * pressure,
        ad_expectation=min(1.0, cfg.satisfaction.expectation_prior + ads.overpromise * pressure),
        staff_spend=svc.weekly_spend,
        training_spend=svc.training_weekly_spend,
        capacity=capacity,
        load=load,
        service_quality=loaded_quality(base_quality, load, svc.overload_sensitivity),
    )
