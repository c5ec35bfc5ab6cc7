"""What the benchmarks share: repeated figures written as their median and range."""

from __future__ import annotations

import statistics


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    """Median [lowest, highest] of a list of figures, each written with ``fmt``."""
    return f"{fmt.format(statistics.median(values))} [{fmt.format(min(values))}, {fmt.format(max(values))}]"
