"""Changes to a scenario: dotted overrides, Python keywords, relative values ("+10%") and the checks across fields."""

from __future__ import annotations

import copy
import re
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from cxsim.core.errors import ScenarioError
from cxsim.scenario.schema import CHANNEL_NAME, ScenarioConfig

if typing.TYPE_CHECKING:
    from cxsim.scenario.loading import Scenario


def _leaves(tree: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every (dotted key, value) of nested tables, in order; a key given both dotted and nested comes twice."""
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested tables into dotted keys (``{"a": {"b": 1}}`` -> ``{"a.b": 1}``)."""
    return dict(_leaves(tree, prefix))


def keyword_overrides(keywords: dict[str, Any]) -> dict[str, Any]:
    """Scenario keys from Python keyword names: ``advertising_weekly_spend`` -> ``advertising.weekly_spend``.

    The section is the longest scenario table whose name starts the keyword; a
    keyword that names no table is refused.
    """
    sections = sorted(ScenarioConfig.model_fields, key=len, reverse=True)
    out: dict[str, Any] = {}
    for name, value in keywords.items():
        section = next((s for s in sections if name.startswith(s + "_")), None)
        if section is None:
            raise ScenarioError("<keywords>", name, f"a scenario key such as advertising_weekly_spend "
                                f"(a table: {', '.join(ScenarioConfig.model_fields)})", repr(value)[:60])
        out[f"{section}.{name[len(section) + 1:]}"] = value
    return out


def _apply(tree: dict[str, Any], overrides: dict[str, Any], where: str) -> dict[str, Any]:
    tree = copy.deepcopy(tree)
    for dotted, value in flatten(overrides).items():
        parts = dotted.split(".")
        node = tree
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ScenarioError(where, dotted, "a key inside a table", repr(child))
            node = child
        node[parts[-1]] = value
    return tree


def _validate(tree: dict[str, Any], where: str) -> ScenarioConfig:
    try:
        config = ScenarioConfig.model_validate(tree)
    except ValidationError as exc:
        raise ScenarioError.from_validation(where, exc) from None
    problems = _cross_checks(config)
    if problems:
        raise ScenarioError(where, *problems[0], problems=problems)
    return config


MAX_CHANNELS, MAX_SEGMENTS = 16, 64
MIN_SIMULATED = 10  # the engines' smallest market (market.population's own lower bound)
SHARE_TOLERANCE = 1e-6


def _sums_to_one(values: list[float]) -> bool:
    return abs(sum(values) - 1.0) <= SHARE_TOLERANCE


def _sum_text(values: list[float]) -> str:
    return f"{' + '.join(f'{v:g}' for v in values)} = {sum(values):g}"


CROSS_CHECKED = ("market.initial_customer_share", "market.initial_aware_share", "market.scale", "market.population",
                 "channels.", "omnichannel.",
                 "segments.", "economics.discount_rate", "economics.terminal_weeks")
"""Keys (or prefixes) that ``_cross_checks`` reads: a change to any other key needs only its field checked."""


def _cross_checks(cfg: ScenarioConfig) -> list[tuple[str, str, str]]:
    """Checks across fields: shares that must sum to 1, channel names that must exist."""
    problems: list[tuple[str, str, str]] = []
    market = cfg.market
    if market.initial_customer_share + market.initial_aware_share > 1 + SHARE_TOLERANCE:
        problems.append(("market.initial_aware_share", "initial_customer_share + initial_aware_share <= 1 "
                         "(shares of one market)", f"{market.initial_customer_share:g} + "
                         f"{market.initial_aware_share:g} = {market.initial_customer_share + market.initial_aware_share:g}"))
    if market.simulated_population < MIN_SIMULATED:
        problems.append(("market.scale", f"a scale that leaves at least {MIN_SIMULATED} simulated people "
                         f"(population / scale; at most {market.population / MIN_SIMULATED:g} here)",
                         f"{market.people_scale:g}"))
    if cfg.economics.discount_rate == 0 and cfg.economics.terminal_weeks == 0:
        problems.append(("economics.terminal_weeks", "a number of weeks > 0 when discount_rate is 0 (value after "
                         "the horizon for ever needs a discount rate)", "0"))
    channels, omni = cfg.channels, cfg.omnichannel
    names = list(channels)
    known = f"one of the channels ({', '.join(map(repr, names))})" if names else "no value ([channels] is empty)"
    for name in names:
        if not re.fullmatch(CHANNEL_NAME, name):
            problems.append((f"channels.{name}", "a channel name of lowercase letters, digits and _ "
                             "starting with a letter, at most 32 (e.g. in_store)", repr(name)))
    if len(channels) > MAX_CHANNELS:
        problems.append(("channels", f"at most {MAX_CHANNELS} channels", str(len(channels))))
    if channels:
        for key in ("staff_share", "preference"):
            values = [getattr(c, key) for c in channels.values()]
            if not _sums_to_one(values):
                problems.append((f"channels.*.{key}", "shares over the channels that sum to 1", _sum_text(values)))
    for key in ("forced_channel", "escalation_channel"):
        value = getattr(omni, key)
        if value and value not in channels:
            problems.append((f"omnichannel.{key}", known, repr(value)))
    if omni.escalation_share > 0 and not omni.escalation_channel:
        problems.append(("omnichannel.escalation_channel", "a channel name when escalation_share > 0", '""'))
    segments = cfg.segments
    if len(segments) > MAX_SEGMENTS:
        problems.append(("segments", f"at most {MAX_SEGMENTS} segments", str(len(segments))))
    shares = [s.share for s in segments.values()]
    if segments and not _sums_to_one(shares):
        problems.append(("segments.*.share", "shares over the segments that sum to 1", _sum_text(shares)))
    for name, seg in segments.items():
        if not seg.channel_preference:
            continue
        unknown = [c for c in seg.channel_preference if c not in channels]
        if unknown:
            problems.append((f"segments.{name}.channel_preference", known, repr(unknown[0])))
        elif not _sums_to_one(list(seg.channel_preference.values())):
            problems.append((f"segments.{name}.channel_preference", "shares that sum to 1",
                             f"{sum(seg.channel_preference.values()):g}"))
    return problems


RELATIVE = re.compile(r"^\s*(?:(?P<sign>[+-])\s*(?P<amount>\d+(?:\.\d*)?|\.\d+)\s*(?P<percent>%?)"
                      r"|[x×*]\s*(?P<factor>\d+(?:\.\d*)?|\.\d+))\s*$")
RELATIVE_HELP = 'a number, or a change from the base such as "+1500", "-500", "+10%", "-10%" or "x1.1"'


def _relative(base: float, change: str) -> float | None:
    """``base`` changed by a relative value ("+1500", "-10%", "x1.1"), ``None`` if it is not one."""
    m = RELATIVE.match(change)
    if m is None:
        return None
    if m["factor"] is not None:
        return base * float(m["factor"])
    amount = float(m["amount"]) * (1 if m["sign"] == "+" else -1)
    return base * (1 + amount / 100) if m["percent"] else base + amount


def resolve_relative(base: Scenario, overrides: dict[str, Any], where: str) -> dict[str, Any]:
    """Overrides with relative values resolved against the base scenario's own values.

    A variant may give a numeric field as a change from the base: ``"+1500"`` adds,
    ``"-10%"`` takes off a tenth, ``"x1.1"`` multiplies. A weekly schedule changes week
    by week. So a variant keeps its meaning when the base moves (``"+1500"`` on ads is
    always 1,500 a week more than the plan it is compared with).
    """
    out: dict[str, Any] = {}
    for key, value in flatten(overrides).items():
        if isinstance(value, str):
            try:
                current = base[key]
            except (AttributeError, KeyError):
                current = None
            numeric = isinstance(current, int | float) and not isinstance(current, bool)
            schedule = isinstance(current, list) and all(isinstance(v, int | float) for v in current)
            if numeric or schedule:
                values = current if schedule else [current]
                changed = [_relative(float(v), value) for v in values]
                if changed[0] is None:
                    raise ScenarioError(where, key, RELATIVE_HELP, repr(value))
                if not all(abs(v) < 1e300 for v in changed):  # "x1e400" is infinite: refuse, never round it
                    raise ScenarioError(where, key, "a change that leaves a finite number", repr(value))
                if isinstance(current, int):
                    changed = [round(v) for v in changed]
                value = changed if schedule else changed[0]
        out[key] = value
    return out
