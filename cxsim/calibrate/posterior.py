"""What a posterior says: per-key summary, identifiability, posterior-predictive bands, and the output folder.

The folder a calibration writes (``--out DIR``):

* ``posterior.parquet``: one row per draw, one float column per fitted key (its
  dotted scenario key), and ``weight`` (normalised; equal when the method gives none).
* ``summary.csv``: key, posterior median, 5% and 95%, prior 5% and 95%, contraction.
* ``scenario.toml``: the base scenario with the posterior medians, valid for every command.
* ``check.html``: the history against posterior-predictive bands, and what the data pin down.
"""

from __future__ import annotations

import contextlib
import warnings
from concurrent.futures import as_completed
from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np
import pandas as pd

from cxsim.calibrate.data import commented_toml
from cxsim.calibrate.inference import WEIGHT, Posterior
from cxsim.calibrate.priors import Prior
from cxsim.calibrate.summaries import HistoryModel
from cxsim.core.errors import UserError, bounded
from cxsim.core.outputs import check_output, write_all
from cxsim.decide.pools import Pool
from cxsim.decide.stats import weighted_quantile

FILES = ("posterior.parquet", "summary.csv", "scenario.toml", "check.html")
PINNED, LEARNED = 0.7, 0.3  # contraction at which a key counts as pinned down by the data, or as learned from it
EDGE = 0.1  # a posterior whose 90% interval lies within this share of the prior's width at one end sits on its edge
CONFOUNDED = 0.6  # |posterior correlation| at which two keys are called confounded
BAND = (0.05, 0.95)


def summary_table(draws: pd.DataFrame, priors: dict[str, Prior]) -> pd.DataFrame:
    """Per key: posterior median, 5%, 95%; prior 5%, 95%; contraction (1 - posterior/prior variance, prior scale)."""
    w = draws[WEIGHT].to_numpy(float)
    rows = []
    for key, prior in priors.items():
        x = draws[key].to_numpy(float)
        u = np.asarray(prior.to_scale(x), dtype=float)
        mean = np.sum(w * u) / w.sum()
        var = np.sum(w * (u - mean) ** 2) / w.sum()
        low_5, high_95 = weighted_quantile(x, BAND[0], w), weighted_quantile(x, BAND[1], w)
        rows.append({"key": key, "median": weighted_quantile(x, 0.5, w), "low_5": low_5, "high_95": high_95,
                     "prior_low_5": prior.quantile(BAND[0]), "prior_high_95": prior.quantile(BAND[1]),
                     "contraction": 1.0 - var / prior.variance,
                     "prior": ("log-uniform" if prior.log else "uniform") + f" [{prior.low:g}, {prior.high:g}]",
                     "edge": edge(prior, low_5, high_95)})
    return pd.DataFrame(rows)


def edge(prior: Prior, low_5: float, high_95: float) -> str:
    """``"low"`` or ``"high"`` when the posterior's 90% interval lies against that end of the prior (within
    ``EDGE`` of its width, on its own scale): the data push the key past the prior's range; else ``""``."""
    a, b = prior.bounds
    width = b - a
    if float(prior.to_scale(high_95)) <= a + EDGE * width:
        return "low"
    if float(prior.to_scale(low_5)) >= b - EDGE * width:
        return "high"
    return ""


def correlations(draws: pd.DataFrame, priors: dict[str, Prior]) -> pd.DataFrame:
    """Weighted posterior correlations of the keys, on the priors' scales."""
    w = draws[WEIGHT].to_numpy(float)
    u = np.column_stack([np.asarray(p.to_scale(draws[k].to_numpy(float)), dtype=float) for k, p in priors.items()])
    cov = np.atleast_2d(np.cov(u, rowvar=False, aweights=w))
    sd = np.sqrt(np.clip(np.diag(cov), 1e-300, None))
    return pd.DataFrame(cov / np.outer(sd, sd), index=list(priors), columns=list(priors))


def verdicts(table: pd.DataFrame, corr: pd.DataFrame) -> list[str]:
    """One line per key: pinned down, learned, or left to the prior; and the pairs the data confound."""
    lines = []
    for row in table.itertuples():
        c = row.contraction
        side = getattr(row, "edge", "")
        if side in ("low", "high"):
            end = row.low_5 if side == "low" else row.high_95
            lines.append(f"{row.key}: on the {side} edge of its prior (90% interval {row.low_5:.4g} to "
                         f"{row.high_95:.4g}, near {end:.4g}): the history pushes it {'below' if side == 'low' else 'above'} "
                         f"the prior's range, so the prior's end decides it, not the data; widen the prior (--priors) "
                         f"if such values are plausible (contraction {c:.2f})")
            continue
        what = ("pinned down by the data" if c >= PINNED else "partly learned from the data" if c >= LEARNED
                else "barely learned: the prior still decides it")
        lines.append(f"{row.key}: {what} (contraction {c:.2f})")
    keys = list(corr.index)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            r = corr.loc[a, b]
            if abs(r) >= CONFOUNDED:
                lines.append(f"{a} and {b} are confounded (posterior correlation {r:+.2f}): the history fixes a "
                             f"{'trade-off' if r < 0 else 'combination'} of the two, not each")
    return lines


def resample(draws: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """``n`` draws taken with probability by weight (for posterior-predictive runs), reproducibly."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0xB0,)))
    w = draws[WEIGHT].to_numpy(float)
    idx = rng.choice(len(draws), size=n, replace=True, p=w / w.sum())
    return draws.iloc[idx].drop(columns=WEIGHT).reset_index(drop=True)


def _run_one(model: HistoryModel, values: dict[str, float], seed: int) -> pd.DataFrame:
    numba.set_num_threads(1)
    return model.series(values, seed)


@dataclass
class Predictive:
    """Posterior-predictive weekly outcomes: runs x weeks for each outcome."""

    runs: dict[str, np.ndarray]

    def band(self, outcome: str, q: tuple[float, float] = BAND) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Low, median and high by week."""
        x = self.runs[outcome]
        with warnings.catch_warnings():  # weeks with no value in any run (no survey that week) stay blank
            warnings.simplefilter("ignore", RuntimeWarning)
            return tuple(np.nanquantile(x, p, axis=0) for p in (q[0], 0.5, q[1]))

    def coverage(self, observed: pd.DataFrame, weeks: slice) -> dict[str, float]:
        """Per outcome, the share of measured weeks in ``weeks`` whose observed value lies within the 90% band."""
        out = {}
        for c in self.runs:
            low, _, high = self.band(c)
            y = observed[c].to_numpy(float)[weeks]
            lo, hi = low[weeks], high[weeks]
            seen = np.isfinite(y)
            if seen.any():
                out[c] = float(np.mean((y[seen] >= lo[seen]) & (y[seen] <= hi[seen])))
        return out


def predictive(model: HistoryModel, draws: pd.DataFrame, pool: Pool, runs: int = 100, seed: int = 0,
               progress=None) -> Predictive:
    """Simulate ``runs`` posterior draws (each on its own seed) over the history's weeks, held-out weeks included."""
    picks = resample(draws, runs, seed)
    seeds = np.random.SeedSequence([seed, 0xB1]).generate_state(runs)
    futures = {pool.executor().submit(_run_one, model, picks.iloc[i].to_dict(), int(seeds[i])): i
               for i in range(runs)}
    series: list = [None] * runs
    for future in as_completed(futures):
        series[futures[future]] = future.result()
        if progress:
            progress(1)
    return Predictive({c: np.stack([s[c].to_numpy(float) for s in series]) for c in model.outcomes})


def medians_scenario(base_text_scenario, table: pd.DataFrame, header: list[str]) -> str:
    """The base scenario with each fitted key at its posterior median, as commented TOML (checked to load)."""
    values = {row.key: float(row.median) for row in table.itertuples()}
    return commented_toml(base_text_scenario.with_overrides(values, where="<posterior medians>"), header)


def write_folder(out: Path, posterior: Posterior, table: pd.DataFrame, scenario_text: str, html: str) -> None:
    """Write the four files all or none (the folder is created if needed, and removed again if they cannot be)."""
    made = not out.exists()
    try:
        out.mkdir(exist_ok=True)
    except OSError as exc:
        raise UserError(f"{bounded(out)}: --out: could not make the folder ({exc.strerror or exc}); "
                        "nothing was written") from None
    draws = posterior.draws.astype(float)
    try:
        write_all([(out / "posterior.parquet", lambda f: draws.to_parquet(f, index=False)),
                   (out / "summary.csv", lambda f: f.write(table.to_csv(index=False).encode("utf-8"))),
                   (out / "scenario.toml", lambda f: f.write(scenario_text.encode("utf-8"))),
                   (out / "check.html", lambda f: f.write(html.encode("utf-8")))])
    except UserError:
        if made:
            with contextlib.suppress(OSError):
                out.rmdir()
        raise


def check_folder(path: str | Path) -> Path:
    """Check that ``--out`` can be written (a new or empty folder, or one holding a calibration), before any work."""
    out = Path(path)
    if out.is_symlink():
        raise UserError(f"{bounded(out)}: --out: expected a folder of its own, got a symbolic link "
                        "(the files would land wherever it points)")
    if out.exists():
        if not out.is_dir():
            raise UserError(f"{bounded(out)}: --out: expected a folder, got a file")
        extra = [p.name for p in out.iterdir() if p.name not in FILES]
        if extra:
            raise UserError(f"{bounded(out)}: --out: expected a new folder, an empty one or an earlier calibration's "
                            f"(it holds {bounded(', '.join(sorted(extra)[:5]), 120)})")
        check_output(out / "summary.csv", (".csv",), "--out")
    else:
        check_output(out, (), "--out")  # its parent exists and takes new files
    return out
