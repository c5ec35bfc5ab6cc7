"""Segments (personas): named parts of the market with their own behaviour, and results broken down by them.

A scenario without ``[segments.<name>]`` tables is one segment, ``"all"``,
whose traits are the scenario's own values; both engines then read plain
floats, as before segments existed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from cxsim.model.behaviour import DETRACTOR_CUTOFF, PROMOTER_CUTOFF
from cxsim.scenario import ScenarioConfig

WHOLE_MARKET = "all"


@dataclass(frozen=True)
class Traits:
    """The behaviour parameters of one segment (the scenario's values where the segment sets none)."""

    base_rate: float
    ad_response: float
    wom_response: float
    rate_shape: float
    rate_scale: float
    dropout_a: float
    dropout_b: float
    rate_sensitivity: float
    dropout_sensitivity: float
    need_probability: float
    expectation_prior: float
    initial_satisfaction: float
    basket: float


TRAITS = tuple(f.name for f in fields(Traits))


def _market_traits(cfg: ScenarioConfig) -> dict[str, float]:
    rep = cfg.repeat
    return {
        "base_rate": cfg.purchase.base_rate, "ad_response": 1.0, "wom_response": 1.0,
        "rate_shape": rep.rate_shape, "rate_scale": rep.rate_scale, "dropout_a": rep.dropout_a,
        "dropout_b": rep.dropout_b, "rate_sensitivity": rep.rate_sensitivity,
        "dropout_sensitivity": rep.dropout_sensitivity, "need_probability": cfg.service.need_probability,
        "expectation_prior": cfg.satisfaction.expectation_prior, "initial_satisfaction": cfg.satisfaction.initial,
        "basket": 1.0,
    }


def segment_names(cfg: ScenarioConfig) -> list[str]:
    """Segment names in file order (``["all"]`` without segments)."""
    return list(cfg.segments) or [WHOLE_MARKET]


def segment_traits(cfg: ScenarioConfig) -> list[Traits]:
    """Each segment's traits, in the order of ``segment_names``."""
    market = _market_traits(cfg)
    if not cfg.segments:
        return [Traits(**market)]
    out = []
    for seg in cfg.segments.values():
        own = {k: getattr(seg, k) for k in TRAITS}
        out.append(Traits(**{k: market[k] if own[k] is None else float(own[k]) for k in TRAITS}))
    return out


class TraitTable:
    """Traits by segment code, looked up for many customers at once (the fast engine).

    With one segment a lookup is the plain float, so a market without segments
    computes exactly what it did before segments existed.
    """

    def __init__(self, traits: list[Traits]) -> None:
        self.single = len(traits) == 1
        self.values = {k: np.array([getattr(t, k) for t in traits], dtype=float) for k in TRAITS}

    def of(self, name: str, segment: np.ndarray) -> float | np.ndarray:
        """Trait ``name`` of the customers whose segment codes are ``segment``."""
        values = self.values[name]
        return float(values[0]) if self.single else values[segment]

    def varies(self, name: str) -> bool:
        """Whether segments differ in this trait."""
        values = self.values[name]
        return bool(np.any(values != values[0]))


def segment_sizes(shares: list[float], n: int) -> np.ndarray:
    """People per segment: shares of ``n`` rounded so they add up to ``n`` (largest remainders)."""
    exact = np.asarray(shares, dtype=float) * n
    sizes = np.floor(exact).astype(np.int64)
    short = n - int(sizes.sum())
    sizes[np.argsort(-(exact - sizes), kind="stable")[:short]] += 1
    return sizes


def assign_segments(cfg: ScenarioConfig, rng: np.random.Generator, replications: int = 1) -> np.ndarray:
    """Segment code of every person: exact segment sizes, people placed at random (no draw without segments)."""
    n = cfg.market.simulated_population
    if not cfg.segments:
        return np.zeros(n * replications, dtype=np.int8)
    codes = np.repeat(np.arange(len(cfg.segments), dtype=np.int8),
                      segment_sizes([s.share for s in cfg.segments.values()], n))
    return np.concatenate([codes[rng.permutation(n)] for _ in range(replications)])


def channel_preferences(cfg: ScenarioConfig) -> np.ndarray:
    """Share preferring each channel, by segment: shape (segments, channels)."""
    market = [c.preference for c in cfg.channels.values()]
    segments = cfg.segments.values() or [None]
    return np.array([[s.channel_preference.get(c, 0.0) for c in cfg.channels] if s and s.channel_preference
                     else market for s in segments], dtype=float)


def assign_channels(cfg: ScenarioConfig, rng: np.random.Generator, segment: np.ndarray) -> np.ndarray:
    """Preferred channel of every person, drawn from their segment's preferences (no draw without channels)."""
    if not cfg.channels:
        return np.zeros(segment.size, dtype=np.int8)
    cumulative = np.cumsum(channel_preferences(cfg), axis=1)
    cumulative[:, -1] = np.inf  # shares summing to 1 within rounding still place everyone
    u = rng.random(segment.size)
    chosen = (u[:, None] >= cumulative[segment]).sum(axis=1)
    return chosen.astype(np.int8)


# --- results by segment -----------------------------------------------------------------------

SEGMENT_KPIS = {
    "people": "People in the segment (persons)",
    "customers": "Customers ever won (persons)",
    "conversion": "Share of the segment ever won (fraction)",
    "active": "Active customers at the horizon (persons)",
    "repeat_share": "Share of customers who bought again (fraction)",
    "purchases_per_customer": "Purchases per customer won",
    "revenue": "Revenue over the horizon (currency)",
    "revenue_per_customer": "Revenue per customer won (currency)",
    "satisfaction": "Mean satisfaction of customers at the horizon (0-10)",
    "nps": "Net Promoter Score of customers at the horizon (-100..100)",
}


def segment_kpis(customers: pd.DataFrame, scale: float = 1.0) -> pd.DataFrame:
    """KPIs of every segment in every replication, from the customers table (one row per replication x segment).

    Args:
        scale: real people each row stands for (``market.scale``): people, customers, active and revenue are
            counted at the real size.
    """
    c = customers
    segment = c["segment"] if "segment" in c else pd.Series(WHOLE_MARKET, index=c.index)
    won = c["first_purchase_step"].notna()
    active = c["stage"].isin(["customer", "repeat"])
    sat = c["satisfaction"].where(won)
    frame = pd.DataFrame({
        "replication": c["replication"], "segment": segment,
        "people": 1, "customers": won.astype(int), "active": active.astype(int),
        "repeaters": (won & (c["repeat_purchases"] > 0)).astype(int),
        "purchases": c["purchases"], "revenue": c["revenue"], "sat_sum": sat.fillna(0.0),
        "promoters": (won & (sat >= PROMOTER_CUTOFF)).astype(int),
        "detractors": (won & (sat < DETRACTOR_CUTOFF)).astype(int),
    })
    g = frame.groupby(["replication", "segment"], observed=True, sort=True).sum()
    won_n = g["customers"].replace(0, np.nan)
    out = pd.DataFrame({
        "people": g["people"], "customers": g["customers"], "conversion": g["customers"] / g["people"],
        "active": g["active"], "repeat_share": g["repeaters"] / won_n,
        "purchases_per_customer": g["purchases"] / won_n, "revenue": g["revenue"],
        "revenue_per_customer": g["revenue"] / won_n, "satisfaction": g["sat_sum"] / won_n,
        "nps": 100.0 * (g["promoters"] - g["detractors"]) / won_n,
    })
    if scale != 1:
        out[["people", "customers", "active", "revenue"]] = out[["people", "customers", "active", "revenue"]] * scale
    return out.reset_index()


def segment_table(by_segment: pd.DataFrame, level: float = 0.9) -> pd.DataFrame:
    """Mean over replications of every segment KPI, with the central ``level`` range of the runs.

    Args:
        by_segment: the output of :func:`segment_kpis` (``Results.by_segment()``).

    Returns:
        One row per segment and KPI: segment, kpi, mean, lo, hi.
    """
    long = by_segment.melt(id_vars=["replication", "segment"], var_name="kpi", value_name="value")
    q = ((1 - level) / 2, (1 + level) / 2)
    g = long.groupby(["segment", "kpi"], sort=False)["value"]
    table = pd.DataFrame({"mean": g.mean(), "lo": g.quantile(q[0]), "hi": g.quantile(q[1])}).reset_index()
    order = {k: i for i, k in enumerate(SEGMENT_KPIS)}
    return table.sort_values(["segment", "kpi"], key=lambda s: s.map(order) if s.name == "kpi" else s,
                             kind="stable", ignore_index=True)
