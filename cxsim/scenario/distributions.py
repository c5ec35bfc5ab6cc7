"""Distributions of uncertain assumptions: the entries of a scenario's ``[uncertainty]`` table, and sampling.

An entry says what is believed about one scenario key::

    [uncertainty]
    "service.need_probability" = {dist = "uniform", low = 0.2, high = 0.6}
    "advertising.half_saturation" = {dist = "loguniform", low = 4000, high = 30000}
    "satisfaction.memory" = {dist = "triangular", low = 0.2, mode = 0.5, high = 0.8}
    "wom.awareness_effect" = {dist = "normal", mean = 0.3, sd = 0.1}

A normal is truncated to the key's range in the schema (and to ``low``/``high``
when given). Draws are a Latin hypercube in ``[0, 1]^K`` from the seed, mapped by
each distribution's quantile function, so a few dozen draws already cover every
key's range evenly.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field, model_validator
from scipy import stats
from scipy.stats import qmc

from cxsim.core.validation import StrictModel

NEEDS = {"uniform": ("low", "high"), "loguniform": ("low", "high"), "triangular": ("low", "mode", "high"),
         "normal": ("mean", "sd")}
_EDGE = 1e-9  # quantiles are taken inside (0, 1)


class Distribution(StrictModel):
    """What is believed about one uncertain scenario key."""

    dist: Literal["uniform", "loguniform", "triangular", "normal"] = Field(
        description="uniform (low, high), loguniform (low > 0, high), triangular (low, mode, high), "
                    "normal (mean, sd; truncated to the schema's range and to low/high if given).")
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    mean: float | None = None
    sd: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _complete(self) -> Distribution:
        needed = NEEDS[self.dist]
        missing = [k for k in needed if getattr(self, k) is None]
        if missing:
            raise ValueError(f"{' and '.join(needed)} for dist = {self.dist!r} (missing {', '.join(missing)})")
        allowed = set(needed) | ({"low", "high"} if self.dist == "normal" else set())
        stray = [k for k in ("low", "high", "mode", "mean", "sd") if k not in allowed and getattr(self, k) is not None]
        if stray:
            raise ValueError(f"no {', '.join(stray)} with dist = {self.dist!r} (it takes {', '.join(needed)})")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low < high, got low = {self.low:g}, high = {self.high:g}")
        if self.dist == "loguniform" and self.low <= 0:
            raise ValueError(f"low > 0 for a log-uniform distribution, got {self.low:g}")
        if self.dist == "triangular" and not self.low <= self.mode <= self.high:
            raise ValueError(f"low <= mode <= high, got mode = {self.mode:g}")
        return self

    def support(self) -> tuple[float, float]:
        """Smallest and largest value it can draw, before truncation to the schema (a normal: +-inf)."""
        if self.dist == "normal":
            return (-math.inf if self.low is None else self.low, math.inf if self.high is None else self.high)
        return float(self.low), float(self.high)

    def quantile(self, u: np.ndarray, bounds: tuple[float, float] = (-math.inf, math.inf)) -> np.ndarray:
        """Values at probabilities ``u`` in [0, 1]; a normal is truncated to ``bounds`` and its own low/high."""
        u = np.asarray(u, dtype=float)
        if self.dist == "uniform":
            return self.low + u * (self.high - self.low)
        if self.dist == "loguniform":
            return np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low)))
        if self.dist == "triangular":
            width = self.high - self.low
            return stats.triang.ppf(u, (self.mode - self.low) / width, loc=self.low, scale=width)
        lo, hi = self.support()
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
        a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd
        return np.clip(stats.truncnorm.ppf(np.clip(u, _EDGE, 1 - _EDGE), a, b, loc=self.mean, scale=self.sd), lo, hi)


def unit_draws(draws: int, dims: int, seed: int) -> np.ndarray:
    """A Latin hypercube of ``draws`` points in ``[0, 1]^dims`` from ``seed`` (scrambled: no point on an edge)."""
    if dims == 0:
        return np.zeros((draws, 0))
    return qmc.LatinHypercube(d=dims, seed=np.random.default_rng(seed)).random(draws)
