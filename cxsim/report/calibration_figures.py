"""Plotly figures of the calibration fits, shared by the command line (HTML) and the app."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cxsim.calibrate.adoption import AdoptionFit
from cxsim.calibrate.transactions import TransactionFit
from cxsim.report.figures import PALETTE, _add_band, band_stats

DATA, FIT, OTHER = "#444444", PALETTE[0], PALETTE[1]


def adoption_figure(fit: AdoptionFit) -> go.Figure:
    """New and cumulative customers per period: the data, the weekly recursion and the continuous curve."""
    period = "week" if fit.weeks_per_period == 1 else f"period ({fit.weeks_per_period:g} weeks)"
    t = np.arange(1, fit.periods + 1)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("new customers per period", "cumulative customers"))
    curves = (("data", fit.observed, DATA), ("weekly recursion (scenario)", fit.weekly.fitted, FIT),
              ("continuous Bass", fit.continuous.fitted, OTHER))
    for col, cumulative in ((1, False), (2, True)):
        for name, values, colour in curves:
            y = np.cumsum(values) if cumulative else values
            if name == "data":
                trace = (go.Scatter(x=t, y=y, mode="markers", marker={"color": colour, "size": 6}) if cumulative
                         else go.Bar(x=t, y=y, marker_color="#bdbdbd"))
            else:
                trace = go.Scatter(x=t, y=y, mode="lines", line={"color": colour, "width": 2,
                                                                 "dash": "dot" if colour == OTHER else "solid"})
            trace.update(name=name, legendgroup=name, showlegend=col == 1)
            fig.add_trace(trace, row=1, col=col)
        fig.update_xaxes(title_text=period, row=1, col=col)
    w = fit.weekly.params
    fig.update_layout(template="plotly_white", hovermode="x unified", legend={"orientation": "h", "y": -0.2},
                      title=f"Bass fit: weekly p = {w['p']:.4f}, q = {w['q']:.3f}, m = {w['m']:,.0f} "
                            f"(R² {fit.r_squared():.3f})")
    return fig


def transactions_figure(fit: TransactionFit) -> go.Figure:
    """BG/NBD fit: cumulative repeat purchases by week (actual against expected) and the holdout by frequency."""
    has_holdout = fit.holdout is not None
    titles = ("cumulative repeat purchases of the cohort", "holdout purchases per customer")
    fig = make_subplots(rows=1, cols=2 if has_holdout else 1, column_widths=[0.6, 0.4] if has_holdout else None,
                        subplot_titles=titles if has_holdout else titles[:1])
    tr = fit.tracking
    fig.add_trace(go.Scatter(x=tr["week_end"], y=tr["actual"], name="actual", mode="lines",
                             line={"color": DATA, "width": 2}, legendgroup="actual"), row=1, col=1)
    fig.add_trace(go.Scatter(x=tr["week_end"], y=tr["expected"], name="BG/NBD", mode="lines",
                             line={"color": FIT, "width": 2, "dash": "dash"}, legendgroup="model"), row=1, col=1)
    fig.add_vline(x=fit.calibration_end.timestamp() * 1000, line={"color": "#999999", "dash": "dot"},
                  annotation_text="calibration end", row=1, col=1)
    if has_holdout:
        h = fit.holdout.by_frequency
        fig.add_trace(go.Bar(x=h["calibration_purchases"], y=h["actual"], name="actual", marker_color="#bdbdbd",
                             legendgroup="actual", showlegend=False), row=1, col=2)
        fig.add_trace(go.Scatter(x=h["calibration_purchases"], y=h["predicted"], name="BG/NBD",
                                 mode="lines+markers", line={"color": FIT, "width": 2}, legendgroup="model",
                                 showlegend=False), row=1, col=2)
        fig.update_xaxes(title_text="repeat purchases in calibration", row=1, col=2)
    r, alpha, a, b = fit.values()
    title = f"BG/NBD fit: r = {r:.3f}, alpha = {alpha:.2f} weeks, a = {a:.3f}, b = {b:.3f}"
    if has_holdout:
        h = fit.holdout
        title += f"; holdout {h.weeks:.0f} weeks: {h.predicted:,.0f} predicted, {h.actual:,} actual"
    fig.update_layout(template="plotly_white", title=title, legend={"orientation": "h", "y": -0.2})
    return fig


def simulated_check_figure(fit: AdoptionFit | TransactionFit, results, population: int) -> go.Figure:
    """Runs of the calibrated scenario against what they should reproduce (90% band of runs and their mean).

    Adoption: cumulative customers, the data as points. Transactions: cumulative
    repeat purchases per customer of the simulated cohort, against E[X(t)] of the fit.
    """
    ts = results.timeseries
    fig = go.Figure()
    if isinstance(fit, AdoptionFit):
        _add_band(fig, band_stats(ts, "ever_customers"), "simulated (calibrated scenario)", FIT)
        weeks = np.arange(1, fit.periods + 1) * fit.weeks_per_period
        fig.add_trace(go.Scatter(x=weeks, y=np.cumsum(fit.observed), mode="markers", name="data",
                                 marker={"color": DATA, "size": 6}))
        fig.update_layout(title="The calibrated scenario reproduces the data", yaxis_title="cumulative customers")
    else:
        per_customer = ts.assign(repeat_purchases=ts["repeat_purchases"] / population)
        stats = band_stats(per_customer, "repeat_purchases", cumulative=True)
        _add_band(fig, stats, "simulated cohort (calibrated scenario)", FIT)
        weeks = stats.index.to_numpy(dtype=float)
        fig.add_trace(go.Scatter(x=weeks, y=fit.expected_repeat_purchases(weeks), mode="lines", name="BG/NBD E[X(t)]",
                                 line={"color": DATA, "dash": "dash"}))
        fig.update_layout(title="The calibrated scenario reproduces the fitted repeat purchases",
                          yaxis_title="repeat purchases per customer")
    fig.update_layout(template="plotly_white", xaxis_title="week", hovermode="x unified")
    return fig


def fit_figure(fit: AdoptionFit | TransactionFit) -> go.Figure:
    """The figure of a fit: adoption curves, or repeat-purchase tracking."""
    return adoption_figure(fit) if isinstance(fit, AdoptionFit) else transactions_figure(fit)
