"""Results that a change of structure must leave bit for bit unchanged.

Every scenario file and variant and every preset, small and with a fixed seed,
on both engines: each replication's KPIs; and the ``--json`` of ``compare`` and
``advise`` on the flagship. ``python -m tests.golden`` records them to
``tests/data/golden.json``; ``tests/test_golden.py`` compares.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = ROOT / "tests" / "data" / "golden.json"
SMALL = {"market.population": 400, "market.weeks": 20}
SEED = 11


def _exact(value):
    """A float as its exact hex, so JSON keeps every bit; other values as they are."""
    if isinstance(value, float):
        return "nan" if math.isnan(value) else float.hex(value)
    if isinstance(value, dict):
        return {k: _exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return value


def _kpis(scenario, engine: str) -> list[dict]:
    from cxsim import simulate

    summary = simulate(scenario, replications=2, seed=SEED, engine=engine, keep_customers=False).summary()
    return [_exact({k: (float(v) if not isinstance(v, str) else v) for k, v in row.items()})
            for row in summary.to_dict("records")]


def scenarios():
    """(label, scenario) for every file, variant and preset, at the small size."""
    from cxsim import load_scenario
    from cxsim.scenario import presets

    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        base = load_scenario(path)
        for s in [base, *base.all_variants()]:
            if s is not base and s.name == base.name:
                continue
            yield f"{path.name}:{s.name}", s.with_overrides(SMALL)
    yield "preset:bass", presets.bass(0.03, 0.38, population=400, steps=20)
    yield "preset:contact_centre", presets.contact_centre(300, 6, 4, 40, 20, patience_minutes=3, weeks=6)
    yield "preset:bgnbd", presets.bgnbd(0.8, 4.0, 0.6, 3.0, population=400, steps=20)


def _cli_json(args: list[str]):
    from cxsim.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(args)
    assert code in (0, None), f"cxsim {' '.join(args)} exited {code}"
    return json.loads(out.getvalue())


def commands() -> dict:
    """The flagship's compare and advise, small, as ``--json``."""
    import tempfile

    from cxsim import load_scenario

    small = load_scenario(ROOT / "scenarios" / "people_vs_ads.toml").with_overrides(
        {"market.population": 1500, "market.weeks": 26})
    with tempfile.TemporaryDirectory() as tmp:
        flagship = Path(tmp) / "people_vs_ads.toml"
        flagship.write_text(small.to_toml())
        return {
            "compare": _cli_json(["compare", str(flagship), "-r", "4", "--seed", str(SEED), "--json"]),
            "advise": _cli_json(["advise", str(flagship), "-r", "4", "--seed", str(SEED), "--json"]),
        }


def collect() -> dict:
    out = {"kpis": {}}
    for label, scenario in scenarios():
        for engine in ("fast", "agents"):
            out["kpis"][f"{label}:{engine}"] = _kpis(scenario, engine)
    out["commands"] = commands()
    return out


if __name__ == "__main__":
    RECORD.write_text(json.dumps(collect(), indent=1, sort_keys=True) + "\n")
    print(f"recorded {RECORD}", file=sys.stderr)
