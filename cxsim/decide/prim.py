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
    """Where one plan wins (or, for a plan best in most worlds, where it loses).

    Attributes:
        plan: the plan.
        limits: per restricted key, (low, high); -inf/inf where only one side is restricted.
        coverage: share of the described worlds (its wins, or its losses) that lie in the box.
        density: share of the worlds in the box that are described ones.
        worlds: worlds in the box.
        wins: described worlds in all (its wins, or its losses).
        total: worlds in all.
        verb: what the plan does where it is best ("wins", "earns most").
        noun: what the rows are ("worlds", "combinations").
        losing: the box describes where the plan is not best.
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
    losing: bool = False

    def condition(self) -> str:
        """The box in words: "a > 0.23 and b < 26,000" ("anywhere" when no key is restricted)."""
        parts = []
        for key, (lo, hi) in self.limits.items():
            if math.isfinite(lo) and math.isfinite(hi):
                parts.append(f"{rounded(lo)} < {key} < {rounded(hi)}")
            elif math.isfinite(lo):
                parts.append(f"{key} > {rounded(lo)}")
            else:
                parts.append(f"{key} < {rounded(hi)}")
        return " and ".join(parts) or "anywhere"

    def sentence(self) -> str:
        """One sentence: where the plan wins (or loses), with coverage and density, or that no box separates it."""
        what = "is not best" if self.losing else "is best"
        if not self.limits:
            return (f"{self.plan!r} {what} in {self.wins} of {self.total} {self.noun}, scattered: no box of the "
                    "uncertain assumptions separates them from chance.")
        does = ("loses" if self.verb == "wins" else "is beaten") if self.losing else self.verb
        inside, hits = round(self.coverage * self.wins), round(self.density * self.worlds)
        coverage = f"coverage {self.coverage:.0%}: {inside} of the {self.wins} {self.noun} where it {what}"
        if self.density >= 0.5:
            return (f"{self.plan!r} {does} where {self.condition()} ({coverage}; density {self.density:.0%}: "
                    f"{hits} of the {self.worlds} {self.noun} in the box).")
        return (f"{self.plan!r} {does} only where {self.condition()} ({coverage}), and even there in "
                f"{self.density:.0%} of {self.noun} (density: {hits} of {self.worlds}).")


def rounded(value: float, digits: int = 2) -> str:
    """A bound or an amount in words: whole thousands with separators, smaller values to ``digits`` figures."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def _inside(x: pd.DataFrame, limits: dict[str, tuple[float, float]]) -> np.ndarray:
    inside = np.ones(len(x), dtype=bool)
    for key, (lo, hi) in limits.items():
        inside &= (x[key].to_numpy() >= lo) & (x[key].to_numpy() <= hi)
    return inside


def _quasi_p(x: pd.DataFrame, wins: np.ndarray, box: dict[str, tuple[float, float]],
             wider: dict[str, tuple[float, float]]) -> float:
    """How likely the box's wins would be if the box were the wider one (one-sided binomial, as EMA Workbench).

    The worlds inside the box are taken as draws from the wider box: a high value says
    the restriction that makes the difference separates nothing that chance would not.
    """
    from scipy import stats

    inside, around = _inside(x, box), _inside(x, wider)
    rate = wins[around].mean() if around.any() else 0.0
    return float(stats.binom.sf(wins[inside].sum() - 1, inside.sum(), rate))


def _wider(limits: dict[str, tuple[float, float]]) -> list[dict[str, tuple[float, float]]]:
    """The boxes with one restriction less: a key freed, or one side of a key restricted on both."""
    out = []
    for key, (lo, hi) in limits.items():
        out.append({k: v for k, v in limits.items() if k != key})
        if np.isfinite(lo) and np.isfinite(hi):
            out += [{**limits, key: (-np.inf, hi)}, {**limits, key: (lo, np.inf)}]
    return out


def _simplified(x: pd.DataFrame, wins: np.ndarray, limits: dict[str, tuple[float, float]],
                floor: float) -> dict[str, tuple[float, float]]:
    """The box without the restrictions that separate nothing.

    PRIM peels greedily, and with few winning worlds among many keys it keeps
    restrictions that chance explains. One restriction (a key, or one side of it) at a
    time goes: first any whose removal keeps the density at ``floor`` or above (the
    densest such box), else the one whose quasi-p-value is highest, while above ``QUASI_P``.
    """
    while limits:
        options = _wider(limits)
        density = [wins[_inside(x, o)].mean() if _inside(x, o).any() else 0.0 for o in options]
        best = int(np.argmax(density))
        if density[best] >= floor:
            limits = options[best]
            continue
        p = [_quasi_p(x, wins, limits, o) for o in options]
        worst = int(np.argmax(p))
        if p[worst] <= QUASI_P:
            return limits
        limits = options[worst]
    return limits


def prim_box(x: pd.DataFrame, wins: np.ndarray, plan: str, density: float = DENSITY, verb: str = "wins",
             noun: str = "worlds", losing: bool = False) -> WinBox:
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
                  int(inside.sum()), int(wins.sum()), len(wins), verb, noun, losing)


def where_each_wins(x: pd.DataFrame, winners: np.ndarray, plans: list[str], verb: str = "wins",
                    noun: str = "worlds") -> list[tuple[str, WinBox | None]]:
    """For each plan that is ever best, most often best first: a sentence, and its PRIM box when it has one.

    A plan best in fewer than half the worlds gets the box where it wins; one best in
    more gets the box where it loses (the exception is the finding); one best almost
    everywhere, or in too few worlds to describe, gets a sentence saying so.

    Args:
        x: one row per world, one column per uncertain key.
        winners: per world, the index of the best plan.
        plans: the plans' names.
        verb: what a plan does where it is best ("wins"; "earns most" for levers).
        noun: what the rows are ("worlds"; "combinations" for a sweep's design points).
    """
    x = x.loc[:, [c for c in x.columns if x[c].nunique() > 1]]  # a key fixed across worlds cannot separate them
    n = len(winners)
    out: list[tuple[str, WinBox | None]] = []
    for p in sorted(range(len(plans)), key=lambda p: -np.sum(winners == p)):
        wins = winners == p
        k = int(wins.sum())
        losing = k > n / 2
        if k == 0:
            continue
        if k >= EVERYWHERE * n:
            out.append((f"{plans[p]!r} is best in {k} of {n} {noun}: almost everywhere, no assumption "
                        "changes that.", None))
        elif min(k, n - k) < MIN_WORLDS or x.shape[1] == 0:
            out.append((f"{plans[p]!r} is best in {k} of {n} {noun}: too few "
                        f"{'losses' if losing else 'wins'} to describe where.", None))
        else:
            box = prim_box(x, ~wins if losing else wins, plans[p], verb=verb, noun=noun, losing=losing)
            out.append((box.sentence(), box))
    return out
