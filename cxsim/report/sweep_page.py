"""The sensitivity page: a self-contained HTML file with the indices, plots and findings."""

from __future__ import annotations

import html
from pathlib import Path

from cxsim.core.outputs import write_text
from cxsim.model.results import KPIS
from cxsim.report.page import bullets, figures_html, html_page, table_html
from cxsim.report.sweep_figures import discovery_figure, sensitivity_figure
from cxsim.sweep.analysis import Sensitivity, display, headline
from cxsim.sweep.discovery import Discovery
from cxsim.sweep.spec import SweepSpec

METHOD_NOTES = {
    "sobol": "S1: share of the KPI's variance due to the parameter alone; ST: including its interactions. "
             "ST much larger than S1 means the parameter matters through others.",
    "morris": "mu*: mean absolute change of the KPI when the parameter moves one level across its range "
              "(in KPI units per full range); sigma: how much that change depends on the other parameters.",
    "rbd-fast": "S1: share of the KPI's variance due to the parameter alone (first order, from the Latin hypercube).",
    "anova": "S1: share of variance explained by the parameter alone; ST: including interactions (exact on the grid).",
}


def sensitivity_html(spec: SweepSpec, result: Sensitivity, found: Discovery | None, runs: int) -> str:
    """The page as one HTML string (plotly inlined, works offline)."""
    labels = {n: p.label for n, p in spec.parameters.items() if p.label}
    s = spec.file
    parts = [f"<p class='note'>{runs} runs; design {s.design.kind}, {s.sweep.replications} replications per point, "
             f"seed {s.sweep.seed}, engine {s.sweep.engine}. Method: {result.method}. "
             f"{html.escape(METHOD_NOTES[result.method])}</p>"]
    if s.sweep.description:
        parts.append(f"<p>{html.escape(s.sweep.description)}</p>")
    if found is not None:
        parts.append(f"<h2>Where {html.escape(found.b)} beats {html.escape(found.a)} ({html.escape(found.kpi)})</h2>")
        parts.append("<ul>" + "".join(f"<li>{html.escape(t)}</li>" for t in found.sentences) + "</ul>")
        if found.boxes:
            parts.append("<p>PRIM boxes: each variant's own region (coverage: the share of its wins inside the box; "
                         "density: the share of the box where it wins).</p>")
            parts.append("<ul>" + "".join(f"<li>{html.escape(t)}</li>" for t in found.boxes) + "</ul>")
        parts.append(figures_html([discovery_figure(found, labels)]))
    for variant in dict.fromkeys(result.table["variant"]):
        parts.append(f"<h2>Indices: {html.escape(variant)}</h2><ul>")
        parts.extend(f"<li>{html.escape(headline(result, variant, k, labels))}</li>"
                     for k in dict.fromkeys(result.table["kpi"]))
        table = display(result, variant, labels)
        parts.append("</ul>" + (table_html(table.reset_index()) if not table.empty else "<p class='note'>No indices.</p>"))
    parts.append("<h2>Plots</h2>")
    plotly_inlined = found is not None
    for kpi in dict.fromkeys(result.table["kpi"]):
        parts.append(figures_html([sensitivity_figure(result, kpi, labels)], plotly_inlined))
        plotly_inlined = True
    if result.notes:
        parts.append("<h2>Left out</h2>" + bullets(result.notes))
    parts.append("<h2>Parameters</h2><ul>" + "".join(
        f"<li><b>{html.escape(n)}</b>{': ' + html.escape(p.label) if p.label else ''}</li>"
        for n, p in spec.parameters.items()) + "</ul>")
    parts.append("<h2>KPIs</h2>" + bullets((k, KPIS[k]) for k in s.outputs.kpis))
    lead = found.sentences[0] if found is not None and found.sentences else headline(
        result, next(iter(dict.fromkeys(result.table["variant"]))), next(iter(dict.fromkeys(result.table["kpi"]))), labels)
    return html_page(f"Sensitivity: {spec.name}", lead, *parts)


def write_page(path: str | Path, spec: SweepSpec, result: Sensitivity, found: Discovery | None, runs: int) -> Path:
    """Write the page atomically."""
    return write_text(path, sensitivity_html(spec, result, found, runs))
