"""Plausible ranges of the model's assumptions: where each one could lie, and who says so.

These ranges are the default priors of `cxsim calibrate history` and the worlds of
`--uncertain` (decisions under uncertainty). A range quoted from a study says so in
``source``; the others are stated as assumptions, spanning values the model brief
and the one-at-a-time discovery sweep found plausible. A key without an entry here
falls back to the bounds the scenario schema allows, when both are finite.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cxsim.core.validation import MAX_MAGNITUDE
from cxsim.scenario import Scenario, default_scenario, numeric_bounds

ASSUMED = "an assumption"


@dataclass(frozen=True)
class Range:
    """Where one scenario key plausibly lies.

    Attributes:
        key: dotted scenario key.
        low, high: the range's ends (low < high).
        log: whether the range spans orders of magnitude (sample it log-uniformly).
        source: the study the range comes from, or that it is an assumption.
    """

    key: str
    low: float
    high: float
    log: bool = False
    source: str = ASSUMED

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"{self.key}: a range with finite low < high, got [{self.low}, {self.high}]")
        if self.log and self.low <= 0:
            raise ValueError(f"{self.key}: a log range needs low > 0, got {self.low}")

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the range (ends included)."""
        return self.low <= value <= self.high


_MMM = "marketing-mix models (Robyn, Meridian, PyMC-Marketing)"

RANGES: dict[str, Range] = {r.key: r for r in (
    Range("advertising.adstock_decay", 0.0, 0.8, source=f"0.3-0.8 for TV, 0-0.3 for digital: {_MMM}"),
    Range("advertising.half_saturation", 2_000.0, 32_000.0, log=True,
          source=f"specific to each market ({_MMM}); a quarter to four times the default 8,000 is an assumption"),
    Range("advertising.hill_slope", 0.5, 3.0, source=f"0.5-3: {_MMM}"),
    Range("advertising.max_awareness_rate", 0.01, 0.08, log=True,
          source="an assumption around the default 0.04 a week of a frequently bought category "
                 "(durables: Bass p 0.01-0.03 a year, Sultan, Farley & Lehmann 1990)"),
    Range("advertising.max_persuasion", 0.005, 0.04, log=True, source=ASSUMED),
    Range("wom.awareness_effect", 0.1, 0.6,
          source="an assumption around the default 0.3 a week (durables: Bass q 0.3-0.5 a year, "
                 "Sultan, Farley & Lehmann 1990)"),
    Range("wom.purchase_effect", 0.03, 0.3, log=True, source=ASSUMED),
    Range("wom.negative_purchase_effect", 0.02, 0.2, log=True,
          source="an assumption, below the positive effect (East, Hammond & Lomax 2008)"),
    Range("service.need_probability", 0.1, 0.8, source="specific to each business; an assumption"),
    Range("service.wait_tolerance_minutes", 1.0, 20.0, log=True, source=ASSUMED),
    Range("satisfaction.memory", 0.1, 0.9, source=ASSUMED),
    Range("satisfaction.disconfirmation_weight", 0.25, 2.0, log=True,
          source="an assumption; expectation-disconfirmation (Oliver 1980) gives the direction only"),
    Range("repeat.rate_sensitivity", 0.0, 0.5, source="an assumption; 0 is plain BG/NBD"),
    Range("repeat.dropout_sensitivity", 0.0, 1.0, source="an assumption; 0 is plain BG/NBD"),
)}


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
        return RANGES[key]
    bounds = numeric_bounds(key, scenario or default_scenario())
    if bounds is None:
        raise ValueError(f"a scenario key that holds one number (see `cxsim schema`); {key!r} is not one")
    low, high, _ = bounds
    if -MAX_MAGNITUDE < low and high < MAX_MAGNITUDE:
        return Range(key, low, high, source="the range the scenario schema allows (no published range)")
    raise ValueError(f"a range for {key!r}: it has no published range and the schema does not bound it "
                     "on both sides; give low and high")
