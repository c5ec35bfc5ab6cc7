# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: jupyter,-all
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. Sweeps and sensitivity
#
# Lesson 3 changed one assumption at a time. Real uncertainty comes in many
# dimensions at once: how strong word-of-mouth is, how often customers need
# service, how the budget is split, all at the same time. A **sweep** runs a
# scenario over ranges of its parameters; **sensitivity analysis** then says
# which parameters move a KPI, alone and through their interactions.
#
# In this lesson you will
#
# 1. run a small grid sweep (budget split × word-of-mouth strength), read its
#    results folder, and see that a sweep resumes instead of starting over,
# 2. compute Sobol sensitivity indices from a Sobol design, and
# 3. run the same grid on a Dask `LocalCluster` and check that the numbers
#    are identical.
#
# The sweeps here are deliberately small (about two hundred runs), so the
# lesson runs in about a minute; the `cxsim sweep` command runs sweep files of
# any size, on all cores or a cluster (see `docs/sweeps.md`).

# %%
import tempfile
from pathlib import Path

import plotly.graph_objects as go

from cxsim.core.errors import UserError
from cxsim.decide.pools import DaskPool, ProcessPool
from cxsim.report.figures import keep_figures_in_exports
from cxsim.report.sweep_figures import sensitivity_figure
from cxsim.scenario import load_scenario
from cxsim.sweep import load_design, load_results, load_sweep, run_sweep
from cxsim.sweep.analysis import display as display_indices
from cxsim.sweep.analysis import headline, sensitivity
from cxsim.sweep.design import build_design
from cxsim.views.widgets import MarketExplorer

keep_figures_in_exports()  # every figure also survives `jupyter nbconvert --to html`

ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "scenarios").is_dir())
FLAGSHIP = (ROOT / "scenarios" / "people_vs_ads.toml").as_posix()
# Sweep files and results folders of this lesson go to a temporary folder, removed at the end.
workspace = tempfile.TemporaryDirectory(prefix="cxsim-lesson4-")
WORK = Path(workspace.name)
print("working in", WORK)

# %% [markdown]
# ## 1. A small grid sweep
#
# A sweep is a TOML file, validated like a scenario file. This one takes the
# flagship market of lesson 3 at a fifth of its size, to keep the lesson quick:
# 2,000 people, and every amount of money a fifth (a budget of 1,500 a week,
# ads at half effect at 1,600 of adstock). Ads act on *shares* of the market
# and service on *head counts*, so the scaled market behaves like the
# flagship, with about a fifth of its NPV. The `[fixed]` table holds these
# overrides. The sweep varies two things on a grid:
#
# - `people_share`: the share of the 1,500 a week that goes to service staff,
#   the rest to ads. It is a *derived* parameter (`budget_split`): one number
#   sets two scenario keys.
# - `wom.awareness_effect`: how strongly positive word-of-mouth makes people
#   aware (Bass's `q`).
#
# Every point runs two replications, with common random numbers: replication
# `r` of every point starts from the same random stream.

# %%
GRID = f"""
[sweep]
name = "split by word-of-mouth"
scenario = "{FLAGSHIP}"
replications = 2
seed = 4

[fixed]
"market.population" = 2000
"advertising.half_saturation" = 1600.0

[design]
kind = "grid"

[parameters.people_share]
label = "share of the budget on service staff"
values = [0.2, 0.35, 0.5, 0.65]
budget_split = {{ total = 1500, share_to = "service.weekly_spend", rest_to = "advertising.weekly_spend" }}

[parameters."wom.awareness_effect"]
label = "word-of-mouth strength"
values = [0.1, 0.3, 0.6]

[outputs]
kpis = ["npv", "customers", "nps"]
"""
grid_file = WORK / "split_by_wom.toml"
grid_file.write_text(GRID)
grid = load_sweep(grid_file)
build_design(grid)

# %% [markdown]
# The design has 12 points, each run twice: 24 runs. `run_sweep` streams every
# finished run into a results folder (a SQLite ledger and Parquet parts), so a
# sweep that is stopped (Ctrl-C, a crash, a killed machine) resumes where it
# stopped. We run it on two local worker processes, and keep the pool open for
# the next sweep.

# %%
local = ProcessPool(workers=2)
report = run_sweep(grid, WORK / "grid", pool=local)
print(f"{report.ran} of {report.total} runs in {report.elapsed:.1f} s on {report.pool}; "
      f"failed: {len(report.failed)}")

# %% [markdown]
# Run the same call again: every run is already in the folder, so nothing runs.

# %%
again = run_sweep(grid, WORK / "grid", pool=local)
print(f"second call: {again.ran} runs, {again.done} of {again.total} done")

# %% [markdown]
# `load_results` gives one row per run: its point, variant, replication, seed,
# parameters (with the spends the budget split set) and KPIs.

# %%
grid_runs = load_results(WORK / "grid")
grid_runs.head()

# %%
npv = grid_runs.pivot_table(index="wom.awareness_effect", columns="people_share", values="npv", aggfunc="mean")
fig = go.Figure(go.Heatmap(z=npv.to_numpy(), x=[f"{s:.0%}" for s in npv.columns], y=[f"{q:g}" for q in npv.index],
                           colorscale="RdBu", zmid=0, colorbar={"title": "NPV"},
                           texttemplate="%{z:,.0f}"))
fig.update_layout(title="Mean NPV over two years: budget split against word-of-mouth strength",
                  xaxis_title="share of the budget on service staff", yaxis_title="word-of-mouth strength (q)",
                  template="plotly_white")
fig

# %%
best = npv.idxmax(axis=1).rename("best share on service").to_frame()
best["its NPV"] = npv.max(axis=1)
best.round(2)

# %% [markdown]
# On a full grid the variance of a KPI splits exactly into the parameters'
# effects: the **main effect** `S1` of a parameter is the share of the variance
# explained by it alone, the **total effect** `ST` adds its interactions with
# the others. `cxsim.sweep.analysis.sensitivity` picks the method the design
# allows (here the exact analysis of variance).

# %%
grid_indices = sensitivity(grid_runs, load_design(WORK / "grid"), grid)
grid_labels = {name: p.label for name, p in grid.parameters.items()}
print(headline(grid_indices, "base", "npv", grid_labels))
display_indices(grid_indices, "base", grid_labels)

# %% [markdown]
# The headline's "chance" is the share of the KPI's spread over runs that is
# run-to-run luck (the variance between the replications of one point), not
# the parameters. It needs at least two replications per point.

# %% [markdown]
# ### By hand first
#
# A sweep automates what you can do with sliders. Here is the same market (the
# flagship at a fifth of its size): move the staff and ad money, and the
# word-of-mouth strength, and watch NPS and the customers won. Which of the
# two swept knobs moves the answer more? The sweep above measured it on a grid;
# the Sobol indices below measure it over whole ranges.

# %%
MarketExplorer(load_scenario(FLAGSHIP).with_overrides({"market.population": 2000,
                                                       "advertising.half_saturation": 1600.0,
                                                       "service.weekly_spend": 750.0,
                                                       "advertising.weekly_spend": 750.0}),
               levers=("service.weekly_spend", "advertising.weekly_spend", "wom.awareness_effect"),
               replications=3, seed=4)

# %% [markdown]
# ## 2. Sobol indices
#
# A grid grows as `steps ** parameters`; with more than two or three
# parameters it is out of reach. Sobol's method estimates the same first-order
# (`S1`) and total (`ST`) indices from a *Saltelli* design of `N (D + 2)`
# points for `D` parameters, and gives bootstrap confidence intervals.
#
# We ask which of three uncertain inputs moves NPV: the budget split (over
# its plausible middle, 25% to 60% on service), word-of-mouth strength, and
# the share of purchases that need service.

# %%
SOBOL = f"""
[sweep]
name = "what moves NPV"
scenario = "{FLAGSHIP}"
replications = 1
seed = 4

[fixed]
"market.population" = 2000
"advertising.half_saturation" = 1600.0

[design]
kind = "sobol"
samples = 16

[parameters.people_share]
label = "share on service staff"
range = [0.25, 0.6]
budget_split = {{ total = 1500, share_to = "service.weekly_spend", rest_to = "advertising.weekly_spend" }}

[parameters."wom.awareness_effect"]
label = "word-of-mouth strength"
range = [0.1, 0.6]

[parameters."service.need_probability"]
label = "share of purchases needing service"
range = [0.1, 0.6]

[outputs]
kpis = ["npv", "customers"]
"""
sobol_file = WORK / "what_moves_npv.toml"
sobol_file.write_text(SOBOL)
sobol = load_sweep(sobol_file)
report = run_sweep(sobol, WORK / "sobol", pool=local)
local.close()
print(f"{report.ran} runs ({len(build_design(sobol))} points, one replication each) in {report.elapsed:.1f} s")

# %%
sobol_runs = load_results(WORK / "sobol")
sobol_indices = sensitivity(sobol_runs, load_design(WORK / "sobol"), sobol)
labels = {name: p.label for name, p in sobol.parameters.items()}
print(headline(sobol_indices, "base", "npv", labels))
display_indices(sobol_indices, "base", labels)

# %%
sensitivity_figure(sobol_indices, "npv", labels)

# %% [markdown]
# How to read it:
#
# - `S1` is what a parameter does **alone**; `ST` includes its interactions.
#   A large gap `ST − S1` means the parameter matters *through* another: how
#   much the need for service matters depends on how many staff there are to
#   meet it.
# - The intervals (95%, bootstrap) are wide: with `N = 16` the estimates are
#   rough, and a small negative index (or `ST − S1`) is just noise around zero.
#   The shipped `scenarios/sweeps/budget_split.toml` uses `N = 64` and four
#   replications per point; quadrupling `N` roughly halves the intervals.
# - With one run per point, run-to-run luck is part of the variance the
#   indices split up; more replications per point average it out (and let
#   `sensitivity` report it as "chance", as for the grid).
# - The indices answer "what should we measure better?": a parameter with a
#   large `ST` and a wide range of plausible values is worth pinning down before
#   deciding; one with `ST` near zero can be left at a rough guess.
#
# ## 3. The same sweep on a Dask cluster
#
# `run_sweep` submits runs to any executor. `DaskPool("local")` starts a Dask
# `LocalCluster` on this machine (here two single-threaded worker processes);
# `DaskPool("tcp://host:8786")` would connect to a scheduler running elsewhere,
# and `cxsim sweep FILE --out DIR --scheduler ...` does the same from the
# command line. A run's numbers depend only on its scenario, parameters,
# replication and seed, never on where it ran.

# %%
with DaskPool("local", workers=2) as dask_pool:
    print("running on", dask_pool.description)
    dask_report = run_sweep(grid, WORK / "grid-dask", pool=dask_pool)
print(f"{dask_report.ran} runs in {dask_report.elapsed:.1f} s")

# %%
dask_runs = load_results(WORK / "grid-dask")
same = dask_runs.equals(grid_runs)
print("the Dask runs are identical to the local ones:", same)
assert same

# %% [markdown]
# The two folders hold the same runs (same run ids, same seeds) with the same
# KPIs to the last bit. That is what makes a sweep safe to split across
# machines, resume after a crash, or rerun a year later.

# %% [markdown]
# ## Exercises
#
# 1. **The price of a rule of thumb.** From the grid's results, for each
#    word-of-mouth strength, how much NPV would a company lose by
#    always putting half of the budget on service instead of that row's best
#    share?
# 2. **Interactions.** From the Sobol indices of NPV, compute `ST − S1` for
#    each parameter. Which parameter acts most through interactions?
# 3. **A changed sweep.** Change a value in the grid sweep's `[fixed]` table
#    (say `"market.population" = 3000`) and call `run_sweep` into the same folder
#    `WORK / "grid"`. What happens, and why is that the right behaviour?
#
# The solutions are below, folded (click the `...` to open a cell).

# %% [markdown]
# ## Solutions

# %% jupyter={"source_hidden": true}
# Solution to exercise 1: the price of a rule of thumb.
loss = (npv.max(axis=1) - npv[0.5]).rename("NPV lost by always spending half on service")
loss.round(0).to_frame()
# Where the rule of thumb is the best share the loss is zero; elsewhere it is
# the price of not adapting the split to how strongly customers talk. (With two
# replications per point these are rough: rerun with more before acting.)

# %% jupyter={"source_hidden": true}
# Solution to exercise 2: interactions.
npv_rows = sobol_indices.table[sobol_indices.table["kpi"] == "npv"].set_index("parameter")
interactions = (npv_rows["ST"] - npv_rows["S1"]).rename("ST - S1").sort_values(ascending=False)
interactions.rename(index=labels).round(3).to_frame()
# The parameter with the largest ST - S1 matters most through its interplay
# with the others: its effect depends on where the other parameters are. Read
# it with the intervals in mind: with N = 16 the differences are rough.

# %% jupyter={"source_hidden": true}
# Solution to exercise 3: a changed sweep.
changed_file = WORK / "split_by_wom_3000.toml"
changed_file.write_text(GRID.replace('"market.population" = 2000', '"market.population" = 3000'))
try:
    run_sweep(load_sweep(changed_file), WORK / "grid")
except UserError as exc:
    print("refused:", exc)
# The folder belongs to the sweep that started it: mixing runs of markets of
# 2,000 and 3,000 people in one folder would silently corrupt the results, so
# cxsim refuses and names what changed. Use a new folder for a new sweep.

# The lesson's sweep folders were temporary: remove them now (run the notebook
# from the top to make them again).
workspace.cleanup()
