"""Random numbers as a function: common random numbers for every decision a customer makes.

Every random decision takes its uniform number from a counter-based generator:
a SplitMix64-style hash of (seed, replication, decision, week, person, counter)
(Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"). Nothing is
consumed from a shared stream, so:

- both engines get exactly the same numbers, whatever order they step people in;
- two plans run with one seed give every person the same dice: a person whose
  path a plan changes moves nobody else's numbers (common random numbers,
  Klein, Abeysuriya, Stuart & Kerr 2024, arXiv 2409.02086).

Weekly decisions are keyed by the week. What happens at a purchase (service
needed, the mood of the experience, dropping out after it) is keyed by the
number of the person's purchase instead, so a person's fifth experience has the
same dice in two plans even when the plans move it to another week.

Drawing the market (network, individual traits, initial customers) keeps a
numpy stream of its own per replication (:func:`market_rng`).
"""

from __future__ import annotations

import math
from enum import IntEnum

import numba
import numpy as np

import cxsim.model.kernel_cache  # noqa: F401  (first: drops cached kernels compiled from older sources)
from cxsim.core.errors import UserError

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


class Decision(IntEnum):
    """Every random decision a customer makes; each has a stream of its own."""

    AWARE = 1            # ads or WOM make me aware
    CREDIT = 2           # was it the ads (or WOM)?
    BUY_ON_AWARENESS = 3
    FORGET = 4           # aware people may forget the brand
    FIRST_BUY = 5
    ENROL = 6            # join the loyalty programme
    CHURN = 7            # negative WOM pushes me away
    REPEAT = 8           # purchases wanted this week (Poisson by inversion)
    DROPOUT = 9          # after each repeat purchase (counter = the person's repeat purchase number)
    WINBACK = 10
    SERVICE_NEED = 11    # one number per purchase (counter = the person's purchase number)
    PRODUCT_SPREAD = 12  # a normal per purchase (slot = the person's purchase number)
    SERVICE_SPREAD = 13  # a normal per purchase
    SCORE_NOISE = 14     # a normal per purchase
    FORCED = 15          # pushed into another channel
    ESCALATED = 16       # the problem continued in a second channel
    FADE = 17            # a lapsed customer stops talking about the brand


@numba.njit(cache=True, error_model="numpy", inline="always")
def _mix(z):  # pragma: no cover  (compiled)
    """SplitMix64's finaliser: a bijection of 64-bit words that scatters every input bit."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@numba.njit(cache=True, error_model="numpy")
def _replication_key(seed, replication):  # pragma: no cover
    return _mix(_mix(np.uint64(seed) + _GOLDEN) ^ (np.uint64(replication) * _GOLDEN + np.uint64(1)))


def replication_key(seed: int, replication: int) -> np.uint64:
    """The key of one replication of a seed: every decision of its people hashes from it."""
    return np.uint64(_replication_key(np.uint64(seed), np.uint64(replication)))


@numba.njit(cache=True, error_model="numpy", inline="always")
def uniform(key, decision, week, person, counter):  # pragma: no cover
    """A uniform number in [0, 1) as a pure function of (key, decision, week, person, counter)."""
    h = _mix(np.uint64(key) ^ (np.uint64(decision) * _GOLDEN))
    h = _mix(h ^ ((np.uint64(week) << np.uint64(32)) | np.uint64(counter)))
    h = _mix(h ^ (np.uint64(person) + _GOLDEN))
    return float(h >> _S11) * _TO_UNIT


@numba.njit(cache=True, error_model="numpy", inline="always")
def normal(key, decision, slot, person):  # pragma: no cover
    """A standard normal number by Box-Muller from two uniforms of the decision (counters 0 and 1).

    ``slot`` takes the place of the week: e.g. the number of the person's purchase.
    """
    u1 = 1.0 - uniform(key, decision, slot, person, 0)  # in (0, 1]: the log is finite
    u2 = uniform(key, decision, slot, person, 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@numba.njit(cache=True, error_model="numpy", inline="always")
def poisson_inversion(u, rate):  # pragma: no cover
    """Poisson(rate) by inversion of one uniform: the smallest k with P(K <= k) >= u.

    Most active customers buy nothing in a given week, so the first comparison
    settles them; only buyers step further up the distribution.
    """
    k = 0
    pmf = math.exp(-rate)
    cdf = pmf
    while u > cdf and pmf > 0.0:
        k += 1
        pmf *= rate / k
        cdf += pmf
    return k


@numba.njit(cache=True, error_model="numpy", inline="always")
def poisson(u, rate):  # pragma: no cover
    """:func:`poisson_inversion`, most weeks without its exponential: exp(-rate) exceeds 1 - rate by far more
    than rounding, so a ``u`` below 1 - rate (less a margin) is 0 exactly as the inversion says."""
    if u <= 1.0 - rate - 1e-12:
        return 0
    return poisson_inversion(u, rate)


NETWORK_STREAM, PEOPLE_STREAM, ORDER_STREAM = 0, 1, 2


def market_rng(seed: int, replication: int, stream: int) -> np.random.Generator:
    """The numpy generator that draws one replication's market: its network, its people,
    or the order of the agents' turns (``*_STREAM``).

    Separate streams keep the network the same when a scenario changes how
    people are drawn, and the same seed draws the same market for every plan.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replication, stream)))


def resolve_seed(seed: int | None) -> int:
    """The seed as an integer >= 0 (``None``: a fresh random seed)."""
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint32)[0])
    if isinstance(seed, bool) or int(seed) != seed or seed < 0:
        raise UserError(f"seed: expected an integer >= 0, got {str(seed)[:40]}")
    return int(seed)


def replication_keys(seed: int, first_replication: int, replications: int) -> np.ndarray:
    """The keys of replications ``first_replication`` onward under ``seed``."""
    return np.array([replication_key(seed, first_replication + r) for r in range(replications)], dtype=np.uint64)


@numba.njit(cache=True, error_model="numpy")
def uniforms(key, decision, week, people):  # pragma: no cover
    """The uniform numbers of one decision in one week for many people (counter 0): for tests and teaching."""
    out = np.empty(people.size)
    for m in range(people.size):
        out[m] = uniform(key, decision, week, people[m], 0)
    return out
