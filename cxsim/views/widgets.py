"""Sliders for the lessons (ipywidgets): move a lever and watch the model respond.

- :class:`PlanComparer`: two plans side by side (levers to KPIs), the difference with its
  90% interval, computed as the planner app does (:func:`cxsim.views.comparison.kpi_cards`).
- :class:`MarketExplorer`: one market, its levers and word-of-mouth, the funnel over
  time and the KPIs at the horizon.

Both rerun the simulation when a slider is released (``continuous_update=False``),
with the same seed every time (common random numbers), so a change in the numbers
comes from the lever, not from luck. Keep the market small: they run while you wait.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as w
import pandas as pd
from IPython import get_ipython

from cxsim.decide.compare import Comparison, compare
from cxsim.model.simulate import simulate
from cxsim.report.figures import funnel_figure
from cxsim.scenario import Scenario
from cxsim.views.comparison import Card, kpi_cards
from cxsim.views.planner import ASSUMPTIONS, LEVERS, Lever, apply_levers, lever_value

MONEY_LEVERS = ("advertising.weekly_spend", "service.weekly_spend", "service.training_weekly_spend")
MARKET_LEVERS = (*MONEY_LEVERS, "wom.awareness_effect", "wom.detractor_talk")
SUMMARY_KPIS = {"customers": "Customers won", "active": "Active at the horizon", "nps": "NPS",
                "profit": "Profit", "wom_share": "Won by word-of-mouth"}


def lever(key: str) -> Lever:
    """The planner's description of a scenario key (label, step, bounds)."""
    for spec in (*LEVERS, *(x for group in ASSUMPTIONS.values() for x in group)):
        if spec.key == key:
            return spec
    raise KeyError(f"{key}: not a lever the planner knows; expected one of "
                   f"{', '.join(s.key for s in LEVERS)} or an assumption")


def lever_slider(scenario: Scenario, key: str) -> w.FloatSlider:
    """A slider for one lever, starting at the scenario's value, up to three times it."""
    spec, value = lever(key), float(lever_value(scenario, key))
    top = spec.max_value if spec.max_value is not None else max(3 * value, 10 * spec.step)
    return w.FloatSlider(value=value, min=spec.min_value or 0.0, max=top, step=spec.step,
                         description=spec.label, continuous_update=False, readout_format=",.2f" if spec.step < 1
                         else ",.0f", style={"description_width": "16em"}, layout=w.Layout(width="34em"),
                         tooltip=spec.help)


def cards_html(comparison: Comparison, cards: dict[str, list[Card]]) -> str:
    """The KPI cards of every plan as one HTML table: a row per KPI, a column per plan."""
    labels = comparison.labels
    head = "".join(f"<th>{html.escape(label)}</th>" for label in labels)
    rows = []
    for i, card in enumerate(cards[labels[0]]):
        cells = []
        for label in labels:
            c = cards[label][i]
            delta = ""
            if c.delta is not None:
                zero = c.delta.strip("+-0.,") == ""
                better = c.delta.startswith("+") == c.higher_is_better
                colour = "#6e7781" if zero else "#1b873f" if better else "#d1242f"
                delta = (f'<br><span class="delta" style="color:{colour}">{html.escape(c.delta)}</span> '
                         f'<small>({html.escape(c.delta_interval or "")})</small>')
            cells.append(f'<td data-kpi="{c.kpi}" data-plan="{html.escape(label)}"><b class="value">{c.value}</b>'
                         f'<br><small>{html.escape(c.interval)}</small>{delta}</td>')
        rows.append(f'<tr><th title="{html.escape(card.help)}" style="text-align:left">{html.escape(card.title)}'
                    f'</th>{"".join(cells)}</tr>')
    return (f'<table class="cxsim-cards" style="border-collapse:collapse"><tr><th></th>{head}</tr>'
            + "".join(rows) + "</table>")


class PlanComparer(w.VBox):
    """Two plans from one scenario: a column of lever sliders each, and the KPI cards of both.

    Args:
        scenario: the market both plans start from.
        levers: the scenario keys to put on sliders.
        plan_b: overrides that make plan B differ from the start (e.g. more ads).
        replications: runs per plan (few: it reruns while you wait).
        seed: the seed both plans share.
    """

    def __init__(self, scenario: Scenario, levers: Sequence[str] = MONEY_LEVERS, plan_b: dict | None = None,
                 replications: int = 10, seed: int = 0) -> None:
        self.scenario, self.replications, self.seed = scenario, replications, seed
        start_b = scenario.with_overrides(plan_b) if plan_b else scenario
        self.plans = {"Plan A": {k: lever_slider(scenario, k) for k in levers},
                      "Plan B": {k: lever_slider(start_b, k) for k in levers}}
        self.cards = w.HTML()
        self.status = w.HTML()
        columns = [w.VBox([w.HTML(f"<b>{name}</b>"), *sliders.values()]) for name, sliders in self.plans.items()]
        super().__init__([w.HBox(columns), self.status, self.cards])
        for sliders in self.plans.values():
            for slider in sliders.values():
                slider.observe(self.update, names="value")
        self.comparison: Comparison | None = None
        self.update()

    def plan(self, name: str) -> Scenario:
        """The scenario of one plan, with its sliders' values."""
        return apply_levers(self.scenario, {k: s.value for k, s in self.plans[name].items()})

    def update(self, _change: dict | None = None) -> None:
        """Rerun both plans and redraw the cards."""
        self.status.value = "<i>running…</i>"
        comparison = compare([self.plan(name) for name in self.plans], self.replications, self.seed)
        comparison.labels = list(self.plans)
        self.comparison = comparison
        self.cards.value = cards_html(comparison, kpi_cards(comparison))
        self.status.value = (f"<small>{self.replications} runs per plan, seed {self.seed}, "
                             f"{self.scenario.population:,} people"
                             + (f" (simulated at scale {self.scenario.scale:,g}: "
                                f"{self.scenario.simulated_population:,} people, each standing for "
                                f"{self.scenario.scale:,g})" if self.scenario.scale != 1 else "")
                             + f", {self.scenario.weeks} weeks</small>")

    @property
    def kpis(self) -> pd.DataFrame:
        """The KPI means shown: a row per plan, a column per KPI."""
        return self.comparison.wide(("customers", "revenue", "profit", "npv", "nps", "cac", "clv"))


class MarketExplorer(w.VBox):
    """One market: sliders for its levers and word-of-mouth, the funnel over time and the KPIs.

    Args:
        scenario: the market to explore.
        levers: the scenario keys to put on sliders.
        replications: runs behind each picture (few: it reruns while you wait).
        seed: the seed of every rerun.
    """

    def __init__(self, scenario: Scenario, levers: Sequence[str] = MARKET_LEVERS, replications: int = 5,
                 seed: int = 0) -> None:
        self.scenario, self.replications, self.seed = scenario, replications, seed
        self.sliders = {k: lever_slider(scenario, k) for k in levers}
        self.summary = w.HTML()
        self.plot = w.Output()
        super().__init__([*self.sliders.values(), self.summary, self.plot])
        for slider in self.sliders.values():
            slider.observe(self.update, names="value")
        self.update()

    def market(self) -> Scenario:
        """The scenario with the sliders' values."""
        return apply_levers(self.scenario, {k: s.value for k, s in self.sliders.items()})

    def update(self, _change: dict | None = None) -> None:
        """Rerun the market, redraw the funnel and the KPIs."""
        self.results = simulate(self.market(), self.replications, self.seed, keep_customers=False)
        means = self.results.summary()[list(SUMMARY_KPIS)].mean()
        cells = []
        for kpi, title in SUMMARY_KPIS.items():
            value = f"{means[kpi]:.0%}" if kpi == "wom_share" else f"{means[kpi]:,.1f}" if kpi == "nps" \
                else f"{means[kpi]:,.0f}"
            cells.append(f'<span data-kpi="{kpi}" style="margin-right:1.5em">{title}: <b>{value}</b></span>')
        self.summary.value = (f'<div class="cxsim-summary">{"".join(cells)}<br><small>mean of '
                              f'{self.replications} runs at week {self.scenario.weeks}</small></div>')
        self.figure = funnel_figure([self.results], [f"{self.replications} runs"])
        self.figure.update_layout(height=360, margin=dict(t=40, b=30))
        if get_ipython() is not None:  # in a notebook (outside one, the figure stays in self.figure)
            bundle = self.figure._repr_mimebundle_()  # the figure, drawn by the notebook's renderer
            self.plot.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)
