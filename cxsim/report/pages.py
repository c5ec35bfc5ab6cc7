"""The self-contained HTML report of a comparison."""

from __future__ import annotations

from pathlib import Path

from cxsim.core.formatting import unit
from cxsim.core.outputs import write_text
from cxsim.decide.compare import Comparison, display_table
from cxsim.decide.spend import describe_plan
from cxsim.model.results import KPIS, scale_notes, thin_warnings
from cxsim.report.figures import comparison_figures, robust_figure, waterfall_figure
from cxsim.report.page import bullets, esc, figures_html, html_page, table_html


def report_html(comparison: Comparison, title: str = "cxsim comparison") -> str:
    """The report as one HTML page with plotly inlined (works offline)."""
    table = display_table(comparison.table())
    rows = table.reset_index()
    rows = rows.rename(columns={rows.columns[0]: "KPI"})
    first = comparison.results[0]
    figures = comparison_figures(comparison.results, comparison.labels,
                                 comparison.scenarios[0].config.economics.currency)
    plans = [(label, describe_plan(s)) for label, s in zip(comparison.labels, comparison.scenarios, strict=True)]
    currency = unit(comparison.scenarios[0].config.economics.currency)
    definitions = [(k, v.replace("(currency)", f"({currency})")) for k, v in KPIS.items()]
    why = _why_figure(comparison)
    return html_page(
        title, comparison.verdict(),
        f"<p>{esc(comparison.why())}</p>", figures_html(why),
        f"<p class='note'>{first.replications} replications per scenario, seed {first.seed}, engine {first.engine}. "
        "Replications share seeds across scenarios (common random numbers).</p>",
        scale_html(comparison.scenarios, thin_warnings(comparison.results, comparison.labels)),
        f"<p>{esc(comparison.scenarios[0].config.scenario.description)}</p>",
        "<h2>The plans, from their own spends</h2>", bullets(plans),
        "<h2>KPIs at the horizon</h2>",
        "<p class='note'>Each cell: mean [5th, 95th percentile over replications]. Δ: mean difference from "
        f"<b>{esc(comparison.labels[0])}</b>, paired by seed, with its 90% confidence interval.</p>",
        table_html(rows, titles=[KPIS[k] for k in table.index]),
        "<h2>Over time</h2>", figures_html(figures.values(), plotly_inlined=bool(why)),
        "<h2>Definitions</h2>", bullets(definitions))


def scale_html(scenarios, warnings: list[str] = ()) -> str:
    """The scale the plans were simulated at, and the results too few simulated people carry ("" at scale 1)."""
    notes = "".join(f"<p class='note'>{esc(note)}</p>" for note in scale_notes(scenarios))
    return notes + (f"<p class='note'>Warnings:</p>{bullets(warnings)}" if warnings else "")


def write_report(comparison: Comparison, path: str | Path, title: str = "cxsim comparison") -> Path:
    """Write the report, atomically (a half-written file never takes the name)."""
    return write_text(path, report_html(comparison, title))


def _why_figure(comparison: Comparison) -> list:
    """The waterfall of the plan that gains most value against the first (none with one plan)."""
    found = comparison.decompositions()
    if not found:
        return []
    label, best = max(found.items(), key=lambda kv: kv[1].total)
    return [waterfall_figure(best, comparison.scenarios[0].config.economics.currency,
                             f"Why {label!r}: its value change against {comparison.labels[0]!r}, in parts")]


def robust_report_html(answer, scenarios, findings: list[str], title: str = "cxsim comparison under uncertainty") -> str:
    """The robust answer as one HTML page: the sentence, the table, each plan's distribution, where each wins."""
    plans = [(label, describe_plan(s)) for label, s in zip(answer.labels, scenarios, strict=True)]
    worlds = answer.worlds
    keys = [f"{k}: {worlds.values[:, j].min():,.4g} to {worlds.values[:, j].max():,.4g}"
            for j, k in enumerate(worlds.keys)]
    return html_page(
        title, answer.verdict(),
        f"<p class='note'>{answer.draws} worlds drawn from {esc(worlds.source)}, {answer.replications} replications "
        f"per plan and world, seed {answer.seed}. Every plan runs in the same worlds with the same random numbers. "
        "P(beats) and P(best) count worlds (each the mean of its replications); the percentiles count every run; "
        f"regret is the mean over worlds of the best plan's {esc(answer.kpi)} minus this plan's.</p>",
        scale_html(scenarios),
        table_html(answer.display_table()), figures_html([robust_figure(answer)]),
        "<h2>Where each plan wins</h2>", bullets(findings, "(not computed)"),
        "<h2>The plans, from their own spends</h2>", bullets(plans),
        "<h2>The uncertain assumptions, as drawn</h2>", bullets(keys))


def robust_advise_html(answer, findings: list[str], scenario=None) -> str:
    """``cxsim advise`` under uncertainty as one page: the sentence, each lever's distribution, where each earns most,
    and the scale today's plan (``scenario``) was simulated at."""
    return html_page("cxsim advise", answer.verdict(), figures_html([robust_figure(answer)]),
                     *(f"<p>{esc(s)}</p>" for s in findings), scale_html([] if scenario is None else [scenario]))
