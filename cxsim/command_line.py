"""What every command of the command line shares: options, ``--set`` overrides, output files, progress bars.

A leaf module: the commands (``cxsim.cli``, ``cxsim.sweep.commands``,
``cxsim.calibrate.commands``) import it, it imports none of them.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

from cxsim.errors import UserError

EXIT_USER_ERROR = 2


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
    return overrides


def write_table(frame, path: str | Path) -> Path:
    """Write a DataFrame as CSV or Parquet by extension, atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise UserError(f"{path}: expected a file name ending in .csv or .parquet")
    if not path.parent.exists():
        raise UserError(f"{path}: the folder {path.parent} does not exist")
    tmp = path.with_name(path.name + ".part")
    if suffix == ".csv":
        frame.to_csv(tmp, index=False)
    else:
        frame.to_parquet(tmp, index=False)
    tmp.replace(path)
    return path


def progress_bar(total: int, desc: str):
    """A progress bar on stderr (silent when stderr is not a terminal)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="run", file=sys.stderr, disable=not sys.stderr.isatty(),
                dynamic_ncols=True)


def add_run_options(parser: argparse.ArgumentParser, replications: int = 20) -> None:
    """Options every command that simulates shares."""
    parser.add_argument("--replications", "-r", type=int, default=replications,
                        help=f"independent runs per scenario (default {replications})")
    parser.add_argument("--seed", "-s", type=int, default=0, help="master seed (default 0)")
    parser.add_argument("--engine", choices=("fast", "agents"), default="fast",
                        help="fast: customers as arrays (default); agents: one Mesa agent per customer")
