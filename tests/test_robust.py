"""Robust answers over plausible worlds (compare, advise) and where each plan wins (PRIM boxes)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from cxsim import parse_scenario
from cxsim.decide.compare import compare
from cxsim.decide.prim import prim_box, where_each_wins
from cxsim.decide.robust import (
    RobustAnswer,
    robust_advise,
    robust_compare,
    robust_compare_anytime,
)
from cxsim.decide.stats import weighted_quantile
from cxsim.decide.uncertainty import Worlds, worlds_for
from tests.conftest import call_cli

SMALL = "[market]\npopulation = 300\nweeks = 8\n[economics]\ncurrency = \"$\"\n"
VARIANTS = """
[variants."more ads"]
"advertising.weekly_spend" = "+1500"
[variants."more people"]
"service.weekly_spend" = "+750"
"service.training_weekly_spend" = "+750"
"""
TABLE = """
[uncertainty]
"service.need_probability" = {dist = "uniform", low = 0.1, high = 0.8}
"wom.awareness_effect" = {dist = "uniform", low = 0.1, high = 0.6}
"""


def point(scenario, draws: int) -> Worlds:
    """The uncertainty collapsed to today's value of one key."""
    return Worlds(("service.need_probability",), np.full((draws, 1), scenario["service.need_probability"]), None,
                  "one point")


def test_collapsed_to_one_world_the_robust_answer_is_the_fixed_one():
    sc = parse_scenario(SMALL + VARIANTS)
    plans = sc.all_variants()
    fixed = compare(plans, replications=6, seed=3)
    table = fixed.table(["value"]).set_index("scenario")
    answer = robust_compare(plans, point(sc, 1), 6, 3, workers=1, progress=False).table().set_index("plan")
    for label in fixed.labels:
        assert answer.loc[label, "mean"] == pytest.approx(table.loc[label, "mean"], rel=1e-12)
        if label != fixed.labels[0]:
            assert answer.loc[label, "gain"] == pytest.approx(table.loc[label, "diff"], rel=1e-9)
            assert answer.loc[label, "p_beats"] == float(table.loc[label, "diff"] > 0)
    best = table["mean"].idxmax()
    assert answer.loc[best, "p_best"] == 1.0 and answer.loc[best, "regret"] == 0.0
    assert (answer.drop(index=best)["p_best"] == 0).all()
    assert answer["regret"].to_dict() == pytest.approx((table["mean"].max() - table["mean"]).to_dict(), rel=1e-9)


def test_collapsed_to_a_point_over_many_draws_the_outcomes_are_the_fixed_runs():
    sc = parse_scenario(SMALL + VARIANTS)
    plans = sc.all_variants()
    fixed = compare(plans, replications=6, seed=3)
    answer = robust_compare(plans, point(sc, 3), 2, 3, workers=1, progress=False)
    t = answer.table().set_index("plan")
    for label, res in zip(fixed.labels, fixed.results, strict=True):
        runs = res.summary()["value"].to_numpy()
        assert t.loc[label, "mean"] == pytest.approx(runs.mean(), rel=1e-12)
        assert t.loc[label, "p10"] == np.quantile(runs, 0.1) and t.loc[label, "p90"] == np.quantile(runs, 0.9)


def synthetic(weights=None) -> RobustAnswer:
    # 3 plans x 4 worlds x 2 runs; world means: A 10 10 10 10, B 0 20 0 20, C 5 5 30 5
    means = np.array([[10, 10, 10, 10], [0, 20, 0, 20], [5, 5, 30, 5]], dtype=float)
    values = np.stack([means - 1, means + 1], axis=2)
    worlds = Worlds(("k",), np.arange(4.0)[:, None], weights, "test")
    return RobustAnswer(["A", "B", "C"], values, worlds, "value", "$", 2, 0)


def test_probabilities_regret_and_percentiles_on_known_numbers():
    t = synthetic().table().set_index("plan")
    assert t["p_best"].to_dict() == {"A": 0.25, "B": 0.5, "C": 0.25}
    assert t["p_beats"].to_dict() == {"A": 0.0, "B": 0.5, "C": 0.25}
    # best per world 10, 20, 30, 20: regret A = (0 + 10 + 20 + 10) / 4
    assert t["regret"].to_dict() == {"A": 10.0, "B": 10.0, "C": 8.75}  # B: (10 + 0 + 30 + 0) / 4
    assert t.loc["B", "mean"] == 10.0 and t.loc["B", "gain"] == 0.0
    assert t.loc["B", "p10"] == np.quantile([-1, 1, 19, 21] * 2, 0.1)
    verdict = synthetic().verdict()
    assert verdict.startswith("'B' is the best of the three plans in 50% of 4 plausible worlds (test)")
    assert "'A' is best in 25%" in verdict or "'C' is best in 25%" in verdict


def test_weighted_worlds_count_by_their_weight():
    t = synthetic(np.array([0.7, 0.1, 0.1, 0.1])).table().set_index("plan")
    assert t["p_best"].to_dict() == pytest.approx({"A": 0.7, "B": 0.2, "C": 0.1})
    assert t.loc["B", "gain"] == pytest.approx(0.7 * -10 + 0.1 * 10 + 0.1 * -10 + 0.1 * 10)
    assert weighted_quantile(np.array([1.0, 2.0, 3.0]), 0.5, np.array([0.1, 0.1, 0.8])) == 3.0


def test_a_lever_made_worthless_is_never_the_best_marginal_return():
    sc = parse_scenario(SMALL + TABLE + "[advertising]\nmax_awareness_rate = 0\nmax_persuasion = 0\n")
    answer = robust_advise(sc, worlds_for(sc, draws=4, seed=0), 1000, 2, 0, workers=1, progress=False)
    t = answer.table().set_index("lever")
    assert set(t.index) == {"ads", "service staff", "training"}
    # ads reach nobody, so the extra spend is pure cost in every world and run
    assert (answer.values[answer.labels.index("ads")] < 0).all()
    assert t.loc["ads", "p_best"] == 0.0 and t.loc["ads", "p_beats"] == 0.0
    assert answer.verdict().startswith("The next $1,000 a week earns most on ")


def test_prim_finds_the_box_a_plan_wins_in_and_leaves_the_idle_keys_free():
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.uniform(size=(300, 4)), columns=["a", "b", "c", "d"])
    wins = ((x["a"] > 0.3) & (x["b"] < 0.7)).to_numpy()
    box = prim_box(x, wins, "p")
    assert set(box.limits) == {"a", "b"}
    assert abs(box.limits["a"][0] - 0.3) < 0.05 and abs(box.limits["b"][1] - 0.7) < 0.1
    assert box.coverage >= 0.9 and box.density >= 0.9
    assert box.sentence().startswith("'p' wins where a > 0.") and "coverage" in box.sentence()
    winners = np.where(x["a"] > 0.6, 0, np.where(x["a"] < 0.01, 2, 1))
    found = where_each_wins(x, winners, ["high a", "low a", "rare"])
    assert found[0][1].limits.keys() == {"a"} and "too few" in found[2][0]
    assert re.search(r"^'low a' loses where a > 0\.[56]", found[0][0]), found[0][0]  # best in most: where it loses
    assert re.search(r"^'high a' wins where a > 0\.[56]", found[1][0]), found[1][0]


def test_prim_keeps_no_restriction_that_chance_explains():
    rng = np.random.default_rng(1)
    x = pd.DataFrame(rng.uniform(size=(100, 14)), columns=[f"key{i}" for i in range(14)])
    scattered = prim_box(x, rng.uniform(size=100) < 0.11, "lucky")  # wins at random: no region to find
    assert scattered.limits == {} and "scattered" in scattered.sentence()
    real = prim_box(x, (x["key3"] < 0.15).to_numpy(), "real")
    assert set(real.limits) == {"key3"} and abs(real.limits["key3"][1] - 0.15) < 0.05


SMALL_FILE = SMALL + VARIANTS


def test_cli_compare_uncertain_says_the_robust_sentence_first_and_json_carries_it(tmp_path, capsys):
    path = tmp_path / "p.toml"
    path.write_text(SMALL_FILE, encoding="utf-8")
    args = ["compare", str(path), "--uncertain", "--draws", "8", "-r", "1", "--workers", "1"]
    text = call_cli(capsys, *args, "--discover", "--report", str(tmp_path / "r.html"), "--table",
                    str(tmp_path / "t.csv"))
    assert text.returncode == 0, text.stderr
    first = " ".join(text.stdout.split("\n\n")[0].splitlines())  # the sentence, wrapped at 100 columns
    counted = r"ranges of \d+ assumptions, \d of them published"
    assert "is the best of the three plans in" in first and re.search(r"of 8 plausible worlds \(" + counted + r"\)", first)
    assert "Where each wins" in text.stdout
    assert "P(best)" in (tmp_path / "r.html").read_text() and len(pd.read_csv(tmp_path / "t.csv")) == 3
    out = call_cli(capsys, *args, "--json")
    doc = json.loads(out.stdout)
    assert doc["verdict"] == first and doc["worlds"]["draws"] == 8 and len(doc["options"]) == 3
    assert sum(o["p_best"] for o in doc["options"]) == pytest.approx(1.0)


def test_cli_advise_uncertain_gives_each_levers_chance_of_earning_most(tmp_path, capsys):
    path = tmp_path / "p.toml"
    path.write_text(SMALL + TABLE, encoding="utf-8")
    out = call_cli(capsys, "advise", str(path), "--draws", "6", "-r", "1", "--workers", "1", "--json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["worlds"]["source"] == "[uncertainty] table"  # the file's table turns it on by itself
    assert {o["lever"] for o in doc["options"]} == {"ads", "service staff", "training"}
    assert sum(o["p_best"] for o in doc["options"]) == pytest.approx(1.0)
    fixed = call_cli(capsys, "advise", str(path), "--fixed", "-r", "2", "--json")
    assert fixed.returncode == 0 and "levers" in json.loads(fixed.stdout)


@pytest.mark.parametrize("extra, words", [
    (["--uncertain", "--fixed"], "--fixed"),
    (["--discover"], "--discover"),
    (["--posterior", "nowhere"], "--posterior"),
    (["--uncertain", "--scheduler", "not an address"], "--scheduler"),
    (["--uncertain", "--draws", "0"], "--draws"),
    (["--uncertain", "--curves"], "--curves"),
])
def test_cli_bad_uncertainty_options_are_one_line_and_exit_2(tmp_path, capsys, extra, words):
    path = tmp_path / "p.toml"
    path.write_text(SMALL_FILE, encoding="utf-8")
    for command in ("compare", "advise") if "--curves" not in extra else ("advise",):
        out = call_cli(capsys, command, str(path), *extra)
        assert out.returncode == 2 and "Traceback" not in out.stderr
        assert words in out.stderr.strip().splitlines()[-1]  # one line (argparse's own errors follow the usage)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_anytime_answer_refines_in_batches_and_ends_identical_to_the_whole_one(workers):
    sc = parse_scenario(SMALL + VARIANTS + TABLE)
    plans = sc.all_variants()
    worlds = worlds_for(sc, uncertain=True, draws=10, seed=4)
    whole = robust_compare(plans, worlds, 2, 4, workers=1, progress=False)
    answers = list(robust_compare_anytime(plans, worlds, 2, 4, first=4, every=3, workers=workers))
    assert [a.draws for a in answers] == [4, 7, 10]
    np.testing.assert_array_equal(answers[-1].values, whole.values)  # bit for bit, whatever the workers
    assert answers[-1].verdict() == whole.verdict()
    head = robust_compare(plans, worlds.head(4), 2, 4, workers=1, progress=False)
    np.testing.assert_array_equal(answers[0].values, head.values)  # the first 4 worlds are those worlds alone


def test_a_pool_kept_open_serves_answer_after_answer_and_survives_a_stop():
    """The planner's workers live as long as its server: a run stopped after its first answer cancels what
    had not started and leaves the pool to the next run, whose answer is the whole one, bit for bit."""
    from cxsim.decide.pools import ProcessPool

    sc = parse_scenario(SMALL + VARIANTS + TABLE)
    plans = sc.all_variants()
    worlds = worlds_for(sc, uncertain=True, draws=10, seed=4)
    whole = robust_compare(plans, worlds, 2, 4, workers=1, progress=False)
    with ProcessPool(2) as pool:
        stopped = robust_compare_anytime(plans, worlds, 2, 4, first=4, every=3, pool=pool)
        assert next(stopped).draws == 4
        stopped.close()  # the user stops at the first answer
        for _ in range(2):
            answers = list(robust_compare_anytime(plans, worlds, 2, 4, first=4, every=3, pool=pool))
            assert [a.draws for a in answers] == [4, 7, 10]
            np.testing.assert_array_equal(answers[-1].values, whole.values)
        assert pool.executor() is not None  # still open: the runs never closed it


def test_p_best_is_settled_when_its_interval_clears_the_others():
    leader, p, lo, hi = synthetic().best_chance()
    assert (leader, p) == ("B", 0.5) and 0 < lo < 0.5 < hi < 1
    assert not synthetic().settled()  # 4 worlds cannot tell 50% from 25%
    means = np.array([[0.0] * 40, [1.0] * 40])  # B best in all 40 worlds
    clear = RobustAnswer(["A", "B"], np.stack([means, means], axis=2), Worlds(("k",), np.zeros((40, 1)), None, "t"),
                         "value", "$", 2, 0)
    assert clear.best_chance()[:2] == ("B", 1.0) and clear.settled()
