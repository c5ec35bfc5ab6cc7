"""Uncertainty as an input: plausible worlds, and every plan run in each of them with the same random numbers.

A *world* is one draw of the uncertain assumptions (need for service, ad
half-saturation, how long satisfaction remembers, ...). The worlds come from
one of three places, in this order:

1. ``--posterior DIR``: the draws of a calibration (``DIR/posterior.parquet``, one
   column per dotted scenario key and a ``weight`` column), resampled by weight
   with the seed;
2. the scenario file's ``[uncertainty]`` table (``cxsim.scenario.distributions``), sampled
   as a Latin hypercube from the seed;
3. ``--uncertain`` alone: the plausible ranges of ``cxsim.scenario.ranges``, published or assumed (uniform, or
   log-uniform for a range spanning orders of magnitude).

:func:`cxsim.decide.runs.evaluate` runs every plan in every world: replication ``r`` of world
``i`` is replication ``i * R + r`` of the seed for every plan, so plans are
paired twice over (the same world and the same common random numbers), and
with the uncertainty collapsed to one point the numbers are exactly those of a
fixed run of ``draws * R`` replications. Runs go to local worker processes or a
Dask cluster (``cxsim.decide.pools``), one task per (plan, world).

Example::

    worlds = worlds_for(scenario, uncertain=True, draws=100, seed=0)
    values = runs.evaluate(scenario.all_variants(), worlds, replications=4, seed=0)   # (plans, draws, 4)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cxsim.core.errors import UserError, bounded, plain
from cxsim.scenario import Scenario, numeric_bounds
from cxsim.scenario.distributions import Distribution, unit_draws

POSTERIOR_FILE = "posterior.parquet"
WEIGHT = "weight"
DEFAULT_DRAWS = 100
MAX_DRAWS = 100_000


@dataclass(frozen=True)
class Worlds:
    """Draws of the uncertain scenario keys: one row per plausible world.

    Attributes:
        keys: the dotted scenario keys drawn.
        values: draws x keys.
        weights: how likely each draw is, summing to 1; ``None``: equally likely.
        source: where the draws come from ("ranges of 22 assumptions, 2 of them published", "[uncertainty] table",
            "posterior DIR").
    """

    keys: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray | None
    source: str

    @property
    def draws(self) -> int:
        """Number of worlds."""
        return int(self.values.shape[0])

    def head(self, n: int) -> Worlds:
        """The first ``n`` worlds (their weights renormalised by whoever reads them)."""
        return Worlds(self.keys, self.values[:n], None if self.weights is None else self.weights[:n], self.source)

    def world(self, i: int) -> dict[str, float]:
        """Draw ``i`` as scenario overrides."""
        return {k: float(v) for k, v in zip(self.keys, self.values[i], strict=True)}

    def frame(self):
        """The draws as a table: one column per key (and ``weight`` when the draws are weighted)."""
        import pandas as pd

        out = pd.DataFrame(self.values, columns=list(self.keys))
        if self.weights is not None:
            out[WEIGHT] = self.weights
        return out


def range_distributions(scenario: Scenario) -> dict[str, Distribution]:
    """The plausible range of every assumption (``cxsim.scenario.ranges``, published or assumed), as uniform or
    log-uniform distributions; a relative range is taken around the scenario's own value (left out when that is 0)."""
    from cxsim.scenario.ranges import RANGES, plausible_range

    out = {}
    for key in RANGES:
        if numeric_bounds(key, scenario) is None:
            continue
        try:
            r = plausible_range(key, scenario)
        except ValueError:  # a relative range around a value of 0: nothing to vary
            continue
        out[key] = Distribution(dist="loguniform" if r.log else "uniform", low=r.low, high=r.high)
    return out


def sample(distributions: dict[str, Distribution], scenario: Scenario, draws: int, seed: int,
           source: str) -> Worlds:
    """``draws`` worlds from per-key distributions: a Latin hypercube from ``seed``, mapped by quantiles.

    A normal is truncated to the key's range in the schema; a key that holds whole
    numbers is rounded.
    """
    keys = tuple(distributions)
    u = unit_draws(draws, len(keys), seed)
    columns = []
    for j, key in enumerate(keys):
        low, high, whole = numeric_bounds(key, scenario) or (-math.inf, math.inf, False)
        x = distributions[key].quantile(u[:, j], (low, high))
        columns.append(np.rint(x) if whole else x)
    values = np.column_stack(columns) if columns else np.zeros((draws, 0))
    return Worlds(keys, values, None, source)


def read_posterior(folder: str | Path, scenario: Scenario, draws: int, seed: int) -> Worlds:
    """The draws of a posterior folder, resampled by weight to ``draws`` equally likely worlds.

    Raises:
        UserError: a missing or unreadable file, a column that is not a number key of
            the scenario, a value outside the key's range or not finite, or bad weights;
            each names the file, the column (and row) and what was expected.
    """
    import pandas as pd

    folder = Path(folder)
    path = folder / POSTERIOR_FILE
    if not folder.is_dir():
        raise UserError(f"{bounded(folder)}: --posterior: expected a folder written by `cxsim calibrate history` "
                        "(with posterior.parquet)")
    if not path.is_file():
        raise UserError(f"{bounded(path)}: expected the posterior draws written by `cxsim calibrate history` "
                        "(no such file)")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any damage to the file is the user's to fix, in one line
        raise UserError(f"{bounded(path)}: expected a readable Parquet table ({bounded(exc, 120)})") from None
    if len(frame) == 0:
        raise UserError(f"{bounded(path)}: expected at least one draw, got an empty table")
    keys = tuple(str(c) for c in frame.columns if c != WEIGHT)
    if not keys:
        raise UserError(f"{bounded(path)}: expected one column per scenario key, got only {list(frame.columns)}")
    values = np.empty((len(frame), len(keys)))
    for j, key in enumerate(keys):
        bounds = numeric_bounds(key, scenario)
        if bounds is None:
            raise UserError(f"{bounded(path)}: column {bounded(repr(key), 80)}: expected a scenario key that holds "
                            "one number (see `cxsim schema`)")
        column = pd.to_numeric(frame[key], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(column) | (column < bounds[0]) | (column > bounds[1]))
        if bad.size:
            raise UserError(f"{bounded(path)}: column {key!r}, row {bad[0] + 1}: expected a finite number in "
                            f"[{bounds[0]:g}, {bounds[1]:g}], got {plain(frame[key].iloc[bad[0]])!r}")
        fractional = np.flatnonzero(column != np.rint(column)) if bounds[2] else np.array([], dtype=int)
        if fractional.size:  # refused, not rounded: a count drawn as 2,000.5 people is a damaged or foreign file
            raise UserError(f"{bounded(path)}: column {key!r}, row {fractional[0] + 1}: expected a whole number "
                            f"(the key counts whole units; such a draw is refused, not rounded), got "
                            f"{plain(frame[key].iloc[fractional[0]])!r}")
        values[:, j] = column
    weights = np.ones(len(frame))
    if WEIGHT in frame.columns:
        weights = pd.to_numeric(frame[WEIGHT], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
        if bad.size:
            raise UserError(f"{bounded(path)}: column 'weight', row {bad[0] + 1}: expected a finite weight >= 0, "
                            f"got {plain(frame[WEIGHT].iloc[bad[0]])!r}")
        if weights.sum() <= 0:
            raise UserError(f"{bounded(path)}: column 'weight': expected weights with a positive sum, got all 0")
    if not np.isfinite(weights.sum()):  # weights of 1e308 each: their sum overflows, their ratios do not
        weights = weights / weights.max()
    rows = np.random.default_rng(seed).choice(len(frame), size=draws, replace=True, p=weights / weights.sum())
    return Worlds(keys, values[rows], None, f"posterior {folder}")


def worlds_for(scenario: Scenario, *, uncertain: bool = False, posterior: str | Path | None = None,
               draws: int = DEFAULT_DRAWS, seed: int = 0) -> Worlds | None:
    """The plausible worlds a decision is weighed over, or ``None`` when none is asked for.

    Args:
        scenario: the reference plan (its ``[uncertainty]`` table, its named channels and segments).
        uncertain: use the plausible ranges when the scenario has no ``[uncertainty]`` table.
        posterior: a calibration's folder; its draws replace the table.
        draws: number of worlds.
        seed: seed of the draws (the same seed gives the same worlds).

    Returns:
        The worlds; ``None`` when ``uncertain`` is off, no posterior is given and the
        scenario has no ``[uncertainty]`` table (the answer then holds the assumptions fixed).
    """
    if not isinstance(draws, int) or isinstance(draws, bool) or not 1 <= draws <= MAX_DRAWS:
        raise UserError(f"--draws: expected a whole number from 1 to {MAX_DRAWS:,}, got {plain(draws)!r}")
    if posterior is not None:
        return read_posterior(posterior, scenario, draws, seed)
    if scenario.uncertainty:
        return sample(scenario.uncertainty, scenario, draws, seed, "[uncertainty] table")
    if uncertain:
        from cxsim.scenario.ranges import count_kinds

        distributions = range_distributions(scenario)
        return sample(distributions, scenario, draws, seed, count_kinds(distributions))
    return None


def in_world(scenario: Scenario, worlds: Worlds, i: int, reference: Scenario | None = None) -> Scenario:
    """The scenario with draw ``i``'s values set (the plan's own spends untouched).

    Args:
        scenario: a plan.
        worlds: the worlds.
        i: the draw.
        reference: the plan the others are compared with; a plan that sets an uncertain
            key differently from it keeps its difference (``world + plan - reference``),
            so a variant such as "better training: +0.1 quality" stays a change in every world.

    Raises:
        ScenarioError: a world (or a plan's shift of it) that the schema refuses, naming the key.
    """
    overrides = worlds.world(i)
    if reference is not None:
        for key in overrides:
            shift = float(scenario[key]) - float(reference[key])
            if shift:
                overrides[key] += shift
    for key, value in overrides.items():
        bounds = numeric_bounds(key, scenario)
        if bounds is not None and bounds[2]:
            overrides[key] = round(value)
    return scenario.with_overrides(overrides, where=f"{scenario.source} (world {i + 1} of {worlds.source})")
