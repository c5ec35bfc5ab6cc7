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
# # 1. The customer journey, one agent at a time
#
# cxsim asks a strategist's question: *should the next dollar go to service
# (people) or to advertising?* Ads bring people in the door; service decides
# whether they come back and what they tell others. To see how those two pull
# on each other, cxsim simulates a market of people, each moving along a
# journey:
#
# ```
# unaware ──► aware ──► customer (bought once) ──► repeat customer
#    ▲          │                │                        │
#    └─ forgets ┘                └──────► lapsed ◄─────────┘
#                                          │ (can be won back)
# ```
#
# In this lesson you will
#
# 1. build a small market with the **agents engine**, where every person is a
#    Python object (a [Mesa](https://mesa.readthedocs.io) agent),
# 2. step it week by week and watch the counts move,
# 3. read `Customer.step()`: the whole journey, one method per stage,
# 4. follow one customer's journey, and
# 5. watch the funnel fill, and check the agents engine against the fast engine,
# 6. move the levers with sliders and watch the market respond.
#
# Everything runs in seconds. Change any number and run again.

# %%
import inspect
from collections import Counter
from pathlib import Path

import pandas as pd
from IPython.display import Code

from cxsim import load_scenario, simulate
from cxsim.model import behaviour
from cxsim.model.agents import AgentsModel, Customer
from cxsim.model.behaviour import Source
from cxsim.model.mechanisms.queueing import agents_from_spend
from cxsim.report.figures import funnel_figure, journey_figure, keep_figures_in_exports, satisfaction_figure
from cxsim.views.widgets import MarketExplorer

keep_figures_in_exports()  # every figure also survives `jupyter nbconvert --to html`

ROOT = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "scenarios").is_dir())
SEED = 42

# %% [markdown]
# ## 1. A scenario: the market and the money
#
# A **scenario** is a TOML file of validated parameters. `baseline.toml` is a
# brand in a market of 10,000 people that spends 4,000 a week on ads and 2,000
# a week on service staff, over two years. Every key has a documented default
# (`cxsim schema` lists them).

# %%
baseline = load_scenario(ROOT / "scenarios" / "baseline.toml")
for key in ["market.population", "market.weeks", "advertising.weekly_spend", "service.weekly_spend",
            "service.model", "service.cost_per_agent_hour", "service.handle_minutes", "network.kind",
            "network.mean_degree"]:
    print(f"{key:28s} {baseline[key]}")

# %% [markdown]
# Python objects are slow compared with arrays, so for this lesson we shrink the
# market to 2,000 people and one year. One subtlety: advertising acts as a
# *probability* (the weekly chance that an unaware person notices the brand), so
# it does not depend on the market's size; service is a *head count*. The staff
# budget buys agents on duty (`weekly_spend / cost_per_agent_hour x (1 - shrinkage)
# / open_hours`), who answer the week's service contacts as a contact-centre
# queue (`service.model = "queue"`, the default): each contact takes
# `handle_minutes`, waits grow as the agents fill up, and contacts not answered
# wait into next week. To keep the staff about as busy as in the full market we
# shrink their budget in proportion (a small queue pools fewer agents, so its
# waits are a little longer at the same load).

# %%
POPULATION = 2_000
scale = POPULATION / baseline["market.population"]
scenario = baseline.with_overrides({
    "market.population": POPULATION,
    "market.weeks": 52,
    "service.weekly_spend": baseline["service.weekly_spend"] * scale,
})
agents = agents_from_spend(scenario["service.weekly_spend"], scenario["service.cost_per_agent_hour"],
                           scenario["service.open_hours"], scenario["service.shrinkage"])
most = agents * scenario["service.open_hours"] * 60 / scenario["service.handle_minutes"]
print(f"agents on duty: {agents:.2f}, who can answer at most {most:.0f} contacts a week")

# %% [markdown]
# `with_overrides` validates like the file does: try
# `scenario.with_overrides({"market.population": -5})` and read the error.
#
# ## 2. Build the model and meet the customers
#
# `AgentsModel` is a Mesa model with one `Customer` agent per person. `rng`
# is the seed (same seed, same market, same story: every decision a person
# makes takes its random number from the seed, the week, the decision and the
# person's number), and `trace` lists customer ids whose journey is recorded
# week by week.

# %%
TRACE = list(range(40))
model = AgentsModel(scenario, rng=SEED, trace=TRACE)

print(len(model.agents), "customers;", Counter(c.stage.name.lower() for c in model.agents))

# %% [markdown]
# At week 0, 1% of the market are customers already and everyone else is
# unaware. Each person also carries their own purchase habit, drawn once: a
# weekly purchase `rate` (Gamma distributed) and a `dropout` probability after
# each repeat purchase (Beta distributed). Those are the two ingredients of the
# BG/NBD model of repeat buying (Fader, Hardie & Lee 2005); in cxsim
# satisfaction then moves both.

# %%
pd.DataFrame([
    {"id": c.index, "stage": c.stage.name.lower(), "rate": c.rate, "dropout": c.dropout,
     "satisfaction": c.satisfaction, "expectation": c.expectation}
    for c in model.agents[:8]
]).round(3)

# %% [markdown]
# ## 3. Step it, week by week
#
# `model.step()` lives one week. First the market's conditions are set (ad
# pressure after adstock and saturation, service quality at last week's load),
# then every customer acts, in random order, then the week is counted into
# `model.timeseries()`. Row 0 is the state before the first week.

# %%
model.step()
week = model.week
print(f"week {model.steps}: ad reach {week.ad_reach:.3f} (weekly chance an unaware person notices the brand), "
      f"persuasion {week.ad_persuasion:.3f}, service quality {week.service_quality[0]:.2f}, "
      f"staff load {week.load[0]:.2f}")
model.timeseries()[["step", "unaware", "aware", "first_time", "repeat_customers", "lapsed",
                    "new_customers", "purchases"]]

# %% [markdown]
# Now the rest of the year. We print the stages every four weeks.

# %%
STAGES = ["unaware", "aware", "first_time", "repeat_customers", "lapsed"]
while model.running:
    model.step()
    if model.steps % 4 == 0:
        row = model.timeseries()[STAGES].iloc[-1]
        print(f"week {model.steps:2d}  " + "  ".join(f"{s} {row[s]:5d}" for s in STAGES))

# %% [markdown]
# ## 4. Read `Customer.step()`
#
# This is the model. Each week a customer first hears what their contacts
# say (positive and negative word-of-mouth per contact, from what their
# contacts said at the start of the week), then acts on where they are in the
# journey.

# %%
Code(inspect.getsource(Customer.step), language="python")

# %% [markdown]
# **Unaware people** notice the brand with probability `ad reach + q × (positive
# WOM heard per contact)`: the Bass (1969) hazard, with advertising as the
# innovation term `p` and word-of-mouth as the imitation term `q`. Whatever made
# them aware gets the credit (first touch), and an ad-exposed newcomer's
# *expectation* of quality is set by the ads (ads that overpromise raise it).

# %%
Code(inspect.getsource(Customer.notice_the_brand), language="python")

# %% [markdown]
# **Aware people** may forget the brand, or buy with probability
# `base rate + ad persuasion + positive WOM effect − negative WOM effect`.
#
# **Active customers** may be pushed away by negative word-of-mouth; otherwise
# they buy a Poisson number of times at their own rate and may drop out after a
# purchase (the BG/NBD process), both moved by satisfaction: a satisfied
# customer buys more often and is less likely to leave.
#
# You will meet lines for mechanisms this lesson leaves switched off (their
# scenario sections default to "off"): customer segments (`self.traits`), a
# loyalty programme, service channels, departments that deliver unevenly
# ("silos"). With them off, `self.traits` holds the scenario's own values and
# the `if ... > 0` branches are skipped.

# %%
Code(inspect.getsource(Customer.buy_again_or_leave), language="python")

# %% [markdown]
# **Every purchase** may need service. The experience blends product quality
# with the quality of the service received this week (which falls when the
# staff are overloaded),
# and is judged against the customer's expectation: the score is
# `10 × (quality + w × (quality − expectation))`, plus noise
# (expectation-disconfirmation). Satisfaction moves toward the score, the
# expectation toward what was experienced, and the customer's **voice** is set
# by their NPS class: promoters (9-10) talk the brand up, detractors (0-6) talk
# it down, passives (7-8) say little.

# %%
Code(inspect.getsource(Customer.buy), language="python")

# %% [markdown]
# The probabilities themselves live in `cxsim.model.behaviour`, as plain functions
# written once and used by both engines. For example the awareness hazard:

# %%
Code(inspect.getsource(behaviour.awareness_probability), language="python")

# %% [markdown]
# ## 5. One customer's journey
#
# The model recorded the traced customers every week. Let us pick the traced
# customer whose journey had the most events (stage changes plus purchases).

# %%
journeys = pd.DataFrame(model.journeys)
events = journeys.groupby("customer_id").agg(
    stage_changes=("stage", lambda s: int((s.diff().fillna(0) != 0).sum())),
    purchases=("purchases", "max"),
    service=("service_encounters", "max"),
)
events["events"] = events["stage_changes"] + events["purchases"]
chosen = int(events["events"].idxmax())
events.sort_values("events", ascending=False).head(5)

# %%
journey_figure(journeys[journeys["customer_id"] == chosen], title=f"The journey of customer {chosen}")

# %% [markdown]
# Read the figure from left to right: when did they become aware, when did
# they first buy, did a service encounter (or a noisy experience) pull their
# satisfaction below the promoter line at 8.5 (9-10 on the rounded scale)?
# Compare with the agent itself:

# %%
person = model.agents[chosen]
print(f"customer {chosen}: stage {person.stage.name.lower()}, won by {person.source.name.lower()}, "
      f"{person.purchases} purchases, {person.service_encounters} service encounters, "
      f"satisfaction {person.satisfaction:.1f}, first purchase in week {person.first_purchase_step}")

# %% [markdown]
# ## 6. Watch the funnel fill
#
# One run is one possible year. `cxsim.simulate` repeats the run with other
# dice per replication (replication `r` of seed `s` draws its market and every
# decision from keys of `(s, r)`), so the same call always gives the same numbers.
# First a check that `simulate` is nothing more than the loop we wrote:

# %%
by_hand = AgentsModel(scenario, rng=SEED).run()
one = simulate(scenario, replications=1, seed=SEED, engine="agents")
same = by_hand.timeseries().equals(one.timeseries.drop(columns="replication"))
print("simulate(...) reproduces the hand-stepped model:", same)
assert same

# %% [markdown]
# Now five replications with the agents engine, and the people by stage over
# time, averaged over the replications:

# %%
agents = simulate(scenario, replications=5, seed=SEED, engine="agents")
funnel_figure([agents], ["agents engine, 5 replications"])

# %% [markdown]
# Early on, ads do most of the work (the unaware band shrinks at a steady
# rate); as customers accumulate, word-of-mouth adds to it. The lapsed band
# grows as the BG/NBD dropout catches up with customers.
#
# The **fast engine** is the same model with customers as rows of numpy arrays
# (much faster; the docs' benchmarks page gives measured figures). Both engines draw every
# person's dice from the same counter-based stream, so for the same seed they agree customer by
# customer: compare the panels.

# %%
fast = simulate(scenario, replications=20, seed=SEED, engine="fast")
funnel_figure([agents, fast], ["agents engine (5 runs)", "fast engine (20 runs)"])

# %%
summary = pd.DataFrame({
    "agents": agents.summary()[["customers", "active", "nps", "satisfaction", "wom_share"]].mean(),
    "fast": fast.summary()[["customers", "active", "nps", "satisfaction", "wom_share"]].mean(),
})
summary.round(2)

# %% [markdown]
# ## 7. Move a slider
#
# Your turn to run the market. Each slider is a lever of the 2,000-person
# market above; release it and the market is simulated again (five runs, the
# same seed every time, so what changes comes from the lever, not from luck).
# Try a service desk of 100 a week, then no ads at all, then a much stronger
# word-of-mouth. Which slider moves the lapsed band? Which one the share won
# by word-of-mouth?

# %%
MarketExplorer(scenario, replications=5, seed=SEED)

# %% [markdown]
# ## Exercises
#
# 1. **Starve the service desk.** Cut `service.weekly_spend` to 100 a week
#    (a quarter of the staff above). Before you run it, predict what happens to
#    satisfaction, NPS and the lapsed count. Then run 20 replications with the
#    fast engine and draw `satisfaction_figure` and `funnel_figure` for both
#    scenarios.
# 2. **Who won whom?** Using `model.agents` (the agents of the year you
#    stepped), count the customers won by ads and by word-of-mouth (their
#    `source`, excluding the initial customers) and check your counts against
#    the weekly `new_from_ads` and `new_from_wom` columns of `model.timeseries()`.
# 3. **Overpromising.** With `behaviour.experience_score` (no noise), compute
#    the score of a purchase without service (quality 0.78) for a customer who
#    expected 0.70, and for one whose expectation ads raised by 0.10. Which NPS
#    class is each in? What does this say about ads that overpromise?
#
# The solutions are below, folded (click the `...` to open a cell).

# %% [markdown]
# ## Solutions

# %% jupyter={"source_hidden": true}
# Solution to exercise 1: starve the service desk.
starved = scenario.with_overrides({"service.weekly_spend": 100.0})
starved_results = simulate(starved, replications=20, seed=SEED)
print(f"starved staff load in the last week: {starved_results.timeseries.query('step == 52')['service_load'].mean():.1f}"
      " (offered load per agent: above 1 the queue cannot keep up)")
display(satisfaction_figure([fast, starved_results], ["baseline staff", "starved staff"]))  # noqa: F821
funnel_figure([fast, starved_results], ["baseline staff", "starved staff"])
# Overloaded staff give worse service, experiences fall short of expectations,
# satisfaction and NPS drop, dropout rises (more lapsed) and detractors talk the
# brand down, which also slows the winning of new customers.

# %% jupyter={"source_hidden": true}
# Solution to exercise 2: who won whom.
won = Counter(c.source for c in model.agents if c.first_purchase_step > 0)
rows = model.timeseries()
print(f"won by ads: {won[Source.ADS]} agents, {rows['new_from_ads'].sum()} in the rows")
print(f"won by WOM: {won[Source.WOM]} agents, {rows['new_from_wom'].sum()} in the rows")
assert won[Source.ADS] == rows["new_from_ads"].sum() and won[Source.WOM] == rows["new_from_wom"].sum()
# A customer keeps the credit of whatever made them aware (first touch), so the
# counts match exactly. Stage.CUSTOMER, Stage.REPEAT and Stage.LAPSED people all
# count: lapsing does not undo the win.
print("stages of those won:", Counter(c.stage.name.lower() for c in model.agents if c.first_purchase_step > 0))

# %% jupyter={"source_hidden": true}
# Solution to exercise 3: overpromising.
from cxsim.model.behaviour import nps_class  # noqa: E402

w = scenario["satisfaction.disconfirmation_weight"]
for expected in (0.70, 0.80):
    score = behaviour.experience_score(0.78, expected, w, 0.0, 0.0)  # no mood noise, no penalty
    label = {1: "promoter", 0: "passive", -1: "detractor"}[nps_class(float(score))]
    print(f"expected {expected:.2f}: score {score:.1f} -> {label}")
# The same product scores 8.6 (a promoter) against a fair expectation and 7.6
# (a passive) against an inflated one: overpromising ads win attention now and
# turn would-be promoters into passives later, which costs word-of-mouth.
