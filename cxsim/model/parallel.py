"""How compiled loops run in parallel: fixed chunks of people, one caller at a time.

People are split into fixed chunks of ``CHUNK``; each chunk keeps its own tallies,
summed afterwards in chunk order, so no result depends on the number of threads
(nor on the threading layer).

The threads come from OpenMP where its runtime is installed (the week's loop runs
about a fifth faster than on numba's built-in ``workqueue`` layer, whose threads
sleep between weeks), else from ``workqueue``. GNU OpenMP cannot run in a process
forked after it started, so worker processes are forked only before it starts
(:func:`worker_context`), and otherwise come from a fork server.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.context import BaseContext, ForkServerContext, ForkServerProcess

import numba

if numba.config.THREADING_LAYER == "default":  # not set by NUMBA_THREADING_LAYER: OpenMP first
    numba.config.THREADING_LAYER_PRIORITY = ["omp", "workqueue", "tbb"]

CHUNK = 2_048  # people per parallel task: fixed, so results never depend on the number of threads
KERNEL_LOCK = threading.Lock()  # one caller at a time: workqueue's threads require it, and callers share the cores
PARALLEL_PEOPLE = 100_000
"""Below this many people a week's counting loop runs on one thread: waking the others costs more than they
save, and their waiting takes a core from other processes (the week's main loop is parallel at any size)."""


@contextmanager
def counting_threads(people: int) -> Iterator[None]:
    """Hold the kernel lock for a counting loop over ``people``, on one thread below ``PARALLEL_PEOPLE``."""
    with KERNEL_LOCK:
        if people >= PARALLEL_PEOPLE:
            yield
            return
        before = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            yield
        finally:
            numba.set_num_threads(before)


@numba.njit(cache=True, nogil=True)
def chunks(total: int) -> int:  # pragma: no cover
    """The number of chunks ``total`` people fall into (compiled: the kernels call it too)."""
    return (total + CHUNK - 1) // CHUNK


def worker_context() -> BaseContext:
    """How to start worker processes: forked (quick, they share what this process loaded) while no OpenMP
    thread has started here, else from a fork server that imported cxsim (a forked copy could not use OpenMP)."""
    try:
        started = numba.threading_layer() == "omp"
    except ValueError:  # no parallel loop has run in this process yet
        started = False
    if not started and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return fork_server()


class _WorkerProcess(ForkServerProcess):
    """A worker started as from a plain interpreter's ``__main__``.

    A host that runs a script as ``__main__`` (a Streamlit page) would otherwise have every new
    worker run that script again before its first task (multiprocessing re-imports the main script).
    """

    def start(self) -> None:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            super().start()
        finally:
            if main is not None:
                sys.modules["__main__"] = main


class _ForkServer(ForkServerContext):
    Process = _WorkerProcess


def fork_server() -> BaseContext:
    """Worker processes forked from a server process that imported cxsim (never from this process)."""
    context = _ForkServer()
    context.set_forkserver_preload(["cxsim.sweep.worker"])
    return context
