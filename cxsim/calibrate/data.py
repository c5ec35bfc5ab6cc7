"""The user's data in (columns, counts, dates, amounts) and the calibrated scenario file out.

Every problem is a :class:`DataError` naming the file (or ``<data>`` for a
DataFrame passed in code), the column and what was expected.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from cxsim.core.errors import UserError, problem_line
from cxsim.core.validation import MAX_MAGNITUDE
from cxsim.scenario import parse_scenario
from cxsim.scenario.schema import Market


class DataError(UserError):
    """Data that cannot be used as given: names the source, the column or field, and what was expected."""

    def __init__(self, source: str, field: str, expected: str, got: str = "") -> None:
        self.source, self.field, self.expected, self.got = source, field, expected, got
        super().__init__(problem_line(source, field, expected, got))


class FitError(UserError):
    """A fit that did not converge or whose parameters the data cannot pin down."""

    def __init__(self, source: str, what: str, reason: str) -> None:
        self.source = source
        super().__init__(f"{source}: {what} did not converge: {reason}")


def read_csv(path: str | Path, data: bytes | None = None) -> pd.DataFrame:
    """Read a CSV file with a header row (from ``data`` when given, e.g. an upload named ``path``)."""
    source = str(path)
    try:
        frame = pd.read_csv(io.BytesIO(data) if data is not None else Path(path))
    except FileNotFoundError:
        raise DataError(source, "(file)", "an existing CSV file", "no such file") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(source, "(file)", "a readable CSV file with a header row", str(exc).strip()) from None
    except pd.errors.EmptyDataError:
        raise DataError(source, "(file)", "a CSV file with a header row and data", "an empty file") from None
    if frame.empty:
        raise DataError(source, "(file)", "at least one data row", "a header only")
    return frame


def horizon(weeks: int | None, span: int, source: str) -> int:
    """Weeks of the written scenario: ``weeks`` when given, else the data's span; both within a scenario's limits.

    Raises:
        DataError: naming ``--weeks`` (or the span, and ``--period`` that sets it) when out of range.
    """
    low, high = market_range("weeks")
    if weeks is not None:
        if isinstance(weeks, bool) or not low <= weeks <= high:
            raise DataError(source, "--weeks (horizon of the written scenario)", f"{low} to {high:,} weeks", repr(weeks))
        return int(weeks)
    if span > high:
        raise DataError(source, "--weeks (horizon of the written scenario)", f"a horizon of at most {high:,} weeks: "
                        f"the data span {span:,} weeks (rows x --period), so give --weeks {high:,} or less",
                        "none given")
    return max(int(span), low)


def market_range(key: str) -> tuple[int, int]:
    """The bounds the schema allows a whole number of ``[market]`` (``weeks``, ``population``)."""
    limits = Market.model_fields[key].metadata
    return next(c.ge for c in limits if hasattr(c, "ge")), next(c.le for c in limits if hasattr(c, "le"))


def require_columns(frame: pd.DataFrame, columns: list[str | None], source: str) -> None:
    """Check that every named column is in the frame."""
    for column in columns:
        if column is not None and column not in frame.columns:
            known = ", ".join(repr(str(c)) for c in frame.columns)
            raise DataError(source, f"column {column!r}", f"one of the file's columns ({known})", "no such column")


def first_bad(mask: np.ndarray, values: pd.Series) -> str:
    i = int(np.flatnonzero(mask)[0])
    value = values.iloc[i]
    shown = repr(value) if isinstance(value, str) else ("a blank" if pd.isna(value) else str(value))
    return f"{shown} in data row {i + 1} ({int(mask.sum())} such rows)"


def numeric_column(frame: pd.DataFrame, column: str, source: str, what: str = "a number",
                   non_negative: bool = True) -> np.ndarray:
    """The column as floats; a missing, non-numeric or (optionally) negative value is an error."""
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        raise DataError(source, f"column {column!r}", f"{what} in every row", first_bad(bad, raw))
    huge = np.abs(values) > MAX_MAGNITUDE
    if huge.any():
        raise DataError(source, f"column {column!r}", f"{what} of size at most {MAX_MAGNITUDE:g} in every row",
                        first_bad(huge, raw))
    if non_negative and (values < 0).any():
        raise DataError(source, f"column {column!r}", f"{what} >= 0 in every row", first_bad(values < 0, raw))
    return values


def parse_dates(frame: pd.DataFrame, column: str, source: str, date_format: str | None = None) -> pd.Series:
    """The column as calendar days (time of day dropped).

    Integers like 19970101 are read as YYYYMMDD. Without ``date_format`` the
    format is inferred from the first value and every row must follow it.
    """
    raw = frame[column]
    text = raw.astype("string").str.strip()
    if date_format is None and pd.api.types.is_integer_dtype(raw) and text.str.fullmatch(r"\d{8}").all():
        date_format = "%Y%m%d"
    try:
        with warnings.catch_warnings():  # no inferable format: parsed one by one, and checked below
            warnings.simplefilter("ignore", UserWarning)
            dates = pd.to_datetime(text, format=date_format, errors="coerce")
    except (ValueError, TypeError) as exc:
        raise DataError(source, f"column {column!r}", "dates", str(exc)) from None
    bad = dates.isna().to_numpy()
    if bad.any():
        hint = f"dates in the format {date_format!r}" if date_format else (
            "dates in one format in every row (e.g. 2024-03-31; give --date-format for others)")
        raise DataError(source, f"column {column!r}", hint, first_bad(bad, raw))
    if dates.dt.tz is not None:
        dates = dates.dt.tz_localize(None)
    return dates.dt.normalize()


def parse_date(value: object, field: str, source: str) -> pd.Timestamp:
    """One date given by the user (e.g. the end of the calibration period)."""
    try:
        stamp = pd.Timestamp(str(value).strip())
    except (ValueError, TypeError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise DataError(source, field, "a date like 1997-09-30", repr(value))
    if stamp.tz is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize()


def commented_toml(scenario, header: list[str]) -> str:
    """A scenario as TOML text under ``#`` comment lines; checked to load back as it is."""
    text = "".join(f"# {line}\n" for line in header) + "\n" + scenario.to_toml()
    parse_scenario(text, "<calibrated scenario>")
    return text
