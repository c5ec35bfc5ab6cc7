"""The customer-experience mechanisms as the planner shows them.

Which mechanisms a scenario switches on, their levers (with published ranges
where there are any), and results broken down by segment and by service
channel. ``docs/mechanisms.md`` describes each mechanism.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxsim.compare import Comparison
from cxsim.planner import Lever
from cxsim.scenario import Scenario
from cxsim.segments import segment_table

ASSUMPTION = "no published range; a model assumption"


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
    "Closed feedback loop": (
        Lever("feedback.share", "Share of bad experiences fed back and acted on",
              "0 switches the loop off. What comes back improves service quality after a delay.",
              max_value=1.0, step=0.05, fmt="%.2f", published=ASSUMPTION),
        Lever("feedback.lag_weeks", "Weeks from feedback to a fix", "Mean delay before a fix is in place.",
              max_value=520.0, step=1.0, fmt="%.1f", published=ASSUMPTION),
        Lever("feedback.effect", "Learning from feedback",
              "How fast fixes close the gap between service quality and perfect.",
              max_value=100.0, step=0.05, fmt="%.2f", published=ASSUMPTION),
        Lever("feedback.cost_per_complaint", "Cost of handling one piece of feedback",
              "Capturing, routing and acting on one bad experience.", step=1.0, fmt="%.2f",
              published="specific to each business"),
    ),
    "Employees (with the staff modelled)": (
        Lever("employees.weekly_spend", "People investment per week (beyond wages)",
              "Pay, recognition, engagement and staff loyalty programmes. Training spend counts too.", step=100.0,
              published=ASSUMPTION),
        Lever("employees.initial_engagement", "Share of staff engaged today",
              "Engagement moves from here toward what the investment supports.", max_value=1.0, step=0.05,
              fmt="%.2f", published="about a third of US employees engaged (Gallup, 2015-2023)"),
        Lever("employees.annual_turnover", "Staff leaving per year today",
              "At today's engagement; engaged staff stay longer.", max_value=5.0, step=0.05, fmt="%.2f",
              published="contact centres often report 30–45% a year (industry surveys)"),
        Lever("employees.replacement_cost_weeks", "Cost of replacing a leaver (weeks of pay)",
              "Hiring and training a replacement.", max_value=520.0, step=1.0, fmt="%.1f",
              published="about 16–20% of annual pay for most jobs, 8–10 weeks (Boushey & Glynn 2012)"),
        Lever("employees.lag_weeks", "Weeks for engagement to follow investment",
              "Mean delay of engagement behind its target.", min_value=1.0, max_value=520.0, step=1.0, fmt="%.1f",
              published=ASSUMPTION),
        Lever("employees.quality_effect", "Service quality per unit of engagement",
              "Quality gained (0-1 scale) when engagement rises from 0 to 1.", max_value=2.0, step=0.05, fmt="%.2f",
              published="the Sears chain: +5 units employee attitude -> +1.3 units customer impression "
                        "(Rucci, Kirn & Quinn 1998)"),
    ),
    "Loyalty": (
        Lever("loyalty.rate_growth", "Rise in purchase rate of long-standing customers",
              "Fraction: 0.3 means loyal customers buy 30% more often (half of it by tenure_half_weeks).",
              max_value=10.0, step=0.05, fmt="%.2f", published=ASSUMPTION),
        Lever("loyalty.basket_growth", "Rise in spend per purchase of long-standing customers",
              "Fraction, same form as the purchase rate.", max_value=10.0, step=0.05, fmt="%.2f",
              published=ASSUMPTION),
        Lever("loyalty.enrolment", "Loyalty programme: share of new customers who join",
              "0 means no programme. Members buy more and leave less, at a running cost and rewards.",
              max_value=1.0, step=0.05, fmt="%.2f",
              published="programmes change loyalty only modestly (Sharp & Sharp 1997; Dowling & Uncles 1997)"),
        Lever("loyalty.cost_per_member_week", "Programme cost per member per week", "Running cost.",
              step=0.05, fmt="%.2f", published="specific to each business"),
    ),
    "Short-term pressure and silos": (
        Lever("pressure.handle_time_target", "Handle-time target (share of the time needed)",
              "1 means no target; 0.6 means encounters must end in 60% of the time they need: more capacity, "
              "worse encounters, and problems that call back.", min_value=0.2, max_value=1.0, step=0.05,
              fmt="%.2f", published=ASSUMPTION),
        Lever("silos.spread", "Inconsistency between touchpoints (silos)",
              "Spread of the quality each touchpoint delivers (0-1 scale): 0 when one owner runs the experience.",
              max_value=1.0, step=0.01, fmt="%.2f", published=ASSUMPTION),
        Lever("silos.inconsistency_weight", "Satisfaction lost per point of gap between touchpoints",
              "0 means customers do not mind inconsistency.", max_value=10.0, step=0.1, fmt="%.2f",
              published=ASSUMPTION),
    ),
}


def channel_levers(scenario: Scenario) -> tuple[Lever, ...]:
    """Levers of a scenario's service channels: each channel's response time and how waiting is felt."""
    if not scenario.config.channels:
        return ()
    levers = [Lever(f"channels.{name}.response_hours", f"{name}: hours to an answer",
                    f"Time the {name} channel takes to answer at normal load; it stretches when overloaded.",
                    max_value=2000.0, step=1.0, fmt="%.2f", published=ASSUMPTION)
              for name in scenario.config.channels]
    levers += [
        Lever("omnichannel.patience_hours", "Wait that costs half the wait penalty (hours)",
              "Customers' patience.", min_value=0.01, max_value=10000.0, step=1.0, fmt="%.1f", published=ASSUMPTION),
        Lever("omnichannel.forced_penalty", "Quality lost when pushed into a channel",
              "An encounter in a channel the customer did not choose.", max_value=1.0, step=0.05, fmt="%.2f",
              published=ASSUMPTION),
    ]
    return tuple(levers)


def assumptions(scenario: Scenario) -> dict[str, tuple[Lever, ...]]:
    """The mechanisms' levers for a scenario: the fixed groups, and its channels when it has any."""
    channels = channel_levers(scenario)
    return {**ASSUMPTIONS, **({"Service channels": channels} if channels else {})}


def switched_on(scenario: Scenario) -> list[str]:
    """The mechanisms a scenario switches on, in plain words."""
    cfg, on = scenario.config, []
    if cfg.channels:
        on.append(f"service channels ({', '.join(cfg.channels)})")
    if cfg.segments:
        on.append(f"segments ({', '.join(cfg.segments)})")
    if cfg.feedback.share > 0:
        on.append("closed feedback loop")
    if cfg.employees.enabled:
        on.append("staff engagement and turnover")
    if cfg.loyalty.rate_growth > 0 or cfg.loyalty.basket_growth > 0 or cfg.loyalty.basket_satisfaction > 0:
        on.append("loyalty growing with tenure")
    if cfg.loyalty.enrolment > 0:
        on.append("loyalty programme")
    if cfg.pressure.handle_time_target < 1:
        on.append("handle-time target")
    if cfg.silos.spread > 0 or cfg.silos.inconsistency_weight > 0:
        on.append("silos")
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
                         "quality (0-1)": t[f"quality_{name}"].mean()})
    return pd.DataFrame(rows, columns=["scenario", "channel", "encounters a week", "load", "hours to an answer",
                                       "quality (0-1)"])
