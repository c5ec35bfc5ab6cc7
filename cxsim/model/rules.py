"""The rules of the journey, assembled once for both engines.

For a person this week, the arguments of every behaviour function come from
three arrays built here and nowhere else:

- ``constants``: the scenario's behaviour constants (:func:`constants`), one vector;
- ``week``: this week's market conditions for the person's replication (:func:`week_rows`);
- ``traits``: the person's segment traits (a row of :func:`trait_table`).

Each decision is one compiled function below; it takes its random numbers from
:mod:`cxsim.model.draws` keyed by (replication key, decision, week, person). The
agents engine calls these functions from ``Customer.step`` one person at a time;
the fast engine calls them in its loop over people. Same functions, same
numbers, same results, customer by customer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from cxsim.model import behaviour as b
from cxsim.model import draws as d
from cxsim.model.draws import Decision
from cxsim.model.segments import TRAITS, Traits
from cxsim.scenario import ScenarioConfig

if TYPE_CHECKING:
    from cxsim.model.mechanisms.base import Week

jit = numba.njit(cache=True, error_model="numpy", inline="always")

# --- the constants vector: positions ------------------------------------------
AWARENESS_EFFECT, PURCHASE_EFFECT, NEGATIVE_PURCHASE_EFFECT, NEGATIVE_CHURN_EFFECT = 0, 1, 2, 3
BUY_ON_AWARENESS, AWARENESS_DECAY, WINBACK_RATE, NEUTRAL = 4, 5, 6, 7
RATE_GROWTH, TENURE_HALF_WEEKS, ENROLMENT, MEMBER_RATE_UPLIFT, MEMBER_DROPOUT_REDUCTION = 8, 9, 10, 11, 12
BASKET_GROWTH, BASKET_SATISFACTION, PRICE, PRODUCT_QUALITY, SERVICE_WEIGHT = 13, 14, 15, 16, 17
SILO_SPREAD, INCONSISTENCY_WEIGHT, DISCONFIRMATION_WEIGHT, NOISE_SD, MEMORY, EXPECTATION_ADAPTATION = (
    18, 19, 20, 21, 22, 23)
FORCED_CHANNEL, FORCED_SHARE, FORCED_PENALTY, ESCALATION_CHANNEL, ESCALATION_SHARE, WEAKEST_LINK = (
    24, 25, 26, 27, 28, 29)
HAS_CHANNELS, WINBACK, LAPSED_FADE = 30, 31, 32
N_CONSTANTS = 33

# --- a week row: positions ----------------------------------------------------
AD_REACH, AD_PERSUASION, AD_EXPECTATION_LIFT, SERVICE_QUALITY = 0, 1, 2, 3
N_WEEK = 4

# --- a trait row: positions (the order of segments.Traits) --------------------
(BASE_RATE, AD_RESPONSE, WOM_RESPONSE, RATE_SHAPE, RATE_SCALE, DROPOUT_A, DROPOUT_B, RATE_SENSITIVITY,
 DROPOUT_SENSITIVITY, NEED_PROBABILITY, EXPECTATION_PRIOR, INITIAL_SATISFACTION, BASKET) = range(13)
assert TRAITS[NEED_PROBABILITY] == "need_probability" and TRAITS[BASKET] == "basket" and len(TRAITS) == 13


def channel_codes(cfg: ScenarioConfig) -> tuple[int, int]:
    """Codes of the channel contacts are pushed into and of the escalation channel (-1: not used)."""
    names, omni = list(cfg.channels), cfg.omnichannel
    forced = names.index(omni.forced_channel) if omni.forced_channel and omni.forced_share > 0 else -1
    escalation = names.index(omni.escalation_channel) if omni.escalation_share > 0 else -1
    return forced, escalation


def constants(cfg: ScenarioConfig) -> np.ndarray:
    """The journey's own behaviour constants as the vector every rule reads.

    The mechanisms' constants (channels, loyalty, silos, win-back) are written by
    their modules: use ``cxsim.model.mechanisms.customer_constants`` for the whole vector.
    """
    wom, pur, rep, sat = cfg.wom, cfg.purchase, cfg.repeat, cfg.satisfaction
    c = np.zeros(N_CONSTANTS)
    c[[AWARENESS_EFFECT, PURCHASE_EFFECT, NEGATIVE_PURCHASE_EFFECT, NEGATIVE_CHURN_EFFECT]] = (
        wom.awareness_effect, wom.purchase_effect, wom.negative_purchase_effect, wom.negative_churn_effect)
    c[[BUY_ON_AWARENESS, AWARENESS_DECAY, NEUTRAL]] = (pur.buy_on_awareness, pur.awareness_decay,
                                                       rep.neutral_satisfaction)
    c[[PRICE, PRODUCT_QUALITY, SERVICE_WEIGHT]] = (pur.price, pur.product_quality, cfg.service.weight)
    c[[DISCONFIRMATION_WEIGHT, NOISE_SD, MEMORY, EXPECTATION_ADAPTATION]] = (
        sat.disconfirmation_weight, sat.noise_sd, sat.memory, sat.expectation_adaptation)
    c[LAPSED_FADE] = wom.lapsed_fade
    return c


def trait_table(traits: list[Traits]) -> np.ndarray:
    """Segment traits as a table: one row per segment code, columns in the order of ``segments.TRAITS``."""
    return np.array([[getattr(t, name) for name in TRAITS] for t in traits], dtype=float)


def week_rows(week: Week, replications: int) -> tuple[np.ndarray, np.ndarray]:
    """This week's conditions as the rules read them: one row per replication, and each channel's quality.

    Returns:
        ``week`` of shape (replications, N_WEEK) and ``channel_quality`` of shape
        (replications, channels), with one column of zeros without channels.
    """
    w = np.empty((replications, N_WEEK))
    w[:, AD_REACH] = week.ad_reach
    w[:, AD_PERSUASION] = week.ad_persuasion
    w[:, AD_EXPECTATION_LIFT] = week.ad_expectation_lift
    w[:, SERVICE_QUALITY] = week.service_quality
    quality = np.zeros((replications, 1)) if week.channel_quality is None else week.channel_quality
    return w, quality


# --- becoming aware -------------------------------------------------------------

@jit
def becomes_aware(c, w, t, key, week, person, good):  # pragma: no cover  (compiled)
    """Do ads or positive WOM make an unaware person aware this week, and was it the ads?

    Returns (aware, credited to ads, buys at once, expected quality).
    """
    reach = w[AD_REACH] * t[AD_RESPONSE]
    wom = c[AWARENESS_EFFECT] * t[WOM_RESPONSE]
    if d.uniform(key, Decision.AWARE, week, person, 0) >= b.awareness_probability(reach, good, wom):
        return False, False, False, 0.0
    ads = d.uniform(key, Decision.CREDIT, week, person, 0) < b.credit_to_ads_probability(reach, good, wom)
    buys = d.uniform(key, Decision.BUY_ON_AWARENESS, week, person, 0) < c[BUY_ON_AWARENESS]
    return True, ads, buys, b.expectation_from_ads(t[EXPECTATION_PRIOR], w[AD_EXPECTATION_LIFT])


@jit
def forgets(c, key, week, person):  # pragma: no cover
    """Does an aware person forget the brand this week?"""
    return d.uniform(key, Decision.FORGET, week, person, 0) < c[AWARENESS_DECAY]


@jit
def purchase_chance(c, w, t, base, good, bad):  # pragma: no cover
    """Weekly chance that an aware or lapsed person buys: ``base`` plus ads plus WOM, less negative WOM."""
    listen = t[WOM_RESPONSE]
    return b.purchase_probability(base, w[AD_PERSUASION] * t[AD_RESPONSE], good, bad, c[PURCHASE_EFFECT] * listen,
                                  c[NEGATIVE_PURCHASE_EFFECT] * listen)


@jit
def buys_first_time(c, w, t, key, week, person, good, bad):  # pragma: no cover
    """Do ads and WOM make an aware person buy this week?"""
    return d.uniform(key, Decision.FIRST_BUY, week, person, 0) < purchase_chance(c, w, t, t[BASE_RATE], good, bad)


@jit
def joins_programme(c, key, week, person):  # pragma: no cover
    """Does a new customer join the loyalty programme?"""
    return d.uniform(key, Decision.ENROL, week, person, 0) < c[ENROLMENT]


@jit
def comes_back(c, w, t, key, week, person, good, bad):  # pragma: no cover
    """Do ads and WOM win a lapsed customer back this week (never, with win-back switched off)?"""
    if c[WINBACK] == 0:
        return False
    return d.uniform(key, Decision.WINBACK, week, person, 0) < purchase_chance(c, w, t, c[WINBACK_RATE], good, bad)


@jit
def stops_talking(c, key, week, person):  # pragma: no cover
    """Does a lapsed customer who still talks about the brand stop this week?"""
    return d.uniform(key, Decision.FADE, week, person, 0) < c[LAPSED_FADE]


# --- staying active -------------------------------------------------------------

@jit
def pushed_away(c, t, key, week, person, bad):  # pragma: no cover
    """Does negative WOM push an active customer away this week?"""
    p = b.churn_probability(bad, c[NEGATIVE_CHURN_EFFECT] * t[WOM_RESPONSE])
    return d.uniform(key, Decision.CHURN, week, person, 0) < p


@jit
def active_rate(c, t, rate, satisfaction, tenure, member):  # pragma: no cover
    """Weekly purchase rate of an active customer: moved by satisfaction, tenure and the loyalty programme."""
    r = b.repeat_rate(rate, satisfaction, c[NEUTRAL], t[RATE_SENSITIVITY])
    if c[RATE_GROWTH] > 0:  # loyal customers buy more often
        r = r * b.tenure_lift(tenure, c[RATE_GROWTH], c[TENURE_HALF_WEEKS])
    if c[ENROLMENT] > 0:
        r = b.member_rate(r, member, c[MEMBER_RATE_UPLIFT])
    return r


@jit
def active_dropout(c, t, dropout, satisfaction, member):  # pragma: no cover
    """Chance of dropping out after a repeat purchase: moved by satisfaction and the loyalty programme."""
    p = b.dropout_probability(dropout, satisfaction, c[NEUTRAL], t[DROPOUT_SENSITIVITY])
    if c[ENROLMENT] > 0:
        p = b.member_dropout(p, member, c[MEMBER_DROPOUT_REDUCTION])
    return p


@jit
def repeat_week(c, t, key, week, person, rate, dropout, satisfaction, tenure, member, repeats_before):  # pragma: no cover
    """One week of BG/NBD for an active customer: Poisson purchases, a dropout chance after each.

    Rate and dropout are moved by satisfaction, tenure and the loyalty
    programme. Purchases stop at the one after which the customer drops out,
    so at whole weeks this is exactly the continuous-time BG/NBD process;
    without a purchase there is no chance to drop out.

    Args:
        repeats_before: the repeat purchases the person made before this week (keys the dropout draws).

    Returns (purchases made, dropped out).
    """
    wanted = d.poisson(d.uniform(key, Decision.REPEAT, week, person, 0),
                       active_rate(c, t, rate, satisfaction, tenure, member))
    if wanted == 0:
        return 0, False
    p = active_dropout(c, t, dropout, satisfaction, member)
    for j in range(wanted):
        if d.uniform(key, Decision.DROPOUT, 0, person, repeats_before + j) < p:
            return j + 1, True
    return wanted, False


# --- buying: paying, service and the experience -----------------------------------

@jit
def basket(c, t, tenure, satisfaction):  # pragma: no cover
    """Spend per purchase relative to the price: the segment's basket, grown with tenure and satisfaction."""
    if c[BASKET_GROWTH] == 0 and c[BASKET_SATISFACTION] == 0:
        return t[BASKET]
    return b.basket_size(t[BASKET], tenure, satisfaction, c[NEUTRAL], c[BASKET_GROWTH], c[TENURE_HALF_WEEKS],
                         c[BASKET_SATISFACTION])


@jit
def service_encounters(t, key, person, purchases_before, purchases):  # pragma: no cover
    """Service encounters a week's purchases need: each purchase needs service with the segment's chance."""
    need = t[NEED_PROBABILITY]
    n = 0
    for k in range(purchases):
        n += d.uniform(key, Decision.SERVICE_NEED, 0, person, purchases_before + k) < need
    return n


@jit
def service_received(c, w, channel_quality, key, week, person, preferred, encounters):  # pragma: no cover
    """Quality of the service a buyer gets: their channel or the one they are pushed into; a problem may continue.

    Returns (quality 0-1, channel served or -1 when no channel served anyone, whether the contact
    continued in the escalation channel).
    """
    if c[HAS_CHANNELS] == 0 or encounters == 0:
        return w[SERVICE_QUALITY], -1, False
    served = preferred
    forced = int(c[FORCED_CHANNEL])
    if forced >= 0 and d.uniform(key, Decision.FORCED, week, person, 0) < c[FORCED_SHARE]:
        served = forced
    quality = b.routed_quality(channel_quality[served], served, preferred, c[FORCED_PENALTY])
    escalation = int(c[ESCALATION_CHANNEL])
    escalated = escalation >= 0 and d.uniform(key, Decision.ESCALATED, week, person, 0) < c[ESCALATION_SHARE]
    if escalated:
        quality = b.escalated_quality(quality, channel_quality[escalation], c[WEAKEST_LINK])
    return quality, served, escalated


@jit
def experience(c, key, purchase_number, person, service_quality, encounters, expectation,
               satisfaction):  # pragma: no cover
    """The week's experience judged against expectation: the score and the satisfaction and expectation after it.

    Args:
        purchase_number: the number of the person's first purchase this week (keys the mood and spreads).

    Returns (score 0-10, satisfaction after, expectation after).
    """
    product, service = c[PRODUCT_QUALITY], service_quality
    spread = c[SILO_SPREAD]
    if spread > 0:  # each department delivers its own way
        product = b.delivered_quality(product, spread, d.normal(key, Decision.PRODUCT_SPREAD, purchase_number, person))
        service = b.delivered_quality(service, spread, d.normal(key, Decision.SERVICE_SPREAD, purchase_number, person))
    quality = b.experienced_quality(product, service, c[SERVICE_WEIGHT], encounters)
    penalty = 0.0
    if c[INCONSISTENCY_WEIGHT] > 0:
        penalty = b.inconsistency_penalty(product, service, encounters, c[INCONSISTENCY_WEIGHT])
    noise = 0.0
    if c[NOISE_SD] > 0:
        noise = c[NOISE_SD] * d.normal(key, Decision.SCORE_NOISE, purchase_number, person)
    score = b.experience_score(quality, expectation, c[DISCONFIRMATION_WEIGHT], noise, penalty)
    return (score, b.updated_satisfaction(satisfaction, score, c[MEMORY]),
            b.updated_expectation(expectation, quality, c[EXPECTATION_ADAPTATION]))
