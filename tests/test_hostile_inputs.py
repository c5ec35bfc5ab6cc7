"""Hostile inputs and faults on the command line: a clear refusal (exit 2, one bounded line naming the file,
the field and the variant, no traceback, nothing written) or a correct result, never a silent wrong number."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxsim import load_scenario, parse_scenario, simulate
from cxsim.core.errors import ScenarioError
from cxsim.decide.pools import Pool
from cxsim.model.response import hill
from cxsim.sweep import load_results, load_timeseries, run_sweep
from cxsim.sweep.store import LEDGER, PARTS
from tests.conftest import ROOT, SCENARIOS, call_cli, run_cli

SMALL = "[market]\npopulation = 300\nweeks = 8\n"
PEOPLE_VS_ADS = (SCENARIOS / "people_vs_ads.toml").as_posix()
READ_ONLY = "/proc"  # a folder nobody can create files in, root included


def scenario_file(tmp_path: Path, extra: str = "", name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(SMALL + extra, encoding="utf-8")
    return path


def refused(result, *needles: str) -> str:
    """Assert a clean refusal: exit 2, no traceback, short lines naming what is wrong; return stderr."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and all(len(line) <= 1000 for line in lines), lines
    for needle in needles:
        assert needle in result.stderr, result.stderr
    return result.stderr


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


# --- 1. non-finite numbers, true for a number, shares above 1, overflow in the ad response -------------

@pytest.mark.parametrize("line, field", [
    ("[advertising]\nweekly_spend = nan\n", "advertising.weekly_spend"),
    ("[advertising]\nweekly_spend = inf\n", "advertising.weekly_spend"),
    ("[advertising]\nweekly_spend = [100.0, nan]\n", "advertising.weekly_spend"),
    ("[purchase]\nprice = inf\n", "purchase.price"),
    ("[purchase]\nprice = 1e300\n", "purchase.price"),
    ("[economics]\ndiscount_rate = -inf\n", "economics.discount_rate"),
])
def test_non_finite_and_huge_numbers_are_refused_by_validate_and_run(tmp_path, capsys, line, field):
    path = tmp_path / "s.toml"
    path.write_text(SMALL + line, encoding="utf-8")
    refused(call_cli(capsys, "validate", str(path)), str(path), field)
    refused(call_cli(capsys, "run", str(path), "-r", "2", "--out", str(tmp_path / "o.csv")), field)
    assert files_in(tmp_path) == {"s.toml"}


def test_true_is_not_a_number_of_weeks(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text("[market]\npopulation = 300\nweeks = true\n", encoding="utf-8")
    refused(call_cli(capsys, "validate", str(path)), "market.weeks", "not true or false")


def test_non_finite_values_through_set_are_refused(tmp_path, capsys):
    path = scenario_file(tmp_path)
    for value in ("nan", "inf", "-inf", "true"):
        refused(call_cli(capsys, "run", str(path), "--set", f"purchase.price={value}", "--out",
                         str(tmp_path / "o.csv")), "purchase.price", "(--set)")
    assert files_in(tmp_path) == {"s.toml"}


def test_shares_above_one_are_refused_not_clamped(tmp_path, capsys):
    path = tmp_path / "s.toml"
    text = "[market]\npopulation = 300\nweeks = 8\ninitial_customer_share = 0.7\ninitial_aware_share = 0.6\n"
    path.write_text(text, encoding="utf-8")
    refused(call_cli(capsys, "validate", str(path)), "initial_aware_share", "<= 1", "1.3")


def test_a_tiny_half_saturation_with_a_steep_slope_gives_full_ad_effect():
    assert hill(4_000.0, 1e-300, 10.0) == 1.0  # x^s beyond float range
    assert hill(0.0, 1e-300, 10.0) == 0.0
    assert hill(8_000.0, 8_000.0, 1.0) == pytest.approx(0.5)
    with pytest.raises(ScenarioError, match="at least 1e-12"):  # a file cannot go that far
        parse_scenario(SMALL + "[advertising]\nhalf_saturation = 1e-30\n")
    base = parse_scenario(SMALL + "[advertising]\nhalf_saturation = 1e-12\nhill_slope = 10\nmax_awareness_rate = 0.5\n"
                          "[purchase]\nbase_rate = 0.5\n")
    with_ads = simulate(base, 3, seed=1).summary()
    without = simulate(base.with_overrides({"advertising.weekly_spend": 0.0}), 3, seed=1).summary()
    assert np.isfinite(with_ads.select_dtypes("number").to_numpy()).all()
    assert with_ads["customers"].mean() > 2 * without["customers"].mean()  # ads work, at full effect


def test_sweep_fixed_and_values_refuse_non_finite_numbers(tmp_path, capsys):
    head = f'[sweep]\nscenario = "{PEOPLE_VS_ADS}"\nreplications = 1\n'
    cases = {
        "fixed": head + '[fixed]\n"advertising.weekly_spend" = nan\n[parameters."purchase.price"]\nvalues = [50, 60]\n',
        "values": head + '[parameters."purchase.price"]\nvalues = [50, inf]\n',
        "range": head + '[parameters."purchase.price"]\nrange = [50, inf]\n',
    }
    for what, text in cases.items():
        path = tmp_path / f"{what}.toml"
        path.write_text(text, encoding="utf-8")
        refused(call_cli(capsys, "sweep", str(path), "--out", str(tmp_path / what)), str(path))
        assert not (tmp_path / what).exists()


# --- 2. huge sweeps refused before anything is drawn or written ----------------------------------------

def test_huge_sweeps_are_refused_up_front(tmp_path, capsys):
    grid = "\n".join(f'[parameters."{k}"]\nrange = [0.1, 0.2]\nsteps = 1000\n' for k in (
        "wom.awareness_effect", "wom.purchase_effect", "wom.promoter_talk", "wom.passive_talk", "wom.detractor_talk"))
    path = tmp_path / "grid.toml"
    path.write_text(f'[sweep]\nscenario = "{PEOPLE_VS_ADS}"\nreplications = 1\n[design]\nkind = "grid"\n' + grid)
    err = refused(call_cli(capsys, "sweep", str(path), "--out", str(tmp_path / "g")), "design", "design points")
    assert "1000 x 1000 x 1000 x 1000 x 1000" in err
    path = tmp_path / "lhs.toml"
    path.write_text(f'[sweep]\nscenario = "{PEOPLE_VS_ADS}"\nreplications = 100000\n[design]\nkind = "lhs"\n'
                    'samples = 100000\n[parameters."purchase.price"]\nrange = [50, 70]\n')
    refused(call_cli(capsys, "sweep", str(path), "--out", str(tmp_path / "l")), "sweep.replications", "runs")
    assert files_in(tmp_path) == {"grid.toml", "lhs.toml"}


# --- 3 and 5. outputs: checked before simulating, refused cleanly, nothing written -------------------

@pytest.mark.parametrize("place", ["folder", "read-only", "missing folder"])
def test_run_and_compare_outputs_that_cannot_be_written(tmp_path, capsys, place):
    path = scenario_file(tmp_path)
    (tmp_path / "adir.csv").mkdir()
    (tmp_path / "adir.html").mkdir()
    bad = {"folder": str(tmp_path / "adir.csv"), "read-only": f"{READ_ONLY}/o.csv",
           "missing folder": str(tmp_path / "nodir" / "o.csv")}[place]
    good = tmp_path / "o.csv"
    refused(call_cli(capsys, "run", str(path), "-r", "1", "--out", bad), bad.split("/")[-1])
    refused(call_cli(capsys, "run", str(path), "-r", "1", "--out", str(good), "--customers", bad))
    refused(call_cli(capsys, "compare", str(path), "-r", "2", "-w", "1", "--table", str(good),
                     "--report", bad.replace(".csv", ".html")))
    refused(call_cli(capsys, "compare", str(path), "-r", "2", "-w", "1", "--table", bad))
    assert files_in(tmp_path) == {"s.toml", "adir.csv", "adir.html"}  # o.csv was never written


def test_calibrate_outputs_that_cannot_be_written(tmp_path, capsys):
    data = tmp_path / "launch.csv"
    pd.DataFrame({"new": [5, 12, 30, 41, 33, 20, 11, 6]}).to_csv(data, index=False)
    (tmp_path / "d.toml").mkdir()
    refused(call_cli(capsys, "calibrate", "adoption", str(data), "--out", str(tmp_path / "d.toml")), "--out")
    refused(call_cli(capsys, "calibrate", "adoption", str(data), "--out", str(tmp_path / "ok.toml"),
                     "--plot", f"{READ_ONLY}/p.html"), "--plot")
    assert files_in(tmp_path) == {"launch.csv", "d.toml"}


def test_the_temporary_file_never_follows_a_planted_link(tmp_path, capsys):
    path = scenario_file(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    for name in ("o.csv.part", ".o.csv.part"):
        (tmp_path / name).symlink_to(victim)
    result = call_cli(capsys, "run", str(path), "-r", "1", "--out", str(tmp_path / "o.csv"))
    assert result.returncode == 0, result.stderr
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not (tmp_path / "o.csv").is_symlink() and len(pd.read_csv(tmp_path / "o.csv")) == 9


def test_out_dash_writes_the_series_to_standard_output(tmp_path, capsys):
    path = scenario_file(tmp_path)
    result = call_cli(capsys, "run", str(path), "-r", "2", "--out", "-")
    assert result.returncode == 0, result.stderr
    from io import StringIO
    frame = pd.read_csv(StringIO(result.stdout))
    assert len(frame) == 2 * 9 and "profit" in frame.columns
    assert "replications" in result.stderr  # the summary goes to stderr


# --- 3. argument values ------------------------------------------------------------------------------

def test_bad_argument_values_are_refused_without_traceback(tmp_path):
    path = scenario_file(tmp_path)
    refused(run_cli("run", str(path), "--seed", "-1", "--out", str(tmp_path / "o.csv")), "--seed")
    refused(run_cli("run", str(path), "-r", "0", "--out", str(tmp_path / "o.csv")), "--replications")
    sweep = tmp_path / "sw.toml"
    sweep.write_text(f'[sweep]\nscenario = "{PEOPLE_VS_ADS}"\nreplications = 1\n[parameters."purchase.price"]\n'
                     'values = [50, 60]\n', encoding="utf-8")
    refused(run_cli("sweep", str(sweep), "--out", str(tmp_path / "d"), "--scheduler", "not a url"), "--scheduler")
    assert files_in(tmp_path) == {"s.toml", "sw.toml"}


def test_an_unreachable_scheduler_creates_no_folder(tmp_path, capsys):
    sweep = tmp_path / "sw.toml"
    sweep.write_text(f'[sweep]\nscenario = "{PEOPLE_VS_ADS}"\nreplications = 1\n[parameters."purchase.price"]\n'
                     'values = [50, 60]\n', encoding="utf-8")
    from cxsim.decide import pools

    class Unreachable(pools.DaskPool):
        def __init__(self, address, workers=None):
            super().__init__(address, workers, timeout=1.0)

    original = pools.DaskPool
    pools.DaskPool = Unreachable
    try:
        refused(call_cli(capsys, "sweep", str(sweep), "--out", str(tmp_path / "d"), "--scheduler",
                         "tcp://127.0.0.1:9"), "--scheduler")
    finally:
        pools.DaskPool = original
    assert files_in(tmp_path) == {"sw.toml"}


def test_deep_nesting_is_refused(tmp_path, capsys):
    path = tmp_path / "deep.toml"
    path.write_text(SMALL + "[scenario]\ndescription = " + "[" * 500 + "]" * 500 + "\n", encoding="utf-8")
    refused(call_cli(capsys, "validate", str(path)), str(path), "nested")
    path.write_text(SMALL + "[variants.v]\n" + "x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    refused(call_cli(capsys, "validate", str(path)), "nested")
    refused(call_cli(capsys, "run", str(scenario_file(tmp_path)), "--set", "purchase.price=" + "[" * 5000 + "]" * 5000,
                     "--out", str(tmp_path / "o.csv")), "--set")


def test_calibrate_refuses_huge_counts_and_endless_periods(tmp_path, capsys):
    data = tmp_path / "launch.csv"
    pd.DataFrame({"new": [5, 12, 1e300, 41, 33, 20, 11, 6]}).to_csv(data, index=False)
    refused(call_cli(capsys, "calibrate", "adoption", str(data)), "column 'new'", "1e+300")
    pd.DataFrame({"new": [5, 12, 30, 41, 33, 20, 11, 6]}).to_csv(data, index=False)
    refused(call_cli(capsys, "calibrate", "adoption", str(data), "--period", "inf"), "--period")
    refused(call_cli(capsys, "calibrate", "adoption", str(data), "--weeks", "0"), "--weeks")
    err = refused(call_cli(capsys, "calibrate", "adoption", str(data), "--period", "200"), "--weeks")
    assert "<preset" not in err and "1,600 weeks" in err
    ok = call_cli(capsys, "calibrate", "adoption", str(data), "--period", "200", "--weeks", "520",
                  "--out", str(tmp_path / "c.toml"))
    assert ok.returncode == 0, ok.stderr
    assert load_scenario(tmp_path / "c.toml").weeks == 520


# --- 3. faults in a sweep's results folder ----------------------------------------------------------------

SWEEP = f"""
[sweep]
scenario = "{PEOPLE_VS_ADS}"
replications = 2
seed = 3
[fixed]
"market.population" = 300
"market.weeks" = 8
[parameters."purchase.price"]
values = [50, 60, 70]
[outputs]
kpis = ["npv", "customers"]
timeseries = ["active"]
"""


def threads() -> Pool:
    from concurrent.futures import ThreadPoolExecutor

    return Pool(ThreadPoolExecutor(2), slots=2)


def test_a_truncated_or_deleted_part_is_found_on_resume_and_its_runs_run_again(finished_sweep):
    spec, out, results, series = finished_sweep
    parts = sorted((out / PARTS).glob("*.parquet"))
    victim = parts[0]
    victim.write_bytes(victim.read_bytes()[:40])  # truncated
    with pytest.raises(Exception) as info:
        load_timeseries(out)
    assert victim.name in str(info.value) and "run the sweep command" in str(info.value)
    report = run_sweep(spec, out, threads())
    assert any(victim.name in note for note in report.notes)
    assert report.ran > 0 and report.done == report.total
    pd.testing.assert_frame_equal(load_results(out), results)
    pd.testing.assert_frame_equal(load_timeseries(out), series)
    for part in (out / PARTS).glob("*.parquet"):
        part.unlink()  # deleted
    report = run_sweep(spec, out, threads())
    assert report.ran == report.total and len(report.notes) >= 1
    pd.testing.assert_frame_equal(load_timeseries(out), series)


def test_a_corrupted_ledger_is_named_and_the_sweep_runs_again(finished_sweep, capsys):
    spec, out, results, series = finished_sweep
    (out / LEDGER).write_bytes(b"this is not a database" * 100)
    for extra in ("-wal", "-shm"):
        (out / (LEDGER + extra)).unlink(missing_ok=True)
    refused(call_cli(capsys, "sweep", "export", str(out), str(out.parent / "e.csv")), LEDGER, "damaged")
    refused(call_cli(capsys, "sensitivity", str(out)), LEDGER)
    report = run_sweep(spec, out, threads())
    assert any("damaged" in note and LEDGER in note for note in report.notes)
    assert report.ran == report.total == 6
    assert any(p.name.startswith(LEDGER + ".damaged-") for p in out.iterdir())  # kept aside, not deleted
    pd.testing.assert_frame_equal(load_results(out), results)


def test_a_full_disk_stops_the_sweep_with_one_line_and_loses_what_was_saved(finished_sweep, tmp_path, capsys,
                                                                            monkeypatch):
    import cxsim.sweep.store as store

    def full(frame, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(store, "write_table", full)  # what writes the weekly parts
    path = tmp_path / "sw.toml"
    path.write_text(SWEEP.replace("seed = 3", "seed = 4"), encoding="utf-8")
    err = refused(call_cli(capsys, "sweep", str(path), "--out", str(tmp_path / "full"), "-w", "1"),
                  "No space left on device", "resume")
    assert len([line for line in err.splitlines() if line.startswith("error:")]) == 1  # (and progress lines)
    monkeypatch.undo()
    again = call_cli(capsys, "sweep", str(path), "--out", str(tmp_path / "full"), "-w", "1")
    assert again.returncode == 0, again.stderr
    assert len(load_results(tmp_path / "full")) == 6


def test_sweep_and_sensitivity_outputs_that_cannot_be_written(finished_sweep, tmp_path, capsys):
    spec, out, _, _ = finished_sweep
    refused(call_cli(capsys, "sweep", str(tmp_path / "sw.toml"), "--out", f"{READ_ONLY}/sweep"), "results folder")
    refused(call_cli(capsys, "sweep", str(tmp_path / "sw.toml"), "--out", str(tmp_path / "sw.toml")), "a file")
    refused(call_cli(capsys, "sensitivity", str(out), "--html", f"{READ_ONLY}/s.html"), "--html")
    refused(call_cli(capsys, "sensitivity", str(out), "--table", str(out)), "--table")
    refused(call_cli(capsys, "sweep", "export", str(out), f"{READ_ONLY}/e.csv"), "e.csv")


# --- 8. messages: bounded, naming the variant ----------------------------------------------------------------

def test_a_huge_bad_value_is_not_echoed_whole(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(SMALL + '[network]\nkind = "' + "x" * 2_000_000 + '"\n', encoding="utf-8")
    err = refused(call_cli(capsys, "validate", str(path)), "network.kind", "more characters")
    assert len(err) < 2_000


def test_an_error_inside_a_variant_names_the_variant(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(SMALL + '[variants."loud ads"]\n"advertising.weekly_spend" = -5\n', encoding="utf-8")
    refused(call_cli(capsys, "validate", str(path)), 'variants."loud ads"', "advertising.weekly_spend")
    with pytest.raises(ScenarioError, match="loud ads"):
        load_scenario(path)


def test_docs_warn_that_dask_runs_code_from_anyone_who_reaches_the_scheduler():
    text = (ROOT / "docs" / "sweeps.md").read_text(encoding="utf-8").lower()
    assert "trusted" in text and "tls" in text and "--host" in text



def test_a_missing_extra_is_named_with_the_command_that_installs_it(tmp_path, capsys, monkeypatch):
    import sys

    sweep = tmp_path / "sw.toml"
    sweep.write_text(f'[sweep]\nscenario = "{PEOPLE_VS_ADS}"\nreplications = 1\n[design]\nkind = "lhs"\nsamples = 4\n'
                     '[parameters."purchase.price"]\nrange = [50, 60]\n', encoding="utf-8")
    for name in [m for m in sys.modules if m == "SALib" or m.startswith("SALib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "SALib", None)  # as if `pip install cxsim` without the sweep extra
    refused(call_cli(capsys, "sweep", str(sweep), "--out", str(tmp_path / "out")), "pip install 'cxsim[sweep]'")
    assert not (tmp_path / "out").exists()


def test_the_library_imports_without_the_extras():
    import subprocess
    import sys

    code = ("import sys\nfor name in ('streamlit', 'dask', 'distributed', 'SALib', 'sklearn'):\n"
            "    sys.modules[name] = None\n"
            "import cxsim, cxsim.cli.main, cxsim.decide.compare, cxsim.decide.optimize, cxsim.calibrate, cxsim.sweep\n"
            "sc = cxsim.parse_scenario('[market]\\npopulation = 100\\nweeks = 4\\n')\n"
            "print(cxsim.simulate(sc, 1).summary()['customers'].iloc[0] >= 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "True", proc.stderr


def test_a_planted_lock_link_is_refused_and_its_target_kept(tmp_path, capsys):
    sweep = tmp_path / "sw.toml"
    sweep.write_text(SWEEP, encoding="utf-8")
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".lock").symlink_to(victim)
    refused(call_cli(capsys, "sweep", str(sweep), "--out", str(tmp_path / "out")), ".lock")
    assert victim.read_text(encoding="utf-8") == "keep me"
