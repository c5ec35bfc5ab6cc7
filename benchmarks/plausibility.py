"""Does the baseline look like a real business? The model's outputs beside published ranges.

Runs ``scenarios/people_vs_ads.toml`` (its base, 20 replications) and prints,
for each figure, the model's value, the range it should lie in and the source
of that range. Writes the table to ``benchmarks/results-plausibility.md``.
``tests/test_plausibility.py`` asserts that every row is inside its range.

Run: ``.venv/bin/python benchmarks/plausibility.py [--replications 20]``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cxsim  # noqa: E402

FLAGSHIP = ROOT / "scenarios" / "people_vs_ads.toml"


@dataclass(frozen=True)
class Row:
    """One figure of the baseline against its published range."""

    name: str
    value: float
    low: float
    high: float
    source: str

    @property
    def inside(self) -> bool:
        return self.low <= self.value <= self.high


def plausibility(replications: int = 20, seed: int = 0) -> list[Row]:
    """The baseline's figures and their ranges."""
    sc = cxsim.load_scenario(FLAGSHIP)
    res = cxsim.simulate(sc, replications, seed=seed, keep_customers=False)
    ts = res.timeseries
    end = ts[ts["step"] == sc.weeks]
    resp = end["respondents"].to_numpy(float)
    prom, det = end["promoters"].to_numpy(float) / resp, end["detractors"].to_numpy(float) / resp
    later = ts[ts["step"] >= 13].groupby("step")[["wom_positive", "wom_negative"]].mean()
    ratio = later["wom_positive"] / later["wom_negative"]
    launch = ts[(ts["step"] >= 1) & (ts["step"] <= 13)]
    by_rep = ts[ts["step"] >= 1].groupby("replication")
    churn = (by_rep["churned"].sum() / by_rep["active"].mean() / (sc.weeks / 52)).mean()
    return [
        Row("NPS at the horizon (survey of active customers)", float(end["nps"].mean()), 0.0, 50.0,
            "most firms between 0 and +50 (Reichheld 2003; industry benchmarks)"),
        Row("promoters, share of respondents", float(prom.mean()), 0.10, 0.60, "each class a sizeable share"),
        Row("passives, share of respondents", float((1 - prom - det).mean()), 0.10, 0.60, "each class a sizeable share"),
        Row("detractors, share of respondents", float(det.mean()), 0.10, 0.60, "each class a sizeable share"),
        Row("positive : negative WOM, mean over weeks 13-104", float(ratio.mean()), 2.0, 4.0,
            "about 3:1 (East, Hammond & Wright 2007)"),
        Row("positive : negative WOM, lowest week 13-104", float(ratio.min()), 1.5, np.inf,
            "never near parity in a healthy business (East, Hammond & Wright 2007)"),
        Row("service level at launch (weeks 1-13, share within 20 s)", float(launch["service_level"].mean()), 0.70,
            1.0, "near or above the common target of 80% within 20 s (Gans, Koole & Mandelbaum 2003): the "
            "flagship staffs one agent for it at launch, and whole agents at a low load answer more"),
        Row("annual churn of active customers", float(churn), 0.10, 0.60,
            "an assumption: consumer repeat-purchase markets lose 10-60% of active customers a year"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    args = parser.parse_args()
    rows = plausibility(args.replications)
    lines = ["| figure (baseline of people_vs_ads.toml) | model | range | source | inside |", "|---|---|---|---|---|"]
    for r in rows:
        high = "" if np.isinf(r.high) else f"{r.high:g}"
        lines.append(f"| {r.name} | {r.value:.3g} | {r.low:g} to {high} | {r.source} | {'yes' if r.inside else 'NO'} |")
    text = "\n".join(lines)
    print(text)
    (ROOT / "benchmarks" / "results-plausibility.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
