"""Errors a user can fix: each names the file, the field and what was expected."""

from __future__ import annotations

import math
from collections.abc import Callable

from pydantic import ValidationError

MAX_SHOWN = 160  # characters of a value echoed in a message


def bounded(text: object, limit: int = MAX_SHOWN) -> str:
    """Text on one line, cut to ``limit`` characters with a note of how much was left out."""
    text = " ".join(str(text).split("\n"))
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit:,} more characters)"


def plain(value: object) -> object:
    """A value as Python holds it: numpy's numbers (alone or in a list) as int or float, so that a message's
    ``repr`` shows ``nan`` or ``2.5``, never ``np.float64(nan)``."""
    if isinstance(value, list | tuple):
        return type(value)(plain(v) for v in value)
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy" and getattr(value, "ndim", 1) == 0:
        return item()
    return value


def finite_or_none(value: float | None) -> float | None:
    """A number for JSON: a float, or ``None`` for a missing or non-finite one (JSON has no NaN)."""
    return None if value is None or not math.isfinite(value) else float(value)


class UserError(Exception):
    """A mistake in the user's input; the command line prints it and exits with code 2."""


def problem_line(source: str, field: str, expected: str, got: str = "") -> str:
    """One problem as a message line: ``SOURCE: FIELD: expected ..., got ...``, each part bounded."""
    line = f"{bounded(source)}: {bounded(field)}: expected {bounded(expected, 2 * MAX_SHOWN)}"
    return line + (f", got {bounded(got)}" if got else "")


MAX_ERROR_LINES = 20


def error_text(exc: Exception) -> str:
    """A user's mistake as the command line prints it: ``error: ...``, a bounded line per problem, 20 at most."""
    lines = [bounded(line, 600) for line in str(exc).splitlines()] or [type(exc).__name__]
    if len(lines) > MAX_ERROR_LINES:
        lines = [*lines[:MAX_ERROR_LINES], f"... and {len(lines) - MAX_ERROR_LINES} more problems"]
    return "error: " + "\n".join(lines)


class ScenarioError(UserError):
    """A scenario (or sweep) file that cannot be used as written."""

    def __init__(self, source: str, field: str, expected: str, got: str = "",
                 problems: list[tuple[str, str, str]] | None = None) -> None:
        self.source = source
        self.problems = problems or [(field, expected, got)]
        super().__init__("\n".join(problem_line(source, *problem) for problem in self.problems))

    @property
    def field(self) -> str:
        """The first field at fault."""
        return self.problems[0][0]

    @classmethod
    def from_validation(cls, source: str, exc: ValidationError,
                        unknown: str = "a known key (this one is not; `cxsim schema` lists them)",
                        name: Callable[[str], str] = str) -> ScenarioError:
        """Turn pydantic's errors into one line per field (the one converter every file format uses).

        Args:
            source: the file.
            exc: pydantic's error.
            unknown: what is expected instead of a key the format does not know.
            name: how one part of a field's path is written (e.g. quoted when it holds a dot).
        """
        merged: dict[str, tuple[list[str], str]] = {}
        for err in exc.errors():
            parts = [str(p) for p in err["loc"] if not str(p).startswith("function-")]
            if len(parts) > 1 and (parts[-1] in UNION_TAGS or "[" in parts[-1]):
                parts = parts[:-1]  # one line per field, not per member of a union type
            field = ".".join(name(p) for p in parts) or "(file)"
            if err["type"] == "extra_forbidden":
                expected, got = unknown, ""
            elif err["type"] == "missing":
                expected, got = "a value (required)", ""
            else:
                expected = err["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
                expected = expected.split(", unable to")[0]
                expected = expected[0].lower() + expected[1:] if expected else "a valid value"
                if expected.startswith(("greater", "less")):
                    expected = "a value " + expected
                got = "" if isinstance(err.get("input"), dict) else repr(plain(err.get("input")))
            seen = merged.setdefault(field, ([], got))[0]
            if expected not in seen:
                seen.append(expected)
        problems = [(field, " or ".join(expected), got) for field, (expected, got) in merged.items()]
        return cls(source, problems[0][0], problems[0][1], problems[0][2], problems=problems)


UNION_TAGS = {"float", "int", "str", "bool", "list", "dict"}
