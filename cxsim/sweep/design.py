"""Designs: the points of a sweep, first in the unit hypercube, then as parameter values.

Every design is drawn in ``[0, 1]^D`` (SALib's samplers for Latin hypercube,
Sobol and Morris, a product for the grid) and mapped to values by each
parameter: a range linearly, a values list by equal slices, a distribution by
its quantile function. The unit coordinates are kept: sensitivity indices are
computed on them, so effects compare across parameters measured in different units.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError
from scipy import stats

from cxsim.core.errors import ScenarioError, plain
from cxsim.scenario import CROSS_CHECKED
from cxsim.sweep.spec import Parameter, SweepSpec, quoted

UNIT = "u:"  # prefix of the unit-coordinate columns
_EDGE = 1e-9  # quantiles are taken inside (0, 1): a normal has no finite 0% quantile


def problem(spec: SweepSpec) -> dict[str, Any]:
    """SALib's problem: the parameters on the unit hypercube."""
    names = list(spec.parameters)
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def _grid_axis(p: Parameter, steps: int) -> np.ndarray:
    """Unit coordinates of one parameter's grid values."""
    if p.values is not None:
        return (np.arange(len(p.values)) + 0.5) / len(p.values)
    steps = p.steps or steps
    if p.range is not None:
        return np.linspace(0.0, 1.0, steps)
    return (np.arange(steps) + 0.5) / steps  # equal-probability slices of a distribution


def unit_sample(spec: SweepSpec) -> np.ndarray:
    """The design in ``[0, 1]^D``, one row per point, in the order SALib's analyses expect."""
    d = spec.file.design
    prob, seed = problem(spec), spec.file.sweep.seed
    if d.kind == "grid":
        axes = [_grid_axis(p, d.steps) for p in spec.parameters.values()]
        return np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, len(axes))
    if d.kind == "lhs":
        from SALib.sample import latin
        return latin.sample(prob, d.n, seed=seed)
    if d.kind == "sobol":
        from SALib.sample import sobol
        return sobol.sample(prob, d.n, calc_second_order=d.second_order, seed=seed)
    from SALib.sample import morris
    return morris.sample(prob, d.n, num_levels=d.levels, seed=seed)


def to_values(p: Parameter, u: np.ndarray, morris_levels: int | None = None) -> list[Any]:
    """Map unit coordinates to a parameter's values.

    Args:
        p: the parameter.
        u: coordinates in [0, 1].
        morris_levels: with a Morris design, a distribution takes the centres of
            ``levels`` equal-probability slices (its 0% and 100% quantiles may be infinite).
    """
    if p.values is not None:
        index = np.minimum((u * len(p.values)).astype(int), len(p.values) - 1)
        return [p.values[i] for i in index]
    if p.range is not None:
        x = p.range[0] + u * (p.range[1] - p.range[0])
    else:
        if morris_levels:
            u = (u * (morris_levels - 1) + 0.5) / morris_levels
        q = np.clip(u, _EDGE, 1 - _EDGE)  # for the unbounded ones
        if p.distribution == "uniform":
            x = p.low + u * (p.high - p.low)
        elif p.distribution == "normal":
            lo = -np.inf if p.low is None else (p.low - p.mean) / p.sd
            hi = np.inf if p.high is None else (p.high - p.mean) / p.sd
            x = stats.truncnorm.ppf(q, lo, hi, loc=p.mean, scale=p.sd)
        elif p.distribution == "lognormal":
            x = p.median * np.exp(p.sigma * stats.norm.ppf(q))
        else:
            width = p.high - p.low
            x = stats.triang.ppf(u, (p.mode - p.low) / width, loc=p.low, scale=width)
    if p.integer:
        return [int(v) for v in np.rint(x)]
    return [float(v) for v in x]


def build_design(spec: SweepSpec) -> pd.DataFrame:
    """The design points: ``point``, each parameter's value, and its unit coordinate (``u:NAME``).

    Every value is checked against the scenario's schema first, so a value out
    of a field's range is reported now, naming the parameter, not by failed runs.
    """
    check_size(spec)
    u = unit_sample(spec)
    d = spec.file.design
    levels = d.levels if d.kind == "morris" else None
    frame = pd.DataFrame({"point": np.arange(len(u))})
    for j, (name, p) in enumerate(spec.parameters.items()):
        frame[name] = pd.Series(to_values(p, u[:, j], levels), dtype=object if not p.numeric else None)
    for j, name in enumerate(spec.parameters):
        frame[UNIT + name] = u[:, j]
    check_values(spec, frame)
    return frame


def check_values(spec: SweepSpec, frame: pd.DataFrame) -> None:
    """Raise a ``ScenarioError`` naming the parameter if any design value is refused by the schema.

    Each value is checked against its field first; then every design point against the
    scenario as a whole (shares that must sum to 1, channels that must exist).
    """
    arm = next(iter(spec.arms.values()))
    for name in spec.parameters:
        for value in map(plain, pd.unique(frame[name])):
            for key, v in spec.overrides({name: value}).items():
                table, field = key.rsplit(".", 1)  # section.field, or table.name.field
                section = arm[table].model_copy()
                try:
                    setattr(section, field, v)
                except ValidationError as exc:
                    why = exc.errors()[0]["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
                    why = ("a value " + why) if why.startswith(("greater", "less")) else why
                    raise ScenarioError(spec.source, f"parameters.{quoted(name)}",
                                        f"values that {key} accepts ({why[0].lower() + why[1:]})",
                                        repr(v) if name == key else f"{name} = {value!r} gives {key} = {v!r}"
                                        ) from None
    keys = spec.file.keys_set_by()
    if not any(key.startswith(CROSS_CHECKED) for key in keys):
        return  # every key was checked on its own above, and none enters a check across fields
    points = frame[list(spec.parameters)].drop_duplicates()
    for variant, scenario in spec.arms.items():
        for row in points.itertuples(index=False):
            values = {name: plain(v) for name, v in zip(spec.parameters, row)}
            try:
                scenario.with_overrides(spec.overrides(values))
            except ScenarioError as exc:
                field, expected, got = exc.problems[0]
                shown = ", ".join(f"{name} = {v!r}" for name, v in values.items())
                raise ScenarioError(spec.source, "parameters", f"design points that the {variant} scenario accepts "
                                    f"({field}: expected {expected}, got {got})", shown) from None


MAX_POINTS = 200_000   # design points: the design is drawn and checked in memory
MAX_RUNS = 2_000_000   # runs (points x variants x replications): one ledger row each


def check_size(spec: SweepSpec) -> None:
    """Refuse a design too large to run before drawing it, naming the tables that set its size."""
    points = size(spec)
    runs = points * len(spec.arms) * spec.file.sweep.replications
    d = spec.file.design
    how = (f"{' x '.join(str(len(_grid_axis(p, d.steps))) for p in spec.parameters.values())} grid values"
           if d.kind == "grid" else f"kind = {d.kind!r} with samples = {d.n}")
    if points > MAX_POINTS:
        raise ScenarioError(spec.source, "design", f"at most {MAX_POINTS:,} design points (fewer steps, samples or "
                            f"parameters; split the sweep)", f"{points:,} points ({how})")
    if runs > MAX_RUNS:
        raise ScenarioError(spec.source, "sweep.replications", f"at most {MAX_RUNS:,} runs in one sweep (points x "
                            "variants x replications; fewer replications or points, or split the sweep)",
                            f"{points:,} x {len(spec.arms)} x {spec.file.sweep.replications:,} = {runs:,} runs")


def size(spec: SweepSpec) -> int:
    """Number of design points, without drawing them."""
    d, k = spec.file.design, len(spec.parameters)
    if d.kind == "grid":
        return math.prod(len(_grid_axis(p, d.steps)) for p in spec.parameters.values())
    if d.kind == "lhs":
        return d.n
    if d.kind == "sobol":
        return d.n * (2 * k + 2 if d.second_order else k + 2)
    return d.n * (k + 1)
