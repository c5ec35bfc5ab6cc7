"""Calibrate: fit cxsim's acquisition (Bass) or repeat stage (BG/NBD) to the user's data, or the whole journey
to a weekly history (the "History" tab, app/history_tab.py).

Upload a CSV (or take a simulated example), choose its columns, see the fit and
download the calibrated scenario file. Everything is computed by
``cxsim.calibrate``; this page only arranges it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import streamlit as st

from cxsim import parse_scenario, simulate
from cxsim.calibrate import fit_adoption, fit_transactions
from cxsim.calibrate.adoption import PERIODS
from cxsim.calibrate.data import numeric_column, parse_dates, read_csv, require_columns
from cxsim.calibrate.synthetic import adoption_series, transaction_log
from cxsim.core.errors import UserError, bounded
from cxsim.report.calibration_figures import fit_figure, simulated_check_figure
from cxsim.report.markdown import markdown_safe
from cxsim.views import planner

MAX_WEEKS = 1040  # the longest horizon a scenario runs

ADOPTION = "New customers per period → acquisition (Bass p, q, market size)"
TRANSACTIONS = "A transaction log → repeat purchase and dropout (BG/NBD)"
EXAMPLES = {ADOPTION: "example_launch.csv", TRANSACTIONS: "example_transactions.csv"}
CHECK_REPLICATIONS = 10
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


@st.cache_data(show_spinner=False)
def example_csv(kind: str) -> bytes:
    """A simulated data set with known parameters (cxsim's own Bass or BG/NBD limit)."""
    if kind == ADOPTION:
        frame = adoption_series(0.01, 0.25, population=8_000, weeks=60, seed=1)
    else:
        frame = transaction_log(0.25, 4.0, 0.8, 2.5, customers=2_000, weeks=78, seed=1, price=35.0)
        frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    return frame.to_csv(index=False).encode()


@st.cache_data(max_entries=16, show_spinner=False)
def fit_adoption_csv(name: str, data: bytes, column: str, cumulative: bool, weeks_per_period: float):
    frame = read_csv(name, data)
    require_columns(frame, [column], name)
    values = numeric_column(frame, column, name, "cumulative customers" if cumulative else "new customers (a count)")
    return fit_adoption(values, cumulative=cumulative, weeks_per_period=weeks_per_period, source=name,
                        field_name=f"column {column!r}")


@st.cache_data(max_entries=16, show_spinner=False)
def fit_transactions_csv(name: str, data: bytes, customer: str, date: str, amount: str | None, end: str,
                         date_format: str | None):
    return fit_transactions(read_csv(name, data), customer, date, end, amount, source=name,
                            date_format=date_format)


@st.cache_data(max_entries=8, show_spinner=False)
def simulate_text(text: str, replications: int):
    return simulate(parse_scenario(text, "<calibrated>"), replications, seed=0, keep_customers=False)


def stop_with(exc: UserError) -> None:
    """The user's mistake, worded as on the command line; the page stops here."""
    st.error(markdown_safe(str(exc)), icon="🚫")
    st.stop()

HISTORY_DIR = SCENARIOS / "data"
EXAMPLE_HISTORY, EXAMPLE_BASE = HISTORY_DIR / "company_history.csv", HISTORY_DIR / "company_base.toml"
EXAMPLE_KEYS = ["advertising.half_saturation", "advertising.max_awareness_rate", "wom.awareness_effect",
                "service.need_probability", "satisfaction.disconfirmation_weight", "repeat.dropout_sensitivity"]
SMALL_SIMULATIONS, SMALL_PARTICLES = 600, 60  # a small calibration (benchmarks/results-calibration.md)


def _run_history(name: str, data: bytes, base_name: str, base_text: str, keys: list[str], holdout: int,
                 simulations: int, particles: int, workers: int) -> dict:
    """Run a small calibration with a progress bar; write its folder to a new temporary folder."""
    import tempfile

    from cxsim.calibrate.calibration import calibrate, read_problem
    from cxsim.calibrate.inference import Budget
    from cxsim.decide.pools import ProcessPool

    base = parse_scenario(base_text, base_name)
    problem = read_problem(name, base, keys, holdout=holdout, data=data)
    bar = st.progress(0.0, text="Starting the workers…")
    total = simulations + 100

    def progress(done: int, status: str) -> None:
        bar.progress(min(done / total, 1.0), text=f"{done:,} simulations · {status}")

    with ProcessPool(workers) as pool:
        result = calibrate(problem, pool, particles, Budget(simulations, 15), seed=0, progress=progress)
    bar.empty()
    out = Path(tempfile.mkdtemp(prefix="cxsim-calibration-"))
    from cxsim.report.calibration_check import check_html  # pyabc, the [calibrate] extra

    result.write(out, check_html(result.check))
    return {"dir": str(out), "text": result.scenario_text, "check": result.check, "source": name}


def history_section() -> None:
    """The History tab: a small calibration of chosen keys to a weekly history, handed to the planner."""
    from cxsim.calibrate.posterior import verdicts
    from cxsim.report.calibration_check import series_figure
    from cxsim.scenario.ranges import RANGES

    st.caption("Fit any of the model's assumptions (ad response, word of mouth, need for service, how service and "
               "satisfaction move buying) to a company's weekly history by ABC-SMC, and see which the history pins "
               "down. Spend columns are replayed; outcome columns (new_customers, active, purchases, revenue, nps, "
               "contacts, ...) are compared. A small fit is a first look; the full-size fit runs from the command "
               "line: `cxsim calibrate history` (docs/calibration.md measures how often each one's 90% intervals "
               "hold the truth).")
    left, right = st.columns(2)
    upload = left.file_uploader("Weekly history (CSV)", type=["csv"], key="history upload")
    base_upload = right.file_uploader("Base scenario (TOML)", type=["toml"], key="history base")
    name, data = (upload.name, upload.getvalue()) if upload else (EXAMPLE_HISTORY.name, EXAMPLE_HISTORY.read_bytes())
    base_name, base_text = ((base_upload.name, base_upload.getvalue().decode("utf-8", "replace")) if base_upload
                            else (EXAMPLE_BASE.name, EXAMPLE_BASE.read_text(encoding="utf-8")))
    if not upload:
        st.info("No history uploaded: using the shipped example (two years of a 10,000-person market made by cxsim "
                "with known parameters; docs/calibration.md).", icon="ℹ️")
    options = sorted(set(RANGES) | set(EXAMPLE_KEYS))
    keys = st.multiselect("Keys to fit", options, default=EXAMPLE_KEYS, key="history keys",
                          help="Each key's prior is its plausible range (cxsim.scenario.ranges).")
    c1, c2, c3, c4 = st.columns(4)
    holdout = int(c1.number_input("Held-out weeks", 0, 1040, 26 if not upload else 0, key="history holdout",
                                  help="The last weeks are not fitted; the check shows how well they are forecast."))
    simulations = int(c2.number_input("Simulations (budget)", 20, 100_000, SMALL_SIMULATIONS, step=100,
                                      key="history simulations"))
    particles = int(c3.number_input("Particles", 20, 2_000, SMALL_PARTICLES, step=10, key="history particles"))
    workers = int(c4.number_input("Worker processes", 1, 64, max(1, min(os.cpu_count() or 1, 8)),
                                  key="history workers"))
    if st.button("Run the calibration", type="primary", key="history run", disabled=not keys):
        try:
            st.session_state["history_calibration"] = _run_history(name, data, base_name, base_text, keys, holdout,
                                                                   simulations, particles, workers)
        except UserError as exc:
            st.error(markdown_safe(str(exc)), icon="🚫")
            return
    done = st.session_state.get("history_calibration")
    if not done:
        return
    check = done["check"]
    st.subheader("What the history says")
    st.markdown(f"**{markdown_safe(check.headline())}**")
    st.dataframe(check.table, hide_index=True, width="stretch")
    for line in verdicts(check.table, check.corr):
        st.write("- " + markdown_safe(line))
    st.plotly_chart(series_figure(check), width="stretch")
    st.caption(f"The posterior and its check are in {markdown_safe(done['dir'])} (posterior.parquet, summary.csv, "
               "scenario.toml, check.html).")
    d1, d2 = st.columns(2)
    d1.download_button("Download the calibrated scenario (.toml)", done["text"], file_name="calibrated.toml",
                       mime="application/toml")
    if d2.button("Use the calibrated scenario in the planner", type="primary", key="history to planner"):
        st.session_state["planning_scenario"] = {"name": "calibrated to " + Path(done["source"]).name + ".toml",
                                                 "text": done["text"], "posterior": done["dir"]}
        st.switch_page("planner_page.py")


st.set_page_config(page_title="cxsim · calibrate", layout="wide")
st.title("Calibrate a scenario on your data")
fits_tab, history_tab = st.tabs(["Launch curve or transactions", "History: the whole journey"])
with history_tab:  # first in the code: the fits below stop the page at a bad upload, this tab must still show
    history_section()

with fits_tab:
    st.caption("Fit the acquisition side to a launch curve, or the repeat stage to a transaction log, then "
               "download the scenario file (or simulate it here). The same fits run from the command line: "
               "`cxsim calibrate`.")
    kind = st.radio("What data do you have?", [ADOPTION, TRANSACTIONS])
    upload = st.file_uploader("Upload a CSV file with a header row", type=["csv"], key=f"upload {kind}")
    if upload is not None:
        name, data = upload.name, upload.getvalue()
    else:
        name, data = EXAMPLES[kind], example_csv(kind)
        st.info(f"No file uploaded: showing a simulated example ({name}) whose true values are "
                + ("p = 0.01, q = 0.25 per week and m = 8,000." if kind == ADOPTION else
                   "r = 0.25, alpha = 4 weeks, a = 0.8, b = 2.5 and 35 per purchase."), icon="ℹ️")
    try:
        preview = read_csv(name, data)
    except UserError as exc:
        stop_with(exc)
    with st.expander(f"{markdown_safe(bounded(name, 80))}: {len(preview):,} rows", expanded=False):
        st.dataframe(preview.head(200), width="stretch")
    columns = [str(c) for c in preview.columns]

    try:
        if kind == ADOPTION:
            left, mid, right = st.columns(3)
            column = left.selectbox("Column of customers", columns, index=len(columns) - 1)
            cumulative = mid.checkbox("The column is cumulative", value=False)
            period = right.selectbox("One row is a", list(PERIODS), index=0)
            with st.spinner("Fitting…"):
                fit = fit_adoption_csv(name, data, column, cumulative, PERIODS[period])
        else:
            c1, c2, c3 = st.columns(3)
            guess = {c.lower(): c for c in columns}
            customer = c1.selectbox("Customer id column", columns,
                                    index=columns.index(guess.get("customer", guess.get("customer_id", columns[0]))))
            date = c2.selectbox("Date column", columns, index=columns.index(guess.get("date", columns[min(1, len(columns) - 1)])))
            amount = c3.selectbox("Amount column (optional)", ["(none)", *columns],
                                  index=1 + columns.index(guess["amount"]) if "amount" in guess else 0)
            c4, c5 = st.columns(2)
            date_format = c5.text_input("Date format, when not like 2024-03-31", value="",
                                        help="strftime codes, e.g. %d/%m/%Y or %Y%m%d").strip() or None
            try:
                dates = parse_dates(preview, date, name, date_format)
                middle = (dates.min() + (dates.max() - dates.min()) / 2).date()
            except UserError:  # the fit below says what is wrong with the dates
                middle = None
            end = c4.date_input("Calibration end (later purchases are the holdout)", value=middle)
            with st.spinner("Fitting…"):
                fit = fit_transactions_csv(name, data, customer, date, None if amount == "(none)" else amount,
                                           str(end), date_format)
    except UserError as exc:
        stop_with(exc)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:  # numbers the fit cannot work with
        stop_with(UserError(f"{name}: the fit did not converge on these numbers ({bounded(exc)})"))

    st.subheader("Fit")
    if kind == ADOPTION:
        w = fit.weekly.params
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("p (ads, per week)", f"{w['p']:.4f}", help="advertising.max_awareness_rate")
        m2.metric("q (word of mouth, per week)", f"{w['q']:.3f}", help="wom.awareness_effect")
        m3.metric("m (market size)", f"{w['m']:,.0f}", help="market.population")
        m4.metric("R²", f"{fit.r_squared():.3f}")
        st.caption("The weekly recursion is what the scenario steps; the continuous Bass curve (Srinivasan & Mason) "
                   "is the textbook estimate, per period of the data.")
    else:
        r, alpha, a, b = fit.values()
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("r", f"{r:.3f}", help="repeat.rate_shape")
        m2.metric("alpha (weeks)", f"{alpha:.2f}", help="repeat.rate_scale")
        m3.metric("a", f"{a:.3f}", help="repeat.dropout_a")
        m4.metric("b", f"{b:.3f}", help="repeat.dropout_b")
        if fit.holdout is not None:
            h = fit.holdout
            st.write(f"**Holdout** ({h.weeks:.0f} weeks after {fit.calibration_end.date()}): "
                     f"{h.predicted:,.0f} repeat purchases predicted, {h.actual:,} actual ({h.relative_error:+.1%}).")
        if fit.spend is not None:
            st.write(f"**Spend per purchase**: {fit.spend.mean:,.2f} ± {fit.spend.std_error:,.2f} → purchase.price")
    for warning in getattr(fit, "warnings", []):
        st.warning(markdown_safe(warning))
    st.plotly_chart(fit_figure(fit), width="stretch")
    st.dataframe(fit.table(), hide_index=True, width="stretch")

    st.subheader("Scenario")
    s1, s2 = st.columns(2)
    default_name = name.rsplit(".", 1)[0]
    scenario_name = s1.text_input("Scenario name", value=default_name)
    weeks = int(s2.number_input("Horizon (weeks)", min_value=1, max_value=MAX_WEEKS, value=min(fit.weeks, MAX_WEEKS),
                                step=1, help=f"At most {MAX_WEEKS:,} weeks; the data span {fit.weeks:,} weeks."))
    if fit.weeks > MAX_WEEKS:
        st.caption(f"The data span {fit.weeks:,} weeks, more than the {MAX_WEEKS:,} weeks a scenario runs; "
                   "the horizon above starts at the longest allowed.")
    try:
        text = fit.scenario_file(name=scenario_name or default_name, weeks=weeks)
    except UserError as exc:
        stop_with(exc)
    st.session_state["calibrated_scenario"] = {"name": f"{scenario_name or default_name}.toml", "text": text}
    st.download_button("Download the scenario file (.toml)", text, file_name=f"{scenario_name or default_name}.toml",
                       mime="application/toml", type="primary")
    st.caption("Run it with `cxsim run FILE.toml --out series.csv`, compare it with `cxsim compare`, or upload it "
               "on the planner page.")
    with st.expander("Scenario file"):
        st.code(text, language="toml")
    st.subheader("Use it in the planner")
    planning = planner.planning_base(SCENARIOS)
    if kind == ADOPTION:
        fitted = planner.adoption_keys(*(fit.weekly.params[k] for k in ("p", "q", "m")), planning)
        merged = planner.merged_plan(planning, fitted, scenario_name or default_name)
    else:
        merged = fit.scenario(scenario_name or default_name, weeks, base=planning).to_toml()
        fitted = {k: v for k, v in parse_scenario(merged).to_dict()["repeat"].items()
                  if k in ("rate_shape", "rate_scale", "dropout_a", "dropout_b")}
    st.caption(f"The file above is the bare {'Bass' if kind == ADOPTION else 'BG/NBD'} limit: no service spend and "
               f"an ad budget of {parse_scenario(text).config.advertising.weekly_spend if kind == ADOPTION else 0}, "
               f"so it is not a plan. **Use in the planner** merges the fitted keys into the planning scenario "
               f"({planner.FLAGSHIP}: today's ads and service spend, its variants) and opens the planner on it."
               + (" In the fitted data ads ran at the plan's spend, so p becomes the ad effect at that spend "
                  "(max awareness rate = p / saturation of today's ad stock)." if kind == ADOPTION else ""))
    st.caption("Fitted keys merged: " + ", ".join(f"{k} = {v:.4g}" for k, v in fitted.items()) + ".")
    if st.button("Use in the planner", type="primary"):
        st.session_state["planning_scenario"] = {"name": f"{scenario_name or default_name} (planning).toml",
                                                 "text": merged}
        st.switch_page("planner_page.py")

    if st.button("Simulate the calibrated scenario"):
        with st.spinner(f"Running {CHECK_REPLICATIONS} replications…"):
            runs = simulate_text(text, CHECK_REPLICATIONS)
        st.plotly_chart(simulated_check_figure(fit, runs, parse_scenario(text).population), width="stretch")
