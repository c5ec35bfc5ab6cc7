"""Data with known parameters, made by cxsim's own engine: for examples and round trips.

``adoption_series`` is one run of the Bass limit; ``transaction_log`` turns one
run of the BG/NBD limit into a dated transaction log. Both are the run
``cxsim.simulate(scenario, replications=1, seed=seed)`` makes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxsim.calibrate.summaries import survey
from cxsim.model.response import spend_at
from cxsim.model.simulate import engine_class, simulate
from cxsim.scenario import Scenario, presets

HISTORY_OUTCOMES = ("new_customers", "active", "purchases", "revenue", "contacts", "nps")


def adoption_series(p: float, q: float, population: int = 10_000, weeks: int = 52, seed: int = 0) -> pd.DataFrame:
    """New customers per week of one run of the Bass limit: columns week, new_customers."""
    ts = simulate(presets.bass(p, q, population, weeks), replications=1, seed=seed, keep_customers=False,
                  value=False).timeseries
    ts = ts[ts["step"] > 0]
    return pd.DataFrame({"week": ts["step"].to_numpy(), "new_customers": ts["new_customers"].to_numpy()})


def transaction_log(r: float, alpha: float, a: float, b: float, customers: int = 2_000, weeks: int = 78,
                    seed: int = 0, start: str = "2024-01-01", entry_weeks: int = 12,
                    price: float = 60.0) -> pd.DataFrame:
    """A transaction log (customer, date, amount) from one run of the BG/NBD limit.

    Each customer makes a first purchase, then repeat purchases as cxsim counts
    them week by week; the purchases of a week are placed at uniform random times
    within it (as a Poisson process's arrivals are, given their number) and
    dated to the day. Customers join on a random day of the first
    ``entry_weeks`` weeks (their histories are independent, so a shift is exact)
    and the log ends ``weeks`` weeks after ``start``.
    """
    scenario = presets.bgnbd(r, alpha, a, b, population=customers, steps=weeks).with_overrides(
        {"purchase.price": price})
    model = engine_class("fast")(scenario, seed)  # the run simulate() makes
    before = model.population().purchases.copy()
    who, when = [], []
    for week in range(weeks):
        model.step()
        now = model.population().purchases
        bought = np.flatnonzero(now > before)
        who.append(np.repeat(bought, now[bought] - before[bought]))
        when.append(np.full(who[-1].size, week, dtype=float))
        before = now.copy()
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0, 1)))
    ids = np.concatenate(who)
    times = np.concatenate(when) + rng.random(ids.size)  # weeks since the first purchase
    entry = rng.integers(0, max(1, entry_weeks * 7), customers)  # day each customer joins
    day = np.concatenate([entry, entry[ids] + np.floor(times * 7).astype(int)])
    cust = np.concatenate([np.arange(customers), ids])
    keep = day < weeks * 7
    origin = pd.Timestamp(start)
    log = pd.DataFrame({"customer": cust[keep], "date": origin + pd.to_timedelta(day[keep], unit="D"),
                        "amount": price})
    return log.sort_values(["date", "customer"], ignore_index=True)


def company_history(base: Scenario, truth: dict[str, float], seed: int = 0, survey_size: int = 200,
                    survey_every: int = 2, outcomes: tuple[str, ...] = HISTORY_OUTCOMES) -> pd.DataFrame:
    """A company's weekly history from one run of ``base`` with ``truth`` set, as ``cxsim calibrate history`` reads it.

    The spend columns are the base's schedules, one value a week; the outcomes
    are the run's weekly metrics, exact (as a company's own records are),
    except NPS: a survey of ``survey_size`` customers every ``survey_every``
    weeks (blank in between), drawn from the run's promoters and detractors,
    with the survey's size in ``respondents``.
    """
    scenario = base.with_overrides(truth)
    ts = simulate(scenario, replications=1, seed=seed, keep_customers=False).timeseries
    ts = ts[ts["step"] > 0].reset_index(drop=True)
    weeks = np.arange(1, scenario.weeks + 1)
    frame = pd.DataFrame({"week": weeks})
    for key in ("advertising.weekly_spend", "service.weekly_spend"):
        frame[key] = [spend_at(scenario[key], w) for w in range(scenario.weeks)]
    for column in outcomes:
        frame[column] = ts[column].to_numpy()
    if "nps" in outcomes:
        size = np.where(weeks % survey_every == 0, np.minimum(survey_size, ts["active"].to_numpy()), 0)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x5E5, 1)))
        frame["nps"] = np.round(survey(ts, size, rng), 1)
        frame["respondents"] = pd.Series(size, dtype="Int64").mask(size == 0)
    return frame
