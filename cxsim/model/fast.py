"""The fast engine: the same model with customers as arrays, stepped in one compiled loop.

Each week one pass over everyone does what ``Customer.step`` does for one
person, calling the same rules (:mod:`cxsim.model.rules`) with the same random numbers
(:mod:`cxsim.model.draws`), so both engines agree customer by customer.
"""

from __future__ import annotations

import numba
import numpy as np

from cxsim.model import rules
from cxsim.model.behaviour import Source, Stage, Voice, is_bad_experience, voice
from cxsim.model.journey import JourneyModel, Population
from cxsim.model.metrics import COUNTED, WeekTally
from cxsim.model.network import ContactVoices, heard_from_counts
from cxsim.model.parallel import CHUNK, KERNEL_LOCK, chunks

UNAWARE, AWARE, CUSTOMER, REPEAT, LAPSED = (int(s) for s in Stage)
NO_SOURCE, FROM_ADS, FROM_WOM = int(Source.NONE), int(Source.ADS), int(Source.WOM)
QUIET = int(Voice.QUIET)
(NEW_CUSTOMERS, NEW_FROM_ADS, NEW_FROM_WOM, WINBACKS, CHURNED, PURCHASES, REPEAT_PURCHASES, SERVICE_ENCOUNTERS,
 BAD_EXPERIENCES) = range(len(COUNTED))
assert COUNTED[BAD_EXPERIENCES] == "bad_experiences" and COUNTED[WINBACKS] == "winbacks"


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _buy(i, n_bought, r, person, week, key, p, c, w, quality_row, t, counts, money, channel_counts):  # pragma: no cover
    """Person ``i`` pays for ``n_bought`` purchases, maybe needs service, and judges the experience.

    Returns the voice they will speak with from next week.
    """
    (stage, source, rate, dropout, satisfaction, expectation, first, purchases, repeat_purchases, encounters,
     revenue, voice_now, segment, channel, member, scale) = p
    tenure = float(week - first[i])
    spend = n_bought * c[rules.PRICE] * rules.basket(c, t, tenure, satisfaction[i])
    before = purchases[i]
    purchases[i] += n_bought
    revenue[i] += spend
    needed = rules.service_encounters(t, key, person, before, n_bought)
    encounters[i] += needed
    service, served, escalated = rules.service_received(c, w, quality_row, key, week, person, channel[i], needed)
    if served >= 0:
        channel_counts[r, served] += needed
        if escalated:
            channel_counts[r, int(c[rules.ESCALATION_CHANNEL])] += needed
    score, satisfaction[i], expectation[i] = rules.experience(c, key, before, person, service, needed, expectation[i],
                                                              satisfaction[i])
    counts[r, PURCHASES] += n_bought
    counts[r, SERVICE_ENCOUNTERS] += needed
    counts[r, BAD_EXPERIENCES] += is_bad_experience(score)
    money[r, 0] += spend
    if member[i]:
        money[r, 1] += spend
    return voice(satisfaction[i] + scale[i], True)


@numba.njit(cache=True, nogil=True, error_model="numpy", parallel=True)
def advance_week(week, n, block, keys, p, c, week_rows, channel_quality, trait_rows, indptr, indices, contact_counts,
                 heard_in_market, talk, counts, money, channel_counts):  # pragma: no cover
    """Every person lives one week, as ``Customer.step`` does; voices change for next week at the end.

    People are taken in fixed chunks of ``CHUNK``, counted from the start of each block
    (a plan's markets), run in parallel; each chunk counts its own tallies, summed
    afterwards in chunk order, so the results do not depend on the number of threads
    or on the plans beside them (and, people acting on the start of the week, not on
    the order in which they act).

    Args:
        week: the week number (the draws' counter).
        n: people per replication (replications are consecutive blocks).
        block: people per plan (plans side by side are consecutive blocks of replications).
        keys: each replication's key for the draws.
        p: the population's arrays, in the order of ``Population``'s fields.
        c, week_rows, channel_quality, trait_rows: the rules' arrays (see :mod:`cxsim.model.rules`).
        indptr, indices: the network (empty ``indptr``: the complete graph).
        contact_counts: contacts by voice, per person (network) or per market (complete graph).
        heard_in_market: on the complete graph, what everyone in each market hears.
        counts, money, channel_counts: the week's tallies by chunk and replication, added to.
    """
    (stage, source, rate, dropout, satisfaction, expectation, first, purchases, repeat_purchases, encounters,
     revenue, voice_now, segment, channel, member, scale) = p
    said = voice_now.copy()
    mean_field = indptr.size == 0
    single, one_segment = trait_rows.shape[0] == 1, trait_rows[0]
    total = stage.size
    per_block = chunks(block)
    for chunk in numba.prange(total // block * per_block):
        tally, cash, served = counts[chunk], money[chunk], channel_counts[chunk]
        start = chunk // per_block * block
        first_i = start + chunk % per_block * CHUNK
        r = first_i // n  # the replication, found once a chunk and moved on where the chunk crosses into the next
        person = first_i - r * n - 1
        key, w, quality_row = keys[r], week_rows[r], channel_quality[r]
        for i in range(first_i, min(start + block, first_i + CHUNK)):
            person += 1
            if person == n:
                r, person = r + 1, 0
                key, w, quality_row = keys[r], week_rows[r], channel_quality[r]
            t = one_segment if single else trait_rows[segment[i]]
            if mean_field:
                good, bad = heard_in_market[r, 0], heard_in_market[r, 1]
            else:
                good, bad = heard_from_counts(contact_counts[i, 0], contact_counts[i, 1], contact_counts[i, 2],
                                              contact_counts[i, 3], contact_counts[i, 4], talk)
            now = stage[i]
            first_time = False
            if now == UNAWARE:
                aware, ads, buys, expected = rules.becomes_aware(c, w, t, key, week, person, good)
                if aware:
                    stage[i] = AWARE
                    source[i] = FROM_ADS if ads else FROM_WOM
                    expectation[i] = expected
                    first_time = buys
            elif now == AWARE:
                if rules.forgets(c, key, week, person):
                    stage[i] = UNAWARE
                    source[i] = NO_SOURCE
                else:
                    first_time = rules.buys_first_time(c, w, t, key, week, person, good, bad)
            elif now == CUSTOMER or now == REPEAT:
                if rules.pushed_away(c, t, key, week, person, bad):
                    stage[i] = LAPSED
                    tally[r, CHURNED] += 1
                else:
                    bought, dropped = rules.repeat_week(c, t, key, week, person, rate[i], dropout[i], satisfaction[i],
                                                        float(week - first[i]), member[i], repeat_purchases[i])
                    if bought:
                        stage[i] = REPEAT
                        repeat_purchases[i] += bought
                        tally[r, REPEAT_PURCHASES] += bought
                        said[i] = _buy(i, bought, r, person, week, key, p, c, w, quality_row, t, tally, cash,
                                       served)
                    if dropped:
                        stage[i] = LAPSED
                        tally[r, CHURNED] += 1
            elif rules.comes_back(c, w, t, key, week, person, good, bad):
                stage[i] = REPEAT
                repeat_purchases[i] += 1
                tally[r, WINBACKS] += 1
                tally[r, REPEAT_PURCHASES] += 1
                said[i] = _buy(i, 1, r, person, week, key, p, c, w, quality_row, t, tally, cash, served)
            elif voice_now[i] != QUIET and rules.stops_talking(c, key, week, person):
                said[i] = QUIET
            if first_time:
                stage[i] = CUSTOMER
                first[i] = week
                tally[r, NEW_CUSTOMERS] += 1
                tally[r, NEW_FROM_ADS] += source[i] == FROM_ADS
                tally[r, NEW_FROM_WOM] += source[i] == FROM_WOM
                if c[rules.ENROLMENT] > 0:
                    member[i] = rules.joins_programme(c, key, week, person)
                said[i] = _buy(i, 1, r, person, week, key, p, c, w, quality_row, t, tally, cash, served)

    return said


class FastModel(JourneyModel):
    """The fast engine: a Mesa model whose customers are rows of arrays."""

    def setup(self, population: Population) -> None:
        """Keep the population's arrays as the customers."""
        self.people = population
        self.contacts = ContactVoices(self.adjacency, population.voice, len(Voice), self.replications)

    def population(self) -> Population:
        """The customers' state (the live arrays, not a copy)."""
        return self.people

    def advance_customers(self, tally: WeekTally) -> None:
        """Everyone lives one week on what was said at its start; then voices change for next week."""
        p, n = self.people, self.cfg.market.simulated_population
        adj = self.adjacency
        indptr, indices = (np.zeros(0, np.int32), np.zeros(0, np.int32)) if adj is None else (adj.indptr, adj.indices)
        in_market = self.contacts.market_heard(self.talk) if adj is None else np.zeros((1, 2))
        block = n * self.replications // self.copies  # one plan's people
        n_chunks = p.stage.size // block * chunks(block)
        counts = np.zeros((n_chunks, self.replications, len(COUNTED)), dtype=np.int64)
        money = np.zeros((n_chunks, self.replications, 2))
        served = np.zeros((n_chunks, *tally.channel_encounters.shape), dtype=np.int64)
        arrays = (p.stage, p.source, p.rate, p.dropout, p.satisfaction, p.expectation, p.first_purchase_step,
                  p.purchases, p.repeat_purchases, p.service_encounters, p.revenue, p.voice, p.segment, p.channel,
                  p.member, p.scale)
        with KERNEL_LOCK:  # numba's workqueue threads serve one caller at a time
            said = advance_week(self.steps, n, block, self.keys, arrays, self.constants, self.week_rows,
                                self.channel_quality, self.trait_rows, indptr, indices, self.contacts.counts, in_market,
                                self.talk, counts, money, served)
        counts, money = counts.sum(axis=0), money.sum(axis=0)
        tally.channel_encounters += served.sum(axis=0)
        for j, name in enumerate(COUNTED):
            getattr(tally, name)[:] += counts[:, j]
        tally.revenue += money[:, 0]
        tally.member_revenue += money[:, 1]
        changed = np.flatnonzero(said != p.voice)
        self.contacts.update(changed, p.voice[changed], said[changed])
        p.voice[changed] = said[changed]
