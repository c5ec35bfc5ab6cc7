"""Money into rates: adstock, Hill saturation, service capacity and load; the organisation's dynamics.

These act on the whole market each week, so both engines call them once per
step with scalars; they accept numpy arrays too (for curves and batches, where
replications run side by side each market-level value may be one per replication).
The organisation (the feedback loop and the staff) carries state from week to
week in :class:`Organisation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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


# --- short-term pressure: handle-time targets ---------------------------------------------

def pressured_capacity(capacity: ArrayLike, target: float) -> ArrayLike:
    """Encounters handled when each must end within ``target`` of the time it needs."""
    return np.divide(capacity, target)


def pressured_quality(quality: ArrayLike, target: float, quality_cost: float) -> ArrayLike:
    """Quality of a rushed encounter: quality x (1 - c (1 - target))."""
    return np.multiply(quality, 1.0 - quality_cost * (1.0 - target))


def failure_demand(demand: ArrayLike, target: float, recontact: float) -> ArrayLike:
    """Demand with the contacts that come back because rushed ones left the problem unsolved."""
    return np.multiply(demand, 1.0 + recontact * (1.0 - target))


# --- channels: waiting -------------------------------------------------------------------

def wait_hours(response_hours: ArrayLike, load: ArrayLike) -> ArrayLike:
    """Time to an answer: the channel's response time, stretched by load above capacity."""
    return np.multiply(response_hours, np.maximum(load, 1.0))


def timeliness(wait: ArrayLike, patience_hours: float, wait_weight: float) -> ArrayLike:
    """Share of an encounter's quality left after the wait: 1 - w wait / (wait + patience)."""
    wait = np.asarray(wait, dtype=float)
    with np.errstate(invalid="ignore"):
        waited = np.where(np.isinf(wait), 1.0, wait / (wait + patience_hours))
    return (1.0 - wait_weight * waited)[()]


# --- the closed feedback loop --------------------------------------------------------------

def fed_back(bad_experiences: ArrayLike, purchases: ArrayLike, share: float) -> ArrayLike:
    """Share of the week's experiences reported as bad through the loop (0 in a week without purchases)."""
    purchases = np.asarray(purchases, dtype=float)
    return share * np.divide(bad_experiences, purchases, out=np.zeros_like(purchases), where=purchases > 0)


def feedback_lift(fixes: ArrayLike, effect: float) -> ArrayLike:
    """Share of the gap between service quality and 1 closed by the fixes in place: 1 - exp(-effect x fixes)."""
    return -np.expm1(-effect * np.asarray(fixes, dtype=float))


def lifted_quality(quality: ArrayLike, lift: ArrayLike) -> ArrayLike:
    """Quality with a share ``lift`` of its gap to 1 closed."""
    return np.add(quality, np.multiply(np.subtract(1.0, quality), lift))


# --- employees: the service-profit chain ----------------------------------------------------

def engagement_target(initial: float, investment: ArrayLike, half_saturation: float, load: ArrayLike,
                      overload_strain: float, pressure_strain: float) -> ArrayLike:
    """Engagement that staff move toward: investment closes part of the gap to 1; overload and pressure erode it."""
    lift = np.divide(investment, np.add(investment, half_saturation))
    target = initial + (1.0 - initial) * lift - overload_strain * np.maximum(np.subtract(load, 1.0), 0.0)
    return np.clip(target - pressure_strain, 0.0, 1.0)


def next_engagement(engagement: ArrayLike, target: ArrayLike, lag_weeks: float) -> ArrayLike:
    """Engagement a week later: a first-order delay of mean ``lag_weeks`` toward the target."""
    return np.add(engagement, np.divide(np.subtract(target, engagement), lag_weeks))


def weekly_turnover(annual: float, engagement: ArrayLike, initial: float, sensitivity: float) -> ArrayLike:
    """Share of staff leaving in a week: annual / 52 at the initial engagement, less when more engaged."""
    return np.clip(annual / 52.0 * np.exp(-sensitivity * np.subtract(engagement, initial)), 0.0, 1.0)


def next_novice_share(novices: ArrayLike, turnover: ArrayLike, ramp_weeks: float) -> ArrayLike:
    """Share of staff still learning a week later: leavers replaced by new hires, who learn in ``ramp_weeks``."""
    return (np.multiply(novices, np.subtract(1.0, turnover)) + turnover) * (1.0 - 1.0 / ramp_weeks)


def steady_novice_share(turnover: float, ramp_weeks: float) -> float:
    """Share of staff learning when turnover and learning balance (the fixed point of ``next_novice_share``)."""
    stay = 1.0 - 1.0 / ramp_weeks
    return float(turnover * stay / (1.0 - (1.0 - turnover) * stay))


def people_quality(quality: ArrayLike, engagement: ArrayLike, initial_engagement: float, quality_effect: float,
                   novices: ArrayLike, novice_gap: float) -> ArrayLike:
    """Quality of proficient staff moved by engagement (against where it started), less new hires' shortfall."""
    moved = np.add(quality, quality_effect * np.subtract(engagement, initial_engagement))
    return np.clip(moved - novice_gap * np.asarray(novices), 0.0, 1.0)


def replacement_cost(turnover: ArrayLike, staff_spend: float, replacement_weeks: float) -> ArrayLike:
    """Cost of the week's leavers: their share of the staff budget times the weeks of pay a replacement costs."""
    return np.multiply(turnover, staff_spend * replacement_weeks)


@dataclass(frozen=True)
class Organisation:
    """The organisation's state at the start of a week, one value per replication.

    Attributes:
        pipeline: feedback captured and not yet acted on (shares of a week's experiences reported bad, summed).
        fixes: feedback acted on: fixes in place, in the same units.
        engagement: share of staff engaged (``employees.enabled``).
        novices: share of staff still learning the job.
    """

    pipeline: np.ndarray
    fixes: np.ndarray
    engagement: np.ndarray
    novices: np.ndarray


def initial_organisation(cfg: ScenarioConfig, replications: int = 1) -> Organisation:
    """The organisation at week 0: no feedback yet, staff at their initial engagement and learning mix."""
    emp = cfg.employees
    zeros = np.zeros(replications)
    turnover = float(weekly_turnover(emp.annual_turnover, emp.initial_engagement, emp.initial_engagement, 0.0))
    return Organisation(pipeline=zeros, fixes=zeros.copy(), engagement=np.full(replications, emp.initial_engagement),
                        novices=np.full(replications, steady_novice_share(turnover, emp.ramp_weeks)))


def next_organisation(cfg: ScenarioConfig, org: Organisation, week: WeekConditions,
                      bad_experiences: np.ndarray, purchases: np.ndarray) -> Organisation:
    """The organisation a week later, from what this week's customers reported and the staff went through.

    Args:
        bad_experiences, purchases: this week's counts, one per replication.
    """
    if cfg.feedback.share > 0:
        fb = cfg.feedback
        captured = fed_back(bad_experiences, purchases, fb.share)
        done = org.pipeline + captured if fb.lag_weeks < 1 else org.pipeline / fb.lag_weeks
        org = replace(org, pipeline=org.pipeline + captured - done, fixes=org.fixes + done)
    if cfg.employees.enabled:
        emp, press = cfg.employees, cfg.pressure
        target = engagement_target(emp.initial_engagement, week.people_investment, emp.half_saturation, week.load,
                                   emp.overload_strain, press.strain * (1.0 - press.handle_time_target))
        org = replace(org, engagement=next_engagement(org.engagement, target, emp.lag_weeks),
                      novices=next_novice_share(org.novices, week.staff_turnover, emp.ramp_weeks))
    return org


def _one(value: ArrayLike) -> float | np.ndarray:
    """A market-level value as a float when it is one number (one replication), else the array."""
    value = np.asarray(value, dtype=float)
    return float(value.reshape(-1)[0]) if value.size == 1 else value


@dataclass(frozen=True)
class ChannelConditions:
    """One week of every service channel; arrays of shape (replications, channels)."""

    capacity: np.ndarray   # (channels,)
    total_load: np.ndarray  # (replications,): all channels' demand over all their capacity
    load: np.ndarray
    wait_hours: np.ndarray
    quality: np.ndarray    # experienced quality of an encounter in the channel (0-1)


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
    ad_expectation_lift: float = 0.0     # rise in expected quality the ads create (0-1)
    people_spend: float = 0.0            # employee programmes (employees.weekly_spend)
    people_investment: float = 0.0       # what moves engagement: people programmes and training
    engagement: float | np.ndarray = float("nan")      # share of staff engaged (nan: staff not modelled)
    staff_turnover: float | np.ndarray = float("nan")  # share of staff leaving this week
    turnover_cost: float | np.ndarray = 0.0
    feedback_lift: float | np.ndarray = 0.0  # share of the quality gap closed by the feedback loop
    channels: ChannelConditions | None = field(default=None, repr=False)


def _organisation_quality(cfg: ScenarioConfig, quality: ArrayLike, org: Organisation | None,
                          lift: np.ndarray | None) -> ArrayLike:
    """Quality at normal load moved by the feedback loop, the staff and handle-time targets.

    ``quality`` is a float, or one value per channel; the result gains a leading
    replication axis when the organisation's state is per replication.
    """
    per_rep = org is not None and (cfg.feedback.share > 0 or cfg.employees.enabled)
    if per_rep:
        quality = np.multiply.outer(np.ones(org.fixes.size), quality) if np.ndim(quality) else np.full(
            org.fixes.size, quality)
    if lift is not None:
        quality = lifted_quality(quality, lift.reshape(-1, *([1] * (np.ndim(quality) - 1))))
    if cfg.employees.enabled and org is not None:
        emp = cfg.employees
        shape = (-1, *([1] * (np.ndim(quality) - 1)))
        quality = people_quality(quality, org.engagement.reshape(shape), emp.initial_engagement, emp.quality_effect,
                                 org.novices.reshape(shape), emp.novice_quality_gap)
    target = cfg.pressure.handle_time_target
    if target < 1:
        quality = pressured_quality(quality, target, cfg.pressure.quality_cost)
    return quality


def channel_conditions(cfg: ScenarioConfig, base_quality: ArrayLike, previous_demand: np.ndarray) -> ChannelConditions:
    """Each channel's capacity, load, wait and experienced quality this week.

    Args:
        base_quality: quality at normal load per channel, shape (channels,) or (replications, channels).
        previous_demand: last week's encounters per channel, shape (replications, channels).
    """
    svc, omni, target = cfg.service, cfg.omnichannel, cfg.pressure.handle_time_target
    chans = list(cfg.channels.values())
    share = np.array([c.staff_share for c in chans])
    cost = np.array([c.cost_per_encounter or svc.cost_per_encounter for c in chans])
    capacity = service_capacity(svc.weekly_spend * share, cost)
    demand = previous_demand
    if target < 1:
        capacity = pressured_capacity(capacity, target)
        demand = failure_demand(demand, target, cfg.pressure.recontact)
    load = np.atleast_2d(service_load(demand, np.broadcast_to(capacity, np.shape(demand))))
    total_load = np.atleast_1d(service_load(np.sum(demand, axis=1), capacity.sum()))
    wait = wait_hours(np.array([c.response_hours for c in chans]), load)
    quality = loaded_quality(base_quality, load, svc.overload_sensitivity)
    quality = np.atleast_2d(quality * timeliness(wait, omni.patience_hours, omni.wait_weight))
    return ChannelConditions(capacity=capacity, total_load=total_load, load=load, wait_hours=wait, quality=quality)


def channel_base_quality(cfg: ScenarioConfig) -> np.ndarray:
    """Each channel's quality at normal load with training, before the organisation moves it."""
    svc = cfg.service
    own = np.array([svc.quality if c.quality is None else c.quality for c in cfg.channels.values()])
    return trained_quality(own, svc.training_weekly_spend, svc.training_half_saturation)


def week_conditions(cfg: ScenarioConfig, week: int, previous_adstock: float,
                    previous_demand: float | np.ndarray, org: Organisation | None = None,
                    previous_channel_demand: np.ndarray | None = None) -> WeekConditions:
    """The week's ad pressure and service quality.

    Service staff meet this week at the load of last week's demand: capacity is
    planned, queues build from what came in. The organisation (feedback loop,
    staff) moves the quality staff deliver; channels each have their own load.

    Args:
        previous_demand: last week's encounters (one per replication when several run side by side).
        org: the organisation at the start of the week (needed by the feedback loop and the staff).
        previous_channel_demand: last week's encounters per channel, (replications, channels).
    """
    ads, svc = cfg.advertising, cfg.service
    spend = spend_at(ads.weekly_spend, week)
    stock = float(adstock(spend, previous_adstock, ads.adstock_decay))
    pressure = float(hill(stock, ads.half_saturation, ads.hill_slope))
    capacity = float(service_capacity(svc.weekly_spend, svc.cost_per_encounter))
    demand, target = previous_demand, cfg.pressure.handle_time_target
    if target < 1:
        capacity = float(pressured_capacity(capacity, target))
        demand = failure_demand(demand, target, cfg.pressure.recontact)
    load = service_load(demand, capacity)
    base_quality = float(trained_quality(svc.quality, svc.training_weekly_spend, svc.training_half_saturation))
    extra: dict = {}
    lift = None
    if org is not None and cfg.feedback.share > 0:
        lift = feedback_lift(org.fixes, cfg.feedback.effect)
        extra["feedback_lift"] = _one(lift)
    emp = cfg.employees
    if org is not None and emp.enabled:
        turnover = weekly_turnover(emp.annual_turnover, org.engagement, emp.initial_engagement,
                                   emp.turnover_sensitivity)
        extra.update(engagement=_one(org.engagement), staff_turnover=_one(turnover),
                     turnover_cost=_one(replacement_cost(turnover, svc.weekly_spend, emp.replacement_cost_weeks)),
                     people_spend=emp.weekly_spend, people_investment=emp.weekly_spend + svc.training_weekly_spend)
    base_quality = _organisation_quality(cfg, base_quality, org, lift)
    service_quality = loaded_quality(base_quality, load, svc.overload_sensitivity)
    if cfg.channels:
        chans = channel_conditions(cfg, _organisation_quality(cfg, channel_base_quality(cfg), org, lift),
                                   previous_channel_demand)
        extra["channels"] = chans
        capacity, load = float(chans.capacity.sum()), _one(chans.total_load)
        # what an encounter was like on average: channels weighted by last week's encounters
        weights = np.asarray(previous_channel_demand, dtype=float)
        preference = np.array([c.preference for c in cfg.channels.values()])
        weights = np.where(weights.sum(axis=1, keepdims=True) > 0, weights, preference)
        service_quality = (chans.quality * weights).sum(axis=1) / weights.sum(axis=1).clip(min=1e-12)
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
        service_quality=_one(service_quality),
        ad_expectation_lift=ads.overpromise * pressure,
        **extra,
    )
