"""The agents model speaks Mesa: built from keyword arguments, agents in Mesa's AgentSet, a DataCollector,
and ``mesa.batch_run`` drives it."""

from __future__ import annotations

import gc
import weakref

import mesa
import pandas as pd
import pytest

import cxsim
from cxsim.core.errors import ScenarioError
from cxsim.model.agents import AgentsModel, Customer


def test_the_model_is_built_from_scenario_keys_as_keywords():
    model = AgentsModel(market_population=300, market_weeks=5, advertising_weekly_spend=5000.0, rng=3)
    assert model.cfg.advertising.weekly_spend == 5000.0 and model.cfg.market.population == 300
    assert len(model.agents) == 300 and all(isinstance(a, Customer) for a in model.agents)
    assert [a.index for a in model.agents] == list(range(300))  # Mesa's AgentSet holds them, in number order
    with pytest.raises(ScenarioError, match="no_such_key"):
        AgentsModel(no_such_key=1)


def test_the_datacollector_holds_the_weekly_metrics():
    model = AgentsModel(market_population=300, market_weeks=6, rng=1).run()
    frame = model.datacollector.get_model_vars_dataframe()
    weekly = model.timeseries()
    assert len(frame) == len(weekly) == 7
    for col in ("new_customers", "active", "nps", "profit"):
        pd.testing.assert_series_equal(frame[col].reset_index(drop=True), weekly[col], check_names=False,
                                       check_dtype=False)


def test_mesa_batch_run_gives_one_row_per_run_and_step():
    rows = mesa.batch_run(AgentsModel, parameters={"advertising_weekly_spend": [1000.0, 8000.0],
                                                   "market_population": 300, "market_weeks": 8},
                          rng=[1], max_steps=8, number_processes=1, data_collection_period=1,
                          display_progress=False)
    table = pd.DataFrame(rows)
    assert len(table) == 2 * 9 and set(table["Step"]) == set(range(9))
    assert table.groupby("advertising_weekly_spend")["Step"].count().tolist() == [9, 9]
    aware = table[table["Step"] == 8].set_index("advertising_weekly_spend")["ever_customers"]
    assert aware[8000.0] >= aware[1000.0]  # same seed, same dice: more ads cannot win fewer customers here


def test_a_scenario_keeps_no_model_alive_after_a_run():
    sc = cxsim.load_scenario("scenarios/baseline.toml").with_overrides({"market.population": 200,
                                                                        "market.weeks": 3})
    model = AgentsModel(sc).run()
    ref = weakref.ref(model)
    assert not hasattr(sc, "model")
    del model
    gc.collect()
    assert ref() is None
