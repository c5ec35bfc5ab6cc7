"""Contact-centre queues: Erlang C, Erlang A, staffing from money, and one week of a service channel.

Time is measured in minutes of *open time* (the hours the channel is staffed);
``load`` is the offered load in Erlangs, arrivals per minute times the mean
handle time. All functions broadcast over numpy arrays; the engine calls
:func:`week_of_service` once per week with arrays of shape (replications, channels).

Non-integer agents (``agents`` is staff on duty *on average*) use the continuous
extension of Erlang B (Jagerman 1974), ``1/B(x, a) = e^a a^-x Gamma(x + 1, a)``,
which equals Erlang B at whole numbers and is smooth in between; Erlang C and
Erlang A are built on it, so every measure is smooth and strictly monotone in
agents (see docs/queueing.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from cxsim.core.errors import plain

_LOG_NEGLIGIBLE = 45.0     # terms below exp(-45) ~ 3e-20 of the largest are dropped
_MAX_QUEUE_STATES = 2_000_000  # beyond this the Erlang A chain uses its fluid limit


# ---------------------------------------------------------------------------
# Erlang B and C (M/M/n, infinite patience)
# ---------------------------------------------------------------------------

def _agents(agents: ArrayLike) -> np.ndarray:
    """Agents as a float array, checked finite and >= 0."""
    agents = np.asarray(agents, dtype=float)
    if np.any(agents < 0) or not np.all(np.isfinite(agents)):
        raise ValueError(f"agents: expected finite numbers >= 0, got {plain(agents)!r}")
    return agents


def _erlang_b(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Erlang B for real ``n`` >= 0: Poisson-type pmf over the upper incomplete gamma, in log space.

    Exact at whole ``n`` and stable to thousands of agents wherever ``n > a``
    (the denominator is then at least about one half).
    """
    n, a = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(a, dtype=float))
    pos = a > 0
    safe_a = np.where(pos, a, 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        log_pmf = n * np.log(safe_a) - safe_a - special.gammaln(n + 1)
        cdf = special.gammaincc(n + 1, safe_a)
        b = np.where(cdf > 0, np.exp(log_pmf) / np.where(cdf > 0, cdf, 1.0), 1.0)
    b = np.where(n == 0, 1.0, np.where(pos, b, 0.0))
    return np.clip(b, 0.0, 1.0)


def _erlang_c(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Erlang C probability of waiting for real ``n``; 1 where the queue is unstable (n <= a)."""
    n, a = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(a, dtype=float))
    stable = n > a
    b = _erlang_b(n, np.where(stable, a, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(stable, n * b / np.where(stable, n - a * (1.0 - b), 1.0), 1.0)
    return np.where(a > 0, np.clip(c, 0.0, 1.0), np.where(n > 0, 0.0, 1.0))


def erlang_b(agents: ArrayLike, load: ArrayLike) -> np.ndarray:
    """Erlang B: share of arrivals blocked in an M/M/n/n loss system.

    Args:
        agents: servers (real: the continuous extension between whole numbers).
        load: offered load in Erlangs (arrival rate x mean handle time).

    Returns:
        Blocking probability in [0, 1].
    """
    return _erlang_b(_agents(agents), load)[()]


def erlang_c(agents: ArrayLike, load: ArrayLike) -> np.ndarray:
    """Erlang C: probability that an arrival waits (M/M/n, infinite patience).

    ``C = n B / (n - a (1 - B))`` with B the Erlang B blocking.

    Args:
        agents: agents on duty (real: the continuous extension between whole numbers).
        load: offered load in Erlangs.

    Returns:
        P(wait > 0) in [0, 1]; 1 where ``load >= agents`` (the queue grows without bound).
    """
    return _erlang_c(_agents(agents), load)[()]


def _sl_c(n: np.ndarray, a: np.ndarray, h: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Erlang C service level: 1 - C exp(-(n - a) t / h), 0 when unstable (t, h in minutes)."""
    c = _erlang_c(n, a)
    return np.where(n > a, 1.0 - c * np.exp(-np.maximum(n - a, 0.0) * t / h), 0.0)


def erlang_c_service_level(agents: ArrayLike, load: ArrayLike, handle_minutes: ArrayLike,
                           target_seconds: ArrayLike) -> np.ndarray:
    """Share of contacts answered within the target wait, Erlang C.

    ``SL = 1 - C exp(-(n - a) T / h)``; 0 when ``load >= agents``.

    Args:
        agents: agents on duty (real: the continuous extension between whole numbers).
        load: offered load in Erlangs.
        handle_minutes: mean handle time h (talk + wrap-up).
        target_seconds: target wait T (e.g. 20 for "80/20").

    Returns:
        Service level in [0, 1].
    """
    return _sl_c(_agents(agents), np.asarray(load, float), np.asarray(handle_minutes, float),
                 np.divide(target_seconds, 60.0))[()]


def erlang_c_mean_wait(agents: ArrayLike, load: ArrayLike, handle_minutes: ArrayLike) -> np.ndarray:
    """Mean wait in minutes over all contacts (those answered at once count 0), Erlang C.

    Args:
        agents: agents on duty (real: the continuous extension between whole numbers).
        load: offered load in Erlangs.
        handle_minutes: mean handle time.

    Returns:
        ``C h / (n - a)``; inf where ``load >= agents`` (no steady state exists;
        :func:`week_of_service` uses a finite fluid approximation there).
    """
    n = _agents(agents)
    n, a, h = np.broadcast_arrays(n, np.asarray(load, float), np.asarray(handle_minutes, float))
    c = _erlang_c(n, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > a, c * h / np.where(n > a, n - a, 1.0), np.inf)[()]


def occupancy(agents: ArrayLike, load: ArrayLike) -> np.ndarray:
    """Share of agents' time spent handling contacts: min(load, agents) / agents (0 with no agents)."""
    agents = np.asarray(agents, dtype=float)
    load = np.asarray(load, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(agents > 0, np.minimum(load, agents) / np.where(agents > 0, agents, 1.0), 0.0)[()]


# ---------------------------------------------------------------------------
# Erlang A (M/M/n+M: exponential patience)
# ---------------------------------------------------------------------------

@numba.njit(cache=True, nogil=True)
def _queue_length(n: float, a: float, th: float) -> int:  # pragma: no cover
    """States above n where the chain's weight is not yet negligible (-1: too many, use the fluid limit)."""
    logt, m = 0.0, 0.0
    j = 0
    while True:
        r = a / (n + (j + 1) * th)
        if r < 1.0 and logt + math.log(r / (1.0 - r)) < m - _LOG_NEGLIGIBLE:
            return j
        j += 1
        if j > _MAX_QUEUE_STATES:
            return -1
        logt += math.log(r)
        m = max(m, logt)


@numba.njit(cache=True, nogil=True)
def _erlang_a_one(n: float, a: float, th: float, t: float,
                  log_lower: float) -> tuple[float, float, float, float]:  # pragma: no cover
    """Erlang A in units of the mean handle time.

    Args:
        n: agents (real >= 0). a: load (Erlangs). th: abandonment rate over service
        rate (handle / patience), > 0. t: target wait in handle times. log_lower: log of
        the chain's weight below n relative to state n (:func:`_log_lower`).

    Returns:
        P(wait), P(abandon), P(answered within t) among all arrivals, mean queue length.
    """
    if a <= 0.0:
        return 0.0, 0.0, 1.0, 0.0
    jmax = _queue_length(n, a, th)
    if jmax < 0:  # fluid limit of an overloaded chain with very long patience
        return 1.0, 1.0 - n / a, 0.0, (a - n) / th
    # weights relative to state n: below (no wait), and n + j for j = 0..jmax (wait, j ahead)
    m_lo, s_lo = log_lower, (1.0 if log_lower > -np.inf else 0.0)
    logq = np.empty(jmax + 1)
    logq[0] = 0.0
    for j in range(1, jmax + 1):
        logq[j] = logq[j - 1] + math.log(a / (n + j * th))
    m_up = logq.max()
    s_up = np.exp(logq - m_up).sum()
    if s_lo > 0.0:
        m_all = max(m_lo, m_up)
        log_z = m_all + math.log(s_lo * math.exp(m_lo - m_all) + s_up * math.exp(m_up - m_all))
    else:
        log_z = m_up + math.log(s_up)
    q = np.exp(logq - log_z)
    p_wait = min(1.0, q.sum())
    mean_queue = (np.arange(jmax + 1) * q).sum()
    p_abandon = min(1.0, th * mean_queue / a)
    if th * t > 40.0:  # a contact still waiting at t had patience beyond 40 means: P < 4e-18
        served = max(0.0, p_wait - p_abandon)
    else:
        served = _served_within(q, n, th, t)
    return p_wait, p_abandon, min(1.0, max(0.0, 1.0 - p_wait + served)), mean_queue


@numba.njit(cache=True, nogil=True)
def _served_within(q: np.ndarray, n: float, th: float, t: float) -> float:  # pragma: no cover
    """P(wait, then answered within t) for arrivals finding j ahead with probability q[j].

    The tagged contact advances from j ahead to j - 1 at rate n + j th (a service
    completion or an abandonment ahead), is answered from 0 ahead at rate n, and
    abandons itself at rate th; solved exactly by uniformization.
    """
    if n <= 0.0 or t <= 0.0:
        return 0.0
    jlim = q.size - 1
    for j in range(q.size):  # contacts this far back cannot be answered within t
        lam = (n + (j + 1) * th) * t
        if j + 1 > lam + 10.0 * math.sqrt(lam) + 40.0:
            jlim = j
            break
    x = q[: jlim + 1].copy()
    rate = n + (jlim + 1) * th
    lt = rate * t
    steps = int(lt + 10.0 * math.sqrt(lt) + 40.0)
    served, total = 0.0, 0.0
    for m in range(steps + 1):
        total += math.exp(-lt + m * math.log(lt) - math.lgamma(m + 1.0)) * served if m > 0 else 0.0
        served += x[0] * n / rate
        for i in range(jlim + 1):
            stay = 1.0 - (n + i * th + th) / rate
            x[i] = x[i] * stay + (x[i + 1] * (n + (i + 1) * th) / rate if i < jlim else 0.0)
    return total


@numba.njit(cache=True, nogil=True)
def _erlang_a_flat(n, a, th, t, log_lower):  # pragma: no cover
    """:func:`_erlang_a_one` over flat arrays."""
    out = np.empty((4, n.size))
    for i in range(n.size):
        out[0, i], out[1, i], out[2, i], out[3, i] = _erlang_a_one(n[i], a[i], th[i], t[i], log_lower[i])
    return out


def _log_lower(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """log of sum_{k<n} pi_k / pi_n = log(1/B(n, a) - 1) = log(n e^a a^-n Gamma(n, a)), real n.

    Where the regularized incomplete gamma underflows (a far above n) its
    asymptotic series Gamma(n, a) ~ a^(n-1) e^-a (1 + (n-1)/a + (n-1)(n-2)/a^2) is used.
    """
    pos = (n > 0) & (a > 0)
    sn, sa = np.where(pos, n, 1.0), np.where(pos, a, 1.0)
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        q = special.gammaincc(sn, sa)
        exact = np.log(sn) + sa - sn * np.log(sa) + special.gammaln(sn) + np.log(np.where(q > 0, q, 1.0))
        series = np.log(sn / sa) + np.log1p((sn - 1) / sa + (sn - 1) * (sn - 2) / sa ** 2)
    return np.where(pos, np.where(q > 1e-280, exact, series), -np.inf)


def _erlang_a_raw(n: np.ndarray, a: np.ndarray, h: np.ndarray, patience: np.ndarray,
                  t_minutes: np.ndarray) -> np.ndarray:
    """Erlang A: array (4, ...) of P(wait), P(abandon), service level, mean queue length."""
    n, a, h, patience, t_minutes = np.broadcast_arrays(n, a, h, patience, t_minutes)
    flat = [np.array(x, dtype=float).ravel()  # copies: numba is handed writeable arrays
            for x in (n, a, h / patience, t_minutes / h, _log_lower(n, a))]
    return _erlang_a_flat(*flat).reshape((4,) + n.shape)


@dataclass(frozen=True)
class ErlangA:
    """Steady state of an Erlang A queue (M/M/n+M).

    Attributes:
        p_wait: probability that an arrival waits.
        p_abandon: probability that an arrival abandons before being answered.
        service_level: share of *all* arrivals answered within the target (abandoned
            contacts count as not answered within target, whenever they hung up).
        mean_wait_minutes: mean time in queue over all arrivals (answered or abandoned).
        occupancy: share of agents' time handling contacts, ``load (1 - p_abandon) / agents``.
    """

    p_wait: np.ndarray
    p_abandon: np.ndarray
    service_level: np.ndarray
    mean_wait_minutes: np.ndarray
    occupancy: np.ndarray


def erlang_a(agents: ArrayLike, load: ArrayLike, handle_minutes: ArrayLike, patience_minutes: ArrayLike,
             target_seconds: ArrayLike) -> ErlangA:
    """Erlang A (Garnett, Mandelbaum & Reiman 2002): M/M/n with exponential patience.

    Solved from the birth-death chain's stationary distribution in log space,
    truncated where the remaining weight is below exp(-45) of the largest term;
    the service level is exact by uniformization of the tagged contact's race
    between reaching an agent and losing patience. As patience grows the results
    tend to Erlang C when ``load < agents``.

    Args:
        agents: agents on duty (real: the continuous extension between whole numbers).
        load: offered load in Erlangs.
        handle_minutes: mean handle time.
        patience_minutes: mean patience (exponential), > 0.
        target_seconds: target wait for the service level.

    Returns:
        :class:`ErlangA` with arrays of the broadcast shape.
    """
    h = np.asarray(handle_minutes, dtype=float)
    patience = np.asarray(patience_minutes, dtype=float)
    load = np.asarray(load, dtype=float)
    if np.any(h <= 0) or np.any(patience <= 0) or np.any(load < 0):
        raise ValueError("erlang_a: expected handle_minutes > 0, patience_minutes > 0 and load >= 0")
    agents = _agents(agents)
    t = np.asarray(target_seconds, dtype=float) / 60.0
    res = _erlang_a_raw(agents, load, h, patience, t)
    p_wait, p_abandon, sl, mean_queue = res
    with np.errstate(divide="ignore", invalid="ignore"):
        wait = np.where(load > 0, mean_queue * h / np.where(load > 0, load, 1.0), 0.0)
        occ = np.where(agents > 0, load * (1.0 - p_abandon) / np.where(agents > 0, agents, 1.0), 0.0)
    return ErlangA(p_wait[()], p_abandon[()], sl[()], wait[()], np.minimum(occ, 1.0)[()])


def offered_load(erlangs: ArrayLike, agents: ArrayLike) -> np.ndarray:
    """Offered Erlangs per agent: inf with contacts and no agents, 0 with no contacts."""
    erlangs, agents = np.asarray(erlangs, dtype=float), np.asarray(agents, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(erlangs > 0, np.where(agents > 0, erlangs / np.where(agents > 0, agents, 1.0), np.inf), 0.0)


# ---------------------------------------------------------------------------
# Staffing
# ---------------------------------------------------------------------------

def agents_from_spend(weekly_spend: ArrayLike, cost_per_agent_hour: ArrayLike, open_hours: ArrayLike,
                      shrinkage: ArrayLike) -> np.ndarray:
    """Agents on duty on average over the open hours that a weekly spend buys.

    Paid hours ``spend / cost``; a share ``shrinkage`` of them is lost to breaks,
    training, meetings and absence; the rest is spread over the open hours.

    Args:
        weekly_spend: money spent on agents in the week.
        cost_per_agent_hour: fully loaded cost of one paid agent-hour.
        open_hours: hours the channel is staffed in the week.
        shrinkage: share of paid time not available for contacts, in [0, 1).

    Returns:
        ``spend / cost x (1 - shrinkage) / open_hours``.
    """
    shrinkage = np.asarray(shrinkage, dtype=float)
    if np.any((shrinkage < 0) | (shrinkage >= 1)):
        raise ValueError(f"shrinkage: expected a share in [0, 1), got {plain(shrinkage)!r}")
    return (np.asarray(weekly_spend, float) / np.asarray(cost_per_agent_hour, float)
            * (1.0 - shrinkage) / np.asarray(open_hours, float))[()]


def square_root_staffing(load: ArrayLike, beta: ArrayLike) -> np.ndarray:
    """Halfin-Whitt square-root staffing: ``load + beta sqrt(load)`` agents.

    beta about 0.5-1 gives the quality-and-efficiency-driven regime (Halfin & Whitt
    1981; Gans, Koole & Mandelbaum 2003).
    """
    load = np.asarray(load, dtype=float)
    return (load + np.asarray(beta, dtype=float) * np.sqrt(load))[()]


def agents_for_service_level(load: float, handle_minutes: float, target_seconds: float, goal: float) -> int:
    """Fewest whole agents whose Erlang C service level reaches ``goal`` (e.g. 0.8)."""
    if not 0 < goal < 1:
        raise ValueError(f"goal: expected a share in (0, 1), got {goal}")
    n = int(math.floor(load)) + 1
    while _sl_c(np.float64(n), np.float64(load), np.float64(handle_minutes),
                np.float64(target_seconds / 60.0)) < goal:
        n += 1
    return n


# ---------------------------------------------------------------------------
# One week of a service channel
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class WeekOfService:
    """What a service channel did in one week (arrays of the inputs' broadcast shape).

    Attributes:
        contacts: contacts offered: the week's arrivals plus the backlog carried in.
        answered: contacts answered this week.
        abandoned: contacts that hung up before an answer (Erlang A only).
        carried: contacts still waiting at the end of the week (backlog for next week).
        service_level: share of the offered contacts answered within the target
            (abandoned and carried contacts count as missed); 1 when nothing was offered.
        mean_wait_minutes: mean wait of the contacts that left the queue this week
            (answered or abandoned); when none left, the mean time the carried
            contacts have waited this week.
        occupancy: share of the agents' open time spent handling contacts.
        quality_factor: multiplier in (0, 1] of experienced service quality from
            waiting and abandonment (see :func:`experienced_quality`).
    """

    contacts: np.ndarray
    answered: np.ndarray
    abandoned: np.ndarray
    carried: np.ndarray
    service_level: np.ndarray
    mean_wait_minutes: np.ndarray
    occupancy: np.ndarray
    quality_factor: np.ndarray


def experienced_quality(mean_wait_minutes: ArrayLike, answered: ArrayLike, abandoned: ArrayLike,
                        tolerance_minutes: ArrayLike, wait_weight: float = 0.5,
                        abandoned_quality: float = 0.2) -> np.ndarray:
    """Share of service quality the customers experience after waiting, in (0, 1].

    Answered contacts experience ``1 - w W / (W + tau)`` (W the mean wait, tau the
    tolerance: a wait of tau costs half the weight w); abandoned contacts experience
    ``abandoned_quality``; the factor is their average weighted by counts (1 when
    nobody left the queue). Smooth, decreasing in the wait, never below
    ``min(1 - w, abandoned_quality)``.
    """
    wait = np.asarray(mean_wait_minutes, dtype=float)
    answered = np.asarray(answered, dtype=float)
    abandoned = np.asarray(abandoned, dtype=float)
    q_answered = 1.0 - wait_weight * wait / (wait + np.asarray(tolerance_minutes, dtype=float))
    left = answered + abandoned
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (answered * q_answered + abandoned * abandoned_quality) / np.where(left > 0, left, 1.0)
    return np.where(left > 0, q, 1.0)


def _critical_wait(lam: np.ndarray, horizon: float) -> np.ndarray:
    """Mean wait in minutes of a queue at exactly full load over ``horizon`` minutes of open time.

    The queue of a critically loaded M/M/n started empty moves like a reflected
    Brownian motion with variance 2 lambda per minute; its mean over [0, D],
    divided by the service rate lambda, is (4/3) sqrt(D / (pi lambda)).
    """
    with np.errstate(divide="ignore"):
        return np.where(lam > 0, 4.0 / 3.0 * np.sqrt(horizon / (np.pi * np.where(lam > 0, lam, 1.0))), np.inf)


def _slot_c(offered: np.ndarray, n: np.ndarray, h: np.ndarray, minutes: float, t: np.ndarray, horizon: float):
    """One slot of ``minutes`` of an Erlang C queue in a week of ``horizon`` open minutes.

    Returns answered, abandoned (0), answered within target, total wait and busy agent-minutes.
    """
    a = offered * h / minutes
    stable = n > a
    c = _erlang_c(n, np.where(stable, a, 0.0))
    crit = _critical_wait(offered / minutes, horizon)
    with np.errstate(divide="ignore", invalid="ignore"):
        m_stable = h / np.where(stable, n - a, 1.0)
        m_stable = np.where(stable, (m_stable ** -4 + crit ** -4) ** -0.25, 0.0)
        served_share = np.where(a > 0, np.minimum(n / np.where(a > 0, a, 1.0), 1.0), 1.0)
    m_over = np.where(np.isfinite(crit), crit, 0.0) + (1.0 - served_share) * minutes / 2.0
    answered = np.where(stable, offered, n * minutes / h)
    beyond_target = c * np.exp(-np.maximum(n - a, 0.0) * t / h - t / crit)  # P(wait > t), finite week
    within = np.where(stable, offered * (1.0 - beyond_target),
                      answered * (1.0 - np.exp(-t / np.where(m_over > 0, m_over, 1.0))))
    within = np.where(offered > 0, within, 0.0)
    wait = np.where(stable, offered * c * m_stable, answered * m_over)
    return answered, np.zeros_like(answered), within, wait, answered * h


def _slot_a(offered: np.ndarray, n: np.ndarray, h: np.ndarray, minutes: float, t: np.ndarray,
            patience: np.ndarray):
    """One slot of an Erlang A queue: answered, abandoned, within target, total wait, busy."""
    a = offered * h / minutes
    _, p_abandon, sl, mean_queue = _erlang_a_raw(n, a, h, patience, t)
    answered = np.where(n > 0, offered * (1.0 - p_abandon), 0.0)
    return answered, offered - answered, offered * sl, mean_queue * minutes, answered * h


def _slot(offered: np.ndarray, n: np.ndarray, h: np.ndarray, minutes: float, t: np.ndarray, horizon: float,
          patience: np.ndarray):
    """One slot, Erlang A where the patience is finite and Erlang C where it is inf."""
    endless = ~np.isfinite(patience)
    if endless.all():
        return _slot_c(offered, n, h, minutes, t, horizon)
    out_a = _slot_a(offered, n, h, minutes, t, np.where(endless, 1.0, patience))
    if not endless.any():
        return out_a
    out_c = _slot_c(offered, n, h, minutes, t, horizon)
    return tuple(np.where(endless, c, a) for c, a in zip(out_c, out_a))


def _check_week(arrivals, backlog, agents, handle, open_hours, target, patience) -> None:
    """Raises ValueError naming the first input out of range."""
    checks = [("arrivals", arrivals, True), ("backlog", backlog, True), ("agents", agents, True),
              ("handle_minutes", handle, False), ("open_hours", open_hours, False), ("target_seconds", target, True)]
    for name, value, inclusive in checks:
        value = np.asarray(value, dtype=float)
        ok = np.isfinite(value) & ((value >= 0) if inclusive else (value > 0))
        if not np.all(ok):
            sign = ">=" if inclusive else ">"
            raise ValueError(f"week_of_service: {name}: expected finite numbers {sign} 0, got {plain(value)!r}")
    if patience is not None and not np.all(np.asarray(patience, dtype=float) > 0):
        raise ValueError(f"week_of_service: patience_minutes: expected numbers > 0 (inf: no abandonment), "
                         f"got {plain(patience)!r}")


def week_of_service(arrivals: ArrayLike, backlog: ArrayLike, agents: ArrayLike, handle_minutes: ArrayLike,
                    open_hours: float, target_seconds: ArrayLike, patience_minutes: ArrayLike | None = None,
                    profile: ArrayLike | None = None, tolerance_minutes: ArrayLike | None = None,
                    wait_weight: float = 0.5) -> WeekOfService:
    """One week of a service channel as a queue.

    The week's arrivals and the backlog carried in are offered over the open hours,
    evenly (or by ``profile``: weights of equal slots of open time, solved slot by
    slot with the unanswered contacts of a slot carried into the next). Without
    patience the queue is Erlang C: below full load everyone is answered; at or
    above it the agents answer their capacity ``agents x minutes / handle`` and the
    rest is carried to next week, with waits from a fluid approximation. With
    ``patience_minutes`` it is Erlang A: contacts not answered abandon, none carry.
    Email-like channels are the same queue with a long handle time and a target in
    hours (``target_seconds=8 * 3600`` for one working day of open time).

    Args:
        arrivals: new contacts this week.
        backlog: contacts carried in from last week (the previous ``carried``).
        agents: agents on duty on average over the open hours (see :func:`agents_from_spend`).
        handle_minutes: mean handle time per contact.
        open_hours: hours the channel is staffed in the week (> 0).
        target_seconds: target wait, in seconds of open time.
        patience_minutes: mean patience (Erlang A); None, or inf for some channels, for Erlang C.
        profile: optional weights of arrivals over equal slots of the open hours.
        tolerance_minutes: wait that costs half the wait weight in :func:`experienced_quality`;
            default the patience, or without patience ten times the target, at least a minute
            (an assumption).
        wait_weight: share of quality an endless wait costs in :func:`experienced_quality`.

    Returns:
        :class:`WeekOfService` with arrays of the inputs' broadcast shape.
    """
    _check_week(arrivals, backlog, agents, handle_minutes, open_hours, target_seconds, patience_minutes)
    patience = np.inf if patience_minutes is None else patience_minutes
    arrivals, backlog, agents, h, t, patience = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (arrivals, backlog, agents, handle_minutes, target_seconds, patience)))
    t = t / 60.0
    weights = np.ones(1) if profile is None else np.asarray(profile, dtype=float)
    if weights.ndim != 1 or weights.size == 0 or np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError("week_of_service: profile: expected a 1-d array of weights >= 0 with a positive sum")
    weights = weights / weights.sum()
    minutes = float(open_hours) * 60.0 / weights.size
    totals = np.zeros((5,) + agents.shape)   # answered, abandoned, within target, wait, busy
    carry = backlog
    for w in weights:
        offered = carry + arrivals * w
        out = _slot(offered, agents, h, minutes, t, float(open_hours) * 60.0, patience)
        totals += np.stack(out)
        carry = np.maximum(offered - out[0] - out[1], 0.0)
    answered, abandoned, within, wait_total, busy = totals
    contacts = arrivals + backlog
    carried = carry
    left = answered + abandoned
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_wait = np.where(left > 0, wait_total / np.where(left > 0, left, 1.0),
                             np.where(carried > 0, float(open_hours) * 30.0, 0.0))
        service_level = np.where(contacts > 0, within / np.where(contacts > 0, contacts, 1.0), 1.0)
        occ = np.where(agents > 0, busy / (np.where(agents > 0, agents, 1.0) * float(open_hours) * 60.0), 0.0)
    if tolerance_minutes is None:
        tolerance_minutes = np.where(np.isfinite(patience), patience, np.maximum(10.0 * t, 1.0))
    quality = experienced_quality(mean_wait, answered, abandoned, tolerance_minutes, wait_weight)
    quality = np.where((left <= 0) & (carried > 0), 0.2, quality)
    return WeekOfService(contacts, answered, abandoned, carried, np.clip(service_level, 0.0, 1.0), mean_wait,
                         np.clip(occ, 0.0, 1.0), quality)
