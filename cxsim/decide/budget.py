"""A weekly budget split between two uses: the one definition the optimiser and sweeps share."""

from __future__ import annotations

from collections.abc import Mapping


def split_overrides(total: float, share: float, share_to: Mapping[str, float],
                    rest_to: Mapping[str, float]) -> dict[str, float]:
    """Scenario overrides that spend ``share`` of ``total`` a week on ``share_to`` and the rest on ``rest_to``.

    Args:
        total: the weekly budget (currency).
        share: the part (0-1) that goes to ``share_to``.
        share_to, rest_to: scenario keys with the weight (summing to 1) of their part of the money.
    """
    out = {key: share * total * weight for key, weight in share_to.items()}
    out.update({key: (1.0 - share) * total * weight for key, weight in rest_to.items()})
    return out
