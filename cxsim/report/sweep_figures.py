"""Plotly figures of a sweep's analysis: sensitivity indices and the discovery map."""

from __future__ import annotations

import math
from collections import Counter

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cxsim.report.figures import PALETTE
from cxsim.sweep.analysis import Sensitivity
from cxsim.sweep.discovery import Discovery

TITLES = {
    "sobol": "Sobol indices: S1 (alone) and ST (with interactions), 95% intervals",
    "morris": "Morris elementary effects: mu* (influence) against sigma (non-linearity, interactions)",
    "rbd-fast": "RBD-FAST first-order indices S1, 95% intervals",
    "anova": "Main (S1) and total (ST) effects on the grid",
}


def _bars(fig: go.Figure, rows, col: int, labels: dict[str, str], show_legend: bool) -> None:
    names = [labels.get(p, p) for p in rows["parameter"]]
    for i, key in enumerate(k for k in ("S1", "ST") if k in rows):
        conf = rows.get(f"{key}_conf")
        fig.add_trace(go.Bar(
            y=names, x=rows[key], orientation="h", name=key, marker_color=PALETTE[i], showlegend=show_legend,
            legendgroup=key, error_x=None if conf is None else {"type": "data", "array": conf.tolist()},
            hovertemplate=f"%{{y}}<br>{key} %{{x:.3f}}<extra></extra>"), row=1, col=col)


def _morris(fig: go.Figure, rows, col: int, labels: dict[str, str]) -> None:
    names = [labels.get(p, p) for p in rows["parameter"]]
    fig.add_trace(go.Scatter(
        x=rows["mu_star"], y=rows["sigma"], mode="markers+text", text=names, textposition="top center",
        marker={"size": 10, "color": PALETTE[0]}, showlegend=False,
        error_x={"type": "data", "array": rows["mu_star_conf"].tolist()},
        hovertemplate="%{text}<br>mu* %{x:.3g}<br>sigma %{y:.3g}<extra></extra>"), row=1, col=col)
    fig.update_xaxes(title_text="mu*", row=1, col=col)
    fig.update_yaxes(title_text="sigma", row=1, col=col)


def sensitivity_figure(result: Sensitivity, kpi: str, labels: dict[str, str] | None = None) -> go.Figure:
    """One KPI's indices, a panel per variant (and per paired difference)."""
    labels = labels or {}
    table = result.table[result.table["kpi"] == kpi]
    variants = list(dict.fromkeys(table["variant"]))
    fig = make_subplots(rows=1, cols=max(1, len(variants)), subplot_titles=variants, shared_yaxes=result.method != "morris")
    for col, variant in enumerate(variants, start=1):
        rows = result.ranking(variant, kpi).iloc[::-1]
        if result.method == "morris":
            _morris(fig, rows, col, labels)
        else:
            _bars(fig, rows, col, labels, col == 1)
    fig.update_layout(title=f"{kpi}: {TITLES[result.method]}", barmode="group", template="plotly_white",
                      height=max(320, 60 + 45 * table["parameter"].nunique()), legend={"orientation": "h"})
    return fig


def discovery_figure(found: Discovery, labels: dict[str, str] | None = None) -> go.Figure:
    """Each parameter combination placed by the two parameters the rules use most, coloured by b - a."""
    labels = labels or {}
    used = Counter(name for bounds in found.rules.get("bounds", []) for name in bounds)
    names = [n for n in found.points.columns if n not in ("point", "diff", "replications", "wins")]
    axes = sorted(used, key=used.get, reverse=True)[:2] or names[:2]
    axes += [n for n in names if n not in axes][: 2 - len(axes)]
    p = found.points
    span = max(abs(p["diff"].min()), abs(p["diff"].max())) or 1.0
    x = p[axes[0]]
    y = p[axes[1]] if len(axes) > 1 else p["diff"]
    fig = go.Figure(go.Scatter(
        x=x, y=y, mode="markers",
        marker={"size": 9, "color": p["diff"], "colorscale": "RdBu", "cmin": -span, "cmax": span,
                "colorbar": {"title": f"{found.b} - {found.a}"}, "line": {"width": 0.5, "color": "#555"}},
        customdata=p[["diff"]].to_numpy(),
        hovertemplate=f"{found.kpi} {found.b} - {found.a}: %{{customdata[0]:,.3g}}<extra></extra>"))
    for bounds in found.rules.get("bounds", []):
        for axis, name in (("x", axes[0]), ("y", axes[1] if len(axes) > 1 else None)):
            lo, hi = bounds.get(name, (-math.inf, math.inf)) if name else (-math.inf, math.inf)
            for cut in (lo, hi):
                if math.isfinite(cut) and name not in {n for n in names if not _numeric(p[n])}:
                    line = {"x0": cut, "x1": cut, "y0": 0, "y1": 1, "yref": "paper"} if axis == "x" else \
                        {"y0": cut, "y1": cut, "x0": 0, "x1": 1, "xref": "paper"}
                    fig.add_shape(type="line", line={"dash": "dot", "color": "#444"}, **line)
    fig.update_layout(
        title=f"Where {found.b} beats {found.a} on {found.kpi} (blue: {found.b} ahead; red: {found.a} ahead; "
              "dotted: the rules' cuts)",
        xaxis_title=labels.get(axes[0], axes[0]),
        yaxis_title=labels.get(axes[1], axes[1]) if len(axes) > 1 else f"{found.b} - {found.a}",
        template="plotly_white", height=520)
    return fig


def _numeric(series) -> bool:
    return series.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool)).all()
