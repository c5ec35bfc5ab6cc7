"""Regenerate the worked example of `cxsim calibrate history`: scenarios/data/company_history.csv.

Two years of a company's weeks made by cxsim from documented parameters (TRUTH
below) on scenarios/data/company_base.toml, with the company's past spends
(ad campaigns four times a year, more service staff from the second year) and a
survey-like NPS (200 customers every second week). Run from the repository root:

    .venv/bin/python scripts/make_company_history.py

With ``--firm`` it makes the firm-sized example instead: scenarios/data/firm_history.csv on
scenarios/data/firm_base.toml (a million potential customers), every person simulated
(``market.scale = 1``, as a real firm's records count every customer), with the same
assumptions and the spends times 100 (ads) and 40 (staff).
"""

from __future__ import annotations

import sys
from pathlib import Path

from cxsim.calibrate.synthetic import company_history
from cxsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "scenarios" / "data" / "company_base.toml"
OUT = ROOT / "scenarios" / "data" / "company_history.csv"
FIRM_BASE = ROOT / "scenarios" / "data" / "firm_base.toml"
FIRM_OUT = ROOT / "scenarios" / "data" / "firm_history.csv"
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
FIRM_TRUTH = {**TRUTH, "advertising.half_saturation": 500_000.0}  # the firm's ads saturate at its size


def past_spends(weeks: int = 104) -> dict[str, list[float]]:
    """The company's past spends: 3,000 a week of ads with 8-week campaigns at 9,000; staff 1,800 then 2,400."""
    ads = [9_000.0 if (w % 26) in range(9, 17) else 3_000.0 for w in range(weeks)]
    staff = [1_800.0 if w < 52 else 2_400.0 for w in range(weeks)]
    return {"advertising.weekly_spend": ads, "service.weekly_spend": staff}


def firm_spends(weeks: int = 104) -> dict[str, list[float]]:
    """The firm's past spends: the company's ads times 100, its staff times 40."""
    spends = past_spends(weeks)
    return {"advertising.weekly_spend": [100 * v for v in spends["advertising.weekly_spend"]],
            "service.weekly_spend": [40 * v for v in spends["service.weekly_spend"]]}


def main() -> None:
    firm = "--firm" in sys.argv[1:]
    base_path, out, spends = (FIRM_BASE, FIRM_OUT, firm_spends()) if firm else (BASE, OUT, past_spends())
    base = load_scenario(base_path).with_overrides(spends)
    truth = FIRM_TRUTH if firm else TRUTH
    if firm:
        base = base.with_overrides({"market.scale": 1})  # a real firm's records count every customer
    frame = company_history(base, truth, seed=SEED)
    frame.to_csv(out, index=False)
    print(f"{out.relative_to(ROOT)}: {len(frame)} weeks, columns {', '.join(frame.columns)}")


if __name__ == "__main__":
    main()
