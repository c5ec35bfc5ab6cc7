"""Runs: one (design point, variant, replication), its id and its random stream.

A run's id is a hash of what decides its numbers: the variant's full scenario,
the overrides of the point, the replication, the sweep's seed and seed mode and
the engine. The same run has the same id, and so the same numbers, on one
worker, on many, or on a cluster, today or after a resume.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cxsim.core.errors import plain
from cxsim.sweep.spec import SweepSpec

ID_LENGTH = 20  # hex digits: 80 bits


def _digest(value: Any) -> str:
    """SHA-256 of a value's canonical JSON, in hex."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def scenario_key(config: dict[str, Any]) -> str:
    """Hash of a full scenario configuration."""
    return _digest(config)


@dataclass
class Run:
    """One simulation of a sweep.

    Attributes:
        run_id: the deterministic id.
        arm: the variant's label.
        overrides: scenario overrides of the design point.
        replication: the replication number.
        seed: the seed passed to ``simulate``.
        first_replication: the replication number passed to ``simulate``.
        attempts: tries so far in this session (not part of the identity).
    """

    run_id: str
    arm: str
    overrides: dict[str, Any]
    replication: int
    seed: int
    first_replication: int
    attempts: int = field(default=0, compare=False)


def make_run(spec: SweepSpec, arm_key: str, arm: str, overrides: dict[str, Any], replication: int) -> Run:
    """The run of one variant, point and replication, with its id and random stream.

    With ``seeds = "common"`` replication ``r`` of every point and variant draws
    the stream ``(seed, r)``: differences between points are not blurred by
    different luck. With ``"independent"`` each run's seed is taken from its id.
    """
    s = spec.file.sweep
    identity = {"scenario": arm_key, "overrides": overrides, "replication": replication,
                "seed": s.seed, "seeds": s.seeds, "engine": s.engine}
    digest = _digest(identity)
    if s.seeds == "common":
        seed, first = s.seed, replication
    else:
        seed, first = int(digest[ID_LENGTH:ID_LENGTH + 15], 16), 0
    return Run(digest[:ID_LENGTH], arm, overrides, replication, seed, first)


def plan(spec: SweepSpec, design: pd.DataFrame) -> Iterator[tuple[int, Run]]:
    """Every (point, run) of a sweep: points in design order, then variants, then replications."""
    keys = {arm: scenario_key(sc.config.model_dump(mode="json")) for arm, sc in spec.arms.items()}
    names = list(spec.parameters)
    for row in design[["point", *names]].itertuples(index=False):
        overrides = spec.overrides({n: plain(v) for n, v in zip(names, row[1:], strict=True)})
        for arm in spec.arms:
            for r in range(spec.file.sweep.replications):
                yield int(row[0]), make_run(spec, keys[arm], arm, overrides, r)
