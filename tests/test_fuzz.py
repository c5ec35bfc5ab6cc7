"""Fuzz: random scenario files, sweep files and CSV files, as a careless or hostile user might write them.

Every outcome must be a valid result (finite money and counts; a ratio KPI undefined only when its
denominator is zero) or a clean refusal (exit 2, lines starting with ``error:``, nothing written);
never a traceback. Hypothesis runs a fixed set of examples (derandomized), small populations and horizons.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cxsim.cli.main import main
from cxsim.core.errors import UserError
from cxsim.decide.pools import Pool
from cxsim.model.simulate import simulate
from cxsim.scenario import ScenarioConfig, load_scenario, named_tables
from cxsim.sweep import load_results, parse_sweep, run_sweep

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ALWAYS_FINITE = ("customers", "active", "revenue", "profit", "npv")

# --- what a hostile file holds -----------------------------------------------------------------

KEYS = [(section, key) for section, f in ScenarioConfig.model_fields.items() if section not in named_tables()
        for key in f.annotation.model_fields if section != "market"]
NASTY_NUMBERS = st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e300, -1e300, 1e-300, 1e-30, -1.0,
                                 0.0, 1.0, 1e15, 1e16, 2**63, -(2**63)])
PLAIN = st.one_of(st.floats(0, 1), st.floats(0, 20_000), st.integers(0, 100))
VALUES = st.one_of(PLAIN, PLAIN, NASTY_NUMBERS, st.booleans(), st.text(max_size=12),
                   st.lists(st.one_of(PLAIN, NASTY_NUMBERS), min_size=0, max_size=3))
def sometimes(benign: st.SearchStrategy, hostile: st.SearchStrategy, one_in: int = 10) -> st.SearchStrategy:
    """``hostile`` one time in ``one_in``, else ``benign`` (the simplest example is benign)."""
    return st.integers(0, one_in - 1).flatmap(lambda i: hostile if i == one_in - 1 else benign)


POPULATION = sometimes(st.integers(10, 300), st.sampled_from([0, 9, -5, True, 2.5, 1e300, float("nan"), "many"]))
WEEKS = sometimes(st.integers(1, 8), st.sampled_from([0, 1041, True, float("inf"), 3.0, "x"]))
SHARE = sometimes(st.floats(0, 0.6), NASTY_NUMBERS)


def plausible(section: str, key: str) -> st.SearchStrategy:
    """Values a careful user would write for a field: within its bounds (so that many files are valid)."""
    field = ScenarioConfig.model_fields[section].annotation.model_fields[key]
    if field.annotation is bool:
        return st.booleans()
    if field.annotation is str:
        return st.text(max_size=12)
    low = next((getattr(m, a) for m in field.metadata for a in ("ge", "gt") if hasattr(m, a)), 0.0)
    high = next((getattr(m, a) for m in field.metadata for a in ("le", "lt") if hasattr(m, a)), low + 10_000)
    if "Literal" in str(field.annotation):
        return st.sampled_from(list(field.annotation.__args__))
    return st.floats(low, high, exclude_min=any(hasattr(m, "gt") for m in field.metadata),
                     exclude_max=any(hasattr(m, "lt") for m in field.metadata))


@st.composite
def scenario_tree(draw) -> dict:
    tree: dict = {"market": {"population": draw(POPULATION), "weeks": draw(WEEKS)}}
    if draw(st.booleans()):
        tree["market"]["initial_customer_share"] = draw(SHARE)
        tree["market"]["initial_aware_share"] = draw(SHARE)
    for section, key in draw(st.lists(st.sampled_from(KEYS), max_size=6, unique=True)):
        tree.setdefault(section, {})[key] = draw(sometimes(plausible(section, key), VALUES))
    if draw(st.integers(0, 9)) == 9:
        tree.setdefault(draw(st.sampled_from(["scenario", "nosuch"])), {})[draw(st.text(min_size=1, max_size=8))] = 1
    if draw(st.booleans()):
        section, key = draw(st.sampled_from(KEYS))
        value = draw(sometimes(plausible(section, key), VALUES))
        tree["variants"] = {draw(st.text(min_size=1, max_size=10)): {f"{section}.{key}": value}}
    return tree


def scenario_text(draw_tree: dict, raw: str | None) -> str:
    if raw is not None:
        return raw
    return tomli_w.dumps(draw_tree)


def cli(*args: str) -> tuple[int, str, str]:
    """Run the command line in this process; any exception escaping it fails the test (it would be a traceback)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def assert_clean_refusal(code: int, err: str, folder: Path, before: set[str]) -> None:
    assert code == 2, err
    assert err.startswith("error:") or "error:" in err.splitlines()[-1], err
    assert "Traceback" not in err
    assert all(len(line) <= 1000 for line in err.splitlines())
    assert {p.name for p in folder.iterdir()} == before  # nothing written


def assert_valid_kpis(kpis: pd.DataFrame, new_customers: pd.Series | None = None) -> None:
    values = kpis.apply(pd.to_numeric, errors="coerce")
    assert not np.isinf(values.to_numpy(dtype=float)).any(), kpis
    for column in ALWAYS_FINITE:
        if column in values:
            assert np.isfinite(values[column]).all(), kpis
    undefined = values.drop(columns=[c for c in ALWAYS_FINITE if c in values]).isna().any(axis=1)
    if undefined.any():  # a ratio KPI is undefined only when nobody (new) is there to divide by
        empty = values["active"].eq(0) | values["customers"].eq(0)
        if new_customers is not None:
            empty |= new_customers.eq(0).to_numpy()
        assert empty[undefined].all(), kpis


# --- scenario files -------------------------------------------------------------------------------

@FUZZ
@given(tree=scenario_tree(), raw=sometimes(st.none(), st.text(max_size=60), one_in=6))
def test_random_scenario_files_run_or_are_refused(tree, raw):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "s.toml"
        path.write_text(scenario_text(tree, raw), encoding="utf-8")
        before = {"s.toml"}
        code, _, err = cli("validate", str(path))
        assert code in (0, 2) and "Traceback" not in err
        code, out, err = cli("run", str(path), "-r", "2", "--out", str(folder / "o.csv"))
        event("refused" if code else "ran")
        if code != 0:
            assert_clean_refusal(code, err, folder, before)
            return
        scenario = load_scenario(path)
        ts = pd.read_csv(folder / "o.csv")
        kpis = simulate(scenario, 2, seed=0).summary().set_index("replication")  # the run's own KPIs, terminal value too
        assert len(kpis) == 2 and kpis["customers"].tolist() == ts[ts["step"] == ts["step"].max()]["ever_customers"].tolist()
        assert_valid_kpis(kpis, ts.groupby("replication")["new_customers"].sum())


# --- sweep files ------------------------------------------------------------------------------------

PARAM_KEYS = [f"{s}.{k}" for s, k in KEYS if s not in ("scenario",)]


@st.composite
def parameter(draw, key: str) -> dict:
    kind = draw(sometimes(st.just("plausible"), st.sampled_from(["values", "range", "distribution", "bad"]), 3))
    if kind == "plausible":
        values = sorted(set(draw(st.lists(plausible(*key.split(".")), min_size=1, max_size=3))), key=str)
        if len(values) > 1 and all(isinstance(v, float) for v in values) and draw(st.booleans()):
            return {"range": [values[0], values[-1]]}
        return {"values": values}
    if kind == "values":
        return {"values": draw(st.lists(st.one_of(PLAIN, NASTY_NUMBERS, st.booleans()), min_size=1, max_size=3))}
    if kind == "range":
        return {"range": [draw(st.one_of(PLAIN, NASTY_NUMBERS)), draw(st.one_of(PLAIN, NASTY_NUMBERS))]}
    if kind == "distribution":
        name = draw(st.sampled_from(["uniform", "normal", "lognormal", "triangular"]))
        fields = {"uniform": ("low", "high"), "normal": ("mean", "sd"), "lognormal": ("median", "sigma"),
                  "triangular": ("low", "mode", "high")}[name]
        return {"distribution": name, **{f: draw(st.one_of(PLAIN, NASTY_NUMBERS)) for f in fields}}
    return {draw(st.sampled_from(["values", "range", "steps", "label"])): draw(VALUES)}


@st.composite
def sweep_tree(draw, scenario: str) -> dict:
    keys = draw(st.lists(st.sampled_from(PARAM_KEYS), min_size=1, max_size=2, unique=True))
    params = {key: draw(parameter(key)) for key in keys}
    design = draw(sometimes(st.sampled_from([{"kind": "grid", "steps": 2}, {"kind": "lhs", "samples": 3}]),
                            st.sampled_from([{"kind": "grid", "steps": 0}, {"kind": "grid", "steps": True},
                                             {"kind": "grid", "steps": 1e300}, {"kind": "lhs", "samples": -1},
                                             {"kind": "lhs", "samples": float("nan")}])))
    fixed = {"market.population": 150, "market.weeks": 4}
    if draw(st.integers(0, 3)) == 3:
        key = draw(st.sampled_from(PARAM_KEYS))
        if key not in params:
            fixed[key] = draw(sometimes(plausible(*key.split(".")), VALUES))
    return {"sweep": {"scenario": scenario, "replications": draw(sometimes(st.sampled_from([1, 2]),
                                                                           st.sampled_from([0, True, -1]))),
                      "seed": draw(sometimes(st.sampled_from([0, 5]), st.just(-1)))},
            "fixed": fixed, "design": design, "parameters": params,
            "outputs": {"kpis": ["npv", "customers", "active", "profit", "revenue"]}}


SCENARIO = "[market]\npopulation = 150\nweeks = 4\n"


@FUZZ
@given(data=st.data())
def test_random_sweep_files_run_or_are_refused(data):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "base.toml").write_text(SCENARIO, encoding="utf-8")
        tree = data.draw(sweep_tree("base.toml"))
        text = tomli_w.dumps(tree)
        path = folder / "sw.toml"
        path.write_text(text, encoding="utf-8")
        try:
            spec = parse_sweep(text, str(path))
            report = run_sweep(spec, folder / "out", Pool(ThreadPoolExecutor(2), slots=2))
        except UserError as exc:
            event("refused")
            assert str(exc).strip() and all(len(line) <= 1000 for line in str(exc).splitlines())
            assert not (folder / "out").exists()
            return
        event("ran")
        assert report.done + len(report.failed) == report.total
        assert len(report.failed) == 0, report.failed["error"].tolist()
        assert_valid_kpis(load_results(folder / "out")[spec.file.outputs.kpis])


# --- CSV files for calibration ----------------------------------------------------------------------

CELLS = st.one_of(st.integers(0, 500), st.integers(0, 500), st.floats(allow_nan=True, allow_infinity=True),
                  st.sampled_from(["", "x", "1e300", "-3", "2024-02-30", "1997-01-05", "19970105"]),
                  st.dates().map(str))


@st.composite
def launch_or_log(draw) -> str:
    """A plausible launch curve or transaction log, with now and then one hostile cell."""
    if draw(st.booleans()):
        t = np.arange(draw(st.integers(8, 30)))
        peak, height = draw(st.floats(3, 12)), draw(st.floats(10, 1e5))
        frame = pd.DataFrame({"new": np.rint(height * np.exp(-((t - peak) / 5) ** 2))})
    else:
        n = draw(st.integers(1, 400))
        rng = np.random.default_rng(draw(st.integers(0, 1000)))
        frame = pd.DataFrame({"customer": rng.integers(0, max(30, n // 4), n),
                              "date": (pd.Timestamp("1997-01-01") + pd.to_timedelta(rng.integers(0, 500, n), "D"))
                              .strftime("%Y-%m-%d"),
                              "amount": rng.gamma(2.0, 20.0, n).round(2)})
    if draw(st.integers(0, 3)) == 3:
        frame = frame.astype(object)
        frame.iat[draw(st.integers(0, len(frame) - 1)), draw(st.integers(0, frame.shape[1] - 1))] = draw(CELLS)
    return frame.to_csv(index=False)


@st.composite
def csv_text(draw) -> str:
    if not draw(st.integers(0, 2)) == 2:
        return draw(launch_or_log())
    rows = draw(st.integers(0, 12))
    columns = draw(st.lists(st.sampled_from(["new", "customer", "date", "amount", "a,b", '"q"']), min_size=1,
                            max_size=4, unique=True))
    frame = pd.DataFrame({c: [draw(CELLS) for _ in range(rows)] for c in columns})
    text = frame.to_csv(index=False)
    if draw(st.integers(0, 5)) == 5:
        text = draw(st.text(max_size=80))
    return text


@FUZZ
@given(text=csv_text(), period=st.sampled_from(["week", "week", "month", "3.5", "year", "0", "-1", "inf", "nan"]),
       cumulative=st.sampled_from([False, False, True]), end=st.sampled_from(["1997-09-30", "1997-09-30", "2024-01-01", "not a date"]))
def test_random_csv_files_calibrate_or_are_refused(text, period, cumulative, end):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "d.csv"
        data.write_text(text, encoding="utf-8")
        runs = [["calibrate", "adoption", str(data), "--period", period, "--out", str(folder / "a.toml"),
                 *(["--cumulative"] if cumulative else [])],
                ["calibrate", "transactions", str(data), "--customer-col", "customer", "--date-col", "date",
                 "--calibration-end", end, "--out", str(folder / "t.toml")]]
        for args in runs:
            before = {p.name for p in folder.iterdir()}
            code, _, err = cli(*args)
            event(f"{args[1]} {'refused' if code else 'fitted'}")
            if code:
                event(err.split(": ", 2)[-1][:50])
            if code != 0:
                assert_clean_refusal(code, err, folder, before)
            else:
                load_scenario(args[args.index("--out") + 1])  # what was written loads back


# --- the many-lever optimiser: a best plan within its budget and bounds, or a refusal --------------

OPTIMISER_SCENARIO = "[market]\npopulation = 200\nweeks = 6\n[advertising]\nweekly_spend = {ads}\n" \
                     "[service]\nweekly_spend = {staff}\n"
MONEY = sometimes(st.floats(1, 5_000).map(lambda x: round(x, 2)),
                  st.sampled_from([0.0, 1.0, 1e15, 1e16, float("nan"), float("inf"), -5.0]), one_in=6)


@st.composite
def bounds_items(draw, levers: list[str]) -> list[str]:
    items = []
    for lever in draw(st.lists(sometimes(st.sampled_from(levers), st.sampled_from(["training", "bogus"])),
                               max_size=2)):
        low, high = draw(MONEY), draw(MONEY)
        low, high = min(low, high), max(low, high)
        items.append(draw(sometimes(st.just(f"{lever}={low!r}:{high!r}"),
                                    st.sampled_from([f"{lever}={high!r}:{low!r}", f"{lever}={low!r}",
                                                     f"{lever}:{low!r}"]), one_in=5)))
    return items


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_random_budgets_and_bounds_give_a_plan_within_them_or_a_refusal(data):
    levers = data.draw(st.sampled_from([["ads", "staff"], ["ads", "staff", "training"], ["ads", "training"]]))
    budget = data.draw(MONEY)
    items = data.draw(bounds_items(levers))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.toml"
        today = data.draw(st.sampled_from([(50, 50), (4000, 2000), (1500, 1000)]))  # cheap plans beat dear ones
        path.write_text(OPTIMISER_SCENARIO.format(ads=today[0], staff=today[1]), encoding="utf-8")
        before = {p.name for p in Path(folder).iterdir()}
        args = ["optimize", str(path), "--levers", *levers, "--budget", repr(budget), "-r", "2",
                "--evaluations", "10", "-w", "1", "--json"]
        code, out, err = cli(*args, *(["--bounds", *items] if items else []))
        event(f"exit {code}")
        if code != 0:
            assert_clean_refusal(code, err, Path(folder), before)
            return
        import json

        result = json.loads(out)
        spend = result["allocation"]
        assert abs(sum(spend.values()) - result["budget"]) <= 1e-4 + 1e-9 * result["budget"], result
        assert result["budget"] == budget
        for key, (low, high) in result["bounds"].items():
            tol = 1e-4 + 1e-9 * budget
            assert low - tol <= spend[key] <= high + tol, (key, spend[key], low, high)
        for item in items:  # every range the user set holds
            name, _, span = item.partition("=")
            low, _, high = span.partition(":")
            key = {"ads": "advertising.weekly_spend", "staff": "service.weekly_spend",
                   "training": "service.training_weekly_spend"}[name]
            assert float(low) - 1e-4 <= spend[key] <= float(high) + 1e-4 + 1e-9 * budget, (item, spend)


# --- [uncertainty] tables: what validate passes, compare runs; what it refuses, compare refuses alike ------------

UNCERTAIN_KEYS = ["service.need_probability", "repeat.rate_shape", "satisfaction.memory", "wom.awareness_effect"]
TRICKY_KEYS = ["market.initial_aware_share", "market.initial_customer_share", "market.population", "nosuch.key"]
ENDS = sometimes(st.sampled_from([0.0, 0.05, 0.2, 0.5, 0.9, 1.0, 2.0, 300.0]),
                 st.sampled_from([-1.0, 1e-13, 1e-11, 1.5, 1e16, float("nan"), float("inf"), "x", True]), one_in=6)


@st.composite
def distribution(draw) -> dict:
    kind = draw(sometimes(st.sampled_from(["uniform", "loguniform", "triangular", "normal"]), st.just("bogus")))
    low = draw(sometimes(st.sampled_from([0.05, 0.1, 0.2, 0.5]), ENDS, one_in=4))
    high = draw(sometimes(st.sampled_from([0.3, 0.6, 0.8, 1.0]), ENDS, one_in=4))
    entry = {"dist": kind}
    if kind == "normal":
        entry.update(mean=low, sd=draw(sometimes(st.sampled_from([0.01, 0.1, 1.0]), st.sampled_from([0.0, -1.0]))))
    else:
        entry.update(low=low, high=high)
        if kind == "triangular":
            entry["mode"] = draw(st.sampled_from([low, high]))
    return entry


@st.composite
def uncertain_file(draw) -> str:
    tree: dict = {"market": {"population": 60, "weeks": 3}}
    keys = draw(st.lists(sometimes(st.sampled_from(UNCERTAIN_KEYS), st.sampled_from(TRICKY_KEYS), one_in=4),
                         min_size=1, max_size=3, unique=True))
    table: dict = {}
    for key in keys:
        if draw(st.integers(0, 7)) == 7:  # written nested, and now and then dotted as well
            section, name = key.split(".", 1)
            table.setdefault(section, {})[name] = draw(distribution())
            if draw(st.booleans()):
                table[key] = draw(distribution())
        else:
            table[key] = draw(distribution())
    tree["uncertainty"] = table
    shifted = draw(sometimes(st.just("advertising.weekly_spend"), st.just(keys[0]), one_in=3))
    tree["variants"] = {"v": {shifted: draw(st.sampled_from([0.1, 0.3, 0.5, 0.95, 100.0]))}}
    return tomli_w.dumps(tree)


@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=uncertain_file())
def test_random_uncertainty_tables_validate_as_compare_runs(text):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "u.toml"
        path.write_text(text, encoding="utf-8")
        valid, _, err = cli("validate", str(path))
        assert valid in (0, 2) and "Traceback" not in err and "np.float64" not in err, err
        if valid:
            assert len(err.strip().splitlines()) == 1 and str(path) in err, err
        code, out, err = cli("compare", str(path), "-r", "2", "--draws", "3", "-w", "1", "--json")
        event("refused" if code else "compared")
        if valid:
            assert_clean_refusal(code, err, folder, {"u.toml"})
        else:
            assert code == 0, (text, err)  # validate passed it: every world it draws runs
            assert "np.float64" not in out


# --- posteriors: drawn into valid worlds (whole numbers whole), or refused naming the column and row ----------------

POSTERIOR_KEYS = ["purchase.price", "service.need_probability", "market.population", "repeat.rate_shape", "nosuch.key"]
BENIGN = {"purchase.price": st.floats(1, 100), "market.population": st.integers(50, 500).map(float)}
HOSTILE_CELL = st.sampled_from([float("nan"), float("inf"), -1.0, 1e300, 2000.5, 2000.0, 0.0, 1e-13])
WEIGHTS = sometimes(st.floats(0.01, 1), st.sampled_from([1e308, float("nan"), -1.0, 0.0, float("inf")]), one_in=12)


@FUZZ
@given(data=st.data())
def test_random_posteriors_give_valid_worlds_or_are_refused(data):
    from cxsim.decide.uncertainty import in_world, worlds_for
    from cxsim.scenario import numeric_bounds

    columns = data.draw(st.lists(sometimes(st.sampled_from(POSTERIOR_KEYS[:-1]), st.just(POSTERIOR_KEYS[-1])),
                                 min_size=1, max_size=3, unique=True))
    rows = data.draw(sometimes(st.integers(1, 6), st.just(0)))
    cells = {c: sometimes(BENIGN.get(c, st.floats(0.1, 0.9)), HOSTILE_CELL, one_in=20) for c in columns}
    frame = pd.DataFrame({c: [data.draw(cells[c]) for _ in range(rows)] for c in columns}, dtype=float)
    if data.draw(st.booleans()):
        frame["weight"] = [data.draw(WEIGHTS) for _ in range(rows)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cal"
        folder.mkdir()
        frame.to_parquet(folder / "posterior.parquet")
        Path(tmp, "s.toml").write_text("[market]\npopulation = 300\nweeks = 4\n", encoding="utf-8")
        scenario = load_scenario(Path(tmp, "s.toml"))
        try:
            worlds = worlds_for(scenario, posterior=folder, draws=20, seed=0)
        except UserError as exc:
            text = str(exc)
            event("refused")
            assert len(text.splitlines()) == 1 and len(text) < 1000 and "np." not in text, text
            assert "posterior" in text
            return
        event("drawn")
        for i in range(worlds.draws):
            try:
                world = in_world(scenario, worlds, i)
            except UserError as exc:  # a world the schema refuses is named, never a traceback
                assert "np." not in str(exc) and len(str(exc).splitlines()) == 1
                continue
            for key in worlds.keys:
                if numeric_bounds(key, scenario)[2]:
                    assert float(world[key]).is_integer(), (key, world[key])


# --- history CSVs and priors files: read and checked, or refused naming the file, before any simulation ---------

HISTORY_CELLS = sometimes(st.integers(0, 500), st.sampled_from([250, 99, -101, -1, 1e300, float("nan"), float("inf"),
                                                                "", "x", 10.5]), one_in=8)
OUTCOMES = ["new_customers", "active", "purchases", "revenue", "nps", "satisfaction_mean", "contacts"]


@st.composite
def history_text(draw) -> str:
    weeks = draw(st.integers(2, 14))
    columns = draw(st.lists(st.sampled_from(OUTCOMES + ["advertising.weekly_spend", "footfall"]), min_size=1,
                            max_size=4, unique=True))
    frame = pd.DataFrame({"week": range(1, weeks + 1)})
    for c in columns:
        frame[c] = [draw(HISTORY_CELLS) for _ in range(weeks)]
    if draw(st.integers(0, 5)) == 5:
        frame.loc[draw(st.integers(0, weeks - 1)), "week"] = draw(st.sampled_from([0, 99, -1]))
    return frame.to_csv(index=False)


PRIORS = sometimes(st.none(), st.sampled_from([
    '["service.need_probability"]\nlow = 0.1\nhigh = 0.5\n', '["service.need_probability"]\nlow = 0\nhigh = 1\n',
    '["wom.awareness_effect"]\nlow = 0.1\nhigh = 0.5\n', '["repeat.rate_shape"]\nlow = 0\nhigh = 1\nlog = false\n',
    '["repeat.rate_shape"]\nlow = 1e-13\nhigh = 1\n', '["service.need_probability"]\nlow = 0.5\nhigh = 0.2\n',
    '["market.initial_aware_share"]\nlow = 0.5\nhigh = 1\n', "x = [", ""]), one_in=3)


@FUZZ
@given(text=history_text(), priors=PRIORS,
       keys=st.sampled_from([["service.need_probability"], ["repeat.rate_shape"], ["market.initial_aware_share"],
                             ["service.need_probability", "repeat.rate_shape"]]))
def test_random_histories_and_priors_are_checked_or_refused(text, priors, keys):
    from cxsim.calibrate.calibration import read_problem
    from cxsim.calibrate.history import BOUNDED
    from cxsim.scenario import parse_scenario

    base = parse_scenario("[market]\npopulation = 300\nweeks = 4\ninitial_customer_share = 0.2\n", "base.toml")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.toml"
        if priors is not None:
            path.write_text(priors, encoding="utf-8")
        try:
            problem = read_problem("h.csv", base, keys, path if priors is not None else None, data=text.encode())
        except UserError as exc:
            message = str(exc)
            event("refused")
            assert len(message.splitlines()) == 1 and len(message) < 1000 and "np." not in message, message
            assert "<calibration>" not in message
            return
    event("checked")
    outcomes = problem.history.outcomes
    for column, (low, high, _) in BOUNDED.items():
        if column in outcomes:
            seen = outcomes[column].dropna()
            assert ((seen >= low) & (seen <= high)).all(), outcomes[column]
    for prior in problem.priors.values():  # every end of every prior makes a valid scenario
        for end in (prior.low, prior.high):
            base.with_overrides({prior.key: end})
