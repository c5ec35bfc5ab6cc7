"""What both engines share: the market, the network, the week loop and the records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import mesa
import numpy as np
import pandas as pd

from cxsim.behaviour import Source, Stage, voice
from cxsim.errors import UserError
from cxsim.metrics import WeekState, WeekTally, week_columns, wom_table
from cxsim.network import estimated_bytes, shared_network
from cxsim.response import Organisation, WeekConditions, initial_organisation, next_organisation, week_conditions
from cxsim.memory import check_fits
from cxsim.scenario import Scenario, ScenarioConfig
from cxsim.segments import TraitTable, assign_channels, assign_segments, segment_traits

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

    @property
    def ever(self) -> np.ndarray:
        """Who has ever been a customer."""
        return self.first_purchase_step >= 0

    def replication(self, r: int, n: int) -> Population:
        """The customers of replication ``r`` when ``n`` per replication share the arrays."""
        return Population(**{f.name: getattr(self, f.name)[r * n:(r + 1) * n] for f in fields(self)})


def initial_population(cfg: ScenarioConfig, rng: np.random.Generator, replications: int = 1) -> Population:
    """Draw the market at week 0: individual BG/NBD traits, initial customers and aware people.

    With several replications, their customers follow one another in the arrays.
    """
    n = cfg.market.population
    total = n * replications
    stage = np.full(total, Stage.UNAWARE, dtype=np.int8)
    source = np.full(total, Source.NONE, dtype=np.int8)
    n_customers = int(round(cfg.market.initial_customer_share * n))
    n_aware = min(n - n_customers, int(round(cfg.market.initial_aware_share * n)))
    for r in range(replications):
        order = r * n + rng.permutation(n)
        customers = order[:n_customers]
        stage[customers] = Stage.CUSTOMER
        source[customers] = Source.INITIAL
        stage[order[n_customers:n_customers + n_aware]] = Stage.AWARE
    first = np.where(source == Source.INITIAL, 0, -1).astype(np.int32)
    segment = assign_segments(cfg, rng, replications)
    traits = TraitTable(segment_traits(cfg))
    trait = lambda name: traits.of(name, segment)  # noqa: E731  (a float without segments)
    pop = Population(
        stage=stage,
        source=source,
        rate=rng.gamma(trait("rate_shape"), 1.0 / trait("rate_scale"), total),
        dropout=rng.beta(trait("dropout_a"), trait("dropout_b"), total),
        satisfaction=np.full(total, trait("initial_satisfaction")) if traits.single
        else trait("initial_satisfaction").copy(),
        expectation=np.full(total, trait("expectation_prior")) if traits.single
        else trait("expectation_prior").copy(),
        first_purchase_step=first,
        purchases=np.zeros(total, dtype=np.int32),
        repeat_purchases=np.zeros(total, dtype=np.int32),
        service_encounters=np.zeros(total, dtype=np.int32),
        revenue=np.zeros(total),
        voice=np.zeros(total, dtype=np.int8),
        segment=segment,
        channel=assign_channels(cfg, rng, segment),
        member=np.zeros(total, dtype=bool),
    )
    if cfg.loyalty.enrolment > 0:  # initial customers join the programme like new ones
        pop.member = (source == Source.INITIAL) & (rng.random(total) < cfg.loyalty.enrolment)
    pop.voice = voice(pop.satisfaction, pop.ever)
    return pop


def channel_codes(cfg: ScenarioConfig) -> tuple[int | None, int | None]:
    """Codes of the channel contacts are pushed into and of the escalation channel (``None``: not used)."""
    names, omni = list(cfg.channels), cfg.omnichannel
    forced = names.index(omni.forced_channel) if omni.forced_channel and omni.forced_share > 0 else None
    escalation = names.index(omni.escalation_channel) if omni.escalation_share > 0 else None
    return forced, escalation


class JourneyModel(mesa.Model):
    """The customer-journey model; subclasses say how customers are stepped.

    Args:
        scenario: the validated scenario.
        rng: the random generator (or seed) of this run.
        trace: customer ids whose week-by-week journey is recorded (in every replication).
        replications: independent markets simulated side by side in one model
            (each with its own network and customers); the agents engine takes 1.
    """

    def __init__(self, scenario: Scenario, rng: np.random.Generator | int | None = None,
                 trace: Sequence[int] = (), replications: int = 1) -> None:
        super().__init__(rng=np.random.default_rng(rng))
        self.scenario = scenario
        self.cfg: ScenarioConfig = scenario.config
        self.replications = replications
        n = self.cfg.market.population
        check_fits(replications * estimated_bytes(n, self.cfg.network),
                   f"{replications} x {n:,} customers on a {self.cfg.network.kind} network")
        self.adjacency = shared_network(self.cfg.network, n, self.rng, replications)
        self.talk = wom_table(self.cfg)
        self.replication_of = np.repeat(np.arange(replications, dtype=np.int32), n)
        self.segment_traits = segment_traits(self.cfg)
        self.traits = TraitTable(self.segment_traits)
        self.week: WeekConditions | None = None
        self._adstock = 0.0
        self._last_demand: float | np.ndarray = 0.0 if replications == 1 else np.zeros(replications)
        self._last_channel_demand = np.zeros((replications, len(self.cfg.channels)))
        self.organisation: Organisation = initial_organisation(self.cfg, replications)
        self.trace = np.asarray(list(trace), dtype=np.int64)
        if self.trace.size and (self.trace.min() < 0 or self.trace.max() >= n):
            raise UserError(f"trace: customer ids must lie in 0..{n - 1}")
        self._weeks: list[dict[str, np.ndarray]] = []  # each week's columns, one value per replication
        self.journeys: list[dict[str, float]] = []
        self.setup(initial_population(self.cfg, self.rng, replications))
        self._record(WeekTally.zeros(replications, len(self.cfg.channels)))

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
        return self.counted_state(p.stage, p.satisfaction, p.voice, p.member)

    def counted_state(self, stage: np.ndarray, satisfaction: np.ndarray, voice: np.ndarray,
                      member: np.ndarray) -> WeekState:
        """The weekly state, with loyalty members only when there is a programme."""
        return WeekState(stage, satisfaction, voice, member=member if self.cfg.loyalty.enrolment > 0 else None,
                         initial_varies=self.traits.varies("initial_satisfaction"))

    # -- the week ---------------------------------------------------------------
    def step(self) -> None:
        """One week: set the market's conditions, let customers act, count, and let the organisation learn."""
        self.week = week_conditions(self.cfg, self.steps - 1, self._adstock, self._last_demand, self.organisation,
                                    self._last_channel_demand)
        self._adstock = self.week.adstock
        tally = WeekTally.zeros(self.replications, len(self.cfg.channels))
        self.advance_customers(tally)
        demand = tally.service_encounters
        self._last_demand = float(demand[0]) if self.replications == 1 else demand.astype(float)
        self._last_channel_demand = tally.channel_encounters.astype(float)
        self.organisation = next_organisation(self.cfg, self.organisation, self.week, tally.bad_experiences,
                                              tally.purchases)
        self._record(tally)
        if self.steps >= self.cfg.market.weeks:
            self.running = False

    def run(self) -> JourneyModel:
        """Step to the horizon."""
        while self.running and self.steps < self.cfg.market.weeks:
            self.step()
        return self

    def timeseries(self) -> pd.DataFrame:
        """The weeks counted so far: one row per week and replication (row 0 is the state before week 1)."""
        return pd.DataFrame({name: np.concatenate([week[name] for week in self._weeks]) for name in self._weeks[0]})

    def _record(self, tally: WeekTally) -> None:
        s = self.week_state()
        self._weeks.append(week_columns(self.steps, s, tally, self.week, self.cfg, self.replications))
        if not self.trace.size:
            return
        pop, n = self.population(), self.cfg.market.population
        for rep in range(self.replications):
            for cid in self.trace:
                at = rep * n + cid
                self.journeys.append({"replication": rep, "step": self.steps, "customer_id": int(cid),
                                      **{f: getattr(pop, f)[at].item() for f in TRACE_FIELDS}})
