"""The BG/NBD model's closed forms (Fader, Hardie & Lee 2005, Marketing Science 24(2)).

While active a customer buys at Poisson rate lambda ~ Gamma(shape r, rate alpha);
after each repeat purchase they drop out for good with probability p ~ Beta(a, b).
Time is in the unit alpha is in (weeks in cxsim). ``X(t)`` counts the repeat
purchases in (0, t] of a customer who made a first purchase at time 0.

The functions broadcast over their array arguments. Where the hypergeometric
closed form cannot be evaluated (``a`` near 1), the same quantity is computed
as a one-dimensional integral over the Beta-distributed dropout probability.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import integrate, special, stats

_A_NEAR_ONE = 1e-4


def log_likelihood(x: ArrayLike, t_x: ArrayLike, T: ArrayLike,
                   r: float, alpha: float, a: float, b: float) -> np.ndarray:
    """Log-likelihood of each customer's (x, t_x, T) (FHL 2005, eq. 6).

    Args:
        x: repeat purchases in (0, T].
        t_x: time of the last repeat purchase (0 when x = 0).
        T: time from the first purchase to the end of the observation period.
        r, alpha, a, b: the BG/NBD parameters.
    """
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    ln_a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    ln_a2 = special.betaln(a, b + x) - special.betaln(a, b)
    ln_a3 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
                         -np.inf)
    return ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4)


def _beta_average(f, a: float, b: float) -> float:
    """E[f(p)] for p ~ Beta(a, b), by adaptive quadrature."""
    def integrand(p: float) -> float:
        return f(p) * np.exp(stats.beta.logpdf(p, a, b))
    value, _ = integrate.quad(integrand, 0.0, 1.0, limit=200, points=[0.5])
    return value


def _purchases_while_alive(p: float, t: float, shape: float, rate: float) -> float:
    """E[repeat purchases in t] given dropout p, with lambda ~ Gamma(shape, rate): (1 - (rate / (rate + p t))^shape) / p."""
    if p < 1e-12:
        return shape * t / rate
    return -np.expm1(shape * np.log(rate / (rate + p * t))) / p


def expected_repeat_purchases(t: ArrayLike, r: float, alpha: float, a: float, b: float) -> np.ndarray | float:
    """E[X(t)]: expected repeat purchases by time t of a new customer (FHL 2005, eq. 7).

    ``(a + b - 1) / (a - 1) * [1 - (alpha / (alpha + t))^r 2F1(r, b; a + b - 1; t / (alpha + t))]``.
    """
    t_arr = np.asarray(t, dtype=float)
    with np.errstate(all="ignore"):
        value = np.float64(a + b - 1) / np.float64(a - 1) * (
            1 - (alpha / (alpha + t_arr)) ** r * special.hyp2f1(r, b, a + b - 1, t_arr / (alpha + t_arr)))
    bad = ~np.isfinite(value) | (abs(a - 1) < _A_NEAR_ONE)
    if np.any(bad):
        value = np.array(value, dtype=float, ndmin=1)
        flat_t = np.broadcast_to(t_arr, value.shape)
        for i in zip(*np.nonzero(bad.reshape(value.shape))):
            ti = float(flat_t[i])
            value[i] = _beta_average(lambda p, ti=ti: _purchases_while_alive(p, ti, r, alpha), a, b)
        value = value.reshape(t_arr.shape)
    value = np.where(t_arr > 0, value, 0.0)
    return float(value) if value.ndim == 0 else value


def repeat_purchase_pmf(x: ArrayLike, t: ArrayLike, r: float, alpha: float, a: float, b: float) -> np.ndarray | float:
    """P(X(t) = x): probability of exactly x repeat purchases by time t (FHL 2005, eq. 8).

    The first term is a customer still alive at t with x purchases (a negative
    binomial count); the second, for x > 0, one who dropped out after the x-th.
    """
    x = np.asarray(x)
    xf = x.astype(float)
    t_arr = np.asarray(t, dtype=float)
    nb_p = alpha / (alpha + t_arr)  # the negative binomial count's p
    with np.errstate(divide="ignore", invalid="ignore"):
        alive = np.exp(special.betaln(a, b + xf) - special.betaln(a, b)) * stats.nbinom.pmf(x, r, nb_p)
        gone = np.where(
            x > 0,
            np.exp(special.betaln(a + 1, b + np.maximum(xf, 1) - 1) - special.betaln(a, b))
            * stats.nbinom.sf(x - 1, r, nb_p),
            0.0)
    value = np.where(x >= 0, alive + gone, 0.0)
    return float(value) if value.ndim == 0 else value


def probability_alive(x: ArrayLike, t_x: ArrayLike, T: ArrayLike,
                      r: float, alpha: float, a: float, b: float) -> np.ndarray:
    """P(still active at T | x, t_x, T) (FHL 2005, eq. 11 of the technical note)."""
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return np.where(x > 0, 1.0 / (1.0 + np.exp(log_ratio)), 1.0)


def conditional_expected_purchases(t: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike,
                                   r: float, alpha: float, a: float, b: float) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: expected purchases in the next t of a customer with history (x, t_x, T) (FHL 2005, eq. 10)."""
    x, t_x, T = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, t_x, T)))
    alive = probability_alive(x, t_x, T, r, alpha, a, b)
    with np.errstate(all="ignore"):
        z = t / (alpha + T + t)
        bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * special.hyp2f1(r + x, b + x, a + b + x - 1, z)
        value = (a + b + x - 1) / np.float64(a - 1) * bracket * alive
    bad = ~np.isfinite(value) | (abs(a - 1) < _A_NEAR_ONE)
    if np.any(bad):
        value = np.array(value, dtype=float)
        for i in zip(*np.nonzero(bad)):
            xi, Ti = float(x[i]), float(T[i])
            value[i] = alive[i] * _beta_average(
                lambda p, xi=xi, Ti=Ti: _purchases_while_alive(p, t, r + xi, alpha + Ti), a, b + xi)
    return np.where(t > 0, value, 0.0)
