"""Rules every file cxsim reads shares: finite numbers of a sane size, and true/false never taken for a number.

Scenario tables and sweep tables both derive from :class:`StrictModel`, so a
``nan`` spend, an ``inf`` price or ``weeks = true`` is refused where it is
written, naming the field, instead of reaching a run.
"""

from __future__ import annotations

import functools
import math
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

MAX_MAGNITUDE = 1e15
"""Largest size of any number in a scenario or sweep file: money, counts and rates all stay far below it,
and sums and products of such numbers over a run stay finite."""
MIN_MAGNITUDE = 1e-12
"""Smallest size of a number other than 0: dividing by it, or raising a ratio with it to a power up to 10,
stays finite (no rate, share or amount means anything below it)."""


def _admits(annotation: Any, kinds: tuple[type, ...]) -> bool:
    """Whether a field's type accepts one of ``kinds`` (itself, or inside a union, list or table)."""
    if annotation is Any or annotation in kinds:
        return True
    return any(_admits(arg, kinds) for arg in typing.get_args(annotation) if arg is not type(None))


@functools.cache
def _bool_is_refused(model: type, name: str) -> bool:
    """Whether a field takes numbers but not true/false (worked out once per field)."""
    field = model.model_fields.get(name)
    return field is not None and _admits(field.annotation, (int, float)) and not _admits(field.annotation, (bool,))


@functools.cache
def _is_table(model: type, name: str) -> bool:
    field = model.model_fields.get(name)
    return field is not None and isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)


def _numbers(value: Any) -> list[Any]:
    """The scalars of a value and of the lists and tables directly inside it."""
    if isinstance(value, dict):
        return list(value.values())
    return list(value) if isinstance(value, list | tuple) else [value]


class StrictModel(BaseModel):
    """A table of a file: unknown keys refused, numbers finite, 0 or between ``MIN_MAGNITUDE`` and
    ``MAX_MAGNITUDE`` in size, true/false accepted only where the field is a switch."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _plain_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or ""
        if _is_table(cls, name):
            return value  # a nested table checks its own fields
        scalars = _numbers(value)
        if _bool_is_refused(cls, name) and any(isinstance(v, bool) for v in scalars):
            raise ValueError("a number, not true or false")
        for v in scalars:
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
                if abs(v) > MAX_MAGNITUDE:
                    raise ValueError(f"a number of size at most {MAX_MAGNITUDE:g}")
                if 0 < abs(v) < MIN_MAGNITUDE:
                    raise ValueError(f"0 or a number of size at least {MIN_MAGNITUDE:g}")
        return value

