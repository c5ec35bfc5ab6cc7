"""Regenerate the worked example of `cxsim calibrate history`: scenarios/data/company_history.csv.

Two years of a company's weeks made by cxsim from documented parameters (TRUTH
below) on scenarios/data/company_base.toml, with the company's past spends
(ad campaigns four times a year, more service staff from the second year) and a
survey-like NPS (200 customers every second week). Run from the repository root:

    .venv/bin/python scripts/make_company_history.py
"""

from __future__ import annotations

from pathlib import Path

from cxsim.calibrate.synthetic import company_history
from cxsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "data" / "company_base.toml"
OUT = ROOT / "scenarios" / "data" / "company_history.csv"
SEED = 2024

# The parameters the history was made with: what calibration should recover (within its intervals).
TRUTH = {
    "advertising.half_saturation": 5_000.0,      # ads saturate earlier than the default 8,000
    "advertising.max_awareness_rate": 0.03,
    "wom.awareness_effect": 0.25,
    "service.need_probability": 0.3,
    "satisfaction.disconfirmation_weight": 1.2,
    "repeat.dropout_sensitivity": 0.5,
}
FIT = list(TRUTH)


def past_spends(weeks: int = 104) -> dict[str, list[float]]:
    """The company's past spends: 3,000 a week of ads with 8-week campaigns at 9,000; staff 1,800 then 2,400."""
    ads = [9_000.0 if (w % 26) in range(9, 17) else 3_000.0 for w in range(weeks)]
    staff = [1_800.0 if w < 52 else 2_400.0 for w in range(weeks)]
    return {"advertising.weekly_spend": ads, "service.weekly_spend": staff}


def main() -> None:
    base = load_scenario(BASE).with_overrides(past_spends())
    frame = company_history(base, TRUTH, seed=SEED)
    frame.to_csv(OUT, index=False)
    print(f"{OUT.relative_to(ROOT)}: {len(frame)} weeks, columns {', '.join(frame.columns)}")


if __name__ == "__main__":
    main()
