"""Results of a simulation: time series, customers, KPIs, intervals, paired differences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxsim.model.behaviour import Source, Stage
from cxsim.model.value import weekly_discount
from cxsim.scenario.schema import AUTOMATIC_PEOPLE, simulated_people

THIN_PEOPLE = 30
"""A result carried by fewer simulated people than this, on average, is flagged at a scale above 1."""
THIN_CONTACTS = 300
"""A queue whose weekly contacts rest on fewer simulated contacts than this is flagged at a scale above 1: its
demand varies from week to week ``scale`` times as much as the real market's. The engine levels the lumps to
second order (:func:`cxsim.model.mechanisms.scaled_queue.week_of_service_at_scale`; left alone they would cost about
1% of service level at 20 x 100 simulated contacts a week, 6 agents, 85% within 20 s; tests/test_scale.py), but
a week's figures keep their noise and a busy queue's mean wait is only roughly levelled."""


def scale_note(scale: float, population: int | None, scale_set: bool = True) -> str:
    """The scale in words for every surface that shows real-size numbers ("" at scale 1).

    Args:
        scale: real people each simulated person stands for.
        population: the real market's size.
        scale_set: whether the scenario set it (False: chosen automatically).
    """
    if scale == 1:
        return ""
    size = "" if population is None else (f": {simulated_people(population, scale):,} of {population:,} people "
                                          "simulated")
    how = ("as market.scale sets" if scale_set else
           f"scale chosen automatically to simulate at most {AUTOMATIC_PEOPLE:,} people; market.scale = 1 "
           "simulates every person")
    return (f"at scale {scale:,g} (each simulated person stands for {scale:,g} real people){size}; {how}. Counts "
            f"and money are at the real size; run-to-run ranges include the noise of simulating 1 in {scale:,g}")


def scale_notes(scenarios) -> list[str]:
    """What a reader of real-size numbers must know of each scenario's scale, as sentences (none at scale 1).

    One sentence when every scenario shares its scale; else one per scale, naming the scenarios at it.
    """
    notes: dict[str, list[str]] = {}
    for s in scenarios:
        note = scale_note(s.scale, s.population, s.config.market.scale is not None)
        if note:
            notes.setdefault(note, []).append(s.name)
    if len(notes) == 1 and len(next(iter(notes.values()))) == len(scenarios):
        return [f"Simulated {next(iter(notes))}."]
    return [f"{', '.join(names)}: simulated {note}." for note, names in notes.items()]


def thin_warnings(results, labels) -> list[str]:
    """Every result's :meth:`SimulationResult.thin_results` as warnings, each named by its plan where there are
    several (none at scale 1)."""
    several = len(labels) > 1
    return [f"{label}: {w}" if several else w for res, label in zip(results, labels, strict=True)
            for w in res.thin_results()]

KPIS = {
    "customers": "Customers ever won by the horizon (persons)",
    "active": "Active customers at the horizon (persons)",
    "revenue": "Revenue over the horizon (currency)",
    "profit": "Profit over the horizon: gross margin - ad - service - fixed (currency)",
    "npv": "Net present value of weekly profit within the horizon (currency)",
    "terminal_value": ("Value after the horizon, the plan continued: the run-out's weekly profit (margins less "
                       "every spend and cost) and then its steady weekly profit as a perpetuity, discounted to "
                       "today (currency)"),
    "value": "NPV + terminal value: the plan's worth with its spends continued after the horizon (currency)",
    "customer_equity": ("Customer equity at the horizon, not part of value: each customer active at the horizon "
                        "times their expected discounted purchases (BG/NBD DERT at their final rate and dropout) "
                        "times the margin of a purchase, with no spend after the horizon, discounted to today "
                        "(currency)"),
    "nps": "Net Promoter Score at the horizon: a survey of active customers (-100..100)",
    "satisfaction": "Mean satisfaction of customers at the horizon (0-10)",
    "cac": "Acquisition cost: ad spend per new customer (currency)",
    "cac_all": "Acquisition cost counting service: ad + service spend per new customer (currency)",
    "clv": "Customer lifetime value: discounted gross margin per customer won, within the horizon (currency)",
    "clv_net": ("Customer lifetime value net of service cost: discounted gross margin - discounted service "
                "spend within the horizon + customer equity, per customer won (currency)"),
    "repeat_share": "Share of customers who bought again (fraction)",
    "wom_share": "Share of new customers won by word-of-mouth (fraction)",
}


def kpis_from_timeseries(ts: pd.DataFrame, annual_rate: float, terminal: pd.Series | None = None,
                         equity: pd.Series | None = None) -> pd.DataFrame:
    """KPIs per replication from a tidy time series (rows: replication, step).

    Args:
        ts: the time series.
        annual_rate: the discount rate.
        terminal: each replication's value after the horizon, the plan continued, in money at the horizon
            (``cxsim.model.value``); none: the terminal value and ``value`` are NaN.
        equity: each replication's customer equity in money at the horizon (``cxsim.model.terminal``).
    """
    ts = ts.sort_values(["replication", "step"])
    r = weekly_discount(annual_rate)
    factor = (1.0 + r) ** -ts["step"].to_numpy(dtype=float)
    ts = ts.assign(_npv=ts["profit"] * factor, _dgm=ts["gross_margin"] * factor,
                   _dservice=ts["service_spend"] * factor)
    g = ts.groupby("replication", sort=True)
    last = g.tail(1).set_index("replication")
    total = g[["revenue", "profit", "ad_spend", "service_spend", "new_customers", "new_from_wom", "_npv", "_dgm",
               "_dservice"]].sum()
    out = pd.DataFrame(index=total.index)
    out["customers"] = last["ever_customers"]
    out["active"] = last["active"]
    out["revenue"] = total["revenue"]
    out["profit"] = total["profit"]
    out["npv"] = total["_npv"]
    horizon = (1.0 + r) ** -last["step"].astype(float)
    terminal_value = (terminal.reindex(out.index) if terminal is not None
                      else pd.Series(np.nan, index=out.index)) * horizon
    out["terminal_value"] = terminal_value
    out["value"] = out["npv"] + terminal_value
    customer_equity = (equity.reindex(out.index) if equity is not None
                       else pd.Series(np.nan, index=out.index)) * horizon
    out["customer_equity"] = customer_equity
    out["nps"] = last["nps"]
    out["satisfaction"] = last["satisfaction_mean"]
    new = total["new_customers"].replace(0, np.nan)
    won = last["ever_customers"].replace(0, np.nan)
    out["cac"] = total["ad_spend"] / new
    out["cac_all"] = (total["ad_spend"] + total["service_spend"]) / new
    out["clv"] = total["_dgm"] / won
    out["clv_net"] = (total["_dgm"] - total["_dservice"] + customer_equity) / won
    out["wom_share"] = total["new_from_wom"] / new
    return out


@dataclass
class Results:
    """What ``simulate`` returns for one scenario.

    Attributes:
        timeseries: tidy per-week metrics: replication, step, metric columns.
        customers: one row per customer per replication (final state).
        journeys: week-by-week state of traced customers (empty unless asked).
        scenario_name: label of the scenario (variant name or scenario name).
        discount_rate: annual rate used for NPV and CLV.
        seed: the seed the replications were drawn from.
        engine: which engine ran.
        repeat_shares: share of customers who bought again, by replication (kept even
            when the customers are not).
        terminal_values: value after the horizon by replication, the plan continued, in money at the
            horizon (``cxsim.model.value.value_after``).
        customer_equity: the customers active at the horizon valued at their expected margin, by
            replication, in money at the horizon (``cxsim.model.terminal.future_values`` summed).
        steady: by replication, whether the run-out's weekly cash flow settled.
        weeks: the horizon.
        scale: real people each simulated person stands for (``market.scale``): the time series, the KPIs
            and ``by_segment`` are at the real size; ``customers`` holds the simulated people, one row each.
        population: the real market's size (``market.population``).
        scale_set: whether the scenario set the scale (False: it was chosen automatically).
    """

    timeseries: pd.DataFrame
    customers: pd.DataFrame
    journeys: pd.DataFrame
    scenario_name: str
    discount_rate: float
    seed: int | None
    engine: str
    repeat_shares: pd.Series | None = None
    terminal_values: pd.Series | None = None
    customer_equity: pd.Series | None = None
    steady: pd.Series | None = None
    weeks: int | None = None
    scale: float = 1.0
    population: int | None = None
    scale_set: bool = True
    _summary: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def replications(self) -> int:
        """Number of replications."""
        return int(self.timeseries["replication"].nunique())

    def summary(self) -> pd.DataFrame:
        """One row per replication: the KPIs at the horizon."""
        if self._summary is None:
            out = kpis_from_timeseries(self.timeseries, self.discount_rate, self.terminal_values, self.customer_equity)
            if self.repeat_shares is not None:
                out["repeat_share"] = self.repeat_shares
            elif not self.customers.empty:
                c = self.customers
                won = c[c["first_purchase_step"].notna()]
                out["repeat_share"] = won.groupby("replication")["repeat_purchases"].apply(lambda x: (x > 0).mean())
            else:
                out["repeat_share"] = np.nan
            self._summary = out.reset_index()
        return self._summary.copy()

    def by_segment(self) -> pd.DataFrame:
        """KPIs of every segment in every replication (needs the customers: ``keep_customers=True``).

        One row per replication and segment: people, customers, conversion, active,
        repeat_share, purchases_per_customer, revenue, revenue_per_customer,
        satisfaction, nps (``cxsim.model.segments.SEGMENT_KPIS``). A market without
        segments is one segment, ``"all"``. ``cxsim.model.segments.segment_table`` gives
        the mean and range over replications.
        """
        from cxsim.model.segments import segment_kpis

        if self.customers.empty:
            raise ValueError("by_segment needs the customers: run simulate(..., keep_customers=True)")
        return segment_kpis(self.customers, self.scale)

    @property
    def simulated_population(self) -> int | None:
        """People simulated per replication (the real population over the scale)."""
        return None if self.population is None else simulated_people(self.population, self.scale)

    def scale_note(self) -> str:
        """What a reader of real-size numbers must know of the scale ("" when every person was simulated)."""
        return scale_note(self.scale, self.population, self.scale_set)

    def thin_results(self, minimum: int = THIN_PEOPLE) -> list[str]:
        """Results carried by fewer than ``minimum`` simulated people on average, in words (none at scale 1).

        At scale k each simulated person's events count k times, so a result resting on few simulated people
        carries Monte Carlo noise the real market would not: a segment's customers, a channel's weekly contacts,
        a week's new customers, the customers won.
        """
        if self.scale == 1 or self.timeseries.empty:
            return []
        k, ts, out = self.scale, self.timeseries, []
        weeks = ts[ts["step"] > 0]

        def check(what: str, real: float) -> None:
            carried = real / k
            if np.isfinite(carried) and carried < minimum:
                out.append(f"{what} rest on about {carried:,.1f} simulated people (each stands for {k:,g}): "
                           f"noisier than the real market; set a smaller market.scale")

        last = ts.groupby("replication")["ever_customers"].last()
        check("the customers won", float(last.mean()))
        if not weeks.empty:
            check("a week's new customers", float(weeks["new_customers"].mean()))
            for column in [c for c in ts.columns if c.startswith("encounters_")]:
                check(f"a week's contacts in the {column.removeprefix('encounters_')} channel",
                      float(weeks[column].mean()))
            for column in [c for c in ts.columns if c == "contacts" or c.startswith("contacts_")]:
                carried = float(weeks[column].mean()) / k
                if np.isfinite(carried) and carried < THIN_CONTACTS:
                    where = "the service queue" if column == "contacts" else f"the {column[9:]} queue"
                    out.append(f"{where}'s weekly contacts rest on about {carried:,.0f} simulated contacts: its "
                               f"demand varies {k:,g} times as much as the real market's; the means are levelled "
                               "for it, but each week's service level and wait are noisier, and a busy queue's "
                               "mean wait is only roughly right; set a smaller market.scale for the queue's figures")
        if not self.customers.empty and "segment" in self.customers and self.customers["segment"].nunique() > 1:
            seg = self.by_segment().groupby("segment", observed=True)["customers"].mean()
            for name, real in seg.items():
                check(f"the {name} segment's customers", float(real))
        return out

    def interval(self, kpi: str, level: float = 0.9) -> tuple[float, float, float]:
        """Mean of a KPI over replications and the central ``level`` range of its outcomes."""
        values = self.summary()[kpi].dropna().to_numpy()
        if values.size == 0:
            return (float("nan"),) * 3
        lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
        return float(values.mean()), float(lo), float(hi)


def clv_by_cohort(res: Results, gross_margin: float, width: int = 26) -> pd.DataFrame:
    """Customer lifetime value by cohort (week of first purchase), net of service cost, with value beyond the horizon.

    Needs the customers (``simulate(..., keep_customers=True)``). Per customer won, mean over
    runs: ``margin`` (gross margin of their purchases within the horizon), ``service_cost``
    (their service encounters at their run's service spend per encounter), ``future_value``
    (expected discounted margin after the horizon, ``cxsim.model.terminal``) and ``clv_net`` =
    margin - service cost + future value; ``customers`` is at the real size (``market.scale``). Money within the
    horizon is undiscounted; the
    future value is in money at the horizon. Without the future value, late cohorts look
    worthless only because the horizon cuts them short.

    Args:
        res: the results.
        gross_margin: the scenario's gross margin (fraction of revenue).
        width: weeks per cohort.
    """
    if res.customers.empty or "future_value" not in res.customers:
        raise ValueError("clv_by_cohort needs the customers: run simulate(..., keep_customers=True)")
    c = res.customers[res.customers["first_purchase_step"].notna()].copy()
    g = res.timeseries.groupby("replication")[["service_spend", "service_encounters"]].sum()
    per_encounter = (g["service_spend"] / g["service_encounters"].replace(0, np.nan)).fillna(0.0)
    first = c["first_purchase_step"].astype(int)
    start = (first // width) * width
    horizon = int(res.timeseries["step"].max())
    c["cohort"] = [f"weeks {a}-{min(a + width - 1, horizon)}" for a in start]
    c["_start"] = start
    c["margin"] = c["revenue"] * gross_margin
    c["service_cost"] = c["service_encounters"] * c["replication"].map(per_encounter).to_numpy()
    c["clv_net"] = c["margin"] - c["service_cost"] + c["future_value"]
    per_run = c.groupby(["_start", "cohort", "replication"], observed=True).agg(
        customers=("customer_id", "size"), margin=("margin", "mean"), service_cost=("service_cost", "mean"),
        future_value=("future_value", "mean"), clv_net=("clv_net", "mean"))
    out = per_run.groupby(level=["_start", "cohort"]).mean().reset_index(level="_start", drop=True).reset_index()
    if res.scale != 1:  # each simulated customer stands for ``scale`` real ones
        out["customers"] = out["customers"] * res.scale
    return out[["cohort", "customers", "margin", "service_cost", "future_value", "clv_net"]]


def repeat_share(pop) -> float:
    """Share of the customers ever won who bought again (NaN when nobody was won)."""
    won = pop.first_purchase_step >= 0
    return float((pop.repeat_purchases[won] > 0).mean()) if won.any() else float("nan")


def customers_frame(replication: int, pop, segments: Sequence[str] = ("all",),
                    channels: Sequence[str] = (), members: bool = False) -> pd.DataFrame:
    """Final state of every customer as a table.

    Args:
        replication: the replication number.
        pop: the customers' state (``cxsim.model.journey.Population``).
        segments: segment names by code: a ``segment`` column.
        channels: channel names by code: a ``channel`` column (the preferred channel) when there are channels.
        members: add a ``member`` column (loyalty programme).
    """
    first = pd.array(pop.first_purchase_step, dtype="Int64")
    first[pop.first_purchase_step < 0] = pd.NA
    stage_names = np.array([s.name.lower() for s in Stage])
    source_names = np.array([s.name.lower() for s in Source])
    extra = {"segment": pd.Categorical.from_codes(pop.segment.astype(np.int64), categories=list(segments))}
    if channels:
        extra["channel"] = pd.Categorical.from_codes(pop.channel.astype(np.int64), categories=list(channels))
    if members:
        extra["member"] = pop.member
    return pd.DataFrame({
        "replication": replication,
        "customer_id": np.arange(pop.stage.size),
        "stage": pd.Categorical(stage_names[pop.stage], categories=stage_names),
        "source": pd.Categorical(source_names[pop.source], categories=source_names),
        "first_purchase_step": first,
        "purchases": pop.purchases,
        "repeat_purchases": pop.repeat_purchases,
        "service_encounters": pop.service_encounters,
        "revenue": pop.revenue,
        "satisfaction": pop.satisfaction,
        **extra,
    })
