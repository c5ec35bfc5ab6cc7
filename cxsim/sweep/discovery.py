"""Scenario discovery: in which parameter regions does one variant beat another?

At each design point the two variants' KPI is compared run by run (they share
random numbers), and the point is labelled by which wins on average. A shallow
decision tree then splits the parameter space into a few boxes; each box
becomes a sentence such as "more people wins where word-of-mouth strength is
above 0.42 (91% of 64 conditions; mean gain +3,400)". Sibling boxes with the
same winner are merged, so the rules are as few as the data allow. Beside the
tree, PRIM (``cxsim.decide.prim``) describes each variant's own region as one box over
the numeric parameters, with its coverage and density.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxsim.core.errors import UserError
from cxsim.decide.prim import rounded
from cxsim.decide.stats import LEVEL, mean_interval
from cxsim.sweep.analysis import paired
from cxsim.sweep.spec import SweepSpec

PREFERRED = ("more ads", "more people")  # the flagship question, when the sweep has both


@dataclass
class Box:
    """A region of parameter space: per parameter, a lower (exclusive) and upper (inclusive) bound."""

    bounds: dict[str, tuple[float, float]]
    members: np.ndarray  # indices of the points inside


@dataclass
class Discovery:
    """Where ``b`` beats ``a`` on a KPI.

    Attributes:
        a, b: the variants compared (b - a).
        kpi: the KPI.
        points: one row per point: parameters, ``diff`` (mean of b - a) and ``wins`` (diff > 0).
        rules: one row per box: ``winner``, ``condition`` (words), ``points``, ``win_share``, ``mean``, ``lo``, ``hi``.
        sentences: the findings in words.
        accuracy: share of points the rules put on the right side.
        baseline: share a single verdict for every point would get right.
        boxes: where each variant wins as a PRIM box over the numeric parameters, in words.
    """

    a: str
    b: str
    kpi: str
    points: pd.DataFrame
    rules: pd.DataFrame
    sentences: list[str] = field(default_factory=list)
    accuracy: float = float("nan")
    baseline: float = float("nan")
    boxes: list[str] = field(default_factory=list)


def choose_pair(spec: SweepSpec, versus: tuple[str, str] | None = None) -> tuple[str, str]:
    """The two variants to compare: as asked, else "more ads" vs "more people", else the first two."""
    arms = list(spec.arms)
    if versus:
        unknown = [v for v in versus if v not in arms]
        if unknown:
            raise UserError(f"--versus: expected two of this sweep's variants ({', '.join(map(repr, arms))}), "
                            f"got {', '.join(map(repr, unknown))}")
        return versus
    if len(arms) < 2:
        raise UserError("scenario discovery compares two variants, and this sweep runs one; list two or more "
                        "in [sweep] variants (e.g. [\"more ads\", \"more people\"])")
    if all(p in arms for p in PREFERRED):
        return PREFERRED
    return arms[0], arms[1]


class _Describer:
    """Parameter bounds in words."""

    def __init__(self, spec: SweepSpec, categories: dict[str, list]) -> None:
        self.spec = spec
        self.categories = categories

    def label(self, name: str) -> str:
        p = self.spec.parameters[name]
        return f"{p.label} ({name})" if p.label else name

    def value(self, name: str, v: float) -> str:
        if self.spec.parameters[name].budget_split is not None:
            return f"{v:.0%}"
        return rounded(v, 3)

    def bound(self, name: str, lo: float, hi: float) -> str:
        if name in self.categories:
            cats = [c for i, c in enumerate(self.categories[name]) if lo < i <= hi]
            return f"{self.label(name)} is {' or '.join(map(str, cats))}"
        if lo > -math.inf and hi < math.inf:
            return f"{self.label(name)} is between {self.value(name, lo)} and {self.value(name, hi)}"
        if lo > -math.inf:
            return f"{self.label(name)} is above {self.value(name, lo)}"
        return f"{self.label(name)} is at most {self.value(name, hi)}"

    def box(self, box: Box) -> str:
        parts = [self.bound(n, lo, hi) for n, (lo, hi) in box.bounds.items()]
        return " and ".join(parts) if parts else "everywhere"


def _leaves(tree, x: np.ndarray, names: list[str]) -> list[tuple[Box, int]]:
    """Walk the tree: a box and a class per leaf, merging sibling subtrees that predict one class."""
    t = tree.tree_
    node_of = tree.apply(x)

    @functools.cache
    def points_under(node: int) -> np.ndarray:
        if t.children_left[node] == -1:
            return np.flatnonzero(node_of == node)
        return np.concatenate([points_under(t.children_left[node]), points_under(t.children_right[node])])

    def walk(node: int, bounds: dict[str, tuple[float, float]]) -> list[tuple[Box, int]]:
        if t.children_left[node] == -1:
            return [(Box(dict(bounds), points_under(node)), int(np.argmax(t.value[node][0])))]
        name, cut = names[t.feature[node]], float(t.threshold[node])
        lo, hi = bounds.get(name, (-math.inf, math.inf))
        left = walk(t.children_left[node], {**bounds, name: (lo, min(hi, cut))})
        right = walk(t.children_right[node], {**bounds, name: (max(lo, cut), hi)})
        classes = {c for _, c in left + right}
        if len(classes) == 1:  # the split does not change the verdict
            return [(Box(dict(bounds), points_under(node)), classes.pop())]
        return left + right

    return walk(0, {})


def discover(results: pd.DataFrame, spec: SweepSpec, kpi: str = "npv", versus: tuple[str, str] | None = None,
             depth: int = 2, min_share: float = 0.05) -> Discovery:
    """Find the parameter regions where ``b`` beats ``a`` on ``kpi``, and say so in words.

    Args:
        results: one row per run (``load_results``).
        spec: the sweep.
        kpi: the KPI to compare (higher is better).
        versus: (a, b); default "more ads" vs "more people" when both are run, else the first two variants.
        depth: depth of the tree (more depth, more and narrower rules).
        min_share: smallest share of points a rule may cover.
    """
    from sklearn.tree import DecisionTreeClassifier

    a, b = choose_pair(spec, versus)
    if kpi not in results.columns:
        raise UserError(f"--kpi: expected a KPI this sweep kept ({', '.join(spec.file.outputs.kpis)}), got {kpi!r}")
    diffs = paired(results, kpi, a, b).groupby("point")["diff"].agg(["mean", "count"])
    names = list(spec.parameters)
    values = results.drop_duplicates("point").set_index("point")[names]
    points = values.join(diffs, how="inner").rename(columns={"mean": "diff", "count": "replications"})
    if points.empty:
        raise UserError(f"no point has finished runs of both {a!r} and {b!r}; finish the sweep first")
    points["wins"] = points["diff"] > 0
    categories = {n: list(spec.parameters[n].values) for n in names if not spec.parameters[n].numeric}
    x = np.column_stack([points[n].map({c: i for i, c in enumerate(categories[n])}).to_numpy(dtype=float)
                         if n in categories else points[n].to_numpy(dtype=float) for n in names])
    y = points["wins"].to_numpy()
    describe = _Describer(spec, categories)
    share = y.mean()
    reps = int(points["replications"].median())
    found = Discovery(a, b, kpi, points.reset_index(), pd.DataFrame(), baseline=float(max(share, 1 - share)))
    found.sentences.append(
        f"Across {len(points)} parameter combinations, {b} beats {a} on {kpi} in {share:.0%} of them "
        f"(mean difference {b} - {a}: {_signed(points['diff'].mean())}; each combination is the mean of "
        f"{reps} paired replication{'s' if reps != 1 else ''}).")
    if share in (0.0, 1.0):
        winner = b if share == 1.0 else a
        found.sentences.append(f"{winner} wins everywhere in the region sampled: no parameter changes the verdict.")
        found.accuracy = 1.0
        return found
    tree = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=max(3, math.ceil(min_share * len(points))),
                                  random_state=0).fit(x, y)
    rules, correct = [], 0
    for box, cls in _leaves(tree, x, names):
        d = points["diff"].to_numpy()[box.members]
        wins = y[box.members]
        winner = b if tree.classes_[cls] else a
        correct += int((wins == tree.classes_[cls]).sum())
        lo, hi = mean_interval(d)[1:]
        rules.append({"winner": winner, "condition": describe.box(box), "points": len(box.members),
                      "win_share": float(wins.mean() if winner == b else 1 - wins.mean()),
                      "mean": float(d.mean()), "lo": lo, "hi": hi, "bounds": box.bounds})
    found.rules = pd.DataFrame(rules).sort_values(["winner", "points"], ascending=[True, False], ignore_index=True)
    found.accuracy = correct / len(points)
    for who in (b, a):
        sign = 1.0 if who == b else -1.0
        for _, r in found.rules[found.rules["winner"] == who].iterrows():
            lo, hi = sorted((sign * r["lo"], sign * r["hi"]))
            found.sentences.append(
                f"{who} wins where {r['condition']}: it is ahead in {r['win_share']:.0%} of those {r['points']} "
                f"combinations, by {rounded(sign * r['mean'], 3)} {kpi} on average ({LEVEL:.0%} confidence interval "
                f"{rounded(lo, 3)} to {rounded(hi, 3)}).")
    found.sentences.append(
        f"These {len(rules)} rules put {found.accuracy:.0%} of the combinations on the right side "
        f"(one verdict for all would get {found.baseline:.0%}).")
    found.boxes = _prim_boxes(points, names, categories, a, b, describe)
    return found


def _prim_boxes(points: pd.DataFrame, names: list[str], categories: dict[str, list], a: str, b: str,
                describe: _Describer) -> list[str]:
    """Where each of the two variants wins, as PRIM boxes over the numeric parameters (in words).

    PRIM comes with the ``decide`` extra; without it the tree's findings stand alone, with a note.
    """
    from cxsim.decide.prim import where_each_wins

    if importlib.util.find_spec("ema_workbench") is None:
        return ["(PRIM boxes need the optional package ema-workbench: pip install 'cxsim[decide]')"]
    numeric = [n for n in names if n not in categories and points[n].nunique() > 1]
    if not numeric:
        return []
    x = points[numeric].astype(float).rename(columns={n: describe.label(n) for n in numeric})
    winners = points["wins"].to_numpy().astype(int)  # 0: a wins, 1: b wins
    return [sentence for sentence, _ in where_each_wins(x, winners, [a, b], noun="combinations")]


def _signed(v: float) -> str:
    if pd.isna(v):
        return "-"
    return ("+" if v > 0 else "") + rounded(float(v), 3)
