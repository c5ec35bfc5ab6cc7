"""The one runner: plans x worlds x replications, paired by seed, here or on worker processes or Dask.

Plan ``p`` in world ``i`` runs replications ``i*R .. i*R + R - 1`` of the seed: the
same world and the same common random numbers for every plan, so any two plans are
paired twice over. Fixed assumptions are the one-world case (``worlds=None``). The
numbers never depend on where a run ran: here, on local worker processes
(:class:`cxsim.decide.pools.ProcessPool`) or on a Dask cluster.

:func:`run_plan` is one plan in one world (its ``Results``); :func:`evaluate_kpis` and
:func:`evaluate` give KPI arrays of shape (plans, worlds, replications); :func:`run_all`
gives every (plan, world)'s ``Results``, for pages that need the weekly series.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import BrokenExecutor, as_completed
from multiprocessing.context import BaseContext
from typing import TYPE_CHECKING

import numpy as np

from cxsim.core.errors import UserError
from cxsim.decide.uncertainty import Worlds, in_world
from cxsim.model.parallel import worker_context
from cxsim.model.results import KPIS, Results
from cxsim.model.simulate import simulate
from cxsim.scenario import Scenario

if TYPE_CHECKING:
    from cxsim.decide.pools import Pool


def run_plan(scenario: Scenario, replications: int, seed: int, first: int = 0, engine: str = "fast",
             keep_customers: bool = False, one_thread: bool = False) -> Results:
    """One plan in one world: replications ``first ..`` of the seed, its KPI summary computed (it travels back with it).

    ``one_thread``: run on one numba thread (a worker of a pool: the parallelism is across tasks).
    """
    if one_thread:
        import numba

        numba.set_num_threads(1)
    res = simulate(scenario, replications=replications, seed=seed, engine=engine, first_replication=first,
                   keep_customers=keep_customers)
    res.summary()
    return res


def _run_world(scenario: Scenario, replications: int, seed: int, first: int, engine: str,
               kpis: tuple[str, ...], one_thread: bool = False) -> np.ndarray:
    """One plan in one world: ``kpis x replications``, in replication order."""
    summary = run_plan(scenario, replications, seed, first, engine, one_thread=one_thread).summary()
    return summary.sort_values("replication")[list(kpis)].to_numpy(dtype=float).T


def _tasks(plans: Sequence[Scenario], worlds: Worlds | None, replications: int, reference: Scenario | None):
    """``((plan, world), (scenario in that world, first replication))`` for every plan and world; ``reference``
    is the plan whose shifts of an uncertain key the others keep (``in_world``)."""
    draws = 1 if worlds is None else worlds.draws
    return [((p, i), (plan if worlds is None else in_world(plan, worlds, i, reference), i * replications))
            for p, plan in enumerate(plans) for i in range(draws)]


def _kpi_tasks(plans: Sequence[Scenario], worlds: Worlds | None, replications: int, seed: int, engine: str,
               kpis: tuple[str, ...]) -> list:
    """The checked tasks of :func:`_run_world`, one per plan and world: ``((plan, world), its arguments)``."""
    unknown = [k for k in kpis if k not in KPIS]
    if unknown:
        raise UserError(f"kpi: expected one of {', '.join(KPIS)}, got {unknown[0]!r}")
    if replications < 1:
        raise UserError(f"replications: expected a whole number >= 1, got {replications}")
    return [(tag, (scenario, replications, seed, first, engine, kpis))
            for tag, (scenario, first) in _tasks(plans, worlds, replications, plans[0])]


def evaluate_kpis(plans: Sequence[Scenario], worlds: Worlds | None, replications: int, seed: int,
                  kpis: Sequence[str] = ("value",), workers: int | None = None, progress: bool | Callable = True,
                  engine: str = "fast", scheduler: str | None = None) -> dict[str, np.ndarray]:
    """:func:`evaluate` for several KPIs at once: each KPI's array of shape (plans, draws, replications)."""
    kpis = tuple(kpis)
    draws = 1 if worlds is None else worlds.draws
    tasks = _kpi_tasks(plans, worlds, replications, seed, engine, kpis)
    out = np.full((len(kpis), len(plans), draws, replications), np.nan)
    bar, tick = _progress(progress, len(tasks) * replications)
    try:
        for (p, i), result in _execute(tasks, workers, scheduler):
            out[:, p, i, :] = result
            tick(replications)
    finally:
        if bar is not None:
            bar.close()
    return {k: out[j] for j, k in enumerate(kpis)}


def evaluate(plans: Sequence[Scenario], worlds: Worlds | None, replications: int, seed: int, kpi: str = "value",
             workers: int | None = None, progress: bool | Callable = True, engine: str = "fast",
             scheduler: str | None = None) -> np.ndarray:
    """Every plan in every world: ``kpi`` of shape (plans, draws, replications).

    Plan ``p`` in world ``i`` runs replications ``i*R .. i*R + R - 1`` of ``seed``:
    the same world and the same common random numbers for every plan. The numbers
    do not depend on ``workers`` or where the runs ran.

    Args:
        plans: the plans, the first being the reference (a plan that sets an uncertain key
            differently from it keeps its difference, see :func:`in_world`).
        worlds: the worlds (``None``: the assumptions fixed, one "world").
        replications: runs per plan and world (``R``).
        seed: master seed.
        kpi: the KPI (``cxsim.model.results.KPIS``).
        workers: local worker processes (default :func:`default_workers`; 1 runs here, in this process).
        progress: a progress bar on stderr (``True``), none (``False``), or a function called
            with the number of runs just finished.
        engine: ``"fast"`` or ``"agents"``.
        scheduler: a Dask scheduler's address (or ``"local"``) to run on instead of local processes.
    """
    return evaluate_kpis(plans, worlds, replications, seed, (kpi,), workers, progress, engine, scheduler)[kpi]


def evaluate_in_batches(plans: Sequence[Scenario], worlds: Worlds, replications: int, seed: int,
                        kpi: str = "value", first: int = 8, every: int = 8, workers: int | None = None,
                        engine: str = "fast", pool: Pool | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """:func:`evaluate` world after world: ``(n, values over the first n worlds)`` after the first ``first``
    worlds, then every ``every`` more, and last over all of them (identical to :func:`evaluate`'s).

    A world's runs depend only on the world and the seed, so an answer over the first ``n`` worlds is
    the answer :func:`evaluate` gives for those worlds alone. ``pool``: workers already started (a server's,
    kept for its life) instead of a pool started for this call.
    """
    draws = worlds.draws
    checkpoints = sorted({*range(min(first, draws), draws, max(1, every)), draws})
    tasks = sorted(_kpi_tasks(plans, worlds, replications, seed, engine, (kpi,)), key=lambda t: t[0][::-1])  # by world
    out = np.full((len(plans), draws, replications), np.nan)
    missing = np.full(draws, len(plans))
    done = 0  # worlds whose every plan has finished, counted from the first
    for (p, i), result in _execute(tasks, workers, None, pool=pool):
        out[p, i, :] = result[0]
        missing[i] -= 1
        while done < draws and missing[done] == 0:
            done += 1
            if done in checkpoints:
                yield done, out[:, :done, :].copy()


def _progress(progress: bool | Callable, total: int):
    """A tqdm bar and its update (``progress=True``), or the caller's function, or nothing."""
    if callable(progress):
        return None, progress
    if progress:
        from cxsim.core.progress import progress_bar

        bar = progress_bar(total, "worlds")
        return bar, bar.update
    return None, lambda n: None


def default_workers() -> int:
    """Worker processes when none are asked for: one per core.

    Even on 2 cores, where this process's compiled engine already runs people on both,
    two single-thread workers run the flagship's 800 runs faster, their start included:
    28.8 s against 40.7 s (benchmarks/bench_uncertain.py).
    """
    return os.cpu_count() or 1


def _execute(tasks: list, workers: int | None, scheduler: str | None, run: Callable = _run_world,
             context: BaseContext | None = None, pool: Pool | None = None) -> Iterator:
    """Yield ``(tag, run(*args))`` of every task, in this process, on local worker processes or on Dask.

    ``run`` takes a last argument ``one_thread``, true in a worker process; ``context`` starts the local
    workers (default: a fork server). A given ``pool`` is used and left open: tasks not yet started when
    the caller stops early are cancelled, and a pool whose worker died is restarted for the next caller.
    """
    from cxsim.decide.pools import DaskPool, ProcessPool

    if pool is not None:
        try:
            yield from _submitted(pool, tasks, run)
        except BrokenExecutor:
            pool.restart()
            raise
        return
    workers = workers or default_workers()
    if scheduler is None and (workers == 1 or len(tasks) == 1):
        for tag, args in tasks:
            yield tag, run(*args)
        return
    with DaskPool(scheduler, workers) if scheduler else ProcessPool(min(workers, len(tasks)), context) as started:
        yield from _submitted(started, tasks, run)


def _submitted(pool: Pool, tasks: list, run: Callable) -> Iterator:
    """Every task on the pool's workers, yielded as each finishes; the rest cancelled if the caller stops."""
    futures = {pool.executor().submit(run, *args, True): tag for tag, args in tasks}
    try:
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:
        for future in futures:
            future.cancel()


def run_all(plans: Sequence[Scenario], replications: int, seed: int, engine: str = "fast",
            keep_customers: bool = False, workers: int = 1, progress: Callable[[int], None] | None = None,
            worlds: Worlds | None = None) -> list[list[Results]]:
    """Every plan in every world as ``Results`` (``[plan][world]``), paired by seed as :func:`evaluate_kpis`.

    ``workers`` = 1 (the default, safe inside threaded hosts such as an app) runs everything here.
    """
    draws = 1 if worlds is None else worlds.draws
    tasks = [(tag, (scenario, replications, seed, first, engine, keep_customers))
             for tag, (scenario, first) in _tasks(plans, worlds, replications, plans[0])]
    out: list[list] = [[None] * draws for _ in plans]
    for (p, i), res in _execute(tasks, min(max(1, workers), len(tasks)), None, run_plan, worker_context()):
        out[p][i] = res
        if progress:
            progress(replications)
    return out
