"""How compiled loops run in parallel: fixed chunks of people, one caller at a time.

People are split into fixed chunks of ``CHUNK``; each chunk keeps its own tallies,
summed afterwards in chunk order, so no result depends on the number of threads.
"""

from __future__ import annotations

import threading

import numba

if numba.config.THREADING_LAYER == "default":  # the built-in layer: no OpenMP runtime in forked workers
    numba.config.THREADING_LAYER = "workqueue"

CHUNK = 16_384  # people per parallel task: fixed, so results never depend on the number of threads
KERNEL_LOCK = threading.Lock()  # numba's workqueue threads serve one caller at a time


@numba.njit(cache=True, nogil=True)
def chunks(total: int) -> int:  # pragma: no cover
    """The number of chunks ``total`` people fall into (compiled: the kernels call it too)."""
    return (total + CHUNK - 1) // CHUNK
