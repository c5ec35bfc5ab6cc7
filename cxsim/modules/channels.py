"""Service channels (phone, email, chat, ...): each with its own staff, load, wait and quality."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from cxsim.levers import ASSUMPTION, Lever
from cxsim.metrics import WeekState, WeekTally
from cxsim.modules.base import Module, Week
from cxsim.modules.pressure import failure_demand, pressured_capacity
from cxsim.response import loaded_quality, service_capacity, service_load, trained_quality
from cxsim.rules import (
    ESCALATION_CHANNEL,
    ESCALATION_SHARE,
    FORCED_CHANNEL,
    FORCED_PENALTY,
    FORCED_SHARE,
    HAS_CHANNELS,
    WEAKEST_LINK,
    channel_codes,
)
from cxsim.scenario import ScenarioConfig

CHANNEL_METRICS = ("encounters", "load", "wait_hours", "quality")  # one column each per channel: load_phone, ...



def wait_hours(response_hours: ArrayLike, load: ArrayLike) -> ArrayLike:
    """Time to an answer: the channel's response time, stretched by load above capacity."""
    return np.multiply(response_hours, np.maximum(load, 1.0))


def timeliness(wait: ArrayLike, patience_hours: float, wait_weight: float) -> ArrayLike:
    """Share of an encounter's quality left after the wait: 1 - w wait / (wait + patience)."""
    wait = np.asarray(wait, dtype=float)
    with np.errstate(invalid="ignore"):
        waited = np.where(np.isinf(wait), 1.0, wait / (wait + patience_hours))
    return (1.0 - wait_weight * waited)[()]


@dataclass(frozen=True)
class ChannelConditions:
    """One week of every service channel; arrays of shape (replications, channels)."""

    capacity: np.ndarray   # (channels,)
    total_load: np.ndarray  # (replications,): all channels' demand over all their capacity
    load: np.ndarray
    wait_hours: np.ndarray
    quality: np.ndarray    # experienced quality of an encounter in the channel (0-1)


def channel_conditions(cfg: ScenarioConfig, staff_spend: float, base_quality: ArrayLike,
                       previous_demand: np.ndarray) -> ChannelConditions:
    """Each channel's capacity, load, wait and experienced quality this week.

    Args:
        staff_spend: this week's spend on service staff, shared by the channels' staff shares.
        base_quality: quality at normal load per channel, shape (channels,) or (replications, channels).
        previous_demand: last week's encounters per channel, shape (replications, channels).
    """
    svc, omni, target = cfg.service, cfg.omnichannel, cfg.pressure.handle_time_target
    chans = list(cfg.channels.values())
    share = np.array([c.staff_share for c in chans])
    cost = np.array([c.cost_per_encounter or svc.cost_per_encounter for c in chans])
    capacity = service_capacity(staff_spend * share, cost)
    demand = previous_demand
    if target < 1:
        capacity = pressured_capacity(capacity, target)
        demand = failure_demand(demand, target, cfg.pressure.recontact)
    load = np.atleast_2d(service_load(demand, np.broadcast_to(capacity, np.shape(demand))))
    total_load = np.atleast_1d(service_load(np.sum(demand, axis=1), capacity.sum()))
    wait = wait_hours(np.array([c.response_hours for c in chans]), load)
    quality = loaded_quality(base_quality, load, svc.overload_sensitivity)
    quality = np.atleast_2d(quality * timeliness(wait, omni.patience_hours, omni.wait_weight))
    return ChannelConditions(capacity=capacity, total_load=total_load, load=load, wait_hours=wait, quality=quality)


def channel_base_quality(cfg: ScenarioConfig, training_spend: float) -> np.ndarray:
    """Each channel's quality at normal load with training, before the organisation moves it."""
    svc = cfg.service
    own = np.array([svc.quality if c.quality is None else c.quality for c in cfg.channels.values()])
    return trained_quality(own, training_spend, svc.training_half_saturation)


class Channels(Module):
    """Contacts in each customer's preferred channel, some pushed into another or escalated (``[channels]``)."""

    table = "channels"
    title = "service channels"
    levers_title = "Service channels"

    def __init__(self, cfg: ScenarioConfig, replications: int) -> None:
        super().__init__(cfg, replications)
        self.last_demand = np.zeros((replications, len(cfg.channels)))  # last week's encounters per channel
        self.conditions = None

    @classmethod
    def levers_for(cls, cfg: ScenarioConfig) -> tuple[Lever, ...]:
        """Levers of a scenario's service channels: each channel's response time and how waiting is felt."""
        if not cfg.channels:
            return ()
        levers = [Lever(f"channels.{name}.response_hours", f"{name}: hours to an answer",
                        f"Time the {name} channel takes to answer at normal load; it stretches when overloaded.",
                        max_value=2000.0, step=1.0, fmt="%.2f", published=ASSUMPTION)
                  for name in cfg.channels]
        levers += [
            Lever("omnichannel.patience_hours", "Wait that costs half the wait penalty (hours)",
                  "Customers' patience.", min_value=0.01, max_value=10000.0, step=1.0, fmt="%.1f", published=ASSUMPTION),
            Lever("omnichannel.forced_penalty", "Quality lost when pushed into a channel",
                  "An encounter in a channel the customer did not choose.", max_value=1.0, step=0.05, fmt="%.2f",
                  published=ASSUMPTION),
        ]
        return tuple(levers)

    @classmethod
    def switched_on(cls, cfg: ScenarioConfig) -> bool:
        return bool(cfg.channels)

    def describe(self) -> str:
        return f"service channels ({', '.join(self.cfg.channels)})"

    def settle(self, week: Week) -> None:
        if not self.switched_on(self.cfg):
            return
        cfg, r = self.cfg, self.replications
        base = np.multiply.outer(np.ones(r), channel_base_quality(cfg, week.training_spend))
        chans = self.conditions = channel_conditions(cfg, week.staff_spend, week.quality_chain(base), self.last_demand)
        week.capacity, week.load = float(chans.capacity.sum()), np.atleast_1d(chans.total_load)
        # what an encounter was like on average: channels weighted by last week's encounters
        weights = np.asarray(self.last_demand, dtype=float)
        preference = np.array([c.preference for c in cfg.channels.values()])
        weights = np.where(weights.sum(axis=1, keepdims=True) > 0, weights, preference)
        week.service_quality = (chans.quality * weights).sum(axis=1) / weights.sum(axis=1).clip(min=1e-12)
        week.channel_quality = np.ascontiguousarray(np.broadcast_to(chans.quality, (r, chans.quality.shape[1])))

    def customer_effects(self, constants: np.ndarray) -> None:
        omni = self.cfg.omnichannel
        forced, escalation = channel_codes(self.cfg)
        constants[[FORCED_CHANNEL, FORCED_SHARE, FORCED_PENALTY, ESCALATION_CHANNEL, ESCALATION_SHARE,
                   WEAKEST_LINK]] = (forced, omni.forced_share, omni.forced_penalty, escalation,
                                     omni.escalation_share, omni.weakest_link)
        constants[HAS_CHANNELS] = float(self.switched_on(self.cfg))

    def after_customers(self, week: Week, tally: WeekTally) -> None:
        self.last_demand = tally.channel_encounters.astype(float)

    def columns(self, week: Week | None, tally: WeekTally, state: WeekState) -> dict:
        out: dict = {}
        ch = None if week is None else self.conditions
        for k, name in enumerate(self.cfg.channels):
            out[f"encounters_{name}"] = tally.channel_encounters[:, k].astype(float)
            for metric in CHANNEL_METRICS[1:]:
                out[f"{metric}_{name}"] = (np.zeros(self.replications) if ch is None
                                           else np.broadcast_to(getattr(ch, metric)[:, k], (self.replications,)))
        return out
