"""Results are unchanged bit for bit by changes of structure (the record: tests/golden.py)."""

import json

import pytest

from tests import golden


@pytest.fixture(scope="module")
def record():
    return json.loads(golden.RECORD.read_text())


def test_every_scenario_variant_and_preset_gives_the_recorded_kpis_on_both_engines(record):
    now = {}
    for label, scenario in golden.scenarios():
        for engine in ("fast", "agents"):
            now[f"{label}:{engine}"] = golden._kpis(scenario, engine)
    assert sorted(now) == sorted(record["kpis"])
    changed = [k for k in now if json.loads(json.dumps(now[k])) != record["kpis"][k]]
    assert not changed, f"KPIs changed: {changed[:5]}"


def test_flagship_compare_and_advise_json_are_the_recorded_ones(record):
    assert json.loads(json.dumps(golden.commands(), sort_keys=True)) == record["commands"]
