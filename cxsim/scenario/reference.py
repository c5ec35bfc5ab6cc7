"""The scenario reference, generated from the schema so it cannot go stale."""

from __future__ import annotations

import json
import typing

import annotated_types as at
from pydantic import BaseModel

from cxsim.scenario import ScenarioConfig, named_tables


def _range(metadata: list) -> str:
    lo = hi = ""
    for m in metadata:
        if isinstance(m, at.Ge):
            lo = f"≥ {m.ge}"
        elif isinstance(m, at.Gt):
            lo = f"> {m.gt}"
        elif isinstance(m, at.Le):
            hi = f"≤ {m.le}"
        elif isinstance(m, at.Lt):
            hi = f"< {m.lt}"
    return ", ".join(filter(None, [lo, hi])) or "-"


def _type(annotation) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f'`"{a}"`' for a in typing.get_args(annotation))
    text = getattr(annotation, "__name__", None) or str(annotation)
    text = text.replace("typing.", "").replace(
        "Annotated[float, FieldInfo(annotation=NoneType, required=True, metadata=[Ge(ge=0)])]", "float ≥ 0")
    return text.replace("|", "\\|")  # a bar inside a table cell ends the cell: "float | None" is escaped


def markdown_reference() -> str:
    """Every section and key of a scenario file: type, default, allowed range, meaning."""
    lines = [
        "# Scenario file reference",
        "",
        "Generated from the schema (`cxsim schema`); unknown keys are refused.",
        "A file holds these tables and, optionally, `[variants.\"name\"]` tables of overrides",
        "(nested tables or dotted keys such as `\"advertising.weekly_spend\" = 5000`).",
        "A variant may give a number as a change from the base, so it keeps its meaning when the base",
        "moves: `\"+1500\"` adds, `\"-500\"` subtracts, `\"+10%\"` / `\"-10%\"` change by a percentage,",
        "`\"x1.1\"` multiplies (a weekly schedule changes week by week).",
        "",
    ]
    named = named_tables()
    for section, field in ScenarioConfig.model_fields.items():
        model: type[BaseModel] = field.annotation  # type: ignore[assignment]
        table, intro = section, (model.__doc__ or "").strip() if isinstance(model, type) else ""
        if section in named:  # named tables such as [channels.<name>]
            model = named[section]
            table = f"{section}.<name>"
            intro = f"{(model.__doc__ or '').strip()} {field.description or ''}".strip()
        lines += [f"## `[{table}]`", "", intro, "",
                  "| key | type | default | allowed | meaning |", "|---|---|---|---|---|"]
        for key, f in model.model_fields.items():
            default = "required" if f.is_required() else f.get_default(call_default_factory=True)
            shown = f'"{default}"' if isinstance(default, str) and default != "required" else default
            lines.append(f"| `{table}.{key}` | {_type(f.annotation)} | `{shown}` | {_range(f.metadata)} "
                         f"| {(f.description or '').replace('|', '\\|')} |")
        lines.append("")
    lines += ["## `[uncertainty]`", "",
              "Optional: what is believed about uncertain assumptions, one entry per scenario key that holds one "
              "number (`cxsim compare` and `cxsim advise` then weigh every plan over draws of them; "
              "`--posterior DIR` replaces the table with a calibration's draws).",
              'Example: `"service.need_probability" = {dist = "uniform", low = 0.2, high = 0.6}`.', "",
              "| dist | takes | meaning |", "|---|---|---|",
              "| `uniform` | `low`, `high` | every value in [low, high] equally likely |",
              "| `loguniform` | `low` > 0, `high` | uniform in the logarithm: for a range spanning orders of magnitude |",
              "| `triangular` | `low`, `mode`, `high` | most likely at mode, falling linearly to low and high |",
              "| `normal` | `mean`, `sd` (optional `low`, `high`) | truncated to the key's allowed range "
              "(and to low/high) |",
              "", "A uniform, log-uniform or triangular distribution must lie inside the key's allowed range; a spend is a lever, not an assumption, "
              "and is refused. Draws are a Latin hypercube from the seed (`cxsim.scenario.distributions`).", ""]
    return "\n".join(lines)


def json_schema() -> str:
    """The JSON Schema of a scenario (without variants)."""
    return json.dumps(ScenarioConfig.model_json_schema(), indent=2)
