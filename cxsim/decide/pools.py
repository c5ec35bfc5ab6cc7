"""Where runs execute: a local process pool, a Dask cluster, or any ``concurrent.futures.Executor``.

The runner sees only the ``Executor`` interface (``submit`` and futures), plus
how many runs the pool can work on at once (to keep a bounded window in
flight) and a way to start over after a worker process died.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from multiprocessing.context import BaseContext

import numba
import psutil

from cxsim.core.errors import UserError, bounded
from cxsim.model.parallel import fork_server

_WATCH_INTERVAL = 0.5  # seconds between checks that the sweep's process is still there

ADDRESS = re.compile(r"(?:(?:tcp|tls|ucx|ws|wss)://)?(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}/?")


def check_address(address: str) -> str:
    """Refuse a ``--scheduler`` value that is neither ``local`` nor an address like ``tcp://host:8786``."""
    if address != "local" and not ADDRESS.fullmatch(address):
        raise UserError(f"--scheduler: expected a Dask scheduler's address like tcp://host:8786 (or tls://..., "
                        f"host:port), or 'local', got {bounded(repr(address), 80)}")
    return address


class Pool:
    """An executor with a size; subclasses own the executor's life.

    Args:
        executor: an executor to use as it is (the caller shuts it down).
        slots: how many runs it works on at once.
    """

    description = "executor"

    def __init__(self, executor: Executor | None = None, slots: int = 1) -> None:
        self._executor = executor
        self.slots = max(1, slots)

    def executor(self) -> Executor:
        """The executor to submit to."""
        assert self._executor is not None
        return self._executor

    def restart(self) -> None:
        """Replace a broken executor (a given executor cannot be replaced)."""
        raise RuntimeError("the executor broke and cannot be restarted")

    def close(self) -> None:
        """Release workers the pool started."""

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ProcessPool(Pool):
    """Worker processes on this machine (forkserver: each imports cxsim once, via the server).

    Each worker runs with one numba thread and exits when the sweep's process is gone.
    """

    def __init__(self, workers: int | None = None, context: BaseContext | None = None) -> None:
        super().__init__(slots=workers or os.cpu_count() or 1)
        self.description = f"{self.slots} local worker process{'es' if self.slots > 1 else ''}"
        self._context = context or fork_server()
        self._executor = self._new()

    def _new(self) -> Executor:
        return ProcessPoolExecutor(self.slots, mp_context=self._context, initializer=init_process,
                                   initargs=(os.getpid(),))

    def restart(self) -> None:
        """Start new worker processes after one died."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self._new()

    def close(self) -> None:
        """Stop the workers (runs still queued are cancelled)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


class DaskPool(Pool):
    """A Dask distributed cluster: an existing scheduler's address, or ``"local"`` for a LocalCluster.

    Runs are submitted with ``pure=False``: Dask would otherwise treat two
    submissions of the same run (a retry) as one task and return the first
    result, error included, without running it again.
    """

    def __init__(self, address: str, workers: int | None = None, timeout: float = 10.0) -> None:
        from distributed import Client, LocalCluster

        check_address(address)
        self._cluster = None
        try:
            if address == "local":
                self._cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                             processes=True, host="127.0.0.1", dashboard_address=None,
                                             silence_logs=logging.ERROR)
                self._client = Client(self._cluster)
            else:
                self._client = Client(address, timeout=timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            if self._cluster is not None:
                self._cluster.close()
            raise UserError(f"--scheduler {bounded(address, 80)}: could not reach a Dask scheduler there "
                            f"({bounded(exc)}); expected an address like tcp://host:8786, or 'local'") from None
        threads = sum(self._client.nthreads().values())
        if not threads:
            try:
                self._client.wait_for_workers(1, timeout=timeout)
            except TimeoutError:
                self.close()
                raise UserError(f"--scheduler {address}: the scheduler has no workers (none joined within "
                                f"{timeout:.0f} s); start some with `dask worker {address}`") from None
            threads = sum(self._client.nthreads().values())
        super().__init__(self._client.get_executor(pure=False), slots=threads)
        where = "a local Dask cluster" if self._cluster is not None else f"Dask at {address}"
        self.description = f"{where} ({threads} worker thread{'s' if threads > 1 else ''})"

    def restart(self) -> None:
        """Dask replaces lost workers itself; a new executor is all that is needed."""
        self._executor = self._client.get_executor(pure=False)

    def close(self) -> None:
        """Disconnect (and stop the local cluster, if this pool started one)."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _gone(caller: psutil.Process) -> bool:
    """Whether the caller's process has ended (a zombie not yet reaped counts as ended)."""
    try:
        return caller.status() == psutil.STATUS_ZOMBIE or not caller.is_running()
    except psutil.NoSuchProcess:
        return True


def _watch(caller_pid: int) -> None:
    """Exit when the caller's process is gone (a killed caller must not leave workers behind)."""
    try:
        caller = psutil.Process(caller_pid)  # remembers its start time: a reused pid is not mistaken for it
    except psutil.NoSuchProcess:
        os._exit(1)
    while not _gone(caller):
        time.sleep(_WATCH_INTERVAL)
    os._exit(1)


def init_process(caller_pid: int) -> None:
    """Initializer of a pool's worker process: one numba thread, and leave with the caller."""
    numba.set_num_threads(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle: it cancels, then stops us
    threading.Thread(target=_watch, args=(caller_pid,), daemon=True, name="cxsim-watch").start()
