"""Progress bars on long work: on stderr, silent when stderr is not a terminal."""

from __future__ import annotations

import sys


def progress_bar(total: int, desc: str, unit: str = "run"):
    """A tqdm progress bar on stderr (silent when stderr is not a terminal)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, disable=not sys.stderr.isatty(),
                dynamic_ncols=True)
