"""Docking: the agents engine and the fast engine are one model (Axtell et al. 1996).

On every scenario in scenarios/ and both presets, at a size CI can afford, the
replication means of every metric column agree at several steps within four
standard errors of their difference.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import cxsim
from cxsim.metrics import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
POPULATION, WEEKS, REPLICATIONS = 2_000, 26, 20
STEPS = (4, 13, 26)


def _cases() -> list[tuple[str, cxsim.Scenario]]:
    cases = []
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        for sc in cxsim.load_scenario(path).all_variants():
            cases.append((f"{path.stem}:{sc.name}", sc))
    cases.append(("preset:bass", cxsim.presets.bass(0.03, 0.38)))
    cases.append(("preset:bgnbd", cxsim.presets.bgnbd(0.8, 4.0, 0.6, 3.0)))
    return cases


CASES = _cases()


def docking_misfit(a: cxsim.Results, b: cxsim.Results, steps=STEPS) -> dict[str, float]:
    """|difference of means| / (4 SE of the difference) for every column and step; <= 1 passes.

    The columns are the metrics of every scenario and the per-channel ones (load_phone, ...)
    of scenarios with service channels.
    """
    out = {}
    extra = [c for c in a.timeseries.columns if c in b.timeseries.columns and c not in (*COLUMNS, "replication", "step")]
    for step in steps:
        xa = a.timeseries[a.timeseries["step"] == step]
        xb = b.timeseries[b.timeseries["step"] == step]
        for col in (*COLUMNS, *extra):
            va, vb = xa[col].to_numpy(float), xb[col].to_numpy(float)
            va, vb = va[np.isfinite(va)], vb[np.isfinite(vb)]
            if va.size < 2 or vb.size < 2:
                continue
            diff = abs(va.mean() - vb.mean())
            se = np.sqrt(va.var(ddof=1) / va.size + vb.var(ddof=1) / vb.size)
            out[f"{col}@{step}"] = diff / (4 * se + 1e-9 * (1 + abs(va.mean())))
    return out


@pytest.mark.parametrize("name,scenario", CASES, ids=[c[0] for c in CASES])
def test_engines_agree(name, scenario):
    sc = scenario.with_overrides({"market.population": POPULATION, "market.weeks": WEEKS})
    agents = cxsim.simulate(sc, REPLICATIONS, seed=101, engine="agents", keep_customers=False)
    fast = cxsim.simulate(sc, REPLICATIONS, seed=202, engine="fast", keep_customers=False)
    misfit = docking_misfit(agents, fast)
    worst = sorted(misfit.items(), key=lambda kv: -kv[1])[:5]
    assert all(v <= 1.0 for v in misfit.values()), f"{name}: engines differ: {worst}"


def test_docking_check_detects_a_different_model():
    """The check has power: a 20% change in ad reach is caught."""
    sc = cxsim.load_scenario(ROOT / "scenarios/baseline.toml").with_overrides(
        {"market.population": POPULATION, "market.weeks": WEEKS})
    other = sc.with_overrides({"advertising.max_awareness_rate": 0.048})
    a = cxsim.simulate(sc, REPLICATIONS, seed=1, engine="fast", keep_customers=False)
    b = cxsim.simulate(other, REPLICATIONS, seed=2, engine="fast", keep_customers=False)
    assert max(docking_misfit(a, b).values()) > 1.0
