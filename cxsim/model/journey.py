"""What both engines share: the market, the network, the week loop and the records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import mesa
import numpy as np
import pandas as pd
import scipy.sparse as sp

from cxsim.core.errors import UserError
from cxsim.model import rules
from cxsim.model.behaviour import Source, Stage, voices
from cxsim.model.draws import ORDER_STREAM, PEOPLE_STREAM, market_rng, replication_keys, resolve_seed
from cxsim.model.mechanisms import MODULES, Module, Week, customer_constants
from cxsim.model.memory import check_fits
from cxsim.model.metrics import WeekState, WeekTally, week_columns, wom_table
from cxsim.model.network import estimated_bytes, market_network
from cxsim.model.segments import TraitTable, assign_channels, assign_segments, segment_traits
from cxsim.scenario import Scenario, ScenarioConfig
from cxsim.scenario.schema import SPEND_KEYS

TRACE_FIELDS = ("stage", "purchases", "service_encounters", "satisfaction", "expectation")


@dataclass
class Population:
    """Every customer's state as arrays (index = customer id)."""

    stage: np.ndarray               # Stage codes
    source: np.ndarray              # Source codes
    rate: np.ndarray                # BG/NBD purchase rate lambda (per week)
    dropout: np.ndarray             # BG/NBD dropout probability p
    satisfaction: np.ndarray        # 0-10
    expectation: np.ndarray         # 0-1
    first_purchase_step: np.ndarray  # -1 for never
    purchases: np.ndarray
    repeat_purchases: np.ndarray
    service_encounters: np.ndarray
    revenue: np.ndarray
    voice: np.ndarray               # Voice codes: what each says this week
    segment: np.ndarray             # segment codes (0 without segments)
    channel: np.ndarray             # preferred service channel codes (0 without channels)
    member: np.ndarray              # loyalty-programme member (bool)
    scale: np.ndarray               # how the person uses the 0-10 scale: points added to their answer

    @property
    def ever(self) -> np.ndarray:
        """Who has ever been a customer."""
        return self.first_purchase_step >= 0

    def replication(self, r: int, n: int) -> Population:
        """The customers of replication ``r`` when ``n`` per replication share the arrays."""
        return Population(**{f.name: getattr(self, f.name)[r * n:(r + 1) * n] for f in fields(self)})

    def repeated(self, copies: int) -> Population:
        """The same customers ``copies`` times over, one copy after another (itself for one copy)."""
        if copies == 1:
            return self
        return Population(**{f.name: np.tile(getattr(self, f.name), copies) for f in fields(self)})


def side_by_side(plans: Sequence[Scenario]) -> bool:
    """Whether plans can run side by side in one model: they differ only in their weekly spends (:data:`~cxsim.scenario.schema.SPEND_KEYS`),
    and none has service channels (whose queues take one plan's spend)."""
    def rest(plan: Scenario) -> dict:
        data = plan.config.model_dump()
        for key in SPEND_KEYS:
            section, name = key.split(".")
            data[section].pop(name)
        return data

    first = rest(plans[0])
    return not plans[0].config.channels and all(rest(plan) == first for plan in plans[1:])


def repeated(adjacency: sp.csr_array | None, copies: int) -> sp.csr_array | None:
    """A network of several markets ``copies`` times over, the copies' people one block after another."""
    if adjacency is None or copies == 1:
        return adjacency
    people, links = adjacency.shape[0], adjacency.indptr[-1]
    offsets = np.repeat(np.arange(copies, dtype=np.int64), adjacency.indices.size)
    indices = (np.tile(adjacency.indices, copies) + offsets * people).astype(adjacency.indices.dtype)
    indptr = np.concatenate([adjacency.indptr[:1], *(adjacency.indptr[1:] + c * links for c in range(copies))])
    return sp.csr_array((np.tile(adjacency.data, copies), indices, indptr.astype(adjacency.indptr.dtype)),
                        shape=(copies * people, copies * people))


def _people_of_one_market(cfg: ScenarioConfig, traits: TraitTable, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One market's people at week 0, drawn from its own stream: who is a customer or aware, traits, channels."""
    n = cfg.market.simulated_population
    stage = np.full(n, Stage.UNAWARE, dtype=np.int8)
    source = np.full(n, Source.NONE, dtype=np.int8)
    n_customers = int(round(cfg.market.initial_customer_share * n))
    n_aware = min(n - n_customers, int(round(cfg.market.initial_aware_share * n)))
    order = rng.permutation(n)
    stage[order[:n_customers]] = Stage.CUSTOMER
    source[order[:n_customers]] = Source.INITIAL
    stage[order[n_customers:n_customers + n_aware]] = Stage.AWARE
    segment = assign_segments(cfg, rng)
    trait = lambda name: np.broadcast_to(traits.of(name, segment), (n,))  # noqa: E731
    people = {
        "stage": stage, "source": source, "segment": segment,
        "rate": rng.gamma(trait("rate_shape"), 1.0 / trait("rate_scale"), n),
        "dropout": rng.beta(trait("dropout_a"), trait("dropout_b"), n),
        "channel": assign_channels(cfg, rng, segment),
        "member": np.zeros(n, dtype=bool),
    }
    if cfg.loyalty.enrolment > 0:  # initial customers join the programme like new ones
        people["member"] = (source == Source.INITIAL) & (rng.random(n) < cfg.loyalty.enrolment)
    sd = cfg.satisfaction.scale_use_sd
    people["scale"] = rng.normal(0.0, sd, n) if sd > 0 else np.zeros(n)
    return people


def initial_population(cfg: ScenarioConfig, seed: int, first_replication: int = 0,
                       replications: int = 1) -> Population:
    """Draw the markets at week 0: individual BG/NBD traits, initial customers and aware people.

    Each replication's market comes from its own stream (``draws.market_rng``),
    so replication ``r`` is the same market whichever engine, batch or process
    runs it. With several replications, their customers follow one another in the arrays.
    """
    traits = TraitTable(segment_traits(cfg))
    markets = [_people_of_one_market(cfg, traits, market_rng(seed, first_replication + r, PEOPLE_STREAM))
               for r in range(replications)]
    joined = {name: np.concatenate([m[name] for m in markets]) for name in markets[0]}
    total = joined["stage"].size
    first = np.where(joined["source"] == Source.INITIAL, 0, -1).astype(np.int32)
    satisfaction = np.array(np.broadcast_to(traits.of("initial_satisfaction", joined["segment"]), (total,)), float)
    expectation = np.array(np.broadcast_to(traits.of("expectation_prior", joined["segment"]), (total,)), float)
    return Population(
        **joined, satisfaction=satisfaction, expectation=expectation, first_purchase_step=first,
        purchases=np.zeros(total, dtype=np.int32), repeat_purchases=np.zeros(total, dtype=np.int32),
        service_encounters=np.zeros(total, dtype=np.int32), revenue=np.zeros(total),
        voice=voices(satisfaction + joined["scale"], first >= 0),
    )


class JourneyModel(mesa.Model):
    """The customer-journey model; subclasses say how customers are stepped.

    Args:
        scenario: the validated scenario.
        seed: the seed of this run (``None``: a fresh one). Replication ``r`` draws its
            market from its own streams and every decision of its people from
            keys of (seed, r), so results do not depend on the engine or on how
            replications are batched.
        trace: customer ids whose week-by-week journey is recorded (in every replication).
        replications: independent markets simulated side by side in one model
            (each with its own network and customers); the agents engine takes 1.
        first_replication: the number of the first of them.
        plans: several plans that differ only in their weekly spends (:func:`side_by_side`), run side by
            side: each on the same ``replications`` markets with the same draws, in the order given
            (``scenario`` is the first); ``self.replications`` counts the markets of them all.
    """

    def __init__(self, scenario: Scenario, seed: int | None = 0, trace: Sequence[int] = (),
                 replications: int = 1, first_replication: int = 0, plans: Sequence[Scenario] = ()) -> None:
        seed = resolve_seed(seed)
        copies = max(1, len(plans))  # every plan runs the same markets
        # Mesa's own generator only orders the agents' turns, which changes no result
        super().__init__(rng=market_rng(seed, first_replication, ORDER_STREAM))
        self.plan = scenario  # (not ``self.scenario``: Mesa's setter would tie the scenario to this model)
        self.cfg: ScenarioConfig = scenario.config
        self.seed, self.replications, self.first_replication = seed, copies * replications, first_replication
        self.copies = copies
        self.scale = self.cfg.market.people_scale  # real people each simulated person stands for
        n = self.cfg.market.simulated_population
        check_fits(copies * replications * estimated_bytes(n, self.cfg.network),
                   f"{copies * replications} x {n:,} customers on a {self.cfg.network.kind} network")
        self.adjacency = repeated(market_network(self.cfg.network, n, seed, first_replication, replications), copies)
        self.keys = np.tile(replication_keys(seed, first_replication, replications), copies)
        self.talk = wom_table(self.cfg)
        self.segment_traits = segment_traits(self.cfg)
        self.traits = TraitTable(self.segment_traits)
        self.modules: list[Module] = [module(self.cfg, self.replications, [p.config for p in plans])
                                      for module in MODULES]
        self.constants = customer_constants(self.cfg, self.modules)
        self.trait_rows = rules.trait_table(self.segment_traits)
        self.week: Week | None = None
        self.week_rows: np.ndarray | None = None        # this week's conditions as the rules read them
        self.channel_quality: np.ndarray | None = None  # (replications, channels)
        self.trace = np.asarray(list(trace), dtype=np.int64)
        if self.trace.size and (self.trace.min() < 0 or self.trace.max() >= n):
            raise UserError(f"trace: customer ids must lie in 0..{n - 1}")
        if plans and (self.trace.size or not side_by_side(plans)):
            raise ValueError("plans side by side: expected plans that differ only in their spends, without a trace")
        self._weeks: list[dict[str, np.ndarray]] = []  # each week's columns, one value per replication
        self.journeys: list[dict[str, float]] = []
        self.setup(initial_population(self.cfg, seed, first_replication, replications).repeated(copies))
        self._record(WeekTally.zeros(self.replications, len(self.cfg.channels)))

    # -- what an engine provides ----------------------------------------------
    def setup(self, population: Population) -> None:
        """Create the customers from the initial population."""
        raise NotImplementedError

    def advance_customers(self, tally: WeekTally) -> None:
        """Move every customer through one week, counting events in ``tally``."""
        raise NotImplementedError

    def population(self) -> Population:
        """The customers' state as arrays."""
        raise NotImplementedError

    def week_state(self) -> WeekState:
        """The state counted every week (engines may gather it more cheaply than the population)."""
        p = self.population()
        return self.counted_state(p.stage, p.satisfaction, p.voice, p.member, p.scale)

    def counted_state(self, stage: np.ndarray, satisfaction: np.ndarray, voice: np.ndarray,
                      member: np.ndarray, scale: np.ndarray) -> WeekState:
        """The weekly state, with loyalty members only when there is a programme."""
        return WeekState(stage, satisfaction, voice, scale, member=member if self.cfg.loyalty.enrolment > 0 else None,
                         initial_varies=self.traits.varies("initial_satisfaction"), weight=self.scale)

    # -- the week ---------------------------------------------------------------
    def step(self) -> None:
        """One week: the modules set the market's conditions, customers act, the modules learn, and it is counted."""
        week = self.week = Week(number=self.steps - 1, quality_chain=self._quality_chain)
        for module in self.modules:
            module.before_customers(week)
        week.quality = self._quality_chain(week.quality)
        for module in self.modules:
            module.settle(week)
        self.week_rows, self.channel_quality = rules.week_rows(week, self.replications)
        tally = WeekTally.zeros(self.replications, len(self.cfg.channels))
        self.advance_customers(tally)
        tally = tally.scaled(self.scale)  # the organisation meets the real market: scale x the simulated events
        for module in self.modules:
            module.after_customers(week, tally)
        self._record(tally)
        if self.steps >= self.cfg.market.weeks:
            self.running = False

    def _quality_chain(self, quality: np.ndarray) -> np.ndarray:
        """The quality staff deliver at normal load, moved by every module in order (feedback, staff, pressure)."""
        for module in self.modules:
            quality = module.adjust_quality(quality)
        return quality

    def run(self) -> JourneyModel:
        """Step to the horizon."""
        while self.running and self.steps < self.cfg.market.weeks:
            self.step()
        return self

    def run_out(self, weeks: int) -> dict[str, np.ndarray]:
        """Continue the plan ``weeks`` past the horizon; return each week's cash flows, (weeks, replications).

        Only the weeks' ``profit`` and ``revenue`` are returned; the time series and the traced
        journeys keep the horizon's weeks alone.
        """
        kept, trace = len(self._weeks), self.trace
        self.trace = trace[:0]
        for _ in range(weeks):
            self.step()
        after = self._weeks[kept:]
        del self._weeks[kept:]
        self.trace = trace
        return {name: np.array([w[name] for w in after]).reshape(weeks, self.replications)
                for name in ("profit", "revenue")}

    def timeseries(self) -> pd.DataFrame:
        """The weeks counted so far: one row per week and replication (row 0 is the state before week 1)."""
        return pd.DataFrame({name: np.concatenate([week[name] for week in self._weeks]) for name in self._weeks[0]})

    def _record(self, tally: WeekTally) -> None:
        s = self.week_state()
        by_modules: dict[str, np.ndarray | float] = {}
        costs: np.ndarray | float = 0.0
        for module in self.modules:
            by_modules.update(module.columns(self.week, tally, s))
            costs = costs + module.cost(self.week, tally, s)
        fixed = 0.0 if self.week is None else self.cfg.economics.fixed_weekly_cost
        self._weeks.append(week_columns(self.steps, s, tally, by_modules, costs, fixed, self.cfg, self.replications))
        if not self.trace.size:
            return
        pop, n = self.population(), self.cfg.market.simulated_population
        for rep in range(self.replications):
            for cid in self.trace:
                at = rep * n + cid
                self.journeys.append({"replication": rep, "step": self.steps, "customer_id": int(cid),
                                      **{f: getattr(pop, f)[at].item() for f in TRACE_FIELDS}})
