"""ABC-SMC (pyabc) over cxsim's executors: a posterior of the fitted keys given a history.

Approximate Bayesian computation by sequential Monte Carlo (Toni et al. 2009;
Beaumont et al. 2009; the ``pyabc`` library, Schälte et al. 2022): particles are
drawn from the prior, simulated, and kept when their summary statistics lie
within a distance epsilon of the history's; each generation perturbs the kept
ones and lowers epsilon to the median distance of the last. The final
generation's weighted particles, regression-adjusted to the history's statistics
(:mod:`cxsim.calibrate.adjustment`), are the posterior.

The simulations run on the pools sweeps use (:mod:`cxsim.decide.pools`: local
worker processes, or a Dask cluster with ``--scheduler``). Each particle slot of
a generation draws its numbers from a seed of (seed, generation, slot), so the
posterior is the same whatever the number of workers or where they run.
"""

from __future__ import annotations

import logging
import math
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np
import pandas as pd
from pyabc.sampler import Sampler

from cxsim.calibrate.adjustment import LastGeneration, adjust
from cxsim.calibrate.priors import Prior
from cxsim.calibrate.summaries import HistoryModel
from cxsim.core.errors import UserError
from cxsim.decide.pools import Pool

WEIGHT = "weight"
MAX_GENERATIONS = 12
MIN_ACCEPTANCE = 0.01  # below this a generation costs a hundred simulations per particle: stop
CAP_SLACK = 3  # a group of slots may use this many times its share of the generation's budget before it gives up
NEXT_RATE_FACTOR = 0.6  # a generation's acceptance rate is rarely below this share of the last one's


@dataclass(frozen=True)
class Budget:
    """How much a calibration may spend: simulations and minutes, whichever runs out first."""

    simulations: int = 6_000
    minutes: float = 20.0


def check_budget(budget: Budget, particles: int) -> None:
    """Refuse a budget too small for a first generation: the prior's sample and one generation at about half
    acceptance need some 3 simulations a particle; 4 leaves room."""
    if budget.simulations < 4 * particles:
        raise UserError(f"--simulations: expected at least 4 x --particles ({4 * particles:,}) simulations: the "
                        f"prior's sample and a first generation need about 3 a particle, got {budget.simulations:,}")


def _sample_slots(blob: bytes, factory, seeds: list[int], cap: float, deadline: float):
    """Sample each slot until one particle is accepted (in a worker); stop early at the cap or the deadline."""
    import cloudpickle

    numba.set_num_threads(1)
    simulate_one = cloudpickle.loads(blob)
    sample, used = factory(), 0
    for seed in seeds:
        np.random.seed(seed)
        random.seed(seed)
        while True:
            if used >= cap or time.time() > deadline:
                return sample, used
            particle = simulate_one()
            used += 1
            sample.append(particle)
            if particle.accepted:
                break
    return sample, used


class PoolSampler(Sampler):
    """A pyabc sampler that runs particle slots on a cxsim pool, each slot on its own seed.

    Args:
        pool: where simulations run.
        seed: master seed.
        deadline: ``time.time()`` after which no new simulation starts.
        progress: called with the number of simulations just finished.
    """

    def __init__(self, pool: Pool, seed: int, deadline: float, progress: Callable[[int], None] | None = None):
        super().__init__()
        self.pool, self.seed, self.deadline, self.progress = pool, seed, deadline, progress
        self.calls = self.total = 0

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        """``n`` accepted particles, slots spread over the pool (``sample.ok`` is False if the budget ran out)."""
        import cloudpickle

        self.calls += 1
        seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence([self.seed, self.calls]).spawn(n)]
        blob = cloudpickle.dumps(simulate_one)
        per = max(1, n // (4 * self.pool.slots))
        chunks = [seeds[i:i + per] for i in range(0, n, per)]
        deadline = math.inf if all_accepted else self.deadline
        futures: dict[Future, int] = {}
        for k, chunk in enumerate(chunks):
            cap = math.inf if not math.isfinite(max_eval) else math.ceil(CAP_SLACK * max_eval * len(chunk) / n)
            futures[self.pool.executor().submit(_sample_slots, blob, self.sample_factory, chunk, cap, deadline)] = k
        results: list = [None] * len(chunks)
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if self.progress:
                self.progress(results[futures[future]][1])
        sample = self._create_empty_sample()
        for part, _ in results:
            sample += part
        self.nr_evaluations_ = sum(used for _, used in results)
        self.total += self.nr_evaluations_
        sample.ok = sample.n_accepted >= n
        return sample


@dataclass
class Posterior:
    """What a calibration found.

    Attributes:
        draws: one row per particle of the last generation, regression-adjusted: the fitted keys' values and a
            ``weight`` (sums to 1).
        generations: by generation: epsilon, simulations, acceptance rate.
        simulations: simulations run in all (the prior's calibration sample included).
        elapsed: wall time (seconds).
        stopped: why it stopped.
        where: where the simulations ran.
    """

    draws: pd.DataFrame
    generations: pd.DataFrame
    simulations: int
    elapsed: float
    stopped: str
    where: str = ""
    notes: list[str] = field(default_factory=list)
    last: LastGeneration | None = None
    adjusted: bool = False


def _stop_reason(gen: int, rate: float, sampler: PoolSampler, budget: Budget, particles: int,
                 started: float, gen_seconds: float) -> str | None:
    left = budget.simulations - sampler.total
    if gen + 1 >= MAX_GENERATIONS:
        return f"{MAX_GENERATIONS} generations done"
    if rate < MIN_ACCEPTANCE:
        return f"acceptance rate {rate:.1%} below {MIN_ACCEPTANCE:.0%}: the fit has converged as far as it usefully can"
    if particles / (NEXT_RATE_FACTOR * rate) > left:
        return f"simulation budget: another generation would need more than the {max(left, 0):,} left"
    if time.perf_counter() - started + gen_seconds / NEXT_RATE_FACTOR > budget.minutes * 60:
        return f"time budget: another generation would end after {budget.minutes:g} minutes"
    return None


def fit_posterior(model: HistoryModel, observed: dict[str, np.ndarray], pool: Pool, particles: int = 200,
                  budget: Budget | None = None, seed: int = 0,
                  progress: Callable[[int, str], None] | None = None) -> Posterior:
    """Run ABC-SMC and return the last generation as the posterior.

    Args:
        model: the simulator (summary statistics out).
        observed: the history's summary statistics.
        pool: where simulations run (left open).
        particles: population size of each generation.
        budget: simulations and minutes.
        seed: master seed: the same seed gives the same posterior on any pool.
        progress: called with (simulations so far, a status line).

    Raises:
        UserError: the budget ran out before a first generation was done.
    """
    import pyabc

    budget = budget or Budget()
    check_budget(budget, particles)
    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("pyabc").setLevel(logging.WARNING)
    started = time.perf_counter()
    status = "sampling the prior"

    def tick(n: int) -> None:
        if progress:
            progress(sampler.total + done[0] + n, status)
        done[0] += n

    done = [0]
    sampler = PoolSampler(pool, seed, time.time() + budget.minutes * 60, tick)
    prior = pyabc.Distribution(**{f"p{i}": pyabc.RV("uniform", p.bounds[0], p.bounds[1] - p.bounds[0])
                                  for i, p in enumerate(model.priors)})
    distance = pyabc.AdaptivePNormDistance(p=2, max_scale_weight_ratio=100.0)
    abc = pyabc.ABCSMC(model, prior, distance, population_size=particles, sampler=sampler)
    rows, stopped = [], None
    with tempfile.TemporaryDirectory(prefix="cxsim-abc-") as tmp:
        abc.new("sqlite:///" + (Path(tmp) / "abc.db").as_posix(), observed)
        np.random.seed(seed)  # pyabc draws the calibration sample's bookkeeping from numpy's global stream
        t = abc.initialize_components_before_run(minimum_epsilon=0.0, max_nr_populations=MAX_GENERATIONS,
                                                 min_acceptance_rate=0.0, max_total_nr_simulations=np.inf,
                                                 max_walltime=None, min_eps_diff=0.0)
        while True:
            done[0] = 0
            left = budget.simulations - sampler.total
            abc.min_acceptance_rate = min(1.0, particles / max(left, 1))  # caps this generation's simulations
            gen_start = time.perf_counter()
            status = f"generation {t + 1}, epsilon {abc.eps(t):.3g}"
            ret = abc.run_generation(t=t)
            if not ret["successful"]:
                stopped = "budget ran out during a generation (its particles were dropped)"
                break
            rate = ret["acceptance_rate"]
            rows.append({"generation": t + 1, "epsilon": float(abc.eps(t)), "simulations": sampler.nr_evaluations_,
                         "acceptance_rate": rate, "seconds": time.perf_counter() - gen_start})
            stopped = _stop_reason(t, rate, sampler, budget, particles, started, time.perf_counter() - gen_start)
            if stopped:
                break
            t += 1
        if not rows:
            raise UserError(f"the budget ({budget.simulations:,} simulations, {budget.minutes:g} minutes) ran out "
                            "before a first generation was done; give more --simulations or --minutes")
        last = last_generation(abc.history.get_population(t=abc.history.max_t), observed, len(model.priors))
    draws, adjusted = posterior_draws(last, model.priors)
    return Posterior(draws, pd.DataFrame(rows), sampler.total, time.perf_counter() - started, stopped,
                     pool.description, last=last, adjusted=adjusted)


def last_generation(population, observed: dict[str, np.ndarray], keys: int) -> LastGeneration:
    """A pyabc population as arrays (statistics flattened in the order of ``observed``)."""
    def flat(stats: dict[str, np.ndarray]) -> np.ndarray:
        return np.concatenate([np.atleast_1d(np.asarray(stats[k], float)) for k in observed])

    particles = population.particles
    weights = np.array([p.weight for p in particles], dtype=float)
    return LastGeneration(points=np.array([[p.parameter[f"p{i}"] for i in range(keys)] for p in particles], float),
                          weights=weights / weights.sum(),
                          distances=np.array([p.distance for p in particles], dtype=float),
                          stats=np.array([flat(p.sum_stat) for p in particles]), observed=flat(observed))


def posterior_draws(last: LastGeneration, priors: Sequence[Prior], regression: bool = True
                    ) -> tuple[pd.DataFrame, bool]:
    """The posterior's draws as values of the keys: the regression-adjusted particles (``True``), or the
    particles as ABC left them (``False``: asked for, or too few carry weight for a regression)."""
    found = adjust(last, [p.bounds for p in priors]) if regression else None
    points, weights = found if found is not None else (last.points, last.weights)
    draws = pd.DataFrame({p.key: p.to_value(points[:, i]) for i, p in enumerate(priors)})
    draws[WEIGHT] = weights / weights.sum()
    return draws, found is not None
