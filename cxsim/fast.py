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
from cxsim.model import JourneyModel, Population
from cxsim.network import ContactVoices


Purchases = tuple[np.ndarray, np.ndarray]  # who bought this week, and how many times


def _at(values: np.ndarray | float, idx: np.ndarray) -> np.ndarray | float:
    """Values for the customers in ``idx`` (a scalar is the same for everyone)."""
    return values[idx] if isinstance(values, np.ndarray) else values


class FastModel(JourneyModel):
    """The fast engine: a Mesa model whose customers are rows of arrays."""

    def setup(self, population: Population) -> None:
        """Keep the population's arrays as the customers."""
        self.people = population
        self.contacts = ContactVoices(self.adjacency, population.voice, len(Voice), self.replications)

    def _by_replication(self, value: float | np.ndarray, idx: np.ndarray) -> float | np.ndarray:
        """A market-level value (one per replication) as seen by the customers ``idx``."""
        return value[self.replication_of[idx]] if isinstance(value, np.ndarray) else value

    def _count(self, idx: np.ndarray) -> np.ndarray:
        """How many of the customers ``idx`` belong to each replication."""
        return np.bincount(self.replication_of[idx], minlength=self.replications)

    def _total(self, idx: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` (one per customer in ``idx``) by replication."""
        return np.bincount(self.replication_of[idx], weights=values, minlength=self.replications).astype(np.int64)

    def population(self) -> Population:
        """The customers' state (the live arrays, not a copy)."""
        return self.people

    def advance_customers(self, tally: WeekTally) -> None:
        """Move every stage's customers through one week; what they say next week changes as they buy."""
        p, cfg = self.people, self.cfg
        good, bad = self.contacts.heard(self.talk)
        unaware = np.flatnonzero(p.stage == Stage.UNAWARE)
        aware = np.flatnonzero(p.stage == Stage.AWARE)
        active = np.flatnonzero((p.stage == Stage.CUSTOMER) | (p.stage == Stage.REPEAT))
        lapsed = np.flatnonzero(p.stage == Stage.LAPSED)
        # each person is in one stage, so makes at most one kind of purchase a week:
        # collect them and let every buyer pay and judge the experience in one pass
        purchases = [self._notice_the_brand(unaware, good, tally),
                     self._consider_buying(aware, good, bad, tally),
                     self._buy_again_or_leave(active, bad, tally),
                     self._consider_coming_back(lapsed, good, bad, tally)]
        self._buy(np.concatenate([who for who, _ in purchases]), np.concatenate([n for _, n in purchases]), tally)

    def _notice_the_brand(self, idx: np.ndarray, good, tally: WeekTally) -> Purchases:
        p, week, cfg, rng = self.people, self.week, self.cfg, self.rng
        g = _at(good, idx)
        chance = b.awareness_probability(week.ad_reach, g, cfg.wom.awareness_effect)
        hit = rng.random(idx.size) < chance
        now, g = idx[hit], (g[hit] if isinstance(g, np.ndarray) else g)
        p.stage[now] = Stage.AWARE
        ads = rng.random(now.size) < b.credit_to_ads_probability(week.ad_reach, g, cfg.wom.awareness_effect)
        p.source[now] = np.where(ads, Source.ADS, Source.WOM)
        p.expectation[now] = week.ad_expectation
        buying = now[rng.random(now.size) < cfg.purchase.buy_on_awareness]
        return self._buy_first_time(buying, tally)

    def _consider_buying(self, idx: np.ndarray, good, bad, tally: WeekTally) -> Purchases:
        p, week, cfg, rng = self.people, self.week, self.cfg, self.rng
        forget = rng.random(idx.size) < cfg.purchase.awareness_decay
        p.stage[idx[forget]] = Stage.UNAWARE
        p.source[idx[forget]] = Source.NONE
        idx = idx[~forget]
        chance = b.purchase_probability(cfg.purchase.base_rate, week.ad_persuasion, _at(good, idx),
                                        _at(bad, idx), cfg.wom.purchase_effect, cfg.wom.negative_purchase_effect)
        return self._buy_first_time(idx[rng.random(idx.size) < chance], tally)

    def _buy_first_time(self, idx: np.ndarray, tally: WeekTally) -> Purchases:
        p = self.people
        p.stage[idx] = Stage.CUSTOMER
        p.first_purchase_step[idx] = self.steps
        src = p.source[idx]
        tally.add(new_customers=self._count(idx), new_from_ads=self._count(idx[src == Source.ADS]),
                  new_from_wom=self._count(idx[src == Source.WOM]))
        return idx, np.ones(idx.size, dtype=np.int64)

    def _buy_again_or_leave(self, idx: np.ndarray, bad, tally: WeekTally) -> Purchases:
        p, cfg, rng = self.people, self.cfg, self.rng
        pushed = rng.random(idx.size) < b.churn_probability(_at(bad, idx), cfg.wom.negative_churn_effect)
        p.stage[idx[pushed]] = Stage.LAPSED
        tally.add(churned=self._count(idx[pushed]))
        idx = idx[~pushed]
        rep, sat = cfg.repeat, p.satisfaction[idx]
        rate = b.repeat_rate(p.rate[idx], sat, rep.neutral_satisfaction, rep.rate_sensitivity)
        dropout = b.dropout_probability(p.dropout[idx], sat, rep.neutral_satisfaction, rep.dropout_sensitivity)
        bought, dropped = b.repeat_week(rng, rate, dropout)
        buyers = bought > 0
        who, n = idx[buyers], bought[buyers]
        p.stage[who] = Stage.REPEAT
        p.repeat_purchases[who] += n.astype(np.int32)
        tally.add(repeat_purchases=self._total(who, n))
        p.stage[idx[dropped]] = Stage.LAPSED
        tally.add(churned=self._count(idx[dropped]))
        return who, n

    def _consider_coming_back(self, idx: np.ndarray, good, bad, tally: WeekTally) -> Purchases:
        p, week, cfg, rng = self.people, self.week, self.cfg, self.rng
        chance = b.purchase_probability(cfg.repeat.winback_rate, week.ad_persuasion, _at(good, idx),
                                        _at(bad, idx), cfg.wom.purchase_effect, cfg.wom.negative_purchase_effect)
        back = idx[rng.random(idx.size) < chance]
        p.stage[back] = Stage.REPEAT
        p.repeat_purchases[back] += 1
        tally.add(winbacks=self._count(back), repeat_purchases=self._count(back))
        return back, np.ones(back.size, dtype=np.int64)

    def _buy(self, idx: np.ndarray, n: np.ndarray, tally: WeekTally) -> None:
        p, cfg, week, rng = self.people, self.cfg, self.week, self.rng
        p.purchases[idx] += n.astype(np.int32)
        p.revenue[idx] += n * cfg.purchase.price
        encounters = b.service_encounters(rng, n, cfg.service.need_probability)
        p.service_encounters[idx] += encounters.astype(np.int32)
        tally.add(purchases=self._total(idx, n), service_encounters=self._total(idx, encounters))
        quality = b.experienced_quality(cfg.purchase.product_quality, self._by_replication(week.service_quality, idx),
                                        cfg.service.weight, encounters)
        sat = cfg.satisfaction
        score = b.experience_score(rng, quality, p.expectation[idx], sat.disconfirmation_weight, sat.noise_sd)
        p.satisfaction[idx] = b.updated_satisfaction(p.satisfaction[idx], score, sat.memory)
        p.expectation[idx] = b.updated_expectation(p.expectation[idx], quality, sat.expectation_adaptation)
        said = b.voice(p.satisfaction[idx], True)  # only buyers' satisfaction, so voice, moved
        self.contacts.update(idx, p.voice[idx], said)
        p.voice[idx] = said
