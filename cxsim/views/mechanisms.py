"""The customer-experience mechanisms as the planner shows them.

Which mechanisms a scenario switches on, their levers (with published ranges
where there are any), and results broken down by segment and by service
channel. ``docs/mechanisms.md`` describes each mechanism.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxsim.decide.compare import Comparison
from cxsim.model.levers import Lever
from cxsim.model.mechanisms import CORE, MODULES
from cxsim.model.mechanisms.channels import Channels
from cxsim.model.segments import segment_table
from cxsim.scenario import Scenario


@dataclass(frozen=True)
class Toggle:
    """A yes/no scenario field as the page shows it."""

    key: str
    label: str
    help: str


TOGGLES: tuple[Toggle, ...] = (
    Toggle("employees.enabled", "Model the staff (engagement, turnover, new hires)",
           "The service-profit chain: people investment moves engagement with a lag; engaged staff give better "
           "service and stay; leavers cost money and their replacements are still learning."),
)

ASSUMPTIONS: dict[str, tuple[Lever, ...]] = {
    module.levers_title: module.levers for module in MODULES if module.levers and module is not Channels}


def assumptions(scenario: Scenario) -> dict[str, tuple[Lever, ...]]:
    """The mechanisms' levers for a scenario: the fixed groups, and its channels when it has any."""
    channels = Channels.levers_for(scenario.config)
    return {**ASSUMPTIONS, **({"Service channels": channels} if channels else {})}


def switched_on(scenario: Scenario) -> list[str]:
    """The mechanisms a scenario switches on, in plain words (segments, then the modules in their order)."""
    cfg = scenario.config
    on = [f"segments ({', '.join(cfg.segments)})"] if cfg.segments else []
    for module in MODULES:
        if module not in CORE and module.switched_on(cfg):
            on.append(module(cfg, 1).describe())
    return on


SEGMENT_COLUMNS = {"people": "people", "conversion": "share won", "customers": "customers won",
                   "revenue_per_customer": "revenue per customer", "purchases_per_customer": "purchases per customer",
                   "repeat_share": "repeat share", "satisfaction": "satisfaction", "nps": "NPS"}


def segment_summary(comparison: Comparison) -> pd.DataFrame:
    """Every scenario's segments side by side: the mean over runs of each segment KPI.

    Returns:
        One row per scenario and segment: scenario, segment and the columns of ``SEGMENT_COLUMNS``.
    """
    parts = []
    for label, res in zip(comparison.labels, comparison.results, strict=True):
        wide = segment_table(res.by_segment()).pivot(index="segment", columns="kpi", values="mean")
        wide = wide[list(SEGMENT_COLUMNS)].rename(columns=SEGMENT_COLUMNS).reset_index()
        wide.columns.name = None
        parts.append(wide.assign(segment=wide["segment"].astype(str)).assign(scenario=label))
    out = pd.concat(parts, ignore_index=True)
    return out[["scenario", "segment", *SEGMENT_COLUMNS.values()]]


def channel_summary(comparison: Comparison, from_week: int = 13) -> pd.DataFrame:
    """Every scenario's service channels: weekly encounters, load, wait and quality, averaged from ``from_week``.

    Returns:
        One row per scenario and channel (none when no scenario has channels).
    """
    rows = []
    for label, res, sc in zip(comparison.labels, comparison.results, comparison.scenarios, strict=True):
        t = res.timeseries[res.timeseries["step"] >= min(from_week, res.timeseries["step"].max())]
        for name in sc.config.channels:
            rows.append({"scenario": label, "channel": name,
                         "encounters a week": t[f"encounters_{name}"].mean(),
                         "load": t[f"load_{name}"].mean(),
                         "hours to an answer": t[f"wait_hours_{name}"].replace(np.inf, np.nan).mean(),
                         "service level": (t[f"service_level_{name}"].mean() if f"service_level_{name}" in t
                                           else np.nan),
                         "quality (0-1)": t[f"quality_{name}"].mean()})
    return pd.DataFrame(rows, columns=["scenario", "channel", "encounters a week", "load", "hours to an answer",
                                       "service level", "quality (0-1)"])
