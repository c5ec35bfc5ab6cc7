"""cxsim planner: compare "people vs ads" and find the best split of a weekly budget.

Serve it with ``make app`` (http://127.0.0.1:8501). Everything shown is computed
by cxsim (``cxsim.planner``, ``cxsim.compare``, ``cxsim.optimize``,
``cxsim.figures``); this page only arranges it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from cxsim import __version__, mechanisms, parse_scenario, planner, simulate
from cxsim.compare import Comparison, unique_labels
from cxsim.errors import UserError
from cxsim.figures import comparison_figures, frontier_figure, journey_figure, segment_figure
from cxsim.markdown import markdown_safe
from cxsim.optimize import OBJECTIVES, Frontier, frontier, frontier_table, total_budget
from cxsim.report import report_html
from cxsim.results import Results

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
CHARTS = {"funnel": "Funnel by stage", "customers": "Customers won", "acquisition": "Ads vs word-of-mouth",
          "satisfaction": "Satisfaction and NPS", "profit": "Cumulative profit"}


# --- computations, cached by scenario text, variants, replications and seed ---------------

@st.cache_data(max_entries=32, show_spinner=False)
def run_scenario(text: str, source: str, variant: str | None, replications: int, seed: int) -> Results:
    """One scenario (the base or a variant) of the scenario text, run with the page's seed."""
    return simulate(parse_scenario(text, source, variant), replications, seed, keep_customers=True)


@st.cache_data(max_entries=24, show_spinner=False)
def run_frontier(text: str, source: str, variant: str | None, budget: float, kpi: str, replications: int,
                 seed: int) -> Frontier:
    """The budget-split frontier of one total budget."""
    return frontier(parse_scenario(text, source, variant), budget, kpi, replications, seed,
                    grid=planner.FRONTIER_GRID)


@st.cache_data(max_entries=8, show_spinner=False)
def charts(text: str, source: str, variants: tuple[str, ...], replications: int, seed: int,
           _comparison: Comparison) -> dict:
    """The figures over time of a comparison (keyed like the runs it was made from)."""
    return comparison_figures(_comparison.results, _comparison.labels)


@st.cache_data(max_entries=16, show_spinner=False)
def run_journey(text: str, source: str, variant: str | None, replications: int, seed: int,
                customer_id: int) -> pd.DataFrame:
    """Week-by-week journey of one customer in every run of the comparison (same seed, same runs)."""
    scenario = parse_scenario(text, source, variant)
    return simulate(scenario, replications, seed, trace=[customer_id], keep_customers=False).journeys


# --- small page helpers ---------------------------------------------------------------------

def show_error(exc: Exception) -> None:
    """A user's mistake, worded as on the command line; the page stops here."""
    st.error(markdown_safe(planner.error_text(exc)), icon="🚫")
    st.stop()


def lever_input(container, lever: planner.Lever, value: float, key: str):
    """A number input for a lever, its bounds and format from ``cxsim.planner``.

    The bounds widen to take in a file's value outside them; validation still applies.
    """
    cast = int if lever.integer else float
    help_text = lever.help + (f"\n\nPublished: {lever.published}." if lever.published else "")
    return container.number_input(
        lever.label, value=cast(value), key=key, step=cast(lever.step), format=lever.fmt, help=help_text,
        min_value=None if lever.min_value is None else cast(min(lever.min_value, value)),
        max_value=None if lever.max_value is None else cast(max(lever.max_value, value)))


# --- the page -------------------------------------------------------------------------------

st.set_page_config(page_title="cxsim planner: people or ads?", page_icon="📈", layout="wide")
st.title("People or ads? The cxsim planner")
st.markdown("Should the next dollar go to **service** (staff, training) or to **advertising**? "
            "Each scenario is simulated customer by customer: ads make people aware, service shapes their "
            "experience, satisfaction decides whether they come back and what they tell others.")

# Scenario: a file of scenarios/ or an upload (which takes precedence while it is there).
side = st.sidebar
side.header("Scenario")
files = planner.scenario_files(SCENARIOS)
chosen = side.selectbox("Scenario file", files, format_func=lambda p: p.name,
                        help="The files in the scenarios/ folder. Each holds a base and its variants.")
upload = side.file_uploader("…or upload your own scenario file (.toml)", type=["toml"],
                            help="See `cxsim schema` for every key. Remove the upload to go back to the list.")
try:
    if upload is not None:
        data = upload.getvalue()
        source = upload.name
        base = planner.scenario_from_upload(source, data)
        text_id = hashlib.sha256(data).hexdigest()[:12]
    else:
        source = str(chosen.relative_to(SCENARIOS.parent))
        base = planner.scenario_from_upload(source, chosen.read_bytes())
        text_id = hashlib.sha256(chosen.read_bytes()).hexdigest()[:12]
except UserError as exc:
    if upload is not None:
        st.caption("Fix the file and upload it again, or remove the upload (✕ in the sidebar) to go back to "
                   "the scenario files. `cxsim validate FILE` lists every problem on the command line.")
    show_error(exc)
base, notes = planner.within_bounds(base)
for note in notes:
    st.warning(markdown_safe(note), icon="⚠️")
if upload is not None:
    side.caption(f"Using the uploaded file **{markdown_safe(upload.name)}**.")

# Levers in plain words and money, then the behaviour assumptions behind them.
side.header("Levers")
side.caption("They edit the base scenario; each variant then applies its own changes on top.")
values = {lever.key: lever_input(side, lever, planner.lever_value(base, lever.key), f"{text_id}:{lever.key}")
          for lever in planner.LEVERS}
if any(isinstance(base[lever.key], list) for lever in planner.LEVERS):
    side.caption("This file schedules some spend week by week; its lever shows the mean, "
                 "and a new value replaces the schedule with a constant weekly spend.")
with side.expander("Assumptions (behaviour) and their published ranges"):
    st.caption("How people respond to ads, service and each other. The ? beside each says what it means; "
               "the published range is under it.")
    st.markdown("**Customer-experience mechanisms** (off unless the file or these switch them on; "
                "docs/mechanisms.md)")
    for toggle in mechanisms.TOGGLES:
        values[toggle.key] = st.toggle(toggle.label, value=bool(base[toggle.key]), key=f"{text_id}:{toggle.key}",
                                       help=toggle.help)
    for group, levers in {**planner.ASSUMPTIONS, **mechanisms.assumptions(base)}.items():
        st.markdown(f"**{group}**")
        for lever in levers:
            values[lever.key] = lever_input(st, lever, planner.lever_value(base, lever.key),
                                            f"{text_id}:{lever.key}")
            st.caption(f"Published: {markdown_safe(lever.published)}")

side.header("Runs")
replications = side.number_input(
    "Replications per scenario", min_value=1, max_value=planner.MAX_REPLICATIONS,
    value=planner.DEFAULT_REPLICATIONS, step=1,
    help=f"Independent runs of each scenario (at most {planner.MAX_REPLICATIONS} here). More runs give tighter "
         f"intervals and take longer. The app starts with {planner.DEFAULT_REPLICATIONS} so it opens fast; "
         "the command line uses 20.")
seed = side.number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, step=1,
                         help="The same seed gives the same numbers. Every scenario uses it: common random numbers.")
variants = side.multiselect("Variants to compare with the base", list(base.variants), default=list(base.variants),
                            key=f"{text_id}:variants")

try:
    edited = planner.apply_levers(base, values)
    scenarios = [edited, *(edited.with_variant(v) for v in variants)]
    planner.check_size(scenarios, int(replications))
except UserError as exc:
    show_error(exc)
text = edited.to_toml()

bar = st.progress(0.0)
results = []
try:
    for i, variant in enumerate([None, *variants]):
        bar.progress(i / len(scenarios), text=f"Simulating {scenarios[i].name} ({i + 1} of {len(scenarios)}): "
                                              f"{int(replications)} runs of {edited.population:,} people")
        results.append(run_scenario(text, source, variant, int(replications), int(seed)))
except UserError as exc:
    bar.empty()
    show_error(exc)
bar.empty()
comparison = Comparison(unique_labels(scenarios), results, scenarios)
labels = comparison.labels
first = comparison.results[0]

st.caption(f"**{markdown_safe(edited.config.scenario.name)}** ({markdown_safe(source)}): {edited.population:,} people, "
           f"{edited.weeks} weeks, {int(replications)} replications per scenario (the app's default is "
           f"{planner.DEFAULT_REPLICATIONS} so it opens in seconds; the command line uses 20), seed {int(seed)}, "
           "the same for every scenario (common random numbers). Cards: mean over runs, the range of 90% of "
           f"runs, and the difference from **{markdown_safe(labels[0])}** paired by seed with its 90% "
           "confidence interval.")
if mechanisms.switched_on(edited):
    st.caption("Customer-experience mechanisms on: " + markdown_safe(", ".join(mechanisms.switched_on(edited)))
               + " (docs/mechanisms.md).")
if variants:
    with st.expander("What each variant changes"):
        st.dataframe(planner.variant_changes(edited).query("variant in @variants"), hide_index=True)

# KPI cards, side by side.
cards = planner.kpi_cards(comparison)
for column, label in zip(st.columns(len(labels)), labels, strict=True):
    with column:
        st.subheader(markdown_safe(label))
        for card in cards[label]:
            st.metric(card.title, card.value, delta=card.delta, border=True,
                      delta_color="normal" if card.higher_is_better else "inverse", help=card.help)
            st.caption(markdown_safe(card.interval + (f"\n{card.delta_interval}" if card.delta_interval else "")))

# Over time, with bands over replications.
st.header("Over time")
st.caption("Lines: mean over runs; bands: the central 90% of runs.")
figures = charts(text, source, tuple(variants), int(replications), int(seed), _comparison=comparison)
for tab, (name, fig) in zip(st.tabs(list(CHARTS.values())), figures.items(), strict=True):
    with tab:
        st.plotly_chart(fig, key=f"chart:{name}")

# By segment and by service channel, for scenarios that have them.
if any(s.config.segments for s in comparison.scenarios):
    st.header("By segment")
    st.caption("Each segment's results at the horizon, mean over runs.")
    by_segment = mechanisms.segment_summary(comparison)
    st.dataframe(by_segment.round(2), hide_index=True)
    shown = st.selectbox("Chart", list(mechanisms.SEGMENT_COLUMNS.values())[1:], index=2, key="segment-chart")
    st.plotly_chart(segment_figure(by_segment, shown), key="chart:segments")
if any(s.config.channels for s in comparison.scenarios):
    st.header("By service channel")
    st.caption("Each channel from week 13 on, mean over weeks and runs: encounters, load (demand over capacity), "
               "hours to an answer and the quality of an encounter.")
    st.dataframe(mechanisms.channel_summary(comparison).round(2), hide_index=True)

# The budget split.
st.header("The best split: how much on service, how much on ads?")
st.markdown("For a fixed total weekly budget, the chosen KPI against the share spent on service (staff and "
            "training, in the scenario's ratio); the rest goes to ads. Every split is run with the same seed "
            "(common random numbers), a coarse grid finds the best region and a bounded search refines it.")
c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
target = c1.selectbox("Scenario to split", labels, key=f"{text_id}:frontier-scenario")
target_index = labels.index(target)
target_variant = None if target_index == 0 else variants[target_index - 1]
kpi = c2.radio("Maximise", list(OBJECTIVES), format_func=lambda k: {"npv": "NPV"}.get(k, k),
               horizontal=True, key="frontier-kpi")
own_budget = total_budget(comparison.scenarios[target_index])
budget = c3.number_input("Total weekly budget", min_value=100.0, value=float(max(100, round(own_budget, -2))),
                         step=100.0, format="%.0f", key=f"{text_id}:{target}:{own_budget:.2f}:budget",
                         help=f"Ads + service staff + training per week; this scenario spends {own_budget:,.0f}.")
more = c4.checkbox("Also 25% less and 25% more", value=True, key="frontier-more")
budgets = tuple(round(b * budget, 2) for b in ((0.75, 1.0, 1.25) if more else (1.0,)))
request = (text, source, target_variant, budgets, kpi, int(replications), int(seed))
if st.button("Find the best split", type="primary"):
    st.session_state["frontier"] = request
if st.session_state.get("frontier") == request:
    bar = st.progress(0.0)
    result = []
    for i, b in enumerate(budgets):
        bar.progress(i / len(budgets), text=f"Finding the best split of {b:,.0f} a week ({i + 1} of {len(budgets)}): "
                                            f"about {planner.FRONTIER_GRID + 10} splits, {int(replications)} runs each")
        result.append(run_frontier(text, source, target_variant, b, kpi, int(replications), int(seed)))
    bar.empty()
    st.plotly_chart(frontier_figure(result), key="chart:frontier")
    st.dataframe(planner.frontier_summary(result), hide_index=True)
    st.caption("Near-best: shares within 2% of the curve's height of the best, or not distinguishable from it "
               "with these replications. Gain over today's share: the best split against the scenario's own "
               "share of the same budget, paired by seed.")
    st.download_button("Frontier table (CSV)", planner.table_bytes(frontier_table(result), "csv"),
                       file_name="frontier.csv", mime="text/csv", on_click="ignore")
else:
    st.info(f"Press **Find the best split**: it runs {markdown_safe(target)} at about {planner.FRONTIER_GRID + 10} "
            "splits per "
            f"budget ({len(budgets)} budget{'s' * (len(budgets) > 1)}), {int(replications)} replications each.")

# One customer's journey, from the same runs.
st.header("One customer's journey")
st.caption("The same runs as above, followed for one person week by week.")
j1, j2, j3, j4 = st.columns(4)
who_scenario = j1.selectbox("Scenario", labels, key=f"{text_id}:journey-scenario")
who_index = labels.index(who_scenario)
run = j2.number_input("Run", min_value=0, max_value=int(replications) - 1, value=0, step=1,
                      help="Which replication (0 is the first).")
kind = j3.selectbox("Who", [*planner.JOURNEY_KINDS, "a person by number"])
customers = comparison.results[who_index].customers
if kind == "a person by number":
    customer_id = int(j4.number_input("Person number", min_value=0, max_value=edited.population - 1, value=0,
                                      step=1))
else:
    customer_id = planner.pick_customer(customers, int(run), kind, int(seed))
    j4.caption(f"Picked person number **{customer_id}**." if customer_id is not None else "")
if customer_id is None:
    st.info(f"Nobody in run {int(run)} of {markdown_safe(who_scenario)} ended as {kind}.")
else:
    journeys = run_journey(text, source, None if who_index == 0 else variants[who_index - 1], int(replications),
                           int(seed), customer_id)
    journey = journeys[journeys["replication"] == int(run)]
    st.markdown(markdown_safe(planner.journey_summary(customers, int(run), customer_id)))
    st.plotly_chart(journey_figure(journey, f"Person {customer_id}, run {int(run)} of {who_scenario}"),
                    key="chart:journey")

# Downloads.
st.header("Downloads")
d1, d2, d3, d4, d5 = st.columns(5)
stem = Path(source).stem
d1.download_button("Edited scenario (TOML)", text, file_name=f"{stem}-edited.toml", mime="application/toml",
                   on_click="ignore", help="The scenario with your levers and assumptions, variants included.")
d2.download_button("Results over time (CSV)", lambda: planner.table_bytes(planner.timeseries_table(comparison), "csv"),
                   file_name=f"{stem}-timeseries.csv", mime="text/csv", on_click="ignore")
d3.download_button("Results over time (Parquet)",
                   lambda: planner.table_bytes(planner.timeseries_table(comparison), "parquet"),
                   file_name=f"{stem}-timeseries.parquet", mime="application/octet-stream", on_click="ignore")
d4.download_button("KPI table (CSV)", lambda: planner.table_bytes(comparison.table(), "csv"),
                   file_name=f"{stem}-kpis.csv", mime="text/csv", on_click="ignore")
d5.download_button("HTML report", lambda: report_html(comparison, f"cxsim: {edited.config.scenario.name}"),
                   file_name=f"{stem}-report.html", mime="text/html", on_click="ignore")
st.caption(f"cxsim {__version__}. The same comparison on the command line: "
           f"`cxsim compare FILE --replications {int(replications)} --seed {int(seed)} --report report.html`.")
