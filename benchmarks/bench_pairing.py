"""How much common random numbers help: paired against unpaired standard errors of a plan's effect.

On ``scenarios/people_vs_ads.toml`` (20 replications), the standard error of the
NPV difference "plan - base" is computed twice: paired (both plans on seed 0, so
replication r of each shares its market and every person's dice) and unpaired
(the plan on another seed). The ratio paired / unpaired is what common random
numbers save: the replications needed for one precision scale with its square.
Prints a Markdown table and writes it to ``benchmarks/results-pairing.md``.

Run: ``.venv/bin/python benchmarks/bench_pairing.py [--replications 20]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cxsim  # noqa: E402

FLAGSHIP = ROOT / "scenarios" / "people_vs_ads.toml"


def standard_errors(base: cxsim.Scenario, plan: cxsim.Scenario, replications: int, kpi: str = "npv"
                    ) -> tuple[float, float, float]:
    """Mean difference of ``kpi``, its paired SE (same seed) and its unpaired SE (the plan on another seed)."""
    b = cxsim.simulate(base, replications, seed=0, keep_customers=False).summary()[kpi].to_numpy()
    same = cxsim.simulate(plan, replications, seed=0, keep_customers=False).summary()[kpi].to_numpy()
    other = cxsim.simulate(plan, replications, seed=1, keep_customers=False).summary()[kpi].to_numpy()
    paired = (same - b).std(ddof=1) / np.sqrt(replications)
    unpaired = np.sqrt(b.var(ddof=1) / replications + other.var(ddof=1) / replications)
    return float((same - b).mean()), float(paired), float(unpaired)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    args = parser.parse_args()
    base = cxsim.load_scenario(FLAGSHIP)
    plans = {
        "more people": base.with_variant("more people"),
        "more ads": base.with_variant("more ads"),
        "+10% ad spend": base.with_overrides({"advertising.weekly_spend": base["advertising.weekly_spend"] * 1.1}),
    }
    lines = [f"`scenarios/people_vs_ads.toml`, {args.replications} replications, NPV difference plan - base.", "",
             "| plan | mean difference | paired SE (same seed) | unpaired SE (other seed) | ratio |",
             "|---|---|---|---|---|"]
    for name, plan in plans.items():
        diff, paired, unpaired = standard_errors(base, plan, args.replications)
        lines.append(f"| {name} | {diff:,.0f} | {paired:,.0f} | {unpaired:,.0f} | **{paired / unpaired:.2f}** |")
    text = "\n".join(lines)
    print(text)
    (ROOT / "benchmarks" / "results-pairing.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
