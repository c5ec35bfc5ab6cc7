"""The acquisition side: Bass diffusion fitted to new customers per period.

Two fits of the same data:

* the continuous-time Bass curve (Srinivasan & Mason 1986): the new customers
  of period t are m (F(t) - F(t-1)) with
  F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}), t in periods from launch,
  fitted by nonlinear least squares. Its p, q (per period) and m are the
  textbook estimates, ``fit.params``. Their standard errors are robust to
  unequal variances (HC3) but assume independent errors around the curve; when
  the noise is in the diffusion itself (an early random surge carries on),
  they understate the uncertainty.
* the discrete weekly recursion cxsim's Bass limit steps,
  F_w = F_{w-1} + (1 - F_{w-1}) (p + q F_{w-1}) with w in weeks, ``fit.weekly``.
  It is fitted one period ahead, as the simulator generates the data: of the
  m - N_{t-1} people not yet won, each adopts in period t with the chance the
  recursion gives over the period from the share N_{t-1} / m, a binomial
  likelihood maximised over p, q and m. Standard errors come from its
  curvature, scaled up by the Pearson dispersion when the counts vary more than
  binomial ones (quasi-likelihood), so they hold for the simulator's own noise.
  Its p and q are weekly hazards and are what the written scenario uses, so the
  scenario reproduces the data without the gap between the two curves (which
  grows with p + q: a weekly step is an Euler step of the continuous equation).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from cxsim.calibrate.data import DataError, FitError, commented_toml, horizon, market_range
from cxsim.calibrate.numerics import covariance, hessian
from cxsim.core.validation import MAX_MAGNITUDE
from cxsim.scenario import presets

PERIODS = {"week": 1.0, "month": 52.0 / 12.0, "quarter": 13.0, "year": 52.0}
MIN_PERIODS = 5
LEVEL = 0.95
_NO_PEAK = ("the series has not turned down yet, so a larger, slower market fits as well; "
            "give more periods (past the peak of new customers)")
_P_GRID = np.geomspace(1e-6, 0.5, 16)
_Q_GRID = np.concatenate([[0.0], np.geomspace(1e-3, 3.0, 18)])


def bass_cdf(t: np.ndarray, p: float | np.ndarray, q: float | np.ndarray) -> np.ndarray:
    """Continuous-time Bass share adopted by time t (in the unit of p and q)."""
    t = np.asarray(t, dtype=float)
    decay = np.exp(-np.multiply.outer(np.add(p, q), t))
    ratio = np.divide(q, p)
    return (1.0 - decay) / (1.0 + np.multiply.outer(ratio, np.ones_like(t)) * decay)


def bass_recursion(weeks: int, p: float | np.ndarray, q: float | np.ndarray,
                   start: float | np.ndarray = 0.0) -> np.ndarray:
    """Share adopted after 0..weeks steps of F_w = F + (1 - F) min(1, p + q F), from F_0 = ``start``.

    Broadcasts over p, q and start; the last axis is the week.
    """
    p, q, f = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (p, q, start)))
    shares = np.empty(p.shape + (weeks + 1,))
    f = f.copy()
    shares[..., 0] = f
    for w in range(1, weeks + 1):
        f = f + (1.0 - f) * np.minimum(1.0, p + q * f)
        shares[..., w] = f
    return shares


def discrete_cdf(t_weeks: np.ndarray, p: float | np.ndarray, q: float | np.ndarray) -> np.ndarray:
    """The weekly recursion from launch at (possibly fractional) times in weeks, linear between weeks."""
    t_weeks = np.asarray(t_weeks, dtype=float)
    return _between_weeks(bass_recursion(int(math.ceil(t_weeks.max())), p, q), t_weeks)


def _after(weeks: float, p: float, q: float, start: np.ndarray) -> np.ndarray:
    """Share adopted ``weeks`` (possibly fractional) after each share in ``start``."""
    return _between_weeks(bass_recursion(int(math.ceil(weeks)), p, q, start), weeks)


def _between_weeks(grid: np.ndarray, t_weeks: np.ndarray | float) -> np.ndarray:
    """Shares by week (the last axis) at times in weeks, linear between weeks."""
    lower = np.floor(t_weeks).astype(int)
    upper = np.minimum(lower + 1, grid.shape[-1] - 1)
    frac = t_weeks - lower
    return grid[..., lower] * (1 - frac) + grid[..., upper] * frac


@dataclass(frozen=True)
class BassEstimate:
    """One curve's least-squares fit: p, q (per its time unit) and m, with standard errors."""

    params: dict[str, float]
    std_errors: dict[str, float]
    fitted: np.ndarray   # fitted new customers per period
    sse: float
    dispersion: float = 1.0   # variance over the binomial variance (weekly fit), scales the standard errors
    exhausted: bool = False   # every one of the m people adopted: m is the total, with no error

    @property
    def intervals(self) -> dict[str, tuple[float, float]]:
        """95% confidence intervals (normal approximation), clipped at 0."""
        z = stats.norm.ppf(0.5 + LEVEL / 2)
        return {k: (max(0.0, v - z * self.std_errors[k]), v + z * self.std_errors[k]) for k, v in self.params.items()}

    @property
    def peak(self) -> float:
        """Time of the adoption peak ln(q/p)/(p+q) of the continuous curve (0 when q <= p)."""
        p, q = self.params["p"], self.params["q"]
        return math.log(q / p) / (p + q) if q > p else 0.0


def _nls(y: np.ndarray, increments: Callable[[np.ndarray, np.ndarray], np.ndarray], what: str,
         source: str) -> BassEstimate:
    """Least squares of y on m * increments(p, q): a scan with m profiled, then a joint refinement."""
    pp, qq = np.meshgrid(_P_GRID, _Q_GRID, indexing="ij")
    g = increments(pp.ravel(), qq.ravel())                      # (grid, periods)
    m = np.maximum((g @ y) / np.maximum((g * g).sum(axis=1), 1e-300), 0.0)
    sse = ((y - m[:, None] * g) ** 2).sum(axis=1)
    best = int(np.argmin(sse))
    start = np.array([pp.ravel()[best], qq.ravel()[best], m[best]])

    def residuals(theta: np.ndarray) -> np.ndarray:
        return theta[2] * increments(theta[:1], theta[1:2])[0] - y

    lower, upper = np.array([1e-9, 0.0, 1e-9]), np.array([1.0, 50.0, np.inf])
    res = optimize.least_squares(residuals, start, bounds=(lower, upper), x_scale=np.maximum(np.abs(start), 1e-6),
                                 xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=500)
    p, q, m = (float(v) for v in res.x)
    if res.status <= 0:
        if m > 100 * max(float(y.sum()), 1.0):
            raise FitError(source, what, f"the market size m ran away (to {m:.3g}): {_NO_PEAK}")
        raise FitError(source, what, f"the optimiser stopped: {res.message}")
    try:  # heteroscedasticity-robust (HC3): counts vary more where the curve is high
        jac, resid = res.jac, res.fun
        bread = np.linalg.inv(jac.T @ jac)
        leverage = np.einsum("ij,jk,ik->i", jac, bread, jac)
        scaled = resid / np.maximum(1.0 - leverage, 1e-3)
        cov = bread @ (jac.T * scaled**2) @ jac @ bread
    except np.linalg.LinAlgError:
        cov = np.full((3, 3), np.inf)
    se = np.sqrt(np.where(np.diag(cov) >= 0, np.diag(cov), np.inf))
    _check(source, what, p, q, m, se, float(y.sum()))
    return BassEstimate({"p": p, "q": q, "m": m}, {"p": float(se[0]), "q": float(se[1]), "m": float(se[2])},
                        m * increments(res.x[:1], res.x[1:2])[0], float(2 * res.cost))


def _check(source: str, what: str, p: float, q: float, m: float, se: np.ndarray, total: float) -> None:
    """Refuse an optimum that is on a bound or not pinned down by the data."""
    if not np.all(np.isfinite(se)) or p <= 2e-9 or p >= 1.0 or q >= 50.0:
        raise FitError(source, what, f"no stable optimum (p = {p:.3g}, q = {q:.3g}, m = {m:.4g}); "
                       "the series may not follow a diffusion curve")
    if se[2] > m or m > 1000 * max(total, 1.0):
        raise FitError(source, what, f"the market size m is not pinned down (m = {m:.4g} +- {se[2]:.2g}): {_NO_PEAK}")


def _fit_weekly(y: np.ndarray, weeks_per_period: float, start: np.ndarray, source: str) -> BassEstimate:
    """The weekly recursion fitted one period ahead by binomial quasi-likelihood."""
    what = "the weekly Bass fit"
    won_before = np.concatenate([[0.0], np.cumsum(y)[:-1]])
    total = float(y.sum())

    def trials_and_chance(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p, q, m = theta
        share = won_before / m
        with np.errstate(divide="ignore", invalid="ignore"):
            chance = np.where(share < 1, (_after(weeks_per_period, p, q, share) - share) / (1 - share), 0.0)
        return m - won_before, np.clip(chance, 1e-300, 1 - 1e-16)

    def nll(theta: np.ndarray) -> float:
        n, chance = trials_and_chance(theta)
        return -float((special.gammaln(n + 1) - special.gammaln(n - y + 1) + y * np.log(chance)
                       + special.xlogy(n - y, 1 - chance)).sum())

    scale = np.maximum(np.abs(start), 1e-9)
    lower = np.array([1e-9, 0.0, max(total, 1e-9)]) / scale
    upper = np.array([1.0, 50.0, 1000 * max(total, 1.0)]) / scale
    bounds = list(zip(lower, upper))
    res = optimize.minimize(lambda z: nll(z * scale), np.clip(np.ones(3), lower, upper), method="L-BFGS-B",
                            bounds=bounds, options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5_000})
    # polish without gradients: a line search can stop short on a flat, noisy optimum
    res = optimize.minimize(lambda z: nll(z * scale), res.x, method="Nelder-Mead", bounds=bounds,
                            options={"xatol": 1e-9, "fatol": 1e-9, "maxiter": 5_000, "maxfev": 5_000})
    if not res.success:
        raise FitError(source, what, f"the optimiser stopped: {res.message}")
    theta = res.x * scale
    # fewer than half a person left to win: every one of the m people adopted, m is the total
    exhausted = theta[2] - total < 0.5
    if exhausted:
        theta[2] = total
    free = 2 if exhausted else 3
    steps = np.maximum(np.abs(theta) * 1e-4, 1e-9)
    steps[2] = min(steps[2], (theta[2] - total) / 2) if not exhausted else steps[2]  # stay above the total
    cov = covariance(hessian(lambda v: nll(np.concatenate([v, theta[free:]])), theta[:free], steps[:free]))
    n, chance = trials_and_chance(theta)
    expected = n * chance
    active = expected >= 1
    pearson = ((y - expected) ** 2 / np.maximum(expected * (1 - chance), 1e-12))[active].sum()
    dispersion = max(1.0, pearson / max(int(active.sum()) - 3, 1))
    se = np.full(3, np.inf) if cov is None else np.sqrt(np.clip(np.diag(cov), 0, None) * dispersion)
    se = np.concatenate([se, np.zeros(3 - free)])
    p, q, m = (float(v) for v in theta)
    _check(source, what, p, q, m, se, total)
    t = np.arange(y.size + 1, dtype=float) * weeks_per_period
    fitted = m * np.diff(discrete_cdf(t, p, q))
    return BassEstimate({"p": p, "q": q, "m": m}, dict(zip("pqm", map(float, se))), fitted,
                        float(((y - fitted) ** 2).sum()), dispersion=dispersion, exhausted=exhausted)


@dataclass
class AdoptionFit:
    """A Bass fit of new customers per period.

    Attributes:
        continuous: the continuous-time Bass curve (Srinivasan & Mason): p, q per period.
        weekly: the discrete weekly recursion of cxsim's Bass limit: p, q per week.
        observed: new customers per period.
        weeks_per_period: length of one period in weeks.
        source: where the data came from (for messages).
    """

    continuous: BassEstimate
    weekly: BassEstimate
    observed: np.ndarray
    weeks_per_period: float = 1.0
    source: str = "<data>"
    warnings: list[str] = field(default_factory=list)

    @property
    def params(self) -> dict[str, float]:
        """Continuous-time Bass p, q (per period) and m (persons)."""
        return self.continuous.params

    @property
    def std_errors(self) -> dict[str, float]:
        """Standard errors of ``params``."""
        return self.continuous.std_errors

    @property
    def intervals(self) -> dict[str, tuple[float, float]]:
        """95% confidence intervals of ``params``."""
        return self.continuous.intervals

    @property
    def periods(self) -> int:
        """Number of periods in the data."""
        return int(self.observed.size)

    @property
    def weeks(self) -> int:
        """Weeks spanned by the data."""
        return int(math.ceil(self.periods * self.weeks_per_period - 1e-9))

    def r_squared(self, which: str = "weekly") -> float:
        """Share of the variance of new customers per period the fitted curve explains."""
        fitted = getattr(self, which).fitted
        ss = ((self.observed - self.observed.mean()) ** 2).sum()
        return float(1 - ((self.observed - fitted) ** 2).sum() / ss) if ss > 0 else float("nan")

    def table(self) -> pd.DataFrame:
        """Both fits side by side: estimate, standard error and 95% interval of p, q and m."""
        unit = "period" if self.weeks_per_period != 1 else "week"
        rows = []
        for label, est, per in (("continuous Bass", self.continuous, unit), ("weekly recursion", self.weekly, "week")):
            for name, value in est.params.items():
                lo, hi = est.intervals[name]
                rows.append({"fit": label, "parameter": name, "unit": "persons" if name == "m" else f"per {per}",
                             "estimate": value, "std_error": est.std_errors[name], "low_95": lo, "high_95": hi})
        return pd.DataFrame(rows)

    def scenario(self, name: str = "calibrated adoption", weeks: int | None = None):
        """A Bass-limit scenario whose weekly hazard p + q F reproduces the fit (see ``cxsim.scenario.presets.bass``).

        In that limit the awareness hazard is advertising.max_awareness_rate x hill(adstock)
        + wom.awareness_effect x (positive WOM heard per contact); ads are at full
        effect (half_saturation 0), every adopter is a promoter sending one unit of
        WOM, people buy when they become aware (buy_on_awareness 1), so the hazard is
        p + q F with p = max_awareness_rate and q = awareness_effect.
        """
        p, q, m = (self.weekly.params[k] for k in ("p", "q", "m"))
        population = int(round(m))
        low, high = market_range("population")
        if not low <= population <= high:
            raise DataError(self.source, "market size m", f"between {low:,} and {high:,} people for a scenario",
                            f"{m:,.0f} (rescale the counts, e.g. to thousands of customers)")
        sc = presets.bass(p, q, population=population, steps=horizon(weeks, self.weeks, self.source))
        description = (f"Bass fit to {self.source} ({self.periods} periods of {self.weeks_per_period:g} week(s)): "
                       f"weekly p = {p:.4g}, q = {q:.4g}, m = {m:,.0f}.")
        return sc.with_overrides({"scenario.name": name, "scenario.description": description})

    def scenario_file(self, name: str = "calibrated adoption", weeks: int | None = None) -> str:
        """``scenario()`` as a scenario file, with the fit in its header comments."""
        w, c = self.weekly, self.continuous
        header = [f"Calibrated by cxsim calibrate adoption from {self.source}.",
                  "Bass limit: weekly hazard p + q F = advertising.max_awareness_rate + wom.awareness_effect x "
                  "(adopted share);",
                  f"weekly p = {w.params['p']:.6g} +- {w.std_errors['p']:.2g}, q = {w.params['q']:.6g} +- "
                  f"{w.std_errors['q']:.2g}, m = {w.params['m']:,.1f} +- {w.std_errors['m']:,.2g} "
                  "(market.population).",
                  f"Continuous Bass per period of {self.weeks_per_period:g} week(s): p = {c.params['p']:.6g}, "
                  f"q = {c.params['q']:.6g}, m = {c.params['m']:,.1f}."]
        return commented_toml(self.scenario(name, weeks), header)


def _as_series(values: Sequence[float] | np.ndarray | pd.Series, source: str, field_name: str) -> np.ndarray:
    y = pd.to_numeric(pd.Series(np.asarray(values).ravel()), errors="coerce").to_numpy(dtype=float)
    if y.size and not np.all(np.isfinite(y)):
        i = int(np.flatnonzero(~np.isfinite(y))[0])
        raise DataError(source, field_name, "a number in every period", f"a missing value in period {i + 1}")
    if y.size and np.abs(y).max() > MAX_MAGNITUDE:
        i = int(np.flatnonzero(np.abs(y) > MAX_MAGNITUDE)[0])
        raise DataError(source, field_name, f"counts of size at most {MAX_MAGNITUDE:g}", f"{y[i]:g} in period {i + 1}")
    return y


def fit_adoption(new_customers_per_period: Sequence[float] | np.ndarray | pd.Series, *, cumulative: bool = False,
                 weeks_per_period: float = 1.0, source: str = "<data>",
                 field_name: str = "new customers") -> AdoptionFit:
    """Fit the Bass model to new customers per period from launch.

    Args:
        new_customers_per_period: new customers in each period, the first period
            starting at launch (or cumulative customers with ``cumulative=True``).
        cumulative: the values are cumulative customers (non-decreasing).
        weeks_per_period: length of one period in weeks (1 week, 52/12 a month, 13 a quarter).
        source: name of the data in error messages (the file).
        field_name: name of the series in error messages (the column).

    Returns:
        The fit: ``params`` (p, q per period, m) of the continuous Bass curve, and
        ``weekly``: the weekly recursion cxsim steps, used by ``scenario()``.

    Raises:
        DataError: too few periods, missing or negative values, a cumulative series that falls.
        FitError: the fit did not converge or the data do not pin down m.
    """
    y = _as_series(new_customers_per_period, source, field_name)
    if cumulative:
        if np.any(np.diff(y) < 0):
            i = int(np.flatnonzero(np.diff(y) < 0)[0])
            raise DataError(source, field_name, "cumulative customers that never fall",
                            f"{y[i]:g} then {y[i + 1]:g} in periods {i + 1}-{i + 2}")
        y = np.diff(y, prepend=0.0)
    if y.size < MIN_PERIODS:
        raise DataError(source, field_name, f"at least {MIN_PERIODS} periods to fit p, q and m", f"{y.size}")
    if np.any(y < 0):
        i = int(np.flatnonzero(y < 0)[0])
        raise DataError(source, field_name, "new customers >= 0 in every period", f"{y[i]:g} in period {i + 1}")
    if np.count_nonzero(y) < 3:
        raise DataError(source, field_name, "new customers in at least 3 periods", f"{np.count_nonzero(y)}")
    if not weeks_per_period > 0:
        raise DataError(source, "weeks per period", "a length > 0", f"{weeks_per_period}")
    t = np.arange(y.size + 1, dtype=float)
    curve = _nls(y, lambda p, q: np.diff(bass_cdf(t, p, q), axis=-1), "the continuous Bass fit", source)
    start = np.array([curve.params["p"] / weeks_per_period, curve.params["q"] / weeks_per_period, curve.params["m"]])
    fit = AdoptionFit(continuous=curve, weekly=_fit_weekly(y, weeks_per_period, start, source), observed=y,
                      weeks_per_period=weeks_per_period, source=source)
    for label, est in (("continuous", fit.continuous), ("weekly", fit.weekly)):
        for k, v in est.params.items():
            if est.std_errors[k] > 0.5 * v:
                fit.warnings.append(f"{label} {k} is poorly determined: {v:.4g} +- {est.std_errors[k]:.2g} "
                                    "(standard error above half the estimate)")
    return fit
