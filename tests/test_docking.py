"""Docking (Axtell et al. 1996), exactly: the agents engine and the fast engine are one model, draw for draw.

Both engines call the same rules with the same random numbers (common random
numbers keyed by seed, replication, decision, week and person), so on every
scenario in scenarios/ and both presets they give the same customers: stage,
source, first purchase week, purchases, repeat purchases, service encounters
(exactly), satisfaction and revenue (to 1e-9), and the same integer weekly columns.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pandas as pd
import pytest

import cxsim
from cxsim.decide.compare import compare
from cxsim.model.parallel import worker_context

ROOT = Path(__file__).resolve().parent.parent
POPULATION, WEEKS, REPLICATIONS = 2_000, 26, 2
EXACT = ["replication", "customer_id", "stage", "source", "first_purchase_step", "purchases", "repeat_purchases",
         "service_encounters", "segment"]


def _cases() -> list[tuple[str, cxsim.Scenario]]:
    cases = []
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        for sc in cxsim.load_scenario(path).all_variants():
            cases.append((f"{path.stem}:{sc.name}", sc))
    cases.append(("preset:bass", cxsim.scenario.presets.bass(0.03, 0.38)))
    cases.append(("preset:bgnbd", cxsim.scenario.presets.bgnbd(0.8, 4.0, 0.6, 3.0)))
    return cases


CASES = _cases()


def assert_same_customers(a: cxsim.Results, b: cxsim.Results) -> None:
    """Identical customers (satisfaction and revenue to 1e-9) and identical integer weekly columns."""
    ca, cb = a.customers, b.customers
    exact = [c for c in EXACT if c in ca]
    pd.testing.assert_frame_equal(ca[exact], cb[exact])
    for col in ("satisfaction", "revenue"):
        np.testing.assert_allclose(ca[col].to_numpy(float), cb[col].to_numpy(float), rtol=0, atol=1e-9)
    whole = [c for c in a.timeseries.columns if a.timeseries[c].dtype.kind in "iu"]
    assert len(whole) >= 15
    pd.testing.assert_frame_equal(a.timeseries[whole], b.timeseries[whole])


@pytest.mark.parametrize("name,scenario", CASES, ids=[c[0] for c in CASES])
def test_engines_agree_customer_by_customer(name, scenario):
    sc = scenario.with_overrides({"market.population": POPULATION, "market.weeks": WEEKS})
    agents = cxsim.simulate(sc, REPLICATIONS, seed=101, engine="agents")
    fast = cxsim.simulate(sc, REPLICATIONS, seed=101, engine="fast")  # two replications side by side
    assert_same_customers(agents, fast)


def test_the_exact_check_detects_a_different_model():
    """The check has power: a 5% change in ad reach changes customers."""
    sc = cxsim.load_scenario(ROOT / "scenarios/baseline.toml").with_overrides(
        {"market.population": POPULATION, "market.weeks": WEEKS})
    other = sc.with_overrides({"advertising.max_awareness_rate": sc["advertising.max_awareness_rate"] * 1.05})
    a = cxsim.simulate(sc, 1, seed=1, engine="fast")
    b = cxsim.simulate(other, 1, seed=1, engine="agents")
    with pytest.raises(AssertionError):
        assert_same_customers(a, b)


def test_a_replication_is_the_same_run_alone_or_in_a_batch():
    sc = cxsim.load_scenario(ROOT / "scenarios/baseline.toml").with_overrides(
        {"market.population": POPULATION, "market.weeks": WEEKS})
    together = cxsim.simulate(sc, 3, seed=4)
    alone = cxsim.simulate(sc, 1, seed=4, first_replication=2)
    third = together.customers[together.customers["replication"] == 2].reset_index(drop=True)
    pd.testing.assert_frame_equal(third, alone.customers)


def test_results_do_not_depend_on_the_number_of_threads():
    sc = cxsim.load_scenario(ROOT / "scenarios/people_vs_ads.toml").with_overrides(
        {"market.population": 20_000, "market.weeks": 20})  # more people than one parallel chunk
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = cxsim.simulate(sc, 2, seed=9)
        numba.set_num_threads(before)
        many = cxsim.simulate(sc, 2, seed=9)
    finally:
        numba.set_num_threads(before)
    pd.testing.assert_frame_equal(one.customers, many.customers)
    pd.testing.assert_frame_equal(one.timeseries, many.timeseries)


SIDE_BY_SIDE = ("import sys, cxsim; from cxsim.decide.compare import compare; from cxsim.model.parallel import worker_context; "
                "assert worker_context().get_start_method() == 'fork'; sc = cxsim.load_scenario(sys.argv[1])"
                ".with_overrides({'market.population': 3_000, 'market.weeks': 20}); plans = [sc, *sc.all_variants()[1:3]]; "
                "compare(plans, 2, seed=2, workers=2).results[2].timeseries.to_parquet(sys.argv[2])")


def test_scenarios_run_side_by_side_in_worker_processes_give_the_same_results(tmp_path):
    path = ROOT / "scenarios/people_vs_ads.toml"
    sc = cxsim.load_scenario(path).with_overrides({"market.population": 3_000, "market.weeks": 20})
    plans = [sc, *sc.all_variants()[1:3]]
    alone = compare(plans, 2, seed=2, workers=1)
    # this process has run the threaded loop: its workers come from a fork server, not forked copies
    assert worker_context().get_start_method() == "forkserver"
    side_by_side = compare(plans, 2, seed=2, workers=2)
    for a, b in zip(alone.results, side_by_side.results, strict=True):
        pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    # a fresh process (the command line) forks its workers
    out = tmp_path / "forked.parquet"
    subprocess.run([sys.executable, "-c", SIDE_BY_SIDE, str(path), str(out)], check=True, cwd=ROOT, timeout=600)
    pd.testing.assert_frame_equal(alone.results[2].timeseries, pd.read_parquet(out))


def test_results_do_not_depend_on_the_threading_layer(tmp_path):
    code = ("import sys, cxsim; sc = cxsim.load_scenario(sys.argv[1]).with_overrides({'market.population': 20_000, "
            "'market.weeks': 12}); cxsim.simulate(sc, 2, seed=5).timeseries.to_parquet(sys.argv[2])")
    path = ROOT / "scenarios/people_vs_ads.toml"
    out = tmp_path / "workqueue.parquet"
    env = {**os.environ, "NUMBA_THREADING_LAYER": "workqueue"}
    subprocess.run([sys.executable, "-c", code, str(path), str(out)], check=True, env=env, cwd=ROOT, timeout=600)
    here = cxsim.simulate(cxsim.load_scenario(path).with_overrides({"market.population": 20_000, "market.weeks": 12}),
                          2, seed=5).timeseries
    assert numba.threading_layer() == "omp"  # this process: OpenMP; the other: the built-in layer
    pd.testing.assert_frame_equal(here, pd.read_parquet(out))
