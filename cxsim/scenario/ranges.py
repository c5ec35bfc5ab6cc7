"""Plausible ranges of the model's assumptions: where each one could lie, and who says so.

These ranges are the default priors of `cxsim calibrate history` and the worlds of
`--uncertain` (decisions under uncertainty). Each is either *published* (the study
and its figure in ``published``) or *assumed* (what it is assumed from in ``note``),
and every surface that weighs worlds says how many of each it used. A firm's own
figures (costs, ads' saturation spend, handle time, its customers' BG/NBD parameters)
get a range relative to the file's value, so a firm's money is ranged at the firm's
size. A key without an entry here falls back to the bounds the scenario schema
allows, when both are finite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cxsim.core.validation import MAX_MAGNITUDE
from cxsim.scenario import Scenario, default_scenario, numeric_bounds

ASSUMED = "an assumption"


@dataclass(frozen=True)
class Range:
    """Where one scenario key plausibly lies, and whether a study says so or it is assumed.

    Attributes:
        key: dotted scenario key.
        low, high: the range's ends (low < high); with ``relative``, multiples of the scenario's own value.
        log: whether the range spans orders of magnitude (sample it log-uniformly).
        published: the study the range rests on, with its figure; empty for an assumption.
        note: for an assumption, what it is assumed from.
        relative: the range is the scenario's own value times ``low`` to ``high`` (a firm's own costs,
            handle time and customer base differ too much for one absolute range).
    """

    key: str
    low: float
    high: float
    log: bool = False
    published: str = ""
    note: str = ""
    relative: bool = False

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"{self.key}: a range with finite low < high, got [{self.low}, {self.high}]")
        if (self.log or self.relative) and self.low <= 0:
            raise ValueError(f"{self.key}: a log or relative range needs low > 0, got {self.low}")

    @property
    def kind(self) -> str:
        """``"published"`` (a study gives it) or ``"assumed"``."""
        return "published" if self.published else "assumed"

    @property
    def source(self) -> str:
        """What the range rests on, in words: the study, or that it is an assumption (and from what)."""
        if self.published:
            return f"published: {self.published}"
        return f"{ASSUMED}: {self.note}" if self.note else ASSUMED

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the range (ends included)."""
        return self.low <= value <= self.high

    def around(self, value: float) -> Range:
        """A relative range made absolute around a scenario's value (itself when absolute)."""
        if not self.relative:
            return self
        return Range(self.key, self.low * value, self.high * value, self.log, self.published, self.note)


_MMM = "marketing-mix models (Robyn, Meridian, PyMC-Marketing)"
_BTYD = "BG/NBD parameters are fitted per business (CDNOW, weekly: r 0.24, alpha 4.41, a 0.79, b 2.43; Fader, " \
        "Hardie & Lee 2005); half to twice the file's value"

RANGES: dict[str, Range] = {r.key: r for r in (
    Range("advertising.adstock_decay", 0.0, 0.8, published=f"0.3-0.8 for TV, 0-0.3 for digital: {_MMM}"),
    Range("advertising.half_saturation", 0.25, 4.0, log=True, relative=True,
          note=f"specific to each market ({_MMM}); a quarter to four times the file's value (money at the firm's "
               "size: the default 8,000 gives 2,000 to 32,000)"),
    Range("advertising.hill_slope", 0.5, 3.0, published=f"0.5-3: {_MMM}"),
    Range("advertising.max_awareness_rate", 0.01, 0.08, log=True,
          note="around the default 0.04 a week of a frequently bought category "
               "(durables: Bass p 0.01-0.03 a year, Sultan, Farley & Lehmann 1990)"),
    Range("advertising.max_persuasion", 0.005, 0.04, log=True),
    Range("wom.awareness_effect", 0.1, 0.6,
          note="around the default 0.3 a week (durables: Bass q 0.3-0.5 a year, Sultan, Farley & Lehmann 1990)"),
    Range("wom.purchase_effect", 0.03, 0.3, log=True),
    Range("wom.negative_purchase_effect", 0.02, 0.2, log=True,
          note="below the positive effect (East, Hammond & Lomax 2008)"),
    Range("service.need_probability", 0.1, 0.8, note="specific to each business"),
    Range("service.wait_tolerance_minutes", 1.0, 20.0, log=True),
    Range("satisfaction.memory", 0.1, 0.9),
    Range("satisfaction.disconfirmation_weight", 0.25, 2.0, log=True,
          note="expectation-disconfirmation (Oliver 1980) gives the direction only"),
    Range("repeat.rate_sensitivity", 0.0, 0.5, note="0 is plain BG/NBD"),
    Range("repeat.dropout_sensitivity", 0.0, 1.0, note="0 is plain BG/NBD"),
    # the keys that set the answer's size: the customer base, the money's time value, the contact centre's costs
    Range("repeat.rate_shape", 0.5, 2.0, log=True, relative=True, note=_BTYD),
    Range("repeat.rate_scale", 0.5, 2.0, log=True, relative=True, note=_BTYD),
    Range("repeat.dropout_a", 0.5, 2.0, log=True, relative=True, note=_BTYD),
    Range("repeat.dropout_b", 0.5, 2.0, log=True, relative=True, note=_BTYD),
    Range("economics.discount_rate", 0.05, 0.15, note="a firm's cost of capital, typically 5-15% a year"),
    Range("service.cost_per_agent_hour", 0.8, 1.25, relative=True,
          note="the file's own cost, a fifth less to a quarter more (pay, benefits, seat cost)"),
    Range("service.handle_minutes", 0.75, 1.5, relative=True,
          note="the file's own handle time, a quarter less to half more"),
    Range("service.shrinkage", 0.2, 0.45, note="paid time off the phones; contact centres plan about 30-35%"),
)}


def count_kinds(keys) -> str:
    """How many of ``keys`` have a range and how many of those are published: "ranges of 22 assumptions, 2 published"."""
    ranged = [RANGES[k] for k in keys if k in RANGES]
    published = sum(r.kind == "published" for r in ranged)
    return f"ranges of {len(ranged)} assumptions, {published} of them published"


def plausible_range(key: str, scenario: Scenario | None = None) -> Range:
    """The plausible range of ``key``: its entry in ``RANGES``, else the schema's bounds when both are set.

    Args:
        key: a dotted scenario key that holds one number.
        scenario: the scenario it belongs to (names the entries of tables such as ``channels``);
            default: the default scenario.

    Raises:
        ValueError: the key is not a number in the schema, or the schema leaves it unbounded
            (then the range has to be given, e.g. in a priors file).
    """
    if key in RANGES:
        entry = RANGES[key]
        if not entry.relative:
            return entry
        value = (scenario or default_scenario())[key]
        if not (isinstance(value, int | float) and value > 0):
            raise ValueError(f"a positive value of {key!r} to take its relative range around, got {value!r}")
        return entry.around(float(value))
    bounds = numeric_bounds(key, scenario or default_scenario())
    if bounds is None:
        raise ValueError(f"a scenario key that holds one number (see `cxsim schema`); {key!r} is not one")
    low, high, _ = bounds
    if -MAX_MAGNITUDE < low and high < MAX_MAGNITUDE:
        return Range(key, low, high, note="the range the scenario schema allows")
    raise ValueError(f"a range for {key!r}: it has no published range and the schema does not bound it "
                     "on both sides; give low and high")
