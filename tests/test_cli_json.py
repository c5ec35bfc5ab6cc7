"""Machine-readable output: --json for compare, optimize and sensitivity; - for standard output."""

from __future__ import annotations

import io
import json
import math
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from cxsim.decide.pools import Pool
from cxsim.sweep import parse_sweep, run_sweep
from tests.conftest import SCENARIOS, call_cli

SMALL = "[market]\npopulation = 300\nweeks = 8\n[variants.loud]\n\"advertising.weekly_spend\" = 8000.0\n"


def test_compare_json_holds_every_kpi_of_every_scenario(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(SMALL, encoding="utf-8")
    result = call_cli(capsys, "compare", str(path), "-r", "3", "-w", "1", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["scenarios"] == ["scenario", "loud"] and doc["replications"] == 3
    rows = pd.DataFrame(doc["kpis"])
    assert set(rows["scenario"]) == {"scenario", "loud"} and {"kpi", "mean"} <= set(rows.columns)
    assert all(v is None or math.isfinite(v) for v in rows["mean"])


def test_optimize_json_and_table_on_standard_output(tmp_path, capsys):
    path = tmp_path / "s.toml"
    path.write_text(SMALL, encoding="utf-8")
    result = call_cli(capsys, "optimize", str(path), "-r", "2", "--grid", "3", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["kpi"] == "value" and len(doc["frontier"]) >= 3
    table = call_cli(capsys, "optimize", str(path), "-r", "2", "--grid", "3", "--out", "-")
    assert table.returncode == 0, table.stderr
    frame = pd.read_csv(io.StringIO(table.stdout))  # the table alone on standard output; the words on stderr
    assert len(frame) >= 3 and "share" in " ".join(frame.columns) and "against the share" in table.stderr


def test_sensitivity_json(tmp_path, capsys):
    text = (f'[sweep]\nscenario = "{(SCENARIOS / "people_vs_ads.toml").as_posix()}"\nreplications = 2\n'
            '[fixed]\n"market.population" = 300\n"market.weeks" = 8\n'
            '[parameters."purchase.price"]\nvalues = [50, 60, 70]\n')
    out = tmp_path / "out"
    run_sweep(parse_sweep(text, str(tmp_path / "sw.toml")), out, Pool(ThreadPoolExecutor(2), slots=2))
    result = call_cli(capsys, "sensitivity", str(out), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["runs"] == 6 and doc["points"] == 3 and doc["indices"]
    assert (out / "sensitivity.html").is_file()
