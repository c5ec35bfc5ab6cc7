"""Validation figures for the README: the Bass and BG/NBD limits, both engines.

Run ``.venv/bin/python benchmarks/validation.py``: writes docs/img/bass_limit.png,
docs/img/bgnbd_limit.png and prints the largest deviations as Markdown.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cxsim  # noqa: E402
from cxsim.model.bgnbd import expected_repeat_purchases, repeat_purchase_pmf  # noqa: E402

IMG = ROOT / "docs" / "img"


def bass_recursion(p: float, q: float, steps: int) -> np.ndarray:
    f = np.zeros(steps + 1)
    for t in range(1, steps + 1):
        f[t] = f[t - 1] + (1 - f[t - 1]) * (p + q * f[t - 1])
    return f


def bass() -> list[str]:
    lines = ["| p | q | engine | max abs(mean F_t - recursion) | test criterion: max abs dev / (6 SE + 0.002), pass <= 1 |",
             "|---|---|---|---|---|"]
    fig, ax = plt.subplots(figsize=(7, 4))
    for (p, q), colour in zip([(0.03, 0.38), (0.01, 0.5), (0.1, 0.05)], ["C0", "C1", "C2"], strict=True):
        f = bass_recursion(p, q, 40)
        ax.plot(f, color=colour, lw=2, label=f"recursion p={p}, q={q}")
        for engine, marker, reps in (("fast", "o", 10), ("agents", "x", 10)):
            res = cxsim.simulate(cxsim.scenario.presets.bass(p, q, 10_000, 40), reps, seed=1, engine=engine,
                                 keep_customers=False)
            share = res.timeseries.pivot(index="step", columns="replication", values="ever_customers") / 10_000
            mean, se = share.mean(axis=1), share.std(axis=1, ddof=1) / np.sqrt(reps)
            dev = np.abs(mean.to_numpy() - f)
            lines.append(f"| {p} | {q} | {engine} | {dev.max():.4f} | {np.max(dev / (6 * se + 0.002)):.2f} |")
            ax.plot(mean.index[::3], mean.to_numpy()[::3], marker, color=colour, ms=5,
                    label=f"{engine} engine (mean of {reps})")
    ax.set(xlabel="week", ylabel="adopters / N", title="Bass limit: N = 10,000, complete graph")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(IMG / "bass_limit.png", dpi=110)
    return lines


def bgnbd() -> list[str]:
    r, alpha, a, b, t = 0.8, 4.0, 0.6, 3.0, 39
    lines = [f"BG/NBD r={r}, alpha={alpha}, a={a}, b={b}, t={t} weeks, N = 20,000:", "",
             "| engine | max abs(share - P(X(t)=x)), x = 0..5 | mean repeat purchases | E[X(t)] |",
             "|---|---|---|---|"]
    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(8)
    ax.bar(x, repeat_purchase_pmf(x, t, r, alpha, a, b), color="lightgrey", label="P(X(t) = x), BG/NBD")
    for engine, offset in (("fast", -0.15), ("agents", 0.15)):
        res = cxsim.simulate(cxsim.scenario.presets.bgnbd(r, alpha, a, b, 20_000, t), 1, seed=2, engine=engine)
        k = res.customers["repeat_purchases"].to_numpy()
        share = np.bincount(k, minlength=8)[:8] / k.size
        ax.plot(x + offset, share, "o", label=f"{engine} engine")
        dev = np.abs(share[:6] - repeat_purchase_pmf(np.arange(6), t, r, alpha, a, b)).max()
        lines.append(f"| {engine} | {dev:.4f} | {k.mean():.3f} | {expected_repeat_purchases(t, r, alpha, a, b):.3f} |")
    ax.set(xlabel="repeat purchases by week 39", ylabel="share of customers", title="BG/NBD limit")
    ax.legend()
    fig.tight_layout()
    fig.savefig(IMG / "bgnbd_limit.png", dpi=110)
    return lines


if __name__ == "__main__":
    IMG.mkdir(parents=True, exist_ok=True)
    print("\n".join(bass() + [""] + bgnbd()))
