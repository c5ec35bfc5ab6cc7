"""The fast engine: the same model with customers as arrays.

Each week every stage's customers are taken as an index array and moved with
the functions of :mod:`cxsim.behaviour`, the ones ``Customer.step`` calls one
person at a time.
"""

from __future__ import annotations

import numpy as np

from cxsim import behaviour as b
from cxsim.behaviour import Source, Stage, Voice
from cxsim.metrics import WeekTally
from cxsim.model import JourneyModel, Population, channel_codes
from cxsim.network import ContactVoices


Purchases = tuple[np.ndarray, np.ndarray]  # who bought this week, and how many times


def _at(values: np.ndarray | float, idx: np.ndarray) -> np.ndarray | float:
    """The values of the customers ``idx`` picks (an index or a mask; a scalar is the same for everyone)."""
    return values[idx] if isinstance(values, np.ndarray) else values


class FastModel(JourneyModel):
    """The fast engine: a Mesa model whose customers are rows of arrays."""

    def setup(self, population: Population) -> None:
        """Keep the population's arrays as the customers."""
        self.people = population
        self.contacts = ContactVoices(self.adjacency, population.voice, len(Voice), self.replications)
        self.forced_channel, self.escalation_channel = channel_codes(self.cfg)

    def _by_replication(self, value: float | np.ndarray, idx: np.ndarray) -> float | np.ndarray:
        """A market-level value (one per replication) as seen by the customers ``idx``."""
        return value[self.replication_of[idx]] if isinstance(value, np.ndarray) else value

    def _count(self, idx: np.ndarray) -> np.ndarray:
        """How many of the customers ``idx`` belong to each replication."""
        return np.bincount(self.replication_of[idx], minlength=self.replications)

    def _total(self, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` (one per customer in ``idx``) by replication."""
        return self._sum(idx, values).astype(np.int64)

    def _sum(self, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Sum of float ``values`` (one per customer in ``idx``) by replication."""
        return np.bincount(self.replication_of[idx], weights=values, minlength=self.replications)

    def _trait(self, name: str, idx: np.ndarray) -> float | np.ndarray:
        """A segment trait of the customers ``idx`` (a float without segments)."""
        traits = self.traits
        return float(traits.values[name][0]) if traits.single else traits.values[name][self.people.segment[idx]]

    def population(self) -> Population:
        """The customers' state (the live arrays, not a copy)."""
        return self.people

    def week_state(self):
        """The state counted every week: the live arrays."""
        p = self.people
        return self.counted_state(p.stage, p.satisfaction, p.voice, p.member)

    def advance_customers(self, tally: WeekTally) -> None:
        """Move every stage's customers through one week; what they say next week changes as they buy.

        The WOM each stage's customers hear (``good``, ``bad``: one value per customer of the stage) is
        what was said at the start of the week.
        """
        p = self.people
        unaware = np.flatnonzero(p.stage == Stage.UNAWARE)
        aware = np.flatnonzero(p.stage == Stage.AWARE)
        active = np.flatnonzero((p.stage == Stage.CUSTOMER) | (p.stage == Stage.REPEAT))
        lapsed = np.flatnonzero(p.stage == Stage.LAPSED)
        # everyone hears what was said at the start of the week (voices change only once people have bought)
        heard = [self.contacts.heard(self.talk, who) for who in (unaware, aware, active, lapsed)]
        # each person is in one stage, so makes at most one kind of purchase a week:
        # collect them and let every buyer pay and judge the experience in one pass
        purchases = [self._notice_the_brand(unaware, heard[0][0], tally),
                     self._consider_buying(aware, *heard[1], tally),
                     self._buy_again_or_leave(active, heard[2][1], tally),
                     self._consider_coming_back(lapsed, *heard[3], tally)]
        self._buy(np.concatenate([who for who, _ in purchases]), np.concatenate([n for _, n in purchases]), tally)

    def _notice_the_brand(self, idx: np.ndarray, good, tally: WeekTally) -> Purchases:
        p, week, cfg, rng = self.people, self.week, self.cfg, self.rng
        reach = week.ad_reach * self._trait("ad_response", idx)
        wom = cfg.wom.awareness_effect * self._trait("wom_response", idx)
        chance = b.awareness_probability(reach, good, wom)
        hit = rng.random(idx.size) < chance
        now, good, reach, wom = idx[hit], _at(good, hit), _at(reach, hit), _at(wom, hit)
        p.stage[now] = Stage.AWARE
        ads = rng.random(now.size) < b.credit_to_ads_probability(reach, good, wom)
        p.source[now] = np.where(ads, Source.ADS, Source.WOM)
        p.expectation[now] = b.expectation_from_ads(self._trait("expectation_prior", now), week.ad_expectation_lift)
        buying = now[rng.random(now.size) < cfg.purchase.buy_on_awareness]
        return self._buy_first_time(buying, tally)

    def _consider_buying(self, idx: np.ndarray, good, bad, tally: WeekTally) -> Purchases:
        p, week, cfg, rng = self.people, self.week, self.cfg, self.rng
        forget = rng.random(idx.size) < cfg.purchase.awareness_decay
        p.stage[idx[forget]] = Stage.UNAWARE
        p.source[idx[forget]] = Source.NONE
        stay = ~forget
        idx, good, bad = idx[stay], _at(good, stay), _at(bad, stay)
        listen, ads = self._trait("wom_response", idx), self._trait("ad_response", idx)
        chance = b.purchase_probability(self._trait("base_rate", idx), week.ad_persuasion * ads, good,
                                        bad, cfg.wom.purchase_effect * listen,
                                        cfg.wom.negative_purchase_effect * listen)
        return self._buy_first_time(idx[rng.random(idx.size) < chance], tally)

    def _buy_first_time(self, idx: np.ndarray, tally: WeekTally) -> Purchases:
        p = self.people
        p.stage[idx] = Stage.CUSTOMER
        p.first_purchase_step[idx] = self.steps
        src = p.source[idx]
        tally.add(new_customers=self._count(idx), new_from_ads=self._count(idx[src == Source.ADS]),
                  new_from_wom=self._count(idx[src == Source.WOM]))
        if self.cfg.loyalty.enrolment > 0:
            p.member[idx] = self.rng.random(idx.size) < self.cfg.loyalty.enrolment
        return idx, np.ones(idx.size, dtype=np.int64)

    def _buy_again_or_leave(self, idx: np.ndarray, bad, tally: WeekTally) -> Purchases:
        p, cfg, rng = self.people, self.cfg, self.rng
        churn_effect = cfg.wom.negative_churn_effect * self._trait("wom_response", idx)
        pushed = rng.random(idx.size) < b.churn_probability(bad, churn_effect)
        gone = idx[pushed]
        p.stage[gone] = Stage.LAPSED
        tally.add(churned=self._count(gone))
        idx = idx[~pushed]
        rep, loy, sat = cfg.repeat, cfg.loyalty, p.satisfaction[idx]
        rate = b.repeat_rate(p.rate[idx], sat, rep.neutral_satisfaction, self._trait("rate_sensitivity", idx))
        if loy.rate_growth > 0:
            rate = rate * b.tenure_lift(self._tenure(idx), loy.rate_growth, loy.tenure_half_weeks)
        if loy.enrolment > 0:
            rate = b.member_rate(rate, p.member[idx].astype(float), loy.member_rate_uplift)
        # one week of BG/NBD (b.repeat_week), with dropout chances worked out for buyers only
        wanted = b.purchases_wanted(rng, rate)
        buying = np.flatnonzero(wanted)
        who, sat = idx[buying], sat[buying]
        dropout = b.dropout_probability(p.dropout[who], sat, rep.neutral_satisfaction,
                                        self._trait("dropout_sensitivity", who))
        if loy.enrolment > 0:
            dropout = b.member_dropout(dropout, p.member[who].astype(float), loy.member_dropout_reduction)
        n, dropped = b.stop_at_dropout(rng, wanted[buying], dropout)
        p.stage[who] = Stage.REPEAT
        p.repeat_purchases[who] += n.astype(np.int32)
        tally.add(repeat_purchases=self._total(who, n))
        p.stage[who[dropped]] = Stage.LAPSED
        tally.add(churned=self._count(who[dropped]))
        return who, n

    def _consider_coming_back(self, idx: np.ndarray, good, bad, tally: WeekTally) -> Purchases:
        p, week, cfg, rng = self.people, self.week, self.cfg, self.rng
        listen = self._trait("wom_response", idx)
        chance = b.purchase_probability(cfg.repeat.winback_rate, week.ad_persuasion * self._trait("ad_response", idx),
                                        good, bad, cfg.wom.purchase_effect * listen,
                                        cfg.wom.negative_purchase_effect * listen)
        back = idx[rng.random(idx.size) < chance]
        p.stage[back] = Stage.REPEAT
        p.repeat_purchases[back] += 1
        tally.add(winbacks=self._count(back), repeat_purchases=self._count(back))
        return back, np.ones(back.size, dtype=np.int64)

    def _tenure(self, idx: np.ndarray) -> np.ndarray:
        """Weeks since the first purchase of the customers ``idx``."""
        return (self.steps - self.people.first_purchase_step[idx]).astype(float)

    def _basket(self, idx: np.ndarray) -> float | np.ndarray:
        """Spend per purchase relative to the price: the segment's basket, grown with tenure and satisfaction."""
        loy = self.cfg.loyalty
        if loy.basket_growth == 0 and loy.basket_satisfaction == 0:
            return self._trait("basket", idx)
        return b.basket_size(self._trait("basket", idx), self._tenure(idx), self.people.satisfaction[idx],
                             self.cfg.repeat.neutral_satisfaction, loy.basket_growth, loy.tenure_half_weeks,
                             loy.basket_satisfaction)

    def _buy(self, idx: np.ndarray, n: np.ndarray, tally: WeekTally) -> None:
        p, cfg, rng = self.people, self.cfg, self.rng
        spend = n * cfg.purchase.price * self._basket(idx)
        p.purchases[idx] += n.astype(np.int32)
        p.revenue[idx] += spend
        encounters = b.service_encounters(rng, n, self._trait("need_probability", idx))
        p.service_encounters[idx] += encounters.astype(np.int32)
        product, service = cfg.purchase.product_quality, self._get_service(idx, encounters, tally)
        silos = cfg.silos
        if silos.spread > 0:  # each department delivers its own way
            product = b.delivered_quality(rng, np.full(idx.size, product), silos.spread)
            service = b.delivered_quality(rng, np.broadcast_to(service, idx.shape), silos.spread)
        quality = b.experienced_quality(product, service, cfg.service.weight, encounters)
        penalty = (b.inconsistency_penalty(product, service, encounters, silos.inconsistency_weight)
                   if silos.inconsistency_weight > 0 else 0.0)
        sat = cfg.satisfaction
        score = b.experience_score(rng, quality, p.expectation[idx], sat.disconfirmation_weight, sat.noise_sd,
                                   penalty)
        tally.add(purchases=self._total(idx, n), service_encounters=self._total(idx, encounters),
                  revenue=self._sum(idx, spend), bad_experiences=self._count(idx[b.is_bad_experience(score)]))
        if cfg.loyalty.enrolment > 0:
            tally.add(member_revenue=self._sum(idx, spend * p.member[idx]))
        p.satisfaction[idx] = b.updated_satisfaction(p.satisfaction[idx], score, sat.memory)
        p.expectation[idx] = b.updated_expectation(p.expectation[idx], quality, sat.expectation_adaptation)
        said = b.voice(p.satisfaction[idx], True)  # only buyers' satisfaction, so voice, moved
        self.contacts.update(idx, p.voice[idx], said)
        p.voice[idx] = said

    def _get_service(self, idx: np.ndarray, encounters: np.ndarray, tally: WeekTally) -> float | np.ndarray:
        """Quality of the service the buyers ``idx`` get: their channel or the one they are pushed into; some
        problems continue in the escalation channel."""
        week, omni, rng = self.week, self.cfg.omnichannel, self.rng
        if week.channels is None:
            return self._by_replication(week.service_quality, idx)
        preferred = self.people.channel[idx]
        served = preferred
        if self.forced_channel is not None:
            pushed = (np.ones(idx.size, dtype=bool) if omni.forced_share >= 1
                      else rng.random(idx.size) < omni.forced_share)
            served = b.served_channel(preferred, self.forced_channel, pushed)
        rep = self.replication_of[idx]
        quality = b.routed_quality(week.channels.quality[rep, served], served, preferred, omni.forced_penalty)
        self._count_channel(tally, rep, served, encounters)
        if self.escalation_channel is not None:
            escalated = rng.random(idx.size) < omni.escalation_share
            quality = b.escalated_quality(quality, week.channels.quality[rep, self.escalation_channel], escalated,
                                          omni.weakest_link)
            self._count_channel(tally, rep[escalated], self.escalation_channel, encounters[escalated])
        return quality

    def _count_channel(self, tally: WeekTally, rep: np.ndarray, channel, encounters: np.ndarray) -> None:
        k = len(self.cfg.channels)
        cells = np.bincount(rep * k + channel, weights=encounters, minlength=self.replications * k)
        tally.channel_encounters += cells.reshape(self.replications, k).astype(np.int64)
