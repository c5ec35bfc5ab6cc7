"""Value after the horizon: the plan continued, its margins less every spend and cost, as a DCF values a firm.

The question is a weekly budget, so a plan's spends go on after the horizon. The
engines simulate the plan ``runout_weeks`` past the horizon (the same customers, the
same random numbers) and return each week's profit: gross margin less ad, service,
mechanism and fixed costs, each counted in the week it is paid. After the run-out
the market is taken to be in steady state and its mean weekly profit over the last
``STEADY_WEEKS`` is valued as a perpetuity (or, with ``economics.terminal_weeks``, for
that many weeks after the horizon in all). The steady state is checked: when the
last ``STEADY_WEEKS`` differ from the ``STEADY_WEEKS`` before them by more than
``STEADY_TOLERANCE`` of the weekly flows, the value says it did not settle.

Discounting is weekly at the annual rate's weekly equivalent ``w`` (as the NPV):
a flow ``F`` every week for ever after week ``R`` is worth ``F / w * (1 + w)^-R``.
"""

from __future__ import annotations

import math

import numpy as np

STEADY_WEEKS = 13
STEADY_TOLERANCE = 0.02


def weekly_discount(annual_rate: float) -> float:
    """Weekly rate equivalent to an annual discount rate."""
    return (1.0 + annual_rate) ** (1.0 / 52.0) - 1.0


def _annuity(flow: float, weeks: float, w: float) -> float:
    """``flow`` every week for ``weeks`` weeks (``inf``: for ever), in money one week before the first."""
    if math.isinf(weeks):
        return flow / w
    return flow * weeks if w == 0 else flow * -math.expm1(-weeks * math.log1p(w)) / w


def value_after(profit: np.ndarray, revenue: np.ndarray, annual_rate: float, terminal_weeks: float = 0.0,
                run_out: int | None = None) -> tuple[float, bool]:
    """The plan's value after the horizon, in money at the horizon, and whether its cash flow settled.

    Args:
        profit: weekly profit, oldest first: the run-out's weeks (``run_out`` of them, right after the
            horizon), or with ``run_out=0`` the horizon's last weeks (only their steady flow is used).
        revenue: the same weeks' revenue (the scale the steady state is judged on).
        annual_rate: the discount rate.
        terminal_weeks: weeks after the horizon counted (0: for ever).
        run_out: how many of the weeks lie after the horizon (default: all of them).
    """
    w = weekly_discount(annual_rate)
    profit, revenue = np.asarray(profit, dtype=float), np.asarray(revenue, dtype=float)
    run_out = profit.size if run_out is None else run_out
    horizon_weeks = math.inf if terminal_weeks == 0 else float(terminal_weeks)
    counted = int(min(run_out, horizon_weeks))
    factors = (1.0 + w) ** -np.arange(1, counted + 1, dtype=float)
    value = float((profit[:counted] * factors).sum())
    last, before = profit[-STEADY_WEEKS:], profit[-2 * STEADY_WEEKS:-STEADY_WEEKS]
    flow = float(last.mean()) if last.size else 0.0
    scale = float(np.abs(revenue[-STEADY_WEEKS:]).mean() + np.abs(profit[-STEADY_WEEKS:] - revenue[-STEADY_WEEKS:]).mean()) \
        if last.size else 0.0
    steady = before.size == STEADY_WEEKS and abs(flow - float(before.mean())) <= STEADY_TOLERANCE * max(scale, 1e-12)
    remaining = horizon_weeks - counted
    if remaining > 0:
        value += _annuity(flow, remaining, w) * (1.0 + w) ** -counted
    return value, bool(steady)
