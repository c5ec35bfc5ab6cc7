"""Numbers and money as people read them: the one formatter every table, sentence and page uses.

A missing or non-finite value is shown as "-", never as "nan" or "inf".
"""

from __future__ import annotations

import math


def missing(x: float | None) -> bool:
    """Whether a value is absent or not a finite number."""
    try:
        return x is None or not math.isfinite(x)
    except TypeError:
        return True


def number(x: float | None, signed: bool = False, whole_from: float = 1000, figures: int = 3) -> str:
    """A number: whole with thousands separators from ``whole_from`` up, else ``figures`` significant figures.

    ``whole_from=0`` shows every number whole; ``signed`` puts "+" before positive numbers.
    """
    if missing(x):
        return "-"
    sign = "+" if signed else ""
    return f"{x:{sign},.0f}" if abs(x) >= whole_from else f"{x:{sign}.{figures}g}"


def percent(p: float | None) -> str:
    """A probability as a whole percentage; "<1%" / ">99%" rather than a false 0% or 100%."""
    if missing(p):
        return "-"
    if 0 < p < 0.005:
        return "<1%"
    if 0.995 < p < 1:
        return ">99%"
    return f"{p:.0%}"


def _with_currency(x: float, signed: bool, digits: str, currency: str) -> str:
    sign = ("+" if x >= 0 else "-") if signed else ("-" if x < 0 else "")
    if not currency:
        return f"{sign}{digits}"
    return f"{sign}{currency}{digits}" if len(currency) == 1 else f"{sign}{digits} {currency}"


def money(x: float | None, currency: str = "", signed: bool = False, decimals: int = 0) -> str:
    """An amount as text with the scenario's currency: "$5,500", "5,500 EUR", "+1,200" (signed), "$12.5"."""
    if missing(x):
        return "-"
    return _with_currency(x, signed, f"{abs(x):,.{decimals}f}", currency)


def short_money(x: float | None, currency: str = "", signed: bool = False) -> str:
    """An amount in a sentence, to three figures at most: "+$57k", "-$1.2M", "$950" (``money`` for tables)."""
    if missing(x):
        return "-"
    size = abs(x)
    digits = (f"{size / 1e6:.1f}M" if size >= 9.95e5 else f"{size / 1e3:.0f}k" if size >= 9_950
              else f"{size / 1e3:.1f}k" if size >= 1_000 else f"{size:.0f}")
    return _with_currency(x, signed, digits, currency)


def unit(currency: str) -> str:
    """What money is counted in, for axis titles and definitions ("$", "EUR" or "money")."""
    return currency or "money"
