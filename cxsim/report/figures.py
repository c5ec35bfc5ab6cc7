"""Plotly figures shared by the HTML report, the app and the notebooks.

Each function takes results (and labels) and returns a ``plotly`` Figure; the
bands are the central 90% of replications, the line their mean.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from cxsim.core.formatting import money, unit
from cxsim.decide.spend import lever_name
from cxsim.decide.why import PARTS
from cxsim.model.behaviour import Stage
from cxsim.model.results import Results, scale_notes
from cxsim.report.page import esc, figures_html, html_page

PALETTE = qualitative.Safe
STAGE_COLOURS = {"unaware": "#d9d9d9", "aware": "#9ecae1", "first_time": "#6baed6",
                 "repeat_customers": "#2171b5", "lapsed": "#fb6a4a"}
STAGE_NAMES = {"unaware": "unaware", "aware": "aware", "first_time": "customer (bought once)",
               "repeat_customers": "repeat customer", "lapsed": "lapsed"}
BAND = 0.9
GAIN, LOSS = "#2e8b57", "#c0392b"  # a change whose interval lies above / below zero
NOTEBOOK_RENDERER = "plotly_mimetype+notebook"


def keep_figures_in_exports() -> None:
    """Show figures in notebooks so that exports keep them.

    Each figure is sent both as plotly's own type (interactive in JupyterLab) and as
    HTML with plotly.js embedded once per notebook, which ``jupyter nbconvert --to html``
    keeps, so every figure still draws in the exported page, offline.
    """
    import plotly.io as pio

    pio.renderers.default = NOTEBOOK_RENDERER


def _rgba(hex_colour: str, alpha: float) -> str:
    if hex_colour.startswith("rgb("):
        return hex_colour.replace("rgb(", "rgba(").replace(")", f", {alpha})")
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


def band_stats(ts: pd.DataFrame, column: str, cumulative: bool = False, level: float = BAND) -> pd.DataFrame:
    """Mean and central ``level`` band over replications of a column, by step."""
    values = ts.pivot(index="step", columns="replication", values=column)
    if cumulative:
        values = values.cumsum()
    q = (1 - level) / 2
    return pd.DataFrame({"mean": values.mean(axis=1), "lo": values.quantile(q, axis=1),
                         "hi": values.quantile(1 - q, axis=1)})


def _band(x: np.ndarray, rows: pd.DataFrame, colour: str, alpha: float = 0.15, group: str | None = None) -> go.Scatter:
    """The shaded area between the ``lo`` and ``hi`` columns of ``rows`` over ``x``."""
    return go.Scatter(x=np.concatenate([x, x[::-1]]), y=np.concatenate([rows["hi"].to_numpy(), rows["lo"].to_numpy()[::-1]]),
                      fill="toself", fillcolor=_rgba(colour, alpha), line={"width": 0}, hoverinfo="skip",
                      showlegend=False, legendgroup=group)


def _add_band(fig: go.Figure, stats: pd.DataFrame, name: str, colour: str, row: int | None = None,
              col: int | None = None, showlegend: bool = True) -> None:
    where = {"row": row, "col": col} if row else {}
    x = stats.index.to_numpy()
    fig.add_trace(_band(x, stats, colour, 0.2, name), **where)
    fig.add_trace(go.Scatter(x=x, y=stats["mean"], name=name, line={"color": colour, "width": 2},
                             legendgroup=name, showlegend=showlegend), **where)


def band_figure(results: Sequence[Results], labels: Sequence[str], column: str, title: str,
                y_title: str = "", cumulative: bool = False) -> go.Figure:
    """One metric over time for each scenario: mean line and 90% band over replications."""
    fig = go.Figure()
    for i, (res, label) in enumerate(zip(results, labels, strict=True)):
        _add_band(fig, band_stats(res.timeseries, column, cumulative), label, PALETTE[i % len(PALETTE)])
    fig.update_layout(title=title, xaxis_title="week", yaxis_title=y_title or column,
                      hovermode="x unified", template="plotly_white", legend_title_text="scenario")
    return fig


def funnel_figure(results: Sequence[Results], labels: Sequence[str]) -> go.Figure:
    """People by journey stage over time (mean over replications), one panel per scenario."""
    n = len(results)
    fig = make_subplots(rows=1, cols=n, shared_yaxes=True, subplot_titles=list(labels),
                        horizontal_spacing=0.03)
    for j, res in enumerate(results, start=1):
        means = res.timeseries.groupby("step")[list(STAGE_COLOURS)].mean()
        for stage, colour in STAGE_COLOURS.items():
            fig.add_trace(go.Scatter(x=means.index, y=means[stage], stackgroup=f"s{j}", name=STAGE_NAMES[stage],
                                     line={"width": 0.5, "color": colour}, fillcolor=colour,
                                     legendgroup=stage, showlegend=j == 1), row=1, col=j)
    fig.update_layout(title="The funnel: people by stage of the journey", template="plotly_white",
                      hovermode="x unified", yaxis_title="people")
    fig.update_xaxes(title_text="week")
    return fig


def acquisition_figure(results: Sequence[Results], labels: Sequence[str]) -> go.Figure:
    """Cumulative new customers won by ads and by word-of-mouth, with bands."""
    fig = go.Figure()
    for i, (res, label) in enumerate(zip(results, labels, strict=True)):
        colour = PALETTE[i % len(PALETTE)]
        for column, dash, what in (("new_from_ads", "solid", "ads"), ("new_from_wom", "dot", "word-of-mouth")):
            stats = band_stats(res.timeseries, column, cumulative=True)
            x = stats.index.to_numpy()
            fig.add_trace(_band(x, stats, colour))
            fig.add_trace(go.Scatter(x=x, y=stats["mean"], name=f"{label}: {what}",
                                     line={"color": colour, "dash": dash, "width": 2}))
    fig.update_layout(title="New customers won by ads (solid) and by word-of-mouth (dotted), cumulative",
                      xaxis_title="week", yaxis_title="customers", template="plotly_white", hovermode="x unified")
    return fig


def satisfaction_figure(results: Sequence[Results], labels: Sequence[str]) -> go.Figure:
    """Mean satisfaction (0-10) and NPS of customers over time, with bands."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=["Satisfaction of customers (0-10)", "NPS"])
    for i, (res, label) in enumerate(zip(results, labels, strict=True)):
        colour = PALETTE[i % len(PALETTE)]
        _add_band(fig, band_stats(res.timeseries, "satisfaction_mean"), label, colour, 1, 1)
        _add_band(fig, band_stats(res.timeseries, "nps"), label, colour, 1, 2, showlegend=False)
    fig.update_layout(title="Satisfaction and Net Promoter Score", template="plotly_white", hovermode="x unified")
    fig.update_xaxes(title_text="week")
    return fig


def profit_figure(results: Sequence[Results], labels: Sequence[str], currency: str = "") -> go.Figure:
    """Cumulative profit with bands, in the scenario's currency."""
    return band_figure(results, labels, "profit", "Cumulative profit", f"profit ({currency or 'money'})",
                       cumulative=True)


def customers_figure(results: Sequence[Results], labels: Sequence[str]) -> go.Figure:
    """Customers ever won, with bands."""
    return band_figure(results, labels, "ever_customers", "Customers won", "people")


def journey_figure(journey: pd.DataFrame, title: str = "") -> go.Figure:
    """One customer's journey: stage, satisfaction and purchases week by week."""
    journey = journey.sort_values("step")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.4, 0.6],
                        subplot_titles=["Stage", "Satisfaction (0-10), purchases and service encounters"])
    fig.add_trace(go.Scatter(x=journey["step"], y=journey["stage"], mode="lines+markers", line_shape="hv",
                             name="stage"), row=1, col=1)
    fig.update_yaxes(tickvals=[s.value for s in Stage], ticktext=[s.name.lower() for s in Stage], row=1, col=1)
    fig.add_trace(go.Scatter(x=journey["step"], y=journey["satisfaction"], name="satisfaction"), row=2, col=1)
    bought = journey["purchases"].diff().fillna(0)
    served = journey["service_encounters"].diff().fillna(0)
    fig.add_trace(go.Bar(x=journey["step"], y=bought, name="purchases"), row=2, col=1)
    fig.add_trace(go.Bar(x=journey["step"], y=served, name="service encounters"), row=2, col=1)
    fig.update_layout(title=title or "One customer's journey", template="plotly_white", height=500)
    fig.update_xaxes(title_text="week", row=2, col=1)
    return fig


def comparison_figures(results: Sequence[Results], labels: Sequence[str], currency: str = "") -> dict[str, go.Figure]:
    """The standard set of figures for a comparison, by name (money in ``currency``)."""
    return {
        "funnel": funnel_figure(results, labels),
        "customers": customers_figure(results, labels),
        "acquisition": acquisition_figure(results, labels),
        "satisfaction": satisfaction_figure(results, labels),
        "profit": profit_figure(results, labels, currency),
    }


def frontier_figure(frontiers: Sequence, title: str = "") -> go.Figure:
    """A KPI against the share of the weekly budget spent on service, one line per total budget.

    Takes ``cxsim.decide.optimize.Frontier`` objects. Line: mean over replications; band: central
    90% of runs; star: the best split; diamond: the scenario's own share at that budget.
    """
    fig = go.Figure()
    kpi = frontiers[0].kpi if frontiers else ""
    for i, front in enumerate(frontiers):
        colour = PALETTE[i % len(PALETTE)]
        pts = front.points
        x = pts["share"].to_numpy() * 100
        name = f"{front.budget:,.0f} a week"
        fig.add_trace(_band(x, pts, colour, group=name))
        fig.add_trace(go.Scatter(
            x=x, y=pts["mean"], mode="lines+markers", name=name, legendgroup=name,
            line={"color": colour, "width": 2}, marker={"size": 5},
            customdata=np.column_stack([pts["service_spend"], pts["ad_spend"], pts["lo"], pts["hi"]]),
            hovertemplate=("%{x:.0f}% on service (%{customdata[0]:,.0f} service, %{customdata[1]:,.0f} ads)"
                           "<br>" + kpi + " %{y:,.0f} [90% of runs %{customdata[2]:,.0f} to %{customdata[3]:,.0f}]"
                           "<extra>" + name + "</extra>")))
        best = front.best
        fig.add_trace(go.Scatter(
            x=[best["share"] * 100], y=[best["mean"]], mode="markers", legendgroup=name,
            name=f"best at {front.budget:,.0f}: {best['share']:.0%} on service",
            marker={"symbol": "star", "size": 18, "color": colour, "line": {"color": "black", "width": 1}},
            hovertemplate=f"best split: {best['share']:.0%} on service<br>{kpi} %{{y:,.0f}}<extra>{name}</extra>"))
        if front.current is not None:
            row = pts.loc[(pts["share"] - front.current).abs().idxmin()]
            fig.add_trace(go.Scatter(
                x=[row["share"] * 100], y=[row["mean"]], mode="markers", legendgroup=name, showlegend=i == 0,
                name="today's share", marker={"symbol": "diamond-open", "size": 12, "color": colour,
                                              "line": {"width": 2}},
                hovertemplate=f"today's share: {row['share']:.0%} on service<br>{kpi} %{{y:,.0f}}<extra>{name}</extra>"))
    fig.update_layout(title=title or f"Best split of the weekly budget: {kpi} against the share spent on service",
                      xaxis_title="share of the weekly budget spent on service (%); the rest goes to ads",
                      yaxis_title={"value": "value (NPV + the plan continued)", "profit": "profit over the horizon",
                                   "npv": "NPV of profit",
                                   "customers": "customers won"}.get(kpi, kpi),
                      template="plotly_white", hovermode="closest",
                      legend_title_text="total budget")
    fig.update_xaxes(range=[-2, 102])
    return fig


def segment_figure(summary: pd.DataFrame, column: str = "revenue per customer") -> go.Figure:
    """One result per segment, scenarios side by side (from ``cxsim.views.mechanisms.segment_summary``)."""
    fig = go.Figure()
    for i, (label, rows) in enumerate(summary.groupby("scenario", sort=False)):
        fig.add_trace(go.Bar(x=rows["segment"], y=rows[column], name=str(label),
                             marker_color=PALETTE[i % len(PALETTE)]))
    fig.update_layout(title=f"{column[0].upper()}{column[1:]} by segment", barmode="group",
                      template="plotly_white", yaxis_title=column, legend_title_text="scenario")
    return fig


# --- marginal returns (cxsim.decide.advise) ----------------------------------------------------------------

def marginal_figure(advice) -> go.Figure:
    """Each lever's marginal return per extra step of weekly spend: mean and confidence interval, best on top.

    Takes a ``cxsim.decide.advise.Advice``.
    """
    returns = list(reversed(advice.returns))  # best at the top
    names = [r.lever for r in returns]
    mean, lo, hi = np.array([r.changes[advice.kpi] for r in returns]).T
    colours = [GAIN if (np.isfinite(lo_) and lo_ > 0) else LOSS if (np.isfinite(hi_) and hi_ < 0)
               else "#999999" for lo_, hi_ in zip(lo, hi, strict=True)]
    step = money(advice.step, advice.currency)
    fig = go.Figure(go.Bar(
        x=mean, y=names, orientation="h", marker_color=colours,
        error_x={"type": "data", "symmetric": False, "array": np.nan_to_num(hi - mean),
                 "arrayminus": np.nan_to_num(mean - lo), "color": "#333333"},
        customdata=np.column_stack([lo, hi]),
        hovertemplate=(f"%{{y}}: {advice.kpi} %{{x:+,.0f}} per extra {step} a week<br>"
                       f"{advice.level:.0%} CI %{{customdata[0]:+,.0f}} to %{{customdata[1]:+,.0f}}<extra></extra>")))
    fig.add_vline(x=0, line_color="#555555", line_width=1)
    fig.update_layout(
        title=f"Where the next {step} a week earns most: change in {advice.kpi}, {advice.level:.0%} CI",
        xaxis_title=f"change in {advice.kpi} per extra {step} a week ({unit(advice.currency)})",
        template="plotly_white", height=140 + 45 * len(names), margin={"l": 10, "r": 10, "t": 50, "b": 40},
        showlegend=False)
    return fig


def response_figure(advice) -> go.Figure:
    """Each lever's response curve around today's plan: change in the KPI against extra weekly spend, with CI bands.

    Takes a ``cxsim.decide.advise.Advice`` (with ``curve_steps`` for more than two points per lever).
    """
    fig = go.Figure()
    for i, (lever, rows) in enumerate(advice.curves.groupby("lever", sort=False)):
        colour = PALETTE[i % len(PALETTE)]
        rows = rows.sort_values("delta")
        x = rows["delta"].to_numpy()
        fig.add_trace(_band(x, rows, colour, group=lever))
        fig.add_trace(go.Scatter(
            x=x, y=rows["mean"], mode="lines+markers", name=lever, legendgroup=lever,
            line={"color": colour, "width": 2}, customdata=rows[["spend"]].to_numpy(),
            hovertemplate=(f"{lever}: %{{customdata[0]:,.0f}} a week (%{{x:+,.0f}})<br>{advice.kpi} "
                           "%{y:+,.0f} against today<extra></extra>")))
    fig.add_hline(y=0, line_color="#555555", line_width=1)
    fig.update_layout(
        title=f"Response curves around today's plan (0): change in {advice.kpi}, {advice.level:.0%} CI bands",
        xaxis_title=f"change in the lever's weekly spend ({unit(advice.currency)} a week; step "
                    f"{money(advice.step, advice.currency)})",
        yaxis_title=f"change in {advice.kpi} ({unit(advice.currency)})",
        template="plotly_white", hovermode="closest", legend_title_text="lever")
    return fig


def waterfall_figure(decomposition, currency: str = "", title: str = "") -> go.Figure:
    """Why: a value change as a waterfall of its parts (margin, spends, costs, value after the horizon) to the total."""
    names = [PARTS[k] for k in decomposition.parts] + ["change in value"]
    values = [m for m, _, _ in decomposition.parts.values()] + [decomposition.total]
    fig = go.Figure(go.Waterfall(
        x=names, y=values, measure=["relative"] * len(decomposition.parts) + ["total"],
        text=[money(v, currency, True) for v in values], textposition="outside",
        increasing={"marker": {"color": GAIN}}, decreasing={"marker": {"color": LOSS}},
        totals={"marker": {"color": PALETTE[0]}}))
    fig.update_layout(title=title or "Why: the value change in parts that add up to it (paired runs)",
                      yaxis_title=f"change in value ({unit(currency)})", template="plotly_white", showlegend=False)
    return fig


def advice_html(advice) -> str:
    """The verdict, why, the marginal returns and the response curves as one self-contained HTML page."""
    best = advice.best
    why = [] if best.decomposition is None else [waterfall_figure(
        best.decomposition, advice.currency, f"Why {best.lever}: the value change of the next step, in parts")]
    notes = "".join(f"<p class='note'>{esc(note)}</p>" for note in scale_notes([advice.scenario]))
    return html_page(f"cxsim advise: {advice.scenario.name}", advice.verdict(),
                     f"<p>{esc(advice.why())}</p>{notes}",
                     figures_html([*why, marginal_figure(advice), response_figure(advice)]))


def robust_figure(answer) -> go.Figure:
    """The distribution of each option's KPI over plausible worlds: one violin per plan (or lever), best on top.

    Each point is a world (the mean of its replications, paired by seed); the box spans the middle half.
    Takes a ``cxsim.decide.robust.RobustAnswer``; levers are shown as their marginal return.
    """
    table = answer.table().sort_values(["p_best", "gain"], kind="stable")  # best last: plotted on top
    means = answer.world_means
    fig = go.Figure()
    for i, row in table.iterrows():
        colour = PALETTE[i % len(PALETTE)]
        fig.add_trace(go.Violin(
            x=means[i], y=[row[answer.what]] * means.shape[1], orientation="h", name=row[answer.what],
            line_color=colour, fillcolor=_rgba(colour, 0.25), box_visible=True, meanline_visible=True,
            points="all", pointpos=0, jitter=0.3, marker={"size": 4, "opacity": 0.5}, spanmode="hard",
            hovertemplate=(f"{row[answer.what]}: %{{x:,.0f}} in this world<br>best in {row['p_best']:.0%} of "
                           f"worlds<extra></extra>")))
    if answer.what == "lever":
        fig.add_vline(x=0, line_color="#555555", line_width=1)
        title = f"Marginal return of the next {money(answer.step, answer.currency)} a week, world by world"
        axis = f"change in {answer.kpi} ({unit(answer.currency)})"
    else:
        title = f"{answer.kpi} of each plan, world by world ({answer.draws} plausible worlds)"
        axis = f"{answer.kpi} ({unit(answer.currency)})"
    fig.update_layout(title=title, xaxis_title=axis, template="plotly_white", showlegend=False,
                      height=160 + 70 * len(table), margin={"l": 10, "r": 10, "t": 50, "b": 40})
    return fig


def allocation_figure(allocation) -> go.Figure:
    """The best split of a weekly budget over levers beside today's, and the search that found it.

    Takes a ``cxsim.decide.allocate.Allocation``. Left: weekly spend per lever, today's plan and the best,
    the whisker the near-best range. Right: every plan's objective in the order run, near-best
    plans marked, and the best so far.
    """
    table = allocation.table()
    plans = allocation.plans
    fig = make_subplots(rows=1, cols=2, column_widths=[0.45, 0.55], horizontal_spacing=0.1,
                        subplot_titles=("weekly spend per lever", f"every plan tried ({allocation.objective} "
                                                                                 f"of {allocation.kpi})"))
    names = [lever_name(k) for k in allocation.levers]
    fig.add_trace(go.Bar(x=names, y=table["today"], name="today's plan", marker_color="#bbbbbb",
                         hovertemplate="%{x}: %{y:,.0f} a week today<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Bar(
        x=names, y=table["best"], name="best plan", marker_color=PALETTE[0],
        error_y={"type": "data", "symmetric": False, "array": table["near-best high"] - table["best"],
                 "arrayminus": table["best"] - table["near-best low"], "color": "#333333"},
        customdata=table[["near-best low", "near-best high", "best share"]].to_numpy(),
        hovertemplate=("%{x}: %{y:,.0f} a week (%{customdata[2]:.0%} of the budget)<br>near-best "
                       "%{customdata[0]:,.0f} to %{customdata[1]:,.0f}<extra></extra>")), row=1, col=1)
    search = plans[plans["plan"] > 0]
    spends = search[allocation.levers].to_numpy()
    hover = ["<br>".join(f"{n} {v:,.0f}" for n, v in zip(names, row, strict=True)) for row in spends]
    for near, colour, name in ((False, "#999999", "plan tried"), (True, PALETTE[1], "near-best plan")):
        part = search["near_best"] == near
        fig.add_trace(go.Scatter(
            x=search.loc[part, "plan"], y=search.loc[part, "objective"], mode="markers", name=name,
            marker={"color": colour, "size": 6}, text=[h for h, p in zip(hover, part, strict=True) if p],
            hovertemplate="plan %{x}: %{y:,.4g}<br>%{text}<extra></extra>"), row=1, col=2)
    fig.add_trace(go.Scatter(x=search["plan"], y=search["objective"].cummax(), mode="lines", name="best so far",
                             line={"color": PALETTE[0], "width": 2}, hoverinfo="skip"), row=1, col=2)
    fig.add_hline(y=float(allocation.today["objective"]), line_dash="dot", line_color="#555555",
                  annotation_text="today's plan", row=1, col=2)
    fig.update_layout(title=f"Best split of {allocation.budget:,.0f} a week over {len(names)} levers",
                      template="plotly_white", barmode="group", hovermode="closest", legend_title_text="")
    fig.update_yaxes(title_text=f"weekly spend ({unit(allocation.currency)})", row=1, col=1)
    fig.update_yaxes(title_text=allocation.kpi, row=1, col=2)
    fig.update_xaxes(title_text="plan, in the order the search ran it", row=1, col=2)
    return fig


def allocation_html(allocation) -> str:
    """The verdict, the chart and the text summary as one self-contained HTML page."""
    return html_page(f"cxsim optimize: {allocation.scenario.name}", allocation.verdict(),
                     figures_html([allocation_figure(allocation)]), f"<pre>{esc(allocation.describe())}</pre>")
