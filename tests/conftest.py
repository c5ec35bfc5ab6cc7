"""Shared fixtures and helpers for the cxsim tests."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the ``cxsim`` command line in a subprocess and capture its output."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "cxsim.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout, env=env)


@dataclass
class CliResult:
    """What a command printed and its exit code."""

    returncode: int
    stdout: str
    stderr: str


def call_cli(capsys, *args: str) -> CliResult:
    """Run ``cxsim`` in this process (fast; the subprocess tests check the real exit codes)."""
    from cxsim.cli import main

    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    out = capsys.readouterr()
    return CliResult(code, out.out, out.err)


def mean_and_se(values: np.ndarray) -> tuple[float, float]:
    """Mean over replications and its standard error."""
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT
