"""Run a sweep: submit runs to an executor a window at a time, stream results to the folder.

Runs go to the workers in small batches (up to 16 runs, fewer near the end so
every worker stays busy), each carrying the scenarios its runs use once. The
parent holds only the batches in flight (twice the pool's size) and the
results not yet flushed (at most a second's worth), which are committed to the
ledger in groups. A run that
raises is tried again up to ``retries`` times, then recorded with its error.
When a worker process dies (killed, out of memory) every run it shared the
pool with is suspect: those are run again one at a time, so only a run that
kills its worker again is charged with it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cxsim.core.errors import UserError
from cxsim.decide.pools import Pool, ProcessPool
from cxsim.sweep.design import build_design
from cxsim.sweep.spec import SweepSpec
from cxsim.sweep.store import Store, failures, status_counts
from cxsim.sweep.tasks import Run, scenario_key
from cxsim.sweep.worker import Job, Output, error_text, run, run_batch

WORKER_DIED = "its worker process died (killed, or out of memory?)"
MAX_BATCH = 16  # runs sent to a worker at once


@dataclass
class SweepReport:
    """What a call of :func:`run_sweep` did.

    Attributes:
        out: the results folder.
        total: runs in the sweep.
        done_before: runs already done when this call started.
        done: runs done now.
        failed: runs that failed on their last attempt (run_id, variant, replication, attempts, error).
        retried: attempts that failed and were tried again in this call.
        elapsed: wall time of this call (seconds).
        pool: where the runs ran.
        interrupted: stopped before the end (Ctrl-C).
        notes: what was found and repaired in the folder (a damaged ledger or part whose runs run again).
    """

    out: Path
    total: int
    done_before: int
    done: int = 0
    failed: pd.DataFrame = field(default_factory=pd.DataFrame)
    retried: int = 0
    elapsed: float = 0.0
    pool: str = ""
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def ran(self) -> int:
        """Runs finished by this call."""
        return self.done - self.done_before

    @property
    def rate(self) -> float:
        """Runs finished per second in this call."""
        return self.ran / self.elapsed if self.elapsed > 0 else float("nan")


class _Dispatcher:
    """The loop: keep the window of batches full, collect what finishes, retry or record."""

    def __init__(self, spec: SweepSpec, store: Store, pool: Pool, report: SweepReport,
                 progress: Callable[[int, int], None] | None) -> None:
        self.spec = spec
        self.store = store
        self.pool = pool
        self.report = report
        self.progress = progress
        self.retries = spec.file.sweep.retries
        self.window = 2 * pool.slots  # batches in flight: one running and one waiting per worker
        raws = {arm: scenario.config.model_dump(mode="json") for arm, scenario in spec.arms.items()}
        self.arms = {arm: (scenario_key(raw), raw) for arm, raw in raws.items()}  # content hash, full scenario
        self.todo = store.pending()
        self.again: deque[Run] = deque()      # failed runs to try again
        self.suspects: deque[Run] = deque()   # runs in flight when a worker died: rerun one at a time
        self.in_flight: dict[Future, list[Run]] = {}
        self.finished = report.done_before

    def _job(self, run_: Run) -> Job:
        key, _ = self.arms[run_.arm]
        s = self.spec.file
        return Job(run_.run_id, key, run_.overrides, run_.seed, run_.first_replication, s.sweep.engine,
                   s.outputs.kpis, s.outputs.metrics)

    def _batch_size(self) -> int:
        """Runs per batch: up to MAX_BATCH, fewer towards the end so that every worker stays busy."""
        flying = sum(len(b) for b in self.in_flight.values())
        left = self.report.total - self.finished - flying
        return max(1, min(MAX_BATCH, left // (4 * self.pool.slots)))

    def _next_batch(self) -> list[Run]:
        if self.suspects:
            return [self.suspects.popleft()] if not self.in_flight else []
        size, batch = self._batch_size(), []
        while len(batch) < size:
            run_ = self.again.popleft() if self.again else next(self.todo, None)
            if run_ is None:
                break
            batch.append(run_)
        return batch

    def _fill(self) -> None:
        while len(self.in_flight) < (1 if self.suspects else self.window):
            batch = self._next_batch()
            if not batch:
                return
            jobs = [self._job(r) for r in batch]
            arms = {self.arms[r.arm][0]: self.arms[r.arm][1] for r in batch}
            try:
                future = self.pool.executor().submit(run_batch, jobs, arms, run)
            except BrokenProcessPool:
                self.suspects.extendleft(reversed(batch))
                self._worker_died()
                return
            self.in_flight[future] = batch

    def _collect(self, batch: list[Run], outcomes: list[Output | str]) -> None:
        for run_, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, str):
                self._failed(run_, outcome, self.again)
            else:
                self.store.add(outcome, run_.attempts + 1)
                self._tick()

    def _failed(self, run_: Run, error: str, queue: deque[Run]) -> None:
        run_.attempts += 1
        if run_.attempts <= self.retries:
            self.report.retried += 1
            queue.append(run_)
            return
        self.store.add_failure(run_, error)
        self._tick()

    def _tick(self) -> None:
        self.finished += 1
        if self.progress:
            self.progress(self.finished, self.report.total)

    def _worker_died(self) -> None:
        """A worker process died: wait for the rest of the window to fail too, then start over."""
        alone = len(self.in_flight) == 1 and len(next(iter(self.in_flight.values()))) == 1
        wait(self.in_flight)
        for future, batch in list(self.in_flight.items()):
            try:
                outcomes = future.result()
            except BaseException:  # noqa: BLE001 - every run in a broken pool fails the same way
                for run_ in batch:
                    if alone:  # it ran by itself: it is the one that kills its worker
                        self._failed(run_, WORKER_DIED, self.suspects)
                    else:
                        self.suspects.append(run_)
            else:
                self._collect(batch, outcomes)
        self.in_flight.clear()
        self.pool.restart()

    def loop(self) -> None:
        while True:
            self._fill()
            if not self.in_flight:
                break
            done, _ = wait(self.in_flight, timeout=0.5, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                batch = self.in_flight.pop(future)
                try:
                    outcomes = future.result()
                except BrokenProcessPool:
                    self.in_flight[future] = batch  # handled with the rest of the window below
                    broken = True
                except Exception as exc:  # noqa: BLE001 - the batch never ran (e.g. lost on a cluster): retry
                    for run_ in batch:
                        self._failed(run_, error_text(exc), self.again)
                else:
                    self._collect(batch, outcomes)
            if broken:
                self._worker_died()
            self.store.maybe_flush()


def run_sweep(spec: SweepSpec, out: str | Path, pool: Pool | Callable[[], Pool] | None = None,
              design: pd.DataFrame | None = None, sweep_text: str | None = None,
              progress: Callable[[int, int], None] | None = None) -> SweepReport:
    """Run (or resume) a sweep into a results folder.

    Args:
        spec: the validated sweep.
        out: the results folder; created, or resumed if it holds the same sweep.
        pool: where to run: a pool (left open), or a function that makes one (called only if
            there are runs to do; closed at the end). Default: a process per core.
        design: the design points, if already built (they are built otherwise).
        sweep_text: the sweep file's text, kept in the folder for reference.
        progress: called with (runs finished, total) after each run finishes.

    Returns:
        What was done; failed runs are listed, never dropped.

    Raises:
        UserError: the folder holds a different sweep, or is in use.
    """
    start = time.perf_counter()
    design = build_design(spec) if design is None else design
    own_pool = not isinstance(pool, Pool)
    if own_pool and not Path(out).exists():  # a new sweep: reach the workers before anything is written
        pool = (pool or ProcessPool)()
    try:
        store = Store.open(out, spec, design, sweep_text)
    except BaseException:
        if own_pool and isinstance(pool, Pool):
            pool.close()
        raise
    saved = False
    try:
        counts = store.counts()
        report = SweepReport(Path(out), total=sum(counts.values()), done_before=counts["done"], notes=store.notes)
        if progress:
            progress(counts["done"], report.total)
        if counts["done"] < report.total:
            if own_pool and not isinstance(pool, Pool):
                pool = (pool or ProcessPool)()
            report.pool = pool.description
            try:
                _Dispatcher(spec, store, pool, report, progress).loop()
            except KeyboardInterrupt:
                report.interrupted = True
        saved = True
    finally:
        if own_pool and isinstance(pool, Pool):
            pool.close()
        if not saved:  # keep what finished if the disk allows; the error on the way out is the one to report
            with suppress(UserError):
                store.flush()
        store.close(flush=saved)
    report.done = status_counts(out)["done"]
    report.failed = failures(out)
    report.elapsed = time.perf_counter() - start
    return report

