"""What runs in a worker: one simulation, its KPIs and (optionally) its weekly series.

The same function runs in a local process pool and on Dask workers, so the
numbers cannot depend on where a run ran. Each worker uses one numba thread:
the parallelism is across runs, and more threads per run would only fight
over the cores.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import numba
import pandas as pd
import psutil

from cxsim.scenario import Scenario
from cxsim.simulate import simulate

_SCENARIOS: dict[str, Scenario] = {}  # variant scenarios this worker has built, by content hash
_WATCH_INTERVAL = 0.5  # seconds between checks that the sweep's process is still there


@dataclass
class Job:
    """Everything a worker needs for one run (small: sent with every submission)."""

    run_id: str
    arm_key: str
    arm: dict[str, Any]
    overrides: dict[str, Any]
    seed: int
    first_replication: int
    engine: str
    kpis: list[str]
    metrics: list[str]


@dataclass
class Output:
    """What a run sends back."""

    run_id: str
    kpis: dict[str, float]
    timeseries: pd.DataFrame | None
    elapsed: float
    worker: str


def _scenario(job: Job) -> Scenario:
    base = _SCENARIOS.get(job.arm_key)
    if base is None:
        if len(_SCENARIOS) > 64:
            _SCENARIOS.clear()
        base = _SCENARIOS[job.arm_key] = Scenario(job.arm, "<sweep>")
    return base.with_overrides(job.overrides)


def run(job: Job) -> Output:
    """Run one simulation (one replication) and return its KPIs and selected weekly metrics."""
    numba.set_num_threads(1)
    start = time.perf_counter()
    scenario = _scenario(job)
    res = simulate(scenario, replications=1, seed=job.seed, engine=job.engine,
                   first_replication=job.first_replication, keep_customers=False)
    row = res.summary().iloc[0]
    kpis = {k: float(row[k]) for k in job.kpis}
    ts = res.timeseries[["step", *job.metrics]].reset_index(drop=True) if job.metrics else None
    return Output(job.run_id, kpis, ts, time.perf_counter() - start, f"{socket.gethostname()}:{os.getpid()}")


def _gone(sweep: psutil.Process) -> bool:
    """Whether the sweep's process has ended (a zombie not yet reaped counts as ended)."""
    try:
        return sweep.status() == psutil.STATUS_ZOMBIE or not sweep.is_running()
    except psutil.NoSuchProcess:
        return True


def _watch(sweep_pid: int) -> None:
    """Exit when the sweep's process is gone (a killed sweep must not leave workers behind)."""
    try:
        sweep = psutil.Process(sweep_pid)  # remembers its start time: a reused pid is not mistaken for it
    except psutil.NoSuchProcess:
        os._exit(1)
    while not _gone(sweep):
        time.sleep(_WATCH_INTERVAL)
    os._exit(1)


def init_process(sweep_pid: int) -> None:
    """Initializer of a pool's worker process: one numba thread, and leave with the sweep."""
    numba.set_num_threads(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the sweep's to handle: it cancels, then stops us
    threading.Thread(target=_watch, args=(sweep_pid,), daemon=True, name="cxsim-watch").start()
