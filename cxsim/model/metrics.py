"""What is counted each week: one definition shared by both engines."""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from cxsim.model.behaviour import DETRACTOR_CUTOFF, PROMOTER_CUTOFF, Stage, Voice, talk_table
from cxsim.model.parallel import CHUNK, chunks, counting_threads
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

STATE_COUNTS = ("unaware", "aware", "active", "first_time", "repeat_customers", "lapsed", "ever_customers",
                "respondents", "promoters", "detractors", "wom_positive", "wom_negative")
"""Columns counted from the people's state: at the real size, each simulated person counts ``weight`` times."""

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
    initial_varies: bool = False  # whether people start with different satisfaction (segments)
    weight: float = 1.0  # real people each simulated person stands for (market.scale)


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

    def scaled(self, k: float) -> WeekTally:
        """The tally at the real size, each simulated person's events standing for ``k`` people's (itself at 1).

        Counts stay integers when ``k`` is a whole number.
        """
        if k == 1:
            return self
        factor = int(k) if float(k).is_integer() else float(k)
        return WeekTally(**{name: getattr(self, name) * factor for name in (*COUNTED, "channel_encounters")},
                         revenue=self.revenue * k, member_revenue=self.member_revenue * k)

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


@numba.njit(cache=True, nogil=True, parallel=True)
def _state_counts(stage, voice, satisfaction, scale, n_groups, n_stages, n_voices):  # pragma: no cover
    """People by replication, stage and voice, and the survey of active customers (respondents,
    promoters, detractors by their answer: satisfaction plus scale use), in one pass over everyone
    (replications are consecutive, equal blocks), in parallel over chunks of each replication."""
    size = stage.size // n_groups
    per_group = chunks(size)
    cells = n_stages * n_voices
    tallies = np.zeros((n_groups * per_group, cells + 3), np.int64)  # each chunk's counts, then its survey
    for task in numba.prange(n_groups * per_group):
        g, part = task // per_group, task % per_group
        lanes = np.zeros((4, cells), np.int64)  # four tallies summed at the end: neighbours in the arrays
        respondents = promoters = detractors = 0  # mostly add to the same cell
        first = g * size + part * CHUNK
        for i in range(first, min((g + 1) * size, first + CHUNK)):
            lanes[i & 3, stage[i] * n_voices + voice[i]] += 1
            # the survey, without branches (answers are unpredictable): behaviour.survey_counts's classes
            answer = satisfaction[i] + scale[i]
            active = (stage[i] == Stage.CUSTOMER) | (stage[i] == Stage.REPEAT)
            respondents += active
            promoters += active & (answer >= PROMOTER_CUTOFF)
            detractors += active & (answer < DETRACTOR_CUTOFF)
        row = tallies[task]
        for c in range(cells):
            row[c] = lanes[0, c] + lanes[1, c] + lanes[2, c] + lanes[3, c]
        row[cells], row[cells + 1], row[cells + 2] = respondents, promoters, detractors
    both = tallies.reshape(n_groups, per_group, cells + 3).sum(axis=1)  # integers: the order does not matter
    counts = np.empty((n_groups, n_stages, n_voices), np.int64)
    for g in range(n_groups):
        for c in range(cells):
            counts[g, c // n_voices, c % n_voices] = both[g, c]
    return counts, both[:, cells:].copy()


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
    # the survey: active customers answer on the 0-10 scale as they use it
    with counting_threads(state.stage.size):
        both, survey = _state_counts(state.stage, state.voice, state.satisfaction, state.scale, n_groups, len(Stage),
                                     len(Voice))
    counts, voices = both.sum(axis=2), both.sum(axis=1)
    n_ever = voices[:, 1:].sum(axis=1)  # everyone who has bought has a voice
    respondents, promoters, detractors = survey.T
    # those who never bought keep their initial satisfaction: take them out of the total
    if not state.initial_varies:
        sat_sum = per_group(state.satisfaction, n_groups) - voices[:, Voice.SILENT] * cfg.satisfaction.initial
    else:
        sat_sum = per_group(np.where(state.voice != Voice.SILENT, state.satisfaction, 0.0), n_groups)
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
    if state.weight != 1:
        factor = int(state.weight) if float(state.weight).is_integer() else float(state.weight)
        columns.update({name: columns[name] * factor for name in STATE_COUNTS})
    ordered = ["step", *COLUMNS, *(name for name in columns if name not in COLUMNS and name != "step")]
    return {name: _column(columns[name], n_groups) for name in ordered}


def _column(value: float | np.ndarray, n_groups: int) -> np.ndarray:
    """A column of one week, one value per replication: counts as integers, everything else as floats."""
    if isinstance(value, np.ndarray) and value.shape == (n_groups,) and value.dtype in (np.int64, np.float64):
        return value
    value = np.asarray(value)
    dtype = np.int64 if value.dtype.kind in "iu" else np.float64
    return np.array(np.broadcast_to(value, (n_groups,)), dtype=dtype)
