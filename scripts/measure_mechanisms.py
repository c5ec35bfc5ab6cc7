"""Measure what each customer-experience mechanism does, for docs/mechanisms.md.

Runs every mechanism's scenario file (scenarios/) at its own size, base against
variants, with common random numbers, and prints Markdown: paired differences
of the KPIs with 90% confidence intervals, and each mechanism's own measures
(lag, payoff, channel waits, segment breakdown).

    .venv/bin/python scripts/measure_mechanisms.py [--replications 20] [--seed 0] [--out FILE]

``python scripts/docs.py write`` writes its default run to docs/generated/mechanisms-measured.md,
and ``scripts/docs.py check`` (tests/test_docs.py) fails when that page differs from what the files give.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cxsim  # noqa: E402
from cxsim import paired_difference  # noqa: E402
from cxsim.model.effects import break_even_week, half_effect_week  # noqa: E402
from cxsim.model.segments import segment_table  # noqa: E402

FILES = ("channels", "segments", "feedback_loop", "service_profit_chain", "loyalty", "pressure", "silos")
KPIS = ("customers", "revenue", "profit", "satisfaction", "nps")
CONTRASTS = {  # more variants than the files hold: the mechanism switched off
    "loyalty": {"growth switched off": {"loyalty.rate_growth": 0.0, "loyalty.basket_growth": 0.0,
                                        "loyalty.basket_satisfaction": 0.0}},
}


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}"


def kpi_table(base: cxsim.Results, others: dict[str, cxsim.Results]) -> str:
    """Markdown: the base's KPIs and each variant's paired difference with its 90% CI."""
    rows = ["| scenario | " + " | ".join(KPIS) + " |", "|---" * (len(KPIS) + 1) + "|"]
    rows.append(f"| {base.scenario_name} (base) | "
                + " | ".join(_fmt(base.summary()[k].mean()) for k in KPIS) + " |")
    for name, res in others.items():
        cells = []
        for k in KPIS:
            d, lo, hi = paired_difference(base, res, k)
            cells.append(f"{'+' if d >= 0 else ''}{_fmt(d)} ({_fmt(lo)} to {_fmt(hi)})")
        rows.append(f"| {name} − base | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def weekly(res: cxsim.Results, column: str, steps: list[int]) -> str:
    mean = res.timeseries.groupby("step")[column].mean()
    return ", ".join(f"week {s}: {mean.get(s, np.nan):.3f}" for s in steps)


def extras(name: str, base: cxsim.Results, others: dict[str, cxsim.Results]) -> list[str]:
    """Each mechanism's own measures."""
    weeks = base.timeseries["step"].max()
    marks = [0, 13, 26, 52, int(weeks)]
    out = []
    if name == "channels":
        for label, res in {base.scenario_name: base, **others}.items():
            t = res.timeseries[res.timeseries["step"] >= 13]
            cells = [f"{ch}: wait {t[f'wait_hours_{ch}'].mean():.1f} h, quality {t[f'quality_{ch}'].mean():.2f}, "
                     f"load {t[f'load_{ch}'].mean():.2f}" for ch in ("phone", "email", "chat")]
            out.append(f"- {label} (weeks 13-{weeks}): " + "; ".join(cells))
    elif name == "segments":
        table = segment_table(base.by_segment())
        wide = table.pivot(index="segment", columns="kpi", values="mean")
        cols = ["people", "conversion", "purchases_per_customer", "revenue_per_customer", "satisfaction", "nps"]
        out.append("| segment | " + " | ".join(cols) + " |")
        out.append("|---" * (len(cols) + 1) + "|")
        for seg, row in wide[cols].iterrows():
            out.append(f"| {seg} | " + " | ".join(_fmt(row[c]) for c in cols) + " |")
    elif name == "feedback_loop":
        off = others["no loop"]
        out.append(f"- feedback lift (share of the quality gap closed): {weekly(base, 'feedback_lift', marks)}")
        out.append(f"- lag: the service-quality gain over no loop reaches half its horizon value in week "
                   f"{half_effect_week(off, base, 'service_quality')}")
        be = break_even_week(off, base)
        out.append(f"- payoff: cumulative profit with the loop stays above no loop from week {be}"
                   if be is not None else "- payoff: the loop does not pay back within the horizon")
        out.append(f"- cost of the loop over the horizon: "
                   f"{base.timeseries.groupby('replication')['feedback_cost'].sum().mean():,.0f}")
    elif name == "service_profit_chain":
        invest = others["invest in people"]
        out.append(f"- engagement, staff as today: {weekly(base, 'engagement', marks)}")
        out.append(f"- engagement, invest in people: {weekly(invest, 'engagement', marks)}")
        out.append(f"- weekly staff turnover, invest in people: {weekly(invest, 'staff_turnover', marks)}")
        out.append(f"- lag: the engagement gain reaches half its horizon value in week "
                   f"{half_effect_week(base, invest, 'engagement')}; the service-quality gain in week "
                   f"{half_effect_week(base, invest, 'service_quality')}")
        for label, res in (("staff as today", base), ("invest in people", invest)):
            out.append(f"- turnover cost over the horizon, {label}: "
                       f"{res.timeseries.groupby('replication')['turnover_cost'].sum().mean():,.0f}")
    elif name == "loyalty":
        for label, res in {base.scenario_name: base, **others}.items():
            t = res.timeseries.groupby("replication")[["revenue", "purchases", "loyalty_cost"]].sum().mean()
            out.append(f"- {label}: spend per purchase {t['revenue'] / t['purchases']:.2f} (price 60), "
                       f"programme cost {t['loyalty_cost']:,.0f}")
    elif name == "pressure":
        for label, res in {base.scenario_name: base, **others}.items():
            t = res.timeseries[res.timeseries["step"] >= 13]
            out.append(f"- {label} (weeks 13-{weeks}): service load {t['service_load'].mean():.2f}, "
                       f"service quality {t['service_quality'].mean():.3f}")
    elif name == "silos":
        for label, res in {base.scenario_name: base, **others}.items():
            t = res.timeseries.groupby("replication")[["bad_experiences", "purchases"]].sum().mean()
            out.append(f"- {label}: {t['bad_experiences'] / t['purchases']:.1%} of experiences scored 0-6")
    return out


HEADER = ("<!-- Generated by `python scripts/docs.py write` (scripts/measure_mechanisms.py) from the scenario files; "
          "edits here are overwritten. -->\n\n")


def measured(replications: int = 20, seed: int = 0) -> str:
    """Markdown: every mechanism's file, base against its variants, paired by seed."""
    parts = [f"Measured with `scripts/measure_mechanisms.py` ({replications} replications, seed {seed}, "
             "fast engine, each file at its own size). Differences are paired by seed, with 90% confidence "
             "intervals.", ""]
    for name in FILES:
        base_sc = cxsim.load_scenario(ROOT / "scenarios" / f"{name}.toml")
        keep = name == "segments"
        print(f"{name} ...", file=sys.stderr, flush=True)
        base = cxsim.simulate(base_sc, replications, seed, keep_customers=keep)
        variants = {v: base_sc.with_variant(v) for v in base_sc.variants}
        variants.update({label: base_sc.with_overrides(over) for label, over in CONTRASTS.get(name, {}).items()})
        others = {v: cxsim.simulate(sc, replications, seed, keep_customers=keep)
                  for v, sc in variants.items()}
        parts += [f"### {name}", "", kpi_table(base, others), "", *extras(name, base, others), ""]
    return "\n".join(parts).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", "-r", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="also write the Markdown here")
    args = parser.parse_args(argv)
    text = measured(args.replications, args.seed)
    print(text, end="")
    if args.out:
        args.out.write_text(HEADER + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
