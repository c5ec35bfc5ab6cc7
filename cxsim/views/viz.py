"""A live view of a small market with Mesa's SolaraViz: the network, the funnel and NPS, week by week.

Every person is a dot on the social network, filled by their stage in the journey
and outlined by their voice (green: promoter, red: detractor). Lines light up
where a promoter or a detractor talks to a contact, so word-of-mouth can be seen
spreading. Sliders set the levers; Mesa's Reset button starts a new run with
them; Step and Play move the market a week at a time.

In a notebook: ``from cxsim.views.viz import live_view; live_view()``.
As a page of its own: ``cxsim viz`` (or ``make viz``), served on 127.0.0.1.
"""

from __future__ import annotations

import html
import io
import os
from pathlib import Path

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")  # before solara reads its settings

import mesa  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import solara  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from mesa.visualization import SolaraViz  # noqa: E402
from mesa.visualization.user_param import Slider  # noqa: E402
from mesa.visualization.utils import update_counter  # noqa: E402

from cxsim.model.agents import AgentsModel  # noqa: E402
from cxsim.model.behaviour import Stage, Voice  # noqa: E402
from cxsim.scenario import Scenario, load_scenario  # noqa: E402

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.toml"
POPULATION = 300          # a few hundred people: every dot stays visible
WEEKS = 104
INITIAL_CUSTOMER_SHARE = 0.03  # nine customers at week 0, so word-of-mouth has someone to start from
SIZE = 520                # the network drawing, in pixels

STAGE_COLOURS = {
    Stage.UNAWARE: "#d0d4d9",
    Stage.AWARE: "#f6c343",
    Stage.CUSTOMER: "#5aa9e6",
    Stage.REPEAT: "#1f4e9c",
    Stage.LAPSED: "#8a6552",
}
STAGE_LABELS = {
    Stage.UNAWARE: "unaware", Stage.AWARE: "aware", Stage.CUSTOMER: "first-time customer",
    Stage.REPEAT: "repeat customer", Stage.LAPSED: "lapsed",
}
STAGE_COLUMNS = {  # the time-series column that counts each stage
    Stage.UNAWARE: "unaware", Stage.AWARE: "aware", Stage.CUSTOMER: "first_time",
    Stage.REPEAT: "repeat_customers", Stage.LAPSED: "lapsed",
}
VOICE_OUTLINES = {  # (colour, width) of a person's outline
    Voice.SILENT: ("#ffffff", 0.6),
    Voice.PASSIVE: ("#8c8c8c", 0.6),
    Voice.PROMOTER: ("#1b873f", 2.6),
    Voice.DETRACTOR: ("#d1242f", 2.6),
    Voice.QUIET: ("#d0d0d0", 0.6),  # bought once, lapsed, no longer talks
}
TALK_COLOURS = {Voice.PROMOTER: "#1b873f", Voice.DETRACTOR: "#d1242f"}

LEVERS = {  # model keyword -> scenario key
    "ad_budget": "advertising.weekly_spend",
    "staff_budget": "service.weekly_spend",
    "training": "service.training_weekly_spend",
    "wom_effect": "wom.awareness_effect",
    "wom_purchase_effect": "wom.purchase_effect",
}
SLIDERS = {  # model keyword -> (label, top, step) of its slider, which runs from 0 to top
    "ad_budget": ("Ad budget per week", 12000.0, 250.0),
    "staff_budget": ("Service staff budget per week", 300.0, 10.0),
    "training": ("Training budget per week", 300.0, 10.0),
    "wom_effect": ("WOM awareness effect (Bass q)", 2.0, 0.05),
    "wom_purchase_effect": ("WOM purchase effect", 1.0, 0.05),
}


def market_scenario(ad_budget: float, staff_budget: float, training: float, wom_effect: float,
                    wom_purchase_effect: float, population: int = POPULATION, weeks: int = WEEKS,
                    base: Scenario | None = None) -> Scenario:
    """The baseline scenario shrunk to a small market, with the levers set."""
    base = base or load_scenario(BASELINE)
    values = {"ad_budget": ad_budget, "staff_budget": staff_budget, "training": training,
              "wom_effect": wom_effect, "wom_purchase_effect": wom_purchase_effect}
    return base.with_overrides({
        "market.population": population, "market.weeks": weeks,
        "market.initial_customer_share": INITIAL_CUSTOMER_SHARE,
        **{LEVERS[name]: float(value) for name, value in values.items()},
    })


def default_levers(population: int = POPULATION) -> dict[str, float]:
    """The baseline's levers, the staff budget scaled to the small market (same load per person)."""
    base = load_scenario(BASELINE)
    levers = {name: base[key] for name, key in LEVERS.items()}
    levers["staff_budget"] = round(levers["staff_budget"] * (population / base.population))
    return levers


def spring_positions(adjacency, seed: int = 0) -> np.ndarray:
    """Where each person is drawn: a spring layout of the network, scaled to 0..1 (rows = people)."""
    import networkx as nx

    graph = nx.from_scipy_sparse_array(adjacency)
    layout = nx.spring_layout(graph, seed=seed, iterations=60)
    xy = np.array([layout[i] for i in range(adjacency.shape[0])])
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    return (xy - lo) / np.where(hi > lo, hi - lo, 1.0)


class LiveMarket(mesa.Model):
    """A small market run by the agents engine, built from keyword arguments as SolaraViz needs.

    Args:
        ad_budget: money spent on ads each week.
        staff_budget: money spent on service staff each week.
        training: money spent on training service staff each week.
        wom_effect: weekly chance of becoming aware per unit of positive word-of-mouth (Bass q).
        wom_purchase_effect: weekly purchase chance added per unit of positive word-of-mouth.
        population: people in the market (a few hundred keeps the drawing readable).
        weeks: the horizon.
        rng: the seed of the run (the same seed gives the same market and story).
    """

    def __init__(self, ad_budget: float = 4000.0, staff_budget: float = 60.0, training: float = 0.0,
                 wom_effect: float = 0.3, wom_purchase_effect: float = 0.1, population: int = POPULATION,
                 weeks: int = WEEKS, rng: int | None = 42) -> None:
        super().__init__(rng=rng)
        self.levers = {"ad_budget": float(ad_budget), "staff_budget": float(staff_budget),
                       "training": float(training), "wom_effect": float(wom_effect),
                       "wom_purchase_effect": float(wom_purchase_effect)}
        scenario = market_scenario(**self.levers, population=population, weeks=weeks)
        self.market = AgentsModel(scenario, rng=rng)
        if self.market.adjacency is None:
            raise ValueError("the live view draws a network: the scenario's network.kind must not be 'complete'")
        self.positions = spring_positions(self.market.adjacency)

    def step(self) -> None:
        """One week of the market."""
        self.market.step()
        self.running = self.market.running

    @property
    def week(self) -> int:
        """Weeks simulated so far."""
        return self.market.steps

    def people(self) -> pd.DataFrame:
        """Each person's stage and voice now (index = customer id)."""
        rows = sorted((a.index, int(a.stage), int(a.voice)) for a in self.market.agents)
        return pd.DataFrame(rows, columns=["id", "stage", "voice"]).set_index("id")

    def timeseries(self) -> pd.DataFrame:
        """The weeks so far (row 0 is the state before week 1)."""
        return self.market.timeseries()


def network_svg(model: LiveMarket) -> str:
    """The network as SVG: people filled by stage and outlined by voice, talking links coloured."""
    people = model.people()
    stage, voice = people["stage"].to_numpy(), people["voice"].to_numpy()
    adj = model.market.adjacency
    margin = 12
    xy = margin + model.positions * (SIZE - 2 * margin)
    src = np.repeat(np.arange(adj.shape[0]), np.diff(adj.indptr))
    dst = adj.indices
    upper = src < dst
    lines = ['<g stroke="#e3e6ea" stroke-width="0.5">']
    lines += [f'<line x1="{xy[a, 0]:.1f}" y1="{xy[a, 1]:.1f}" x2="{xy[b, 0]:.1f}" y2="{xy[b, 1]:.1f}"/>'
              for a, b in zip(src[upper], dst[upper])]
    lines.append("</g>")
    for said, colour in TALK_COLOURS.items():  # who talks to whom this week
        talking = voice[src] == said
        lines.append(f'<g class="talk" data-voice="{Voice(said).name.lower()}" stroke="{colour}" '
                     'stroke-width="0.9" stroke-opacity="0.55">')
        lines += [f'<line x1="{xy[a, 0]:.1f}" y1="{xy[a, 1]:.1f}" x2="{xy[b, 0]:.1f}" y2="{xy[b, 1]:.1f}"/>'
                  for a, b in zip(src[talking], dst[talking])]
        lines.append("</g>")
    for i in range(len(stage)):
        st, vo = Stage(int(stage[i])), Voice(int(voice[i]))
        outline, width = VOICE_OUTLINES[vo]
        lines.append(f'<circle class="person" data-stage="{st.name.lower()}" data-voice="{vo.name.lower()}" '
                     f'cx="{xy[i, 0]:.1f}" cy="{xy[i, 1]:.1f}" r="5" fill="{STAGE_COLOURS[st]}" '
                     f'stroke="{outline}" stroke-width="{width}"><title>person {i}: {STAGE_LABELS[st]}, '
                     f'{vo.name.lower()}</title></circle>')
    return (f'<svg class="cxsim-network" xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" '
            f'viewBox="0 0 {SIZE} {SIZE}" role="img" aria-label="the market\'s social network">'
            + "".join(lines) + "</svg>")


def legend_html() -> str:
    """What the colours and outlines mean."""
    dots = [f'<span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
            f'background:{STAGE_COLOURS[s]};margin:0 4px 0 10px"></span>{STAGE_LABELS[s]}' for s in Stage]
    rings = [f'<span style="display:inline-block;width:8px;height:8px;border-radius:50%;'
             f'border:2.5px solid {VOICE_OUTLINES[v][0]};margin:0 4px 0 10px"></span>{v.name.lower()}'
             for v in (Voice.PROMOTER, Voice.DETRACTOR)]
    return (f'<div style="font-size:13px">Fill: {"".join(dots)}<br>Outline (voice): {"".join(rings)}'
            '; coloured lines: who is talking to whom this week</div>')


def funnel_text(model: LiveMarket) -> str:
    """One line: the week, the people at each stage, and NPS."""
    row = model.timeseries().iloc[-1]
    counts = " · ".join(f"{STAGE_LABELS[s]} {int(row[STAGE_COLUMNS[s]])}" for s in Stage)
    levers = model.levers
    return (f"Week {model.week}: {counts} · NPS {row['nps']:+.0f}. Levers: ads {levers['ad_budget']:,.0f}/week, "
            f"staff {levers['staff_budget']:,.0f}/week, training {levers['training']:,.0f}/week, "
            f"WOM awareness effect {levers['wom_effect']:.2f}, WOM purchase effect "
            f"{levers['wom_purchase_effect']:.2f}")


def funnel_figure(model: LiveMarket) -> Figure:
    """People by stage (stacked) and NPS over the weeks so far."""
    ts = model.timeseries()
    fig = Figure(figsize=(6.4, 5.4), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    top.stackplot(ts["step"], *[ts[STAGE_COLUMNS[s]] for s in Stage], colors=[STAGE_COLOURS[s] for s in Stage],
                  labels=[STAGE_LABELS[s] for s in Stage])
    top.set_ylabel("people")
    top.set_ylim(0, int(ts[[STAGE_COLUMNS[s] for s in Stage]].iloc[0].sum()))
    top.legend(loc="lower left", fontsize=8)
    top.set_title("The funnel")
    bottom.plot(ts["step"], ts["nps"], color="#1b873f")
    bottom.axhline(0, color="#8c8c8c", linewidth=0.6)
    bottom.set_ylim(-100, 100)
    bottom.set_ylabel("NPS")
    bottom.set_xlabel("week")
    bottom.set_xlim(0, max(4, int(ts["step"].iloc[-1])))
    return fig


def png(figure: Figure) -> bytes:
    """A matplotlib figure as PNG bytes (to show with ``IPython.display.Image``)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


@solara.component
def NetworkView(model: LiveMarket):
    """The social network, redrawn every week."""
    update_counter.get()
    with solara.Column():
        solara.HTML(tag="div", unsafe_innerHTML=network_svg(model))
        solara.HTML(tag="div", unsafe_innerHTML=legend_html())


@solara.component
def FunnelView(model: LiveMarket):
    """The funnel and NPS over time, with the numbers of this week."""
    update_counter.get()
    with solara.Column():
        solara.HTML(tag="div", unsafe_innerHTML=f'<p class="cxsim-funnel">{html.escape(funnel_text(model))}</p>')
        solara.FigureMatplotlib(funnel_figure(model), format="png", dependencies=[model, model.week])


def model_params(levers: dict[str, float] | None = None) -> dict:
    """The sliders (Mesa's ``Slider``) and the fixed parameters of the view."""
    levers = levers or default_levers()
    sliders = {name: Slider(label, value=float(levers[name]), min=0.0, max=top, step=step)
               for name, (label, top, step) in SLIDERS.items()}
    return {**sliders, "rng": Slider("Seed", value=42, min=0, max=99, step=1), "population": POPULATION, "weeks": WEEKS}


def live_view(model: LiveMarket | None = None, play_interval: int = 150):
    """Mesa's SolaraViz on a small market: displays in a notebook cell; ``Page`` serves it as a page."""
    levers = default_levers()
    model = model or LiveMarket(**levers)
    return SolaraViz(model, components=[NetworkView, FunnelView], model_params=model_params(levers),
                     name="cxsim: the market, live", play_interval=play_interval)


@solara.component
def Page():
    """The page ``solara run cxsim.views.viz`` serves: one fresh market per browser session."""
    model = solara.use_memo(lambda: LiveMarket(**default_levers()), [])
    return live_view(model)
