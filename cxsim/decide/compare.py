"""Scenarios side by side: KPI means, intervals and paired differences from the first."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cxsim.core.formatting import money, number
from cxsim.decide.runs import run_all
from cxsim.decide.stats import LEVEL, paired_difference
from cxsim.decide.why import Decomposition, decompose
from cxsim.model.results import KPIS, Results
from cxsim.scenario import Scenario, load_scenario


def scenarios_from_files(paths: Sequence[str | Path]) -> list[Scenario]:
    """Every scenario of the files: each file's base, then its variants, in order."""
    out: list[Scenario] = []
    for path in paths:
        out.extend(load_scenario(path).all_variants())
    return out


def unique_labels(scenarios: Sequence[Scenario]) -> list[str]:
    """Labels for a list of scenarios, made unique: the file name where names repeat, then a number."""
    names = [s.name for s in scenarios]
    labels = [f"{s.name} ({Path(s.source).stem})" if names.count(s.name) > 1 else s.name for s in scenarios]
    counts = {label: labels.count(label) for label in labels}
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        if counts[label] > 1:
            seen[label] = seen.get(label, 0) + 1
            labels[i] = f"{label} #{seen[label]}"
    return labels


@dataclass
class Comparison:
    """Results of several scenarios run with the same seeds (common random numbers)."""

    labels: list[str]
    results: list[Results]
    scenarios: list[Scenario]

    def table(self, kpis: Sequence[str] = tuple(KPIS), level: float = LEVEL) -> pd.DataFrame:
        """Long table: scenario, kpi, mean, lo, hi, and diff, diff_lo, diff_hi against the first.

        ``lo``-``hi`` is the central ``level`` range of outcomes over replications;
        ``diff_lo``-``diff_hi`` is the ``level`` confidence interval of the mean
        difference, paired by replication seed.
        """
        rows = []
        reference = self.results[0]
        for label, res in zip(self.labels, self.results, strict=True):
            for kpi in kpis:
                mean, lo, hi = res.interval(kpi, level)
                diff, diff_lo, diff_hi = (math.nan,) * 3 if res is reference else paired_difference(reference, res, kpi, level)
                rows.append({"scenario": label, "kpi": kpi, "mean": mean, "lo": lo, "hi": hi,
                             "diff": diff, "diff_lo": diff_lo, "diff_hi": diff_hi})
        return pd.DataFrame(rows)

    def verdict(self, kpi: str = "value", level: float = LEVEL) -> str:
        """One sentence: which plan beats the first on ``kpi`` most, each difference with its interval."""
        if len(self.results) < 2:
            mean = self.results[0].interval(kpi, level)[0]
            return f"{self.labels[0]}: {kpi} {money(mean, self._currency)} (one plan; nothing to compare)."
        diffs = [(label, *paired_difference(self.results[0], res, kpi, level))
                 for label, res in zip(self.labels[1:], self.results[1:], strict=True)]
        diffs.sort(key=lambda d: -d[1] if np.isfinite(d[1]) else np.inf)
        c = self._currency

        def phrase(d: tuple[str, float, float, float]) -> str:
            ci = "" if not np.isfinite(d[2]) else f" ({level:.0%} CI {money(d[2], c, True)} to {money(d[3], c, True)})"
            return f"{d[0]!r} {money(d[1], c, True)}{ci}"

        best = diffs[0]
        if np.isfinite(best[2]) and best[2] > 0:
            head = f"Against {self.labels[0]!r}, {kpi} gains most with {phrase(best)}"
        elif np.isfinite(best[3]) and best[3] < 0:
            head = f"Against {self.labels[0]!r}, every plan loses {kpi}; least {phrase(best)}"
        else:
            head = f"Against {self.labels[0]!r}, no plan clearly gains {kpi}; best {phrase(best)}"
        rest = "; ".join(phrase(d) for d in diffs[1:])
        return head + (f"; {rest}" if rest else "") + "."

    def decompositions(self, level: float = LEVEL) -> dict[str, Decomposition]:
        """Each plan's value change against the first, in parts that add up to it (paired runs)."""
        return {label: decompose(self.results[0], res, level)
                for label, res in zip(self.labels[1:], self.results[1:], strict=True)}

    def why(self, kpi: str = "value", level: float = LEVEL) -> str:
        """The plan that gains most ``kpi`` against the first, its value change traced: "Why: ..."."""
        if len(self.results) < 2:
            return ""
        best = max(zip(self.labels[1:], self.results[1:], strict=True),
                   key=lambda lr: np.nan_to_num(paired_difference(self.results[0], lr[1], kpi, level)[0], nan=-np.inf))
        return decompose(self.results[0], best[1], level).sentence(self._currency, repr(best[0]))

    @property
    def _currency(self) -> str:
        return self.scenarios[0].config.economics.currency if self.scenarios else ""

    def wide(self, kpis: Sequence[str] = tuple(KPIS), level: float = LEVEL) -> pd.DataFrame:
        """The KPI means as a scenario x KPI table."""
        return self.table(kpis, level).pivot(index="scenario", columns="kpi", values="mean").loc[self.labels, list(kpis)]


def compare(scenarios: Sequence[Scenario], replications: int = 20, seed: int = 0, engine: str = "fast",
            progress: Callable[[int], None] | None = None, keep_customers: bool = False,
            workers: int = 1) -> Comparison:
    """Run every scenario with the same seed so replications are paired across scenarios.

    Args:
        scenarios: the scenarios, the first being the reference for differences.
        replications: runs per scenario.
        seed: master seed shared by all scenarios (common random numbers).
        engine: ``"fast"`` or ``"agents"``.
        progress: called with the number of replications just finished.
        keep_customers: keep each customer's final state in the results.
        workers: processes running scenarios side by side (at most one per scenario, see
            :mod:`cxsim.decide.runs`); 1 (the default, safe inside threaded hosts such as an app) runs everything
            in this process. The numbers do not depend on it.
    """
    runs = run_all(scenarios, replications, seed, engine, keep_customers, workers, progress)
    results = [plan[0] for plan in runs]
    return Comparison(unique_labels(scenarios), results, list(scenarios))


def display_table(table: pd.DataFrame, what: str = "both") -> pd.DataFrame:
    """KPI x scenario table of strings from ``Comparison.table``.

    Args:
        what: ``"mean"`` for ``mean [lo, hi]``, ``"diff"`` for ``diff [lo, hi]`` against the
            first scenario, ``"both"`` for the two on two lines.
    """
    cells: dict[str, dict[str, str]] = {}
    for _, r in table.iterrows():
        mean = f"{number(r['mean'])} [{number(r['lo'])}, {number(r['hi'])}]"
        diff = "" if pd.isna(r["diff"]) else (
            f"{'+' if r['diff'] >= 0 else ''}{number(r['diff'])} [{number(r['diff_lo'])}, {number(r['diff_hi'])}]")
        text = {"mean": mean, "diff": diff or "-", "both": mean + (f"\nΔ {diff}" if diff else "")}[what]
        cells.setdefault(r["scenario"], {})[r["kpi"]] = text
    out = pd.DataFrame(cells).loc[list(dict.fromkeys(table["kpi"]))]
    return out.iloc[:, 1:] if what == "diff" else out


def value_split(table: pd.DataFrame, weeks: int, currency: str = "", level: float = LEVEL) -> str:
    """One sentence that splits ``value`` into NPV within the horizon and the terminal value beyond it.

    For the plan that gains most value against the first (or for the only plan): what part
    of the answer is earned within the ``weeks`` simulated and what part is the customer
    base valued after them, each with its interval.
    """
    rows = table.set_index(["scenario", "kpi"])
    plans = list(dict.fromkeys(table["scenario"]))
    if not {"value", "npv", "terminal_value"} <= set(table["kpi"]):
        return ""
    if len(plans) == 1:
        v, n, t = (rows.loc[(plans[0], k), "mean"] for k in ("value", "npv", "terminal_value"))
        share = f" ({t / v:.0%} of it)" if v > 0 and t >= 0 else ""
        return (f"Value {money(v, currency)} = NPV over the {weeks} weeks {money(n, currency)} + the value after "
                f"them, the plan continued, {money(t, currency)}{share}.")
    best = max(plans[1:], key=lambda p: rows.loc[(p, "value"), "diff"])

    def part(kpi: str) -> str:
        r = rows.loc[(best, kpi)]
        return (f"{money(r['diff'], currency, True)} ({level:.0%} CI {money(r['diff_lo'], currency, True)} to "
                f"{money(r['diff_hi'], currency, True)})")

    return (f"Of the value {best!r} gains ({money(rows.loc[(best, 'value'), 'diff'], currency, True)}), NPV over the "
            f"{weeks} weeks is {part('npv')} and the value after them, the plan continued, {part('terminal_value')}.")


def fit_width(table: pd.DataFrame, width: int = 100) -> str:
    """A table as text no wider than ``width``: its columns in as many blocks, one under another, as it takes.

    Every cell is kept; the row labels repeat in each block (a single column wider than
    ``width`` stands alone).
    """
    blocks: list[list] = []
    for column in table.columns:
        trial = (blocks[-1] if blocks else []) + [column]
        if blocks and max(map(len, table[trial].to_string().splitlines())) <= width:
            blocks[-1] = trial
        else:
            blocks.append([column])
    return "\n\n".join(table[cols].to_string() for cols in blocks)
