"""Bad input gets one clear message naming the file and the field, exit code 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

import cxsim
from cxsim.core.errors import ScenarioError
from tests.conftest import call_cli, run_cli

BAD_FILES = {
    "wrong_type.toml": ('[market]\npopulation = "many"\n', "market.population", "integer"),
    "out_of_range.toml": ("[advertising]\nadstock_decay = 1.5\n", "advertising.adstock_decay", "less than 1"),
    "unknown_key.toml": ("[service]\nstaff = 3\n", "service.staff", "known key"),
    "unknown_section.toml": ("[marketing]\nx = 1\n", "marketing", "known key"),
    "malformed.toml": ("[market\npopulation = 3\n", "(file)", "valid TOML"),
    "bad_variant.toml": ('[variants."x"]\n"market.weeks" = 0\n', "market.weeks", "greater than or equal to 1"),
    "negative_schedule.toml": ("[advertising]\nweekly_spend = [100.0, -5.0]\n", "advertising.weekly_spend", "greater"),
}


def _assert_clear(proc, *needles):
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_file_is_refused_with_file_and_field(tmp_path: Path, name: str, capsys):
    text, field, expected = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(text)
    for args in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "out.csv")],
                 ["compare", str(path)]):
        _assert_clear(call_cli(capsys, *args), str(path), field, expected)
    assert not (tmp_path / "out.csv").exists()
    with pytest.raises(ScenarioError) as err:
        cxsim.load_scenario(path)
    assert err.value.field == field


def test_a_real_process_exits_2_without_traceback(tmp_path: Path):
    """The exit code and stderr of the installed command, not only of main()."""
    path = tmp_path / "bad.toml"
    path.write_text(BAD_FILES["wrong_type.toml"][0])
    _assert_clear(run_cli("run", str(path), "--out", str(tmp_path / "o.csv")), str(path), "market.population")


def test_missing_file(tmp_path: Path):
    missing = tmp_path / "nope.toml"
    _assert_clear(run_cli("run", str(missing), "--out", str(tmp_path / "o.csv")), str(missing), "no such file")


def test_unknown_variant(capsys):
    _assert_clear(call_cli(capsys, "run", "scenarios/people_vs_ads.toml", "--variant", "more cats", "--out", "x.csv"),
                  "people_vs_ads.toml", "variants", "more people", "more cats")


@pytest.mark.parametrize("setting,needles", [
    ("advertising.weekly_spend=abc", ["--set", "advertising.weekly_spend", "valid number"]),
    ("market.popu=3", ["--set", "market.popu", "known key"]),
    ("market.population=5", ["--set", "market.population", "greater than or equal to 10"]),
    ("nonsense", ["--set", "KEY=VALUE"]),
])
def test_bad_set(tmp_path: Path, setting: str, needles: list[str], capsys):
    out = tmp_path / "o.csv"
    _assert_clear(call_cli(capsys, "run", "scenarios/baseline.toml", "--set", setting, "--out", str(out)),
                  "baseline.toml", *needles)
    assert not out.exists()


def test_bad_output_name(tmp_path: Path, capsys):
    _assert_clear(call_cli(capsys, "run", "scenarios/baseline.toml", "--out", str(tmp_path / "o.xlsx")), ".csv or .parquet")


def test_a_market_that_cannot_fit_is_refused_up_front(tmp_path: Path, capsys):
    proc = call_cli(capsys, "run", "scenarios/baseline.toml", "--set", "market.population=20000000",
                   "--set", "market.scale=1", "--set", "network.mean_degree=500", "--out", str(tmp_path / "o.csv"),
                   "-r", "1")  # every person simulated (the automatic scale would simulate 40,000)
    _assert_clear(proc, "GiB", "limit", "market.population", "market.scale")


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path, capsys):
    path = tmp_path / "many.toml"
    path.write_text('[market]\npopulation = "x"\nweeks = 0\n[wom]\nloud = 1\n')
    proc = call_cli(capsys, "validate", str(path))
    _assert_clear(proc, "market.population", "market.weeks", "wom.loud")
