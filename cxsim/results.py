"""Results of a simulation: time series, customers, KPIs, intervals, paired differences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from cxsim.behaviour import Source, Stage

KPIS = {
    "customers": "Customers ever won by the horizon (persons)",
    "active": "Active customers at the horizon (persons)",
    "revenue": "Revenue over the horizon (currency)",
    "profit": "Profit over the horizon: gross margin - ad - service - fixed (currency)",
    "npv": "Net present value of weekly profit (currency)",
    "nps": "Net Promoter Score at the horizon: a survey of active customers (-100..100)",
    "satisfaction": "Mean satisfaction of customers at the horizon (0-10)",
    "cac": "Acquisition cost: ad spend per new customer (currency)",
    "clv": "Customer lifetime value: discounted gross margin per customer won, within the horizon (currency)",
    "repeat_share": "Share of customers who bought again (fraction)",
    "wom_share": "Share of new customers won by word-of-mouth (fraction)",
}


def weekly_discount(annual_rate: float) -> float:
    """Weekly rate equivalent to an annual discount rate."""
    return (1.0 + annual_rate) ** (1.0 / 52.0) - 1.0


def kpis_from_timeseries(ts: pd.DataFrame, annual_rate: float) -> pd.DataFrame:
    """KPIs per replication from a tidy time series (rows: replication, step)."""
    ts = ts.sort_values(["replication", "step"])
    r = weekly_discount(annual_rate)
    factor = (1.0 + r) ** -ts["step"].to_numpy(dtype=float)
    ts = ts.assign(_npv=ts["profit"] * factor, _dgm=ts["gross_margin"] * factor)
    g = ts.groupby("replication", sort=True)
    last = g.tail(1).set_index("replication")
    total = g[["revenue", "profit", "ad_spend", "new_customers", "new_from_wom", "_npv", "_dgm"]].sum()
    out = pd.DataFrame(index=total.index)
    out["customers"] = last["ever_customers"]
    out["active"] = last["active"]
    out["revenue"] = total["revenue"]
    out["profit"] = total["profit"]
    out["npv"] = total["_npv"]
    out["nps"] = last["nps"]
    out["satisfaction"] = last["satisfaction_mean"]
    new = total["new_customers"].replace(0, np.nan)
    out["cac"] = total["ad_spend"] / new
    out["clv"] = total["_dgm"] / last["ever_customers"].replace(0, np.nan)
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
    """

    timeseries: pd.DataFrame
    customers: pd.DataFrame
    journeys: pd.DataFrame
    scenario_name: str
    discount_rate: float
    seed: int | None
    engine: str
    repeat_shares: pd.Series | None = None
    _summary: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def replications(self) -> int:
        """Number of replications."""
        return int(self.timeseries["replication"].nunique())

    def summary(self) -> pd.DataFrame:
        """One row per replication: the KPIs at the horizon."""
        if self._summary is None:
            out = kpis_from_timeseries(self.timeseries, self.discount_rate)
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
        satisfaction, nps (``cxsim.segments.SEGMENT_KPIS``). A market without
        segments is one segment, ``"all"``. ``cxsim.segments.segment_table`` gives
        the mean and range over replications.
        """
        from cxsim.segments import segment_kpis

        if self.customers.empty:
            raise ValueError("by_segment needs the customers: run simulate(..., keep_customers=True)")
        return segment_kpis(self.customers)

    def interval(self, kpi: str, level: float = 0.9) -> tuple[float, float, float]:
        """Mean of a KPI over replications and the central ``level`` range of its outcomes."""
        values = self.summary()[kpi].dropna().to_numpy()
        if values.size == 0:
            return (float("nan"),) * 3
        lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
        return float(values.mean()), float(lo), float(hi)


def paired_difference(a: Results, b: Results, kpi: str, level: float = 0.9) -> tuple[float, float, float]:
    """Mean of b - a over replications paired by seed, with a t confidence interval of that mean."""
    sa = a.summary().set_index("replication")[kpi]
    sb = b.summary().set_index("replication")[kpi]
    diff = (sb - sa).dropna().to_numpy()
    if diff.size == 0:
        return (float("nan"),) * 3
    mean = float(diff.mean())
    if diff.size < 2:
        return mean, float("nan"), float("nan")
    half = stats.t.ppf((1 + level) / 2, diff.size - 1) * diff.std(ddof=1) / np.sqrt(diff.size)
    return mean, float(mean - half), float(mean + half)


def repeat_share(pop) -> float:
    """Share of the customers ever won who bought again (NaN when nobody was won)."""
    won = pop.first_purchase_step >= 0
    return float((pop.repeat_purchases[won] > 0).mean()) if won.any() else float("nan")


def customers_frame(replication: int, pop, segments: Sequence[str] = ("all",),
                    channels: Sequence[str] = (), members: bool = False) -> pd.DataFrame:
    """Final state of every customer as a table.

    Args:
        replication: the replication number.
        pop: the customers' state (``cxsim.model.Population``).
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
