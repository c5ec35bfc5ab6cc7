"""The behaviour of one customer, written once.

Pure functions of one customer's numbers, compiled with numba: the agents
engine calls them from ``Customer.step`` one person at a time, the fast engine
calls them inside its loop over people, so both run the same floating-point
operations. None of them draws a random number: the draws come from
:mod:`cxsim.model.draws` and the arguments are assembled in :mod:`cxsim.model.rules`.
"""

from __future__ import annotations

from enum import IntEnum

import numba
import numpy as np

import cxsim.model.kernel_cache  # noqa: F401  (first: drops cached kernels compiled from older sources)

PROMOTER_CUTOFF = 8.5   # 9-10 on the rounded 0-10 scale
DETRACTOR_CUTOFF = 6.5  # 0-6 on the rounded 0-10 scale

jit = numba.njit(cache=True, error_model="numpy")


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


class Voice(IntEnum):
    """What a person says about the brand this week."""

    SILENT = 0      # has never bought
    PROMOTER = 1
    PASSIVE = 2
    DETRACTOR = 3
    QUIET = 4       # bought once, lapsed, and no longer talks about the brand


@jit
def clip01(x: float) -> float:  # pragma: no cover  (compiled)
    """``x`` limited to [0, 1]."""
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


# --- becoming aware ---------------------------------------------------------

@jit
def awareness_probability(ad_reach: float, heard_positive: float, wom_effect: float) -> float:  # pragma: no cover
    """Weekly probability of becoming aware: the Bass hazard p + q * (positive WOM heard)."""
    return clip01(ad_reach + wom_effect * heard_positive)


@jit
def credit_to_ads_probability(ad_reach: float, heard_positive: float, wom_effect: float) -> float:  # pragma: no cover
    """Probability that a new awareness is credited to ads rather than WOM (share of the hazard)."""
    total = ad_reach + wom_effect * heard_positive
    return ad_reach / total if total > 0.0 else 0.0


@jit
def expectation_from_ads(prior: float, ad_lift: float) -> float:  # pragma: no cover
    """Expected quality of someone made aware now: their prior raised by what the ads promise (at most 1)."""
    return min(prior + ad_lift, 1.0)


# --- buying -------------------------------------------------------------------

@jit
def purchase_probability(base: float, ad_persuasion: float, heard_positive: float, heard_negative: float,
                         positive_effect: float, negative_effect: float) -> float:  # pragma: no cover
    """Weekly probability that an aware (or lapsed) person buys: base + ads + WOM - negative WOM."""
    return clip01(base + ad_persuasion + positive_effect * heard_positive - negative_effect * heard_negative)


@jit
def repeat_rate(rate: float, satisfaction: float, neutral: float, sensitivity: float) -> float:  # pragma: no cover
    """Weekly purchase rate of an active customer, moved by satisfaction."""
    return rate * np.exp(sensitivity * (satisfaction - neutral))


@jit
def dropout_probability(dropout: float, satisfaction: float, neutral: float,
                        sensitivity: float) -> float:  # pragma: no cover
    """Probability of dropping out after a repeat purchase, moved by satisfaction."""
    return clip01(dropout * np.exp(-sensitivity * (satisfaction - neutral)))


@jit
def churn_probability(heard_negative: float, negative_churn_effect: float) -> float:  # pragma: no cover
    """Weekly probability that negative WOM pushes an active customer away."""
    return clip01(negative_churn_effect * heard_negative)


# --- service and satisfaction -------------------------------------------------

@jit
def experienced_quality(product_quality: float, service_quality: float, service_weight: float,
                        encounters: int) -> float:  # pragma: no cover
    """Quality of the week's experience: the product, blended with service when it was needed."""
    if encounters > 0:
        return (1 - service_weight) * product_quality + service_weight * service_quality
    return product_quality


@jit
def experience_score(quality: float, expectation: float, disconfirmation_weight: float, noise: float,
                     penalty: float) -> float:  # pragma: no cover
    """Expectation-disconfirmation on the 0-10 scale: 10 (quality + w (quality - expectation)) - penalty + noise.

    ``penalty`` (0-10 points) is what inconsistent touchpoints cost (see ``inconsistency_penalty``);
    ``noise`` is the person's mood that week (normal, sd ``satisfaction.noise_sd``).
    """
    score = 10.0 * (quality + disconfirmation_weight * (quality - expectation)) - penalty + noise
    return 10.0 * clip01(score / 10.0)


@jit
def updated_satisfaction(satisfaction: float, score: float, memory: float) -> float:  # pragma: no cover
    """Satisfaction after an experience: exponential smoothing toward the score."""
    return satisfaction + memory * (score - satisfaction)


@jit
def updated_expectation(expectation: float, quality: float, adaptation: float) -> float:  # pragma: no cover
    """Expectation after an experience: it moves toward what was experienced."""
    return expectation + adaptation * (quality - expectation)


@jit
def is_bad_experience(score: float) -> bool:  # pragma: no cover
    """An experience scored 0-6 (detractor level): what a complaint or a poor survey answer reports."""
    return score < DETRACTOR_CUTOFF


# --- channels and touchpoints -------------------------------------------------

@jit
def routed_quality(quality: float, served: int, preferred: int, forced_penalty: float) -> float:  # pragma: no cover
    """Quality of an encounter, less the penalty of being served in a channel one did not choose."""
    return clip01(quality - forced_penalty * (served != preferred))


@jit
def escalated_quality(quality: float, escalation_quality: float, weakest_link: float) -> float:  # pragma: no cover
    """Quality of a contact that continued in a second channel: pulled toward the weaker of the two."""
    return (1.0 - weakest_link) * 0.5 * (quality + escalation_quality) + weakest_link * min(quality,
                                                                                          escalation_quality)


@jit
def delivered_quality(quality: float, spread: float, noise: float) -> float:  # pragma: no cover
    """Quality a touchpoint delivers to one customer: its level plus a siloed department's spread (noise ~ N(0,1))."""
    return clip01(quality + spread * noise)


@jit
def inconsistency_penalty(product_quality: float, service_quality: float, encounters: int,
                          weight: float) -> float:  # pragma: no cover
    """Satisfaction points lost to the gap between the product and the service met in a week (0 with no service)."""
    return weight * 10.0 * abs(product_quality - service_quality) if encounters > 0 else 0.0


# --- loyalty --------------------------------------------------------------------

@jit
def tenure_lift(tenure: float, growth: float, half_weeks: float) -> float:  # pragma: no cover
    """Multiplier that grows with weeks since the first purchase: 1 + g tenure / (tenure + half)."""
    return 1.0 + growth * tenure / (tenure + half_weeks)


@jit
def basket_size(basket: float, tenure: float, satisfaction: float, neutral: float, growth: float,
                half_weeks: float, satisfaction_effect: float) -> float:  # pragma: no cover
    """Spend per purchase relative to the price: the segment's basket, grown with tenure and satisfaction."""
    return basket * tenure_lift(tenure, growth, half_weeks) * max(1.0 + satisfaction_effect * (satisfaction - neutral),
                                                                  0.0)


@jit
def member_rate(rate: float, member: bool, uplift: float) -> float:  # pragma: no cover
    """Purchase rate of a loyalty-programme member or not."""
    return rate * (1.0 + uplift) if member else rate


@jit
def member_dropout(dropout: float, member: bool, reduction: float) -> float:  # pragma: no cover
    """Dropout probability of a loyalty-programme member or not."""
    return dropout * (1.0 - reduction) if member else dropout


# --- recommending -------------------------------------------------------------

@jit
def nps_class(satisfaction: float) -> int:  # pragma: no cover
    """+1 promoter (9-10), 0 passive (7-8), -1 detractor (0-6) on the rounded 0-10 scale."""
    if satisfaction >= PROMOTER_CUTOFF:
        return 1
    return -1 if satisfaction < DETRACTOR_CUTOFF else 0


@jit
def voice(satisfaction: float, has_bought: bool) -> int:  # pragma: no cover
    """A person's voice: silent until they have bought, then set by their NPS class.

    ``satisfaction`` is the person's answer on the 0-10 scale (their satisfaction plus how they use the scale).
    """
    if not has_bought:
        return 0  # Voice.SILENT
    return 2 - nps_class(satisfaction)  # promoter 1, passive 2, detractor 3


@jit
def voices(satisfaction: np.ndarray, has_bought: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Everyone's voice (int8 codes) from their answer on the 0-10 scale and whether they have bought."""
    out = np.empty(satisfaction.size, np.int8)
    for i in range(satisfaction.size):
        out[i] = voice(satisfaction[i], has_bought[i])
    return out


@jit
def survey_counts(stage: np.ndarray, answer: np.ndarray, n_groups: int) -> np.ndarray:  # pragma: no cover
    """A survey of active customers (stages customer and repeat): (respondents, promoters, detractors) per market.

    ``answer`` is each person's satisfaction plus their scale-use offset; classes follow the 0-10 answer
    rounded as a respondent would (9-10 promoters, 0-6 detractors).
    """
    size = stage.size // n_groups
    out = np.zeros((n_groups, 3), np.int64)
    for g in range(n_groups):  # without branches (answers are unpredictable): nps_class's cutoffs, summed
        respondents = promoters = detractors = 0
        for i in range(g * size, (g + 1) * size):
            active = (stage[i] == 2) | (stage[i] == 3)  # Stage.CUSTOMER, Stage.REPEAT
            respondents += active
            promoters += active & (answer[i] >= PROMOTER_CUTOFF)
            detractors += active & (answer[i] < DETRACTOR_CUTOFF)
        out[g, 0], out[g, 1], out[g, 2] = respondents, promoters, detractors
    return out


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
