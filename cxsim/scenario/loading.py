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
import tomllib
import typing
from pathlib import Path
from typing import Any

import annotated_types as at
import tomli_w
from pydantic import BaseModel, ValidationError

from cxsim.core.errors import ScenarioError
from cxsim.core.validation import MAX_MAGNITUDE
from cxsim.scenario.changes import _apply, _validate, flatten, resolve_relative
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
        raw = _apply(self._raw, overrides, where)
        config = _validate(raw, where)
        out = Scenario.__new__(Scenario)
        out._raw, out.source, out.variant, out.variants, out.config = raw, self.source, self.variant, self.variants, config
        out.uncertainty = self.uncertainty
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
        node: Any = self.config
        for part in dotted.split("."):
            node = node[part] if isinstance(node, dict) else getattr(node, part)
        return node

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
    base = Scenario(raw, source, None, variants)
    base.uncertainty = uncertainty_table(table, base, source)
    for name in variants:  # every variant must be valid, not only the one asked for
        base.with_variant(name)
    return base.with_variant(variant) if variant is not None else base


def numeric_bounds(dotted: str, scenario: Scenario) -> tuple[float, float, bool] | None:
    """Range of a scenario key that holds one number: (low, high, whole number?); ``None`` for any other key.

    A key of a named table (``channels.phone.quality``) must name an entry of the
    scenario. A weekly spend (a number or a schedule) is a lever, not one number,
    and gives ``None``. An open bound (``gt``) is returned as the bound itself.
    """
    parts = dotted.split(".")
    if len(parts) == 3 and parts[0] in named_tables():
        entries = getattr(scenario.config, parts[0])
        model = named_tables()[parts[0]]
        if parts[1] not in entries:
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
    for key, entry in flatten_uncertainty(table).items():
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


def flatten_uncertainty(table: dict[str, Any]) -> dict[str, Any]:
    """``[uncertainty]`` entries by dotted key, whether written ``"a.b" = {...}`` or as nested tables."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict) and "dist" not in value and all(isinstance(v, dict) for v in value.values()):
            out.update({f"{key}.{k}": v for k, v in flatten_uncertainty(value).items()})
        else:
            out[key] = value
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
