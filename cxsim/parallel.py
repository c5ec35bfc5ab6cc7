"""How compiled loops run in parallel: fixed chunks of people, one caller at a time.

People are split into fixed chunks of ``CHUNK``; each chunk keeps its own tallies,
summed afterwards in chunk order, so no result depends on the number of threads
(nor on the threading layer).

The threads come from OpenMP where its runtime is installed (the week's loop runs
about a fifth faster than on numba's built-in ``workqueue`` layer, whose threads
sleep between weeks), else from ``workqueue``. GNU OpenMP cannot run in a process
forked after it started, so cxsim's worker processes come from a fork server.
"""

from __future__ import annotations

import threading

import numba

if numba.config.THREADING_LAYER == "default":  # not set by NUMBA_THREADING_LAYER: OpenMP first
    numba.config.THREADING_LAYER_PRIORITY = ["omp", "workqueue", "tbb"]

CHUNK = 16_384  # people per parallel task: fixed, so results never depend on the number of threads
KERNEL_LOCK = threading.Lock()  # one caller at a time: workqueue's threads require it, and callers share the cores


@numba.njit(cache=True, nogil=True)
def chunks(total: int) -> int:  # pragma: no cover
    """The number of chunks ``total`` people fall into (compiled: the kernels call it too)."""
    return (total + CHUNK - 1) // CHUNK
