"""The readable engine: one ``Customer`` agent per person, stepped by Mesa.

Read ``Customer.step`` top to bottom: it is the customer journey. Every
probability and every random number comes from :mod:`cxsim.model.rules`, the same
compiled functions the fast engine calls in its loop, so the two engines agree
customer by customer for the same seed.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from cxsim.model import rules
from cxsim.model.behaviour import Source, Stage, Voice, is_bad_experience, voice
from cxsim.model.journey import JourneyModel, Population
from cxsim.model.metrics import WeekTally
from cxsim.model.network import ContactVoices


class Customer(mesa.Agent):
    """One person in the market, from stranger to loyal customer (or lapsed)."""

    def __init__(self, model: AgentsModel, index: int, pop: Population) -> None:
        super().__init__(model)
        self.index = index                          # my number in the market (my dice are keyed by it)
        self.stage = Stage(int(pop.stage[index]))
        self.source = Source(int(pop.source[index]))
        self.rate = float(pop.rate[index])          # weekly purchase rate while active
        self.dropout = float(pop.dropout[index])    # chance of leaving after a repeat purchase
        self.satisfaction = float(pop.satisfaction[index])
        self.expectation = float(pop.expectation[index])
        self.first_purchase_step = int(pop.first_purchase_step[index])
        self.purchases = 0
        self.repeat_purchases = 0
        self.service_encounters = 0
        self.revenue = 0.0
        self.voice = int(pop.voice[index])          # what I tell my contacts this week
        self.segment = int(pop.segment[index])
        self.traits = model.trait_rows[self.segment]  # my segment's behaviour (see rules: BASE_RATE, ...)
        self.channel = int(pop.channel[index])      # the service channel I prefer
        self.member = bool(pop.member[index])       # in the loyalty programme
        self.scale = float(pop.scale[index])        # how I use the 0-10 scale: points I add to my answer

    # -- the journey, one week -------------------------------------------------
    def step(self) -> None:
        """Live one week: hear what contacts say, then act on where I am in the journey."""
        good, bad = self.model.word_of_mouth_heard_by(self)
        if self.stage == Stage.UNAWARE:
            self.notice_the_brand(good)
        elif self.stage == Stage.AWARE:
            self.consider_buying(good, bad)
        elif self.stage in (Stage.CUSTOMER, Stage.REPEAT):
            self.buy_again_or_leave(bad)
        else:
            self.consider_coming_back(good, bad)

    def _dice(self) -> tuple[np.ndarray, np.ndarray, np.uint64, int, int]:
        """What every rule needs to know about this week and me: constants, conditions, my key, week, number."""
        m = self.model
        return m.constants, m.week_rows[0], m.keys[0], m.steps, self.index

    def notice_the_brand(self, good: float) -> None:
        """Ads and positive WOM may make me aware; some buy at once."""
        c, w, key, week, me = self._dice()
        aware, ads, buys, expected = rules.becomes_aware(c, w, self.traits, key, week, me, good=good)
        if not aware:
            return
        self.stage = Stage.AWARE
        self.source = Source.ADS if ads else Source.WOM
        self.expectation = expected
        if buys:
            self.buy_first_time()

    def consider_buying(self, good: float, bad: float) -> None:
        """Aware: I may forget the brand, or ads and WOM may make me buy."""
        c, w, key, week, me = self._dice()
        if rules.forgets(c, key, week, me):
            self.stage, self.source = Stage.UNAWARE, Source.NONE
        elif rules.buys_first_time(c, w, self.traits, key, week, me, good=good, bad=bad):
            self.buy_first_time()

    def buy_first_time(self) -> None:
        """My first purchase: I become a customer, credited to what made me aware; I may join the loyalty programme."""
        c, _, key, week, me = self._dice()
        self.stage = Stage.CUSTOMER
        self.first_purchase_step = week
        self.model.tally.add(new_customers=1, new_from_ads=self.source == Source.ADS,
                             new_from_wom=self.source == Source.WOM)
        if c[rules.ENROLMENT] > 0:
            self.member = rules.joins_programme(c, key, week, me)
        self.buy(1)

    def buy_again_or_leave(self, bad: float) -> None:
        """Active: bad WOM may push me away; else I buy at my rate and may drop out after a purchase."""
        c, _, key, week, me = self._dice()
        if rules.pushed_away(c, self.traits, key, week, me, bad=bad):
            self.stage = Stage.LAPSED
            self.model.tally.add(churned=1)
            return
        bought, dropped = rules.repeat_week(c, self.traits, key, week, me, rate=self.rate, dropout=self.dropout,
                                            satisfaction=self.satisfaction, tenure=float(self.tenure),
                                            member=self.member, repeats_before=self.repeat_purchases)
        if bought:
            self.stage = Stage.REPEAT
            self.repeat_purchases += bought
            self.model.tally.add(repeat_purchases=bought)
            self.buy(bought)
        if dropped:
            self.stage = Stage.LAPSED
            self.model.tally.add(churned=1)

    def consider_coming_back(self, good: float, bad: float) -> None:
        """Lapsed: ads and WOM may win me back; if not, I may stop talking about the brand."""
        c, w, key, week, me = self._dice()
        if rules.comes_back(c, w, self.traits, key, week, me, good=good, bad=bad):
            self.stage = Stage.REPEAT
            self.repeat_purchases += 1
            self.model.tally.add(winbacks=1, repeat_purchases=1)
            self.buy(1)
        elif self.voice != Voice.QUIET and rules.stops_talking(c, key, week, me):
            self.model.voice_changes(self, Voice.QUIET)

    @property
    def tenure(self) -> int:
        """Weeks since my first purchase."""
        return self.model.steps - self.first_purchase_step

    def buy(self, n: int) -> None:
        """Pay, maybe need service, and judge the experience against what I expected."""
        c, w, key, week, me = self._dice()
        model = self.model
        spend = n * c[rules.PRICE] * rules.basket(c, self.traits, tenure=float(self.tenure), satisfaction=self.satisfaction)
        before = self.purchases
        self.purchases += n
        self.revenue += spend
        needed = rules.service_encounters(self.traits, key, me, purchases_before=before, purchases=n)
        self.service_encounters += needed
        service, served, escalated = rules.service_received(c, w, model.channel_quality[0], key, week, me,
                                                            preferred=self.channel, encounters=needed)
        if served >= 0:
            model.tally.channel_encounters[0, served] += needed
            if escalated:
                model.tally.channel_encounters[0, int(c[rules.ESCALATION_CHANNEL])] += needed
        score, self.satisfaction, self.expectation = rules.experience(
            c, key, before, me, service_quality=service, encounters=needed, expectation=self.expectation,
            satisfaction=self.satisfaction)
        model.tally.add(purchases=n, service_encounters=needed, revenue=spend, member_revenue=spend * self.member,
                        bad_experiences=is_bad_experience(score))
        model.voice_changes(self, voice(self.satisfaction + self.scale, True))


def _latest(name: str):
    """A DataCollector reporter: the last counted week's value of a metric column."""
    return lambda model: model._weeks[-1][name][0].item()


class AgentsModel(JourneyModel):
    """The agents engine: a Mesa model of ``Customer`` agents (one replication per model).

    Build it from a scenario, or from keyword arguments named after scenario
    keys (``advertising_weekly_spend=5000`` sets ``advertising.weekly_spend``),
    as ``mesa.batch_run`` does; ``rng`` is the seed.
    """

    def __init__(self, scenario: Any = None, seed: int | None = 0, trace=(), replications: int = 1,
                 first_replication: int = 0, *, rng: int | None = None, **scenario_keys: Any) -> None:
        if replications != 1:
            raise ValueError("the agents engine runs one replication per model")
        from cxsim.scenario import Scenario, keyword_overrides
        if scenario is None or isinstance(scenario, dict):
            scenario = Scenario(scenario or {}, "<keywords>")
        if scenario_keys:
            scenario = scenario.with_overrides(keyword_overrides(scenario_keys))
        super().__init__(scenario, seed if rng is None else rng, trace, 1, first_replication)

    def _record(self, tally: WeekTally) -> None:
        """Count the week, and hand its figures to Mesa's DataCollector (for Mesa's plots and ``batch_run``)."""
        super()._record(tally)
        if not hasattr(self, "datacollector"):
            week = self._weeks[-1]
            self.datacollector = mesa.DataCollector(
                model_reporters={name: _latest(name) for name in week if name != "step"})
        self.datacollector.collect(self)

    def setup(self, population: Population) -> None:
        """Create one Customer per person; Mesa's AgentSet holds them in the order of their numbers."""
        for i in range(self.cfg.market.simulated_population):
            Customer(self, i, population)
        self.tally = WeekTally.zeros(1, len(self.cfg.channels))
        self.contacts = ContactVoices(self.adjacency, population.voice, len(Voice))

    def voice_changes(self, customer: Customer, said: int) -> None:
        """A customer will speak with a new voice from next week; their contacts will hear it then."""
        if said != customer.voice:
            self._new_voices.append((customer.index, customer.voice, said))
            customer.voice = said

    def word_of_mouth_heard_by(self, customer: Customer) -> tuple[float, float]:
        """Positive and negative WOM per contact that a customer hears this week."""
        if self.adjacency is None:
            return self._heard_positive, self._heard_negative
        i = customer.index
        return float(self._heard_positive[i]), float(self._heard_negative[i])

    def advance_customers(self, tally: WeekTally) -> None:
        """Every customer acts on what contacts said at the start of the week (a synchronous update)."""
        self.tally = tally
        self._heard_positive, self._heard_negative = self.contacts.heard(self.talk)
        self._new_voices: list[tuple[int, int, int]] = []
        self.agents.shuffle_do("step")
        if self._new_voices:
            who, old, new = (np.array(x) for x in zip(*self._new_voices))
            self.contacts.update(who, old, new)
        self._state = None

    def _column(self, name: str, dtype: type) -> np.ndarray:
        return np.fromiter((getattr(c, name) for c in self.agents), dtype=dtype, count=len(self.agents))

    def week_state(self):
        """The state the weekly metrics need, gathered once per week."""
        if getattr(self, "_state", None) is None:
            col = self._column
            self._state = self.counted_state(col("stage", np.int8), col("satisfaction", float), col("voice", np.int8),
                                             col("member", bool), col("scale", float))
        return self._state

    def population(self) -> Population:
        """The agents' state gathered into arrays."""
        col = self._column
        return Population(
            stage=col("stage", np.int8), source=col("source", np.int8), rate=col("rate", float),
            dropout=col("dropout", float), satisfaction=col("satisfaction", float),
            expectation=col("expectation", float), first_purchase_step=col("first_purchase_step", np.int32),
            purchases=col("purchases", np.int32), repeat_purchases=col("repeat_purchases", np.int32),
            service_encounters=col("service_encounters", np.int32), revenue=col("revenue", float),
            voice=col("voice", np.int8), segment=col("segment", np.int8), channel=col("channel", np.int8),
            member=col("member", bool), scale=col("scale", float),
        )
