"""Kill -9 the sweep's process, or one of its workers: no run lost or counted twice, numbers unchanged."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import psutil
import pytest

from cxsim.decide.pools import Pool
from cxsim.sweep import load_results, load_timeseries, parse_sweep, run_sweep
from cxsim.sweep.store import LEDGER
from tests.conftest import ROOT, SCENARIOS

pytestmark = pytest.mark.xdist_group("sweep-processes")

WEEKS = 26
SWEEP = f"""
[sweep]
scenario = "{(SCENARIOS / "people_vs_ads.toml").as_posix()}"
variants = ["more ads", "more people"]
replications = 3
seed = 4

[fixed]
"market.population" = 1500
"market.weeks" = {WEEKS}

[design]
kind = "lhs"
samples = 14

[parameters."wom.awareness_effect"]
range = [0.1, 0.6]

[parameters."service.need_probability"]
range = [0.1, 0.8]

[outputs]
kpis = ["npv", "customers", "satisfaction"]
timeseries = ["active", "profit"]
"""


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """The sweep file, its size and the results of an uninterrupted run."""
    tmp = tmp_path_factory.mktemp("resume")
    path = tmp / "resume.toml"
    path.write_text(SWEEP, encoding="utf-8")
    spec = parse_sweep(SWEEP, str(path))
    report = run_sweep(spec, tmp / "reference", Pool(ThreadPoolExecutor(2), slots=2))
    results = load_results(tmp / "reference")
    assert report.done == report.total == len(results) == 14 * 2 * 3
    return path, report.total, results, load_timeseries(tmp / "reference")


def _start(path: Path, out: Path) -> subprocess.Popen:
    """The sweep command in a subprocess; its output goes to files (pipes would stay open in orphans)."""
    log = out.parent / "log"
    log.mkdir(exist_ok=True)
    with open(log / "stdout", "w") as stdout, open(log / "stderr", "w") as stderr:
        return subprocess.Popen([sys.executable, "-m", "cxsim.cli.main", "sweep", str(path), "--out", str(out), "-w", "2"],
                                cwd=ROOT, stdout=stdout, stderr=stderr, text=True)


def _output(out: Path) -> tuple[str, str]:
    log = out.parent / "log"
    return (log / "stdout").read_text(), (log / "stderr").read_text()


def _done(out: Path) -> int:
    ledger = out / LEDGER
    if not ledger.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM runs WHERE status = 'done'").fetchone()[0]
    except sqlite3.OperationalError:  # the plan is not written yet
        return 0


def _wait_for(out: Path, at_least: int, proc: subprocess.Popen, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = _done(out)
        if done >= at_least:
            return done
        assert proc.poll() is None, _output(out)
        time.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} runs done after {timeout} s")


def _check_complete(out: Path, total: int, results: pd.DataFrame, series: pd.DataFrame) -> None:
    mine = load_results(out)
    assert len(mine) == total and mine["run_id"].is_unique  # none lost, none twice
    everything = load_results(out, status=None)
    assert (everything["status"] == "done").all()
    pd.testing.assert_frame_equal(mine, results, check_exact=True)
    weekly = load_timeseries(out)
    assert len(weekly) == total * (WEEKS + 1) and not weekly.duplicated(["run_id", "step"]).any()
    pd.testing.assert_frame_equal(weekly, series, check_exact=True)


def test_kill_9_of_the_sweep_then_resume(sweep, tmp_path):
    path, total, results, series = sweep
    out = tmp_path / "out"
    proc = _start(path, out)
    done = _wait_for(out, 8, proc)
    family = psutil.Process(proc.pid).children(recursive=True)
    assert len(family) >= 2  # the worker processes (and the forkserver)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    assert done <= _done(out) < total  # stopped part-way, with what was committed kept
    gone, alive = psutil.wait_procs(family, timeout=15)
    assert not alive, f"processes left behind: {alive}"  # workers leave with the sweep

    again = subprocess.run([sys.executable, "-m", "cxsim.cli.main", "sweep", str(path), "--out", str(out), "-w", "2"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "were done before" in again.stdout
    _check_complete(out, total, results, series)


def test_kill_9_of_a_worker_loses_nothing(sweep, tmp_path):
    path, total, results, series = sweep
    out = tmp_path / "out"
    proc = _start(path, out)
    _wait_for(out, 4, proc)
    with sqlite3.connect(f"file:{out / LEDGER}?mode=ro", uri=True) as conn:
        victim = int(conn.execute("SELECT worker FROM runs WHERE worker IS NOT NULL LIMIT 1").fetchone()[0]
                     .split(":")[1])
    assert victim in {p.pid for p in psutil.Process(proc.pid).children(recursive=True)}
    os.kill(victim, signal.SIGKILL)
    assert _done(out) < total  # it died in the middle of the sweep
    assert proc.wait(timeout=300) == 0, _output(out)
    stdout, _ = _output(out)
    assert "failed" not in stdout
    _check_complete(out, total, results, series)
    everything = load_results(out, status=None)
    assert (everything["attempts"] == 1).all()  # runs in flight with the dead worker were rerun, not charged
    with sqlite3.connect(out / LEDGER) as conn:
        workers = {w for (w,) in conn.execute("SELECT DISTINCT worker FROM runs")}
    assert len(workers) >= 3  # the pool was started again after the death
