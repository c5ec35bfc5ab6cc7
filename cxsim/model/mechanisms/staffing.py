"""The staff of a service queue: hiring with a delay, new hires ramping up, attrition.

A stock-and-flow workforce in the manner of Sterman (2000, *Business Dynamics*,
ch. 19) and Oliva & Sterman (2001, "Cutting corners and working overtime",
*Management Science* 47(7)): headcount (in agents on duty on average over the
open hours) is split into proficient staff and novices. Each week a share of
both leaves (attrition); the organisation replaces its leavers and closes a
share ``1 / hiring_weeks`` of the gap to the headcount the budget pays for
(a first-order hiring delay); new hires join as novices, who handle a share
``novice_productivity`` of a proficient agent's contacts and become proficient
after ``ramp_weeks`` on average. Staff above the budget are released over the
same delay, or, with ``layoffs`` off, leave only through attrition (nobody is
hired until headcount falls to the budget).

With no attrition and fully productive novices the headcount follows exactly
the first-order delay ``agents + (target - agents) / hiring_weeks``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


def steady_novice_share(weekly_attrition: ArrayLike, ramp_weeks: float) -> np.ndarray:
    """Share of staff still learning when leavers are replaced and the headcount holds (the fixed point).

    Hires ``w`` a week join the novices, then a share ``1 / ramp_weeks`` of them becomes
    proficient: ``n = (n (1 - w) + w) (1 - 1 / ramp)``.
    """
    w = np.asarray(weekly_attrition, dtype=float)
    stay = 1.0 - 1.0 / ramp_weeks
    return (w * stay / (1.0 - (1.0 - w) * stay))[()]


@dataclass(frozen=True)
class Workforce:
    """Agents on duty on average over the open hours: everyone, and those still learning.

    Arrays of one shape: (replications,) for one pool, (replications, channels) with channels.
    """

    headcount: np.ndarray
    novices: np.ndarray

    @classmethod
    def steady(cls, target: ArrayLike, weekly_attrition: ArrayLike, ramp_weeks: float) -> Workforce:
        """The workforce a constant budget keeps: headcount at the target, novices at their steady share."""
        target = np.asarray(target, dtype=float)
        share = steady_novice_share(weekly_attrition, ramp_weeks)
        return cls(target.copy(), target * share)

    def effective(self, novice_productivity: float) -> np.ndarray:
        """Agents counted at a proficient agent's pace: novices count ``novice_productivity`` each."""
        return self.headcount - (1.0 - novice_productivity) * self.novices

    def novice_share(self) -> np.ndarray:
        """Share of the headcount still learning (0 with no staff)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.headcount > 0, self.novices / np.where(self.headcount > 0, self.headcount, 1.0), 0.0)

    def step(self, target: ArrayLike, weekly_attrition: ArrayLike, hiring_weeks: float, ramp_weeks: float,
             layoffs: bool = True) -> Workforce:
        """One week: leavers go, hires arrive as novices, novices learn.

        Args:
            target: agents on duty that this week's budget pays for.
            weekly_attrition: share of staff leaving this week, in [0, 1].
            hiring_weeks: mean delay of the gap's closing (< 1: at once).
            ramp_weeks: mean time a new hire needs to become proficient (>= 1).
            layoffs: release staff above the target over ``hiring_weeks``; False: only attrition lowers headcount.
        """
        target = np.asarray(target, dtype=float)
        w = np.asarray(weekly_attrition, dtype=float)
        wanted = target if hiring_weeks < 1 else self.headcount + (target - self.headcount) / hiring_weeks
        stay = self.headcount * (1.0 - w)
        hires = np.maximum(wanted - stay, 0.0)
        released = np.maximum(stay - wanted, 0.0) if layoffs else np.zeros_like(stay)
        with np.errstate(divide="ignore", invalid="ignore"):
            kept = np.where(stay > 0, 1.0 - released / np.where(stay > 0, stay, 1.0), 0.0)
        novices = (self.novices * (1.0 - w) * kept + hires) * (1.0 - 1.0 / ramp_weeks)
        return Workforce(stay - released + hires, novices)
