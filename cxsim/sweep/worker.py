"""What runs in a worker: a batch of simulations, each with its KPIs and (optionally) its weekly series.

The same functions run in a local process pool and on Dask workers, so the
numbers cannot depend on where a run ran. Runs travel in small batches that
carry each variant's full scenario once (the worker keeps it for later
batches), so the cost of sending work is shared by the runs of a batch. Each
worker uses one numba thread: the parallelism is across runs, and more threads
per run would only fight over the cores.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba
import pandas as pd

from cxsim.model.results import KPIS
from cxsim.model.simulate import simulate
from cxsim.scenario import Scenario

_SCENARIOS: dict[str, Scenario] = {}  # variant scenarios this worker has built, by content hash


@dataclass
class Job:
    """Everything a worker needs for one run; the variant's scenario comes with the batch."""

    run_id: str
    arm_key: str
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


def _remember(key: str, arm: dict[str, Any]) -> None:
    """Build the variant's scenario once per worker and keep it by its content hash."""
    if key not in _SCENARIOS:
        if len(_SCENARIOS) > 64:
            _SCENARIOS.clear()
        _SCENARIOS[key] = Scenario(arm, "<sweep>")


def _scenario(job: Job) -> Scenario:
    base = _SCENARIOS.get(job.arm_key)
    if base is None:
        raise RuntimeError(f"the scenario of variant {job.arm_key[:12]} did not come with the run")
    return base.with_overrides(job.overrides)


def error_text(exc: BaseException) -> str:
    """An exception as one line, with where it was raised (the last frame)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    message = str(exc).strip().replace("\n", " ") or "(no message)"
    return f"{type(exc).__name__}: {message}{where}"


def run_batch(jobs: list[Job], arms: dict[str, dict[str, Any]],
              run_one: Callable[[Job], Output] | None = None) -> list[Output | str]:
    """Run a batch: each run's output, or its error as one line (a failing run does not stop the others).

    Args:
        jobs: the runs.
        arms: the full scenario of every variant the runs use, by content hash (built once per worker).
        run_one: what runs one job (default :func:`run`).
    """
    for key, arm in arms.items():
        _remember(key, arm)
    run_one = run_one or run
    outcomes: list[Output | str] = []
    for job in jobs:
        try:
            outcomes.append(run_one(job))
        except Exception as exc:  # noqa: BLE001 - any error of a run is reported, never dropped
            outcomes.append(error_text(exc))
    return outcomes


RUNOUT_FREE = frozenset(KPIS) - {"value", "terminal_value"}
"""KPIs read within the horizon: a run that keeps only these skips the run past it (the same numbers)."""


def run(job: Job) -> Output:
    """Run one simulation (one replication) and return its KPIs and selected weekly metrics."""
    numba.set_num_threads(1)
    start = time.perf_counter()
    scenario = _scenario(job)
    res = simulate(scenario, replications=1, seed=job.seed, engine=job.engine,
                   first_replication=job.first_replication, keep_customers=False,
                   value=not RUNOUT_FREE.issuperset(job.kpis))  # the run past the horizon only where a KPI needs it
    row = res.summary().iloc[0]
    kpis = {k: float(row[k]) for k in job.kpis}
    ts = res.timeseries[["step", *job.metrics]].reset_index(drop=True) if job.metrics else None
    return Output(job.run_id, kpis, ts, time.perf_counter() - start, f"{socket.gethostname()}:{os.getpid()}")
