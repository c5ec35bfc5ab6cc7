"""What a history calibration checks: the posterior against the history (the page is :mod:`cxsim.report.calibration_check`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxsim.calibrate.history import History
from cxsim.calibrate.inference import Posterior
from cxsim.calibrate.posterior import PINNED, Predictive
from cxsim.calibrate.priors import Prior


@dataclass
class Check:
    """Everything ``check.html`` shows."""

    history: History
    fit_weeks: int
    posterior: Posterior
    priors: dict[str, Prior]
    table: pd.DataFrame
    corr: pd.DataFrame
    predictive: Predictive

    @property
    def holdout_coverage(self) -> dict[str, float]:
        """Per outcome, the share of held-out weeks inside the 90% posterior-predictive band."""
        return self.predictive.coverage(self.history.outcomes, slice(self.fit_weeks, None))

    @property
    def fit_coverage(self) -> dict[str, float]:
        """Per outcome, the share of fitted weeks inside the 90% band."""
        return self.predictive.coverage(self.history.outcomes, slice(0, self.fit_weeks))

    def headline(self) -> str:
        """The answer in one sentence."""
        edges = [r.key for r in self.table.itertuples() if getattr(r, "edge", "") in ("low", "high")]
        pinned = [r.key for r in self.table.itertuples() if r.contraction >= PINNED and r.key not in edges]
        first = next((r for _, r in self.table.iterrows() if r["key"] not in edges), self.table.iloc[0])
        text = (f"The history pins down {len(pinned)} of {len(self.table)} fitted parameters; e.g. {first['key']} = "
                f"{first['median']:.4g} (90% interval {first.low_5:.4g} to {first.high_95:.4g}).")
        if edges:
            text += (f" {len(edges)} sit on an edge of their prior ({', '.join(edges)}): the prior's end decides "
                     "them, not the data.")
        held = self.holdout_coverage
        if held:
            share = np.mean(list(held.values()))
            text += (f" On the {self.history.weeks - self.fit_weeks} held-out weeks the 90% posterior-predictive "
                     f"band holds {share:.0%} of the observed values.")
        return text
