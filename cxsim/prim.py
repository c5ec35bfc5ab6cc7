"""Where each plan wins, in plain words: scenario discovery with PRIM boxes (EMA Workbench).

PRIM (the Patient Rule Induction Method, Friedman & Fisher 1999) peels a box off the
space of uncertain assumptions, a little at a time, keeping the worlds where the
plan is best. Each step trades **coverage** (the share of the plan's winning worlds
inside the box) for **density** (the share of worlds in the box where it wins). We
keep the widest box whose density reaches ``DENSITY`` (else the densest box found),
drop the restrictions that cost it no density or that chance explains (quasi-p-value
above 0.05), and say the keys left in words: "'more people' wins where
service.need_probability > 0.23 and advertising.half_saturation < 26,000
(coverage 81%, density 92%)". The decision tree of ``cxsim.sweep.discovery`` splits
the whole space; a PRIM box describes one plan's region, and may leave most keys free.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

DENSITY = 0.9        # the box sought: the plan is best in at least 90% of the worlds inside it
MIN_WORLDS = 5       # a plan best in fewer worlds gets no box (too few to describe)
EVERYWHERE = 0.95    # a plan best in this share of all worlds needs no box
SLACK = 0.02         # a restriction is dropped when the box without it loses at most this much density
QUASI_P = 0.05       # ... or when chance explains it this well (its quasi-p-value, as EMA Workbench reports it)


@dataclass
class WinBox:
    """Where one plan wins.

    Attributes:
        plan: the plan.
        limits: per restricted key, (low, high); -inf/inf where only one side is restricted.
        coverage: share of the plan's winning worlds that lie in the box.
        density: share of the worlds in the box where the plan wins.
        worlds: worlds in the box.
        wins: worlds where the plan wins, in all.
        total: worlds in all.
        verb: what the plan does there ("wins", "earns most").
        noun: what the rows are ("worlds", "combinations").
    """

    plan: str
    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    worlds: int
    wins: int
    total: int
    verb: str = "wins"
    noun: str = "worlds"

    def condition(self) -> str:
        """The box in words: "a > 0.23 and b < 26,000" ("anywhere" when no key is restricted)."""
        parts = []
        for key, (lo, hi) in self.limits.items():
            if math.isfinite(lo) and math.isfinite(hi):
                parts.append(f"{_number(lo)} < {key} < {_number(hi)}")
            elif math.isfinite(lo):
                parts.append(f"{key} > {_number(lo)}")
            else:
                parts.append(f"{key} < {_number(hi)}")
        return " and ".join(parts) or "anywhere"

    def sentence(self) -> str:
        """One sentence: where the plan wins, with coverage and density (or that no box separates its wins)."""
        if not self.limits:
            return (f"{self.plan!r} is best in {self.wins} of {self.total} {self.noun}, scattered: no box of the "
                    "uncertain assumptions separates them from chance.")
        return (f"{self.plan!r} {self.verb} where {self.condition()} (coverage {self.coverage:.0%}: "
                f"{round(self.coverage * self.wins)} of the {self.wins} {self.noun} where it is best; density "
                f"{self.density:.0%}: best in {round(self.density * self.worlds)} of the {self.worlds} {self.noun} "
                "in the box).")


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.2g}"


def _inside(x: pd.DataFrame, limits: dict[str, tuple[float, float]]) -> np.ndarray:
    inside = np.ones(len(x), dtype=bool)
    for key, (lo, hi) in limits.items():
        inside &= (x[key].to_numpy() >= lo) & (x[key].to_numpy() <= hi)
    return inside


def _quasi_p(x: pd.DataFrame, wins: np.ndarray, limits: dict[str, tuple[float, float]], key: str) -> float:
    """How likely the box's wins would be if ``key`` were not restricted (one-sided binomial, as EMA Workbench).

    The worlds inside the box are taken as draws from the box without the restriction:
    a high value says the restriction separates nothing that chance would not.
    """
    from scipy import stats

    inside, wider = _inside(x, limits), _inside(x, {k: v for k, v in limits.items() if k != key})
    rate = wins[wider].mean() if wider.any() else 0.0
    return float(stats.binom.sf(wins[inside].sum() - 1, inside.sum(), rate))


def _simplified(x: pd.DataFrame, wins: np.ndarray, limits: dict[str, tuple[float, float]],
                floor: float) -> dict[str, tuple[float, float]]:
    """The box without the restrictions that separate nothing.

    PRIM peels greedily, and with few winning worlds among many keys it keeps
    restrictions that chance explains. Two rules, applied one restriction at a time:
    a restriction (a key, or one side of it) goes when the box without it keeps its
    density at ``floor`` or above; a key's restriction goes when its quasi-p-value is
    above ``QUASI_P`` (the least significant first).
    """
    while limits:
        candidates = []
        for key, (lo, hi) in limits.items():
            options = [{k: v for k, v in limits.items() if k != key}]
            if np.isfinite(lo) and np.isfinite(hi):
                options += [{**limits, key: (-np.inf, hi)}, {**limits, key: (lo, np.inf)}]
            for option in options:
                inside = _inside(x, option)
                candidates.append((wins[inside].mean() if inside.any() else 0.0, -len(option), option))
        density, _, widest = max(candidates, key=lambda c: c[:2])
        if density >= floor:
            limits = widest
            continue
        p, key = max((_quasi_p(x, wins, limits, k), k) for k in limits)
        if p <= QUASI_P:
            return limits
        limits = {k: v for k, v in limits.items() if k != key}
    return limits


def prim_box(x: pd.DataFrame, wins: np.ndarray, plan: str, density: float = DENSITY, verb: str = "wins",
             noun: str = "worlds") -> WinBox:
    """The PRIM box of the worlds where ``wins`` is true, with the restrictions that separate nothing dropped.

    Args:
        x: one row per world, one numeric column per uncertain key.
        wins: per world, whether the plan wins there.
        plan: the plan's name.
        density: the density sought; the widest box reaching it is kept (else the densest).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA Workbench warns about optional parallel back ends
        from ema_workbench.analysis import prim

        found = prim.Prim(x.reset_index(drop=True), np.asarray(wins, dtype=bool), mass_min=0.05).find_box()
    trajectory = found.peeling_trajectory
    dense = trajectory[trajectory["density"] >= density]
    if len(dense):  # the widest box reaching the density; of boxes as wide (within a point), the densest
        wide = dense[dense["coverage"] >= dense["coverage"].max() - 0.01]
        i = int(wide["density"].idxmax())
    else:
        i = int(trajectory["density"].idxmax())
    lims, init = found.box_lims[i], found.prim.box_init
    limits = {}
    for key in x.columns:
        lo = float(lims[key].iloc[0]) if lims[key].iloc[0] > init[key].iloc[0] else -math.inf
        hi = float(lims[key].iloc[1]) if lims[key].iloc[1] < init[key].iloc[1] else math.inf
        if math.isfinite(lo) or math.isfinite(hi):
            limits[key] = (lo, hi)
    wins = np.asarray(wins, dtype=bool)
    floor = float(trajectory.loc[i, "density"]) - SLACK
    limits = _simplified(x, wins, limits, floor)
    inside = _inside(x, limits)
    return WinBox(plan, limits, float(wins[inside].sum() / wins.sum()), float(wins[inside].mean()),
                  int(inside.sum()), int(wins.sum()), len(wins), verb, noun)


def where_each_wins(x: pd.DataFrame, winners: np.ndarray, plans: list[str], verb: str = "wins",
                    noun: str = "worlds") -> list[tuple[str, WinBox | None]]:
    """For each plan that is ever best, most often best first: a sentence, and its PRIM box when it has one.

    A plan best almost everywhere, or in too few worlds to describe, gets a sentence saying so.

    Args:
        x: one row per world, one column per uncertain key.
        winners: per world, the index of the best plan.
        plans: the plans' names.
        verb: what a plan does where it is best ("wins"; "earns most" for levers).
        noun: what the rows are ("worlds"; "combinations" for a sweep's design points).
    """
    x = x.loc[:, [c for c in x.columns if x[c].nunique() > 1]]  # a key fixed across worlds cannot separate them
    n = len(winners)
    out = []
    order = sorted(range(len(plans)), key=lambda p: -np.sum(winners == p))
    for p in order:
        wins = winners == p
        k = int(wins.sum())
        if k == 0:
            continue
        if k >= EVERYWHERE * n:
            out.append((f"{plans[p]!r} is best in {k} of {n} {noun}: almost everywhere, no assumption "
                        "changes that.", None))
        elif k < MIN_WORLDS or x.shape[1] == 0:
            out.append((f"{plans[p]!r} is best in only {k} of {n} {noun}: too few to describe where.", None))
        else:
            box = prim_box(x, wins, plans[p], verb=verb, noun=noun)
            out.append((box.sentence(), box))
    return out
