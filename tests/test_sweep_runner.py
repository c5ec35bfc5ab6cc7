"""The runner and the results folder: complete, faithful to simulate, bounded, retried, resumable, guarded."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

import cxsim.sweep.runner as runner_module
from cxsim.cli.main import main
from cxsim.core.errors import UserError
from cxsim.decide.pools import Pool, ProcessPool
from cxsim.model.simulate import simulate
from cxsim.sweep import load_results, load_timeseries, parse_sweep, run_sweep
from cxsim.sweep.store import LEDGER, PARTS, Store, status_counts
from cxsim.sweep.worker import run as real_run
from tests.conftest import SCENARIOS

PEOPLE_VS_ADS = (SCENARIOS / "people_vs_ads.toml").as_posix()

SMALL = f"""
[sweep]
scenario = "{PEOPLE_VS_ADS}"
variants = ["more ads", "more people"]
replications = 2
seed = 9
retries = 1

[fixed]
"market.population" = 500
"market.weeks" = 20

[design]
kind = "grid"
steps = 2

[parameters."wom.awareness_effect"]
range = [0.1, 0.5]

[parameters."service.need_probability"]
values = [0.2, 0.6]

[outputs]
kpis = ["npv", "customers", "repeat_share"]
timeseries = ["active", "profit"]
"""
TOTAL = 2 * 2 * 2 * 2  # points x variants x replications


def threads(n: int = 2) -> Pool:
    """An in-process pool: any Executor will do for the runner."""
    return Pool(ThreadPoolExecutor(n), slots=n)


def sweep_file(tmp_path: Path, text: str = SMALL) -> Path:
    path = tmp_path / "small.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """The small sweep, run to the end on threads."""
    tmp = tmp_path_factory.mktemp("finished")
    spec = parse_sweep(SMALL, str(tmp / "small.toml"))
    seen = []
    report = run_sweep(spec, tmp / "out", threads(), progress=lambda done, total: seen.append((done, total)))
    return spec, tmp / "out", report, seen


def test_every_run_is_stored_once_with_its_parameters(finished):
    spec, out, report, _ = finished
    assert (report.total, report.done, report.ran, len(report.failed)) == (TOTAL, TOTAL, TOTAL, 0)
    res = load_results(out)
    assert len(res) == TOTAL and res["run_id"].is_unique
    assert list(res.columns[:7]) == ["run_id", "point", "variant", "replication", "seed",
                                     "wom.awareness_effect", "service.need_probability"]
    assert res.groupby(["point", "variant"]).size().eq(2).all()
    assert set(res["variant"]) == {"more ads", "more people"}
    ts = load_timeseries(out)
    assert len(ts) == TOTAL * 21 and not ts.duplicated(["run_id", "step"]).any()
    assert list(ts.columns) == ["run_id", "point", "variant", "replication", "step", "active", "profit"]


def test_a_run_is_exactly_simulate_of_its_scenario(finished):
    spec, out, _, _ = finished
    res = load_results(out)
    ts = load_timeseries(out)
    for _, row in res.iloc[[0, 5, TOTAL - 1]].iterrows():
        scenario = spec.arms[row["variant"]].with_overrides(
            {"wom.awareness_effect": row["wom.awareness_effect"],
             "service.need_probability": row["service.need_probability"]})
        direct = simulate(scenario, 1, seed=spec.file.sweep.seed, first_replication=row["replication"])
        kpis = direct.summary().iloc[0]
        for k in ("npv", "customers", "repeat_share"):
            assert row[k] == kpis[k]
        mine = ts[ts["run_id"] == row["run_id"]].reset_index(drop=True)
        pd.testing.assert_series_equal(mine["profit"], direct.timeseries["profit"].reset_index(drop=True))


def test_variants_share_random_numbers_within_a_replication(finished):
    _, out, _, _ = finished
    res = load_results(out)
    # the same seed and replication for both variants at a point: the pairing discovery relies on
    pairs = res.pivot_table(index=["point", "replication"], columns="variant", values="seed")
    assert (pairs["more ads"] == pairs["more people"]).all()


def test_progress_counts_up_to_the_total(finished):
    *_, seen = finished
    done = [d for d, _ in seen]
    assert done[0] == 0 and done[-1] == TOTAL and done == sorted(done)
    assert {t for _, t in seen} == {TOTAL}


def test_the_parent_holds_only_a_bounded_window(tmp_path):
    class Counting(ThreadPoolExecutor):
        def __init__(self):
            super().__init__(2)
            self.open = self.most = 0
            self.lock = threading.Lock()

        def submit(self, fn, *args, **kwargs):
            with self.lock:
                self.open += 1
                self.most = max(self.most, self.open)
            future = super().submit(fn, *args, **kwargs)
            future.add_done_callback(lambda _: self._done())
            return future

        def _done(self):
            with self.lock:
                self.open -= 1

    executor = Counting()
    report = run_sweep(parse_sweep(SMALL, str(tmp_path / "s.toml")), tmp_path / "out", Pool(executor, slots=2))
    assert report.done == TOTAL
    assert 2 <= executor.most <= 4  # twice the slots, never the whole sweep


def test_a_failing_run_is_retried_then_recorded_and_retried_on_resume(tmp_path, monkeypatch):
    spec = parse_sweep(SMALL, str(tmp_path / "s.toml"))
    tries: dict[str, int] = {}
    lock = threading.Lock()

    def flaky(job):
        with lock:
            tries[job.run_id] = tries.get(job.run_id, 0) + 1
        if job.overrides["service.need_probability"] == 0.6 and job.overrides["wom.awareness_effect"] == 0.5:
            raise RuntimeError("boom")  # always: 4 runs (2 variants x 2 replications)
        if tries[job.run_id] == 1 and job.seed == 9 and job.first_replication == 0:
            raise ValueError("first try fails")  # once: recovers on retry
        return real_run(job)

    monkeypatch.setattr(runner_module, "run", flaky)
    report = run_sweep(spec, tmp_path / "out", threads())
    assert report.done == TOTAL - 4
    assert len(report.failed) == 4
    assert (report.failed["attempts"] == 2).all()  # 1 try + retries = 1
    assert report.failed["error"].str.startswith("RuntimeError: boom").all()
    assert report.retried == 4 + (TOTAL - 4) // 2  # every failing attempt but the last of the broken runs
    everything = load_results(tmp_path / "out", status=None)
    assert len(everything) == TOTAL and set(everything["status"]) == {"done", "failed"}
    recovered = everything[(everything["status"] == "done") & (everything["replication"] == 0)]
    assert (recovered["attempts"] == 2).all()

    monkeypatch.setattr(runner_module, "run", real_run)  # the cause is fixed: the same command completes
    again = run_sweep(spec, tmp_path / "out", threads())
    assert (again.done_before, again.ran, again.done, len(again.failed)) == (TOTAL - 4, 4, TOTAL, 0)
    final = load_results(tmp_path / "out", status=None)
    assert (final["status"] == "done").all() and final["error"].isna().all()
    assert (final.loc[final["run_id"].isin(report.failed["run_id"]), "attempts"] == 3).all()


def test_a_run_that_cannot_fit_fails_in_its_worker_process_and_is_reported(tmp_path):
    # every person simulated (market.scale = 1): at the automatic scale 20 million people would fit
    text = SMALL.replace('"market.population" = 500', '"network.mean_degree" = 500\n"market.scale" = 1').replace(
        '[parameters."service.need_probability"]\nvalues = [0.2, 0.6]',
        '[parameters."market.population"]\nvalues = [500, 20000000]').replace(
        'variants = ["more ads", "more people"]\n', "").replace("replications = 2", "replications = 1")
    spec = parse_sweep(text, str(tmp_path / "s.toml"))
    with ProcessPool(2) as pool:
        report = run_sweep(spec, tmp_path / "out", pool)
    assert (report.total, report.done, len(report.failed)) == (4, 2, 2)
    assert report.failed["error"].str.contains("UserError: 1 x 20,000,000 customers").all()
    assert report.failed["error"].str.contains("memory").all()


def test_an_interrupted_sweep_resumes_to_the_same_numbers(tmp_path, finished):
    _, reference, _, _ = finished
    spec = parse_sweep(SMALL, str(tmp_path / "s.toml"))

    def stop_after_five(done, total):
        if done >= 5:
            raise KeyboardInterrupt

    first = run_sweep(spec, tmp_path / "out", threads(), progress=stop_after_five)
    assert first.interrupted and 5 <= first.done < TOTAL
    second = run_sweep(spec, tmp_path / "out", threads(1))
    assert second.done_before == first.done and second.done == TOTAL
    pd.testing.assert_frame_equal(load_results(tmp_path / "out"), load_results(reference))
    pd.testing.assert_frame_equal(load_timeseries(tmp_path / "out"), load_timeseries(reference))


def test_a_finished_sweep_runs_nothing_again(tmp_path):
    calls = []
    spec = parse_sweep(SMALL, str(tmp_path / "s.toml"))
    run_sweep(spec, tmp_path / "out", threads())
    again = run_sweep(spec, tmp_path / "out", lambda: calls.append(1) or threads())
    assert (again.ran, again.done) == (0, TOTAL) and calls == []


def test_a_changed_sweep_file_is_refused_but_retries_may_change(tmp_path, capsys, finished):
    _, out, _, _ = finished
    path = sweep_file(tmp_path, SMALL.replace("steps = 2", "steps = 3"))
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "holds the results of a different sweep" in err and "design.steps: 2 -> 3" in err
    assert len(err.strip().splitlines()) == 1
    path = sweep_file(tmp_path, SMALL.replace("seed = 9", "seed = 10"))
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    assert "sweep.seed: 9 -> 10" in capsys.readouterr().err
    path = sweep_file(tmp_path, SMALL.replace("retries = 1", "retries = 5"))
    assert main(["sweep", str(path), "--out", str(out)]) == 0
    assert "every run was already done" in capsys.readouterr().out
    assert status_counts(out)["done"] == TOTAL


def test_a_folder_with_other_files_or_another_writer_is_refused(tmp_path):
    spec = parse_sweep(SMALL, str(tmp_path / "s.toml"))
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="holds other files and no sweep ledger"):
        run_sweep(spec, tmp_path / "busy", threads())
    from cxsim.sweep.design import build_design
    store = Store.open(tmp_path / "out", spec, build_design(spec))
    try:
        with pytest.raises(UserError, match=r"another `cxsim sweep` \(pid \d+\) is writing to this folder"):
            run_sweep(spec, tmp_path / "out", threads())
    finally:
        store.close()


def test_orphan_parts_are_ignored_and_removed_on_resume(tmp_path, finished):
    _, reference, _, _ = finished
    spec = parse_sweep(SMALL, str(tmp_path / "s.toml"))

    def stop_after_four(done, total):
        if done >= 4:
            raise KeyboardInterrupt

    run_sweep(spec, tmp_path / "out", threads(), progress=stop_after_four)
    # a part written but never committed (a kill between the rename and the transaction)
    parts = sorted((tmp_path / "out" / PARTS).glob("part-*.parquet"))
    orphan = tmp_path / "out" / PARTS / "part-999999.parquet"
    frame = pd.read_parquet(parts[0])
    frame.assign(active=-1).to_parquet(orphan)
    (tmp_path / "out" / PARTS / ".part-999998.parquet.tmp").write_bytes(b"half")
    assert (load_timeseries(tmp_path / "out")["active"] >= 0).all()
    run_sweep(spec, tmp_path / "out", threads())
    assert not orphan.exists() and not list((tmp_path / "out" / PARTS).glob("*.tmp"))
    pd.testing.assert_frame_equal(load_timeseries(tmp_path / "out"), load_timeseries(reference))


def test_export_writes_one_row_per_run(tmp_path, finished, capsys):
    _, out, _, _ = finished
    assert main(["sweep", "export", str(out), str(tmp_path / "runs.csv")]) == 0
    csv = pd.read_csv(tmp_path / "runs.csv")
    assert len(csv) == TOTAL and {"run_id", "variant", "npv", "wom.awareness_effect"} <= set(csv.columns)
    assert main(["sweep", "export", str(out), str(tmp_path / "weekly.parquet"), "--timeseries"]) == 0
    assert len(pd.read_parquet(tmp_path / "weekly.parquet")) == TOTAL * 21
    capsys.readouterr()
    assert main(["sweep", "export", str(tmp_path / "nowhere"), str(tmp_path / "x.csv")]) == 2
    assert "not a sweep results folder" in capsys.readouterr().err
    assert main(["sweep", "export", str(out), str(tmp_path / "x.txt")]) == 2
    assert not (tmp_path / "x.txt").exists() and (Path(out) / LEDGER).exists()


def test_points_with_the_same_parameters_share_one_run(tmp_path):
    # Morris trajectories on a 4-level grid of 2 parameters revisit points: each distinct point runs once
    text = SMALL.replace('kind = "grid"\nsteps = 2', 'kind = "morris"\nsamples = 6').replace(
        'values = [0.2, 0.6]', 'range = [0.2, 0.6]').replace("replications = 2", "replications = 1")
    spec = parse_sweep(text, str(tmp_path / "s.toml"))
    report = run_sweep(spec, tmp_path / "out", threads())
    res = load_results(tmp_path / "out")
    assert len(res) == 6 * 3 * 2  # every (point, variant) has its row
    distinct = res.drop_duplicates(["variant", "wom.awareness_effect", "service.need_probability"])
    assert report.total == len(distinct) == res["run_id"].nunique() < len(res)
    same = res.groupby("run_id")[["npv", "customers"]].nunique()
    assert (same == 1).all().all()
