"""The live view without a browser: the model SolaraViz drives, what it draws, and ``cxsim viz``'s arguments."""

from __future__ import annotations

import re

import numpy as np
import pytest
from mesa.visualization.solara_viz import _build_model_init_kwargs, _check_model_params

from cxsim.model.behaviour import Stage, Voice
from cxsim.views.viz import (
    POPULATION,
    STAGE_COLUMNS,
    LiveMarket,
    default_levers,
    funnel_figure,
    funnel_text,
    live_view,
    model_params,
    network_svg,
    png,
)

from .conftest import call_cli


@pytest.fixture(scope="module")
def stepped() -> LiveMarket:
    """The live view's market after 20 weeks."""
    market = LiveMarket(**default_levers(), rng=7)
    for _ in range(20):
        market.step()
    return market


def test_the_market_is_small_and_built_from_keyword_arguments():
    market = LiveMarket(ad_budget=1000.0, staff_budget=30.0, rng=1)
    assert len(market.market.agents) == POPULATION
    assert market.market.cfg.advertising.weekly_spend == 1000.0
    assert market.market.cfg.service.weekly_spend == 30.0
    assert market.positions.shape == (POPULATION, 2)
    assert np.all((market.positions >= 0) & (market.positions <= 1))
    # the staff money is scaled to the small market: same capacity per person as the baseline
    assert default_levers()["staff_budget"] == 60


def test_mesa_accepts_the_sliders_and_resets_with_new_values():
    params = model_params()
    _check_model_params(LiveMarket.__init__, params)  # raises on a parameter the model does not take
    market = LiveMarket(**default_levers(), rng=3)
    chosen = {name: (p.value if hasattr(p, "value") else p) for name, p in params.items()} | {"ad_budget": 6000.0}
    fresh = type(market)(**_build_model_init_kwargs(market, chosen, add_scenario_when_empty=True,
                                                    require_model_accepts_scenario=True))
    assert fresh.levers["ad_budget"] == 6000.0 and fresh.week == 0


def test_same_seed_same_story():
    a, b = LiveMarket(rng=5), LiveMarket(rng=5)
    for _ in range(8):
        a.step()
        b.step()
    assert a.people().equals(b.people())
    assert a.timeseries().equals(b.timeseries())


def test_the_drawing_shows_everyone_by_stage_and_voice(stepped):
    svg = network_svg(stepped)
    people = stepped.people()
    assert svg.count('class="person"') == POPULATION
    row = stepped.timeseries().iloc[-1]
    for stage in Stage:
        drawn = svg.count(f'data-stage="{stage.name.lower()}"')
        assert drawn == (people["stage"] == stage).sum() == row[STAGE_COLUMNS[stage]]
    for voice in Voice:
        assert len(re.findall(f'data-voice="{voice.name.lower()}" cx=', svg)) == (people["voice"] == voice).sum()


def test_talking_links_start_at_promoters_and_detractors(stepped):
    svg, people = network_svg(stepped), stepped.people()
    adj = stepped.market.adjacency
    degree = np.diff(adj.indptr)
    for voice in (Voice.PROMOTER, Voice.DETRACTOR):
        group = re.search(f'<g class="talk" data-voice="{voice.name.lower()}"[^>]*>(.*?)</g>', svg).group(1)
        assert group.count("<line") == degree[(people["voice"] == voice).to_numpy()].sum()


def test_the_funnel_line_and_figure_follow_the_weeks(stepped):
    text = funnel_text(stepped)
    assert text.startswith("Week 20: unaware ")
    assert "ads 4,000/week" in text and "staff 60/week" in text
    fig = funnel_figure(stepped)
    top, bottom = fig.axes
    assert bottom.get_ylim() == (-100, 100)
    assert list(bottom.lines[0].get_xdata()) == list(range(21))
    assert png(fig).startswith(b"\x89PNG")


def test_the_live_view_is_a_solara_element():
    element = live_view(LiveMarket(rng=2))
    assert element.component.name == "SolaraViz"
    assert set(element.kwargs["model_params"]) >= {"ad_budget", "staff_budget", "training", "wom_effect", "rng"}


def test_viz_command_refuses_a_bad_port(capsys):
    done = call_cli(capsys, "viz", "--port", "70000")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: --port: expected a port number 1-65535, got 70000"
    help_text = call_cli(capsys, "--help").stdout
    assert "viz" in help_text and "live view" in help_text
