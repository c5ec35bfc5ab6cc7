"""Scenario files: reading, variants and the ``Scenario`` a run takes.

A scenario file is TOML. Its top-level tables are the sections of
:mod:`cxsim.scenario.schema`; an optional ``[variants."name"]`` table holds
named variants, each a set of overrides of the base (nested tables or dotted
keys, both accepted). An optional ``[uncertainty]`` table gives a distribution
for uncertain assumptions (:mod:`cxsim.scenario.distributions`); it is checked
here and used by :mod:`cxsim.decide.uncertainty`.
"""

from __future__ import annotations

import copy
import itertools
import tomllib
import typing
from pathlib import Path
from typing import Any

import annotated_types as at
import numpy as np
import tomli_w
from pydantic import BaseModel, ValidationError

from cxsim.core.errors import ScenarioError
from cxsim.core.validation import MAX_MAGNITUDE
from cxsim.scenario.changes import CROSS_CHECKED, _apply, _leaves, _validate, flatten, resolve_relative
from cxsim.scenario.distributions import Distribution
from cxsim.scenario.schema import ScenarioConfig, named_tables


class Scenario:
    """A validated scenario: a base configuration with the variant applied.

    Attributes:
        config: the validated fields.
        source: the file it came from (or ``"<overrides>"``).
        variant: the variant name, ``None`` for the base.
    """

    def __init__(self, raw: dict[str, Any], source: str, variant: str | None = None,
                 variants: dict[str, dict[str, Any]] | None = None,
                 uncertainty: dict[str, Distribution] | None = None) -> None:
        self._raw = raw
        self.source = source
        self.variant = variant
        self.variants: dict[str, dict[str, Any]] = variants or {}
        self.uncertainty: dict[str, Distribution] = uncertainty or {}
        self.config = _validate(raw, source)
        self._renamed: str | None = None

    @property
    def name(self) -> str:
        """Label of this scenario: a name given by override, else the variant name, else the scenario's name."""
        return self._renamed or self.variant or self.config.scenario.name

    @property
    def population(self) -> int:
        """People in the market (the real size; the engines simulate ``simulated_population`` of them)."""
        return self.config.market.population

    @property
    def scale(self) -> float:
        """Real people each simulated person stands for (``market.scale``, or the automatic one where unset)."""
        return self.config.market.people_scale

    @property
    def simulated_population(self) -> int:
        """People the engines simulate: ``population / scale``."""
        return self.config.market.simulated_population

    @property
    def weeks(self) -> int:
        """Horizon in weeks."""
        return self.config.market.weeks

    def with_overrides(self, overrides: dict[str, Any], where: str | None = None) -> Scenario:
        """Return a copy with dotted-key overrides applied, validated like the file.

        Args:
            overrides: values by dotted key, e.g. ``{"advertising.weekly_spend": 5000}``.
            where: how error messages name the overrides' origin (default: the file).
        """
        where = where or (variant_source(self.source, self.variant) if self.variant else self.source)
        out = copy.copy(self)
        out._raw = _apply(self._raw, overrides, where)
        out.config = _validate(out._raw, where)
        out._renamed = flatten(overrides).get("scenario.name", self._renamed)
        return out

    def with_variant(self, variant: str) -> Scenario:
        """Return the named variant of the same file (relative changes resolved against this scenario)."""
        if variant not in self.variants:
            known = ", ".join(repr(v) for v in self.variants) or "none"
            raise ScenarioError(self.source, "variants", f"one of the file's variants ({known})", repr(variant))
        where = variant_source(self.source, variant)
        raw = _apply(self._raw, resolve_relative(self, self.variants[variant], where), where)
        try:
            return Scenario(raw, self.source, variant, self.variants, self.uncertainty)
        except ScenarioError as exc:  # errors name the variant
            raise ScenarioError(where, *exc.problems[0], problems=exc.problems) from None

    def all_variants(self) -> list[Scenario]:
        """The base followed by every variant, in file order."""
        return [self, *(self.with_variant(v) for v in self.variants)]

    def to_dict(self) -> dict[str, Any]:
        """The full configuration, defaults included."""
        return self.config.model_dump()

    def to_toml(self, include_variants: bool = True) -> str:
        """Serialise as a scenario file (defaults written out; keys left unset, such as a segment's, left out)."""
        data = self.config.model_dump(exclude_none=True)
        if self.uncertainty:
            data["uncertainty"] = {k: d.model_dump(exclude_none=True) for k, d in self.uncertainty.items()}
        if include_variants and self.variants:
            data["variants"] = copy.deepcopy(self.variants)
        return tomli_w.dumps(data)

    def __getitem__(self, dotted: str) -> Any:
        return self.config.lookup(dotted)

    def __repr__(self) -> str:
        return f"Scenario({self.source!r}, variant={self.variant!r})"


def variant_source(source: str, variant: str) -> str:
    """How messages name a variant of a file: ``FILE [variants."name"]``."""
    return f'{source} [variants."{variant}"]'


MAX_NESTING = 16  # tables and arrays inside one another; scenario and sweep files need at most 5


def _nesting(tree: Any) -> int:
    """How deep tables and arrays sit inside one another (counted without recursion)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_NESTING:
            children = node.values() if isinstance(node, dict) else node
            stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return deepest


def read_toml(text: str, source: str) -> dict[str, Any]:
    """Parse TOML text, or raise a ScenarioError naming ``source`` (bad syntax, or nesting too deep)."""
    try:
        tree = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, "(file)", "valid TOML", str(exc)) from None
    except RecursionError:
        tree = None
    if tree is None or _nesting(tree) > MAX_NESTING:
        raise ScenarioError(source, "(file)", f"tables and arrays nested at most {MAX_NESTING} deep",
                            "deeper nesting") from None
    return tree


def parse_scenario(text: str, source: str = "<text>", variant: str | None = None) -> Scenario:
    """Parse scenario TOML text (``source`` names it in error messages)."""
    raw = read_toml(text, source)
    variants = raw.pop("variants", {})
    if not isinstance(variants, dict) or not all(isinstance(v, dict) for v in variants.values()):
        raise ScenarioError(source, "variants", 'tables like [variants."more ads"]', repr(variants))
    table = raw.pop("uncertainty", {})
    for name, overrides in variants.items():
        _once_each(overrides, source, f'variants."{name}"')
    base = Scenario(raw, source, None, variants)
    base.uncertainty = uncertainty_table(table, base, source)
    plans = [base, *(base.with_variant(name) for name in variants)]  # every variant must be valid, not only one
    check_worlds(plans, source)
    return base.with_variant(variant) if variant is not None else base


ONCE = "each key once (it is given both as a dotted key and inside a nested table; one would silently win)"


def _once_each(table: dict[str, Any], source: str, where: str) -> None:
    """Refuse a key given twice in one table, once dotted and once nested (TOML lets both through; one would win)."""
    seen: set[str] = set()
    for key, _ in _leaves(table):
        if key in seen:
            raise ScenarioError(source, f'{where}."{key}"', ONCE)
        seen.add(key)


CROSS_CHECKED_PREFIXES = tuple(CROSS_CHECKED)
MAX_CORNERS = 256  # joint corners of the cross-checked keys tried by ``check_worlds`` (8 such keys)


def world_ends(key: str, dist: Distribution, bounds: tuple[float, float, bool]) -> tuple[float, float]:
    """The smallest and largest value a key's distribution can draw (a normal's tails as sampled), rounded for a
    whole-number key as the worlds are."""
    low, high = (float(v) for v in dist.quantile(np.array([0.0, 1.0]), (bounds[0], bounds[1])))
    return (float(np.rint(low)), float(np.rint(high))) if bounds[2] else (low, high)


def check_worlds(plans: list[Scenario], source: str) -> None:
    """Every value the ``[uncertainty]`` table can draw must make a valid scenario of every plan.

    A plan that sets an uncertain key differently from the base keeps its difference in every world
    (``cxsim.decide.uncertainty.in_world``), so each end of each range is tried shifted by it; keys the checks
    across fields read are tried at every joint corner. The first failure is refused naming the file and the key.
    """
    base = plans[0]
    table = base.uncertainty
    if not table:
        return
    ends = {key: world_ends(key, dist, numeric_bounds(key, base)) for key, dist in table.items()}
    crossed = [k for k in ends if k.startswith(CROSS_CHECKED_PREFIXES)]
    trials: list[dict[str, float]] = [{key: end} for key, pair in ends.items() for end in pair]
    if 1 < len(crossed) and 2 ** len(crossed) <= MAX_CORNERS:
        trials += [dict(zip(crossed, corner)) for corner in itertools.product(*(ends[k] for k in crossed))]
    for plan in plans:
        for trial in trials:
            values = {}
            for key, value in trial.items():
                shifted = value + float(plan[key]) - float(base[key])
                values[key] = round(shifted) if numeric_bounds(key, base)[2] else shifted
            try:
                plan.with_overrides(values, where=source)
            except ScenarioError as exc:
                field, expected, got = exc.problems[0]
                key = field if field in values else next(iter(values))
                drawn = ", ".join(f"{k} = {v:g}" for k, v in values.items())
                shift = float(plan[key]) - float(base[key])
                moved = f" (variant {plan.variant!r} sets it {shift:+g} from the base)" if shift else ""
                raise ScenarioError(source, f'uncertainty."{key}"', f"a range whose every draw is valid in every "
                                    f"plan: it draws {ends[key][0]:g} to {ends[key][1]:g}{moved}, so a world can "
                                    f"have {drawn}, and {field} must be {expected}",
                                    got if field not in values else "") from None


def numeric_bounds(dotted: str, scenario: Scenario) -> tuple[float, float, bool] | None:
    """Range of a scenario key that holds one number: (low, high, whole number?); ``None`` for any other key.

    A key of a named table (``channels.phone.quality``) must name an entry of the
    scenario. A weekly spend (a number or a schedule) is a lever, not one number,
    and gives ``None``. An open bound (``gt``) is returned as the bound itself.
    """
    parts, named = dotted.split("."), named_tables()
    if len(parts) == 3 and parts[0] in named:
        model = named[parts[0]]
        if parts[1] not in getattr(scenario.config, parts[0]):
            return None
    elif len(parts) == 2 and parts[0] in ScenarioConfig.model_fields:
        model = ScenarioConfig.model_fields[parts[0]].annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
    else:
        return None
    field = model.model_fields.get(parts[-1])
    if field is None:
        return None
    kinds = {a for a in (typing.get_args(field.annotation) or (field.annotation,)) if a is not type(None)}
    if not kinds or not kinds <= {int, float}:
        return None
    low, high = -MAX_MAGNITUDE, MAX_MAGNITUDE
    for m in field.metadata:
        if isinstance(m, at.Ge | at.Gt):
            low = float(m.ge if isinstance(m, at.Ge) else m.gt)
        if isinstance(m, at.Le | at.Lt):
            high = float(m.le if isinstance(m, at.Le) else m.lt)
    return low, high, kinds == {int}


def uncertainty_table(table: Any, scenario: Scenario, source: str) -> dict[str, Distribution]:
    """A scenario file's ``[uncertainty]`` table, checked: keys that hold one number, distributions inside their range.

    Raises:
        ScenarioError: naming the file, ``uncertainty."KEY"`` and what was expected.
    """
    if not isinstance(table, dict):
        raise ScenarioError(source, "uncertainty", 'a table like [uncertainty] with "KEY" = {dist = "uniform", '
                            "low = ..., high = ...}", repr(table)[:60])
    out: dict[str, Distribution] = {}
    for key, entry in flatten_uncertainty(table, source).items():
        where = f'uncertainty."{key}"'
        bounds = numeric_bounds(key, scenario)
        if bounds is None:
            raise ScenarioError(source, where, "a scenario key that holds one number (not a spend, a switch or a "
                                "name; `cxsim schema` lists them)", repr(key))
        if not isinstance(entry, dict):
            raise ScenarioError(source, where, '{dist = "uniform"|"loguniform"|"triangular"|"normal", ...}',
                                repr(entry)[:60])
        try:
            dist = Distribution.model_validate(entry)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
            raise ScenarioError(source, f"{where}{'.' + field if field else ''}", msg[0].lower() + msg[1:],
                                repr(err.get("input"))[:60] if field else "") from None
        low, high, _ = bounds
        lo, hi = dist.support()
        if dist.dist != "normal" and not (low <= lo and hi <= high):
            raise ScenarioError(source, where, f"a distribution inside the key's range [{low:g}, {high:g}]",
                                f"[{lo:g}, {hi:g}]")
        if dist.dist == "normal" and not (max(lo, low) < min(hi, high)):
            raise ScenarioError(source, where, f"a normal that overlaps the key's range [{low:g}, {high:g}]",
                                f"mean {dist.mean:g}, truncated to [{lo:g}, {hi:g}]")
        out[key] = dist
    return out


def flatten_uncertainty(table: dict[str, Any], source: str = "<text>") -> dict[str, Any]:
    """``[uncertainty]`` entries by dotted key, whether written ``"a.b" = {...}`` or as nested tables.

    Raises:
        ScenarioError: a key given both ways (``"wom.awareness_effect"`` and under ``[uncertainty.wom]``).
    """
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict) and "dist" not in value and all(isinstance(v, dict) for v in value.values()):
            entries = {f"{key}.{k}": v for k, v in flatten_uncertainty(value, source).items()}
        else:
            entries = {key: value}
        for dotted, entry in entries.items():
            if dotted in out:
                raise ScenarioError(source, f'uncertainty."{dotted}"', ONCE)
            out[dotted] = entry
    return out


def read_toml_text(path: str | Path, what: str) -> str:
    """The text of a TOML file, or a ScenarioError naming it (``what``: "scenario", "sweep")."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(str(path), "(file)", f"an existing {what} file", "no such file") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), "(file)", "a readable UTF-8 TOML file", str(exc)) from None


def load_scenario(path: str | Path, variant: str | None = None) -> Scenario:
    """Load and validate a scenario file, optionally one of its variants."""
    return parse_scenario(read_toml_text(path, "scenario"), str(path), variant)


def default_scenario() -> Scenario:
    """The built-in defaults as a scenario."""
    return Scenario({}, "<defaults>")
