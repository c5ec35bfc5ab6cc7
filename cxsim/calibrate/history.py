"""A company's weekly history: read, checked, and turned into the scenario that replays it.

One row per week. A ``week`` column numbers the weeks 1..T (``step`` is read the
same way, so the output of ``cxsim run --out`` is a history; its week-0 row, the
state before the first week, is dropped). Columns named by a scenario's spend key
(``advertising.weekly_spend``, ``service.weekly_spend``, ...) are replayed as
weekly schedules; columns named as cxsim's weekly metrics are outcomes, blank
where not measured. ``respondents`` beside ``nps`` is the survey's size each week
(the calibration then simulates the survey's sampling noise).

Every problem is a :class:`~cxsim.calibrate.data.DataError` naming the file, the
column and the data row.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cxsim.calibrate.data import DataError, first_bad, numeric_column, read_csv
from cxsim.core.validation import MAX_MAGNITUDE
from cxsim.model.mechanisms.channels import CHANNEL_METRICS
from cxsim.model.mechanisms.service import QUEUE_COLUMNS
from cxsim.model.metrics import COLUMNS
from cxsim.scenario import Scenario, ScenarioConfig

WEEK_COLUMNS = ("week", "step")
# outcomes the fit compares with the simulation (any subset a history gives); other metric columns are read and shown
FITTED = ("new_customers", "active", "purchases", "repeat_purchases", "revenue", "nps", "contacts", "churned",
          "service_encounters", "winbacks", "lapsed", "ever_customers", "satisfaction_mean")
SIGNED = ("nps", "profit", "gross_margin")  # metrics that can be below zero
SURVEY_SIZE = "respondents"
BOUNDED = {"nps": (-100.0, 100.0, "an NPS from -100 to 100"),
           "satisfaction_mean": (0.0, 10.0, "a mean satisfaction on the 0-10 scale")}
"""Outcomes that cannot lie outside a scale: a value outside it is a mistake in the file, not a measurement."""
MIN_FIT_WEEKS = 8


def schedule_keys() -> tuple[str, ...]:
    """Scenario keys that take a weekly schedule (a list by week): the spends a history replays."""
    keys = []
    for section, info in ScenarioConfig.model_fields.items():
        model = info.annotation
        if not isinstance(model, type) or not hasattr(model, "model_fields"):
            continue
        for name, f in model.model_fields.items():
            kinds = typing.get_args(f.annotation)
            if any(typing.get_origin(k) is list for k in kinds):
                keys.append(f"{section}.{name}")
    return tuple(keys)


def metric_columns(scenario: Scenario) -> tuple[str, ...]:
    """Every weekly metric a run of ``scenario`` writes (``cxsim run --out``), ``step`` and ``replication`` aside."""
    channels = [f"{metric}_{name}" for name in scenario.config.channels for metric in CHANNEL_METRICS]
    return (*COLUMNS, *QUEUE_COLUMNS, *channels)


@dataclass
class History:
    """A checked history.

    Attributes:
        source: the file it came from (for messages).
        weeks: number of weeks T.
        spends: replayed spend schedules by scenario key (T values each).
        outcomes: fitted outcome columns, indexed by week 1..T, ``nan`` where not measured.
        survey_size: respondents of the NPS survey each week (``None``: NPS of every active customer).
        shown: other metric columns of the file, kept for the charts but not fitted.
    """

    source: str
    weeks: int
    spends: dict[str, np.ndarray]
    outcomes: pd.DataFrame
    survey_size: np.ndarray | None = None
    shown: pd.DataFrame = field(default_factory=pd.DataFrame)

    def replay(self, base: Scenario) -> Scenario:
        """The base scenario over the history's weeks, its spends replaced by the history's schedules."""
        overrides: dict[str, object] = {"market.weeks": self.weeks}
        overrides.update({key: [float(v) for v in values] for key, values in self.spends.items()})
        return base.with_overrides(overrides, where=f"{self.source} (replayed on the base scenario)")


def _weeks(frame: pd.DataFrame, source: str) -> tuple[pd.DataFrame, str]:
    """The rows of weeks 1..T in order (a week-0 row of ``cxsim run`` dropped); the week column's name."""
    name = next((c for c in WEEK_COLUMNS if c in frame.columns), None)
    if name is None:
        raise DataError(source, "column 'week'", "a column 'week' numbering the weeks 1, 2, 3, ...", "none")
    if "replication" in frame.columns:
        reps = pd.unique(frame["replication"])
        if len(reps) > 1:
            raise DataError(source, "column 'replication'", "one replication (a history is one company's weeks); "
                            "keep the rows of one, e.g. replication 0", f"{len(reps)} replications")
    weeks = numeric_column(frame, name, source, "a whole week number")
    if name == "step" and weeks.size and weeks[0] == 0:
        frame, weeks = frame.iloc[1:].reset_index(drop=True), weeks[1:]
    expected = np.arange(1, len(weeks) + 1)
    wrong = weeks != expected
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise DataError(source, f"column {name!r}", f"weeks 1, 2, 3, ... in order, one row each (data row {i + 1} "
                        f"should be week {i + 1})", f"{weeks[i]:g} in data row {i + 1}")
    return frame, name


def _outcome(frame: pd.DataFrame, column: str, source: str) -> np.ndarray:
    """An outcome column as floats: blanks allowed (not measured), anything else must be a number."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float, copy=True)
    text = raw.astype("string").str.strip()
    blank = raw.isna().to_numpy() | (text == "").fillna(True).to_numpy()
    bad = (~np.isfinite(values) & ~blank) | (np.abs(np.nan_to_num(values)) > MAX_MAGNITUDE)
    if bad.any():
        raise DataError(source, f"column {column!r}", "a number or a blank (not measured) in every row",
                        first_bad(bad, raw))
    if column not in SIGNED and (np.nan_to_num(values) < 0).any():
        raise DataError(source, f"column {column!r}", "a number >= 0 or a blank in every row",
                        first_bad(np.nan_to_num(values) < 0, raw))
    if column in BOUNDED:
        low, high, what = BOUNDED[column]
        outside = ~blank & ((values < low) | (values > high))
        if outside.any():
            raise DataError(source, f"column {column!r}", f"{what} or a blank in every row", first_bad(outside, raw))
    values[blank] = np.nan
    return values


def read_history(path: str | Path, base: Scenario, data: bytes | None = None) -> History:
    """Read and check a history CSV for a base scenario (``data``: the file's bytes, e.g. an upload).

    Raises:
        DataError: an unknown column, a non-numeric value, a negative spend, weeks out of order, too few weeks,
            or no outcome to fit; naming the file, the column and the data row.
    """
    source = str(path)
    frame, week_column = _weeks(read_csv(path, data), source)
    spend_keys, metrics = schedule_keys(), metric_columns(base)
    for column in frame.columns:
        if column not in (*WEEK_COLUMNS, "replication", *spend_keys, *metrics):
            raise DataError(source, f"column {str(column)!r}", f"'week', a spend key ({', '.join(spend_keys)}) or a "
                            f"weekly metric of cxsim (e.g. {', '.join(FITTED[:7])}; `cxsim run --out` writes them "
                            "all)", "an unknown column")
    weeks = len(frame)
    spends = {key: numeric_column(frame, key, source, "a spend (money a week)") for key in spend_keys
              if key in frame.columns}
    fitted = [c for c in FITTED if c in frame.columns]
    outcomes = pd.DataFrame({c: _outcome(frame, c, source) for c in fitted}, index=pd.RangeIndex(1, weeks + 1,
                                                                                                  name="week"))
    outcomes = outcomes.loc[:, outcomes.notna().any()]
    if outcomes.empty:
        raise DataError(source, "(columns)", f"at least one measured outcome column ({', '.join(FITTED)})",
                        "none with a value")
    if weeks < MIN_FIT_WEEKS:
        raise DataError(source, f"column {week_column!r}", f"at least {MIN_FIT_WEEKS} weeks", f"{weeks}")
    survey = None
    if SURVEY_SIZE in frame.columns and "nps" in outcomes:
        size = _outcome(frame, SURVEY_SIZE, source)
        lacking = outcomes["nps"].notna().to_numpy() & ~(size >= 1)
        if lacking.any():
            raise DataError(source, f"column {SURVEY_SIZE!r}", "the NPS survey's size (>= 1) in every week with an "
                            "nps value", first_bad(lacking, frame[SURVEY_SIZE]))
        survey = np.round(np.nan_to_num(size)).astype(np.int64)
    shown = [c for c in metrics if c in frame.columns and c not in outcomes and c != SURVEY_SIZE]
    other = pd.DataFrame({c: pd.to_numeric(frame[c], errors="coerce").to_numpy(float) for c in shown},
                         index=outcomes.index)
    return History(source, weeks, spends, outcomes, survey, other)


def check_holdout(history: History, holdout: int) -> int:
    """The number of fitted weeks, T - holdout; refused when fewer than a minimum are left."""
    fit_weeks = history.weeks - holdout
    if holdout < 0 or fit_weeks < MIN_FIT_WEEKS:
        raise DataError(history.source, "--holdout", f"0 to {history.weeks - MIN_FIT_WEEKS} weeks (at least "
                        f"{MIN_FIT_WEEKS} of the {history.weeks} weeks must be left to fit)", str(holdout))
    return fit_weeks
