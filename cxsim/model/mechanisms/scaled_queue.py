"""The contact centre of a market simulated at a scale: one week of the queue with the lumps levelled.

At scale k each simulated contact stands for k real ones, so the week's arrivals come in lumps of k;
this module takes the lumps' extra spread out of the queue's measures (``week_of_service_at_scale``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from cxsim.model.mechanisms.queueing import WeekOfService, week_of_service


def week_of_service_at_scale(arrivals: ArrayLike, backlog: ArrayLike, agents: ArrayLike, handle_minutes: ArrayLike,
                             open_hours: float, target_seconds: ArrayLike, scale: float = 1.0,
                             **options) -> WeekOfService:
    """:func:`week_of_service` of a market simulated at a scale: each simulated contact stands for ``scale`` real ones.

    At scale k the week's arrivals are k times a count of simulated contacts, so they vary from week to
    week about k times as much as the real market's (Poisson: a variance of k x arrivals rather than
    arrivals). The queue's measures are curved in the arrivals (the service level is concave where the
    staff are busy), so the extra spread alone would lower their mean (Jensen's inequality: about 1% of
    service level at 100 simulated contacts a week and scale 20). The lumpiness is taken out to second
    order: each measure F becomes ``2 F(a) - (F(a + d) + F(a - d)) / 2`` with ``d = sqrt((k - 1) a)``, whose
    mean over the lumpy arrivals is F's mean over arrivals of the real spread (the delta method). Measures stay
    in their ranges, and answered + abandoned + carried = contacts. The mean wait, steeply convex where the staff
    are busy, and any measure near full load are levelled only roughly (docs/queueing.md). At scale 1 this is
    :func:`week_of_service` itself, to the bit.

    Args:
        arrivals: the week's new contacts at the real size (``scale`` x the simulated contacts).
        scale: real people each simulated person stands for (``market.scale``).
        **options: the further arguments of :func:`week_of_service`.
    """
    if scale == 1:
        return week_of_service(arrivals, backlog, agents, handle_minutes, open_hours, target_seconds, **options)
    arrivals = np.asarray(arrivals, dtype=float)
    spread = np.sqrt(max(float(scale) - 1.0, 0.0) * np.maximum(arrivals, 0.0))
    at, up, down = (week_of_service(a, backlog, agents, handle_minutes, open_hours, target_seconds, **options)
                    for a in (arrivals, arrivals + spread, np.maximum(arrivals - spread, 0.0)))

    def level(name: str) -> np.ndarray:
        return 2.0 * getattr(at, name) - 0.5 * (getattr(up, name) + getattr(down, name))

    # the contacts' three fates, each levelled, kept >= 0 and shared out so they add up to the contacts offered
    names = ("answered", "abandoned", "carried")
    fates = np.maximum(np.stack([level(n) for n in names]), 0.0)
    total = fates.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        fates = np.where(total > 0, fates * at.contacts / np.where(total > 0, total, 1.0),
                         np.stack([getattr(at, n) for n in names]))
    answered, abandoned, carried = fates
    floor = np.minimum(np.minimum(at.quality_factor, up.quality_factor), down.quality_factor)
    return WeekOfService(at.contacts, answered, abandoned, carried, np.clip(level("service_level"), 0.0, 1.0),
                         np.maximum(level("mean_wait_minutes"), 0.0), np.clip(level("occupancy"), 0.0, 1.0),
                         np.clip(level("quality_factor"), floor, 1.0))
