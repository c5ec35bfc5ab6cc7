"""The readable engine: one ``Customer`` agent per person, stepped by Mesa.

Read ``Customer.step`` top to bottom: it is the customer journey. All the
probabilities come from :mod:`cxsim.behaviour`, which the fast engine uses too.
"""

from __future__ import annotations

import mesa
import numpy as np

from cxsim import behaviour as b
from cxsim.behaviour import Source, Stage, Voice
from cxsim.metrics import WeekState, WeekTally
from cxsim.model import JourneyModel, Population
from cxsim.network import ContactVoices


class Customer(mesa.Agent):
    """One person in the market, from stranger to loyal customer (or lapsed)."""

    def __init__(self, model: CustomerModel, index: int, pop: Population) -> None:
        super().__init__(model)
        self.index = index
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
        self.contacts: list[Customer] = []

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

    def notice_the_brand(self, good: float) -> None:
        """Ads and positive WOM may make me aware; some buy at once."""
        week, cfg = self.model.week, self.model.cfg
        rng = self.model.rng
        if rng.random() >= b.awareness_probability(week.ad_reach, good, cfg.wom.awareness_effect):
            return
        self.stage = Stage.AWARE
        credit_ads = rng.random() < b.credit_to_ads_probability(week.ad_reach, good, cfg.wom.awareness_effect)
        self.source = Source.ADS if credit_ads else Source.WOM
        self.expectation = week.ad_expectation
        if rng.random() < cfg.purchase.buy_on_awareness:
            self.buy_first_time()

    def consider_buying(self, good: float, bad: float) -> None:
        """Aware: I may forget the brand, or ads and WOM may make me buy."""
        week, cfg = self.model.week, self.model.cfg
        rng = self.model.rng
        if rng.random() < cfg.purchase.awareness_decay:
            self.stage, self.source = Stage.UNAWARE, Source.NONE
            return
        p = b.purchase_probability(cfg.purchase.base_rate, week.ad_persuasion, good, bad,
                                   cfg.wom.purchase_effect, cfg.wom.negative_purchase_effect)
        if rng.random() < p:
            self.buy_first_time()

    def buy_first_time(self) -> None:
        """My first purchase: I become a customer, credited to what made me aware."""
        self.stage = Stage.CUSTOMER
        self.first_purchase_step = self.model.steps
        self.model.tally.add(new_customers=1, new_from_ads=self.source == Source.ADS,
                             new_from_wom=self.source == Source.WOM)
        self.buy(1)

    def buy_again_or_leave(self, bad: float) -> None:
        """Active: bad WOM may push me away; else I buy at my rate and may drop out after."""
        cfg, rng = self.model.cfg, self.model.rng
        if rng.random() < b.churn_probability(bad, cfg.wom.negative_churn_effect):
            self.stage = Stage.LAPSED
            self.model.tally.add(churned=1)
            return
        rep = cfg.repeat
        rate = b.repeat_rate(self.rate, self.satisfaction, rep.neutral_satisfaction, rep.rate_sensitivity)
        dropout = b.dropout_probability(self.dropout, self.satisfaction, rep.neutral_satisfaction,
                                        rep.dropout_sensitivity)
        bought, dropped = b.repeat_week(rng, rate, dropout)
        if bought:
            self.stage = Stage.REPEAT
            self.repeat_purchases += int(bought)
            self.model.tally.add(repeat_purchases=bought)
            self.buy(int(bought))
        if dropped:
            self.stage = Stage.LAPSED
            self.model.tally.add(churned=1)

    def consider_coming_back(self, good: float, bad: float) -> None:
        """Lapsed: ads and WOM may win me back."""
        week, cfg = self.model.week, self.model.cfg
        p = b.purchase_probability(cfg.repeat.winback_rate, week.ad_persuasion, good, bad,
                                   cfg.wom.purchase_effect, cfg.wom.negative_purchase_effect)
        if self.model.rng.random() < p:
            self.stage = Stage.REPEAT
            self.repeat_purchases += 1
            self.model.tally.add(winbacks=1, repeat_purchases=1)
            self.buy(1)

    def buy(self, n: int) -> None:
        """Pay, maybe need service, and judge the experience against what I expected."""
        cfg, week, rng = self.model.cfg, self.model.week, self.model.rng
        self.purchases += n
        self.revenue += n * cfg.purchase.price
        encounters = int(b.service_encounters(rng, n, cfg.service.need_probability))
        self.service_encounters += encounters
        self.model.tally.add(purchases=n, service_encounters=encounters)
        quality = b.experienced_quality(cfg.purchase.product_quality, week.service_quality,
                                        cfg.service.weight, encounters)
        sat = cfg.satisfaction
        score = b.experience_score(rng, quality, self.expectation, sat.disconfirmation_weight, sat.noise_sd)
        self.satisfaction = float(b.updated_satisfaction(self.satisfaction, score, sat.memory))
        self.expectation = float(b.updated_expectation(self.expectation, quality, sat.expectation_adaptation))
        self.model.voice_changes(self, b.voice(self.satisfaction, True))


class CustomerModel(JourneyModel):
    """The agents engine: a Mesa model of ``Customer`` agents (one replication per model)."""

    def __init__(self, *args, replications: int = 1, **kwargs) -> None:
        if replications != 1:
            raise ValueError("the agents engine runs one replication per model")
        super().__init__(*args, **kwargs)

    def setup(self, population: Population) -> None:
        """Create one Customer per person and link contacts from the network."""
        self.customers = [Customer(self, i, population) for i in range(self.cfg.market.population)]
        if self.adjacency is not None:
            ptr, idx = self.adjacency.indptr, self.adjacency.indices
            for i, customer in enumerate(self.customers):
                customer.contacts = [self.customers[j] for j in idx[ptr[i]:ptr[i + 1]]]
        self.tally = WeekTally.zeros(1)
        self.contacts = ContactVoices(self.adjacency, population.voice, len(Voice))
        self._state: WeekState | None = None

    def voice_changes(self, customer: Customer, said: int) -> None:
        """A customer will speak with a new voice from next week; their contacts will hear it."""
        if said != customer.voice:
            self.contacts.update(np.array([customer.index]), np.array([customer.voice]), np.array([said]))
            customer.voice = said

    def word_of_mouth_heard_by(self, customer: Customer) -> tuple[float, float]:
        """Positive and negative WOM per contact that a customer hears this week."""
        i = customer.index
        if self.adjacency is None:
            return self._heard_positive, self._heard_negative
        return float(self._heard_positive[i]), float(self._heard_negative[i])

    def advance_customers(self, tally: WeekTally) -> None:
        """Every customer acts on what contacts said at the start of the week (a synchronous update)."""
        self.tally = tally
        self._heard_positive, self._heard_negative = self.contacts.heard(self.talk)
        self.agents.shuffle_do("step")
        self._state = None

    def _column(self, name: str, dtype: type) -> np.ndarray:
        return np.fromiter((getattr(c, name) for c in self.customers), dtype=dtype, count=len(self.customers))

    def week_state(self) -> WeekState:
        """The state the weekly metrics and WOM need, gathered once per week."""
        if self._state is None:
            col = self._column
            self._state = WeekState(stage=col("stage", np.int8), satisfaction=col("satisfaction", float),
                                    voice=col("voice", np.int8))
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
            voice=col("voice", np.int8),
        )
