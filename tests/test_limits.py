"""cxsim reproduces known models in their limits: Bass diffusion and BG/NBD."""

from __future__ import annotations

import numpy as np
import pytest

import cxsim

N_BASS = 10_000
BASS_STEPS = 40


def bass_recursion(p: float, q: float, steps: int) -> np.ndarray:
    """F_t = F_{t-1} + (1 - F_{t-1})(p + q F_{t-1}), F_0 = 0."""
    f = np.zeros(steps + 1)
    for t in range(1, steps + 1):
        f[t] = f[t - 1] + (1 - f[t - 1]) * min(1.0, p + q * f[t - 1])
    return f


def bass_misfit(res: cxsim.Results, p: float, q: float, n: int) -> float:
    """Largest distance from the recursion in units of (6 SE + 0.002); > 1 means the check fails."""
    share = res.timeseries.pivot(index="step", columns="replication", values="ever_customers") / n
    mean = share.mean(axis=1).to_numpy()
    se = share.std(axis=1, ddof=1).to_numpy() / np.sqrt(share.shape[1])
    expected = bass_recursion(p, q, len(mean) - 1)
    return float(np.max(np.abs(mean - expected) / (6 * se + 0.002)))


@pytest.mark.parametrize("p,q", [(0.001, 0.05), (0.001, 0.8), (0.1, 0.05), (0.1, 0.8), (0.03, 0.38), (0.01, 0.5)])
def test_bass_limit_fast_engine(p, q):
    res = cxsim.simulate(cxsim.scenario.presets.bass(p, q, N_BASS, BASS_STEPS), replications=10, seed=11,
                         engine="fast", keep_customers=False)
    assert bass_misfit(res, p, q, N_BASS) <= 1.0


@pytest.mark.parametrize("p,q", [(0.03, 0.38), (0.1, 0.8)])
def test_bass_limit_agents_engine(p, q):
    res = cxsim.simulate(cxsim.scenario.presets.bass(p, q, N_BASS, 25), replications=10, seed=5,
                         engine="agents", keep_customers=False)
    assert bass_misfit(res, p, q, N_BASS) <= 1.0


def test_bass_check_detects_a_wrong_model():
    """The check has power: a run whose WOM effect is 15% too strong fails against the recursion."""
    p, q = 0.03, 0.38
    res = cxsim.simulate(cxsim.scenario.presets.bass(p, q * 1.15, N_BASS, BASS_STEPS), replications=10, seed=11,
                         keep_customers=False)
    assert bass_misfit(res, p, q, N_BASS) > 1.0


def test_bass_file_is_the_bass_preset():
    from_file = cxsim.load_scenario("scenarios/bass.toml").to_dict()
    preset = cxsim.scenario.presets.bass(0.03, 0.38, 10_000, 52).to_dict()
    from_file.pop("scenario"), preset.pop("scenario")
    assert from_file == preset


N_BGNBD = 20_000


def bgnbd_check(res: cxsim.Results, t: int, r: float, alpha: float, a: float, b: float) -> None:
    from cxsim.model.bgnbd import expected_repeat_purchases, repeat_purchase_pmf

    x = res.customers["repeat_purchases"].to_numpy()
    share = np.bincount(x, minlength=6)[:6] / x.size
    np.testing.assert_allclose(share, repeat_purchase_pmf(np.arange(6), t, r, alpha, a, b), atol=0.01)
    se = x.std(ddof=1) / np.sqrt(x.size)
    assert abs(x.mean() - expected_repeat_purchases(t, r, alpha, a, b)) <= 4 * se


@pytest.mark.parametrize("r,alpha,a,b,t", [(0.8, 4.0, 0.6, 3.0, 39), (0.25, 4.4, 0.8, 2.4, 26),
                                           (2.0, 10.0, 1.5, 5.0, 52), (0.5, 1.0, 0.3, 1.0, 10)])
def test_bgnbd_limit_fast_engine(r, alpha, a, b, t):
    res = cxsim.simulate(cxsim.scenario.presets.bgnbd(r, alpha, a, b, N_BGNBD, t), replications=1, seed=3)
    bgnbd_check(res, t, r, alpha, a, b)


def test_bgnbd_limit_agents_engine():
    r, alpha, a, b, t = 0.8, 4.0, 0.6, 3.0, 20
    res = cxsim.simulate(cxsim.scenario.presets.bgnbd(r, alpha, a, b, N_BGNBD, t), replications=1, seed=4,
                         engine="agents")
    bgnbd_check(res, t, r, alpha, a, b)


def test_a_bgnbd_fit_written_into_a_full_scenario_reproduces_its_expected_purchases():
    """With satisfaction effects neutral and win-back off, the initial cohort of a full scenario (ads, WOM,
    service) buys as BG/NBD says: dropout is permanent and nothing but the fit moves repeat buying."""
    from cxsim.model.bgnbd import expected_repeat_purchases

    r, alpha, a, b, t = 0.243, 4.414, 0.793, 2.426, 39  # the published CDNOW fit, in weeks
    sc = cxsim.load_scenario("scenarios/people_vs_ads.toml").with_overrides({
        "market.population": 20_000, "market.weeks": t, "market.initial_customer_share": 0.4,
        "repeat.rate_shape": r, "repeat.rate_scale": alpha, "repeat.dropout_a": a, "repeat.dropout_b": b,
        "repeat.rate_sensitivity": 0.0, "repeat.dropout_sensitivity": 0.0, "wom.negative_churn_effect": 0.0,
        "winback.enabled": False})
    res = cxsim.simulate(sc, replications=1, seed=8)
    cohort = res.customers[res.customers["source"] == "initial"]["repeat_purchases"].to_numpy()
    se = cohort.std(ddof=1) / np.sqrt(cohort.size)
    assert abs(cohort.mean() - expected_repeat_purchases(t, r, alpha, a, b)) <= 4 * se
    # and with win-back on, ads and word-of-mouth bring lapsed customers back: more purchases than BG/NBD
    back = cxsim.simulate(sc.with_overrides({"winback.enabled": True}), replications=1, seed=8).customers
    more = back[back["source"] == "initial"]["repeat_purchases"].to_numpy()
    assert more.mean() - cohort.mean() > 4 * se
