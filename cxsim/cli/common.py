"""What every command of the command line shares: options, ``--set`` overrides, output files, progress bars.

A leaf module: the commands (``cxsim.cli.main``, ``cxsim.cli.sweep``,
``cxsim.cli.calibrate``) import it, it imports none of them.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Callable
from textwrap import fill
from typing import Any

from cxsim.core.errors import UserError, bounded
from cxsim.core.outputs import STDOUT, check_output, write_table

EXIT_USER_ERROR = 2
WIDTH = 100  # columns of the terminal output of compare


def scale_lines(scenarios) -> list[str]:
    """What a reader of real-size numbers must know of each scenario's scale (none where every person is simulated)."""
    from cxsim.model.results import scale_notes

    return [fill(note, WIDTH) for note in scale_notes(scenarios)]


def warning_lines(warnings: list[str]) -> list[str]:
    """Warnings, each wrapped to the terminal's width after ``warning:``."""
    return [fill(f"warning: {w}", WIDTH) for w in warnings]



class Parser(argparse.ArgumentParser):
    """An argument parser whose mistakes are one bounded line with a pointer to ``--help``, exit code 2.

    argparse prints the whole usage block before the error; a user reading a script's log wants
    the one line that says what was wrong. Subcommands' parsers are of this class too.
    """

    def parse_known_args(self, args=None, namespace=None):  # noqa: D102 - argparse's hook
        argv = sys.argv[1:] if args is None else list(args)
        if self._subparsers is None:  # a command's own options: ``--opt=--`` is a value argparse would drop
            for token in argv:
                if token == "--":
                    break
                if token.startswith("-") and token.endswith("=--"):
                    self.error(f"argument {bounded(token[:-3], 60)}: expected a value, got '--'")
        namespace, extras = super().parse_known_args(argv, namespace)
        for action in self._actions:  # an empty file name or address would be taken as "not given"
            value = getattr(namespace, action.dest, None)
            empty = value == "" or (isinstance(value, list) and "" in value)
            if empty and action.default != "" and action.dest != "help":
                name = "/".join(action.option_strings) or action.dest
                self.error(f"argument {name}: expected a value, got an empty one")
        return namespace, extras

    def error(self, message: str):  # noqa: D102 - argparse's hook
        self.exit(EXIT_USER_ERROR, f"{self.prog}: error: {bounded(message, 400)} (see {self.prog} --help)\n")


TABLES = (".csv", ".parquet")
__all__ = ["EXIT_USER_ERROR", "STDOUT", "TABLES", "Parser", "add_run_options", "add_uncertainty_options",
           "check_output", "integer", "make_pool", "parse_set", "print_json", "replications_of", "write_table"]


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


def add_run_options(parser: argparse.ArgumentParser, replications: int = 20, per_world: int | None = None) -> None:
    """Options every command that simulates shares.

    Args:
        parser: the command's parser.
        replications: the default number of runs per scenario.
        per_world: with uncertainty (``add_uncertainty_options``), the default runs per plan and world;
            ``--replications`` then defaults to ``None`` and :func:`replications_of` picks.
    """
    more = "" if per_world is None else f"; {per_world} per plan and world under uncertainty"
    parser.add_argument("--replications", "-r", type=REPLICATIONS, default=None if per_world else replications,
                        help=f"independent runs per scenario (default {replications}{more})")
    if per_world is not None:
        parser.set_defaults(fixed_replications=replications, world_replications=per_world)
    parser.add_argument("--seed", "-s", type=SEED, default=0, help="master seed, a whole number >= 0 (default 0)")
    parser.add_argument("--engine", choices=("fast", "agents"), default="fast",
                        help="fast: customers as arrays (default); agents: one Mesa agent per customer")


DEFAULT_DRAWS = 100
DRAWS = integer(1, 100_000)


def add_uncertainty_options(parser: argparse.ArgumentParser) -> None:
    """``--uncertain``, ``--posterior DIR``, ``--draws N``, ``--fixed`` (and ``--workers``, ``--scheduler``)."""
    group = parser.add_argument_group(
        "uncertainty", "Weigh each plan over plausible worlds of the assumptions instead of holding them fixed: "
        "the expected value, the worst 10%, the chance each plan is best and its expected regret. "
        "A file's [uncertainty] table turns this on by itself.")
    group.add_argument("--uncertain", action="store_true",
                       help="draw the assumptions from their plausible ranges, published or assumed (cxsim.scenario.ranges), "
                            "or from the file's [uncertainty] table when it has one")
    group.add_argument("--posterior", metavar="DIR",
                       help="draw them from a calibration's posterior (DIR/posterior.parquet, written by "
                            "`cxsim calibrate history`); replaces the [uncertainty] table")
    group.add_argument("--draws", type=DRAWS, default=DEFAULT_DRAWS,
                       help=f"plausible worlds to draw (default {DEFAULT_DRAWS}); every plan runs in every one")
    group.add_argument("--fixed", action="store_true",
                       help="hold the assumptions fixed even when the file has an [uncertainty] table")
    group.add_argument("--workers", "-w", type=WORKERS, default=None,
                       help="processes running plans side by side (default: one per core; 1: this process)")
    group.add_argument("--scheduler", metavar="ADDRESS",
                       help="run the worlds on a Dask cluster (tcp://host:8786, or 'local' for one on this machine)")


def replications_of(args: argparse.Namespace, uncertain: bool) -> int:
    """``--replications`` as given, else the command's default: per world under uncertainty, else per plan."""
    if args.replications is not None:
        return args.replications
    return args.world_replications if uncertain else args.fixed_replications


def make_pool(args: argparse.Namespace):
    """Where ``--scheduler`` and ``--workers`` say to run: a Dask cluster, or worker processes on this machine."""
    from cxsim.decide.pools import DaskPool, ProcessPool, check_address

    return DaskPool(check_address(args.scheduler), args.workers) if args.scheduler else ProcessPool(args.workers)


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
