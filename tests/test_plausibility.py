"""The shipped baseline looks like a real business: every figure of benchmarks/plausibility.py lies in its range."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from plausibility import plausibility  # noqa: E402

ROWS = plausibility(replications=10)


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_the_baseline_lies_in_the_published_range(row):
    assert row.inside, f"{row.name}: {row.value:.3g} outside {row.low:g} to {row.high:g} ({row.source})"
