"""Priors of the fitted keys: each key's plausible range, uniform or log-uniform, overridable in a TOML file.

The defaults are :func:`cxsim.scenario.ranges.plausible_range` (a published range where
there is one, else the schema's bounds). A priors file overrides any of them::

    ["advertising.half_saturation"]
    low = 1000
    high = 50000
    log = true          # log-uniform: for a value that could lie anywhere over orders of magnitude

Sampling is done on the prior's own scale (the logarithm for a log-uniform
prior), where the prior is uniform.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cxsim.core.errors import ScenarioError, UserError
from cxsim.scenario import Scenario, default_scenario, numeric_bounds, read_toml, read_toml_text
from cxsim.scenario.ranges import plausible_range

FIELDS = ("low", "high", "log")


@dataclass(frozen=True)
class Prior:
    """A uniform prior on ``[low, high]``, or on ``[log low, log high]`` when ``log``."""

    key: str
    low: float
    high: float
    log: bool
    source: str

    @property
    def bounds(self) -> tuple[float, float]:
        """The ends on the sampling scale."""
        return (math.log(self.low), math.log(self.high)) if self.log else (self.low, self.high)

    def to_value(self, u: np.ndarray | float) -> np.ndarray | float:
        """A point on the sampling scale as the key's value."""
        return np.exp(u) if self.log else u

    def to_scale(self, x: np.ndarray | float) -> np.ndarray | float:
        """A value of the key on the sampling scale."""
        return np.log(x) if self.log else x

    def quantile(self, q: float) -> float:
        """The prior's ``q`` quantile."""
        a, b = self.bounds
        return float(self.to_value(a + q * (b - a)))

    @property
    def variance(self) -> float:
        """Variance on the sampling scale (uniform: width squared over 12)."""
        a, b = self.bounds
        return (b - a) ** 2 / 12


def _fit_key(key: str, where: str, scenario: Scenario) -> tuple[float, float]:
    """The schema's bounds of a key that can be fitted: one real number (not a whole number, a switch or a spend)."""
    bounds = numeric_bounds(key, scenario)
    if bounds is None:
        raise UserError(f"{where}: expected a scenario key that holds one number (`cxsim schema` lists them), "
                        f"got {key!r}")
    if bounds[2]:
        raise UserError(f"{where}: expected a key that holds a real number, got {key!r}, a whole number "
                        "(fit a rate or a share instead)")
    return bounds[0], bounds[1]


def _override(key: str, table: object, source: str, default: Prior | None, bounds: tuple[float, float]) -> Prior:
    field = f'["{key}"]'
    if not isinstance(table, dict):
        raise ScenarioError(source, field, "a table with low, high and log", repr(table))
    for name in table:
        if name not in FIELDS:
            raise ScenarioError(source, f"{field}.{name}", f"one of {', '.join(FIELDS)}", "an unknown field")
    values = {}
    for name in ("low", "high"):
        v = table.get(name, getattr(default, name, None))
        if v is None or isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ScenarioError(source, f"{field}.{name}", "a finite number", repr(table.get(name)))
        values[name] = float(v)
    log = table.get("log", default.log if default else False)
    if not isinstance(log, bool):
        raise ScenarioError(source, f"{field}.log", "true or false", repr(log))
    low, high = values["low"], values["high"]
    lo, hi = bounds
    if not lo <= low < high <= hi:
        raise ScenarioError(source, field, f"low < high, within what the schema allows [{lo:g}, {hi:g}]",
                            f"low = {low:g}, high = {high:g}")
    if log and low <= 0:
        raise ScenarioError(source, f"{field}.low", "a number > 0 for a log-uniform prior", f"{low:g}")
    return Prior(key, low, high, log, source)


def load_priors(keys: list[str], path: str | Path | None = None, scenario: Scenario | None = None) -> dict[str, Prior]:
    """The prior of each fitted key: its plausible range, or the priors file's entry.

    ``scenario`` names the entries of tables such as ``channels`` (default: the default scenario).

    Raises:
        UserError: a key that is not a number in the schema, or one with no finite range and none in the file.
        ScenarioError: a priors file that cannot be used (naming the file and the key).
    """
    if len(set(keys)) != len(keys):
        twice = next(k for k in keys if keys.count(k) > 1)
        raise UserError(f"--fit: expected each key once, got {twice!r} twice")
    scenario = scenario or default_scenario()
    bounds = {key: _fit_key(key, "--fit", scenario) for key in keys}
    given: dict = {}
    if path is not None:
        source = str(path)
        given = read_toml(read_toml_text(path, "priors"), source)
        for key in given:
            _fit_key(key, f"{source}: [\"{key}\"]", scenario)
            if key not in keys:
                raise ScenarioError(source, f'["{key}"]', f"a prior for a key given to --fit ({', '.join(keys)}); "
                                    "this key is not fitted, so its prior would be ignored")
    priors = {}
    for key in keys:
        try:
            default = plausible_range(key, scenario)
            default = Prior(key, default.low, default.high, default.log, default.source)
        except ValueError as exc:
            if key not in given:
                raise UserError(f"--fit {key}: expected {exc}; give its range in a --priors file") from None
            default = None
        priors[key] = _override(key, given[key], str(path), default, bounds[key]) if key in given else default
    _check_ends(priors, scenario, str(path))
    return priors


def _check_ends(priors: dict[str, Prior], scenario: Scenario, source: str) -> None:
    """Refuse a prior whose ends, alone or all low or all high together, make an invalid scenario (naming the key)."""
    trials = [{p.key: end} for p in priors.values() for end in (p.low, p.high)]
    if len(priors) > 1:
        trials += [{p.key: p.low for p in priors.values()}, {p.key: p.high for p in priors.values()}]
    for trial in trials:
        try:
            scenario.with_overrides(trial, where=source)
        except ScenarioError as exc:
            field, expected, _ = exc.problems[0]
            key = field if field in trial else next(iter(trial))
            prior = priors[key]
            where = source if prior.source == source else "--fit"
            drawn = ", ".join(f"{k} = {v:g}" for k, v in trial.items())
            raise ScenarioError(where, f'["{key}"]' if where == source else key,
                                f"a range whose every value the scenario takes: a draw can have {drawn}, and "
                                f"{field} must be {expected}", f"low = {prior.low:g}, high = {prior.high:g}") from None
