"""The comparison as the planner and the notebooks show it: one table of KPIs by plan, and KPI cards.

Every cell holds a plan's mean, the range of 90% of its runs and its paired difference from the
first plan; a difference whose interval excludes 0 is marked better or worse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxsim.core.formatting import missing, money, unit
from cxsim.decide.compare import Comparison
from cxsim.decide.spend import short_plan
from cxsim.model.results import KPIS


@dataclass(frozen=True)
class KpiRow:
    """How a KPI appears as a row of the comparison table.

    Attributes:
        title: plain-words name (never cut off: the table wraps).
        higher_is_better: whether a rise is good news.
        money: whether it is an amount of money (shown with the scenario's currency).
        decimals: decimals shown.
    """

    title: str
    higher_is_better: bool
    money: bool
    decimals: int = 0


ROWS: dict[str, KpiRow] = {
    "value": KpiRow("Value: NPV + the plan continued after the horizon", True, True),
    "npv": KpiRow("NPV of profit within the horizon", True, True),
    "terminal_value": KpiRow("Value after the horizon, the plan continued", True, True),
    "customers": KpiRow("Customers won", True, False),
    "active": KpiRow("Active customers at the horizon", True, False),
    "profit": KpiRow("Profit within the horizon", True, True),
    "nps": KpiRow("NPS", True, False, 1),
    "cac": KpiRow("Ad cost per new customer (CAC)", False, True, 1),
    "cac_all": KpiRow("Ads + service cost per new customer", False, True, 1),
    "clv_net": KpiRow("CLV net of service cost, with terminal value", True, True, 1),
}


@dataclass(frozen=True)
class Cell:
    """One KPI of one plan, as text: mean, the range of 90% of runs, the paired difference from the first plan.

    ``verdict`` is ``"better"``, ``"worse"`` (the difference's interval excludes 0) or ``""``.
    """

    mean: str
    runs: str
    delta: str
    verdict: str


@dataclass(frozen=True)
class ComparisonTable:
    """KPIs as rows, plans as columns: what the planner shows under the verdict."""

    labels: list[str]
    headers: list[str]          # each plan's actual weekly spends
    kpis: list[str]
    titles: list[str]
    helps: list[str]
    cells: list[list[Cell]]     # by KPI, then by plan


def kpi_help(kpi: str, currency: str) -> str:
    """A KPI's definition with money named in the scenario's currency."""
    return KPIS[kpi].replace("(currency)", f"({unit(currency)})")


def _fmt(x: float, row: KpiRow, currency: str, signed: bool = False) -> str:
    if row.money:
        return money(x, currency, signed, row.decimals)
    return "-" if missing(x) else f"{x:{'+' if signed else ''},.{row.decimals}f}"


def comparison_table(comparison: Comparison, level: float = 0.9) -> ComparisonTable:
    """The comparison as one table: every cell in the same format, every plan headed by its own spends."""
    currency = comparison.scenarios[0].config.economics.currency
    table = comparison.table(tuple(ROWS), level).set_index(["kpi", "scenario"])
    cells = []
    for kpi, row in ROWS.items():
        line = []
        def f(x: float, signed: bool = False, row: KpiRow = row) -> str:
            return _fmt(x, row, currency, signed)

        for i, label in enumerate(comparison.labels):
            r = table.loc[(kpi, label)]
            runs = f"90% of runs {f(r['lo'])} to {f(r['hi'])}" if np.isfinite(r["lo"]) else "no runs"
            if i == 0:
                delta, verdict = "the reference", ""
            elif np.isfinite(r["diff_lo"]):
                delta = f"Δ {f(r['diff'], True)} ({level:.0%} CI {f(r['diff_lo'], True)} to {f(r['diff_hi'], True)})"
                up, down = r["diff_lo"] > 0, r["diff_hi"] < 0
                good = up if row.higher_is_better else down
                bad = down if row.higher_is_better else up
                verdict = "better" if good else "worse" if bad else ""
            else:
                delta, verdict = f"Δ {f(r['diff'], True)}", ""
            line.append(Cell(f(r["mean"]), runs, delta, verdict))
        cells.append(line)
    return ComparisonTable(list(comparison.labels), [short_plan(s) for s in comparison.scenarios], list(ROWS),
                           [row.title for row in ROWS.values()], [kpi_help(k, currency) for k in ROWS], cells)


TABLE_STYLE = """<style>
table.cx-compare { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 0.9rem; }
table.cx-compare th, table.cx-compare td { border-bottom: 1px solid #e6e6e6; padding: 0.3rem 0.5rem;
  vertical-align: top; white-space: normal; overflow-wrap: anywhere; overflow: visible; }
table.cx-compare th.cx-kpi { text-align: left; font-weight: 600; width: 19%; }
table.cx-compare thead th { text-align: left; background: #f3f6fa; }
table.cx-compare .cx-spends { display: block; font-weight: 400; font-size: 0.8rem; color: #444; }
table.cx-compare .cx-mean { font-size: 1.05rem; font-weight: 600; }
table.cx-compare .cx-small { display: block; font-size: 0.78rem; color: #555; }
table.cx-compare .better { color: #1a7f37; } table.cx-compare .worse { color: #b42318; }
</style>"""


def comparison_html(table: ComparisonTable) -> str:
    """The comparison table as HTML (KPI titles wrap rather than being cut off)."""
    import html

    from cxsim.report.markdown import html_safe  # names come from users: nothing in them may become Markdown

    esc = html.escape
    head = "".join(f'<th class="cx-plan"><span class="cx-name">{html_safe(label)}</span>'
                   f'<span class="cx-spends">{esc(spends)} a week</span></th>'
                   for label, spends in zip(table.labels, table.headers, strict=True))
    body = []
    for title, help_text, line in zip(table.titles, table.helps, table.cells, strict=True):
        cells = "".join(f'<td><span class="cx-mean">{esc(c.mean)}</span><span class="cx-small">{esc(c.runs)}</span>'
                        f'<span class="cx-small {c.verdict}">{esc(c.delta)}</span></td>' for c in line)
        body.append(f'<tr><th class="cx-kpi" title="{esc(help_text)}">{esc(title)}</th>{cells}</tr>')
    return (TABLE_STYLE + '<table class="cx-compare"><thead><tr><th class="cx-kpi">KPI at the horizon</th>'
            + head + "</tr></thead><tbody>" + "".join(body) + "</tbody></table>")


# KPI cards (the notebooks' widgets, cxsim.views.widgets); the planner page shows the table above.

@dataclass(frozen=True)
class CardKpi:
    """How a KPI appears on a card."""

    title: str
    higher_is_better: bool
    fmt: str


CARDS: dict[str, CardKpi] = {
    "customers": CardKpi("Customers won", True, "{:,.0f}"),
    "revenue": CardKpi("Revenue", True, "{:,.0f}"),
    "profit": CardKpi("Profit", True, "{:,.0f}"),
    "npv": CardKpi("NPV (discounted profit)", True, "{:,.0f}"),
    "nps": CardKpi("NPS", True, "{:,.1f}"),
    "cac": CardKpi("Ad cost per new customer (CAC)", False, "{:,.1f}"),
    "clv": CardKpi("Customer lifetime value (CLV)", True, "{:,.1f}"),
}


@dataclass(frozen=True)
class Card:
    """One KPI of one scenario, formatted for a card."""

    kpi: str
    title: str
    value: str
    interval: str
    delta: str | None
    delta_interval: str | None
    higher_is_better: bool
    help: str


def kpi_cards(comparison: Comparison, level: float = 0.9) -> dict[str, list[Card]]:
    """The KPI cards of every scenario, by label: mean, 90% range of runs, difference from the first."""
    table = comparison.table(tuple(CARDS), level)
    cards: dict[str, list[Card]] = {}
    for _, r in table.iterrows():
        spec = CARDS[r["kpi"]]
        f = spec.fmt.format
        has_delta = not pd.isna(r["diff"])
        cards.setdefault(r["scenario"], []).append(Card(
            kpi=r["kpi"], title=spec.title, value=f(r["mean"]) if not pd.isna(r["mean"]) else "-",
            interval=f"90% of runs: {f(r['lo'])} to {f(r['hi'])}" if not pd.isna(r["lo"]) else "no runs",
            delta=("+" if r["diff"] >= 0 else "") + f(r["diff"]) if has_delta else None,
            delta_interval=(f"vs {comparison.labels[0]}: 90% CI {f(r['diff_lo'])} to {f(r['diff_hi'])}"
                            if has_delta and not pd.isna(r["diff_lo"]) else None),
            higher_is_better=spec.higher_is_better, help=KPIS[r["kpi"]],
        ))
    return cards
