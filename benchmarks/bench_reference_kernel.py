"""A yardstick for the fast engine: one fused, compiled loop of the same journey, against ``cxsim.simulate``.

The reference kernel is the journey written as plainly and as quickly as one
thread allows: N customers x W weeks in one numba call, state as flat arrays,
every decision a counter-based draw (a SplitMix64 hash of key, decision, week,
person, counter, as in ``cxsim.model.draws``), word-of-mouth from contacts on a
random network (G(n, m), mean degree 10) kept as counts of contacts by voice and
moved only for people whose voice changed, and the week's tallies and state counts
gathered in the same pass. Each week: the unaware become aware (ads and positive
word-of-mouth) and may buy at once; the aware forget or buy (ads, positive and
negative word-of-mouth); customers may be pushed away by negative word-of-mouth,
buy a Poisson number of times with a dropout chance after each, need service,
and judge the experience against their expectation (satisfaction, then voice);
lapsed customers fall quiet. Service quality falls when last week's contacts pass
the staff's capacity. It does not reproduce cxsim's numbers, only its work.

Both sides run in fresh processes, alternately (reference, cxsim, reference, ...),
each timed after a small warm-up call in the same process (compiled kernels are
loaded from numba's cache), network build and initial market included. The ratio
is taken pair by pair. Two comparisons:

- ``simulate(..., value=False)``: exactly 52 weeks, against the kernel's 52 weeks;
- ``simulate(...)`` as the planner runs it (value on: 52 more weeks of run-out), against 104 weeks.

Run with ``.venv/bin/python benchmarks/bench_reference_kernel.py [--repeats 5]``;
writes ``benchmarks/results-reference-kernel.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = ROOT / "scenarios" / "people_vs_ads.toml"
N, WEEKS, DEGREE = 1_000_000, 52, 10

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)

# the journey's constants, close to the flagship's (scenarios/people_vs_ads.toml)
AD_REACH, AD_PERSUASION, AWARENESS_EFFECT, PURCHASE_EFFECT, NEGATIVE_PURCHASE, NEGATIVE_CHURN = (
    0.02, 0.01, 0.3, 0.1, 0.06, 0.02)
BUY_ON_AWARENESS = 0.0
FORGET, BASE_RATE, NEUTRAL, RATE_SENSITIVITY, DROPOUT_SENSITIVITY, NEED = 0.02, 0.02, 7.0, 0.15, 0.3, 0.4
EXPECTATION, PRICE, PRODUCT, SERVICE_WEIGHT, NOISE, MEMORY, ADAPTATION, FADE = (
    0.7, 60.0, 0.9, 0.5, 1.0, 0.5, 0.3, 0.15)
CAPACITY = 5_000.0  # service contacts a week the staff answer at full quality
TALK = np.array([[0.0, 0.0], [1.0, 0.0], [0.3, 0.0], [0.0, 1.1], [0.0, 0.0]])  # by voice: positive, negative
UNAWARE, AWARE, CUSTOMER, REPEAT, LAPSED = range(5)
SILENT, PROMOTER, PASSIVE, DETRACTOR, QUIET = range(5)


@numba.njit(cache=True, inline="always")
def _mix(z):  # pragma: no cover
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True, inline="always")
def _u(key, decision, week, person, counter):  # pragma: no cover
    """A uniform in [0, 1) as a pure function of its arguments (three SplitMix64 rounds, as cxsim draws)."""
    h = _mix(np.uint64(key) ^ (np.uint64(decision) * _GOLDEN))
    h = _mix(h ^ ((np.uint64(week) << np.uint64(32)) | np.uint64(counter)))
    h = _mix(h ^ (np.uint64(person) + _GOLDEN))
    return float(h >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@numba.njit(cache=True, inline="always")
def _voice(satisfaction):  # pragma: no cover
    return PROMOTER if satisfaction >= 9.0 else (PASSIVE if satisfaction >= 7.0 else DETRACTOR)


@numba.njit(cache=True)
def network(n, degree, key):  # pragma: no cover
    """A random graph G(n, m), m = n * degree / 2, as CSR (self-ties dropped, repeats kept)."""
    m = n * degree // 2
    src, dst = np.empty(m, np.int32), np.empty(m, np.int32)
    start = np.zeros(n + 1, np.int64)
    for e in range(m):
        a = int(_u(key, 90, 0, e, 0) * n)
        b = int(_u(key, 91, 0, e, 0) * n)
        src[e], dst[e] = a, b
        if a != b:
            start[a + 1] += 1
            start[b + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    fill = start[:-1].copy()
    neighbours = np.empty(start[n], np.int32)
    for e in range(m):
        a, b = src[e], dst[e]
        if a != b:
            neighbours[fill[a]] = b
            fill[a] += 1
            neighbours[fill[b]] = a
            fill[b] += 1
    return start, neighbours


@numba.njit(cache=True, error_model="numpy")
def journey(n, weeks, key, indptr, indices):  # pragma: no cover
    """N customers x W weeks; returns each week's tallies: (weeks, 5 stages + 5 voices + purchases + revenue + aware from ads)."""
    stage = np.zeros(n, np.int8)
    voice = np.zeros(n, np.int8)
    rate, dropout = np.empty(n), np.empty(n)
    satisfaction, expectation = np.full(n, 8.0), np.full(n, EXPECTATION)
    purchases, repeats, first = np.zeros(n, np.int32), np.zeros(n, np.int32), np.full(n, -1, np.int32)
    for i in range(n):
        # BG/NBD traits: a gamma rate by Wilson-Hilferty and a dropout near Beta(0.6, 4)'s mean, from draws
        z = math.sqrt(-2.0 * math.log(1.0 - _u(key, 80, 0, i, 0))) * math.cos(2.0 * math.pi * _u(key, 80, 0, i, 1))
        rate[i] = max(0.0, 0.1 * (1.0 + 1.25 * z * 0.5))
        dropout[i] = 0.13 * (0.5 + _u(key, 81, 0, i, 0))
        if _u(key, 82, 0, i, 0) < 0.01:
            stage[i], voice[i], first[i] = CUSTOMER, PASSIVE, 0
        elif _u(key, 83, 0, i, 0) < 0.015:
            stage[i] = AWARE
    counts = np.zeros((n, 5), np.int16)  # each person's contacts by voice
    for i in range(n):
        for k in range(indptr[i], indptr[i + 1]):
            counts[i, voice[indices[k]]] += 1
    said = voice.copy()
    changed = np.empty(n, np.int32)
    out = np.zeros((weeks, 13))
    encounters_last = 0.0
    for week in range(weeks):
        quality = 0.7 if encounters_last <= CAPACITY else 0.7 * CAPACITY / encounters_last
        encounters = 0
        n_changed = 0
        tally = out[week]
        s0 = s1 = s2 = s3 = v0 = v1 = v2 = v3 = bought_total = from_ads = 0
        revenue = 0.0
        for i in range(n):
            c0, c1, c2, c3, c4 = counts[i, 0], counts[i, 1], counts[i, 2], counts[i, 3], counts[i, 4]
            degree = c0 + c1 + c2 + c3 + c4
            good = bad = 0.0
            if degree > 0:
                good = (c0 * TALK[0, 0] + c1 * TALK[1, 0] + c2 * TALK[2, 0] + c3 * TALK[3, 0]) / degree
                bad = (c0 * TALK[0, 1] + c1 * TALK[1, 1] + c2 * TALK[2, 1] + c3 * TALK[3, 1]) / degree
            now = stage[i]
            bought = 0
            if now == UNAWARE:
                if _u(key, 1, week, i, 0) < min(1.0, AD_REACH + AWARENESS_EFFECT * good):
                    stage[i] = AWARE
                    from_ads += _u(key, 2, week, i, 0) < AD_REACH / (AD_REACH + AWARENESS_EFFECT * good)
                    if _u(key, 3, week, i, 0) < BUY_ON_AWARENESS:
                        bought = 1
                        stage[i] = CUSTOMER
                        first[i] = week
            elif now == AWARE:
                if _u(key, 4, week, i, 0) < FORGET:
                    stage[i] = UNAWARE
                else:
                    p = min(1.0, max(0.0, BASE_RATE + AD_PERSUASION + PURCHASE_EFFECT * good - NEGATIVE_PURCHASE * bad))
                    if _u(key, 5, week, i, 0) < p:
                        bought = 1
                        stage[i] = CUSTOMER
                        first[i] = week
            elif now == CUSTOMER or now == REPEAT:
                if _u(key, 7, week, i, 0) < min(1.0, NEGATIVE_CHURN * bad):
                    stage[i] = LAPSED
                else:
                    lam = rate[i] * math.exp(RATE_SENSITIVITY * (satisfaction[i] - NEUTRAL))
                    u = _u(key, 8, week, i, 0)
                    pmf = math.exp(-lam)
                    cdf = pmf
                    wanted = 0
                    while u > cdf and pmf > 0.0:
                        wanted += 1
                        pmf *= lam / wanted
                        cdf += pmf
                    if wanted > 0:
                        p_drop = min(1.0, dropout[i] * math.exp(-DROPOUT_SENSITIVITY * (satisfaction[i] - NEUTRAL)))
                        for j in range(wanted):
                            bought += 1
                            if _u(key, 9, 0, i, repeats[i] + j) < p_drop:
                                stage[i] = LAPSED
                                break
                        if stage[i] != LAPSED:
                            stage[i] = REPEAT
                        repeats[i] += bought
            elif voice[i] != QUIET and _u(key, 17, week, i, 0) < FADE:
                said[i] = QUIET
            if bought > 0:
                needed = 0
                for k in range(bought):
                    needed += _u(key, 11, 0, i, purchases[i] + k) < NEED
                experienced = (1.0 - SERVICE_WEIGHT) * PRODUCT + SERVICE_WEIGHT * quality if needed > 0 else PRODUCT
                z = math.sqrt(-2.0 * math.log(1.0 - _u(key, 14, purchases[i], i, 0))) * math.cos(
                    2.0 * math.pi * _u(key, 14, purchases[i], i, 1))
                score = min(10.0, max(0.0, 10.0 * experienced + 10.0 * (experienced - expectation[i]) + NOISE * z))
                satisfaction[i] = MEMORY * satisfaction[i] + (1.0 - MEMORY) * score
                expectation[i] += ADAPTATION * (experienced - expectation[i])
                purchases[i] += bought
                encounters += needed
                bought_total += bought
                revenue += bought * PRICE
                said[i] = _voice(satisfaction[i])
            if said[i] != voice[i]:
                changed[n_changed] = i
                n_changed += 1
            st, vo = stage[i], said[i]  # state counts in registers: 0/1 adds, no stores
            s0 += st == UNAWARE
            s1 += st == AWARE
            s2 += st == CUSTOMER
            s3 += st == REPEAT
            v0 += vo == SILENT
            v1 += vo == PROMOTER
            v2 += vo == PASSIVE
            v3 += vo == DETRACTOR
        tally[0], tally[1], tally[2], tally[3] = s0, s1, s2, s3
        tally[4] = n - s0 - s1 - s2 - s3
        tally[5], tally[6], tally[7], tally[8] = v0, v1, v2, v3
        tally[9] = n - v0 - v1 - v2 - v3
        tally[10], tally[11], tally[12] = bought_total, revenue, from_ads
        for m in range(n_changed):  # contacts hear the new voices from next week
            j = changed[m]
            old, new = voice[j], said[j]
            for k in range(indptr[j], indptr[j + 1]):
                counts[indices[k], old] -= 1
                counts[indices[k], new] += 1
            voice[j] = new
        encounters_last = float(encounters)
    return out


def run_reference(n: int, weeks: int, seed: int) -> np.ndarray:
    """The whole run: network, market and weeks."""
    key = np.uint64(seed * 0x9E3779B97F4A7C15 % 2**64)
    indptr, indices = network(n, DEGREE, key)
    return journey(n, weeks, key, indptr, indices)


def child(side: str, weeks: int, value: bool, seed: int) -> dict[str, float]:
    """One fresh process's run: warm up on a small market, then time the million."""
    if side == "reference":
        run_reference(1_000, 2, 0)
        start = time.perf_counter()
        run_reference(N, weeks, seed)
        return {"wall": time.perf_counter() - start}
    sys.path.insert(0, str(ROOT))
    import cxsim
    cxsim.simulate(cxsim.scenario.presets.bass(0.03, 0.38, 1000, 2).with_overrides({"network.kind": "random"}), 1)
    sc = cxsim.load_scenario(FLAGSHIP).with_overrides({"market.population": N, "market.scale": 1,
                                                       "market.weeks": weeks})
    start = time.perf_counter()
    cxsim.simulate(sc, 1, seed=seed, keep_customers=False, value=value)
    return {"wall": time.perf_counter() - start}


def fresh(side: str, weeks: int, value: bool, seed: int) -> float:
    """Wall time of the timed call in a fresh process."""
    code = (f"import sys, json; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import bench_reference_kernel as b; "
            f"print('RESULT', json.dumps(b.child({side!r}, {weeks}, {value}, {seed})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return json.loads(out.split("RESULT", 1)[1])["wall"]


def spread(values: list[float], fmt: str = ".2f") -> str:
    """Median with the range."""
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}} to {max(values):{fmt}})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="pairs per comparison (median reported)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    lines = [f"Machine: {os.cpu_count()} cores; load average (1, 5, 15 min) {', '.join(f'{x:.2f}' for x in load_before)}"
             f" at the start; {args.repeats} pairs per comparison, each side in a fresh process, alternating.", "",
             f"1,000,000 customers, random network of mean degree {DEGREE}, one replication; cxsim: "
             "`scenarios/people_vs_ads.toml` with market.population = 1,000,000, market.scale = 1, market.weeks = 52. "
             "Times: the run itself after a small warm-up in the same process (network build included). "
             "The reference kernel runs on one thread; cxsim's fast engine on all cores.", "",
             "| comparison | reference kernel (s) | cxsim (s) | ratio cxsim / reference, pair by pair |",
             "|---|---|---|---|"]
    for label, weeks, ref_weeks, value in (("52 weeks (`value=False`)", WEEKS, WEEKS, False),
                                           ("52 weeks + 52 of run-out (`simulate` as run by default) vs 104",
                                            WEEKS, 2 * WEEKS, True)):
        refs, sims = [], []
        for seed in range(1, args.repeats + 1):
            refs.append(fresh("reference", ref_weeks, value, seed))
            sims.append(fresh("cxsim", weeks, value, seed))
            print(label, f"pair {seed}: reference {refs[-1]:.2f} s, cxsim {sims[-1]:.2f} s", flush=True)
        ratios = [s / r for r, s in zip(refs, sims)]
        lines.append(f"| {label} | {spread(refs)} | {spread(sims)} | **{spread(ratios, '.1f')}** |")
    load_after = os.getloadavg()
    lines += ["", f"Load average at the end: {', '.join(f'{x:.2f}' for x in load_after)}. Medians, with the range "
              "over the pairs in brackets."]
    text = "\n".join(lines)
    print(text)
    (ROOT / "benchmarks" / "results-reference-kernel.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
