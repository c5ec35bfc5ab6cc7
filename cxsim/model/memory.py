"""Refuse work that cannot fit in memory before starting it."""

from __future__ import annotations

import os

from cxsim.core.errors import UserError

SAFETY = 0.8  # share of available memory a run may plan to use


def available_bytes() -> int:
    """Memory available to new work (MemAvailable on Linux, else physical memory)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def check_fits(needed: int, what: str) -> None:
    """Raise a UserError naming the estimate and the limit when ``needed`` bytes will not fit."""
    limit = int(available_bytes() * SAFETY)
    if needed > limit:
        raise UserError(
            f"{what} needs about {needed / 2**30:.1f} GiB of memory; "
            f"the limit here is {limit / 2**30:.1f} GiB ({SAFETY:.0%} of available memory). "
            "Use a smaller market.population, a larger market.scale (fewer people simulated) or a smaller "
            "network.mean_degree."
        )
