"""Robust answers: how likely each plan is the best over plausible worlds, and what it costs when it is not.

The input is a KPI of every plan in every world and replication (``cxsim.decide.runs.evaluate``:
plans x draws x replications, paired by world and by seed). Over those:

- **expected** KPI: the mean over draws x replications (worlds weighted when the draws are);
- **10th / 90th percentile**: of the outcomes over draws x replications (the worst 10% of the
  futures one could see, the world's uncertainty and the market's luck together);
- **gain** against the reference plan (``base``): the same statistics of the paired difference;
- **P(beats base)** and **P(best)**: the share of worlds in which the plan's value, averaged over
  the world's replications (paired by seed), is above the reference's / the highest of all plans;
- **expected regret**: the mean over worlds of (best plan's value - this plan's value): what
  choosing this plan costs, on average, against knowing the world.

With one world (the uncertainty collapsed to a point) the expected values and gains are those of
a fixed comparison, and the plan with the highest mean is best with probability 1.
``advise`` uses the same statistics on each lever's marginal return (moved plan - today's plan),
measured against zero instead of a reference plan.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from cxsim.core.errors import finite_or_none
from cxsim.core.formatting import money as full_money
from cxsim.core.formatting import number, percent
from cxsim.core.formatting import short_money as money
from cxsim.decide.compare import unique_labels
from cxsim.decide.prim import where_each_wins
from cxsim.decide.runs import evaluate, evaluate_in_batches
from cxsim.decide.spend import spend_levers
from cxsim.decide.stats import LEVEL, weighted_quantile
from cxsim.decide.uncertainty import Worlds
from cxsim.model.results import KPIS
from cxsim.scenario import Scenario

if TYPE_CHECKING:
    from cxsim.decide.pools import Pool

LOW, HIGH = 0.10, 0.90
WIDTH = 100  # columns of the sentence on a terminal
COUNT = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}


@dataclass
class RobustAnswer:
    """A KPI of several options (plans, or levers' marginal returns) over plausible worlds.

    Attributes:
        labels: the options.
        values: the KPI, options x draws x replications (paired by world and seed).
        worlds: the worlds (``None``: the assumptions fixed, one world).
        kpi: the KPI's name.
        currency: how money is shown.
        replications: runs per option and world.
        seed: the master seed.
        base: index of the reference plan, or ``None`` to measure against zero (marginal returns).
        what: "plan" or "lever", for the sentence.
        step: for levers, the extra weekly spend each was given.
    """

    labels: list[str]
    values: np.ndarray
    worlds: Worlds | None
    kpi: str
    currency: str
    replications: int
    seed: int
    base: int | None = 0
    what: str = "plan"
    step: float = 0.0

    @property
    def draws(self) -> int:
        """Number of worlds."""
        return int(self.values.shape[1])

    @property
    def world_weights(self) -> np.ndarray:
        """Each world's weight, summing to 1."""
        if self.worlds is None or self.worlds.weights is None:
            return np.full(self.draws, 1.0 / self.draws)
        return np.asarray(self.worlds.weights, dtype=float) / np.sum(self.worlds.weights)

    @property
    def world_means(self) -> np.ndarray:
        """Each option's KPI in each world: the mean over the world's replications (options x draws)."""
        return self.values.mean(axis=2)

    def winners(self) -> np.ndarray:
        """Index of the best option in each world (ties: the first)."""
        return np.argmax(self.world_means, axis=0)

    def gains(self) -> np.ndarray:
        """Each option's paired difference from the reference (or the KPI itself against zero)."""
        return self.values - self.values[self.base] if self.base is not None else self.values

    def table(self) -> pd.DataFrame:
        """One row per option: mean, p10, p90 of the KPI; gain, gain_p10, gain_p90; p_beats, p_best, regret."""
        w = self.world_weights
        outcome_w = np.repeat(w / self.values.shape[2], self.values.shape[2])
        weights = None if self.worlds is None or self.worlds.weights is None else outcome_w
        means = self.world_means
        best = means.max(axis=0)
        winners = self.winners()
        gains = self.gains()
        gain_means = gains.mean(axis=2)
        rows = []
        for p, label in enumerate(self.labels):
            rows.append({
                self.what: label,
                "mean": float(np.sum(outcome_w * self.values[p].ravel())),
                "p10": weighted_quantile(self.values[p], LOW, weights),
                "p90": weighted_quantile(self.values[p], HIGH, weights),
                "gain": float(np.sum(outcome_w * gains[p].ravel())),
                "gain_p10": weighted_quantile(gains[p], LOW, weights),
                "gain_p90": weighted_quantile(gains[p], HIGH, weights),
                "p_beats": float(np.sum(w * (gain_means[p] > 0))),
                "p_best": float(np.sum(w * (winners == p))),
                "regret": float(np.sum(w * (best - means[p]))),
            })
        return pd.DataFrame(rows)

    def ranked(self) -> pd.DataFrame:
        """:meth:`table`, most often best first (ties: the larger gain)."""
        return self.table().sort_values(["p_best", "gain"], ascending=False, kind="stable")

    def verdict(self) -> str:
        """One plain sentence first: the option most often best, its expected gain and worst 10%, the others."""
        t = self.ranked()
        c = self.currency
        top = t.iloc[0]
        where = (f"of {self.draws} plausible worlds ({self.worlds.source})" if self.worlds is not None
                 else "of 1 world (the assumptions fixed)")
        quote = repr if self.what == "plan" else str
        others = [(quote(r[self.what]), percent(r["p_best"])) for _, r in t.iloc[1:].iterrows() if r["p_best"] > 0]
        spread = f"expected {self.kpi} {self._amount(top['gain'], True)}, worst 10% {self._amount(top['gain_p10'], True)}"
        if self.what == "lever":
            tail = "".join(f"; best on {name} in {p}" if i == 0 else f", on {name} in {p}"
                           for i, (name, p) in enumerate(others))
            return (f"The next {full_money(self.step, c)} a week earns most on {top['lever']} in {percent(top['p_best'])} "
                    f"{where}: {spread} (it pays for itself in {percent(top['p_beats'])}){tail}.")
        n, base = len(self.labels), self.labels[self.base]
        head = f"{top['plan']!r} is the best of the {COUNT.get(n, str(n))} plans in {percent(top['p_best'])} {where}"
        if top["plan"] == base:
            second = t.iloc[1]
            body = (f"expected {self.kpi} {self._amount(top['mean'])}; the next, {second['plan']!r}, "
                    f"{self._amount(second['gain'], True)} against it on average")
        else:
            body = f"{spread} against {base!r}, which it beats in {percent(top['p_beats'])}"
        tail = "".join(f"; {name} is best in {p}" if i == 0 else f", {name} in {p}"
                       for i, (name, p) in enumerate(others))
        return f"{head}; {body}{tail}."

    def best_chance(self, level: float = LEVEL) -> tuple[str, float, float, float]:
        """The option most often best, its P(best) and a Wilson ``level`` interval of it over the worlds.

        Weighted worlds count as their effective number (Kish's): fewer, when a few weigh most.
        """
        return self._best_chance(self.ranked(), level)

    def _best_chance(self, ranked: pd.DataFrame, level: float) -> tuple[str, float, float, float]:
        top = ranked.iloc[0]
        w = self.world_weights
        n = 1.0 / float(np.sum(w ** 2))
        p = float(top["p_best"])
        z = float(stats.norm.ppf((1 + level) / 2))
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return str(top[self.what]), p, max(0.0, centre - half), min(1.0, centre + half)

    def settled(self, level: float = LEVEL) -> bool:
        """Whether the answer is clear: the leader's P(best) interval lies above every other option's P(best)."""
        ranked = self.ranked()
        _, _, lo, _ = self._best_chance(ranked, level)
        others = ranked["p_best"].iloc[1:]
        return bool(others.empty or lo > float(others.max()))

    def _amount(self, x: float, signed: bool = False) -> str:
        """A KPI amount in a sentence: money in the scenario's currency, else a count."""
        if "(currency)" in KPIS.get(self.kpi, ""):
            return money(x, self.currency, signed)
        return number(x, signed, whole_from=0)

    def display_table(self) -> pd.DataFrame:
        """The table as text, best first, for printing."""
        t = self.ranked()
        against = "0" if self.base is None else self.labels[self.base]
        out = pd.DataFrame({
            self.what: t[self.what],
            f"expected {self.kpi}": t["mean"].map(lambda x: number(x, whole_from=0)),
            "10%-90%": [f"{number(a, whole_from=0)} to {number(b, whole_from=0)}" for a, b in zip(t["p10"], t["p90"], strict=True)],
            "return" if self.base is None else f"vs {against}": t["gain"].map(lambda x: number(x, True, whole_from=0)),
            "worst 10%": t["gain_p10"].map(lambda x: number(x, True, whole_from=0)),
            "P(> 0)" if self.base is None else "P(beats)": t["p_beats"].map(percent),
            "P(best)": t["p_best"].map(percent),
            "regret": t["regret"].map(lambda x: number(x, whole_from=0)),
        })
        if self.base is None:
            out = out.drop(columns=[f"expected {self.kpi}", "10%-90%"])
        return out

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain data (what ``--json`` prints under ``robust``)."""
        def clean(x: Any) -> Any:
            return finite_or_none(x) if isinstance(x, float) else x

        worlds = None if self.worlds is None else {
            "source": self.worlds.source, "draws": self.worlds.draws, "keys": list(self.worlds.keys)}
        return {
            "verdict": self.verdict(),
            "kpi": self.kpi,
            "worlds": worlds,
            "replications_per_world": self.replications,
            "seed": self.seed,
            "against": None if self.base is None else self.labels[self.base],
            "options": [{k: clean(v) for k, v in row.items()} for row in self.table().to_dict("records")],
        }

    def to_json(self) -> str:
        """``to_dict`` as JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)


def robust_compare(plans: Sequence[Scenario], worlds: Worlds | None, replications: int, seed: int,
                   kpi: str = "value", labels: Sequence[str] | None = None, **run: Any) -> RobustAnswer:
    """Every plan in every world, the first plan the reference: the robust answer on ``kpi``.

    Args:
        plans: the plans, the first being the reference.
        worlds: the worlds (``None``: the assumptions fixed).
        replications: runs per plan and world.
        seed: master seed.
        kpi: the KPI ranked.
        labels: the plans' names (default: unique names from the plans).
        **run: passed to ``cxsim.decide.runs.evaluate`` (workers, progress, engine, scheduler).
    """
    values = evaluate(plans, worlds, replications, seed, kpi, **run)
    return RobustAnswer(list(labels or unique_labels(plans)), values, worlds, kpi,
                        plans[0].config.economics.currency, replications, seed)


def robust_compare_anytime(plans: Sequence[Scenario], worlds: Worlds, replications: int, seed: int,
                           kpi: str = "value", labels: Sequence[str] | None = None, first: int = 8, every: int = 8,
                           workers: int | None = None, engine: str = "fast",
                           pool: Pool | None = None) -> Iterator[RobustAnswer]:
    """:func:`robust_compare` as it refines: the answer over the first ``first`` worlds, then every ``every``
    more; the last is over every world and identical to :func:`robust_compare`'s. ``pool``: workers already
    started (kept for a server's life), left open."""
    names = list(labels or unique_labels(plans))
    for n, values in evaluate_in_batches(plans, worlds, replications, seed, kpi, first, every, workers, engine,
                                         pool):
        yield RobustAnswer(names, values, worlds.head(n), kpi, plans[0].config.economics.currency, replications, seed)


def robust_advise(scenario: Scenario, worlds: Worlds | None, step: float, replications: int, seed: int,
                  kpi: str = "value", **run: Any) -> RobustAnswer:
    """Each spend lever's marginal return (one more ``step`` a week, the rest held) in every world.

    A lever's return in a world is (moved plan - today's plan), paired by world and seed;
    P(best) is then the probability that its marginal return is the highest.
    """
    names, plans = [], [scenario]
    for lever in spend_levers(scenario):
        overrides = lever.moved(scenario, step)
        if overrides is not None:
            names.append(lever.name)
            plans.append(scenario.with_overrides(overrides))
    values = evaluate(plans, worlds, replications, seed, kpi, **run)
    return RobustAnswer(names, values[1:] - values[0], worlds, kpi, scenario.config.economics.currency,
                        replications, seed, base=None, what="lever", step=float(step))


def discover(answer: RobustAnswer) -> list[tuple[str, Any]]:
    """Where each option wins over the uncertain keys (PRIM boxes, ``cxsim.decide.prim``): sentence and box."""
    if answer.worlds is None:
        return []
    x = pd.DataFrame(answer.worlds.values, columns=list(answer.worlds.keys))
    return where_each_wins(x, answer.winners(), answer.labels, "wins" if answer.what == "plan" else "earns most")


def boxes_json(findings: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Where each option wins, as plain data: each finding's sentence, plan and box (open edges ``None``)."""
    return [{"sentence": s, "plan": None if b is None else b.plan,
             "box": None if b is None else {k: [finite_or_none(lo), finite_or_none(hi)] for k, (lo, hi) in b.limits.items()},
             "coverage": None if b is None else b.coverage, "density": None if b is None else b.density}
            for s, b in findings]
