"""The command line: run, compare, validate and schema do what their help says."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from cxsim.decide.compare import display_table
from cxsim.model.metrics import COLUMNS
from cxsim.scenario.reference import markdown_reference
from tests.conftest import ROOT, run_cli

F_SETPIPE_SZ = 1031  # Linux: fcntl's code that sets a pipe's capacity


def test_help_lists_every_command():
    proc = run_cli("--help")
    assert proc.returncode == 0
    for name in ("run", "compare", "validate", "schema"):
        assert name in proc.stdout


def test_run_writes_time_series_and_customers(tmp_path: Path):
    out, people = tmp_path / "ts.parquet", tmp_path / "people.csv"
    proc = run_cli("run", "scenarios/people_vs_ads.toml", "--variant", "more people", "--set", "market.population=800",
                   "--set", "market.weeks=12", "-r", "3", "--seed", "4", "--out", str(out), "--customers", str(people))
    assert proc.returncode == 0, proc.stderr
    ts = pd.read_parquet(out)
    assert set(COLUMNS) <= set(ts.columns)
    assert sorted(ts["replication"].unique()) == [0, 1, 2] and ts["step"].max() == 12
    customers = pd.read_csv(people)
    assert len(customers) == 3 * 800
    assert {"replication", "customer_id", "stage", "first_purchase_step", "purchases", "repeat_purchases",
            "revenue", "satisfaction"} <= set(customers.columns)


def test_compare_prints_table_and_writes_report(tmp_path: Path):
    small = tmp_path / "small.toml"
    text = (ROOT / "scenarios/people_vs_ads.toml").read_text().replace("population = 10000", "population = 1000")
    small.write_text(text.replace("weeks = 104", "weeks = 20"))
    report = tmp_path / "report.html"
    proc = run_cli("compare", str(small), "-r", "4", "--report", str(report), "--table", str(tmp_path / "t.csv"))
    assert proc.returncode == 0, proc.stderr
    for label in ("baseline", "more ads", "more people", "balanced", "npv", "Difference from"):
        assert label in proc.stdout
    lines = proc.stdout.splitlines()
    assert max(map(len, lines)) <= 100, max(lines, key=len)  # fits a 100-column terminal
    table = pd.read_csv(tmp_path / "t.csv")
    cells = display_table(table, "mean").to_numpy().ravel().tolist() + display_table(table, "diff").to_numpy().ravel(
        ).tolist()
    assert all(cell in proc.stdout for cell in cells if cell != "-")  # ... with every cell of the tables
    # the answer says how much of the value is earned within the horizon and how much after it
    assert "NPV over the 20 weeks is" in proc.stdout and "the value after them, the plan continued" in proc.stdout
    html = report.read_text()
    assert "plotly" in html and "more people" in html and html.count("<div id=") >= 5
    table = pd.read_csv(tmp_path / "t.csv")
    assert set(table["scenario"]) == {"baseline", "more ads", "more people", "balanced"}


def test_validate_accepts_every_shipped_scenario():
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios").glob("*.toml"))
    proc = run_cli("validate", *files)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("ok:") == len(files)


def test_schema_reference_in_docs_is_current():
    """docs/reference/scenario.md is generated from the schema: regenerate with `python scripts/docs.py write`."""
    assert (ROOT / "docs/reference/scenario.md").read_text().endswith(markdown_reference() + "\n")


def test_labels_stay_unique_and_renaming_a_variant_names_it():
    import cxsim
    from cxsim.decide.compare import unique_labels

    more_ads = cxsim.load_scenario(ROOT / "scenarios/people_vs_ads.toml", variant="more ads")
    assert more_ads.with_overrides({"scenario.name": "loud"}).name == "loud"
    assert more_ads.with_overrides({"purchase.price": 50.0}).name == "more ads"
    labels = unique_labels([more_ads, more_ads, more_ads.with_overrides({"scenario.name": "loud"})])
    assert len(set(labels)) == 3 and labels[2] == "loud"


def test_output_piped_into_a_reader_that_stops_is_not_an_error():
    """`cxsim schema --format json | head -c 100`: the reader leaves early; no error line, exit 0."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(read_end, F_SETPIPE_SZ, 4096)  # a small pipe: the 50 kB reference cannot fit before it is read
    proc = subprocess.Popen([sys.executable, "-m", "cxsim.cli.main", "schema", "--format", "json"],
                            stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        first = reader.read(100)  # then stop reading, as head does
    _, err = proc.communicate(timeout=300)
    assert first.lstrip().startswith(b"{")
    assert proc.returncode == 0, err
    assert b"error" not in err.lower() and b"Traceback" not in err
