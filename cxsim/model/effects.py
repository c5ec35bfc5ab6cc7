"""A change's effect over time: paired weekly differences, its lag and its payoff.

Two results run with the same seed (common random numbers) are paired by
replication: the difference ``b - a`` of a weekly metric, week by week, shows
when a change starts to show (its lag) and when it pays for itself (the week
its cumulative profit difference turns and stays positive).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxsim.model.results import Results


def paired_series(a: Results, b: Results, column: str, cumulative: bool = False) -> pd.DataFrame:
    """Mean and standard error of ``b - a`` of a weekly metric, by step, paired by replication.

    Args:
        a, b: results of the same replications (same seed) of two scenarios.
        column: a time-series column, e.g. ``"service_quality"`` or ``"profit"``.
        cumulative: difference of the running totals (e.g. cumulative profit) instead.

    Returns:
        One row per step: step, mean, se, n (replications paired).
    """
    wide = {}
    for name, res in (("a", a), ("b", b)):
        table = res.timeseries.pivot(index="step", columns="replication", values=column)
        wide[name] = table.cumsum() if cumulative else table
    common = wide["a"].columns.intersection(wide["b"].columns)
    if common.empty:
        raise ValueError("paired_series needs results of the same replications (run both with the same seed)")
    diff = wide["b"][common] - wide["a"][common]
    n = diff.notna().sum(axis=1)
    return pd.DataFrame({"step": diff.index, "mean": diff.mean(axis=1).to_numpy(),
                         "se": (diff.std(axis=1, ddof=1) / np.sqrt(n)).to_numpy(), "n": n.to_numpy()})


def break_even_week(a: Results, b: Results) -> int | None:
    """First week from which the mean cumulative profit of ``b`` stays above that of ``a`` (``None``: never)."""
    cum = paired_series(a, b, "profit", cumulative=True)
    ahead = cum["mean"].to_numpy() > 0
    if not ahead[-1]:
        return None
    behind = np.flatnonzero(~ahead)
    return int(cum["step"].iloc[behind[-1] + 1]) if behind.size else int(cum["step"].iloc[0])


def half_effect_week(a: Results, b: Results, column: str) -> int | None:
    """First week the mean difference ``b - a`` of a metric reaches half its value at the horizon.

    A measure of lag: how long a change takes to deliver half of what it has
    delivered by the end (``None`` when there is no difference at the horizon).
    """
    diff = paired_series(a, b, column)
    final = diff["mean"].iloc[-1]
    if not np.isfinite(final) or final == 0:
        return None
    reached = np.flatnonzero(diff["mean"].to_numpy() / final >= 0.5)
    return int(diff["step"].iloc[reached[0]])
