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
# # 2. Word-of-mouth and the Bass model
#
# Frank Bass (1969) described the adoption of a new product with two forces:
# **innovation** (people adopt on their own, moved by advertising and other
# outside influence, at rate `p`) and **imitation** (people adopt because others
# have, at rate `q` times the share `F` who already adopted). The hazard of
# adoption is `p + q F(t)`, and the continuous-time solution is
#
# $$F(t) = \frac{1 - e^{-(p+q)t}}{1 + \frac{q}{p} e^{-(p+q)t}},
# \qquad\text{with adoptions peaking at } t^* = \frac{\ln(q/p)}{p+q}.$$
#
# In this lesson you will
#
# 1. see that cxsim contains the Bass model as a limit: switch off service,
#    churn and satisfaction, and the simulated market follows the Bass curve,
# 2. see how the *structure* of the social network (who talks to whom) slows
#    or speeds diffusion, and
# 3. switch on what Bass leaves out, negative word-of-mouth, and measure its
#    cost.

# %%
import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from IPython.display import Code

from cxsim import load_scenario, simulate
from cxsim.decide.compare import compare, display_table
from cxsim.report.figures import acquisition_figure, band_figure, keep_figures_in_exports
from cxsim.scenario import presets
from cxsim.views.widgets import MarketExplorer

keep_figures_in_exports()  # every figure also survives `jupyter nbconvert --to html`

ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "scenarios").is_dir())
SEED = 2024

# %% [markdown]
# ## 1. The analytic curves
#
# Agent-based models step in whole periods (here, weeks). Each week a
# non-adopter adopts with probability `p + q F_{t-1}`, where `F_{t-1}` is the
# share that had adopted by the start of the week. On a complete graph (everyone
# hears everyone) the expected share follows the **discrete recursion**
# (Rand & Rust 2011)
#
# $$F_t = F_{t-1} + (1 - F_{t-1})(p + q F_{t-1}), \qquad F_0 = 0.$$
#
# We use the meta-analytic means `p = 0.03`, `q = 0.38` (Sultan, Farley &
# Lehmann 1990), read here as rates per week.

# %%
P, Q, WEEKS = 0.03, 0.38, 52


def bass_discrete(p: float, q: float, steps: int) -> np.ndarray:
    """Share adopted after each whole period: F_t = F_{t-1} + (1 - F_{t-1})(p + q F_{t-1})."""
    share = np.zeros(steps + 1)
    for t in range(1, steps + 1):
        share[t] = share[t - 1] + (1 - share[t - 1]) * (p + q * share[t - 1])
    return share


def bass_continuous(p: float, q: float, t: np.ndarray) -> np.ndarray:
    """Bass (1969): F(t) = (1 - exp(-(p+q)t)) / (1 + (q/p) exp(-(p+q)t))."""
    decay = np.exp(-(p + q) * t)
    return (1 - decay) / (1 + q / p * decay)


weeks = np.arange(WEEKS + 1)
t_fine = np.linspace(0, WEEKS, 521)
discrete = bass_discrete(P, Q, WEEKS)
peak = np.log(Q / P) / (P + Q)

fig = go.Figure()
fig.add_trace(go.Scatter(x=t_fine, y=bass_continuous(P, Q, t_fine), name="continuous F(t)"))
fig.add_trace(go.Scatter(x=weeks, y=discrete, name="discrete recursion F_t", mode="lines+markers",
                         line={"dash": "dot"}))
fig.add_vline(x=peak, line_dash="dash", annotation_text=f"t* = {peak:.1f} weeks")
fig.update_layout(title=f"Bass diffusion, p = {P}, q = {Q}", xaxis_title="week", yaxis_title="share adopted",
                  template="plotly_white", xaxis_range=[0, 30])
fig

# %% [markdown]
# The two differ: the recursion holds the hazard fixed for a whole week while
# the continuous curve lets it rise within the week. The gap grows with
# `p + q` per step; with weekly steps and `p + q = 0.41` it is several points
# of the market at the steepest part. A model that steps in weeks should be
# checked against the recursion, not against the continuous formula.

# %%
print(f"largest gap between the curves: {np.max(np.abs(bass_continuous(P, Q, weeks) - discrete)):.3f} "
      "of the market")

# %% [markdown]
# ## 2. Bass as the limit of the agent model
#
# `cxsim.scenario.presets.bass` builds the scenario in which cxsim *is* the Bass model:
# advertising is a constant weekly awareness probability `p`, word-of-mouth adds
# `q` times the share of the market that adopted (everyone hears everyone:
# `network.kind = "complete"`), people buy as soon as they are aware, every
# adopter stays a promoter and keeps talking, and service, satisfaction and
# negative word-of-mouth are switched off.

# %%
Code(inspect.getsource(presets.bass), language="python")

# %% [markdown]
# We simulate 20 replications of 5,000 people with the fast engine and a few
# with the agents engine (which is slower, so on a smaller market), and plot
# the share adopted (`ever_customers / population`), with the band holding the
# central 90% of replications.

# %%
N_FAST, N_AGENTS = 5_000, 2_000
bass_fast = simulate(presets.bass(P, Q, population=N_FAST, steps=WEEKS), replications=20, seed=SEED)
bass_agents = simulate(presets.bass(P, Q, population=N_AGENTS, steps=WEEKS), replications=4, seed=SEED,
                       engine="agents")
for res, n in ((bass_fast, N_FAST), (bass_agents, N_AGENTS)):
    res.timeseries["adopted"] = res.timeseries["ever_customers"] / n

fig = band_figure([bass_fast, bass_agents], ["fast engine, 5,000 people x 20", "agents engine, 2,000 people x 4"],
                  "adopted", "Simulated adoption against the Bass recursion", "share adopted")
fig.add_trace(go.Scatter(x=weeks, y=discrete, name="discrete recursion", line={"color": "black", "dash": "dot"}))
fig.add_trace(go.Scatter(x=t_fine, y=bass_continuous(P, Q, t_fine), name="continuous F(t)",
                         line={"color": "grey", "dash": "dash"}))
fig.update_layout(xaxis_range=[0, 30])
fig

# %% [markdown]
# How close is close? The mean of 20 replications has a standard error of
# `sd / sqrt(20)` each week; if the model follows the recursion, the gap should
# be a few standard errors at most. (After about week 25 everyone has adopted,
# the spread is zero and there is nothing left to compare.)

# %%
shares = bass_fast.timeseries.pivot(index="step", columns="replication", values="adopted")
mean, se = shares.mean(axis=1), shares.std(axis=1) / np.sqrt(shares.shape[1])
live = se > 0
z = (mean[live] - discrete[live.to_numpy()]) / se[live]
print(f"largest gap to the recursion: {np.max(np.abs(mean - discrete)):.4f} of the market, "
      f"{np.max(np.abs(z)):.1f} standard errors")
print(f"largest gap to the continuous curve: {np.max(np.abs(mean - bass_continuous(P, Q, weeks))):.4f}")
assert np.max(np.abs(z)) < 5, "the simulation should follow the discrete recursion"

# %% [markdown]
# The weekly adoptions peak where the recursion says, a little after the
# continuous `t*`: in weekly steps, this week's adopters start talking only next
# week, so imitation runs a step behind.

# %%
new = bass_fast.timeseries.groupby("step")["new_customers"].mean() / N_FAST
print(f"simulated peak: week {int(new.idxmax())}; recursion: week {int(np.argmax(np.diff(discrete))) + 1}; "
      f"continuous t* = {peak:.1f}")

# %% [markdown]
# ## 3. Who talks to whom: network structure
#
# Bass assumes everyone hears the whole market. Real word-of-mouth travels
# along ties. In cxsim a person hears the *average* of what their contacts say,
# so on a network the imitation term is `q × (share of my contacts who
# adopted)`. The scenario's `network.kind` chooses the structure, each with the
# same mean degree (10 contacts):
#
# | kind | structure |
# |---|---|
# | `complete` | everyone hears the market average (mean-field, the Bass limit) |
# | `random` | Erdős–Rényi: ties at random |
# | `small_world` | Watts–Strogatz: a ring of neighbours, 10% of ties rewired at random |
# | `scale_free` | Chung–Lu: a few hubs with many contacts, most people with few |
#
# To see word-of-mouth at work we make advertising weak (`p = 0.001`, about
# five people a week in 5,000) and imitation strong (`q = 0.5`): with
# `p = 0.03` ads alone reach most of the market within a year and the network
# matters less.

# %%
NETWORKS = ["complete", "random", "small_world", "scale_free"]
wom_led = presets.bass(0.001, 0.5, population=N_FAST, steps=WEEKS)
by_network = []
for kind in NETWORKS:
    res = simulate(wom_led.with_overrides({"network.kind": kind, "network.mean_degree": 10}),
                   replications=10, seed=SEED)
    res.timeseries["adopted"] = res.timeseries["ever_customers"] / N_FAST
    by_network.append(res)
band_figure(by_network, NETWORKS, "adopted", "Adoption by network structure (p = 0.001, q = 0.5)",
            "share adopted")


# %%
def week_reaching(res, share: float) -> float:
    """Mean over replications of the first week at which the adopted share reaches ``share``."""
    adopted = res.timeseries.pivot(index="step", columns="replication", values="adopted")
    first = (adopted >= share).idxmax().where((adopted >= share).any())
    return float(first.mean())


pd.DataFrame({
    "weeks to 10%": [week_reaching(r, 0.1) for r in by_network],
    "weeks to 50%": [week_reaching(r, 0.5) for r in by_network],
    "weeks to 90%": [week_reaching(r, 0.9) for r in by_network],
    "adopted at week 52": [r.timeseries.query(f"step == {WEEKS}")["adopted"].mean() for r in by_network],
}, index=NETWORKS).round(3)

# %% [markdown]
# What you should see:
#
# - **complete** is fastest: every adoption raises everyone's hazard at once.
# - On a **random** network adoption is slower. Word-of-mouth is local: the
#   contacts of a new adopter's contacts are often adopters already, so part of
#   what they say reaches people who have adopted (redundant talk), while
#   others, whose contacts have not adopted, hear nothing.
# - The **small world** is slowest: on the ring most of my contacts are also
#   each other's contacts (high clustering), so word-of-mouth circulates inside
#   neighbourhoods; only the rewired ties (weak ties between distant parts of
#   the market) carry it further.
# - The **scale-free** market is close to the random one, a little slower, and
#   keeps a tail: people with very few (or no) contacts, whom only ads reach.
#
# On sparse networks adoption is slower than the mean-field curve, as in the
# agent-based replications of Bass (Rand & Rust 2011). Fitting the Bass formula
# to data from such a market would read the slowness as a smaller `q`.
#
# ## 4. Negative word-of-mouth and its cost
#
# Bass has only good news. In cxsim every customer has a voice set by their
# satisfaction (NPS classes: promoters 9-10 talk the brand up, passives 7-8 say
# a little, detractors 0-6 talk it down), and negative word-of-mouth does two
# things: it keeps aware people from buying (`wom.negative_purchase_effect`) and
# pushes active customers away (`wom.negative_churn_effect`).
#
# How much does it cost? We take the full baseline market (10,000 people, two
# years) and switch the bad news off in three ways. `compare` runs every
# scenario with the same seed, so replication `r` of each starts from the same
# market as replication `r` of the baseline, and the differences are paired.

# %%
baseline = load_scenario(ROOT / "scenarios" / "baseline.toml")
no_bad_news = [
    baseline,
    baseline.with_overrides({"scenario.name": "detractors silent", "wom.detractor_talk": 0.0}),
    baseline.with_overrides({"scenario.name": "bad news loses no sales", "wom.negative_purchase_effect": 0.0}),
    baseline.with_overrides({"scenario.name": "bad news pushes no one out", "wom.negative_churn_effect": 0.0}),
]
wom_comparison = compare(no_bad_news, replications=12, seed=SEED)
KPI = ["customers", "active", "npv", "nps", "satisfaction"]
display_table(wom_comparison.table(KPI), "diff")

# %% [markdown]
# Each cell is the mean difference from the baseline with its 90% confidence
# interval (paired by replication). The cost of negative word-of-mouth is the
# NPV the baseline loses against "detractors silent". Put it next to how few
# detractors there are, and how much positive talk there is for every negative
# unit:

# %%
base_ts = wom_comparison.results[0].timeseries
last = base_ts[base_ts["step"] == base_ts["step"].max()]
detractor_share = (last["detractors"] / last["ever_customers"]).mean()
npv_cost = wom_comparison.table(["npv"]).set_index("scenario").loc["detractors silent", "diff"]
ratio = base_ts["wom_positive"].sum() / base_ts["wom_negative"].sum()
base_npv = wom_comparison.results[0].summary()["npv"].mean()
print(f"detractors among customers at the horizon: {detractor_share:.1%}")
print(f"positive : negative word-of-mouth sent: {ratio:.1f} : 1")
print(f"NPV lost to negative word-of-mouth: {npv_cost:,.0f} ({npv_cost / base_npv:.0%} of the baseline's NPV)")

# %% [markdown]
# A small share of dissatisfied customers carries a substantial NPV cost, as
# Goldenberg, Libai, Moldovan & Muller (2007, "The NPV of bad news") found. Two
# notes for reading such numbers:
#
# - **Calibrate the asymmetry, do not assume it.** Surveys find positive
#   word-of-mouth outnumbers negative about 3:1 (East, Hammond & Wright 2007),
#   and that dissatisfied customers talk more *per head* than satisfied ones,
#   but less than folklore says (Anderson 1998). The often-quoted "an unhappy
#   customer tells 9-15 people" is folklore, not data. Check the ratio above
#   against the 3:1 before you trust a scenario's `detractor_talk`.
# - **The system is coupled.** Silencing the detractors *lowers* NPS at the
#   horizon. With no bad news, more people buy; the staff (a fixed head count)
#   serve more customers, quality falls under the load, and more customers end
#   up dissatisfied. The service load shows it:

# %%
band_figure(wom_comparison.results, wom_comparison.labels, "service_load",
            "Service load (demand / staff capacity)", "load")

# %% [markdown]
# Negative word-of-mouth also changes *who* wins customers: compare the
# customers won by ads and by word-of-mouth.

# %%
acquisition_figure(wom_comparison.results[:2], wom_comparison.labels[:2])

# %% [markdown]
# ## 5. Move a slider: how much bad news can a brand take?
#
# The baseline market of section 4 at a fifth of its size (its staff money
# scaled with it) over one year, with its negative word-of-mouth switched on. Slide
# how much a detractor talks and how much each unit of bad news takes off the
# chance to buy, and watch the customers won and NPS. Then raise the
# word-of-mouth awareness effect (Bass's `q`): does more talk help a brand
# whose customers are unhappy?

# %%
small_market = baseline.with_overrides({"market.population": 2_000, "market.weeks": 52,
                                        "service.weekly_spend": baseline["service.weekly_spend"] * 0.2})
MarketExplorer(small_market, levers=("wom.awareness_effect", "wom.detractor_talk",
                                     "wom.negative_purchase_effect", "service.weekly_spend"),
               replications=4, seed=SEED)

# %% [markdown]
# ## Exercises
#
# 1. **Where is the peak?** For `(p, q)` = (0.01, 0.5), (0.03, 0.38) and
#    (0.05, 0.2), find the simulated peak week of new adopters (fast engine,
#    5,000 people, 10 replications) and compare it with the recursion's and with
#    `t* = ln(q/p) / (p + q)`. What happens to the peak when `q < p`?
# 2. **Weak ties.** On the small world with `p = 0.001, q = 0.5`, vary
#    `network.rewire_probability` over 0, 0.01, 0.1 and 1. Plot the adoption
#    curves and the weeks to 50%. How much of the gap between the ring (0) and
#    a random network (1) do 1% and 10% of long ties close?
# 3. **Overpromising ads and bad news.** Set `advertising.overpromise = 0.3` in
#    the baseline. How much NPV does it cost, and how much of that cost goes
#    through negative word-of-mouth? (Hint: compare four scenarios, with and
#    without overpromising, with and without `wom.detractor_talk`.)
#
# The solutions are below, folded (click the `...` to open a cell).

# %% [markdown]
# ## Solutions

# %% jupyter={"source_hidden": true}
# Solution to exercise 1: where is the peak?
rows = []
for p, q in [(0.01, 0.5), (0.03, 0.38), (0.05, 0.2)]:
    res = simulate(presets.bass(p, q, population=N_FAST, steps=WEEKS), replications=10, seed=SEED)
    new = res.timeseries.groupby("step")["new_customers"].mean()
    rows.append({"p": p, "q": q, "simulated peak week": int(new.idxmax()),
                 "recursion peak week": int(np.argmax(np.diff(bass_discrete(p, q, WEEKS)))) + 1,
                 "continuous t*": np.log(q / p) / (p + q)})
pd.DataFrame(rows).round({"continuous t*": 1})
# The simulation peaks where the recursion does, one to two weeks after the
# continuous t* (in weekly steps, word-of-mouth acts a week late). The
# stronger imitation is relative to innovation (q/p), the later and sharper the
# peak. With q < p, ln(q/p) < 0: adoptions are highest in the first week and
# only fall (no bell-shaped curve).

# %% jupyter={"source_hidden": true}
# Solution to exercise 2: weak ties.
small_world = wom_led.with_overrides({"network.kind": "small_world"})
rewired = []
REWIRE = [0.0, 0.01, 0.1, 1.0]
for share in REWIRE:
    res = simulate(small_world.with_overrides({"network.rewire_probability": share}), replications=10, seed=SEED)
    res.timeseries["adopted"] = res.timeseries["ever_customers"] / N_FAST
    rewired.append(res)
display(band_figure(rewired, [f"rewired {s:g}" for s in REWIRE], "adopted",  # noqa: F821
                    "Small world: adoption by share of ties rewired", "share adopted"))
print({f"rewired {s:g}": week_reaching(r, 0.5) for s, r in zip(REWIRE, rewired)})
# On the pure ring (0) word-of-mouth crawls from neighbour to neighbour and
# each cluster grows only at its edges. 1% of long ties closes a small part of
# the gap to the random network, 10% most of it: ties that bridge distant parts
# of the market carry word-of-mouth to new neighbourhoods, where it starts new
# clusters (Granovetter 1973 on weak ties; Goldenberg, Libai & Muller 2001).

# %% jupyter={"source_hidden": true}
# Solution to exercise 3: overpromising ads and bad news.
overpromise = [
    baseline,
    baseline.with_overrides({"scenario.name": "overpromise", "advertising.overpromise": 0.3}),
    baseline.with_overrides({"scenario.name": "detractors silent", "wom.detractor_talk": 0.0}),
    baseline.with_overrides({"scenario.name": "overpromise, detractors silent",
                             "advertising.overpromise": 0.3, "wom.detractor_talk": 0.0}),
]
op = compare(overpromise, replications=8, seed=SEED)
npv = {label: res.summary()["npv"].mean() for label, res in zip(op.labels, op.results)}
cost_with_wom = npv["baseline"] - npv["overpromise"]
cost_without_wom = npv["detractors silent"] - npv["overpromise, detractors silent"]
print(f"NPV cost of overpromising: {cost_with_wom:,.0f} with negative WOM, "
      f"{cost_without_wom:,.0f} when detractors are silent")
print(f"share of the cost that goes through negative word-of-mouth: {1 - cost_without_wom / cost_with_wom:.0%}")
display_table(op.table(["npv", "nps", "satisfaction"]), "mean")
# Overpromising raises expectations, so the same experience disappoints: fewer
# promoters, more detractors. Part of the cost is direct (dissatisfied
# customers buy less often and drop out sooner), part goes through the bad news
# those detractors spread.
