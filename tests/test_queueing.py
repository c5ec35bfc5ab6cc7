"""The queueing module: Erlang C and A against exact arithmetic, closed forms and a discrete-event simulation."""

from __future__ import annotations

from fractions import Fraction
from math import factorial

import numpy as np
import pytest
from scipy import special

from cxsim.model.mechanisms import queueing as q
from cxsim.model.mechanisms.scaled_queue import week_of_service_at_scale

# ---------------------------------------------------------------------------
# Independent references
# ---------------------------------------------------------------------------

def erlang_c_exact(n: int, a: Fraction) -> float:
    """Erlang C from the textbook factorial formula in exact rational arithmetic."""
    top = a ** n / factorial(n) * Fraction(n) / (n - a)
    return float(top / (sum(a ** k / factorial(k) for k in range(n)) + top))


def erlang_a_closed_form(n: float, lam: float, mu: float, theta: float) -> tuple[float, float]:
    """P(wait) and P(abandon) of Erlang A from Mandelbaum & Zeltyn's closed form.

    With x = n mu / theta, y = lam / theta, A(x, y) = x e^y y^-x gamma(x, y) and E the
    Erlang B blocking: P(W > 0) = A E / (1 + (A - 1) E), P(Ab | W > 0) = 1/(rho A) + 1 - 1/rho.
    """
    x, y, rho = n * mu / theta, lam / theta, lam / (n * mu)
    big_a = x * np.exp(y - x * np.log(y) + special.gammaln(x)) * special.gammainc(x, y)
    e = float(q.erlang_b(n, lam / mu))
    p_wait = big_a * e / (1 + (big_a - 1) * e)
    return p_wait, p_wait * (1 / (rho * big_a) + 1 - 1 / rho)


def simulate_queue(n: int, lam: float, handle: float, patience: float | None, target: float,
                   calls: int = 40_000, seed: int = 7) -> dict[str, tuple[float, float]]:
    """FCFS M/M/n(+M) by discrete events: each measure's mean and batch-means standard error.

    A contact's offered wait is the time until the first agent frees up (later contacts
    never overtake it); it abandons when its patience is shorter, and then waits its patience.
    """
    rng = np.random.default_rng(seed)
    arrive = np.cumsum(rng.exponential(1 / lam, calls))
    service = rng.exponential(handle, calls)
    patience_draw = rng.exponential(patience, calls) if patience else np.full(calls, np.inf)
    free = np.zeros(n)
    waited, abandoned, within, wait = (np.zeros(calls) for _ in range(4))
    for i in range(calls):
        k = int(free.argmin())
        offered = max(0.0, free[k] - arrive[i])
        waited[i] = offered > 0
        if offered > patience_draw[i]:
            abandoned[i], wait[i] = 1.0, patience_draw[i]
        else:
            free[k] = arrive[i] + offered + service[i]
            within[i], wait[i] = offered <= target, offered
    out = {}
    for name, x in {"p_wait": waited, "p_abandon": abandoned, "service_level": within, "mean_wait": wait}.items():
        batches = x[calls // 10:].reshape(20, -1).mean(axis=1)   # warm-up dropped, 20 batches
        out[name] = (float(batches.mean()), float(batches.std(ddof=1) / np.sqrt(20)))
    return out


def assert_matches_simulation(sim: dict[str, tuple[float, float]], exact: dict[str, float]) -> None:
    """Each exact value lies within 4 standard errors (plus 0.002) of the simulation's mean."""
    for name, value in exact.items():
        mean, se = sim[name]
        assert abs(mean - value) <= 4 * se + 0.002, (name, mean, se, value)


# ---------------------------------------------------------------------------
# Erlang C
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("n,a,rounded", [(4, Fraction(16, 5), 0.596), (4, Fraction(18, 5), 0.788)])
def test_erlang_c_four_agents_matches_exact_arithmetic(n, a, rounded):
    value = float(q.erlang_c(n, float(a)))
    assert value == pytest.approx(erlang_c_exact(n, a), rel=1e-12)
    assert round(value, 3) == rounded


@pytest.mark.parametrize("n,a", [(1, Fraction(1, 2)), (7, Fraction(6)), (25, Fraction(22)), (60, Fraction(57))])
def test_erlang_c_matches_factorial_formula(n, a):
    assert float(q.erlang_c(n, float(a))) == pytest.approx(erlang_c_exact(n, a), rel=1e-11)


def test_erlang_c_mean_wait_at_99_percent_is_24_handle_times():
    assert float(q.erlang_c_mean_wait(4, 3.96, 1.0)) == pytest.approx(24.45, abs=0.01)


def test_erlang_c_stays_exact_for_thousands_of_agents():
    assert float(q.erlang_c(1000, 937.0)) == pytest.approx(erlang_c_exact(1000, Fraction(937)), rel=1e-9)
    n = np.array([1000.0, 3000.0, 5000.0])
    c = q.erlang_c(n, n - 2 * np.sqrt(n))
    halfin_whitt = 1 / (1 + 2 * special.ndtr(2) / np.exp(-2 + special.gammaln(1) - 0.5 * np.log(2 * np.pi)))
    gap = np.abs(c - halfin_whitt)                     # P(wait) -> (1 + beta Phi(beta)/phi(beta))^-1
    assert np.all(np.diff(gap) < 0) and gap[-1] < 0.002


def test_erlang_c_unstable_queue_always_waits():
    assert np.all(q.erlang_c([3, 4, 4.0], [3, 5, 1e9]) == 1.0)
    assert np.all(np.isinf(q.erlang_c_mean_wait([3, 4], [3, 5], 1.0)))


def test_erlang_c_matches_simulation():
    sim = simulate_queue(4, lam=3.2, handle=1.0, patience=None, target=0.25)
    exact = {"p_wait": float(q.erlang_c(4, 3.2)),
             "service_level": float(q.erlang_c_service_level(4, 3.2, 1.0, 15)),
             "mean_wait": float(q.erlang_c_mean_wait(4, 3.2, 1.0))}
    assert_matches_simulation(sim, exact)


def test_occupancy_is_load_over_agents_capped_at_one():
    assert np.allclose(q.occupancy([4, 4, 0], [3.2, 9, 1]), [0.8, 1.0, 0.0])


# ---------------------------------------------------------------------------
# Erlang A
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("n,lam,theta", [(4, 4.4, 0.5), (10, 8.0, 0.2), (3.5, 3.0, 1.0), (20, 30.0, 2.0)])
def test_erlang_a_matches_closed_form(n, lam, theta):
    res = q.erlang_a(n, lam, 1.0, 1 / theta, 20)
    p_wait, p_abandon = erlang_a_closed_form(n, lam, 1.0, theta)
    assert float(res.p_wait) == pytest.approx(p_wait, rel=1e-9)
    assert float(res.p_abandon) == pytest.approx(p_abandon, rel=1e-9)
    assert float(res.mean_wait_minutes) == pytest.approx(p_abandon / theta, rel=1e-9)   # E[W] = P(Ab)/theta


@pytest.mark.parametrize("n,lam,patience", [(4, 4.4, 2.0), (6, 5.0, 0.5)])
def test_erlang_a_matches_simulation(n, lam, patience):
    sim = simulate_queue(n, lam=lam, handle=1.0, patience=patience, target=0.25)
    res = q.erlang_a(n, lam, 1.0, patience, 15)
    assert_matches_simulation(sim, {"p_wait": float(res.p_wait), "p_abandon": float(res.p_abandon),
                                    "service_level": float(res.service_level),
                                    "mean_wait": float(res.mean_wait_minutes)})


@pytest.mark.parametrize("n,a", [(4, 3.2), (10, 8.0), (10.5, 8.0), (100, 95.0)])
def test_erlang_a_tends_to_erlang_c_with_endless_patience(n, a):
    res = q.erlang_a(n, a, 5.0, 1e8, 20)
    assert float(res.p_wait) == pytest.approx(float(q.erlang_c(n, a)), rel=1e-5)
    assert float(res.service_level) == pytest.approx(float(q.erlang_c_service_level(n, a, 5.0, 20)), rel=1e-5)
    assert float(res.mean_wait_minutes) == pytest.approx(float(q.erlang_c_mean_wait(n, a, 5.0)), rel=1e-4)
    assert float(res.p_abandon) < 1e-6


def test_erlang_a_overloaded_loses_the_excess():
    res = q.erlang_a(10, 20.0, 5.0, 2.0, 20)
    assert float(res.p_abandon) == pytest.approx(0.5, abs=0.02)   # fluid limit 1 - n/a
    assert float(res.occupancy) > 0.98


# ---------------------------------------------------------------------------
# Diminishing returns of staff
# ---------------------------------------------------------------------------

def strictly_rising_and_concave(y: np.ndarray) -> bool:
    """Increments positive (where y is not yet 1 in floating point) and never growing."""
    d = np.diff(y)
    rising = np.all(d[y[1:] < 1 - 1e-12] > 0)
    return bool(rising and np.all(np.diff(d) <= 1e-12))


@pytest.mark.parametrize("load", [0.7, 3.2, 10.3, 57.0, 400.0])
def test_service_level_rises_with_diminishing_returns_from_1x_to_2x_of_load(load):
    agents = np.linspace(load, 2 * load, 301)
    contacts = load * 60 * 60 / 5.0                       # per week at 60 open hours, 5-minute handle
    assert strictly_rising_and_concave(q.erlang_c_service_level(agents, load, 5.0, 20))
    assert strictly_rising_and_concave(q.erlang_a(agents, load, 5.0, 3.0, 20).service_level)
    assert strictly_rising_and_concave(q.week_of_service(contacts, 0, agents, 5.0, 60, 20).service_level)
    week_a = q.week_of_service(contacts, 0, agents, 5.0, 60, 20, patience_minutes=3.0)
    assert strictly_rising_and_concave(week_a.service_level)
    assert strictly_rising_and_concave(week_a.quality_factor)


@pytest.mark.parametrize("load", [3.2, 10.3, 57.0])
def test_wait_and_quality_improve_with_staff(load):
    agents = np.linspace(load, 2 * load, 301)
    week = q.week_of_service(load * 720, 0, agents, 5.0, 60, 20)
    assert np.all(np.diff(week.mean_wait_minutes) < 0)
    assert np.all(np.diff(week.quality_factor) > 0)
    above = agents >= 1.1 * load                              # the finite-week cap bends them near full load
    assert strictly_rising_and_concave(week.quality_factor[above])
    assert strictly_rising_and_concave(-week.mean_wait_minutes[above])


# ---------------------------------------------------------------------------
# One week of service
# ---------------------------------------------------------------------------

def test_week_matches_erlang_c_below_full_load():
    contacts, agents, handle, hours = 2304.0, 4, 5.0, 60      # load 3.2
    week = q.week_of_service(contacts, 0, agents, handle, hours, 20)
    assert float(week.answered) == contacts and float(week.carried) == 0
    missed = 1 - float(q.erlang_c_service_level(agents, 3.2, handle, 20))
    assert 1 - float(week.service_level) == pytest.approx(missed, rel=0.01)   # the finite week: < 1% apart
    assert float(week.mean_wait_minutes) == pytest.approx(float(q.erlang_c_mean_wait(agents, 3.2, handle)), rel=0.01)
    assert float(week.occupancy) == pytest.approx(0.8)


def test_week_matches_erlang_a_with_patience():
    week = q.week_of_service(3168.0, 0, 4, 5.0, 60, 20, patience_minutes=10.0)   # load 4.4 on 4 agents
    res = q.erlang_a(4, 4.4, 5.0, 10.0, 20)
    assert float(week.abandoned) == pytest.approx(3168 * float(res.p_abandon), rel=1e-9)
    assert float(week.service_level) == pytest.approx(float(res.service_level), rel=1e-9)
    assert float(week.mean_wait_minutes) == pytest.approx(float(res.mean_wait_minutes), rel=1e-9)
    assert float(week.carried) == 0


def test_backlog_carries_over_and_clears():
    capacity = 4 * 60 * 60 / 5.0                             # 2,880 contacts a week
    first = q.week_of_service(4000.0, 0, 4, 5.0, 60, 20)
    assert float(first.answered) == pytest.approx(capacity)
    assert float(first.carried) == pytest.approx(4000 - capacity)
    second = q.week_of_service(1000.0, first.carried, 4, 5.0, 60, 20)
    assert float(second.contacts) == pytest.approx(1000 + 4000 - capacity)
    assert float(second.answered) == pytest.approx(float(second.contacts)) and float(second.carried) == 0
    assert float(second.service_level) > float(first.service_level)


def test_overload_answers_more_and_waits_less_with_more_staff():
    weeks = q.week_of_service(10_000.0, 0, np.array([0.0, 2.0, 5.0, 10.0]), 5.0, 60, 20)
    assert np.all(np.diff(weeks.answered) > 0) and np.all(np.diff(weeks.carried) < 0)
    assert np.all(np.diff(weeks.mean_wait_minutes) < 0) and np.all(np.diff(weeks.service_level) > 0)


def test_profile_carries_a_peak_into_the_quiet_slot():
    week = q.week_of_service(3000.0, 0, 4, 5.0, 60, 20, profile=[1.0, 0.0])   # 3,000 in 30 h of 1,440 capacity
    assert float(week.answered) == pytest.approx(2880.0) and float(week.carried) == pytest.approx(120.0)
    flat = q.week_of_service(2000.0, 0, 4, 5.0, 60, 20, profile=np.ones(60))
    peaked = q.week_of_service(2000.0, 0, 4, 5.0, 60, 20, profile=np.r_[np.full(10, 3.0), np.ones(50)])
    assert float(peaked.service_level) < float(flat.service_level)
    assert float(flat.service_level) == pytest.approx(float(q.week_of_service(2000.0, 0, 4, 5.0, 60, 20)
                                                            .service_level), abs=0.01)


def test_email_is_a_slow_queue_with_a_target_in_hours():
    week = q.week_of_service(1400.0, 0, 5, 8.0, 40, 8 * 3600)    # load 4.67 on 5 agents
    assert float(week.service_level) > 0.99 and float(week.mean_wait_minutes) > 10


def test_vectorised_shape_and_values_match_scalar_calls():
    rng = np.random.default_rng(3)
    arrivals = rng.uniform(500, 5000, (20, 8))
    agents = rng.uniform(1, 12, (20, 8))
    batch = q.week_of_service(arrivals, 0, agents, 5.0, 60, 20, patience_minutes=4.0)
    assert batch.service_level.shape == (20, 8)
    one = q.week_of_service(arrivals[3, 5], 0, agents[3, 5], 5.0, 60, 20, patience_minutes=4.0)
    assert float(one.service_level) == pytest.approx(batch.service_level[3, 5], rel=1e-12)


def test_channels_with_and_without_patience_in_one_call():
    patience = np.array([[np.inf, 3.0], [2.0, np.inf]])
    mixed = q.week_of_service(3000.0, 0, 4, 5.0, 60, 20, patience_minutes=patience)
    c = q.week_of_service(3000.0, 0, 4, 5.0, 60, 20)
    a = q.week_of_service(3000.0, 0, 4, 5.0, 60, 20, patience_minutes=2.0)
    assert mixed.carried[0, 0] == pytest.approx(float(c.carried)) and mixed.carried[0, 0] > 0
    assert mixed.service_level[1, 0] == pytest.approx(float(a.service_level), rel=1e-12)
    assert mixed.abandoned[0, 1] > 0 and mixed.abandoned[1, 1] == 0


@pytest.mark.parametrize("patience", [None, 1e-6, 3.0, 1e9, np.inf])
def test_extreme_inputs_give_finite_results_in_range(patience):
    arrivals = np.array([0.0, 0.0, 1e12, 1e12, 5.0, 1e6, 2000.0])
    agents = np.array([0.0, 5.0, 0.0, 5000.0, 1e4, 0.3, 4.0])
    week = q.week_of_service(arrivals, 0.0, agents, 5.0, 60, np.array([20, 20, 20, 20, 20, 20, 0]),
                             patience_minutes=patience)
    for name in ("contacts", "answered", "abandoned", "carried", "service_level", "mean_wait_minutes",
                 "occupancy", "quality_factor"):
        value = getattr(week, name)
        assert np.all(np.isfinite(value)) and np.all(value >= 0), name
    assert np.all(week.service_level <= 1) and np.all(week.occupancy <= 1) and np.all(week.quality_factor <= 1)
    assert np.allclose(week.answered + week.abandoned + week.carried, week.contacts, rtol=1e-9)
    assert week.service_level[0] == 1.0 and week.answered[2] == 0.0


def test_bad_input_is_refused_with_its_name():
    with pytest.raises(ValueError, match="handle_minutes"):
        q.week_of_service(100.0, 0, 4, 0.0, 60, 20)
    with pytest.raises(ValueError, match="arrivals"):
        q.week_of_service(np.nan, 0, 4, 5.0, 60, 20)
    with pytest.raises(ValueError, match="shrinkage"):
        q.agents_from_spend(1000, 25, 50, 1.2)


# ---------------------------------------------------------------------------
# Staffing
# ---------------------------------------------------------------------------

def test_agents_from_spend():
    assert float(q.agents_from_spend(10_000, 25.0, 50, 0.3)) == pytest.approx(5.6)


def test_square_root_staffing():
    assert float(q.square_root_staffing(100.0, 1.0)) == 110.0


def test_agents_for_service_level_is_the_fewest_that_reach_the_goal():
    n = q.agents_for_service_level(40.0, 5.0, 20, 0.8)
    assert q.erlang_c_service_level(n, 40.0, 5.0, 20) >= 0.8 > q.erlang_c_service_level(n - 1, 40.0, 5.0, 20)


@pytest.mark.parametrize("patience", [None, 3.0])
def test_a_queue_simulated_at_a_scale_has_the_real_markets_mean(patience):
    """At scale 20 the arrivals are 20 x a count of simulated contacts, 20 times as variable as the real market's;
    levelled, the queue's measures have the mean they have over arrivals of the real spread (Poisson)."""
    rng = np.random.default_rng(0)
    for mean in (1_000.0, 1_500.0, 2_000.0):
        real = rng.poisson(mean, 40_000).astype(float)
        lumpy = 20.0 * rng.poisson(mean / 20.0, 40_000)
        truth = q.week_of_service(real, 0.0, 6.0, 8.0, 60.0, 20.0, patience_minutes=patience)
        raw = q.week_of_service(lumpy, 0.0, 6.0, 8.0, 60.0, 20.0, patience_minutes=patience)
        levelled = week_of_service_at_scale(lumpy, 0.0, 6.0, 8.0, 60.0, 20.0, 20, patience_minutes=patience)
        for name in ("service_level", "quality_factor", "occupancy"):
            want, got = getattr(truth, name).mean(), getattr(levelled, name).mean()
            assert abs(got - want) < 0.002, (mean, name, want, got, getattr(raw, name).mean())
        # the mean wait, steeply convex, only to second order: within 3% at a moderate load (the lumps alone add
        # 15%), and nearer the truth than the lumps left alone where the queue is busy (3/4 of the agents' time)
        want, got, lumps = (w.mean_wait_minutes.mean() for w in (truth, levelled, raw))
        assert abs(got - want) < (0.03 * want + 1e-3 if mean < 2_000 else abs(lumps - want)), (mean, want, got, lumps)
        if patience is None and mean >= 1_500:  # without levelling the lumps cost about 1% of service level
            assert truth.service_level.mean() - raw.service_level.mean() > 0.005
        assert np.allclose(levelled.answered + levelled.abandoned + levelled.carried, levelled.contacts)
        assert np.array_equal(levelled.contacts, lumpy)
    # at scale 1 it is the queue itself, to the bit
    one = week_of_service_at_scale(real, 5.0, 6.0, 8.0, 60.0, 20.0, 1, patience_minutes=patience)
    same = q.week_of_service(real, 5.0, 6.0, 8.0, 60.0, 20.0, patience_minutes=patience)
    for name in ("contacts", "answered", "abandoned", "carried", "service_level", "mean_wait_minutes", "occupancy",
                 "quality_factor"):
        assert np.array_equal(getattr(one, name), getattr(same, name))
