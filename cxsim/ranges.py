"""Plausible ranges of the model's assumptions: where each one could lie, and who says so.

These ranges are the default priors of `cxsim calibrate history` and the worlds of
`--uncertain` (decisions under uncertainty). A range quoted from a study says so in
``source``; the others are stated as assumptions, spanning values the model brief
and the one-at-a-time discovery sweep found plausible. A key without an entry here
falls back to the bounds the scenario schema allows, when both are finite.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from cxsim.scenario import ScenarioConfig, named_tables

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


def schema_field(key: str) -> FieldInfo | None:
    """The schema's field of a dotted key (``section.field`` or ``table.name.field``), or None."""
    parts = key.split(".")
    if len(parts) == 3:
        model = named_tables().get(parts[0])
        return None if model is None else model.model_fields.get(parts[2])
    if len(parts) != 2:
        return None
    section = ScenarioConfig.model_fields.get(parts[0])
    if section is None or not isinstance(section.annotation, type) or not issubclass(section.annotation, BaseModel):
        return None
    return section.annotation.model_fields.get(parts[1])


def is_number_key(key: str) -> bool:
    """Whether ``key`` is a scenario field that holds a single number (not a switch, a name or a schedule only)."""
    field = schema_field(key)
    if field is None:
        return False
    kinds = typing.get_args(field.annotation) or (field.annotation,)
    return any(k in (float, int) or typing.get_origin(k) is typing.Annotated and typing.get_args(k)[0] in (float, int)
               for k in kinds) and bool not in kinds


def schema_bounds(key: str) -> tuple[float, float]:
    """The bounds the schema allows for ``key`` (``-inf``/``inf`` where it sets none)."""
    field = schema_field(key)
    low, high = -math.inf, math.inf
    for m in field.metadata if field is not None else ():
        if isinstance(m, at.Ge | at.Gt):
            low = float(getattr(m, "ge", getattr(m, "gt", low)))
        elif isinstance(m, at.Le | at.Lt):
            high = float(getattr(m, "le", getattr(m, "lt", high)))
    return low, high


def plausible_range(key: str) -> Range:
    """The plausible range of ``key``: its entry in ``RANGES``, else the schema's bounds when both are finite.

    Raises:
        ValueError: the key is not a number in the schema, or the schema leaves it unbounded
            (then the range has to be given, e.g. in a priors file).
    """
    if key in RANGES:
        return RANGES[key]
    if not is_number_key(key):
        raise ValueError(f"a numeric scenario key (see `cxsim schema`); {key!r} is not one")
    low, high = schema_bounds(key)
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"a range for {key!r}: it has no published range and the schema allows [{low}, {high}]; "
                         "give low and high")
    return Range(key, low, high, source="the range the scenario schema allows (no published range)")
