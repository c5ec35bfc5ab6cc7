"""The self-contained HTML report of a comparison."""

from __future__ import annotations

import html
from pathlib import Path

from cxsim import __version__
from cxsim.decide.compare import Comparison, display_table
from cxsim.decide.spend import describe_plan, unit
from cxsim.model.results import KPIS
from cxsim.report.figures import comparison_figures

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.35rem 0.6rem; text-align: right; white-space: pre-line; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f6fa; }
.note { color: #555; font-size: 0.9rem; }
"""


def report_html(comparison: Comparison, title: str = "cxsim comparison") -> str:
    """The report as one HTML page with plotly inlined (works offline)."""
    table = display_table(comparison.table())
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ["KPI", *table.columns])
    body = "".join(
        f"<tr><td title='{html.escape(KPIS[k])}'>{html.escape(k)}</td>"
        + "".join(f"<td>{html.escape(str(v))}</td>" for v in table.loc[k]) + "</tr>"
        for k in table.index
    )
    first = comparison.results[0]
    figures = comparison_figures(comparison.results, comparison.labels,
                                 comparison.scenarios[0].config.economics.currency)
    charts = []
    for i, fig in enumerate(figures.values()):
        charts.append(fig.to_html(full_html=False, include_plotlyjs="inline" if i == 0 else False))
    scenario_list = "".join(
        f"<li><b>{html.escape(label)}</b>: {html.escape(describe_plan(s))}</li>"
        for label, s in zip(comparison.labels, comparison.scenarios, strict=True)
    )
    about = comparison.scenarios[0].config.scenario.description
    currency = unit(comparison.scenarios[0].config.economics.currency)
    definitions = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v.replace('(currency)', f'({currency})'))}</li>"
                          for k, v in KPIS.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{STYLE}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p><b>{html.escape(comparison.verdict())}</b></p>
<p class="note">{first.replications} replications per scenario, seed {first.seed}, engine {first.engine},
cxsim {__version__}. Replications share seeds across scenarios (common random numbers).</p>
<p>{html.escape(about)}</p>
<h2>The plans, from their own spends</h2>
<ul>{scenario_list}</ul>
<h2>KPIs at the horizon</h2>
<p class="note">Each cell: mean [5th, 95th percentile over replications]. Δ: mean difference from
<b>{html.escape(comparison.labels[0])}</b>, paired by seed, with its 90% confidence interval.</p>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<h2>Over time</h2>
{''.join(charts)}
<h2>Definitions</h2><ul>{definitions}</ul>
</body></html>
"""


def write_report(comparison: Comparison, path: str | Path, title: str = "cxsim comparison") -> Path:
    """Write the report, atomically (a half-written file never takes the name)."""
    from cxsim.core.outputs import write_text

    return write_text(path, report_html(comparison, title))


def robust_report_html(answer, scenarios, findings: list[str], title: str = "cxsim comparison under uncertainty") -> str:
    """The robust answer as one HTML page: the sentence, the table, each plan's distribution, where each wins."""
    from cxsim.report.figures import robust_figure

    table = answer.display_table()
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in table.itertuples(index=False))
    plans = "".join(f"<li><b>{html.escape(label)}</b>: {html.escape(describe_plan(s))}</li>"
                    for label, s in zip(answer.labels, scenarios, strict=True))
    worlds = answer.worlds
    keys = "".join(f"<li>{html.escape(k)}: {worlds.values[:, j].min():,.4g} to {worlds.values[:, j].max():,.4g}</li>"
                   for j, k in enumerate(worlds.keys))
    found = "".join(f"<li>{html.escape(s)}</li>" for s in findings)
    figure = robust_figure(answer).to_html(full_html=False, include_plotlyjs="inline")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{STYLE}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p><b>{html.escape(answer.verdict())}</b></p>
<p class="note">{answer.draws} worlds drawn from {html.escape(worlds.source)}, {answer.replications} replications
per plan and world, seed {answer.seed}, cxsim {__version__}. Every plan runs in the same worlds with the same random
numbers. P(beats) and P(best) count worlds (each the mean of its replications); the percentiles count every run;
regret is the mean over worlds of the best plan's {html.escape(answer.kpi)} minus this plan's.</p>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
{figure}
<h2>Where each plan wins</h2>
<ul>{found or "<li>(not computed)</li>"}</ul>
<h2>The plans, from their own spends</h2>
<ul>{plans}</ul>
<h2>The uncertain assumptions, as drawn</h2>
<ul>{keys}</ul>
</body></html>
"""
