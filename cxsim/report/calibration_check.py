"""``check.html`` of a history calibration: the answer, the history against posterior-predictive bands, and
which parameters the data pin down. Its figures are plotly, shared with the app's Calibrate page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cxsim.calibrate.check import Check
from cxsim.calibrate.inference import WEIGHT
from cxsim.calibrate.posterior import BAND, verdicts
from cxsim.report.figures import PALETTE
from cxsim.report.page import bullets, esc, figures_html, html_page

DATA, FIT, HELD = "#444444", PALETTE[0], "#fbe3c8"


def series_figure(check: Check) -> go.Figure:
    """Each fitted outcome: the history's weeks against the posterior-predictive median and 90% band."""
    outcomes = list(check.predictive.runs)
    cols = 2
    rows = (len(outcomes) + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=outcomes, vertical_spacing=0.12 / max(rows / 3, 1))
    weeks = np.arange(1, check.history.weeks + 1)
    for i, c in enumerate(outcomes):
        r, k = i // cols + 1, i % cols + 1
        low, mid, high = check.predictive.band(c)
        first = i == 0
        fig.add_trace(go.Scatter(x=np.r_[weeks, weeks[::-1]], y=np.r_[high, low[::-1]], fill="toself",
                                 fillcolor="rgba(31,119,180,0.2)", line={"width": 0}, name="90% band",
                                 legendgroup="band", showlegend=first, hoverinfo="skip"), row=r, col=k)
        fig.add_trace(go.Scatter(x=weeks, y=mid, mode="lines", line={"color": FIT}, name="posterior median",
                                 legendgroup="mid", showlegend=first), row=r, col=k)
        y = check.history.outcomes[c].to_numpy(float)
        fig.add_trace(go.Scatter(x=weeks, y=y, mode="markers", marker={"color": DATA, "size": 4}, name="history",
                                 legendgroup="data", showlegend=first), row=r, col=k)
        if check.fit_weeks < check.history.weeks:
            fig.add_vrect(x0=check.fit_weeks + 0.5, x1=check.history.weeks + 0.5, fillcolor=HELD, opacity=0.6,
                          line_width=0, row=r, col=k)
    fig.update_layout(template="plotly_white", height=280 * rows, legend={"orientation": "h", "y": -0.08},
                      title="The history against 100 runs of the posterior"
                            + (" (shaded: held-out weeks, not fitted)" if check.fit_weeks < check.history.weeks
                               else ""))
    return fig


def marginals_figure(check: Check) -> go.Figure:
    """Prior against posterior of each key (on the prior's scale: log for a log-uniform prior)."""
    keys = list(check.priors)
    cols = min(3, len(keys))
    rows = (len(keys) + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=keys)
    w = check.posterior.draws[WEIGHT].to_numpy(float)
    for i, key in enumerate(keys):
        prior = check.priors[key]
        r, k = i // cols + 1, i % cols + 1
        x = check.posterior.draws[key].to_numpy(float)
        a, b = prior.low, prior.high
        edges = np.geomspace(a, b, 26) if prior.log else np.linspace(a, b, 26)
        dens, _ = np.histogram(x, bins=edges, weights=w)
        fig.add_trace(go.Bar(x=np.sqrt(edges[:-1] * edges[1:]) if prior.log else (edges[:-1] + edges[1:]) / 2,
                             y=dens / dens.sum(), marker_color=FIT, name="posterior", showlegend=i == 0,
                             legendgroup="post"), row=r, col=k)
        fig.add_trace(go.Scatter(x=[a, b], y=[1 / 25, 1 / 25], mode="lines", line={"color": DATA, "dash": "dot"},
                                 name="prior", showlegend=i == 0, legendgroup="prior"), row=r, col=k)
        fig.update_xaxes(type="log" if prior.log else "linear", row=r, col=k)
    fig.update_layout(template="plotly_white", height=260 * rows, bargap=0.05,
                      title="What the history taught: prior (dotted) against posterior (bars), share of draws")
    return fig


def correlation_figure(check: Check) -> go.Figure:
    """Posterior correlations of the keys: strong ones are trade-offs the history cannot separate."""
    c = check.corr
    fig = go.Figure(go.Heatmap(z=c.to_numpy(), x=list(c.columns), y=list(c.index), zmin=-1, zmax=1,
                               colorscale="RdBu", text=np.round(c.to_numpy(), 2), texttemplate="%{text}"))
    fig.update_layout(template="plotly_white", height=120 + 60 * len(c), title="Posterior correlations")
    return fig


ADJUSTED = {True: ", regression-adjusted to the history's summary statistics (Beaumont, Zhang & Balding 2002)",
            False: " as ABC-SMC left them (too few carried weight for the regression adjustment)"}


def _table_html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0)


def check_html(check: Check) -> str:
    """The self-contained page."""
    post = check.posterior
    cover = pd.DataFrame({"outcome": list(check.predictive.runs),
                          "fitted weeks in band": [check.fit_coverage.get(c, np.nan) for c in check.predictive.runs],
                          "held-out weeks in band": [check.holdout_coverage.get(c, np.nan)
                                                     for c in check.predictive.runs]})
    return html_page(
        f"Calibration to {Path(check.history.source).name}", check.headline(),
        "<h2>Posterior of the fitted keys</h2>", _table_html(check.table),
        "<p>Contraction is 1 - posterior variance / prior variance (on the prior's scale): 1 when the history fixes "
        f"the value, 0 when it teaches nothing. {int(BAND[0] * 100)}% and {int(BAND[1] * 100)}% are weighted "
        f"quantiles of {len(post.draws)} ABC-SMC particles{ADJUSTED[post.adjusted]}.</p>",
        "<h2>What the data pin down, and what stays confounded</h2>", bullets(verdicts(check.table, check.corr)),
        "<h2>The history against the posterior</h2>", _table_html(cover),
        figures_html([series_figure(check), marginals_figure(check), correlation_figure(check)]),
        "<h2>How the fit ran</h2>",
        f"<p>ABC-SMC (pyabc) on {esc(post.where)}: {post.simulations:,} simulations in {post.elapsed / 60:.1f} "
        f"minutes; stopped: {esc(post.stopped)}. Fitted on weeks 1-{check.fit_weeks} of "
        f"{esc(check.history.source)} ({check.history.weeks} weeks).</p>",
        _table_html(post.generations))
