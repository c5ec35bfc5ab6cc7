"""The same sweep gives identical numbers on 1 worker, 2 workers and a real Dask cluster (processes on 127.0.0.1)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxsim.core.errors import UserError
from cxsim.decide.pools import DaskPool, ProcessPool
from cxsim.sweep import load_results, load_timeseries, parse_sweep, run_sweep
from tests.conftest import SCENARIOS, run_cli

pytestmark = pytest.mark.xdist_group("sweep-processes")

SWEEP = f"""
[sweep]
scenario = "{(SCENARIOS / "people_vs_ads.toml").as_posix()}"
variants = ["more ads", "more people"]
replications = 2
seed = 21

[fixed]
"market.population" = 800
"market.weeks" = 26

[design]
kind = "lhs"
samples = 6

[parameters."wom.awareness_effect"]
range = [0.1, 0.6]

[parameters."network.kind"]
values = ["random", "small_world", "scale_free"]

[outputs]
kpis = ["npv", "customers", "nps", "repeat_share"]
timeseries = ["active", "profit", "nps"]
"""
TOTAL = 6 * 2 * 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Stop a process started in its own session, and everything it started."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A Dask scheduler and two single-thread workers, as separate processes on 127.0.0.1."""
    from distributed import Client

    tmp = tmp_path_factory.mktemp("dask")
    dask = Path(sys.executable).parent / "dask"
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = open(tmp / "dask.log", "w")  # noqa: SIM115 - closed below
    procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp)]
    try:
        for i in range(2):
            procs.append(subprocess.Popen(
                [str(dask), "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
                 "--host", "127.0.0.1", "--name", f"cxsim-test-{i}", "--local-directory", str(tmp)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp))
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=90)
            assert sum(client.nthreads().values()) == 2
        yield address
    finally:
        for proc in reversed(procs):
            _stop(proc)
        log.close()


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "parallel.toml"
    path.write_text(SWEEP, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def one_worker(spec_file, tmp_path_factory):
    """The reference: one worker process."""
    out = tmp_path_factory.mktemp("one") / "out"
    with ProcessPool(1) as pool:
        report = run_sweep(parse_sweep(SWEEP, str(spec_file)), out, pool)
    assert report.done == TOTAL
    return load_results(out), load_timeseries(out)


def test_two_workers_give_identical_numbers(spec_file, one_worker, tmp_path):
    with ProcessPool(2) as pool:
        report = run_sweep(parse_sweep(SWEEP, str(spec_file)), tmp_path / "out", pool)
    assert report.done == TOTAL
    workers = load_results(tmp_path / "out", status=None)
    assert len(workers) == TOTAL
    pd.testing.assert_frame_equal(load_results(tmp_path / "out"), one_worker[0], check_exact=True)
    pd.testing.assert_frame_equal(load_timeseries(tmp_path / "out"), one_worker[1], check_exact=True)


def test_a_dask_cluster_gives_identical_numbers(spec_file, one_worker, dask_cluster, tmp_path):
    proc = run_cli("sweep", str(spec_file), "--out", str(tmp_path / "out"), "--scheduler", dask_cluster)
    assert proc.returncode == 0, proc.stderr
    assert f"Dask at {dask_cluster} (2 worker threads)" in proc.stdout
    pd.testing.assert_frame_equal(load_results(tmp_path / "out"), one_worker[0], check_exact=True)
    pd.testing.assert_frame_equal(load_timeseries(tmp_path / "out"), one_worker[1], check_exact=True)
    # the runs really ran on the cluster's two worker processes, not in the sweep's process
    import sqlite3
    with sqlite3.connect(tmp_path / "out" / "ledger.sqlite") as conn:
        pids = {w.split(":")[1] for (w,) in conn.execute("SELECT worker FROM runs")}
    assert len(pids) == 2 and all(p.isdigit() for p in pids)


def test_an_unreachable_scheduler_is_a_clear_error():
    start = time.monotonic()
    with pytest.raises(UserError, match="could not reach a Dask scheduler there"):
        DaskPool(f"tcp://127.0.0.1:{_free_port()}", timeout=2)
    assert time.monotonic() - start < 30


def test_plans_in_plausible_worlds_on_a_dask_cluster_give_identical_numbers(dask_cluster):
    from cxsim import parse_scenario
    from cxsim.decide.runs import evaluate
    from cxsim.decide.uncertainty import worlds_for

    scenario = parse_scenario('[market]\npopulation = 300\nweeks = 8\n[variants."more ads"]\n'
                              '"advertising.weekly_spend" = "+1500"\n')
    worlds = worlds_for(scenario, uncertain=True, draws=3, seed=1)
    here = evaluate(scenario.all_variants(), worlds, 2, 5, workers=1, progress=False)
    there = evaluate(scenario.all_variants(), worlds, 2, 5, scheduler=dask_cluster, progress=False)
    assert np.array_equal(here, there) and np.isfinite(here).all()
