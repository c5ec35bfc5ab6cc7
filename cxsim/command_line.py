"""What every command of the command line shares: options, ``--set`` overrides, output files, progress bars.

A leaf module: the commands (``cxsim.cli``, ``cxsim.sweep.commands``,
``cxsim.calibrate.commands``) import it, it imports none of them.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Callable
from typing import Any

from cxsim.errors import UserError, bounded
from cxsim.outputs import STDOUT, check_output, write_table

EXIT_USER_ERROR = 2
TABLES = (".csv", ".parquet")
__all__ = ["EXIT_USER_ERROR", "STDOUT", "TABLES", "add_run_options", "check_output", "integer", "parse_set",
           "print_json", "progress_bar", "write_table"]


def parse_set(items: list[str] | None, source: str) -> dict[str, Any]:
    """``KEY=VALUE`` strings as overrides; VALUE is read as TOML (number, string, list, bool)."""
    overrides: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(f"{source}: --set: expected KEY=VALUE (e.g. advertising.weekly_spend=5000), got {item!r}")
        try:
            overrides[key] = tomllib.loads(f"v = {value.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            overrides[key] = value.strip()
        except RecursionError:
            raise UserError(f"{source}: --set {bounded(key)}: expected a value nested a few levels deep at most, "
                            "got deeper nesting") from None
    return overrides


def integer(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (inclusive; no upper bound when None)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            span = f"from {low:,} to {high:,}" if high is not None else f">= {low}"
            raise argparse.ArgumentTypeError(f"expected a whole number {span}, got {bounded(repr(text), 40)}")
        return value

    parse.__name__ = "integer"
    return parse


SEED = integer(0, 2**63 - 1)
REPLICATIONS = integer(1, 100_000)
WORKERS = integer(1, 4096)


def progress_bar(total: int, desc: str):
    """A progress bar on stderr (silent when stderr is not a terminal)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="run", file=sys.stderr, disable=not sys.stderr.isatty(),
                dynamic_ncols=True)


def add_run_options(parser: argparse.ArgumentParser, replications: int = 20) -> None:
    """Options every command that simulates shares."""
    parser.add_argument("--replications", "-r", type=REPLICATIONS, default=replications,
                        help=f"independent runs per scenario (default {replications})")
    parser.add_argument("--seed", "-s", type=SEED, default=0, help="master seed, a whole number >= 0 (default 0)")
    parser.add_argument("--engine", choices=("fast", "agents"), default="fast",
                        help="fast: customers as arrays (default); agents: one Mesa agent per customer")


def print_json(payload: Any) -> None:
    """Print a JSON document on standard output (numbers that are not finite as null)."""
    import json

    import numpy as np

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
            return None
        return value

    print(json.dumps(plain(payload), indent=1))
