"""A lever: one scenario field as the planner shows it (a slider or a number box)."""

from __future__ import annotations

from dataclasses import dataclass

ASSUMPTION = "no published range; a model assumption"


@dataclass(frozen=True)
class Lever:
    """One scenario field as the page shows it.

    Attributes:
        key: dotted scenario key.
        label: plain-words name.
        help: what it means, in the strategist's terms.
        integer: whole numbers only.
        min_value, max_value: the widget's bounds (``None``: unbounded).
        step: the widget's step.
        fmt: printf-style format of the widget.
        published: published range and source, for behaviour assumptions.
    """

    key: str
    label: str
    help: str
    integer: bool = False
    min_value: float | None = 0.0
    max_value: float | None = None
    step: float = 1.0
    fmt: str = "%.0f"
    published: str = ""
