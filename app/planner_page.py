"""cxsim planner: compare "people vs ads" and find the best split of a weekly budget.

Serve it with ``make app`` (http://127.0.0.1:8501). Everything shown is computed
by cxsim (``cxsim.views.planner``, ``cxsim.decide.compare``, ``cxsim.decide.optimize``,
``cxsim.report.figures``); this page only arranges it.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from planner_runs import (  # the page's cached computations (app/planner_runs.py, on the path of the app)
    chart,
    estimated_minutes,
    robust_answers,
    run_advice,
    run_frontier,
    run_journey,
    run_page_plans,
    run_robust,
    run_scenario,
    run_variants,
)

from cxsim import __version__
from cxsim.core.errors import UserError
from cxsim.core.formatting import money, percent, unit
from cxsim.decide import allocate
from cxsim.decide.advise import CURVE_STEPS
from cxsim.decide.compare import Comparison, unique_labels
from cxsim.decide.optimize import OBJECTIVES, frontier_table, total_budget
from cxsim.decide.robust import RobustAnswer
from cxsim.decide.spend import lever_name
from cxsim.model.results import clv_by_cohort
from cxsim.report.figures import (
    allocation_figure,
    frontier_figure,
    journey_figure,
    marginal_figure,
    response_figure,
    robust_figure,
    segment_figure,
    waterfall_figure,
)
from cxsim.report.markdown import markdown_safe
from cxsim.report.pages import report_html
from cxsim.views import comparison as comparison_view
from cxsim.views import mechanisms, planner

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
CHARTS = {"funnel": "Funnel by stage", "customers": "Customers won", "acquisition": "Ads vs word-of-mouth",
          "satisfaction": "Satisfaction and NPS", "profit": "Cumulative profit"}
CALIBRATED = "calibrated plan (from the Calibrate page)"


def show_robust(robust: RobustAnswer, draws: int, key: str, stopped: bool = False) -> None:
    """The robust sentence, chart and table; while worlds are still arriving, how far it has got and how sure."""
    leader, p, lo, hi = robust.best_chance()
    settled = robust.settled()
    if robust.draws < draws:
        state = "stopped" if stopped else "refining"
        st.markdown(f"**After {robust.draws} of {draws} worlds** ({state}): P(best) of {markdown_safe(repr(leader))} "
                    f"{percent(p)}, 90% interval {percent(lo)} to {percent(hi)}; "
                    + ("settled: no other plan is best as often." if settled
                       else "not yet settled: another plan could still be best as often."))
    st.markdown(f'<div class="cx-verdict cx-robust" style="font-size:1.15rem; font-weight:600; '
                f'line-height:1.45; padding:0.6rem 0.9rem; border-left:5px solid #2e8b57; background:#f3faf5">'
                f'{html.escape(robust.verdict())}</div>', unsafe_allow_html=True)
    st.plotly_chart(robust_figure(robust), key=f"chart:robust:{key}:{robust.draws}", config={"displayModeBar": False})
    st.dataframe(robust.display_table(), hide_index=True)


# --- small page helpers ---------------------------------------------------------------------

def show_error(exc: Exception) -> None:
    """A user's mistake, worded as on the command line; the page stops here."""
    st.error(markdown_safe(planner.error_text(exc)), icon="🚫")
    st.stop()


@contextmanager
def progress(text: str | None = None) -> Iterator:
    """A progress bar while the block runs, gone after it; a user's mistake in the block is shown and stops the page."""
    bar = st.progress(0.0, text=text)
    try:
        yield bar
    except UserError as exc:
        bar.empty()
        show_error(exc)
    bar.empty()


def lever_input(container, lever: planner.Lever, value: float, key: str):
    """A number input for a lever, its bounds and format from ``cxsim.views.planner``.

    The bounds widen to take in a file's value outside them; validation still applies.
    """
    cast = int if lever.integer else float
    help_text = lever.help + (f"\n\nSource: {lever.published}." if lever.published else "")
    return container.number_input(
        lever.label, value=cast(value), key=key, step=cast(lever.step), format=lever.fmt, help=help_text,
        min_value=None if lever.min_value is None else cast(min(lever.min_value, value)),
        max_value=None if lever.max_value is None else cast(max(lever.max_value, value)))


def reset(keys: list[str]) -> None:
    """Forget the widgets' edits, so they show the file's values again."""
    for key in keys:
        st.session_state.pop(key, None)


# --- the page -------------------------------------------------------------------------------

st.set_page_config(page_title="cxsim planner: people or ads?", page_icon="📈", layout="wide")
st.markdown("<style>.block-container {padding-top: 2.2rem; padding-bottom: 1rem;}</style>", unsafe_allow_html=True)
st.title("People or ads? The cxsim planner", anchor=False)

# Scenario: a calibrated plan from the Calibrate page, a file of scenarios/, or an upload (which
# takes precedence while it is there).
side = st.sidebar
side.header("Scenario")
files = planner.scenario_files(SCENARIOS)
calibrated = st.session_state.get("planning_scenario")
options = ([CALIBRATED] if calibrated else []) + files
chosen = side.selectbox("Scenario file", options, format_func=lambda p: p if p == CALIBRATED else p.name,
                        help="The files in the scenarios/ folder, each a base and its variants; a plan calibrated "
                             "on the Calibrate page comes first.")
upload = side.file_uploader("…or upload your own scenario file (.toml)", type=["toml"],
                            help="See `cxsim schema` for every key. Remove the upload to go back to the list.")
try:
    if upload is not None:
        data, source = upload.getvalue(), upload.name
    elif chosen == CALIBRATED:
        data, source = calibrated["text"].encode("utf-8"), calibrated["name"]
    else:
        data, source = chosen.read_bytes(), str(chosen.relative_to(SCENARIOS.parent))
    base = planner.scenario_from_upload(source, data)
    text_id = hashlib.sha256(data).hexdigest()[:12]
except UserError as exc:
    if upload is not None:
        st.caption("Fix the file and upload it again, or remove the upload (✕ in the sidebar) to go back to "
                   "the scenario files. `cxsim validate FILE` lists every problem on the command line.")
    show_error(exc)
base, notes = planner.within_bounds(base)
if upload is not None:
    side.caption(f"Using the uploaded file **{markdown_safe(upload.name)}**.")

# Levers in plain words and money, then the behaviour assumptions behind them, most influential first.
currency = base.config.economics.currency
side.header("Levers")
side.caption(f"They edit today's plan (money in {unit(currency)} a week); each variant then applies its own "
             "changes on top.")
values = {lever.key: lever_input(side, lever, planner.lever_value(base, lever.key), f"{text_id}:{lever.key}")
          for lever in planner.LEVERS}
if any(isinstance(base[lever.key], list) for lever in planner.LEVERS):
    side.caption("This file schedules some spend week by week; its lever shows the mean, "
                 "and a new value replaces the schedule with a constant weekly spend.")
assumption_levers = [*planner.ranked_assumptions(),
                     *(lever for group in mechanisms.assumptions(base).values() for lever in group)]
assumption_keys = [f"{text_id}:{lever.key}" for lever in assumption_levers] + [
    f"{text_id}:{toggle.key}" for toggle in mechanisms.TOGGLES]
with side.expander("Assumptions, most influential first"):
    st.caption("How people respond to ads, service and each other, ordered by how much they move the "
               "flagship's value. The ? beside each says what it means; the published range is under it.")
    st.button("Reset the assumptions to the file's values", on_click=reset, args=(assumption_keys,),
              key="reset-assumptions")
    for lever in assumption_levers[:planner.TOP_ASSUMPTIONS]:
        values[lever.key] = lever_input(st, lever, planner.lever_value(base, lever.key), f"{text_id}:{lever.key}")
        st.caption(f"Source: {markdown_safe(lever.published)}")
    st.markdown("**Less influential, and the customer-experience mechanisms** (off unless the file or these "
                "switch them on; docs/mechanisms.md)")
    for toggle in mechanisms.TOGGLES:
        values[toggle.key] = st.toggle(toggle.label, value=bool(base[toggle.key]), key=f"{text_id}:{toggle.key}",
                                       help=toggle.help)
    for lever in assumption_levers[planner.TOP_ASSUMPTIONS:]:
        values[lever.key] = lever_input(st, lever, planner.lever_value(base, lever.key), f"{text_id}:{lever.key}")
        st.caption(f"Source: {markdown_safe(lever.published)}")

side.header("Runs")
replications = side.number_input(
    "Replications per scenario", min_value=2, max_value=planner.MAX_REPLICATIONS,
    value=planner.DEFAULT_REPLICATIONS, step=1,
    help=f"Independent runs of each plan (2 to {planner.MAX_REPLICATIONS} here), paired by seed across plans. "
         f"More runs give tighter intervals and take longer. The app starts with {planner.DEFAULT_REPLICATIONS} "
         "so a lever change answers in seconds (measured: benchmarks/results-app.md); the command line uses 20 "
         "(compare) and 12 (advise).")
seed = side.number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, step=1,
                         help="The same seed gives the same numbers. Every plan uses it: common random numbers.")
variants = side.multiselect("Variants to compare with the base", list(base.variants), default=list(base.variants),
                            key=f"{text_id}:variants")

# Uncertainty: every plan weighed over plausible worlds of the assumptions, on request.
side.header("Uncertainty")
uncertain = side.toggle(
    "Weigh the plans over plausible worlds", value=False, key="uncertain-on",
    help="Instead of holding the assumptions at the values above, draw them from their plausible ranges, published or assumed (or the "
         "file's [uncertainty] table, or a calibrated posterior) and run every plan in every world with the same "
         "random numbers: how likely each plan is best, its expected value and its worst 10%.")
posterior = None
if uncertain:
    draws = int(side.number_input("Plausible worlds", min_value=10, max_value=planner.MAX_WORLDS,
                                  value=planner.DEFAULT_WORLDS, step=10,
                                  help=f"Draws of the assumptions; every plan runs {planner.WORLD_REPLICATIONS} "
                                       "times in each. The command line uses 100 (`cxsim compare FILE --uncertain`)."))
    handed = (calibrated or {}).get("posterior") or st.session_state.get("planning_posterior")
    if handed and side.toggle("Use the calibrated posterior", value=True, key="posterior-on",
                              help=f"The posterior draws of the Calibrate page ({handed}) instead of the ranges."):
        posterior = str(handed)

try:
    edited = planner.apply_levers(base, values)
    scenarios = [edited, *(edited.with_variant(v) for v in variants)]
    planner.check_size(scenarios, int(replications))
except UserError as exc:
    show_error(exc)
text = edited.to_toml()

# The answer first: today's plan and each lever moved by a step (the verdict), then the variants (the table).
keep_customers = any(bool(s.config.segments) for s in scenarios)
labels = unique_labels(scenarios)
with progress(f"Simulating {scenarios[0].name} and each lever moved a step: {int(replications)} runs of "
              f"{edited.population:,} people each"):
    today, moved = run_page_plans(text, source, int(replications), int(seed), keep_customers)
    results = [today]
    advice = run_advice(edited, today, int(replications), int(seed), moved=moved)

# Under uncertainty, the robust answer first (on request: it runs every plan in every world).
if uncertain:
    robust_request = (text, source, tuple(variants), draws, int(seed), posterior)
    where = "the calibrated posterior" if posterior else (
        "the file's [uncertainty] table" if edited.uncertainty else "the plausible ranges of the assumptions")
    if st.button(f"Weigh the plans over {draws} plausible worlds", type="primary", key="robust-run"):
        st.session_state["robust"], st.session_state["robust-stopped"] = robust_request, None
    if st.session_state.get("robust") == robust_request:
        answers = robust_answers()
        robust = answers.get(robust_request)
        stopped = st.session_state.get("robust-stopped") == robust_request
        if robust is not None and (robust.draws == draws or stopped):
            show_robust(robust, draws, text_id, stopped=stopped)
        else:
            stop = st.empty()
            stop.button("Stop at the current answer", key="robust-stop",
                        on_click=lambda: st.session_state.update({"robust-stopped": robust_request}))
            shown = st.empty()
            with shown.container():
                st.caption(f"Running every plan in the first {min(draws, planner.FIRST_WORLDS)} of {draws} worlds "
                           f"({len(scenarios) * planner.WORLD_REPLICATIONS} runs a world of {edited.population:,} "
                           "people); the answer appears after them and refines as more worlds arrive.")
            try:
                planner.check_world_size(scenarios, draws)
                for robust in run_robust(text, source, tuple(variants), draws, int(seed), posterior):
                    answers[robust_request] = robust  # kept as it grows, so a stop keeps what was found
                    with shown.container():
                        show_robust(robust, draws, text_id)
            except UserError as exc:
                shown.empty()
                show_error(exc)
            stop.empty()
        drawn = robust.worlds.source if robust.worlds is not None else where
        st.caption(f"{draws} worlds drawn from {markdown_safe(drawn)}, {planner.WORLD_REPLICATIONS} runs of each plan "
                   f"in each, paired by world and seed. P(beats) and P(best) count worlds; the 10%-90% range and "
                   f"the worst 10% count every run; regret: the mean over worlds of the best plan's value minus "
                   f"this plan's. The same on the command line: `cxsim compare FILE --uncertain --draws {draws} "
                   f"--discover` (which also says where each plan wins).")
    else:
        st.info(f"Press **Weigh the plans over {draws} plausible worlds**: it draws the assumptions from "
                f"{markdown_safe(where)} and runs each of the {len(scenarios)} plans {planner.WORLD_REPLICATIONS} "
                f"times in every world ({len(scenarios) * draws * planner.WORLD_REPLICATIONS:,} runs).")

# The answer first: where the next money earns most, with its interval.
for note in notes + planner.plan_warnings(edited):
    st.warning(markdown_safe(note), icon="⚠️")
st.markdown(f'<div class="cx-verdict" style="font-size:1.15rem; font-weight:600; line-height:1.45; '
            f'padding:0.6rem 0.9rem; border-left:5px solid #2171b5; background:#f3f6fa">'
            f'{html.escape(advice.verdict())}</div>', unsafe_allow_html=True)
if advice.why():
    st.markdown(markdown_safe(advice.why()))
    best = advice.best
    st.plotly_chart(waterfall_figure(best.decomposition, currency, f"Why {best.lever}: the value change of the next "
                                     "step, in parts that add up to it"), key="chart:why",
                    config={"displayModeBar": False})
st.plotly_chart(marginal_figure(advice), key="chart:marginal", config={"displayModeBar": False})
st.caption(f"Each lever given {money(advice.step, currency)} a week more, the rest of **{markdown_safe(labels[0])}** "
           f"held; bars: mean change in value (NPV within the horizon + the plan continued after it, its spends "
           f"included), lines: 90% confidence interval (the market's luck, paired by seed) over "
           f"{int(replications)} runs of {edited.population:,} people and {edited.weeks} weeks. "
           f"The same on the command line: `cxsim advise FILE -r {int(replications)}`.")

# The plans side by side: KPIs as rows, plans as columns headed by what each spends.
if variants:
    with progress(f"Simulating the {len(variants)} variants: {int(replications)} runs of {edited.population:,} "
                  "people each"):
        results.extend(run_variants(text, source, tuple(variants), int(replications), int(seed), keep_customers))
comparison = Comparison(labels, results, scenarios)
st.header("The plans side by side", anchor=False)
st.caption(f"Each cell: mean over runs, the range of 90% of runs, and the difference from **"
           f"{markdown_safe(labels[0])}** paired by seed with its 90% confidence interval (green: better, red: "
           f"worse, with that confidence). Under each plan, its own weekly spends. {markdown_safe(comparison.verdict())}")
if mechanisms.switched_on(edited):
    st.caption("Customer-experience mechanisms on: " + markdown_safe(", ".join(mechanisms.switched_on(edited)))
               + " (docs/mechanisms.md).")
st.markdown(comparison_view.comparison_html(comparison_view.comparison_table(comparison)), unsafe_allow_html=True)

# Response curves around today's plan (more runs: on request).
st.header("Response curves around today's plan", anchor=False)
curve_request = (text, source, int(replications), int(seed))
if st.button("Trace the response curves", help=f"Runs each lever at {', '.join(f'{k:+d}' for k in CURVE_STEPS)} "
             "steps as well (about two more plans per lever)."):
    st.session_state["curves"] = curve_request
if st.session_state.get("curves") == curve_request:
    with st.spinner("Tracing each lever's response curve…"):
        curved = run_advice(edited, results[0], int(replications), int(seed), CURVE_STEPS)
    st.plotly_chart(response_figure(curved), key="chart:curves")
else:
    st.caption("Press the button to trace how value changes as each lever moves 2 steps down to 2 steps up "
               "(an MMM's response curve, for service too).")

# Over time, with bands over replications.
st.header("Over time", anchor=False)
shown = st.radio("Chart", list(CHARTS), format_func=CHARTS.get, horizontal=True, key="chart-over-time",
                 label_visibility="collapsed")
st.caption("Lines: mean over runs; bands: the central 90% of runs.")
st.plotly_chart(chart(text, source, tuple(variants), int(replications), int(seed), shown, _comparison=comparison),
                key=f"chart:{shown}")

# Customer lifetime value by cohort, net of service cost, with value beyond the horizon.
if st.toggle("CLV by cohort (today's plan)", value=False, key="cohorts-on",
             help="Customers grouped by the quarter-year they first bought: margin within the horizon, their "
                  "service cost, their expected margin after it, and the sum (CLV net of service cost)."):
    full = run_scenario(text, source, None, int(replications), int(seed), True)
    cohorts = clv_by_cohort(full, edited.config.purchase.gross_margin, width=13)
    st.dataframe(cohorts.rename(columns={
        "customers": "customers (mean per run)", "margin": f"margin within the horizon ({unit(currency)})",
        "service_cost": f"service cost ({unit(currency)})", "future_value": f"value after the horizon ({unit(currency)})",
        "clv_net": f"CLV net of service ({unit(currency)})"}).round(1), hide_index=True)
    st.caption("Per customer won, mean over runs. Margin and service cost are within the horizon (undiscounted); "
               "the value after the horizon is in money at the horizon. Without it the late cohorts look "
               "worthless only because the horizon cuts them short.")

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
st.header("The best split: how much on service, how much on ads?", anchor=False)
st.markdown("For a fixed total weekly budget, the chosen KPI against the share spent on service (staff and "
            "training, in the scenario's ratio); the rest goes to ads. Every split is run with the same seed "
            "(common random numbers), a coarse grid finds the best region and a bounded search refines it.")
c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
target = c1.selectbox("Scenario to split", labels, key=f"{text_id}:frontier-scenario")
target_index = labels.index(target)
target_variant = None if target_index == 0 else variants[target_index - 1]
kpi = c2.radio("Maximise", list(OBJECTIVES), format_func=lambda k: {"npv": "NPV"}.get(k, k),
               horizontal=True, key="frontier-kpi", help="value = NPV within the horizon + the plan continued "
                                                         "after it, its spends included.")
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

# The best plan over many levers, on request.
with st.expander("Best plan over many levers", expanded=bool(st.session_state.get("allocation"))):
    st.markdown("One weekly budget shared over several levers of the plan above (ads, staff, training, the people "
                "programme, each channel's staff) by CMA-ES: every plan is run with the same seed (common random "
                "numbers), each generation's plans ranked and the next drawn around the best. The answer: the "
                "best split against today's plan, paired by seed, and the near-best range of each lever.")
    keys = allocate.lever_keys(edited)
    m1, m2, m3, m4 = st.columns([3, 2, 2, 2])
    chosen = m1.multiselect("Levers", keys, default=keys, format_func=lever_name, key=f"{text_id}:alloc-levers")
    own = sum(allocate.spends(edited, chosen).values()) if chosen else 0.0
    alloc_budget = m2.number_input("Weekly budget", min_value=100.0, value=float(max(100, round(own, -2))),
                                   step=100.0, format="%.0f", key=f"{text_id}:alloc-budget:{own:.2f}",
                                   help=f"Shared by the levers; today's plan spends {own:,.0f} on them.")
    objective = m3.selectbox("Objective", list(allocate.RISK_MEASURES), key="alloc-objective",
                             help="mean of value over the runs; p10: its 10th percentile; cvar: the mean of the "
                                  "worst 10% of runs.")
    plans = int(m4.number_input("Plans at most", min_value=10, max_value=1000, value=allocate.DEFAULT_EVALUATIONS,
                                step=10, key="alloc-evaluations",
                                help="CMA-ES stops after this many plans (240: about 30 generations for 4 levers)."))
    alloc_request = (text, tuple(chosen), float(alloc_budget), objective, plans, int(replications), int(seed))
    if st.button("Find the best plan over many levers", type="primary", disabled=len(chosen) < 2):
        with progress() as alloc_bar:
            done = [0]

            def tick(n: int) -> None:
                done[0] += n
                alloc_bar.progress(min(1.0, done[0] / (plans + 1)),
                                   text=f"Plan {done[0]} of at most {plans + 1}: {int(replications)} runs each")

            found = allocate.optimise(edited, chosen, float(alloc_budget), objective=objective,
                                      replications=int(replications), seed=int(seed), evaluations=plans,
                                      progress=tick)
        st.session_state["allocation"] = (alloc_request, found)
    stored = st.session_state.get("allocation")
    if stored and stored[0] == alloc_request:
        found = stored[1]
        st.markdown(f"**{markdown_safe(found.verdict())}**")
        st.plotly_chart(allocation_figure(found), key="chart:allocation")
        st.dataframe(found.table().drop(columns="key").round({"best share": 3}), hide_index=True)
        st.caption(f"Near-best: plans within {allocate.NEAR:.1%} of the best or not distinguishable from it. "
                   f"The same on the command line: `cxsim optimize FILE --levers {' '.join(chosen)} --budget "
                   f"{alloc_budget:.0f} --objective {objective} -r {int(replications)}`.")
    elif len(chosen) >= 2:
        minutes = estimated_minutes(edited, (plans + 1) * int(replications))
        eta = "" if minutes is None else (f", about {max(1, round(minutes))} min at the pace of this server's "
                                          "latest runs")
        st.info(f"Press **Find the best plan over many levers**: up to {plans} plans of {int(replications)} runs "
                f"each{eta}.")

# One customer's journey, from the same runs (on request: it reruns the chosen plan with a trace).
st.header("One customer's journey", anchor=False)
if st.toggle("Follow one customer week by week", value=False, key="journey-on",
             help="The same runs as above, followed for one person; it reruns the chosen plan once."):
    j1, j2, j3, j4 = st.columns(4)
    who_scenario = j1.selectbox("Scenario", labels, key=f"{text_id}:journey-scenario")
    who_index = labels.index(who_scenario)
    run = j2.number_input("Run", min_value=0, max_value=int(replications) - 1, value=0, step=1,
                          help="Which replication (0 is the first).")
    kind = j3.selectbox("Who", [*planner.JOURNEY_KINDS, "a person by number"])
    customers = run_scenario(text, source, None if who_index == 0 else variants[who_index - 1],
                             int(replications), int(seed), True).customers
    if kind == "a person by number":
        customer_id = int(j4.number_input("Person number", min_value=0, max_value=edited.population - 1, value=0,
                                          step=1))
    else:
        customer_id = planner.pick_customer(customers, int(run), kind, int(seed))
        j4.caption(f"Picked person number **{customer_id}**." if customer_id is not None else "")
    if customer_id is None:
        st.info(f"Nobody in run {int(run)} of {markdown_safe(who_scenario)} ended as {kind}.")
    else:
        journeys = run_journey(text, source, None if who_index == 0 else variants[who_index - 1],
                               int(replications), int(seed), customer_id)
        journey = journeys[journeys["replication"] == int(run)]
        st.markdown(markdown_safe(planner.journey_summary(customers, int(run), customer_id)))
        st.plotly_chart(journey_figure(journey, f"Person {customer_id}, run {int(run)} of {who_scenario}"),
                        key="chart:journey")

# Downloads.
st.header("Downloads", anchor=False)
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
