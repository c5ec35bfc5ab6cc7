"""What is counted each week: one definition shared by both engines."""

from __future__ import annotations

from dataclasses import dataclass, fields

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
]


@dataclass
class WeekState:
    """The part of the customers' state counted every week."""

    stage: np.ndarray
    satisfaction: np.ndarray
    voice: np.ndarray


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

    @classmethod
    def zeros(cls, replications: int) -> WeekTally:
        """A tally with nothing counted yet."""
        return cls(**{f.name: np.zeros(replications, dtype=np.int64) for f in fields(cls)})

    def add(self, **counts: int | np.ndarray) -> None:
        """Add counts by name (a number for one replication, or one per replication)."""
        for name, value in counts.items():
            getattr(self, name).__iadd__(np.asarray(value, dtype=np.int64))


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
    # those who never bought keep the initial satisfaction: take them out of the total
    sat_sum = _per_group(state.satisfaction, n_groups) - voices[:, Voice.SILENT] * cfg.satisfaction.initial
    with np.errstate(divide="ignore", invalid="ignore"):
        sat_mean = np.where(n_ever > 0, sat_sum / n_ever, np.nan)
        nps = np.where(n_ever > 0, 100.0 * (promoters - detractors) / n_ever, np.nan)
    wom_pos, wom_neg = (voices @ wom_table(cfg)).T
    price, margin = cfg.purchase.price, cfg.purchase.gross_margin
    if conditions is None:  # the state before the first week
        ad = service = fixed = 0.0
        load = quality = np.zeros(n_groups)
    else:
        ad = conditions.ad_spend
        service = conditions.staff_spend + conditions.training_spend
        load = _by_replication(conditions.load, n_groups)
        quality = _by_replication(conditions.service_quality, n_groups)
        fixed = cfg.economics.fixed_weekly_cost
    rows = []
    for g in range(n_groups):
        revenue = float(tally.purchases[g]) * price
        gross = revenue * margin
        rows.append({
            "step": step,
            "unaware": int(counts[g, Stage.UNAWARE]),
            "aware": int(counts[g, Stage.AWARE]),
            "active": int(counts[g, Stage.CUSTOMER] + counts[g, Stage.REPEAT]),
            "first_time": int(counts[g, Stage.CUSTOMER]),
            "repeat_customers": int(counts[g, Stage.REPEAT]),
            "lapsed": int(counts[g, Stage.LAPSED]),
            "ever_customers": int(n_ever[g]),
            **{f.name: int(getattr(tally, f.name)[g]) for f in fields(tally)},
            "service_load": float(load[g]),
            "service_quality": float(quality[g]),
            "revenue": revenue,
            "gross_margin": gross,
            "ad_spend": ad,
            "service_spend": service,
            "profit": gross - ad - service - fixed,
            "satisfaction_mean": float(sat_mean[g]),
            "promoters": int(promoters[g]),
            "detractors": int(detractors[g]),
            "nps": float(nps[g]),
            "wom_positive": float(wom_pos[g]),
            "wom_negative": float(wom_neg[g]),
        })
    return rows
