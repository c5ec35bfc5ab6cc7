"""Errors a user can fix: each names the file, the field and what was expected."""

from __future__ import annotations

from pydantic import ValidationError


class UserError(Exception):
    """A mistake in the user's input; the command line prints it and exits with code 2."""


class ScenarioError(UserError):
    """A scenario (or sweep) file that cannot be used as written."""

    def __init__(self, source: str, field: str, expected: str, got: str = "",
                 problems: list[tuple[str, str, str]] | None = None) -> None:
        self.source = source
        self.problems = problems or [(field, expected, got)]
        super().__init__(self._format())

    @property
    def field(self) -> str:
        """The first field at fault."""
        return self.problems[0][0]

    def _format(self) -> str:
        lines = []
        for field, expected, got in self.problems:
            line = f"{self.source}: {field}: expected {expected}"
            if got:
                line += f", got {got}"
            lines.append(line)
        return "\n".join(lines)

    @classmethod
    def from_validation(cls, source: str, exc: ValidationError) -> ScenarioError:
        """Turn pydantic's errors into one line per field."""
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "(file)"
            if err["type"] == "extra_forbidden":
                expected, got = "no such key (unknown keys are refused; see `cxsim schema`)", ""
            elif err["type"] == "missing":
                expected, got = "a value (required)", ""
            else:
                expected = err["msg"].removeprefix("Value error, ")
                expected = expected[0].lower() + expected[1:] if expected else "a valid value"
                got = repr(err.get("input"))
            problems.append((field, expected, got))
        return cls(source, problems[0][0], problems[0][1], problems[0][2], problems=problems)
