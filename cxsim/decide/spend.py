"""What a plan spends, lever by lever: the spend levers of a scenario, moved, read and described.

A spend lever is weekly money the plan decides: ads, service staff, training, the
people programme (with the staff modelled) and each service channel's staff (with
channels). ``advise`` moves each by a step; the planner and the report describe
every plan from these, so a plan's label always matches what it spends.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cxsim.core.formatting import money
from cxsim.model.response import mean_spend
from cxsim.scenario import Scenario
from cxsim.scenario.schema import SPEND_KEYS


@dataclass(frozen=True)
class SpendLever:
    """One weekly spend a plan decides.

    Attributes:
        name: short plain name ("ads", "service staff", "phone staff").
        key: the scenario key it reads (for a channel: the staff budget it shares).
        read: the lever's weekly spend in a scenario.
        moved: overrides that add ``delta`` a week to the lever (``None`` when it would go below 0).
        channel: the channel whose staff it is (``None`` for a lever that is one scenario key).
    """

    name: str
    key: str
    read: Callable[[Scenario], float]
    moved: Callable[[Scenario, float], dict[str, Any] | None]
    channel: str | None = None

    @property
    def lever(self) -> str:
        """The lever's own key: its scenario key, or ``channels.NAME`` for a channel's staff."""
        return f"channels.{self.channel}" if self.channel else self.key


FIELDS = dict(zip(("ads", "service staff", "training", "people programme"), SPEND_KEYS, strict=True))
"""The spend levers that are one scenario key each (the schema's spends), by plain name (a channel's staff is the
other kind)."""
ALIASES = {"staff": "service staff", "people": "people programme"}
CHANNEL = re.compile(r"channels\.([a-z][a-z0-9_]{0,31})")


def lever_name(key: str) -> str:
    """A lever's plain name from its key: "ads", "training", "phone staff"."""
    match = CHANNEL.fullmatch(key)
    names = {k: name for name, k in FIELDS.items()}
    return f"{match.group(1)} staff" if match else names.get(key, key)


def lever_key(name: str) -> str:
    """A lever's key from a plain name ("ads", "staff", "people") or its key; anything else as given."""
    name = name.strip()
    plain = ALIASES.get(name.lower(), name.lower())
    return FIELDS.get(plain, name)


def _shifted(value: float | list[float], delta: float) -> float | list[float] | None:
    """A weekly spend (constant or schedule) moved by ``delta`` every week; ``None`` below zero."""
    if isinstance(value, list):
        moved = [v + delta for v in value]
        return None if min(moved) < 0 else moved
    return None if value + delta < 0 else value + delta


def _field(key: str) -> tuple[Callable[[Scenario], float], Callable[[Scenario, float], dict[str, Any] | None]]:
    def read(s: Scenario) -> float:
        return mean_spend(s[key], s.weeks)

    def moved(s: Scenario, delta: float) -> dict[str, Any] | None:
        value = _shifted(s[key], delta)
        return None if value is None else {key: value}
    return read, moved


def _channel(name: str) -> SpendLever:
    """A channel's staff: its share of the staff budget, moved by adding money to that channel only.

    With a staff schedule the shares are taken from the mean weekly staff budget.
    """
    def read(s: Scenario) -> float:
        return mean_spend(s.config.service.weekly_spend, s.weeks) * s.config.channels[name].staff_share

    def moved(s: Scenario, delta: float) -> dict[str, Any] | None:
        total = mean_spend(s.config.service.weekly_spend, s.weeks)
        own = {c: total * ch.staff_share for c, ch in s.config.channels.items()}
        own[name] += delta
        new_total = total + delta
        staff = _shifted(s.config.service.weekly_spend, delta)
        if own[name] < 0 or new_total <= 0 or staff is None:
            return None
        shares = {c: v / new_total for c, v in own.items()}
        shares[name] = 1.0 - sum(v for c, v in shares.items() if c != name)  # sums to 1 exactly
        return {"service.weekly_spend": staff, **{f"channels.{c}.staff_share": v for c, v in shares.items()}}
    return SpendLever(f"{name} staff", "service.weekly_spend", read, moved, channel=name)


def spend_levers(scenario: Scenario) -> list[SpendLever]:
    """Every spend lever the scenario has: ads, service staff, training, people programme, channels' staff."""
    names = [name for name in FIELDS if name != "people programme" or scenario.config.employees.enabled]
    levers = [SpendLever(name, FIELDS[name], *_field(FIELDS[name])) for name in names]
    levers += [_channel(name) for name in scenario.config.channels]
    return levers


def plan_spends(scenario: Scenario) -> dict[str, float]:
    """The plan's weekly spend on each of its spend levers, by name (an ad schedule as its mean).

    A channel's staff is part of the service staff budget, so it is not counted again.
    """
    return {lever.name: lever.read(scenario) for lever in spend_levers(scenario)
            if lever.key != "service.weekly_spend" or lever.name == "service staff"}


def describe_plan(scenario: Scenario) -> str:
    """The plan in one line from its own spends: "ads $5,500 a week, service staff $2,000, training $0"."""
    currency = scenario.config.economics.currency
    parts = [f"{name} {money(value, currency)}" for name, value in plan_spends(scenario).items()]
    total = sum(plan_spends(scenario).values())
    return f"{parts[0]} a week, " + ", ".join(parts[1:]) + f" (total {money(total, currency)} a week)"


def short_plan(scenario: Scenario) -> str:
    """The plan's spends in a few words for a column header: "ads 5,500 · staff 2,000 · training 0"."""
    short = {"service staff": "staff", "people programme": "people"}
    return " · ".join(f"{short.get(k, k)} {v:,.0f}" for k, v in plan_spends(scenario).items())
