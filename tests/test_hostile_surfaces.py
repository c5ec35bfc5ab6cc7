"""Hostile inputs on the newer surfaces (issue 28): the many-lever optimiser's budget and bounds, output paths,
argument values, calibrate history's folder. A clear refusal (exit 2, one bounded line, nothing written) or a
correct result within every constraint the user set."""

from __future__ import annotations

import errno
import os
import stat

import pandas as pd
import pytest

from cxsim.core.errors import UserError
from cxsim.sweep import load_results, load_timeseries, run_sweep
from cxsim.sweep.store import LEDGER, PARTS
from tests.conftest import call_cli, run_cli
from tests.test_hostile_inputs import files_in, refused, scenario_file, threads

DEAR = "[advertising]\nweekly_spend = 4000\n[service]\nweekly_spend = 2000\n"


def one_line(result, *needles: str) -> str:
    err = refused(result, *needles)
    assert len(err.strip().splitlines()) == 1, err
    return err


# --- 1. the optimiser's best plan keeps within its budget and bounds -----------------------------------

@pytest.mark.parametrize("bounds", [None, {"advertising.weekly_spend": (3.0, 4.0)}])
def test_the_best_plan_keeps_the_budget_and_bounds_even_when_todays_plan_scores_higher(tmp_path, bounds):
    from cxsim.decide.allocate import optimise, parse_bounds, within
    from cxsim.scenario import load_scenario

    scenario = load_scenario(scenario_file(tmp_path, DEAR))
    keys = ["advertising.weekly_spend", "service.weekly_spend"]
    box = parse_bounds([f"{k}={lo}:{hi}" for k, (lo, hi) in (bounds or {}).items()], keys, 1000.0, "s")
    result = optimise(scenario, keys, 1000.0, box, replications=2, evaluations=10)
    spend = result.allocation
    assert within([spend[k] for k in keys], 1000.0, [box[k] for k in keys]), spend
    assert int(result.best["plan"]) != 0  # today's plan spends 6,000: it cannot be the best split of 1,000
    assert not result.plans.loc[result.plans["plan"] == 0, "feasible"].iloc[0]
    assert result.plans.loc[result.plans["near_best"], "feasible"].all()
    assert "Today's plan is the best" not in result.verdict()
    assert all(share <= 1 for share in result.table()["best share"])


def test_optimize_refuses_a_repeated_bound_and_a_budget_no_scenario_can_spend(tmp_path, capsys):
    path = str(scenario_file(tmp_path, DEAR))
    one_line(call_cli(capsys, "optimize", path, "--levers", "ads", "staff", "--budget", "1000",
                      "--bounds", "ads=1:4", "ads=2:3"), "--bounds advertising.weekly_spend", "twice")
    for levers in (["--levers", "ads", "staff"], []):
        err = one_line(call_cli(capsys, "optimize", path, *levers, "--budget", "1e16"), "--budget", "1e+15")
        assert "advertising.weekly_spend" not in err
    assert files_in(tmp_path) == {"s.toml"}


# --- 2. every output file through the one atomic writer --------------------------------------------------

def test_advise_never_writes_through_a_planted_link(tmp_path, capsys):
    path = scenario_file(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    for name in ("f.html.part", ".f.html.part"):
        (tmp_path / name).symlink_to(victim)
    result = call_cli(capsys, "advise", str(path), "-r", "2", "--figure", str(tmp_path / "f.html"))
    assert result.returncode == 0, result.stderr
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not (tmp_path / "f.html").is_symlink() and (tmp_path / "f.html").stat().st_size > 1000


@pytest.mark.parametrize("figure", ["adir", "adir.html", "g.html/", ""])
def test_advise_refuses_a_folder_a_trailing_slash_or_an_empty_name_before_any_run(tmp_path, capsys, figure):
    path = scenario_file(tmp_path)
    (tmp_path / "adir").mkdir()
    (tmp_path / "adir.html").mkdir()
    target = str(tmp_path / figure) + ("/" if figure.endswith("/") else "") if figure else ""
    one_line(call_cli(capsys, "advise", str(path), "-r", "2", "--figure", target), "--figure")
    assert files_in(tmp_path) == {"s.toml", "adir", "adir.html"}
    assert not list((tmp_path / "adir").iterdir()) and not list((tmp_path / "adir.html").iterdir())


def test_output_files_are_made_as_any_new_file_not_private(tmp_path):
    from cxsim.core.outputs import write_text

    mask = os.umask(0o022)
    try:
        write_text(tmp_path / "o.txt", "x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "o.txt").stat().st_mode) == 0o644


def test_write_all_on_a_full_disk_writes_none_and_names_the_file(tmp_path):
    from cxsim.core.outputs import write_all

    (tmp_path / "a.csv").write_text("old", encoding="utf-8")

    def full(handle):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(UserError) as info:
        write_all([(tmp_path / "a.csv", lambda f: f.write(b"new")), (tmp_path / "b.csv", full)])
    assert "b.csv" in str(info.value) and "No space left on device" in str(info.value)
    assert files_in(tmp_path) == {"a.csv"} and (tmp_path / "a.csv").read_text(encoding="utf-8") == "old"


# --- 3 and 8. argument values: one line with a pointer to --help, exit 2 ---------------------------------

@pytest.mark.parametrize("args, needle", [
    (["advise", "S", "--step=--"], "--step"),
    (["optimize", "S", "--training-share=--"], "--training-share"),
    (["optimize", "S", "--budget=--"], "--budget"),
    (["calibrate", "history", "--minutes=--"], "--minutes"),
    (["calibrate", "history", "--holdout", "-1"], "--holdout"),
    (["calibrate", "history", "--particles", "0"], "--particles"),
    (["optimize", "S", "--levers", "ads", "staff", "--objective", "bogus"], "--objective"),
    (["compare", "S", "--report", ""], "--report"),
    (["compare", "S", "--uncertain", "--scheduler", ""], "--scheduler"),
    (["run", "S", "--out", "o.csv", "--customers", ""], "--customers"),
])
def test_bad_argument_values_are_one_line_pointing_at_help(tmp_path, capsys, args, needle):
    path = str(scenario_file(tmp_path))
    args = [path if a == "S" else a for a in args]
    err = one_line(call_cli(capsys, *args), needle, "--help)")
    assert err.startswith(f"cxsim {args[0]}")
    assert files_in(tmp_path) == {"s.toml"}


def test_argparse_errors_are_one_line_in_a_real_process(tmp_path):
    one_line(run_cli("optimize", str(scenario_file(tmp_path)), "--objective", "bogus"),
             "cxsim optimize: error:", "(see cxsim optimize --help)")


def test_help_shows_percent_signs_once(capsys):
    result = call_cli(capsys, "compare", "--help")
    assert "worst 10%," in result.stdout and "%%" not in result.stdout


# --- 3. relative changes that overflow -------------------------------------------------------------------

@pytest.mark.parametrize("change", ["x1" + "0" * 400, "+9" + "0" * 400, "+9" + "0" * 400 + "%"])
def test_a_relative_change_that_overflows_is_refused(tmp_path, capsys, change):
    path = tmp_path / "v.toml"
    path.write_text(f'[variants.v]\n"market.population" = "{change}"\n', encoding="utf-8")
    one_line(call_cli(capsys, "validate", str(path)), "market.population", "finite")
    one_line(call_cli(capsys, "compare", str(path), "-r", "2", "-w", "1"), "market.population")


# --- 5. calibrate history's folder ------------------------------------------------------------------------

def test_calibrate_history_refuses_a_linked_folder_before_any_work(tmp_path):
    from cxsim.calibrate.posterior import check_folder

    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    for name in ("link", "dangling"):
        with pytest.raises(UserError, match="symbolic link"):
            check_folder(tmp_path / name)


def test_calibrate_history_on_a_full_disk_leaves_nothing(tmp_path, monkeypatch):
    import cxsim.core.outputs as outputs
    from cxsim.calibrate.inference import Posterior
    from cxsim.calibrate.posterior import write_folder

    real = outputs.os.fsync
    calls = []

    def full(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd)

    monkeypatch.setattr(outputs.os, "fsync", full)
    posterior = Posterior.__new__(Posterior)
    object.__setattr__(posterior, "draws", pd.DataFrame({"a": [1.0, 2.0]}))
    out = tmp_path / "cal"
    with pytest.raises(UserError, match="No space left on device"):
        write_folder(out, posterior, pd.DataFrame({"key": ["a"]}), "x = 1\n", "<html></html>")
    assert files_in(tmp_path) == set()


# --- 4. damage to a sweep's folder is found, named, and its runs run again --------------------------------

def _damaged(finished_sweep):
    spec, out, results, series = finished_sweep
    return spec, out, results, series, sorted((out / PARTS).glob("*.parquet"))


def test_a_part_overwritten_in_the_middle_is_found_and_run_again(finished_sweep, capsys):
    spec, out, results, series, parts = _damaged(finished_sweep)
    victim = parts[0]
    data = bytearray(victim.read_bytes())
    middle = len(data) // 2
    data[middle - 200:middle + 200] = b"\xff" * 400
    victim.write_bytes(bytes(data))
    one_line(call_cli(capsys, "sweep", "export", str(out), str(out.parent / "e.csv"), "--timeseries"), victim.name)
    report = run_sweep(spec, out, threads())
    assert any(victim.name in note for note in report.notes) and report.ran > 0
    pd.testing.assert_frame_equal(load_timeseries(out), series)
    pd.testing.assert_frame_equal(load_results(out), results)


def test_a_part_copied_over_another_is_found_and_run_again(finished_sweep, capsys):
    import sqlite3

    spec, out, results, series, parts = _damaged(finished_sweep)
    if len(parts) < 2:  # one batch: split it in two parts, as two batches would have written them
        frame = pd.read_parquet(parts[0])
        ids = sorted(frame["run_id"].unique())
        second = parts[0].with_name("part-000002.parquet")
        frame[frame["run_id"].isin(ids[:3])].to_parquet(parts[0], index=False)
        frame[frame["run_id"].isin(ids[3:])].to_parquet(second, index=False)
        conn = sqlite3.connect(out / LEDGER)
        conn.executemany("UPDATE runs SET part = ? WHERE run_id = ?", [(second.name, i) for i in ids[3:]])
        conn.commit()
        conn.close()
        pd.testing.assert_frame_equal(load_timeseries(out), series)
        parts = [parts[0], second]
    parts[1].write_bytes(parts[0].read_bytes())
    one_line(call_cli(capsys, "sweep", "export", str(out), str(out.parent / "e.csv"), "--timeseries"),
             parts[1].name, "not the part")
    report = run_sweep(spec, out, threads())
    assert any(parts[1].name in note for note in report.notes) and report.ran > 0
    pd.testing.assert_frame_equal(load_timeseries(out), series)


def test_an_emptied_or_table_less_ledger_is_named_and_the_sweep_runs_again(finished_sweep, capsys):
    import sqlite3

    spec, out, results, series, _ = _damaged(finished_sweep)
    conn = sqlite3.connect(out / LEDGER)
    conn.execute("DROP TABLE runs")
    conn.commit()
    conn.close()
    one_line(call_cli(capsys, "sweep", "export", str(out), str(out.parent / "e.csv")), LEDGER, "runs is missing")
    one_line(call_cli(capsys, "sweep", "export", str(out), str(out.parent / "e.csv"), "--timeseries"), LEDGER)
    report = run_sweep(spec, out, threads())
    assert any("runs is missing" in note for note in report.notes) and report.ran == report.total
    pd.testing.assert_frame_equal(load_results(out), results)
    for extra in ("-wal", "-shm"):
        (out / (LEDGER + extra)).unlink(missing_ok=True)
    (out / LEDGER).write_bytes(b"")
    one_line(call_cli(capsys, "sweep", "export", str(out), str(out.parent / "e.csv")), LEDGER, "emptied")
    report = run_sweep(spec, out, threads())
    assert any("emptied" in note for note in report.notes) and report.ran == report.total
    pd.testing.assert_frame_equal(load_results(out), results)
    assert not (out.parent / "e.csv").exists()


@pytest.mark.parametrize("value", ["1e999", "-1e999", "NULL"])
def test_non_finite_kpis_in_the_ledger_are_named_on_export_and_run_again(finished_sweep, capsys, value):
    import sqlite3

    spec, out, results, series, _ = _damaged(finished_sweep)
    conn = sqlite3.connect(out / LEDGER)
    conn.execute(f'UPDATE runs SET "kpi_npv" = {value} WHERE seq = 2')
    conn.commit()
    conn.close()
    one_line(call_cli(capsys, "sweep", "export", str(out), str(out.parent / "e.csv")), LEDGER, "not finite")
    refused(call_cli(capsys, "sensitivity", str(out)), LEDGER)
    report = run_sweep(spec, out, threads())
    assert any("not finite" in note for note in report.notes) and report.ran == 1
    pd.testing.assert_frame_equal(load_results(out), results)


# --- 3. a posterior whose weights overflow when summed ------------------------------------------------------

def test_a_posterior_with_huge_weights_is_drawn_by_their_ratios(tmp_path):
    from cxsim.decide.uncertainty import read_posterior
    from cxsim.scenario import load_scenario

    folder = tmp_path / "cal"
    folder.mkdir()
    pd.DataFrame({"purchase.price": [40.0, 60.0], "weight": [1e308, 1e308]}).to_parquet(folder / "posterior.parquet")
    worlds = read_posterior(folder, load_scenario(scenario_file(tmp_path)), draws=200, seed=0)
    prices = worlds.values[:, 0]
    assert set(prices) == {40.0, 60.0} and 0.3 < (prices == 40.0).mean() < 0.7
