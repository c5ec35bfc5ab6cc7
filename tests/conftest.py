"""Shared fixtures and helpers for the cxsim tests."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the ``cxsim`` command line in a subprocess and capture its output."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "cxsim.cli.main", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout, env=env)


@dataclass
class CliResult:
    """What a command printed and its exit code."""

    returncode: int
    stdout: str
    stderr: str


def call_cli(capsys, *args: str) -> CliResult:
    """Run ``cxsim`` in this process (fast; the subprocess tests check the real exit codes)."""
    from cxsim.cli.main import main

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


def docking_misfit(a, b, steps=(4, 13, 26)) -> dict[str, float]:
    """|difference of means| / (4 SE of the difference) for every metric column and step; <= 1: same distribution."""
    from cxsim.model.metrics import COLUMNS

    out = {}
    extra = [c for c in a.timeseries.columns if c in b.timeseries.columns and c not in (*COLUMNS, "replication", "step")]
    for step in steps:
        xa = a.timeseries[a.timeseries["step"] == step]
        xb = b.timeseries[b.timeseries["step"] == step]
        for col in (*COLUMNS, *extra):
            va, vb = xa[col].to_numpy(float), xb[col].to_numpy(float)
            va, vb = va[np.isfinite(va)], vb[np.isfinite(vb)]
            if va.size < 2 or vb.size < 2:
                continue
            diff = abs(va.mean() - vb.mean())
            se = np.sqrt(va.var(ddof=1) / va.size + vb.var(ddof=1) / vb.size)
            out[f"{col}@{step}"] = diff / (4 * se + 1e-9 * (1 + abs(va.mean())))
    return out


@pytest.fixture
def finished_sweep(tmp_path):
    """The hostile tests' small sweep (tests/test_hostile_inputs.py: SWEEP), run to the end on threads:
    its spec, folder, results and weekly series."""
    from cxsim.sweep import load_results, load_timeseries, parse_sweep, run_sweep
    from tests.test_hostile_inputs import SWEEP, threads

    spec = parse_sweep(SWEEP, str(tmp_path / "sw.toml"))
    (tmp_path / "sw.toml").write_text(SWEEP, encoding="utf-8")
    out = tmp_path / "out"
    report = run_sweep(spec, out, threads())
    assert report.done == report.total == 6
    return spec, out, load_results(out), load_timeseries(out)
