"""Rank the planner's assumptions by how much they move the flagship's value (NPV + terminal value).

Each assumption is moved 20% down and 20% up from the flagship's value (within its bounds),
with the same seed as the base (paired runs); its influence is the mean absolute change in
``value`` over the two moves, relative to the base. Prints the keys most influential first,
the order ``cxsim.views.planner.INFLUENCE`` holds. Run: ``.venv/bin/python scripts/rank_assumptions.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cxsim import load_scenario, simulate  # noqa: E402
from cxsim.views import planner  # noqa: E402

REPLICATIONS, SEED, MOVE = 6, 0, 0.2


def main() -> None:
    base = load_scenario(ROOT / "scenarios" / planner.FLAGSHIP)
    value = simulate(base, REPLICATIONS, SEED, keep_customers=False).summary()["value"].mean()
    rows = []
    for lever in (lv for group in planner.ASSUMPTIONS.values() for lv in group):
        today = float(base[lever.key])
        changes = []
        for factor in (1 - MOVE, 1 + MOVE):
            x = today * factor if today else MOVE * (lever.max_value or 1.0)
            if lever.max_value is not None:
                x = min(x, lever.max_value)
            if lever.min_value is not None:
                x = max(x, lever.min_value)
            moved = simulate(base.with_overrides({lever.key: x}), REPLICATIONS, SEED, keep_customers=False)
            changes.append(abs(moved.summary()["value"].mean() - value) / abs(value))
        rows.append((sum(changes) / 2, lever.key, lever.label))
    for influence, key, label in sorted(rows, reverse=True):
        print(f"{influence:8.3f}  {key:40s} {label}")


if __name__ == "__main__":
    main()
