"""Sweep files: what to vary, how to sample it, how often to run it and what to keep.

A sweep file is TOML, validated like a scenario file (unknown keys refused,
one line per problem naming the file and the field)::

    [sweep]
    scenario = "../people_vs_ads.toml"   # relative to the sweep file
    variants = ["more ads", "more people"]
    replications = 10
    seed = 1

    [fixed]                               # overrides applied to every run
    "market.weeks" = 52

    [design]
    kind = "lhs"                          # grid | lhs | sobol | morris
    samples = 200

    [parameters."wom.awareness_effect"]   # any scenario key
    range = [0.1, 0.6]

    [parameters."channels.email.response_hours"]  # a key of a named table the scenario has
    values = [4, 24, 72]

    [parameters.people_share]             # a derived parameter: a budget split
    range = [0.2, 0.8]
    budget_split = { total = 7500, share_to = "service.weekly_spend", rest_to = "advertising.weekly_spend" }

    [outputs]
    kpis = ["npv", "customers"]
    timeseries = ["active", "profit"]
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cxsim.core.errors import ScenarioError
from cxsim.core.validation import StrictModel
from cxsim.decide.budget import split_overrides
from cxsim.model.metrics import COLUMNS
from cxsim.model.results import KPIS
from cxsim.scenario import Scenario, ScenarioConfig, flatten, load_scenario, named_tables, read_toml, read_toml_text

BASE = "base"  # the name of the scenario file's base in ``variants``
Scalar = float | int | str | bool
SCENARIO_KEY = "a scenario key like advertising.weekly_spend or channels.email.response_hours (see `cxsim schema`)"


class _Table(StrictModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_scenario_key(dotted: str) -> bool:
    """Whether ``dotted`` names a field of a scenario: ``section.field``, or ``table.name.field`` in a named table
    (whether the named entry exists depends on the scenario file: ``_check_named_entries`` checks that)."""
    parts = dotted.split(".")
    if len(parts) == 3:
        model = named_tables().get(parts[0])
        return model is not None and parts[2] in model.model_fields
    if len(parts) != 2:
        return False
    section = ScenarioConfig.model_fields.get(parts[0])
    if section is None or not isinstance(section.annotation, type) or not issubclass(section.annotation, BaseModel):
        return False
    return parts[1] in section.annotation.model_fields


def _check_scenario_key(dotted: str) -> str:
    if not _is_scenario_key(dotted):
        raise ValueError(f"{SCENARIO_KEY}; {dotted!r} is not one")
    return dotted


def _targets(value: Any) -> dict[str, float]:
    if isinstance(value, str):
        value = {value: 1.0}
    if not isinstance(value, dict) or not value:
        raise ValueError("a scenario key, or a table of scenario keys and weights that sum to 1")
    for key, weight in value.items():
        _check_scenario_key(key)
        if not _is_number(weight) or weight < 0:
            raise ValueError(f"a weight >= 0 for {key!r}")
    if not math.isclose(sum(value.values()), 1.0, abs_tol=1e-9):
        raise ValueError(f"weights that sum to 1 (they sum to {sum(value.values())})")
    return {k: float(w) for k, w in value.items()}


class BudgetSplit(_Table):
    """A fixed weekly budget split between two uses; the parameter is the share of the first.

    With share ``s``: every key of ``share_to`` gets ``s * total * weight`` and every
    key of ``rest_to`` gets ``(1 - s) * total * weight``.
    """

    total: float = Field(gt=0, description="Weekly budget to split (currency).")
    share_to: str | dict[str, float] = Field(description="Scenario key(s) that get the share.")
    rest_to: str | dict[str, float] = Field(description="Scenario key(s) that get the rest.")

    @field_validator("share_to", "rest_to", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> dict[str, float]:
        return _targets(value)

    @model_validator(mode="after")
    def _disjoint(self) -> BudgetSplit:
        both = set(self.share_to) & set(self.rest_to)
        if both:
            raise ValueError(f"share_to and rest_to with no key in common ({', '.join(sorted(both))} in both)")
        return self

    def overrides(self, share: float) -> dict[str, float]:
        """The scenario overrides of one share."""
        return split_overrides(self.total, share, self.share_to, self.rest_to)


DISTRIBUTIONS = {
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
    "triangular": ("low", "mode", "high"),
}


class Parameter(_Table):
    """One thing to vary: a values list, a range, or a distribution (exactly one)."""

    values: list[Scalar] | None = Field(None, min_length=1, description="The values to try.")
    range: tuple[float, float] | None = Field(None, description="[low, high], sampled uniformly.")
    distribution: Literal["uniform", "normal", "lognormal", "triangular"] | None = Field(
        None, description="A distribution, sampled by its quantiles.")
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = Field(None, gt=0)
    median: float | None = Field(None, gt=0)
    sigma: float | None = Field(None, gt=0)
    mode: float | None = None
    steps: int | None = Field(None, ge=2, le=1000, description="grid only: points across a range or distribution.")
    integer: bool = Field(False, description="Round sampled values to whole numbers.")
    label: str | None = Field(None, description="Words for this parameter in tables and findings.")
    budget_split: BudgetSplit | None = Field(None, description="Make this parameter a share of a budget.")

    @field_validator("range", mode="before")
    @classmethod
    def _pair(cls, value: Any) -> Any:
        if value is None:
            return value
        if not isinstance(value, list | tuple) or len(value) != 2 or not all(map(_is_number, value)):
            raise ValueError("[low, high]: two numbers")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> Parameter:
        given = [k for k in ("values", "range", "distribution") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("exactly one of values, range or distribution"
                             + (f" (got {' and '.join(given)})" if given else ""))
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range as [low, high] with low < high, got {list(self.range)}")
        if self.distribution is not None:
            needed = DISTRIBUTIONS[self.distribution]
            missing = [k for k in needed if getattr(self, k) is None]
            if missing:
                raise ValueError(f"{' and '.join(needed)} for distribution {self.distribution!r} "
                                 f"(missing {', '.join(missing)})")
            if self.distribution == "uniform" and not self.low < self.high:
                raise ValueError("uniform with low < high")
            if self.distribution == "triangular" and not (self.low <= self.mode <= self.high and self.low < self.high):
                raise ValueError("triangular with low <= mode <= high and low < high")
        extra = {"low", "high", "mean", "sd", "median", "sigma", "mode"} - set(
            DISTRIBUTIONS.get(self.distribution or "", ()))
        stray = [k for k in sorted(extra) if getattr(self, k) is not None]
        if self.distribution == "normal":  # low/high truncate a normal
            stray = [k for k in stray if k not in ("low", "high")]
        if stray:
            raise ValueError(f"no {', '.join(stray)} here (only with a distribution that uses it)")
        if self.values is not None and self.integer:
            raise ValueError("integer only with a range or a distribution")
        if self.budget_split is not None and not self.numeric:
            raise ValueError("numeric shares (0-1) in a budget split's values")
        return self

    @property
    def numeric(self) -> bool:
        """Whether every value is a number (strings and booleans are categories)."""
        return self.values is None or all(map(_is_number, self.values))


class SweepSection(_Table):
    """The ``[sweep]`` table: which scenario, how many runs, which seed."""

    name: str | None = Field(None, description="Short name (default: the file name).")
    description: str = ""
    scenario: str = Field(description="Scenario file, relative to the sweep file.")
    variants: list[str] = Field(default_factory=list, description=(
        f"Variants of the scenario to run at every design point ({BASE!r} = the file's base); "
        "empty: the base only. Runs of one replication share random numbers across variants."))
    engine: Literal["fast", "agents"] = "fast"
    replications: int = Field(10, ge=1, le=100_000, description="Runs per design point and variant.")
    seed: int = Field(0, ge=0, description="Master seed of the design and the runs.")
    seeds: Literal["common", "independent"] = Field("common", description=(
        "common: replication r of every point uses the same random stream (common random numbers, "
        "sharper comparisons); independent: every run draws its own stream from its run id."))
    retries: int = Field(2, ge=0, le=100, description="Times a failed run is tried again before it is reported.")

    @field_validator("variants")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("distinct variant names")
        return value


class Design(_Table):
    """The ``[design]`` table: how the parameter space is sampled."""

    kind: Literal["grid", "lhs", "sobol", "morris"] = Field("grid", description=(
        "grid: every combination; lhs: Latin hypercube; sobol: Saltelli's design for Sobol indices; "
        "morris: Morris trajectories for elementary effects."))
    samples: int | None = Field(None, ge=1, le=1_000_000, description=(
        "lhs: points (default 100); sobol: base samples N, a power of 2 (default 64), giving N(D+2) points; "
        "morris: trajectories (default 10), giving r(D+1) points."))
    steps: int = Field(5, ge=2, le=1000, description="grid: points across each range or distribution.")
    levels: int = Field(4, ge=2, le=100, description="morris: levels of the grid trajectories move on.")
    second_order: bool = Field(False, description="sobol: also the second-order design (N(2D+2) points).")

    @model_validator(mode="after")
    def _samples(self) -> Design:
        if self.kind == "grid" and self.samples is not None:
            raise ValueError("no samples with kind = 'grid' (a grid runs every combination; use steps)")
        if self.kind == "sobol" and self.samples is not None and self.samples & (self.samples - 1):
            raise ValueError(f"samples as a power of 2 for kind = 'sobol' (e.g. 64, 128), got {self.samples}")
        return self

    @property
    def n(self) -> int:
        """The sample count with its default."""
        return self.samples or {"lhs": 100, "sobol": 64, "morris": 10}.get(self.kind, 0)


class Outputs(_Table):
    """The ``[outputs]`` table: KPIs at the horizon, and optionally the weekly series."""

    kpis: list[str] = Field(default_factory=lambda: list(KPIS), description="KPIs to keep (default: all).")
    timeseries: bool | list[str] = Field(False, description="Keep weekly metrics: true for all, or a list.")

    @field_validator("kpis")
    @classmethod
    def _known_kpis(cls, value: list[str]) -> list[str]:
        unknown = [k for k in value if k not in KPIS]
        if unknown:
            raise ValueError(f"KPIs among {', '.join(KPIS)}; unknown: {', '.join(unknown)}")
        if not value:
            raise ValueError("at least one KPI")
        return list(dict.fromkeys(value))

    @field_validator("timeseries")
    @classmethod
    def _known_metrics(cls, value: bool | list[str]) -> bool | list[str]:
        if isinstance(value, list):
            unknown = [m for m in value if m not in COLUMNS]
            if unknown or not value:
                raise ValueError(f"true, false, or a list of weekly metrics among {', '.join(COLUMNS)}"
                                 + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
        return value

    @property
    def metrics(self) -> list[str]:
        """The weekly metrics to keep (empty: none)."""
        if self.timeseries is True:
            return list(COLUMNS)
        return list(self.timeseries) if self.timeseries else []


class SweepFile(_Table):
    """Every table of a sweep file, validated."""

    sweep: SweepSection
    fixed: dict[str, Any] = Field(default_factory=dict, description="Overrides applied to every run.")
    design: Design = Field(default_factory=Design)
    parameters: dict[str, Parameter] = Field(min_length=1)
    outputs: Outputs = Field(default_factory=Outputs)

    @field_validator("fixed", mode="before")
    @classmethod
    def _fixed_keys(cls, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValueError("a table of scenario keys and values")
        flat = flatten(value)
        for key in flat:
            _check_scenario_key(key)
        return flat

    def keys_set_by(self) -> dict[str, str]:
        """Scenario key -> the parameter that sets it."""
        out: dict[str, str] = {}
        for name, p in self.parameters.items():
            for key in [name] if p.budget_split is None else [*p.budget_split.share_to, *p.budget_split.rest_to]:
                out.setdefault(key, name)
        return out


def quoted(part: str) -> str:
    """A key as written in TOML: quoted when it holds a dot or a space."""
    return f'"{part}"' if "." in part or " " in part else part


def _check_parameters(file: SweepFile, source: str) -> None:
    """Every parameter names a scenario key (or is a budget split), and sets keys no one else sets."""
    set_by: dict[str, str] = {}
    for name, p in file.parameters.items():
        where = f"parameters.{quoted(name)}"
        if p.budget_split is None and not _is_scenario_key(name):
            raise ScenarioError(source, where, f"{SCENARIO_KEY}, or a budget_split table for a derived parameter",
                                repr(name))
        if p.budget_split is not None and p.numeric:
            low, high = _bounds(p)
            if low < 0 or high > 1:
                raise ScenarioError(source, where, "shares between 0 and 1 for a budget split", f"{low} to {high}")
        keys = [name] if p.budget_split is None else [*p.budget_split.share_to, *p.budget_split.rest_to]
        for key in keys:
            if key in set_by:
                raise ScenarioError(source, where, f"a parameter that sets keys no other parameter sets "
                                    f"({key} is also set by parameters.{quoted(set_by[key])})")
            if key in file.fixed:
                raise ScenarioError(source, where, f"a key either fixed or varied, not both ({key} is in [fixed])")
            set_by[key] = name


def _bounds(p: Parameter) -> tuple[float, float]:
    """Smallest and largest value a numeric parameter can take."""
    if p.values is not None:
        return min(p.values), max(p.values)
    if p.range is not None:
        return p.range
    if p.distribution in ("uniform", "triangular"):
        return p.low, p.high
    if p.distribution == "normal":
        return (p.low if p.low is not None else -math.inf), (p.high if p.high is not None else math.inf)
    return 0.0, math.inf


class SweepSpec:
    """A validated sweep: the file's tables plus the scenario of each variant.

    Attributes:
        file: the validated tables.
        source: the sweep file's path (for messages).
        arms: variant label -> scenario (base, variant, and ``[fixed]`` applied).
    """

    def __init__(self, file: SweepFile, source: str, arms: dict[str, Scenario]) -> None:
        self.file = file
        self.source = source
        self.arms = arms

    @property
    def name(self) -> str:
        """The sweep's name."""
        return self.file.sweep.name or Path(self.source).stem

    @property
    def parameters(self) -> dict[str, Parameter]:
        """Parameter name -> definition, in file order."""
        return self.file.parameters

    def overrides(self, values: dict[str, Any]) -> dict[str, Any]:
        """Scenario overrides of one design point (budget splits expanded)."""
        out: dict[str, Any] = {}
        for name, value in values.items():
            split = self.parameters[name].budget_split
            out.update(split.overrides(value) if split else {name: value})
        return out

    def fingerprint(self) -> str:
        """Hash of everything that decides the results (``retries`` excluded: it only decides effort)."""
        tables = self.file.model_dump(mode="json")
        tables["sweep"].pop("retries")
        tables["sweep"].pop("scenario")  # the path may move; the content below is what counts
        payload = {"tables": tables, "arms": {k: s.config.model_dump(mode="json") for k, s in self.arms.items()}}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def to_json(self) -> str:
        """The sweep as JSON: the tables and each variant's full scenario (kept in the results folder)."""
        return json.dumps({
            "source": self.source,
            "tables": self.file.model_dump(mode="json"),
            "arms": {k: s.config.model_dump(mode="json") for k, s in self.arms.items()},
        }, indent=1)

    @classmethod
    def from_json(cls, text: str) -> SweepSpec:
        """Rebuild a sweep saved with :meth:`to_json` (no files are read)."""
        data = json.loads(text)
        arms = {k: Scenario(v, data["source"], None if k == BASE else k) for k, v in data["arms"].items()}
        return cls(SweepFile.model_validate(data["tables"]), data["source"], arms)


def _arms(file: SweepFile, source: str) -> dict[str, Scenario]:
    """The scenario of each variant to run, ``[fixed]`` applied."""
    where = Path(source).parent / file.sweep.scenario
    if not where.is_file():
        raise ScenarioError(source, "sweep.scenario", "an existing scenario file",
                            f"{file.sweep.scenario!r} (looked for {where})")
    base = load_scenario(where)
    _check_named_entries(file, base, source)
    try:
        base = base.with_overrides(file.fixed)
    except ScenarioError as exc:
        field, expected, got = exc.problems[0]
        raise ScenarioError(source, f"fixed.{quoted(field)}", expected, got) from None
    varied = file.keys_set_by()
    arms: dict[str, Scenario] = {}
    for name in file.sweep.variants or [BASE]:
        if name == BASE and name not in base.variants:
            arms[name] = base
            continue
        if name not in base.variants:
            known = ", ".join(repr(v) for v in [BASE, *base.variants])
            raise ScenarioError(source, "sweep.variants", f"variants of {where} ({known})", repr(name))
        own = set(flatten(base.variants[name]))
        clash = sorted(own & (set(varied) | set(file.fixed)))
        if clash:
            raise ScenarioError(source, "sweep.variants", f"variants the sweep leaves as they are: {name!r} sets "
                                f"{', '.join(clash)}, which [fixed] or [parameters] also set")
        arms[name] = base.with_variant(name)
    return arms


def _check_named_entries(file: SweepFile, base: Scenario, source: str) -> None:
    """Keys inside named tables (``channels.email.response_hours``) name entries the scenario has."""
    for key, where in [*((k, f"fixed.{quoted(k)}") for k in file.fixed),
                       *((k, f"parameters.{quoted(p)}") for k, p in file.keys_set_by().items())]:
        parts = key.split(".")
        if len(parts) != 3:
            continue
        entries = getattr(base.config, parts[0])
        if parts[1] not in entries:
            known = ", ".join(map(repr, entries)) or f"none: the scenario has no [{parts[0]}] tables"
            raise ScenarioError(source, where, f"a {parts[0]} entry of {base.source} ({known})", repr(parts[1]))


def parse_sweep(text: str, source: str) -> SweepSpec:
    """Parse and validate sweep TOML; the scenario path is resolved against ``source``'s folder."""
    raw = read_toml(text, source)
    try:
        file = SweepFile.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError.from_validation(source, exc, "no such key (unknown keys are refused; see docs/sweeps.md)",
                                            quoted) from None
    _check_parameters(file, source)
    return SweepSpec(file, source, _arms(file, source))


def load_sweep(path: str | Path) -> SweepSpec:
    """Load and validate a sweep file and the scenario it names."""
    return parse_sweep(read_toml_text(path, "sweep"), str(path))
