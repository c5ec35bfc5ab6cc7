"""Hostile uploads in the app: a message worded as on the command line, never a crash; user text never rendered
as Markdown (no image a name could make the browser fetch)."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from cxsim.report.markdown import markdown_safe
from tests.conftest import ROOT

PLANNER = str(ROOT / "app" / "planner_page.py")
CALIBRATE = str(ROOT / "app" / "calibrate_page.py")
TRACKER = "![t](http://127.0.0.1:9/track.png)"
SMALL = "[market]\npopulation = 300\nweeks = 8\n"


def upload(at: AppTest, name: str, data: bytes, mime: str) -> AppTest:
    at.file_uploader[0].set_value((name, data, mime))
    return at.run()


def rendered_markdown(at: AppTest) -> list[str]:
    """Every piece of Markdown the page sent: titles, headers, captions, text, messages."""
    kinds = ("title", "header", "subheader", "caption", "markdown", "error", "warning", "info", "success")
    return [element.value for kind in kinds for element in getattr(at, kind)]


@pytest.fixture(scope="module")
def planner() -> AppTest:
    return AppTest.from_file(PLANNER, default_timeout=240).run()


@pytest.mark.parametrize("text, needle", [
    (SMALL + "[purchase]\nprice = inf\n", "purchase.price"),
    (SMALL + "[advertising]\nweekly_spend = nan\n", "advertising.weekly_spend"),
    (SMALL + "[scenario]\ndescription = " + "[" * 500 + "]" * 500 + "\n", "nested"),
    (SMALL + '[network]\nkind = "' + "x" * 1_000_000 + '"\n', "more characters"),
])
def test_planner_refuses_hostile_uploads_with_the_command_line_message(planner, text, needle):
    at = upload(planner, "hostile.toml", text.encode(), "application/toml")
    assert not at.exception, at.exception
    assert at.error and needle in at.error[0].value.replace("\\", "")
    assert len(at.error[0].value) < 2_000


def test_names_are_shown_literally_never_as_markdown(planner):
    text = (f'[scenario]\nname = "{TRACKER}"\n' + SMALL
            + f'[variants."{TRACKER} **bold**"]\n"advertising.weekly_spend" = 100.0\n')
    at = upload(planner, f"{TRACKER}.toml", text.encode(), "application/toml")
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    shown = rendered_markdown(at)
    assert any(markdown_safe(TRACKER) in piece for piece in shown)  # the names are there, escaped
    for piece in shown:
        assert "![" not in piece and "](http" not in piece, piece
        assert "**bold**" not in piece, piece


@pytest.fixture
def calibrate() -> AppTest:
    return AppTest.from_file(CALIBRATE, default_timeout=120).run()


def test_calibrate_refuses_huge_counts(calibrate):
    frame = pd.DataFrame({"new": [5, 12, 1e300, 41, 33, 20, 11, 6]})
    at = upload(calibrate, "huge.csv", frame.to_csv(index=False).encode(), "text/csv")
    assert not at.exception, at.exception
    assert at.error and "1e+300" in at.error[0].value.replace("\\", "")


def test_calibrate_with_years_of_data_keeps_the_horizon_in_bounds(calibrate):
    counts = [int(1000 * x) for x in pd.Series(range(40)).map(lambda t: 0.02 * 2.7 ** (-((t - 15) / 8) ** 2) + 0.01)]
    at = upload(calibrate, "years.csv", pd.DataFrame({"new": counts}).to_csv(index=False).encode(), "text/csv")
    next(s for s in at.selectbox if s.label == "One row is a").set_value("year")
    at = at.run()
    assert not at.exception, at.exception
    horizon = next(n for n in at.number_input if n.label == "Horizon (weeks)")
    assert horizon.value == 1040
    assert any("2,080 weeks" in c.value for c in at.caption)


def test_calibrate_escapes_the_uploaded_file_name(calibrate):
    frame = pd.DataFrame({"new": [5, 12, 30, 41, 33, 20, 11, 6]})
    at = upload(calibrate, f"{TRACKER}.csv", frame.to_csv(index=False).encode(), "text/csv")
    assert not at.exception
    for piece in rendered_markdown(at) + [e.label for e in at.expander]:
        assert "![" not in piece, piece
