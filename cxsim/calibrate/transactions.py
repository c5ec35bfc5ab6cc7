"""The repeat stage: BG/NBD fitted to a transaction log by maximum likelihood.

A transaction log has one row per purchase: a customer, a date and optionally
an amount. Purchases on the same day count once (their amounts add up), as in
the BG/NBD literature. Customers who made their first purchase by the
calibration end form the cohort; for each, x is the number of repeat purchase
days up to the calibration end, t_x the time of the last one and T the time
from the first purchase to the calibration end, all in weeks (days / 7). The
likelihood of Fader, Hardie & Lee (2005) is maximised over log r, log alpha,
log a, log b; standard errors come from its curvature (the delta method).
Purchases after the calibration end are the holdout: the cohort's actual repeat
purchases there are set against the model's conditional expectations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from cxsim.calibrate.data import DataError, FitError, commented_toml, horizon, numeric_column, parse_date, parse_dates, require_columns
from cxsim.calibrate.numerics import covariance, hessian
from cxsim.model import bgnbd
from cxsim.scenario import presets

MIN_CUSTOMERS = 30
MIN_REPEATERS = 5
LEVEL = 0.95
NAMES = ("r", "alpha", "a", "b")
_LOG_BOUND = 12.0  # |log parameter| at which a fit is said to have run away


@dataclass(frozen=True)
class Spend:
    """Spend per purchase (a customer's purchases on one day count as one)."""

    mean: float
    std_error: float
    purchases: int


@dataclass(frozen=True)
class Holdout:
    """Predicted against actual repeat purchases of the cohort after the calibration end.

    Attributes:
        start, end: the holdout period (after the calibration end, through the last date).
        weeks: its length in weeks.
        actual: repeat purchases the cohort made in it.
        predicted: the sum of the customers' conditional expectations E[Y(t) | x, t_x, T].
        by_frequency: customers grouped by repeat purchases in calibration (0, 1, ..., 7+):
            customers, actual and predicted mean holdout purchases.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    weeks: float
    actual: int
    predicted: float
    by_frequency: pd.DataFrame

    @property
    def relative_error(self) -> float:
        """(predicted - actual) / actual."""
        return (self.predicted - self.actual) / self.actual if self.actual else float("nan")


@dataclass
class TransactionFit:
    """A BG/NBD fit of a transaction log (time in weeks).

    Attributes:
        params: r, alpha (per week), a, b.
        std_errors: their standard errors.
        log_likelihood: the maximised log-likelihood.
        customers: one row per cohort customer: customer, first, x, t_x, T, holdout.
        calibration_end, first_date, last_date: the calendar of the data.
        holdout: the holdout check (None when no data follow the calibration end).
        spend: spend per purchase in the calibration period (None without an amount column).
        tracking: by week: cumulative repeat purchases of the cohort, actual and expected.
        source: where the data came from.
    """

    params: dict[str, float]
    std_errors: dict[str, float]
    log_likelihood: float
    customers: pd.DataFrame
    calibration_end: pd.Timestamp
    first_date: pd.Timestamp
    last_date: pd.Timestamp
    holdout: Holdout | None
    spend: Spend | None
    tracking: pd.DataFrame
    source: str = "<data>"

    @property
    def intervals(self) -> dict[str, tuple[float, float]]:
        """95% confidence intervals, from the normal approximation on the log scale."""
        z = stats.norm.ppf(0.5 + LEVEL / 2)
        spread = {k: math.exp(z * self.std_errors[k] / v) for k, v in self.params.items()}
        return {k: (v / spread[k], v * spread[k]) for k, v in self.params.items()}

    @property
    def n_customers(self) -> int:
        """Customers in the cohort."""
        return len(self.customers)

    @property
    def weeks(self) -> int:
        """Weeks from the first to the last date of the data."""
        return max(1, math.ceil((self.last_date - self.first_date).days / 7))

    def expected_repeat_purchases(self, t: float | np.ndarray) -> float | np.ndarray:
        """E[X(t)] of a new customer, t in weeks."""
        return bgnbd.expected_repeat_purchases(t, *self.values())

    def values(self) -> tuple[float, float, float, float]:
        """(r, alpha, a, b)."""
        return tuple(self.params[k] for k in NAMES)  # type: ignore[return-value]

    def table(self) -> pd.DataFrame:
        """Estimates, standard errors and 95% intervals."""
        units = {"r": "shape", "alpha": "weeks", "a": "shape", "b": "shape"}
        return pd.DataFrame([{"parameter": k, "unit": units[k], "estimate": v, "std_error": self.std_errors[k],
                              "low_95": self.intervals[k][0], "high_95": self.intervals[k][1]}
                             for k, v in self.params.items()])

    def scenario(self, name: str = "calibrated repeat", weeks: int | None = None, base=None):
        """A scenario with the fitted repeat stage (and price, when amounts were given).

        Without ``base`` it is the BG/NBD limit (``cxsim.scenario.presets.bgnbd``): the whole
        cohort buys at week 0, then repeat purchases and dropout follow the fit,
        with satisfaction effects off, so it reproduces the data's repeat
        purchases. With a base scenario only the repeat keys (and the price) are
        replaced; there satisfaction moves rates and dropout away from the drawn
        values unless its sensitivities are 0.
        """
        r, alpha, a, b = self.values()
        keys = {"repeat.rate_shape": r, "repeat.rate_scale": alpha, "repeat.dropout_a": a, "repeat.dropout_b": b}
        if self.spend is not None:
            keys["purchase.price"] = self.spend.mean
        description = (f"BG/NBD fit to {self.source} ({self.n_customers:,} customers, calibration to "
                       f"{self.calibration_end.date()}): r = {r:.4g}, alpha = {alpha:.4g} weeks, "
                       f"a = {a:.4g}, b = {b:.4g}.")
        if base is None:
            sc = presets.bgnbd(r, alpha, a, b, population=max(self.n_customers, 10),
                               steps=horizon(weeks, self.weeks, self.source))
        else:
            sc = base
            if weeks is not None:
                keys["market.weeks"] = horizon(weeks, self.weeks, self.source)
        return sc.with_overrides({**keys, "scenario.name": name, "scenario.description": description})

    def scenario_file(self, name: str = "calibrated repeat", weeks: int | None = None, base=None) -> str:
        """``scenario()`` as a scenario file, with the fit in its header comments."""
        r, alpha, a, b = self.values()
        header = [f"Calibrated by cxsim calibrate transactions from {self.source} "
                  f"(calibration to {self.calibration_end.date()}).",
                  f"BG/NBD: repeat.rate_shape = r = {r:.6g}, repeat.rate_scale = alpha = {alpha:.6g} weeks, "
                  f"repeat.dropout_a = a = {a:.6g}, repeat.dropout_b = b = {b:.6g}.",
                  "Rates and dropout are as drawn at neutral satisfaction; "
                  + ("the scenario is the BG/NBD limit (satisfaction effects off)." if base is None else
                     f"the other keys come from {base.source}.")]
        if self.spend is not None:
            header.append(f"purchase.price = spend per purchase = {self.spend.mean:.2f} +- {self.spend.std_error:.2f}.")
        return commented_toml(self.scenario(name, weeks, base), header)


def _purchase_days(frame: pd.DataFrame, customer_col: str, date_col: str, amount_col: str | None, source: str,
                   date_format: str | None) -> pd.DataFrame:
    """One row per customer and purchase day: customer, day, amount."""
    require_columns(frame, [customer_col, date_col, amount_col], source)
    ids = frame[customer_col]
    if ids.isna().any():
        i = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise DataError(source, f"column {customer_col!r}", "a customer id in every row", f"a blank in data row {i + 1}")
    days = parse_dates(frame, date_col, source, date_format)
    amount = numeric_column(frame, amount_col, source, "an amount") if amount_col else np.zeros(len(frame))
    log = pd.DataFrame({"customer": ids.to_numpy(), "day": days.to_numpy(), "amount": amount})
    return log.groupby(["customer", "day"], as_index=False, sort=True)["amount"].sum()


def _summarise(days: pd.DataFrame, calibration_end: pd.Timestamp) -> pd.DataFrame:
    """Per cohort customer: first purchase, x, t_x, T (weeks) and holdout repeat purchases."""
    first = days.groupby("customer")["day"].transform("min")
    days = days.assign(first=first)
    cohort = days[days["first"] <= calibration_end]
    repeat = cohort["day"] > cohort["first"]
    inside = cohort["day"] <= calibration_end
    g = cohort.assign(cal_repeat=repeat & inside, later=~inside,
                      last_cal=cohort["day"].where(inside)).groupby("customer", sort=True)
    out = pd.DataFrame({
        "first": g["first"].first(),
        "x": g["cal_repeat"].sum().astype(int),
        "t_x": (g["last_cal"].max() - g["first"].first()).dt.days / 7.0,
        "T": (calibration_end - g["first"].first()).dt.days / 7.0,
        "holdout": g["later"].sum().astype(int),
    })
    return out.reset_index()


def _maximise(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, weight: np.ndarray,
              source: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Maximum likelihood on log-parameters: (estimates, covariance of the logs, log-likelihood)."""
    total = float(weight.sum())

    def nll(log_theta: np.ndarray) -> float:  # per customer, so that tolerances do not depend on the size
        theta = np.exp(np.clip(log_theta, -_LOG_BOUND, _LOG_BOUND))
        value = -float(weight @ bgnbd.log_likelihood(x, t_x, T, *theta)) / total
        return value if np.isfinite(value) else 1e300

    rate = (x @ weight + 1.0) / max(T @ weight, 1e-9)  # repeat purchases per customer-week
    starts = [np.log([1.0, 1.0 / rate, 1.0, 3.0]), np.log([0.3, 0.3 / rate, 0.5, 2.0]),
              np.log([3.0, 3.0 / rate, 2.0, 8.0])]
    bounds = [(-_LOG_BOUND, _LOG_BOUND)] * 4
    res = None
    for start in starts:  # the first start that converges; the others if it does not
        res = optimize.minimize(nll, start, method="BFGS", options={"gtol": 1e-6, "maxiter": 500})
        if res.success:
            break
    if not res.success:  # a line search stopped short: polish without gradients
        res = optimize.minimize(nll, np.clip(res.x, -_LOG_BOUND, _LOG_BOUND), method="Nelder-Mead", bounds=bounds,
                                options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 2_000, "maxfev": 3_000,
                                         "adaptive": True})
    what = "the BG/NBD fit"
    if not res.success:
        raise FitError(source, what, f"the optimiser stopped ({res.message.rstrip('.')}); the purchases may not "
                       "follow BG/NBD (e.g. on a fixed schedule), or there are too few repeat purchases")
    edge = [NAMES[i] for i in range(4) if abs(res.x[i]) > _LOG_BOUND - 0.5]
    if edge:
        values = ", ".join(f"{k} = {math.exp(res.x[NAMES.index(k)]):.3g}" for k in edge)
        raise FitError(source, what, f"{values} ran to the edge of the search: the data cannot pin "
                       f"{'it' if len(edge) == 1 else 'them'} down (too few repeat purchases, or no sign of dropout)")
    cov = covariance(total * hessian(nll, res.x, np.full(4, 1e-4)))
    if cov is None:
        raise FitError(source, what, "the likelihood has no clear maximum (its curvature is not negative definite); "
                       "the data cannot separate the parameters")
    return res.x, cov, -float(res.fun) * total


def _holdout(summary: pd.DataFrame, params: tuple[float, ...], start: pd.Timestamp,
             end: pd.Timestamp) -> Holdout | None:
    weeks = (end - start).days / 7.0
    if weeks <= 0:
        return None
    predicted = bgnbd.conditional_expected_purchases(weeks, summary["x"], summary["t_x"], summary["T"], *params)
    group = np.minimum(summary["x"].to_numpy(), 7)
    table = (pd.DataFrame({"calibration_purchases": group, "actual": summary["holdout"], "predicted": predicted})
             .groupby("calibration_purchases").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                                   predicted=("predicted", "mean")).reset_index())
    table["calibration_purchases"] = table["calibration_purchases"].map(lambda k: "7+" if k == 7 else str(k))
    return Holdout(start + pd.Timedelta(days=1), end, weeks, int(summary["holdout"].sum()),
                   float(predicted.sum()), table)


def _tracking(days: pd.DataFrame, summary: pd.DataFrame, params: tuple[float, ...], first_date: pd.Timestamp,
              last_date: pd.Timestamp) -> pd.DataFrame:
    """Cumulative repeat purchases of the cohort by week: actual, and expected from E[X(t)]."""
    n_weeks = max(1, math.ceil((last_date - first_date).days / 7))
    week_end = first_date + pd.to_timedelta(7 * np.arange(1, n_weeks + 1), unit="D")
    firsts = summary.set_index("customer")["first"]
    cohort = days[days["customer"].isin(firsts.index)]
    repeats = np.sort(cohort.loc[cohort["day"] > cohort["customer"].map(firsts), "day"].to_numpy())
    actual = np.searchsorted(repeats, week_end.to_numpy(), side="right")
    starts = summary.groupby("first").size()
    age = (week_end.to_numpy()[:, None] - starts.index.to_numpy()[None, :]) / np.timedelta64(7, "D")
    expected = bgnbd.expected_repeat_purchases(np.maximum(age, 0.0), *params) @ starts.to_numpy()
    return pd.DataFrame({"week": np.arange(1, n_weeks + 1), "week_end": week_end, "actual": actual,
                         "expected": expected})


def fit_transactions(df: pd.DataFrame, customer_col: str, date_col: str, calibration_end: object,
                     amount_col: str | None = None, *, source: str = "<data>",
                     date_format: str | None = None) -> TransactionFit:
    """Fit BG/NBD (r, alpha per week, a, b) to a transaction log by maximum likelihood.

    Args:
        df: one row per purchase.
        customer_col: the customer id column.
        date_col: the purchase date column (time of day is ignored; same-day purchases count once).
        calibration_end: last day of the calibration period (inclusive); later purchases are the holdout.
        amount_col: spend column; gives spend per purchase (same-day amounts add up).
        source: name of the data in error messages (the file).
        date_format: strftime format of the dates when they are not ISO-like.

    Returns:
        The fit with a holdout check and the weekly tracking of repeat purchases.

    Raises:
        DataError: missing columns, unparsable dates, negative amounts, too few customers.
        FitError: the likelihood maximisation did not converge or the data do not pin the parameters down.
    """
    days = _purchase_days(df, customer_col, date_col, amount_col, source, date_format)
    end = parse_date(calibration_end, "calibration end", source)
    first_date, last_date = days["day"].min(), days["day"].max()
    if end < first_date:
        raise DataError(source, "calibration end", f"a date on or after the first purchase ({first_date.date()})",
                        str(end.date()))
    summary = _summarise(days, end)
    repeaters = int((summary["x"] > 0).sum())
    if len(summary) < MIN_CUSTOMERS or repeaters < MIN_REPEATERS:
        raise DataError(source, f"column {customer_col!r}",
                        f"at least {MIN_CUSTOMERS} customers with a first purchase by {end.date()}, "
                        f"{MIN_REPEATERS} of whom bought again before it, to fit BG/NBD",
                        f"{len(summary)} customers, {repeaters} who bought again")
    grouped = summary.groupby(["x", "t_x", "T"]).size().reset_index(name="n")
    log_theta, cov, loglik = _maximise(grouped["x"].to_numpy(float), grouped["t_x"].to_numpy(),
                                       grouped["T"].to_numpy(), grouped["n"].to_numpy(float), source)
    theta = np.exp(log_theta)
    params = dict(zip(NAMES, map(float, theta)))
    std_errors = dict(zip(NAMES, map(float, theta * np.sqrt(np.diag(cov)))))
    spend = None
    if amount_col:
        cohort = days[days["customer"].isin(summary["customer"]) & (days["day"] <= end)]["amount"].to_numpy()
        spend = Spend(float(cohort.mean()), float(cohort.std(ddof=1) / math.sqrt(cohort.size)) if cohort.size > 1
                      else float("nan"), int(cohort.size))
    values = tuple(theta)
    return TransactionFit(
        params=params, std_errors=std_errors, log_likelihood=loglik, customers=summary,
        calibration_end=end, first_date=first_date, last_date=last_date,
        holdout=_holdout(summary, values, end, last_date), spend=spend,
        tracking=_tracking(days, summary, values, first_date, last_date), source=source,
    )
