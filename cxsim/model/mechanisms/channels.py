"""Service channels (phone, email, chat, ...): each with its own staff, load, wait and quality.

With ``service.model = "queue"`` (the default) each channel is a contact-centre
queue of its own (Erlang C, or Erlang A with a patience, with a backlog; see
:func:`cxsim.model.mechanisms.queueing.week_of_service`): its share of the staff spend buys its
agents (staffed by :mod:`cxsim.model.mechanisms.service`, with hiring, ramp-up and
attrition), and its handle time, open hours, target and patience make it a
phone-like or an email-like queue. ``"capacity"`` keeps the simpler model: each
channel answers in ``response_hours``, stretched by its load above capacity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from cxsim.model.levers import ASSUMPTION, Lever
from cxsim.model.mechanisms.base import Module, Week
from cxsim.model.mechanisms.pressure import failure_demand, pressured_capacity
from cxsim.model.mechanisms.queueing import WeekOfService, offered_load
from cxsim.model.mechanisms.scaled_queue import week_of_service_at_scale
from cxsim.model.metrics import WeekState, WeekTally
from cxsim.model.response import loaded_quality, service_capacity, service_load, trained_quality
from cxsim.model.rules import (
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
CHANNEL_QUEUE_METRICS = ("contacts", "answered", "abandoned", "backlog", "service_level", "mean_wait_minutes",
                         "occupancy", "agents")  # with queues: service_level_phone, ...


@dataclass(frozen=True)
class ChannelQueues:
    """Each channel's queue settings, unset keys taken from ``[service]``; arrays of shape (channels,)."""

    staff_share: np.ndarray
    cost_per_agent_hour: np.ndarray
    handle_minutes: np.ndarray
    open_hours: np.ndarray
    target_seconds: np.ndarray
    patience_minutes: np.ndarray      # inf: no abandonment (Erlang C)
    wait_tolerance_minutes: np.ndarray


def channel_queues(cfg: ScenarioConfig) -> ChannelQueues:
    """The scenario's channels as queues: their own settings, or the service pool's where unset."""
    svc, chans = cfg.service, list(cfg.channels.values())

    def own(key: str, default: float | None) -> np.ndarray:
        values = [getattr(c, key) for c in chans]
        return np.array([np.inf if v is None and default is None else (default if v is None else v) for v in values],
                        dtype=float)

    return ChannelQueues(staff_share=np.array([c.staff_share for c in chans], dtype=float),
                         cost_per_agent_hour=own("cost_per_agent_hour", svc.cost_per_agent_hour),
                         handle_minutes=own("handle_minutes", svc.handle_minutes),
                         open_hours=own("open_hours", svc.open_hours),
                         target_seconds=own("target_seconds", svc.target_seconds),
                         patience_minutes=own("patience_minutes", svc.patience_minutes),
                         wait_tolerance_minutes=own("wait_tolerance_minutes", svc.wait_tolerance_minutes))



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


def queue_conditions(cfg: ScenarioConfig, agents: np.ndarray, base_quality: np.ndarray, demand: np.ndarray,
                     backlog: np.ndarray) -> tuple[ChannelConditions, list[WeekOfService]]:
    """One week of every channel as a queue of its own.

    Args:
        agents: agents on duty per channel at a proficient pace, shape (replications, channels).
        base_quality: quality staff deliver per channel, shape (replications, channels).
        demand: last week's encounters per channel, shape (replications, channels).
        backlog: contacts carried in per channel, shape (replications, channels).

    Returns:
        The channels' conditions (wait in hours of open time) and each channel's week of service.
    """
    q, omni, press = channel_queues(cfg), cfg.omnichannel, cfg.pressure
    handle = q.handle_minutes * press.handle_time_target  # a handle-time target shortens encounters
    if press.handle_time_target < 1:
        demand = failure_demand(demand, press.handle_time_target, press.recontact)
    weeks, load, factor = [], np.zeros_like(agents), np.ones_like(agents)
    for k, channel in enumerate(cfg.channels.values()):
        patience = q.patience_minutes[k]
        # each simulated contact stands for ``scale`` real ones; a fixed arrivals_per_week is the real demand itself
        scale = cfg.market.people_scale if channel.arrivals_per_week is None else 1.0
        week = week_of_service_at_scale(demand[:, k], backlog[:, k], agents[:, k], handle[k], q.open_hours[k],
                                        q.target_seconds[k], scale,
                                        patience_minutes=None if np.isinf(patience) else patience,
                                        tolerance_minutes=q.wait_tolerance_minutes[k], wait_weight=omni.wait_weight)
        factor[:, k] = week.quality_factor
        erlangs = week.contacts * handle[k] / (q.open_hours[k] * 60.0)
        load[:, k] = offered_load(erlangs, agents[:, k])
        weeks.append(week)
    capacity = agents * q.open_hours * 60.0 / handle  # contacts a week at full occupancy
    offered = np.stack([w.contacts for w in weeks], axis=1)
    total_load = offered_load(offered.sum(axis=1), capacity.sum(axis=1))  # contacts over what the staff can answer
    wait = np.stack([w.mean_wait_minutes for w in weeks], axis=1) / 60.0
    conditions = ChannelConditions(capacity=capacity.mean(axis=0), total_load=total_load, load=load, wait_hours=wait,
                                   quality=base_quality * factor)
    return conditions, weeks


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

    def __init__(self, cfg: ScenarioConfig, replications: int, plans: Sequence[ScenarioConfig] = ()) -> None:
        super().__init__(cfg, replications, plans)
        self.last_demand = np.zeros((replications, len(cfg.channels)))  # last week's encounters per channel
        self.backlog = np.zeros((replications, len(cfg.channels)))      # contacts not answered yet, per channel
        self.conditions: ChannelConditions | None = None
        self.queues: list[WeekOfService] = []  # this week's queue of each channel (the queue model)
        self.agents = np.zeros((replications, len(cfg.channels)))

    @property
    def queueing(self) -> bool:
        """Whether each channel is a queue (``service.model = "queue"``)."""
        return bool(self.cfg.channels) and self.cfg.service.model == "queue"

    @classmethod
    def levers_for(cls, cfg: ScenarioConfig) -> tuple[Lever, ...]:
        """Levers of a scenario's service channels: each queue's handle time and how its waits are felt (the
        capacity model: each channel's response time)."""
        if not cfg.channels:
            return ()
        if cfg.service.model == "queue":
            levers = [Lever(f"channels.{name}.handle_minutes", f"{name}: minutes of agent time per contact",
                            f"Mean handle time in the {name} queue: longer contacts need more agents for the same "
                            "waits.", min_value=0.1, max_value=1e4, step=1.0, fmt="%.1f", published=ASSUMPTION)
                      for name, c in cfg.channels.items() if c.handle_minutes is not None]
            levers += [Lever(f"channels.{name}.wait_tolerance_minutes", f"{name}: wait that costs half the penalty "
                             "(minutes)", f"How long a wait in the {name} channel customers shrug off.",
                             min_value=0.1, max_value=1e7, step=1.0, fmt="%.1f", published=ASSUMPTION)
                       for name, c in cfg.channels.items() if c.wait_tolerance_minutes is not None]
            levers.append(Lever("omnichannel.forced_penalty", "Quality lost when pushed into a channel",
                                "An encounter in a channel the customer did not choose.", max_value=1.0, step=0.05,
                                fmt="%.2f", published=ASSUMPTION))
            return tuple(levers)
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
        base = week.quality_chain(np.multiply.outer(np.ones(r), channel_base_quality(cfg, week.training_spend)))
        if self.queueing:
            self.agents = np.asarray(week.agents, dtype=float)
            fixed = np.array([np.nan if c.arrivals_per_week is None else c.arrivals_per_week
                              for c in cfg.channels.values()])
            demand = np.where(np.isnan(fixed), self.last_demand, fixed)
            chans, self.queues = queue_conditions(cfg, self.agents, base, demand, self.backlog)
            self.conditions = chans
        else:
            chans = self.conditions = channel_conditions(cfg, week.staff_spend, base, self.last_demand)
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
        if self.queues:
            self.backlog = np.stack([q.carried for q in self.queues], axis=1)

    def columns(self, week: Week | None, tally: WeekTally, state: WeekState) -> dict:
        out: dict = {}
        ch = None if week is None else self.conditions
        for k, name in enumerate(self.cfg.channels):
            out[f"encounters_{name}"] = tally.channel_encounters[:, k].astype(float)
            for metric in CHANNEL_METRICS[1:]:
                out[f"{metric}_{name}"] = (np.zeros(self.replications) if ch is None
                                           else np.broadcast_to(getattr(ch, metric)[:, k], (self.replications,)))
            if self.queueing:
                for metric in CHANNEL_QUEUE_METRICS:
                    field = {"backlog": "carried"}.get(metric, metric)
                    value = (np.nan if ch is None else self.agents[:, k] if metric == "agents"
                             else getattr(self.queues[k], field))
                    out[f"{metric}_{name}"] = np.broadcast_to(np.asarray(value, dtype=float), (self.replications,))
        if self.queueing and ch is not None:
            out.update(pooled_queue_columns(self.queues, self.agents, channel_queues(self.cfg).open_hours))
        return out


def pooled_queue_columns(queues: list[WeekOfService], agents: np.ndarray, open_hours: np.ndarray) -> dict:
    """The service's queue columns summed over the channels (service level and waits weighted by contacts)."""
    stack = {m: np.stack([getattr(q, m) for q in queues], axis=1)
             for m in ("contacts", "answered", "abandoned", "carried", "service_level", "mean_wait_minutes",
                       "occupancy")}
    contacts, left = stack["contacts"].sum(axis=1), (stack["answered"] + stack["abandoned"])
    agent_minutes = agents * open_hours * 60.0
    with np.errstate(divide="ignore", invalid="ignore"):
        service_level = np.where(contacts > 0, (stack["service_level"] * stack["contacts"]).sum(axis=1)
                                 / np.where(contacts > 0, contacts, 1.0), 1.0)
        wait = np.where(left.sum(axis=1) > 0, (stack["mean_wait_minutes"] * left).sum(axis=1)
                        / np.where(left.sum(axis=1) > 0, left.sum(axis=1), 1.0), 0.0)
        occupancy = np.where(agent_minutes.sum(axis=1) > 0, (stack["occupancy"] * agent_minutes).sum(axis=1)
                             / np.where(agent_minutes.sum(axis=1) > 0, agent_minutes.sum(axis=1), 1.0), 0.0)
    return {"contacts": contacts, "answered": stack["answered"].sum(axis=1),
            "abandoned": stack["abandoned"].sum(axis=1), "backlog": stack["carried"].sum(axis=1),
            "service_level": service_level, "mean_wait_minutes": wait, "occupancy": occupancy,
            "agents": agents.sum(axis=1)}
