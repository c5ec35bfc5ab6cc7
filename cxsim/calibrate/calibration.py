"""Calibrate a scenario to a company's history: the steps from files to a posterior, for the CLI and the app.

:func:`prepare` checks everything a user gave (history, base scenario, keys,
priors, holdout) before any simulation; :func:`calibrate` runs ABC-SMC and the
posterior-predictive check; :func:`write` writes the folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cxsim.calibrate.check import Check
from cxsim.calibrate.history import History, check_holdout, read_history
from cxsim.calibrate.inference import Budget, fit_posterior
from cxsim.calibrate.posterior import correlations, medians_scenario, predictive, summary_table, write_folder
from cxsim.calibrate.priors import Prior, load_priors
from cxsim.calibrate.summaries import HistoryModel, SummaryPlan
from cxsim.core.errors import UserError
from cxsim.decide.pools import Pool
from cxsim.scenario import Scenario

PREDICTIVE_RUNS = 100


@dataclass
class Problem:
    """A checked calibration problem: what to fit, to what, from which prior."""

    history: History
    base: Scenario
    priors: dict[str, Prior]
    fit_weeks: int
    model: HistoryModel

    @property
    def observed(self):
        """The history's summary statistics."""
        return self.model.plan(self.history.outcomes)


def prepare(history: History, base: Scenario, keys: list[str], priors_file: str | Path | None = None,
            holdout: int = 0, engine: str = "fast") -> Problem:
    """Check the keys, priors and holdout against a read history and build the simulator.

    Raises:
        UserError: a key that is not a number in the schema, that the history replays, or has no range; a bad
            priors file; a holdout that leaves too few weeks.
    """
    if not keys:
        raise UserError("--fit: expected at least one scenario key to fit, e.g. advertising.half_saturation")
    for key in keys:
        if key in history.spends:
            raise UserError(f"--fit {key}: expected a key the history does not replay (its column "
                            f"{key!r} sets it week by week)")
    priors = load_priors(keys, priors_file, base)
    fit_weeks = check_holdout(history, holdout)
    replay = history.replay(base)
    plan = SummaryPlan.of(history, fit_weeks)
    if not plan.outcomes:
        raise UserError(f"{history.source}: expected at least one outcome measured in two or more of the "
                        f"{fit_weeks} fitted weeks")
    model = HistoryModel(replay, tuple(priors.values()), plan, tuple(history.outcomes.columns), history.survey_size,
                         engine)
    return Problem(history, base, priors, fit_weeks, model)


def read_problem(history_path: str | Path, base: Scenario, keys: list[str], priors_file: str | Path | None = None,
                 holdout: int = 0, data: bytes | None = None) -> Problem:
    """:func:`prepare` from a history file (or its bytes)."""
    return prepare(read_history(history_path, base, data), base, keys, priors_file, holdout)


@dataclass
class Calibration:
    """A finished calibration: the check (posterior, table, bands) and the scenario with the medians."""

    check: Check
    scenario_text: str

    def write(self, out: str | Path, page: str) -> Path:
        """Write posterior.parquet, summary.csv, scenario.toml and ``page`` as check.html into ``out``."""
        out = Path(out)
        write_folder(out, self.check.posterior, self.check.table, self.scenario_text, page)
        return out


def calibrate(problem: Problem, pool: Pool, particles: int = 200, budget: Budget | None = None, seed: int = 0,
              runs: int = PREDICTIVE_RUNS, progress: Callable[[int, str], None] | None = None) -> Calibration:
    """Run ABC-SMC, then ``runs`` posterior-predictive simulations over every week (held-out ones included)."""
    posterior = fit_posterior(problem.model, problem.observed, pool, particles, budget or Budget(), seed, progress)
    done = [posterior.simulations]

    def tick(n: int) -> None:
        done[0] += n
        if progress:
            progress(done[0], "posterior-predictive check")

    bands = predictive(problem.model, posterior.draws, pool, runs, seed, tick)
    table = summary_table(posterior.draws, problem.priors)
    check = Check(problem.history, problem.fit_weeks, posterior, problem.priors, table,
                  correlations(posterior.draws, problem.priors), bands)
    header = [f"Calibrated to {problem.history.source} (weeks 1-{problem.fit_weeks} of {problem.history.weeks}) "
              f"by cxsim calibrate history: ABC-SMC, {posterior.simulations:,} simulations.",
              "Fitted keys at their posterior medians (90% intervals):"]
    header += [f"  {r.key} = {r.median:.6g}  ({r.low_5:.4g} to {r.high_95:.4g})" for r in table.itertuples()]
    header.append("Everything else is the base scenario as given, its plan (spends) included.")
    return Calibration(check, medians_scenario(problem.base, table, header))
