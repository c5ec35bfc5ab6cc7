"""The behaviour of one customer, written once.

Every function here works on a Python float (one customer, the agents engine)
and on a numpy array (all customers at once, the fast engine): arithmetic is
written with operators, and the few helpers below pick plain Python for a float. Functions that draw
take the generator as their first argument and draw one value per customer.
"""

from __future__ import annotations

from enum import IntEnum

import math

import numpy as np
from numpy.typing import ArrayLike

PROMOTER_CUTOFF = 8.5   # 9-10 on the rounded 0-10 scale
DETRACTOR_CUTOFF = 6.5  # 0-6 on the rounded 0-10 scale


class Stage(IntEnum):
    """Where a person is in the journey."""

    UNAWARE = 0
    AWARE = 1
    CUSTOMER = 2   # bought once, active
    REPEAT = 3     # bought again, active
    LAPSED = 4     # dropped out; can be won back


class Source(IntEnum):
    """Who won a customer (first-touch: what made them aware)."""

    NONE = 0
    ADS = 1
    WOM = 2
    INITIAL = 3


def _clip01(x: ArrayLike) -> ArrayLike:
    if isinstance(x, float):  # one customer: plain Python is far faster than a numpy call
        return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)
    return np.clip(x, 0.0, 1.0)


def _exp(x: ArrayLike) -> ArrayLike:
    return math.exp(x) if isinstance(x, float) else np.exp(x)


def _where(condition: ArrayLike, yes: ArrayLike, no: ArrayLike) -> ArrayLike:
    if isinstance(condition, bool):
        return yes if condition else no
    return np.where(condition, yes, no)


def _min(a: ArrayLike, b: ArrayLike) -> ArrayLike:
    if isinstance(a, float) and isinstance(b, float):
        return a if a < b else b
    return np.minimum(a, b)


def _max0(x: ArrayLike) -> ArrayLike:
    if isinstance(x, float):
        return x if x > 0.0 else 0.0
    return np.maximum(x, 0.0)


def _normal(rng: np.random.Generator, sd: float, like: ArrayLike) -> ArrayLike:
    """One normal draw per customer (``like`` gives the shape; a float means one customer)."""
    return rng.normal(0.0, sd) if isinstance(like, float) else rng.normal(0.0, sd, np.shape(like))


# --- becoming aware ---------------------------------------------------------

def awareness_probability(ad_reach: float, heard_positive: ArrayLike, wom_effect: float) -> ArrayLike:
    """Weekly probability of becoming aware: the Bass hazard p + q * (positive WOM heard)."""
    return _clip01(ad_reach + wom_effect * heard_positive)


def credit_to_ads_probability(ad_reach: float, heard_positive: ArrayLike, wom_effect: float) -> ArrayLike:
    """Probability that a new awareness is credited to ads rather than WOM (share of the hazard)."""
    total = ad_reach + wom_effect * heard_positive
    if isinstance(total, float):
        return ad_reach / total if total > 0 else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, ad_reach / total, 0.0)


# --- buying -------------------------------------------------------------------

def purchase_probability(base: float, ad_persuasion: float, heard_positive: ArrayLike,
                         heard_negative: ArrayLike, positive_effect: float,
                         negative_effect: float) -> ArrayLike:
    """Weekly probability that an aware (or lapsed) person buys: base + ads + WOM - negative WOM."""
    return _clip01(base + ad_persuasion + positive_effect * heard_positive - negative_effect * heard_negative)


def repeat_rate(rate: ArrayLike, satisfaction: ArrayLike, neutral: float, sensitivity: float) -> ArrayLike:
    """Weekly purchase rate of an active customer, moved by satisfaction."""
    return rate * _exp(sensitivity * (satisfaction - neutral))


def dropout_probability(dropout: ArrayLike, satisfaction: ArrayLike, neutral: float,
                        sensitivity: float) -> ArrayLike:
    """Probability of dropping out after a repeat purchase, moved by satisfaction."""
    return _clip01(dropout * _exp(-sensitivity * (satisfaction - neutral)))


def poisson_from_uniform(u: ArrayLike, rate: ArrayLike) -> ArrayLike:
    """Poisson(rate) by inversion: the smallest k with P(K <= k) >= u.

    Most active customers buy nothing in a given week, so one uniform draw per
    customer settles them; only buyers step further up the distribution.
    """
    if isinstance(u, float):
        k, pmf = 0, math.exp(-rate)
        cdf = pmf
        while u > cdf and pmf > 0.0:
            k += 1
            pmf *= rate / k
            cdf += pmf
        return k
    k = np.zeros(np.shape(u), dtype=np.int64)
    pmf = np.exp(-np.asarray(rate, dtype=float))
    cdf = pmf.copy()
    todo = np.flatnonzero(u > cdf)
    while todo.size:
        k[todo] += 1
        pmf[todo] *= rate[todo] / k[todo]
        cdf[todo] += pmf[todo]
        todo = todo[(u[todo] > cdf[todo]) & (pmf[todo] > 0.0)]
    return k


def purchases_wanted(rng: np.random.Generator, rate: ArrayLike) -> ArrayLike:
    """The purchases an active customer would make this week at their rate: Poisson(rate)."""
    u = rng.random() if isinstance(rate, float) else rng.random(np.shape(rate))
    return poisson_from_uniform(u, rate)


def stop_at_dropout(rng: np.random.Generator, wanted: ArrayLike, dropout: ArrayLike) -> tuple[ArrayLike, ArrayLike]:
    """After each of the ``wanted`` (at least one) purchases, a chance ``dropout`` to drop out.

    Returns the purchases made (up to and including the one after which the
    customer drops out) and whether they dropped out.
    """
    if not isinstance(wanted, np.ndarray):
        until_dropout = int(rng.geometric(max(dropout, 1e-12)))  # purchases up to and including the dropout
        return min(wanted, until_dropout), until_dropout <= wanted
    until_dropout = rng.geometric(np.maximum(dropout, 1e-12))
    return np.minimum(wanted, until_dropout), until_dropout <= wanted


def repeat_week(rng: np.random.Generator, rate: ArrayLike, dropout: ArrayLike) -> tuple[ArrayLike, ArrayLike]:
    """One week of BG/NBD: Poisson purchases, a dropout chance after each.

    Returns the purchases made and whether the customer dropped out. Purchases
    stop at the one after which the customer drops out, so at whole weeks this
    is exactly the continuous-time BG/NBD process. Without a purchase there is
    no chance to drop out.
    """
    wanted = purchases_wanted(rng, rate)
    if isinstance(rate, float):
        return stop_at_dropout(rng, wanted, dropout) if wanted > 0 else (0, False)
    bought, dropped = wanted, np.zeros(np.shape(rate), dtype=bool)
    buyers = np.flatnonzero(wanted)
    bought[buyers], dropped[buyers] = stop_at_dropout(rng, wanted[buyers], dropout[buyers])
    return bought, dropped


def churn_probability(heard_negative: ArrayLike, negative_churn_effect: float) -> ArrayLike:
    """Weekly probability that negative WOM pushes an active customer away."""
    return _clip01(negative_churn_effect * heard_negative)


# --- service and satisfaction -------------------------------------------------

def service_encounters(rng: np.random.Generator, purchases: ArrayLike, need_probability: float) -> ArrayLike:
    """Service encounters needed by a week's purchases."""
    return rng.binomial(purchases, need_probability)


def experienced_quality(product_quality: float, service_quality: float, service_weight: float,
                        encounters: ArrayLike) -> ArrayLike:
    """Quality of the week's experience: the product, blended with service when it was needed."""
    blended = (1 - service_weight) * product_quality + service_weight * service_quality
    return _where(encounters > 0, blended, product_quality)


def experience_score(rng: np.random.Generator, quality: ArrayLike, expectation: ArrayLike,
                     disconfirmation_weight: float, noise_sd: float, penalty: ArrayLike = 0.0) -> ArrayLike:
    """Expectation-disconfirmation on the 0-10 scale: 10 (quality + w (quality - expectation)) - penalty + noise.

    ``penalty`` (0-10 points) is what inconsistent touchpoints cost (see ``inconsistency_penalty``).
    """
    score = 10.0 * (quality + disconfirmation_weight * (quality - expectation))
    if not (isinstance(penalty, float) and penalty == 0.0):
        score = score - penalty
    if noise_sd > 0:
        score = score + (rng.normal(0.0, noise_sd) if isinstance(score, float)
                         else rng.normal(0.0, noise_sd, np.shape(score)))
    return 10.0 * _clip01(score / 10.0)


def updated_satisfaction(satisfaction: ArrayLike, score: ArrayLike, memory: float) -> ArrayLike:
    """Satisfaction after an experience: exponential smoothing toward the score."""
    return satisfaction + memory * (score - satisfaction)


def updated_expectation(expectation: ArrayLike, quality: ArrayLike, adaptation: float) -> ArrayLike:
    """Expectation after an experience: it moves toward what was experienced."""
    return expectation + adaptation * (quality - expectation)


def is_bad_experience(score: ArrayLike) -> ArrayLike:
    """An experience scored 0-6 (detractor level): what a complaint or a poor survey answer reports."""
    return score < DETRACTOR_CUTOFF


def expectation_from_ads(prior: ArrayLike, ad_lift: float) -> ArrayLike:
    """Expected quality of someone made aware now: their prior raised by what the ads promise (at most 1)."""
    expected = prior + ad_lift
    return _min(expected, 1.0) if isinstance(expected, float) else np.minimum(expected, 1.0)


# --- channels and touchpoints -------------------------------------------------

def served_channel(preferred: ArrayLike, forced: int, pushed: ArrayLike) -> ArrayLike:
    """The channel a contact is served in: the forced channel when pushed, else the customer's own."""
    return _where(pushed, forced, preferred)


def routed_quality(quality: ArrayLike, served: ArrayLike, preferred: ArrayLike, forced_penalty: float) -> ArrayLike:
    """Quality of an encounter, less the penalty of being served in a channel one did not choose."""
    return _clip01(quality - forced_penalty * (served != preferred))


def escalated_quality(quality: ArrayLike, escalation_quality: ArrayLike, escalated: ArrayLike,
                      weakest_link: float) -> ArrayLike:
    """Quality of a contact that continued in a second channel: pulled toward the weaker of the two."""
    both = (1.0 - weakest_link) * 0.5 * (quality + escalation_quality) + weakest_link * _min(quality,
                                                                                              escalation_quality)
    return _where(escalated, both, quality)


def delivered_quality(rng: np.random.Generator, quality: ArrayLike, spread: float) -> ArrayLike:
    """Quality a touchpoint delivers to one customer: its level plus the spread of a siloed department."""
    return _clip01(quality + _normal(rng, spread, quality))


def inconsistency_penalty(product_quality: ArrayLike, service_quality: ArrayLike, encounters: ArrayLike,
                          weight: float) -> ArrayLike:
    """Satisfaction points lost to the gap between the product and the service met in a week (0 with no service)."""
    return _where(encounters > 0, weight * 10.0 * abs(product_quality - service_quality), 0.0)


# --- loyalty --------------------------------------------------------------------

def tenure_lift(tenure: ArrayLike, growth: float, half_weeks: float) -> ArrayLike:
    """Multiplier that grows with weeks since the first purchase: 1 + g tenure / (tenure + half)."""
    return 1.0 + growth * tenure / (tenure + half_weeks)


def basket_size(basket: ArrayLike, tenure: ArrayLike, satisfaction: ArrayLike, neutral: float, growth: float,
                half_weeks: float, satisfaction_effect: float) -> ArrayLike:
    """Spend per purchase relative to the price: the segment's basket, grown with tenure and satisfaction."""
    return (basket * tenure_lift(tenure, growth, half_weeks)
            * _max0(1.0 + satisfaction_effect * (satisfaction - neutral)))


def member_rate(rate: ArrayLike, member: ArrayLike, uplift: float) -> ArrayLike:
    """Purchase rate of a loyalty-programme member (``member`` 1) or not (0)."""
    return rate * (1.0 + uplift * member)


def member_dropout(dropout: ArrayLike, member: ArrayLike, reduction: float) -> ArrayLike:
    """Dropout probability of a loyalty-programme member (``member`` 1) or not (0)."""
    return dropout * (1.0 - reduction * member)


# --- recommending -------------------------------------------------------------

def nps_class(satisfaction: ArrayLike) -> ArrayLike:
    """+1 promoter (9-10), 0 passive (7-8), -1 detractor (0-6) on the rounded 0-10 scale."""
    if isinstance(satisfaction, float):
        return 1 if satisfaction >= PROMOTER_CUTOFF else (-1 if satisfaction < DETRACTOR_CUTOFF else 0)
    s = np.asarray(satisfaction)
    return np.where(s >= PROMOTER_CUTOFF, 1, np.where(s < DETRACTOR_CUTOFF, -1, 0))


class Voice(IntEnum):
    """What a person says about the brand this week."""

    SILENT = 0      # has never bought
    PROMOTER = 1
    PASSIVE = 2
    DETRACTOR = 3


def voice(satisfaction: ArrayLike, has_bought: ArrayLike) -> ArrayLike:
    """A person's voice: silent until they have bought, then set by their NPS class."""
    code = Voice.PASSIVE - (satisfaction >= PROMOTER_CUTOFF) + (satisfaction < DETRACTOR_CUTOFF)
    said = code * has_bought  # Voice.SILENT is 0
    return said.astype(np.int8) if isinstance(said, np.ndarray) else int(said)


def talk_table(promoter_talk: float, passive_talk: float, detractor_talk: float) -> np.ndarray:
    """Positive and negative WOM sent per week by each voice (rows: Voice; columns: +, -).

    A U-shape in satisfaction: promoters talk up, detractors talk down, passives
    say little.
    """
    table = np.zeros((len(Voice), 2))
    table[Voice.PROMOTER, 0] = promoter_talk
    table[Voice.PASSIVE, 0] = passive_talk
    table[Voice.DETRACTOR, 1] = detractor_talk
    return table
