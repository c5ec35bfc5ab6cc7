"""The readable engine: one ``Customer`` agent per person, stepped by Mesa.

Read ``Customer.step`` top to bottom: it is the customer journey. All the
probabilities come from :mod:`cxsim.behaviour`, which the fast engine uses too.
"""

from __future__ import annotations

import mesa
import numpy as np

from cxsim import behaviour as b
from cxsim.behaviour import Source, Stage, Voice
from cxsim.metrics import WeekTally
from cxsim.model import JourneyModel, Population, channel_codes
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
        self.segment = int(pop.segment[index])
        self.traits = model.segment_traits[self.segment]  # my segment's behaviour
        self.channel = int(pop.channel[index])      # the service channel I prefer
        self.member = bool(pop.member[index])       # in the loyalty programme
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
        week, cfg, me = self.model.week, self.model.cfg, self.traits
        rng = self.model.rng
        reach, wom = week.ad_reach * me.ad_response, cfg.wom.awareness_effect * me.wom_response
        if rng.random() >= b.awareness_probability(reach, good, wom):
            return
        self.stage = Stage.AWARE
        credit_ads = rng.random() < b.credit_to_ads_probability(reach, good, wom)
        self.source = Source.ADS if credit_ads else Source.WOM
        self.expectation = b.expectation_from_ads(me.expectation_prior, week.ad_expectation_lift)
        if rng.random() < cfg.purchase.buy_on_awareness:
            self.buy_first_time()

    def consider_buying(self, good: float, bad: float) -> None:
        """Aware: I may forget the brand, or ads and WOM may make me buy."""
        week, cfg, me = self.model.week, self.model.cfg, self.traits
        rng = self.model.rng
        if rng.random() < cfg.purchase.awareness_decay:
            self.stage, self.source = Stage.UNAWARE, Source.NONE
            return
        p = b.purchase_probability(me.base_rate, week.ad_persuasion * me.ad_response, good, bad,
                                   cfg.wom.purchase_effect * me.wom_response,
                                   cfg.wom.negative_purchase_effect * me.wom_response)
        if rng.random() < p:
            self.buy_first_time()

    def buy_first_time(self) -> None:
        """My first purchase: I become a customer, credited to what made me aware; I may join the loyalty programme."""
        self.stage = Stage.CUSTOMER
        self.first_purchase_step = self.model.steps
        self.model.tally.add(new_customers=1, new_from_ads=self.source == Source.ADS,
                             new_from_wom=self.source == Source.WOM)
        enrolment = self.model.cfg.loyalty.enrolment
        if enrolment > 0:
            self.member = self.model.rng.random() < enrolment
        self.buy(1)

    def buy_again_or_leave(self, bad: float) -> None:
        """Active: bad WOM may push me away; else I buy at my rate and may drop out after."""
        cfg, rng, me = self.model.cfg, self.model.rng, self.traits
        if rng.random() < b.churn_probability(bad, cfg.wom.negative_churn_effect * me.wom_response):
            self.stage = Stage.LAPSED
            self.model.tally.add(churned=1)
            return
        rep, loy = cfg.repeat, cfg.loyalty
        rate = b.repeat_rate(self.rate, self.satisfaction, rep.neutral_satisfaction, me.rate_sensitivity)
        dropout = b.dropout_probability(self.dropout, self.satisfaction, rep.neutral_satisfaction,
                                        me.dropout_sensitivity)
        if loy.rate_growth > 0:  # loyal customers buy more often
            rate = rate * b.tenure_lift(float(self.tenure), loy.rate_growth, loy.tenure_half_weeks)
        if loy.enrolment > 0:
            rate = b.member_rate(rate, float(self.member), loy.member_rate_uplift)
            dropout = b.member_dropout(dropout, float(self.member), loy.member_dropout_reduction)
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
        week, cfg, me = self.model.week, self.model.cfg, self.traits
        p = b.purchase_probability(cfg.repeat.winback_rate, week.ad_persuasion * me.ad_response, good, bad,
                                   cfg.wom.purchase_effect * me.wom_response,
                                   cfg.wom.negative_purchase_effect * me.wom_response)
        if self.model.rng.random() < p:
            self.stage = Stage.REPEAT
            self.repeat_purchases += 1
            self.model.tally.add(winbacks=1, repeat_purchases=1)
            self.buy(1)

    @property
    def tenure(self) -> int:
        """Weeks since my first purchase."""
        return self.model.steps - self.first_purchase_step

    def basket(self) -> float:
        """What I spend per purchase, relative to the price: more the longer I stay and the happier I am."""
        loy = self.model.cfg.loyalty
        if loy.basket_growth == 0 and loy.basket_satisfaction == 0:
            return self.traits.basket
        return b.basket_size(self.traits.basket, float(self.tenure), self.satisfaction,
                             self.model.cfg.repeat.neutral_satisfaction, loy.basket_growth, loy.tenure_half_weeks,
                             loy.basket_satisfaction)

    def buy(self, n: int) -> None:
        """Pay, maybe need service, and judge the experience against what I expected."""
        cfg, rng = self.model.cfg, self.model.rng
        spend = n * cfg.purchase.price * self.basket()
        self.purchases += n
        self.revenue += spend
        encounters = int(b.service_encounters(rng, n, self.traits.need_probability))
        self.service_encounters += encounters
        product, service = cfg.purchase.product_quality, self.get_service(encounters)
        silos = cfg.silos
        if silos.spread > 0:  # each department delivers its own way
            product = b.delivered_quality(rng, product, silos.spread)
            service = b.delivered_quality(rng, service, silos.spread)
        quality = b.experienced_quality(product, service, cfg.service.weight, encounters)
        penalty = (b.inconsistency_penalty(product, service, encounters, silos.inconsistency_weight)
                   if silos.inconsistency_weight > 0 else 0.0)
        sat = cfg.satisfaction
        score = b.experience_score(rng, quality, self.expectation, sat.disconfirmation_weight, sat.noise_sd,
                                   penalty)
        self.model.tally.add(purchases=n, service_encounters=encounters, revenue=spend,
                             member_revenue=spend * self.member, bad_experiences=b.is_bad_experience(score))
        self.satisfaction = float(b.updated_satisfaction(self.satisfaction, score, sat.memory))
        self.expectation = float(b.updated_expectation(self.expectation, quality, sat.expectation_adaptation))
        self.model.voice_changes(self, b.voice(self.satisfaction, True))

    def get_service(self, encounters: int) -> float:
        """Quality of the service I get: in my channel or the one I am pushed into; a problem may continue elsewhere."""
        model = self.model
        week, omni = model.week, model.cfg.omnichannel
        if week.channels is None or not encounters:
            return week.service_quality
        served = self.channel
        if model.forced_channel is not None:
            pushed = omni.forced_share >= 1 or model.rng.random() < omni.forced_share
            served = int(b.served_channel(self.channel, model.forced_channel, pushed))
        quality = b.routed_quality(float(week.channels.quality[0, served]), served, self.channel,
                                   omni.forced_penalty)
        model.tally.channel_encounters[0, served] += encounters
        if model.escalation_channel is not None:
            escalated = model.rng.random() < omni.escalation_share
            quality = b.escalated_quality(quality, float(week.channels.quality[0, model.escalation_channel]),
                                          escalated, omni.weakest_link)
            if escalated:
                model.tally.channel_encounters[0, model.escalation_channel] += encounters
        return quality


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
        self.tally = WeekTally.zeros(1, len(self.cfg.channels))
        self.contacts = ContactVoices(self.adjacency, population.voice, len(Voice))
        self.forced_channel, self.escalation_channel = channel_codes(self.cfg)
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
            self._state = self.counted_state(col("stage", np.int8), col("satisfaction", float), col("voice", np.int8),
                                             col("member", bool))
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
            member=col("member", bool),
        )
