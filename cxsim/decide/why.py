"""Why a verdict holds: a plan's value change traced through the paired runs, in parts that add up to it.

Two plans run with one seed meet the same customers, so every dollar of the difference
of their value can be traced to where it was paid. The value is the discounted weekly
profit within the horizon plus the value after it (:mod:`cxsim.model.value`), and weekly
profit is gross margin less ad spend, service spend and the other costs; so

    change in value = margin within the horizon - ad spend - service spend - other costs
                      + value after the horizon

exactly, replication by replication (each part discounted as the NPV is). Beside the parts
stand the mechanism's own figures, the reasons a strategist can repeat: customers won by
ads and by word of mouth, purchases, customers who left, the wait and the service level,
promoters and detractors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxsim.core.errors import finite_or_none
from cxsim.core.formatting import number, short_money
from cxsim.decide.stats import LEVEL, mean_interval
from cxsim.model.results import Results
from cxsim.model.value import weekly_discount

PARTS = {
    "margin": "margin within the horizon",
    "ad_spend": "ad spend within the horizon",
    "service_spend": "service spend within the horizon",
    "other_costs": "other costs within the horizon",
    "after_horizon": "value after the horizon",
}
# the mechanism's figures: (column, how it is summed over the horizon, words)
FIGURES = (
    ("mean_wait_minutes", "mean", "the mean wait (minutes)"),
    ("service_level", "mean", "the service level"),
    ("nps", "last", "NPS at the horizon"),
    ("new_from_ads", "sum", "customers won by ads"),
    ("new_from_wom", "sum", "customers won by word of mouth"),
    ("repeat_purchases", "sum", "repeat purchases"),
    ("churned", "sum", "customers who left"),
    ("active", "last", "active customers at the horizon"),
)


def _parts(res: Results) -> pd.DataFrame:
    """Each replication's value in parts (discounted to today), and its figures."""
    ts = res.timeseries.sort_values(["replication", "step"])
    factor = (1.0 + weekly_discount(res.discount_rate)) ** -ts["step"].to_numpy(dtype=float)
    pv = ts.assign(margin=ts["gross_margin"] * factor, ad_spend=-ts["ad_spend"] * factor,
                   service_spend=-ts["service_spend"] * factor,
                   other_costs=(ts["profit"] - ts["gross_margin"] + ts["ad_spend"] + ts["service_spend"]) * factor)
    g = pv.groupby("replication", sort=True)  # the figures' columns are the series' own (only spends are replaced)
    out = g[["margin", "ad_spend", "service_spend", "other_costs"]].sum()
    summary = res.summary().set_index("replication")
    out["after_horizon"] = summary["terminal_value"]
    for column, how, _ in FIGURES:
        if column in ts:
            out[column] = getattr(g[column], how)()
    return out


@dataclass
class Decomposition:
    """A value change in parts that add up to it, with the mechanism's figures (means over paired runs).

    Attributes:
        parts: part name -> (mean, low, high) of its change (``PARTS``).
        figures: figure name -> (today's mean, the plan's mean).
        total: the value change the parts add up to (mean).
    """

    parts: dict[str, tuple[float, float, float]]
    figures: dict[str, tuple[float, float]]
    total: float

    def to_dict(self) -> dict:
        """Plain data: the parts (each with its interval) and the figures."""
        return {"total": finite_or_none(self.total),
                "parts": {k: {"mean": finite_or_none(m), "lo": finite_or_none(lo), "hi": finite_or_none(hi), "what": PARTS[k]}
                          for k, (m, lo, hi) in self.parts.items()},
                "figures": {k: {"today": finite_or_none(a), "plan": finite_or_none(b)} for k, (a, b) in self.figures.items()}}

    def sentence(self, currency: str = "", what: str = "it") -> str:
        """The mechanism in one sentence: the figures that moved most, then the money parts, largest first."""
        words = dict((c, w) for c, _, w in FIGURES)
        moved = []
        for key, (a, b) in self.figures.items():
            if not (np.isfinite(a) and np.isfinite(b)) or a == b:
                continue
            if key == "service_level":
                moved.append(f"{words[key]} {a:.0%} to {b:.0%}")
            elif key in ("mean_wait_minutes", "nps"):
                moved.append(f"{words[key]} {number(a)} to {number(b)}")
            elif round(b - a):
                moved.append(f"{number(b - a, signed=True, whole_from=0)} {words[key]}")
        money = sorted(((k, m) for k, (m, _, _) in self.parts.items() if np.isfinite(m) and m != 0),
                       key=lambda kv: -abs(kv[1]))
        parts = ", ".join(f"{PARTS[k]} {short_money(m, currency, True)}" for k, m in money)
        facts = ", ".join(moved[:5]) or "the market barely moved"
        return (f"Why: with {what}, {facts}. In money: {parts}"
                f" (together {short_money(self.total, currency, True)}).")


def decompose(base: Results, other: Results, level: float = LEVEL) -> Decomposition:
    """``other``'s value change against ``base`` (run with the same seed), in parts that sum to it."""
    a, b = _parts(base), _parts(other)
    diff = (b - a).dropna(how="all")
    parts = {k: mean_interval(diff[k].to_numpy(), level) for k in PARTS}
    figures = {column: (float(a[column].mean()), float(b[column].mean()))
               for column, _, _ in FIGURES if column in a and column in b}
    total = float(sum(diff[k] for k in PARTS).mean())
    return Decomposition(parts, figures, total)
