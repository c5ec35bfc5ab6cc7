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
# # 3. People or ads? The flagship comparison
#
# "Invest in people, not advertising" is a claim about a system: ads bring
# customers in; service decides whether they come back and what they tell
# others; and a growing customer base needs more service. It can only be tested
# in a model where all of that interacts over time. In this lesson you will
#
# 1. compare four ways to spend the same budget, with every scenario run on the
#    same random numbers,
# 2. read the uncertainty: how much one year can vary, and how sure we are of
#    the difference between two plans,
# 3. find the best split of a budget between service and ads (the frontier),
#    and
# 4. ask which assumptions would flip the answer.
#
# The market has 10,000 people and the horizon is two years; the fast engine
# runs it in a fraction of a second.

# %%
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from scipy import stats

from cxsim import load_scenario, paired_difference, simulate
from cxsim.decide.compare import compare, display_table
from cxsim.decide.optimize import describe, frontiers, service_budget, total_budget
from cxsim.report.figures import band_figure, comparison_figures, frontier_figure, keep_figures_in_exports
from cxsim.views.widgets import PlanComparer

keep_figures_in_exports()  # every figure also survives `jupyter nbconvert --to html`

ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "scenarios").is_dir())
SEED = 7

# %% [markdown]
# ## 1. Four plans
#
# `people_vs_ads.toml` holds today's plan (4,000 a week on ads, 2,571 on
# service staff: one agent on duty) and three variants. Each variant spends 1,500 a week more,
# on ads, on people (more staff *and* training), or split between them.

# %%
flagship = load_scenario(ROOT / "scenarios" / "people_vs_ads.toml")
plans = flagship.all_variants()
pd.DataFrame([{
    "plan": s.name,
    "ads": s["advertising.weekly_spend"],
    "staff": s["service.weekly_spend"],
    "training": s["service.training_weekly_spend"],
    "total a week": total_budget(s),
    "share on service": service_budget(s) / total_budget(s),
} for s in plans]).set_index("plan").round(2)

# %% [markdown]
# ### Move the sliders first
#
# Before the numbers below, make your own two plans. Plan A starts as today's
# plan, plan B as "more people". Each column of sliders is one plan's weekly
# money; release a slider and both plans run again on the same markets (ten
# runs each, a market of 2,000 people with staff money scaled to it). The green
# or red number under plan B is its difference from plan A with the 90%
# confidence interval of that difference. Can you find a plan B that wins more
# customers *and* more NPV than plan A?

# %%
SMALL = 2_000
small_scale = SMALL / flagship.population
small_today = flagship.with_overrides({"market.population": SMALL,
                                       "service.weekly_spend": flagship["service.weekly_spend"] * small_scale,
                                       "service.training_weekly_spend":
                                           flagship["service.training_weekly_spend"] * small_scale})
more_people_plan = flagship.with_variant("more people")
PlanComparer(small_today, plan_b={
    "service.weekly_spend": more_people_plan["service.weekly_spend"] * small_scale,
    "service.training_weekly_spend": more_people_plan["service.training_weekly_spend"] * small_scale,
}, replications=10, seed=SEED)

# %% [markdown]
# ## 2. The comparison
#
# `compare` runs every plan with the same seed. Replication `r` of every plan
# starts from the same random stream (*common random numbers*): the same
# market at week 0, with the same first customers, the same purchase habits
# and the same social network. Differences between plans are then measured on
# the same markets, paired by replication.
#
# In the table each cell is `mean [lo, hi]`, where `lo`-`hi` holds the central
# 90% of the replications' outcomes, and below it `Δ` the mean difference
# from today's plan with the 90% confidence interval of that mean, paired by
# replication.

# %%
REPLICATIONS = 12
comparison = compare(plans, replications=REPLICATIONS, seed=SEED)
# This lesson judges plans by NPV within the two years. `cxsim compare`, `advise` and `optimize` rank by
# `value`: NPV plus the plan continued after the horizon, spends included. Staff's gains partly arrive
# after the horizon, so the two can rank plans differently (see the last section).
KPIS = ["customers", "active", "npv", "nps", "satisfaction", "cac", "wom_share"]
display_table(comparison.table(KPIS), "both")

# %% [markdown]
# With these parameters the extra money does most for the business when it
# goes to people:
#
# - **More ads** wins some customers, but they arrive at a service desk that
#   is already at capacity; quality falls under the load, so satisfaction does
#   not rise, and the extra spend is not paid back within two years.
# - **More people** gives capacity for the growing base and better-trained
#   staff. Satisfied customers buy more often, stay longer and recommend: the
#   share won by word-of-mouth rises, and it ends up winning *more* customers
#   than the extra ads did, at a lower acquisition cost.
#
# The figures show how it unfolds. The service load (demand over staff
# capacity) is the hinge:

# %%
band_figure(comparison.results, comparison.labels, "service_load", "Service load (demand / staff capacity)",
            "load")

# %%
figures = comparison_figures(comparison.results, comparison.labels)
figures["acquisition"]

# %%
figures["satisfaction"]

# %%
figures["profit"]

# %% [markdown]
# ## 3. Uncertainty across replications
#
# Each replication is one possible two years. Two different questions have two
# different answers:
#
# 1. *How much could the outcome of one plan vary?* The spread of the
#    replications' outcomes (the `[lo, hi]` range above).
# 2. *Is one plan better than another on average, and by how much?* The
#    confidence interval of the mean difference, which narrows as
#    replications are added.

# %%
summaries = {label: res.summary().set_index("replication")["npv"]
             for label, res in zip(comparison.labels, comparison.results)}
fig = go.Figure([go.Box(y=values, name=label, boxpoints="all", jitter=0.3) for label, values in summaries.items()])
fig.update_layout(title="NPV of each replication (two years)", yaxis_title="NPV", template="plotly_white",
                  showlegend=False)
fig

# %% [markdown]
# Replication `r` of every plan starts from the same market, so a lucky start
# for one plan is a lucky start for the others. The paired difference removes
# that shared luck; comparing the two plans as if they were independent samples
# does not. How much that sharpens the comparison depends on how strongly the
# plans' outcomes move together (their correlation). Every person keeps the
# same dice under every plan (each draw is fixed by seed, replication, decision,
# week and person), so two plans differ only where the money makes someone act
# differently, and the paired interval is several times narrower:

# %%
ads_res, people_res = comparison.results[1], comparison.results[2]
mean, lo, hi = paired_difference(ads_res, people_res, "npv")
unpaired = stats.ttest_ind(summaries["more people"], summaries["more ads"], equal_var=False)
u_lo, u_hi = unpaired.confidence_interval(0.9)
print(f"more people - more ads, NPV: {mean:+,.0f}")
print(f"  paired by replication: 90% CI [{lo:+,.0f}, {hi:+,.0f}] (width {hi - lo:,.0f})")
print(f"  as independent samples: 90% CI [{u_lo:+,.0f}, {u_hi:+,.0f}] (width {u_hi - u_lo:,.0f})")
print(f"correlation of the two plans' NPV across replications: "
      f"{np.corrcoef(summaries['more people'], summaries['more ads'])[0, 1]:.2f}")

# %% [markdown]
# How many replications are enough? The confidence interval's half-width
# shrinks like `1 / sqrt(n)`: four times the replications, half the width.
# Run enough that the interval of the difference you care about excludes zero
# (or is narrower than a difference that would change your decision).

# %%
diffs = (summaries["more people"] - summaries["more ads"]).to_numpy()
pd.DataFrame([{
    "replications": n,
    "mean difference": diffs[:n].mean(),
    "90% CI half-width": stats.t.ppf(0.95, n - 1) * diffs[:n].std(ddof=1) / np.sqrt(n),
} for n in (3, 6, 12)]).set_index("replications").round(0)

# %% [markdown]
# ## 4. The budget-split frontier
#
# The variants are three points. `cxsim.decide.optimize.frontier` runs the whole
# curve: for a total weekly budget it moves the share spent on service from 0
# to 1 (the rest goes to ads), runs a coarse grid, then refines around the best
# point with a bounded search; every share uses the same seed. The service
# money is split between staff and training as in the scenario it starts from
# (here "more people": about a fifth on training).
#
# We run it for a budget near today's (6,000 a week) and a larger one (7,500). Few
# replications and a coarse grid keep this lesson quick; the `cxsim optimize`
# command does the same with more.

# %%
more_people = flagship.with_variant("more people")
fronts = frontiers(more_people, [6_000, 7_500], kpi="npv", replications=5, seed=SEED, grid=6, xatol=0.05)
frontier_figure(fronts)

# %%
print(describe(fronts))

# %% [markdown]
# Reading the frontier:
#
# - **All ads, no service** is a disaster: with no staff there is no capacity,
#   every service encounter goes badly, and customers turn into detractors.
#   **All service, no ads** wins too few customers to pay for the staff.
# - The best split is about half on service, and the curve is flat near the
#   top: the "near-best" range tells you how precisely the split matters.
# - Compare the two budgets at their best: with the split right, the extra
#   1,500 a week buys little or nothing. Ads saturate (Hill curve) and staff
#   beyond the load they serve add nothing, so **how** the money is split
#   matters more here than **how much** there is.
#
# ## 5. What would flip the answer?
#
# A model's answer is only as good as its assumptions. We take "more ads" and
# "more people" and change one assumption at a time, each time running both
# on the same random numbers, and look at the NPV difference
# (more people − more ads) with its 90% confidence interval.

# %%
ASSUMPTIONS = {
    "one-year horizon": {"market.weeks": 52},
    "service rarely needed (5% of purchases)": {"service.need_probability": 0.05},
    "service barely counts in the experience": {"service.weight": 0.1},
    "no word-of-mouth at all": {"wom.awareness_effect": 0.0, "wom.purchase_effect": 0.0,
                                "wom.negative_purchase_effect": 0.0, "wom.negative_churn_effect": 0.0},
    "satisfaction does not move repeat buying": {"repeat.rate_sensitivity": 0.0,
                                                 "repeat.dropout_sensitivity": 0.0},
    "ads twice as effective": {"advertising.max_awareness_rate": 0.08, "advertising.max_persuasion": 0.04},
}


def people_minus_ads(overrides: dict, replications: int = 8) -> tuple[float, float, float]:
    """NPV of "more people" minus "more ads" under the overrides, paired by replication."""
    ads = simulate(flagship.with_variant("more ads").with_overrides(overrides), replications, SEED,
                   keep_customers=False)
    people = simulate(more_people.with_overrides(overrides), replications, SEED, keep_customers=False)
    return paired_difference(ads, people, "npv")


flips = pd.DataFrame([("as in the file", *paired_difference(ads_res, people_res, "npv"))]
                     + [(name, *people_minus_ads(o)) for name, o in ASSUMPTIONS.items()],
                     columns=["assumption", "diff", "lo", "hi"]).set_index("assumption")
flips["winner"] = np.where(flips["lo"] > 0, "more people", np.where(flips["hi"] < 0, "more ads", "too close"))
fig = go.Figure(go.Bar(
    x=flips["diff"], y=flips.index, orientation="h",
    marker_color=np.where(flips["diff"] > 0, "#2171b5", "#fb6a4a"),
    error_x={"type": "data", "symmetric": False, "array": flips["hi"] - flips["diff"],
             "arrayminus": flips["diff"] - flips["lo"]}))
fig.update_layout(title="NPV of more people minus more ads (90% CI), one assumption changed at a time",
                  xaxis_title="NPV difference (positive: people win)", template="plotly_white",
                  yaxis={"autorange": "reversed"}, height=420)
fig

# %%
flips.round(0)

# %% [markdown]
# The answer flips when
#
# - **the horizon is short.** People pay back slowly: satisfaction compounds
#   through repeat purchases and word-of-mouth, while the customers ads bring
#   arrive at once. Judged on one year, the two plans are close or ads come
#   out ahead; judged on two, people win clearly.
# - **service does not matter to customers**: when few purchases need service,
#   or the service encounter barely counts in the experience, money for staff
#   buys nothing customers notice.
# - **there is no word-of-mouth**: much of the return on service comes from what
#   satisfied (and dissatisfied) customers tell others.
#
# It does *not* flip when ads are made twice as effective: more effective ads
# bring more customers, who need more service, so the case for people gets
# stronger. And it survives switching off the effect of satisfaction on repeat
# buying, because word-of-mouth and service capacity still carry it.
#
# So before trusting "invest in people" (or "in ads") for a business, measure
# what flips it: how many purchases need service, how much the service
# encounter weighs in customers' judgement, how strong word-of-mouth is, and
# which horizon the decision is judged on. Lesson 4 does this systematically,
# over many parameters at once.

# %% [markdown]
# ## Exercises
#
# 1. **Staff or training?** "More people" puts 750 a week into staff and 750
#    into training. Make two plans that put all 1,500 into staff, or all into
#    training, and compare them with "more people" (8 replications). Which
#    half of the money does more? (A scenario's label is its variant's name
#    when it has one, so build the new plans from `flagship`, the base, and
#    name them with `"scenario.name"`.)
# 2. **Overpromising ads.** Give the "more ads" plan ads that overpromise
#    (`advertising.overpromise = 0.2`). How much NPV and NPS does it lose
#    against the honest "more ads"?
# 3. **Where does it flip?** Find roughly the share of purchases needing
#    service (`service.need_probability`) below which "more ads" beats
#    "more people". Use a few values between 0.05 and 0.4 and
#    `people_minus_ads`.
#
# The solutions are below, folded (click the `...` to open a cell).

# %% [markdown]
# ## Solutions

# %% jupyter={"source_hidden": true}
# Solution to exercise 1: staff or training?
staff_only = flagship.with_overrides({"scenario.name": "all to staff", "service.weekly_spend": 3_500.0,
                                      "service.training_weekly_spend": 0.0})
training_only = flagship.with_overrides({"scenario.name": "all to training", "service.weekly_spend": 2_000.0,
                                         "service.training_weekly_spend": 1_500.0})
staff_vs_training = compare([more_people, staff_only, training_only], replications=8, seed=SEED)
display(display_table(staff_vs_training.table(["customers", "npv", "nps", "satisfaction"]), "both"))  # noqa: F821
band_figure(staff_vs_training.results, staff_vs_training.labels, "service_quality",
            "Service quality each week (after load)", "quality (0-1)")
# Neither half alone does as well as the mix. Training lifts quality at normal
# load; staff lift capacity, which keeps quality from collapsing as the base
# grows. In the service quality figure "all to training" starts highest and
# grows fastest, until the base outgrows the staff (load above 1) and quality
# falls below the untrained level; "all to staff" never runs short but serves
# at the untrained quality all along, so satisfaction and word-of-mouth stay
# lower. The mix gets trained quality with enough capacity for most of the two
# years.

# %% jupyter={"source_hidden": true}
# Solution to exercise 2: overpromising ads.
more_ads = flagship.with_variant("more ads")
loud = flagship.with_overrides({"scenario.name": "more ads, overpromising", "advertising.weekly_spend": 5_500.0,
                                "advertising.overpromise": 0.2})
honesty = compare([more_ads, loud], replications=8, seed=SEED)
display_table(honesty.table(["customers", "npv", "nps", "satisfaction"]), "both")
# Overpromising raises what newcomers expect, so the same experience
# disappoints: satisfaction and NPS fall, fewer come back and detractors talk.

# %% jupyter={"source_hidden": true}
# Solution to exercise 3: where does it flip?
# 0.05 and the file's 0.4 are in the flips table above; fill in between.
need = pd.DataFrame([(p, *people_minus_ads({"service.need_probability": p}, replications=6)) for p in (0.1, 0.2, 0.3)],
                    columns=["need_probability", "diff", "lo", "hi"]).set_index("need_probability")
need.round(0)
# The difference changes sign between the need probabilities where it goes
# from negative to positive: below that, few purchases reach the service desk
# and "more ads" wins; above it, service carries the experience and "more
# people" wins. Refine with more values in between, and more replications, if
# the decision depends on it.
