"""Scenario files: the schema, loading, variants and overrides.

A scenario file is TOML. Its top-level tables are the sections below; an
optional ``[variants."name"]`` table holds named variants, each a set of
overrides of the base (nested tables or dotted keys, both accepted).
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cxsim.errors import ScenarioError

NonNegative = Annotated[float, Field(ge=0)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Market(_Section):
    """The people in the market and the horizon."""

    population: int = Field(10_000, ge=10, le=20_000_000, description="People in the market (persons).")
    weeks: int = Field(104, ge=1, le=1_040, description="Horizon of a run (weeks; one step is one week).")
    initial_customer_share: float = Field(
        0.01, ge=0, le=1, description="Share of the market that are active customers at week 0 (fraction)."
    )
    initial_aware_share: float = Field(
        0.0, ge=0, le=1, description="Share of the market aware of the brand but not customers at week 0 (fraction)."
    )


class Network(_Section):
    """Who talks to whom: the social network that carries word-of-mouth."""

    kind: Literal["complete", "random", "small_world", "scale_free"] = Field(
        "random",
        description=(
            "complete: everyone hears the whole market (mean-field); random: Erdős–Rényi; "
            "small_world: Watts–Strogatz ring rewired; scale_free: Chung–Lu graph with power-law degrees."
        ),
    )
    mean_degree: float = Field(10.0, ge=1, le=500, description="Average number of contacts per person (persons).")
    rewire_probability: float = Field(
        0.1, ge=0, le=1, description="small_world only: probability that a ring contact is rewired at random."
    )
    degree_exponent: float = Field(
        2.5, gt=2, le=5, description="scale_free only: exponent of the power-law degree distribution."
    )


class Advertising(_Section):
    """Money into ads, and how ads reach, persuade and raise expectations."""

    weekly_spend: float | list[NonNegative] = Field(
        4_000.0,
        description=(
            "Ad spend per week (currency). A number, or a schedule: a list by week, "
            "the last value held after the list ends."
        ),
    )
    adstock_decay: float = Field(
        0.5, ge=0, lt=1, description="Geometric adstock carry-over theta in A_t = x_t + theta A_{t-1} (0.3-0.8 TV, 0-0.3 digital)."
    )
    half_saturation: float = Field(
        8_000.0, ge=0, description="Hill half-saturation K: adstock at which ads have half their full effect (currency). 0 means no saturation."
    )
    hill_slope: float = Field(1.0, gt=0, le=10, description="Hill slope s of the saturation curve (0.5-3).")
    max_awareness_rate: float = Field(
        0.04, ge=0, le=1, description="Weekly probability that an unaware person becomes aware at full ad saturation."
    )
    max_persuasion: float = Field(
        0.02, ge=0, le=1, description="Extra weekly probability that an aware person buys, at full ad saturation."
    )
    overpromise: float = Field(
        0.0, ge=0, le=1, description="Rise in expected quality (0-1 scale) that ads at full saturation create: overpromising."
    )

    @field_validator("weekly_spend")
    @classmethod
    def _non_negative_spend(cls, value: float | list[float]) -> float | list[float]:
        if isinstance(value, list) and not value:
            raise ValueError("a spend schedule needs at least one week")
        if not isinstance(value, list) and value < 0:
            raise ValueError("spend must be >= 0")
        return value


class Purchase(_Section):
    """The product and the first purchase."""

    price: float = Field(60.0, ge=0, description="Price per purchase (currency).")
    gross_margin: float = Field(0.5, ge=0, le=1, description="Gross margin on the price (fraction).")
    product_quality: float = Field(0.78, ge=0, le=1, description="Quality of the product itself (0-1 scale).")
    base_rate: float = Field(
        0.02, ge=0, le=1, description="Weekly probability that an aware person buys with no ad or WOM push."
    )
    buy_on_awareness: float = Field(
        0.0, ge=0, le=1, description="Probability of buying in the same week one becomes aware (1 = immediate conversion, as in Bass)."
    )
    awareness_decay: float = Field(
        0.02, ge=0, le=1, description="Weekly probability that an aware non-customer forgets the brand."
    )


class Service(_Section):
    """Money into people: staff capacity and training."""

    weekly_spend: float = Field(2_000.0, ge=0, description="Staff spend per week (currency); buys capacity.")
    cost_per_encounter: float = Field(12.0, gt=0, description="Staff cost of one service encounter (currency); capacity = spend / cost.")
    need_probability: float = Field(
        0.4, ge=0, le=1, description="Probability that a purchase needs a service encounter."
    )
    quality: float = Field(0.7, ge=0, le=1, description="Service quality at normal load, from skill and training (0-1 scale).")
    training_weekly_spend: float = Field(0.0, ge=0, description="Training spend per week (currency); lifts quality toward 1.")
    training_half_saturation: float = Field(
        2_000.0, gt=0, description="Training spend per week that closes half the gap between quality and 1 (currency)."
    )
    overload_sensitivity: float = Field(
        1.0, ge=0, le=20, description="How fast quality falls when demand exceeds capacity: quality / (1 + s (load - 1))."
    )
    weight: float = Field(
        0.5, ge=0, le=1, description="Weight of the service encounter in the experience of a purchase that needed one."
    )


class Satisfaction(_Section):
    """Expectation-disconfirmation satisfaction on the 0-10 likelihood-to-recommend scale."""

    initial: float = Field(7.0, ge=0, le=10, description="Satisfaction of initial customers (0-10).")
    memory: float = Field(
        0.5, ge=0, le=1, description="Weight of a new experience in satisfaction (0 = satisfaction never moves)."
    )
    disconfirmation_weight: float = Field(
        1.0, ge=0, le=10, description="Weight of (experience - expectation) against the experience itself."
    )
    noise_sd: float = Field(1.0, ge=0, le=5, description="Person-to-person spread of an experience's score (0-10 points).")
    expectation_prior: float = Field(0.7, ge=0, le=1, description="Expected quality before any ad or experience (0-1 scale).")
    expectation_adaptation: float = Field(
        0.3, ge=0, le=1, description="Weight of an experience in updating expectations (fraction)."
    )


class Repeat(_Section):
    """Repeat purchase and dropout: BG/NBD moved by satisfaction."""

    rate_shape: float = Field(0.8, gt=0, le=100, description="BG/NBD r: shape of the Gamma distribution of weekly purchase rates.")
    rate_scale: float = Field(8.0, gt=0, le=1e6, description="BG/NBD alpha: rate of that Gamma (mean weekly rate r / alpha).")
    dropout_a: float = Field(0.6, gt=0, le=1000, description="BG/NBD a of the Beta distribution of dropout probabilities.")
    dropout_b: float = Field(4.0, gt=0, le=1000, description="BG/NBD b of the Beta distribution of dropout probabilities.")
    neutral_satisfaction: float = Field(
        7.0, ge=0, le=10, description="Satisfaction at which rates and dropout are as drawn (0-10)."
    )
    rate_sensitivity: float = Field(
        0.15, ge=0, le=5, description="Purchase rate multiplier exp(k (s - neutral)) per satisfaction point (0 = BG/NBD)."
    )
    dropout_sensitivity: float = Field(
        0.3, ge=0, le=5, description="Dropout multiplier exp(-k (s - neutral)) per satisfaction point (0 = BG/NBD)."
    )
    winback_rate: float = Field(
        0.005, ge=0, le=1, description="Weekly probability that a lapsed customer comes back and buys, before ads and WOM."
    )


class WordOfMouth(_Section):
    """Who talks, how much, and what it does to those who listen."""

    promoter_talk: float = Field(1.0, ge=0, le=10, description="Positive WOM a promoter (9-10) sends per week (units).")
    passive_talk: float = Field(0.1, ge=0, le=10, description="Positive WOM a passive (7-8) sends per week (units).")
    detractor_talk: float = Field(
        1.5, ge=0, le=10, description="Negative WOM a detractor (0-6) sends per week (units); dissatisfied talk more per head."
    )
    awareness_effect: float = Field(
        0.3, ge=0, le=5, description="Bass q: added weekly probability of awareness per unit of positive WOM heard per contact."
    )
    purchase_effect: float = Field(
        0.1, ge=0, le=5, description="Added weekly purchase probability per unit of positive WOM heard per contact."
    )
    negative_purchase_effect: float = Field(
        0.3, ge=0, le=5, description="Removed weekly purchase probability per unit of negative WOM heard per contact."
    )
    negative_churn_effect: float = Field(
        0.05, ge=0, le=5, description="Weekly probability that an active customer leaves, per unit of negative WOM heard per contact."
    )


class Economics(_Section):
    """Money over time."""

    discount_rate: float = Field(0.10, ge=0, le=1, description="Annual discount rate for NPV (fraction).")
    fixed_weekly_cost: float = Field(0.0, ge=0, description="Other cost per week, counted in profit (currency).")


class Meta(_Section):
    """What the scenario is about."""

    name: str = Field("scenario", description="Short name shown in tables and reports.")
    description: str = Field("", description="What the scenario represents.")


class ScenarioConfig(_Section):
    """Every field of a scenario, validated."""

    scenario: Meta = Field(default_factory=Meta)
    market: Market = Field(default_factory=Market)
    network: Network = Field(default_factory=Network)
    advertising: Advertising = Field(default_factory=Advertising)
    purchase: Purchase = Field(default_factory=Purchase)
    service: Service = Field(default_factory=Service)
    satisfaction: Satisfaction = Field(default_factory=Satisfaction)
    repeat: Repeat = Field(default_factory=Repeat)
    wom: WordOfMouth = Field(default_factory=WordOfMouth)
    economics: Economics = Field(default_factory=Economics)


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested tables into dotted keys (``{"a": {"b": 1}}`` -> ``{"a.b": 1}``)."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _apply(tree: dict[str, Any], overrides: dict[str, Any], where: str) -> dict[str, Any]:
    tree = copy.deepcopy(tree)
    for dotted, value in flatten(overrides).items():
        parts = dotted.split(".")
        node = tree
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ScenarioError(where, dotted, "a key inside a table", repr(child))
            node = child
        node[parts[-1]] = value
    return tree


def _validate(tree: dict[str, Any], where: str) -> ScenarioConfig:
    try:
        return ScenarioConfig.model_validate(tree)
    except ValidationError as exc:
        raise ScenarioError.from_validation(where, exc) from None


class Scenario:
    """A validated scenario: a base configuration with the variant applied.

    Attributes:
        config: the validated fields.
        source: the file it came from (or ``"<overrides>"``).
        variant: the variant name, ``None`` for the base.
    """

    def __init__(self, raw: dict[str, Any], source: str, variant: str | None = None,
                 variants: dict[str, dict[str, Any]] | None = None) -> None:
        self._raw = raw
        self.source = source
        self.variant = variant
        self.variants: dict[str, dict[str, Any]] = variants or {}
        self.config = _validate(raw, source)

    @property
    def name(self) -> str:
        """Label of this scenario: the variant name, else the scenario's name."""
        return self.variant or self.config.scenario.name

    @property
    def population(self) -> int:
        """People in the market."""
        return self.config.market.population

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
        where = where or self.source
        raw = _apply(self._raw, overrides, where)
        config = _validate(raw, where)
        out = Scenario.__new__(Scenario)
        out._raw, out.source, out.variant, out.variants, out.config = raw, self.source, self.variant, self.variants, config
        return out

    def with_variant(self, variant: str) -> Scenario:
        """Return the named variant of the same file."""
        if variant not in self.variants:
            known = ", ".join(repr(v) for v in self.variants) or "none"
            raise ScenarioError(self.source, "variants", f"one of the file's variants ({known})", repr(variant))
        raw = _apply(self._raw, self.variants[variant], f"{self.source} [variants.{variant!r}]")
        return Scenario(raw, self.source, variant, self.variants)

    def all_variants(self) -> list[Scenario]:
        """The base followed by every variant, in file order."""
        return [self, *(self.with_variant(v) for v in self.variants)]

    def to_dict(self) -> dict[str, Any]:
        """The full configuration, defaults included."""
        return self.config.model_dump()

    def to_toml(self, include_variants: bool = True) -> str:
        """Serialise as a scenario file (defaults written out)."""
        data = self.to_dict()
        if include_variants and self.variants:
            data["variants"] = copy.deepcopy(self.variants)
        return tomli_w.dumps(data)

    def __getitem__(self, dotted: str) -> Any:
        node: Any = self.config
        for part in dotted.split("."):
            node = getattr(node, part)
        return node

    def __repr__(self) -> str:
        return f"Scenario({self.source!r}, variant={self.variant!r})"


def parse_scenario(text: str, source: str = "<text>", variant: str | None = None) -> Scenario:
    """Parse scenario TOML text (``source`` names it in error messages)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, "(file)", "valid TOML", str(exc)) from None
    variants = raw.pop("variants", {})
    if not isinstance(variants, dict) or not all(isinstance(v, dict) for v in variants.values()):
        raise ScenarioError(source, "variants", 'tables like [variants."more ads"]', repr(variants))
    base = Scenario(raw, source, None, variants)
    for name in variants:  # every variant must be valid, not only the one asked for
        base.with_variant(name)
    return base.with_variant(variant) if variant is not None else base


def load_scenario(path: str | Path, variant: str | None = None) -> Scenario:
    """Load and validate a scenario file, optionally one of its variants."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(str(path), "(file)", "an existing scenario file", "no such file") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), "(file)", "a readable UTF-8 TOML file", str(exc)) from None
    return parse_scenario(text, str(path), variant)


def default_scenario() -> Scenario:
    """The built-in defaults as a scenario."""
    return Scenario({}, "<defaults>")
