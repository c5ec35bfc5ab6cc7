"""What is counted each week: one definition shared by both engines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxsim.behaviour import Stage, Voice, talk_table
from cxsim.response import WeekConditions
from cxsim.scenario import ScenarioConfig

COLUMNS = [
    "unaware", "aware", "active", "first_time", "repeat_customers", "lapsed", "ever_customers",
    "new_customers", "new_from_ads", "new_from_wom", "winbacks", "churned",
    "purchases", "repeat_purchases", "service_encounters", "service_load", "service_quality",
    "revenue", "gross_margin", "ad_spend", "service_spend", "profit",
    "satisfaction_mean", "promoters", "detractors", "nps", "wom_positive", "wom_negative",
    # customer-experience mechanisms (zero, or nan, when switched off)
    "bad_experiences", "feedback_lift", "feedback_cost", "engagement", "staff_turnover", "people_spend",
    "turnover_cost", "members", "loyalty_cost",
]
CHANNEL_METRICS = ("encounters", "load", "wait_hours", "quality")  # one column each per channel: load_phone, ...

COUNTED = ("new_customers", "new_from_ads", "new_from_wom", "winbacks", "churned", "purchases", "repeat_purchases",
           "service_encounters", "bad_experiences")


def channel_columns(cfg: ScenarioConfig) -> list[str]:
    """The per-channel columns of a scenario's time series (none without channels)."""
    return [f"{metric}_{name}" for name in cfg.channels for metric in CHANNEL_METRICS]


@dataclass
class WeekState:
    """The part of the customers' state counted every week."""

    stage: np.ndarray
    satisfaction: np.ndarray
    voice: np.ndarray
    member: np.ndarray | None = None  # loyalty-programme members (with a programme)
    initial_varies: bool = False  # whether people start with different satisfaction (segments)


@dataclass
class WeekTally:
    """Events counted while customers step through one week, one count per replication."""

    new_customers: np.ndarray
    new_from_ads: np.ndarray
    new_from_wom: np.ndarray
    winbacks: np.ndarray
    churned: np.ndarray
    purchases: np.ndarray
    repeat_purchases: np.ndarray
    service_encounters: np.ndarray
    bad_experiences: np.ndarray      # experiences scored 0-6
    revenue: np.ndarray              # money paid (float)
    member_revenue: np.ndarray       # of which by loyalty-programme members (float)
    channel_encounters: np.ndarray   # (replications, channels): encounters each channel served

    @classmethod
    def zeros(cls, replications: int, channels: int = 0) -> WeekTally:
        """A tally with nothing counted yet."""
        counts = {name: np.zeros(replications, dtype=np.int64) for name in COUNTED}
        return cls(**counts, revenue=np.zeros(replications), member_revenue=np.zeros(replications),
                   channel_encounters=np.zeros((replications, channels), dtype=np.int64))

    def add(self, **counts: int | float | np.ndarray) -> None:
        """Add counts by name (a number for one replication, or one per replication)."""
        for name, value in counts.items():
            total = getattr(self, name)
            total += np.asarray(value, dtype=total.dtype)


def wom_table(cfg: ScenarioConfig) -> np.ndarray:
    """Positive and negative WOM sent by each voice under a scenario."""
    w = cfg.wom
    return talk_table(w.promoter_talk, w.passive_talk, w.detractor_talk)


def _per_group(values: np.ndarray, n_groups: int) -> np.ndarray:
    """Sums by replication: replications are consecutive, equal blocks of customers."""
    return values.reshape(n_groups, -1).sum(axis=1, dtype=float)


def _by_replication(value: float | np.ndarray, n_groups: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), (n_groups,))


def week_rows(step: int, state: WeekState, tally: WeekTally, conditions: WeekConditions | None,
              cfg: ScenarioConfig, n_groups: int = 1) -> list[dict[str, float]]:
    """Rows of the time series (one per replication) from the state and the week's events.

    Args:
        n_groups: the number of replications sharing the arrays, as consecutive equal blocks.
    """
    k, v = len(Stage), len(Voice)
    codes = (state.stage * v + state.voice).reshape(n_groups, -1) + (np.arange(n_groups) * (k * v))[:, None]
    both = np.bincount(codes.ravel(), minlength=n_groups * k * v).reshape(n_groups, k, v)
    counts, voices = both.sum(axis=2), both.sum(axis=1)
    n_ever = voices[:, 1:].sum(axis=1)  # everyone who has bought has a voice
    promoters, detractors = voices[:, Voice.PROMOTER], voices[:, Voice.DETRACTOR]
    # those who never bought keep their initial satisfaction: take them out of the total
    if not state.initial_varies:
        sat_sum = _per_group(state.satisfaction, n_groups) - voices[:, Voice.SILENT] * cfg.satisfaction.initial
    else:
        sat_sum = _per_group(np.where(state.voice != Voice.SILENT, state.satisfaction, 0.0), n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        sat_mean = np.where(n_ever > 0, sat_sum / n_ever, np.nan)
        nps = np.where(n_ever > 0, 100.0 * (promoters - detractors) / n_ever, np.nan)
    wom_pos, wom_neg = (voices @ wom_table(cfg)).T
    margin = cfg.purchase.gross_margin
    nan = np.full(n_groups, np.nan)
    if conditions is None:  # the state before the first week
        ad = service = fixed = people = 0.0
        load = quality = lift = turnover_cost = np.zeros(n_groups)
        emp = cfg.employees
        engagement = np.full(n_groups, emp.initial_engagement) if emp.enabled else nan
        turnover = np.full(n_groups, emp.annual_turnover / 52.0) if emp.enabled else nan
    else:
        ad = conditions.ad_spend
        service = conditions.staff_spend + conditions.training_spend
        load = _by_replication(conditions.load, n_groups)
        quality = _by_replication(conditions.service_quality, n_groups)
        fixed = cfg.economics.fixed_weekly_cost
        people = conditions.people_spend
        lift = _by_replication(conditions.feedback_lift, n_groups)
        engagement = _by_replication(conditions.engagement, n_groups)
        turnover = _by_replication(conditions.staff_turnover, n_groups)
        turnover_cost = _by_replication(conditions.turnover_cost, n_groups)
    feedback_cost = cfg.feedback.share * cfg.feedback.cost_per_complaint * tally.bad_experiences
    loy = cfg.loyalty
    if state.member is not None:
        active = (state.stage == Stage.CUSTOMER) | (state.stage == Stage.REPEAT)
        members = _per_group(state.member & active, n_groups)
    else:
        members = np.zeros(n_groups)
    loyalty_cost = members * loy.cost_per_member_week + loy.reward_share * tally.member_revenue
    channels = _channel_values(cfg, tally, conditions, n_groups)
    rows = []
    for g in range(n_groups):
        revenue = float(tally.revenue[g])
        gross = revenue * margin
        costs = float(feedback_cost[g] + turnover_cost[g] + loyalty_cost[g])
        rows.append({
            "step": step,
            "unaware": int(counts[g, Stage.UNAWARE]),
            "aware": int(counts[g, Stage.AWARE]),
            "active": int(counts[g, Stage.CUSTOMER] + counts[g, Stage.REPEAT]),
            "first_time": int(counts[g, Stage.CUSTOMER]),
            "repeat_customers": int(counts[g, Stage.REPEAT]),
            "lapsed": int(counts[g, Stage.LAPSED]),
            "ever_customers": int(n_ever[g]),
            **{name: int(getattr(tally, name)[g]) for name in COUNTED if name != "bad_experiences"},
            "service_load": float(load[g]),
            "service_quality": float(quality[g]),
            "revenue": revenue,
            "gross_margin": gross,
            "ad_spend": ad,
            "service_spend": service,
            "profit": gross - ad - service - people - costs - fixed,
            "satisfaction_mean": float(sat_mean[g]),
            "promoters": int(promoters[g]),
            "detractors": int(detractors[g]),
            "nps": float(nps[g]),
            "wom_positive": float(wom_pos[g]),
            "wom_negative": float(wom_neg[g]),
            "bad_experiences": int(tally.bad_experiences[g]),
            "feedback_lift": float(lift[g]),
            "feedback_cost": float(feedback_cost[g]),
            "engagement": float(engagement[g]),
            "staff_turnover": float(turnover[g]),
            "people_spend": people,
            "turnover_cost": float(turnover_cost[g]),
            "members": int(members[g]),
            "loyalty_cost": float(loyalty_cost[g]),
            **{name: float(values[g]) for name, values in channels.items()},
        })
    return rows


def _channel_values(cfg: ScenarioConfig, tally: WeekTally, conditions: WeekConditions | None,
                    n_groups: int) -> dict[str, np.ndarray]:
    """Each channel's encounters, load, wait and quality this week, one value per replication."""
    out: dict[str, np.ndarray] = {}
    ch = None if conditions is None else conditions.channels
    for k, name in enumerate(cfg.channels):
        out[f"encounters_{name}"] = tally.channel_encounters[:, k].astype(float)
        for metric in CHANNEL_METRICS[1:]:
            out[f"{metric}_{name}"] = (np.zeros(n_groups) if ch is None
                                       else np.broadcast_to(getattr(ch, metric)[:, k], (n_groups,)))
    return out
