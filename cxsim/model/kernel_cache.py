"""Keeps numba's cached kernels in step with the code compiled into them.

numba keys a cached function on the file that defines it, but the engines'
kernels inline the rules, behaviour and draws of other files. Before those
modules compile anything, this drops the cached kernels when any of these
files has changed since they were cached, so an edit to ``rules.py`` can
never leave a stale kernel behind.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = ("behaviour.py", "draws.py", "rules.py", "fast.py", "network.py", "terminal.py", "metrics.py", "parallel.py")
CACHED = ("behaviour", "draws", "rules", "fast", "network", "terminal", "metrics")


def drop_stale_kernels() -> None:
    """Remove the cached kernels of ``CACHED`` when ``SOURCES`` differ from when they were cached."""
    try:
        digest = hashlib.sha256(b"".join((HERE / name).read_bytes() for name in SOURCES)).hexdigest()[:16]
        cache = HERE / "__pycache__"
        mark = cache / "kernels.sources"
        if mark.exists() and mark.read_text() == digest:
            return
        for stem in CACHED:
            for path in cache.glob(f"{stem}.*.nb[ic]"):
                path.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        mark.write_text(digest)
    except OSError:  # a read-only installation: nothing is edited there either
        return


drop_stale_kernels()
