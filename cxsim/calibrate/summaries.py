"""What a simulated history is compared on: summary statistics, and the simulator they come from.

For each measured outcome over the fitted weeks (the held-out weeks are never
seen):

* ``blocks``: the weekly series as means over blocks of 4 weeks (26 numbers for
  two years), using only the weeks the history measured. Blocks keep the
  shape of the series and average away week-to-week noise.
* ``trend``: the least-squares slope over the weeks measured, times the number
  of weeks (the change over the period).
* ``ad lift``: mean in the weeks of above-median ad spend minus mean in the
  others, when the history's ad spend varies: the data's direct view of the ad
  response curve.

Every statistic of an outcome is divided by that outcome's mean absolute
observed value, so outcomes in customers, money and NPS points are on one
scale; the ABC distance then weighs each statistic by its spread over the
simulations (an adaptive distance, Prangle 2017).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxsim.calibrate.history import History
from cxsim.calibrate.priors import Prior
from cxsim.model.simulate import simulate
from cxsim.scenario import Scenario

BLOCK_WEEKS = 4
AD_KEY = "advertising.weekly_spend"


@dataclass(frozen=True)
class SummaryPlan:
    """How to summarise a weekly series over the fitted weeks of one history.

    Attributes:
        fit_weeks: the weeks fitted (1..fit_weeks).
        measured: by outcome, which fitted weeks the history measured.
        scale: by outcome, its mean absolute observed value.
        ad_high: the fitted weeks of above-median ad spend (``None`` when the spend does not vary).
    """

    fit_weeks: int
    measured: dict[str, np.ndarray]
    scale: dict[str, float]
    ad_high: np.ndarray | None

    @classmethod
    def of(cls, history: History, fit_weeks: int) -> SummaryPlan:
        """The plan for a history fitted on its first ``fit_weeks`` weeks."""
        obs = history.outcomes.iloc[:fit_weeks]
        measured = {c: obs[c].notna().to_numpy() for c in obs if obs[c].notna().sum() >= 2}
        means = {c: float(np.abs(obs[c].to_numpy()[seen]).mean()) for c, seen in measured.items()}
        scale = {c: s if s > 0 else 1.0 for c, s in means.items()}
        ad = history.spends.get(AD_KEY)
        ad_high = None
        if ad is not None and np.ptp(ad[:fit_weeks]) > 0:
            ad_high = ad[:fit_weeks] > np.median(ad[:fit_weeks])
            if ad_high.all() or not ad_high.any():
                ad_high = None
        return cls(fit_weeks, measured, scale, ad_high)

    @property
    def outcomes(self) -> list[str]:
        """The outcomes compared."""
        return list(self.measured)

    def __call__(self, series: pd.DataFrame) -> dict[str, np.ndarray]:
        """Summary statistics of weekly outcomes (rows: weeks 1.., columns: outcomes), one array per outcome."""
        out = {}
        weeks = np.arange(1, self.fit_weeks + 1, dtype=float)
        for c, seen in self.measured.items():
            y = series[c].to_numpy(dtype=float)[: self.fit_weeks] / self.scale[c]
            y = np.where(seen, np.nan_to_num(y), 0.0)
            blocks = np.add.reduceat(y, np.arange(0, self.fit_weeks, BLOCK_WEEKS))
            counts = np.add.reduceat(seen.astype(float), np.arange(0, self.fit_weeks, BLOCK_WEEKS))
            stats = list(blocks[counts > 0] / counts[counts > 0])
            t, v = weeks[seen], y[seen]
            stats.append(float(np.polyfit(t, v, 1)[0] * self.fit_weeks))
            if self.ad_high is not None:
                hi, lo = seen & self.ad_high, seen & ~self.ad_high
                stats.append(float(y[hi].mean() - y[lo].mean()) if hi.any() and lo.any() else 0.0)
            out[c] = np.asarray(stats, dtype=float)
        return out


def survey(series: pd.DataFrame, size: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """NPS as a survey of ``size`` customers a week would measure it, from the simulated shares (blank: no survey)."""
    n = np.maximum(series["respondents"].to_numpy(float), 1.0)
    promoters = np.clip(series["promoters"].to_numpy(float) / n, 0, 1)
    detractors = np.clip(series["detractors"].to_numpy(float) / n, 0, 1 - promoters)
    shares = np.stack([promoters, detractors, 1 - promoters - detractors], axis=1)
    shares = np.clip(shares, 0, 1)
    shares /= shares.sum(axis=1, keepdims=True)
    counts = np.array([rng.multinomial(max(int(k), 0), p) for k, p in zip(size, shares, strict=True)])
    with np.errstate(invalid="ignore", divide="ignore"):
        nps = 100.0 * (counts[:, 0] - counts[:, 1]) / size
    return np.where(size > 0, nps, np.nan)


@dataclass
class HistoryModel:
    """The simulator the calibration calls: fitted values in, the history's outcomes out.

    One call is one run of the replayed scenario (the history's weeks and spends)
    with the fitted keys set, on its own seed, with the NPS survey's sampling
    noise added when the history gives the survey's size.

    Attributes:
        scenario: the base scenario replaying the history.
        priors: the fitted keys' priors, in order.
        plan: the summary statistics.
        outcomes: the outcome columns to return.
        survey_size: the NPS survey's size each week (``None``: no survey noise).
        engine: the engine that runs it.
    """

    scenario: Scenario
    priors: tuple[Prior, ...]
    plan: SummaryPlan
    outcomes: tuple[str, ...]
    survey_size: np.ndarray | None = None
    engine: str = "fast"

    def values(self, point: dict[str, float]) -> dict[str, float]:
        """Scenario values of a point given on the priors' sampling scales (named ``p0``, ``p1``, ...)."""
        return {p.key: float(p.to_value(point[f"p{i}"])) for i, p in enumerate(self.priors)}

    def series(self, values: dict[str, float], seed: int) -> pd.DataFrame:
        """Weekly outcomes (weeks 1..T) of one run with the keys set to ``values``."""
        scenario = self.scenario.with_overrides(values, where="<calibration>")
        ts = simulate(scenario, replications=1, seed=seed, engine=self.engine, keep_customers=False,
                      value=False).timeseries
        ts = ts[ts["step"] > 0].reset_index(drop=True)
        out = ts[list(self.outcomes)].astype(float).copy()
        if self.survey_size is not None and "nps" in out:
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x5E5,)))
            out["nps"] = survey(ts, self.survey_size, rng)
        out.index = pd.RangeIndex(1, len(out) + 1, name="week")
        return out

    def __call__(self, point: dict[str, float]) -> dict[str, np.ndarray]:
        """Summary statistics of one run at ``point`` (pyabc's model); its seed comes from numpy's seeded stream."""
        seed = int(np.random.randint(0, 2**31 - 1))
        return self.plan(self.series(self.values(point), seed))
