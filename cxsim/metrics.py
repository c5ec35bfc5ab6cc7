"""What is counted each week: one definition shared by both engines."""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from cxsim.behaviour import Stage, Voice, nps_class, talk_table
from cxsim.parallel import CHUNK, KERNEL_LOCK
from cxsim.scenario import ScenarioConfig

COLUMNS = [
    "unaware", "aware", "active", "first_time", "repeat_customers", "lapsed", "ever_customers",
    "new_customers", "new_from_ads", "new_from_wom", "winbacks", "churned",
    "purchases", "repeat_purchases", "service_encounters", "service_load", "service_quality",
    "revenue", "gross_margin", "ad_spend", "service_spend", "profit",
    "satisfaction_mean", "respondents", "promoters", "detractors", "nps", "wom_positive", "wom_negative",
    # customer-experience mechanisms (zero, or nan, when switched off)
    "bad_experiences", "feedback_lift", "feedback_cost", "engagement", "staff_turnover", "people_spend",
    "turnover_cost", "members", "loyalty_cost",
]

COUNTED = ("new_customers", "new_from_ads", "new_from_wom", "winbacks", "churned", "purchases", "repeat_purchases",
           "service_encounters", "bad_experiences")


@dataclass
class WeekState:
    """The part of the customers' state counted every week."""

    stage: np.ndarray
    satisfaction: np.ndarray
    voice: np.ndarray
    scale: np.ndarray  # each person's scale-use offset (points added to their 0-10 answer)
    member: np.ndarray | None = None  # loyalty-programme members (with a programme)


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


def per_group(values: np.ndarray, n_groups: int) -> np.ndarray:
    """Sums by replication: replications are consecutive, equal blocks of customers."""
    return values.reshape(n_groups, -1).sum(axis=1, dtype=float)


N_STAGES, N_VOICES = len(Stage), len(Voice)
_CUSTOMER, _REPEAT, _SILENT = int(Stage.CUSTOMER), int(Stage.REPEAT), int(Voice.SILENT)
_SURVEY = N_STAGES * N_VOICES  # the survey's three counts follow the stage x voice cells


@numba.njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def _counted_by_chunk(stage, voice, satisfaction, scale, n, n_groups):  # pragma: no cover
    """One pass over everyone, in the fixed chunks of the fast engine: per chunk and replication, people by
    stage x voice, the survey of active customers (respondents, promoters, detractors) and the satisfaction of
    everyone who has bought."""
    total = stage.size
    n_chunks = (total + CHUNK - 1) // CHUNK
    cells = np.zeros((n_chunks, n_groups, _SURVEY + 3), np.int64)
    satisfied = np.zeros((n_chunks, n_groups))
    for chunk in numba.prange(n_chunks):
        for i in range(chunk * CHUNK, min(total, (chunk + 1) * CHUNK)):
            r = i // n
            s, v = stage[i], voice[i]
            cells[chunk, r, s * N_VOICES + v] += 1
            if v != _SILENT:
                satisfied[chunk, r] += satisfaction[i]
            if s == _CUSTOMER or s == _REPEAT:  # the survey: active customers answer as they use the scale
                cells[chunk, r, _SURVEY] += 1
                cls = nps_class(satisfaction[i] + scale[i])
                if cls == 1:
                    cells[chunk, r, _SURVEY + 1] += 1
                elif cls == -1:
                    cells[chunk, r, _SURVEY + 2] += 1
    return cells, satisfied


def counted(state: WeekState, n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the weekly columns count of the state, by replication, in one parallel pass.

    Returns:
        people by (replication, stage, voice); the survey by (replication, respondents/promoters/detractors);
        the summed satisfaction of everyone who has bought, by replication (chunk sums added in chunk order,
        so the total does not depend on the number of threads).
    """
    n = state.stage.size // n_groups
    with KERNEL_LOCK:
        cells, satisfied = _counted_by_chunk(state.stage, state.voice, state.satisfaction, state.scale, n, n_groups)
    if not cells.shape[0]:
        cells, satisfied = np.zeros((1, n_groups, _SURVEY + 3), np.int64), np.zeros((1, n_groups))
    cells = cells.sum(axis=0)
    total = satisfied[0].copy()
    for chunk in satisfied[1:]:
        total += chunk
    return cells[:, :_SURVEY].reshape(n_groups, N_STAGES, N_VOICES), cells[:, _SURVEY:], total


def week_columns(step: int, state: WeekState, tally: WeekTally, by_modules: dict[str, np.ndarray | float],
                 costs: np.ndarray | float, fixed_cost: float, cfg: ScenarioConfig,
                 n_groups: int = 1) -> dict[str, np.ndarray]:
    """One week of the time series from the state, the week's events and the modules: each column, one value
    per replication.

    Args:
        by_modules: the modules' own columns (``ad_spend`` and ``service_spend`` among them).
        costs: the modules' other costs this week, counted in profit.
        fixed_cost: the week's fixed cost (0 for the state before the first week).
        n_groups: the number of replications sharing the arrays, as consecutive equal blocks.
    """
    both, survey, sat_sum = counted(state, n_groups)
    counts, voices = both.sum(axis=2), both.sum(axis=1)
    n_ever = voices[:, 1:].sum(axis=1)  # everyone who has bought has a voice
    respondents, promoters, detractors = survey.T
    with np.errstate(divide="ignore", invalid="ignore"):
        sat_mean = np.where(n_ever > 0, sat_sum / n_ever, np.nan)
        nps = np.where(respondents > 0, 100.0 * (promoters - detractors) / respondents, np.nan)
    wom_pos, wom_neg = (voices @ wom_table(cfg)).T
    gross = tally.revenue * cfg.purchase.gross_margin
    columns = {
        "step": np.full(n_groups, step, dtype=np.int64),
        "unaware": counts[:, Stage.UNAWARE],
        "aware": counts[:, Stage.AWARE],
        "active": counts[:, Stage.CUSTOMER] + counts[:, Stage.REPEAT],
        "first_time": counts[:, Stage.CUSTOMER],
        "repeat_customers": counts[:, Stage.REPEAT],
        "lapsed": counts[:, Stage.LAPSED],
        "ever_customers": n_ever,
        **{name: getattr(tally, name) for name in COUNTED if name != "bad_experiences"},
        "revenue": tally.revenue,
        "gross_margin": gross,
        "profit": gross - by_modules["ad_spend"] - by_modules["service_spend"] - costs - fixed_cost,
        "satisfaction_mean": sat_mean,
        "respondents": respondents,
        "promoters": promoters,
        "detractors": detractors,
        "nps": nps,
        "wom_positive": wom_pos,
        "wom_negative": wom_neg,
        "bad_experiences": tally.bad_experiences,
        **by_modules,
    }
    ordered = ["step", *COLUMNS, *(name for name in columns if name not in COLUMNS and name != "step")]
    return {name: _column(columns[name], n_groups) for name in ordered}


def _column(value: float | np.ndarray, n_groups: int) -> np.ndarray:
    """A column of one week, one value per replication: counts as integers, everything else as floats."""
    if isinstance(value, np.ndarray) and value.shape == (n_groups,) and value.dtype in (np.int64, np.float64):
        return value
    value = np.asarray(value)
    dtype = np.int64 if value.dtype.kind in "iu" else np.float64
    return np.array(np.broadcast_to(value, (n_groups,)), dtype=dtype)
