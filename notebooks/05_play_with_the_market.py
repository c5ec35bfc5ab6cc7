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
# # 5. Play with the market
#
# The first four lessons read the model and measured it. This one is for
# playing: a market of 300 people you can watch week by week, and levers you
# can move while it runs.
#
# In this lesson you will
#
# 1. run a live view of the market (Mesa's SolaraViz): every person a dot on
#    the social network, filled by their stage in the journey and outlined by
#    what they say about the brand; press Play and watch word-of-mouth spread,
# 2. step the same model by hand and look at it week by week,
# 3. put two plans side by side and move their budgets (levers to KPIs), and
# 4. explore what word-of-mouth does to a market with sliders.
#
# The live view also runs as a page of its own: `cxsim viz` (or `make viz`)
# serves it on http://127.0.0.1:8765.

# %%
from IPython.display import HTML, SVG, Image, display

from cxsim import load_scenario
from cxsim.model.behaviour import Voice
from cxsim.report.figures import keep_figures_in_exports
from cxsim.views.viz import BASELINE, LiveMarket, funnel_figure, funnel_text, legend_html, live_view, network_svg, png
from cxsim.views.widgets import MarketExplorer, PlanComparer

keep_figures_in_exports()  # every figure also survives `jupyter nbconvert --to html`

SEED = 42

# %% [markdown]
# ## 1. The live view
#
# Run the cell and use the panel on the left:
#
# - **▶** plays the market week by week (**❚❚** pauses), **Step** moves one
#   week, **Reset** starts a new run.
# - The sliders under *Model Parameters* are the levers: the weekly ad budget,
#   the service staff budget, the training budget, and how strongly
#   word-of-mouth makes people aware (Bass's `q`) and makes them buy. As in
#   every Mesa model, a slider takes effect at the next **Reset**: the line
#   above the funnel says which levers the run uses.
# - On the network, grey people are unaware, yellow aware, light blue bought
#   once, dark blue buy again, brown lapsed. A green ring is a promoter (9-10),
#   a red ring a detractor (0-6); green and red lines are who is talking to
#   whom this week.
#
# The market is the baseline of lesson 1 shrunk to 300 people (with the staff
# money shrunk with it, so the staff are as busy), nine of whom are customers
# at week 0.

# %%
live_view()

# %% [markdown]
# Things to try: play two years with the default levers, then Reset with the
# ad budget at 0. Does word-of-mouth alone spread the brand? Then starve the
# service desk (staff at 10 a week): watch the red rings appear, and what they
# do to the yellow people around them.
#
# ## 2. The same model, by hand
#
# The live view steps a `LiveMarket`, a Mesa model built from keyword
# arguments (that is what SolaraViz's Reset needs). Its `market` is the agents
# engine of lesson 1. You can step it yourself and draw what the view draws.

# %%
market = LiveMarket(rng=SEED)
for _ in range(30):
    market.step()
print(funnel_text(market))
display(SVG(network_svg(market)), HTML(legend_html()))

# %% [markdown]
# Green rings cluster: promoters are customers, and their contacts hear good
# news, so awareness spreads along the network's links rather than at random.
# Count the talkers and the people they reach:

# %%
people = market.people()
talking = people["voice"].isin([Voice.PROMOTER, Voice.DETRACTOR])
adj = market.market.adjacency
reached = {int(j) for i in people.index[talking] for j in adj.indices[adj.indptr[i]:adj.indptr[i + 1]]}
print(f"week {market.week}: {int(talking.sum())} people talk about the brand, {len(reached)} hear them")
display(Image(png(funnel_figure(market))))

# %% [markdown]
# ## 3. Two plans, side by side
#
# Now from watching one market to deciding between plans. `PlanComparer` runs
# two plans on the same markets (same seeds) and shows the planner's KPI cards
# for both: the mean, the range of 90% of the runs, and under plan B its
# difference from plan A with a 90% confidence interval. Plan B starts with
# 1,500 a week moved from ads to people; move the sliders and watch the cards.

# %%
baseline = load_scenario(BASELINE)
small = baseline.with_overrides({"market.population": 2_000, "market.weeks": 52,
                                 "service.weekly_spend": baseline["service.weekly_spend"] * 0.2})
plans = PlanComparer(small, plan_b={"advertising.weekly_spend": 2_500.0, "service.weekly_spend": 700.0},
                     replications=8, seed=SEED)
plans

# %% [markdown]
# The numbers behind the cards are a table (one row per plan), ready for
# your own analysis:

# %%
plans.kpis.round(1)

# %% [markdown]
# ## 4. Explore word-of-mouth
#
# `MarketExplorer` is one market with sliders: its money and its
# word-of-mouth. Every release reruns it and redraws the funnel. Set the
# detractor talk to 5: how many customers does bad news cost? Then set the
# awareness effect to 0: how much of the growth was word-of-mouth?

# %%
explorer = MarketExplorer(small, replications=4, seed=SEED)
explorer

# %% [markdown]
# The explorer keeps what it shows: `explorer.results` are the runs behind
# the picture, `explorer.figure` the funnel. Here it is for the default levers:

# %%
explorer.figure

# %% [markdown]
# ## Exercises
#
# 1. **Word-of-mouth alone.** Build `LiveMarket(ad_budget=0, rng=SEED)` and
#    step it 52 weeks. How many people became aware? Compare with the default
#    ad budget (same seed).
# 2. **A slider in code.** Set the `MarketExplorer`'s
#    `"wom.detractor_talk"` slider to 4 from code
#    (`explorer.sliders["wom.detractor_talk"].value = 4`) and read the
#    customers won from `explorer.results.summary()`. How many fewer than with
#    the default 1.5?
# 3. **Where do the two plans tie?** With `PlanComparer`, find the ad budget
#    of plan B at which it wins as many customers as plan A.
#
# The solutions are below, folded (click the `...` to open a cell).

# %% [markdown]
# ## Solutions

# %% jupyter={"source_hidden": true}
# Solution to exercise 1: word-of-mouth alone.
def aware_after(weeks: int, **levers) -> int:
    m = LiveMarket(rng=SEED, **levers)
    for _ in range(weeks):
        m.step()
    return int((m.people()["stage"] > 0).sum())


print("ever aware after a year, no ads:", aware_after(52, ad_budget=0))
print("ever aware after a year, default ads:", aware_after(52))
# Without ads only the nine first customers' contacts can hear of the brand:
# word-of-mouth needs a seed, and ads provide it.

# %% jupyter={"source_hidden": true}
# Solution to exercise 2: a slider in code.
default_customers = explorer.results.summary()["customers"].mean()
explorer.sliders["wom.detractor_talk"].value = 4.0
loud_customers = explorer.results.summary()["customers"].mean()
print(f"customers won: {default_customers:,.0f} at the default, {loud_customers:,.0f} with loud detractors")
# Few customers are detractors in this well-served market, so even loud ones cost little here;
# starve the service desk first (the staff slider) and try again.
explorer.sliders["wom.detractor_talk"].value = 1.5

# %% jupyter={"source_hidden": true}
# Solution to exercise 3: where do the two plans tie?
for ads in (2_500.0, 3_000.0, 3_500.0, 4_000.0):
    plans.plans["Plan B"]["advertising.weekly_spend"].value = ads
    print(f"plan B ads {ads:,.0f}: customers A {plans.kpis.loc['Plan A', 'customers']:,.0f}, "
          f"B {plans.kpis.loc['Plan B', 'customers']:,.0f}")
# Plan B needs about plan A's ad budget to win as many customers within this
# one year: the extra staff pay off in satisfaction and NPS, not (yet) in the
# number of customers won, which ads and word-of-mouth decide.
