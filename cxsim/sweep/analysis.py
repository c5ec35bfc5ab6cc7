"""Sensitivity indices of a finished sweep: which parameters move which KPI, and how much.

The method follows the design: Sobol first-order and total indices (S1, ST,
with bootstrap confidence intervals) for a Sobol design; Morris elementary
effects (mu*, sigma) for a Morris design; RBD-FAST first-order indices for a
Latin hypercube; exact main and total effects (an analysis of variance) for a
full grid. Each uses the mean of a KPI over a point's replications, on the
unit hypercube, so parameters in different units compare. A "chance" share
says how much of the KPI's spread across runs is run-to-run luck, not parameters.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxsim.core.errors import UserError
from cxsim.core.formatting import number
from cxsim.sweep.design import UNIT, problem
from cxsim.sweep.spec import SweepSpec

METHODS = {"sobol": "sobol", "morris": "morris", "lhs": "rbd-fast", "grid": "anova"}
COLUMNS = {  # the indices each method gives, in display order
    "sobol": ["S1", "S1_conf", "ST", "ST_conf"],
    "morris": ["mu_star", "mu_star_conf", "sigma", "mu"],
    "rbd-fast": ["S1", "S1_conf"],
    "anova": ["S1", "ST"],
}
RANK_BY = {"sobol": "ST", "morris": "mu_star", "rbd-fast": "S1", "anova": "ST"}
CONF_LEVEL = 0.95
RESAMPLES = 200


@dataclass
class Sensitivity:
    """Sensitivity indices of a sweep.

    Attributes:
        method: ``sobol``, ``morris``, ``rbd-fast`` or ``anova``.
        table: one row per (variant, kpi, parameter) with the method's indices.
        chance: one row per (variant, kpi): share of the variance of runs within points.
        notes: KPIs left out, and why.
    """

    method: str
    table: pd.DataFrame
    chance: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def ranking(self, variant: str, kpi: str) -> pd.DataFrame:
        """The parameters of one KPI, most influential first."""
        rows = self.table[(self.table["variant"] == variant) & (self.table["kpi"] == kpi)]
        return rows.sort_values(RANK_BY[self.method], ascending=False)

    def uncertain(self, variant: str, kpi: str) -> bool:
        """Whether an index of the top-ranked parameter has a confidence interval wider than the index."""
        ranked = self.ranking(variant, kpi)
        if ranked.empty:
            return False
        top = ranked.iloc[0]
        pairs = [(c[:-5], c) for c in COLUMNS[self.method] if c.endswith("_conf")]
        return any(pd.notna(top[conf]) and top[conf] > abs(top[key]) for key, conf in pairs)


def point_means(results: pd.DataFrame, kpi: str, versus: tuple[str, str] | None = None) -> dict[str, pd.Series]:
    """Mean of a KPI over replications at each point, per variant (and of the paired difference)."""
    out = {str(v): g.groupby("point")[kpi].mean() for v, g in results.groupby("variant", sort=False)}
    if versus:
        a, b = versus
        out[f"{b} - {a}"] = paired(results, kpi, a, b).groupby("point")["diff"].mean()
    return out


def paired(results: pd.DataFrame, kpi: str, a: str, b: str) -> pd.DataFrame:
    """Per (point, replication): the KPI under ``b`` minus under ``a`` (same random numbers)."""
    left = results[results["variant"] == a].set_index(["point", "replication"])[kpi]
    right = results[results["variant"] == b].set_index(["point", "replication"])[kpi]
    return (right - left).dropna().rename("diff").reset_index()


def _grid_effects(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Main (S1) and total (ST) effects on a full factorial grid, by exact variance decomposition."""
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])]).assign(y=y)
    total = frame["y"].var(ddof=0)
    s1, st = [], []
    for i in range(x.shape[1]):
        col, others = f"x{i}", [f"x{j}" for j in range(x.shape[1]) if j != i]
        s1.append(frame.groupby(col)["y"].mean().var(ddof=0) / total)
        within = frame.groupby(others)["y"].var(ddof=0).mean() if others else frame["y"].var(ddof=0)
        st.append(within / total)
    return np.array(s1), np.array(st)


def indices(method: str, spec: SweepSpec, x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """One KPI's indices for every parameter (``x``: unit design; ``y``: one value per point)."""
    prob, seed, d = problem(spec), spec.file.sweep.seed, spec.file.design
    if method == "sobol":
        from SALib.analyze import sobol
        res = sobol.analyze(prob, y, calc_second_order=d.second_order, num_resamples=RESAMPLES,
                            conf_level=CONF_LEVEL, seed=seed)
    elif method == "morris":
        from SALib.analyze import morris
        res = morris.analyze(prob, x, y, num_resamples=RESAMPLES, conf_level=CONF_LEVEL, num_levels=d.levels,
                             seed=seed)
    elif method == "rbd-fast":
        from SALib.analyze import rbd_fast
        res = rbd_fast.analyze(prob, x, y, num_resamples=RESAMPLES, conf_level=CONF_LEVEL, seed=seed)
    else:
        s1, st = _grid_effects(x, y)
        res = {"S1": s1, "ST": st}
    return {k: np.asarray(res[k], dtype=float) for k in COLUMNS[method]}


def sensitivity(results: pd.DataFrame, design: pd.DataFrame, spec: SweepSpec, kpis: Sequence[str] | None = None,
                versus: tuple[str, str] | None = None) -> Sensitivity:
    """Sensitivity indices of every KPI (and variant) of a finished sweep.

    Args:
        results: one row per run (``load_results``).
        design: the design points (``load_design``).
        spec: the sweep.
        kpis: which KPIs (default: every KPI the sweep kept).
        versus: two variants (a, b): also analyse the paired difference b - a.

    Raises:
        UserError: some points have no finished run (the indices need every point).
    """
    method = METHODS[spec.file.design.kind]
    kpis = list(kpis or spec.file.outputs.kpis)
    unknown = [k for k in kpis if k not in results.columns]
    if unknown:
        raise UserError(f"--kpi: expected KPIs this sweep kept ({', '.join(spec.file.outputs.kpis)}), "
                        f"got {', '.join(unknown)}")
    missing = set(design["point"]) - set(results["point"])
    if missing:
        raise UserError(f"{len(missing)} of {len(design)} design points have no finished run (the sweep is "
                        "unfinished or runs failed); the indices need every point: finish the sweep first")
    x = design.sort_values("point")[[UNIT + n for n in spec.parameters]].to_numpy()
    rows, chance, notes = [], [], []
    failed: dict[str, list[str]] = {}
    for kpi in kpis:
        for variant, y in point_means(results, kpi, versus).items():
            y = y.reindex(design["point"].sort_values()).to_numpy(dtype=float)
            where = f"{kpi} ({variant})"
            if np.isnan(y).any():
                notes.append(f"{where}: left out, {int(np.isnan(y).sum())} points have no value "
                             "(e.g. no new customers, so no acquisition cost)")
                continue
            if np.ptp(y) == 0:
                notes.append(f"{where}: left out, it takes the same value at every point")
                continue
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    found = indices(method, spec, x, y)
            except (ValueError, ZeroDivisionError, FloatingPointError) as exc:
                failed.setdefault(_plain_failure(exc), []).append(where)
                continue
            for j, name in enumerate(spec.parameters):
                rows.append({"variant": variant, "kpi": kpi, "parameter": name,
                             **{k: float(v[j]) for k, v in found.items()}})
        chance.extend(_chance(results, kpi))
    design_size = f"{len(design)} points for {len(spec.parameters)} parameters"
    for reason, where in failed.items():
        notes.append(f"{method} cannot be computed on this design ({design_size}): {reason}; no indices for "
                     f"{', '.join(where)}.")
    table = pd.DataFrame(rows, columns=["variant", "kpi", "parameter", *COLUMNS[method]])
    result = Sensitivity(method, table, pd.DataFrame(chance, columns=["variant", "kpi", "chance"]), notes)
    vague = [f"{k} ({v})" for v, k in table[["variant", "kpi"]].drop_duplicates().itertuples(index=False)
             if result.uncertain(v, k)]
    if vague:
        notes.append(f"{', '.join(vague)}: the top parameter has an index whose {CONF_LEVEL:.0%} interval is wider "
                     f"than the index; with {design_size} the indices cannot be told apart from 0 (negative values "
                     "are noise). Run more points to rank the parameters.")
    return result


def _plain_failure(exc: Exception) -> str:
    """Why a method failed, in words (a division by zero means too few points for it)."""
    if isinstance(exc, ZeroDivisionError | FloatingPointError) or "division by zero" in str(exc):
        return "too few points for the method (use a design with many more points, e.g. 100 or more)"
    return str(exc)


def _chance(results: pd.DataFrame, kpi: str) -> list[dict]:
    """Share of the variance of a KPI over runs that lies within points (replications' luck)."""
    out = []
    for variant, g in results.groupby("variant", sort=False):
        values = g[kpi].dropna()
        if g["replication"].nunique() < 2 or values.var() == 0 or len(values) < 3:
            continue
        within = g.groupby("point")[kpi].var().mean()
        out.append({"variant": str(variant), "kpi": kpi, "chance": float(min(1.0, within / values.var()))})
    return out


def _fmt(value: float, conf: float | None = None) -> str:
    if pd.isna(value):
        return "-"
    text = number(value, whole_from=100)
    if conf is not None and not pd.isna(conf):
        text += f" ± {number(conf, whole_from=100, figures=2)}"
    return text


def display(result: Sensitivity, variant: str, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """One variant's indices as text: a row per (KPI, parameter), most influential first."""
    labels = labels or {}
    out = []
    for kpi in dict.fromkeys(result.table["kpi"]):
        for _, r in result.ranking(variant, kpi).iterrows():
            row = {"kpi": kpi, "parameter": labels.get(r["parameter"], r["parameter"])}
            row.update({c: _fmt(r[c], r.get(f"{c}_conf")) for c in COLUMNS[result.method] if not c.endswith("_conf")})
            out.append(row)
    return pd.DataFrame(out).set_index(["kpi", "parameter"]) if out else pd.DataFrame()


def headline(result: Sensitivity, variant: str, kpi: str, labels: dict[str, str] | None = None) -> str:
    """One sentence: what moves a KPI most."""
    labels = labels or {}
    ranked = result.ranking(variant, kpi)
    if ranked.empty:
        return f"{kpi}: no indices."
    key = RANK_BY[result.method]
    if result.uncertain(variant, kpi):
        r = ranked.iloc[0]
        shown = "; ".join(f"{c[:-5]} {_fmt(r[c[:-5]], r[c])}" for c in COLUMNS[result.method] if c.endswith("_conf"))
        return (f"{kpi}: this design is too small to say what moves it; even the top parameter, "
                f"{labels.get(r['parameter'], r['parameter'])} ({shown}), has an index whose interval is wider "
                "than the index.")
    top = [f"{labels.get(r['parameter'], r['parameter'])} ({key} {_fmt(r[key])})" for _, r in ranked.head(2).iterrows()]
    text = f"{kpi} moves most with {top[0]}" + (f", then {top[1]}" if len(top) > 1 else "")
    c = result.chance[(result.chance["variant"] == variant) & (result.chance["kpi"] == kpi)]
    if not c.empty:
        share = c["chance"].iloc[0]
        text += f"; {'under 1%' if share < 0.005 else f'{share:.0%}'} of its spread over runs is chance"
    return text + "."
