"""The teaching notebooks: each .ipynb is generated from its jupytext source, runs top to bottom,
and keeps every figure when exported to HTML.

Every lesson is executed in a fresh kernel (nbclient, as ``jupyter nbconvert --execute``
does), so a failing cell fails this suite; the executed notebook is then exported with
nbconvert's HTML exporter and its figures are counted in the page.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LESSONS = ["01_customer_journey", "02_word_of_mouth_and_bass", "03_people_vs_ads", "04_sweeps_and_sensitivity",
           "05_play_with_the_market"]
CELL_TIMEOUT = 300  # seconds; a lesson takes well under a minute on two cores
ARTIFACTS = ROOT / "artifacts"
PLOTLY = "application/vnd.plotly.v1+json"
IMAGES = ("image/png", "image/svg+xml", "image/jpeg")


def execute(notebook: Path) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in a fresh kernel, from its folder; a failing cell raises."""
    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(notebook.parent)}}).execute()
    return nb


def drawn_in_browser(page: Path) -> int:
    """How many plotly figures Chromium draws in an exported page, opened from disk with no network."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            tab = browser.new_page()
            tab.route(re.compile(r"^https?://"), lambda route: route.abort())  # offline: only what the page holds
            tab.goto(page.as_uri())
            tab.wait_for_load_state("load")
            tab.wait_for_timeout(1000)
            return tab.locator(".jp-OutputArea .js-plotly-plot:has(.main-svg)").count()
        finally:
            browser.close()


def figure_outputs(nb: nbformat.NotebookNode) -> tuple[int, int]:
    """How many plotly figures and how many static images the executed cells display."""
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "data" in o]
    return sum(PLOTLY in o.data for o in outputs), sum(any(m in o.data for m in IMAGES) for o in outputs)


def _cells(nb: nbformat.NotebookNode) -> list[tuple[str, str, dict]]:
    return [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells]


def test_every_notebook_is_a_lesson_and_every_lesson_is_there() -> None:
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.py")) == LESSONS
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == LESSONS


@pytest.mark.parametrize("lesson", LESSONS)
def test_notebook_is_generated_from_its_source_without_outputs(lesson: str) -> None:
    source = jupytext.read(NOTEBOOKS / f"{lesson}.py")
    notebook = nbformat.read(NOTEBOOKS / f"{lesson}.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert _cells(notebook) == _cells(source), (
        f"{lesson}.ipynb differs from {lesson}.py: run `.venv/bin/jupytext --sync notebooks/{lesson}.py`")
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), f"{lesson}.ipynb has outputs"
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("lesson", LESSONS)
def test_exercises_end_the_lesson_with_folded_solutions(lesson: str) -> None:
    cells = jupytext.read(NOTEBOOKS / f"{lesson}.py").cells
    starts = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("## Exercises")]
    assert len(starts) == 1, "one Exercises section"
    after = cells[starts[0] + 1:]
    solutions = [c for c in after if c.cell_type == "code"]
    assert solutions, "solutions follow the exercises"
    assert all(c.metadata.get("jupyter", {}).get("source_hidden") for c in solutions), "solution cells are folded"
    assert not any(c.cell_type == "markdown" and c.source.startswith("## ") and "Solutions" not in c.source
                   for c in after), "nothing but solutions after the exercises"


@pytest.mark.parametrize("lesson", LESSONS)
def test_notebook_runs_and_every_figure_survives_export_to_html(lesson: str) -> None:
    nb = execute(NOTEBOOKS / f"{lesson}.ipynb")
    plotly_figures, images = figure_outputs(nb)
    assert plotly_figures + images >= 2, "each lesson draws figures"
    code = [c for c in nb.cells if c.cell_type == "code"]
    # each plotly figure carries an HTML rendering beside plotly's own type, which nbconvert keeps
    assert all("text/html" in o.data and "plotly-graph-div" in o.data["text/html"]
               for c in code for o in c.outputs if PLOTLY in o.get("data", {}))
    page, _ = HTMLExporter().from_notebook_node(nb)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"{lesson}.html").write_text(page)
    assert len(re.findall(r'<div class="plotly-graph-div" id="[^"]+"', page)) == plotly_figures
    assert drawn_in_browser(ARTIFACTS / f"{lesson}.html") == plotly_figures
    assert re.search(r"plotly\.js v\d", page), "plotly.js is inline, so the page draws offline"
    assert len(re.findall(r'<img src="data:image/(png|jpeg);base64,', page)) + page.count("<svg") >= images
    # slider cells: each lesson puts at least one widget in front of the student
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for c in code for o in c.outputs)
    # the folded solutions say what they are in the export, where nothing folds
    solutions = [c for c in code if c.metadata.get("jupyter", {}).get("source_hidden")]
    assert solutions and all(c.source.startswith("# Solution to exercise") for c in solutions)
    assert page.count("Solution to exercise") >= len(solutions)


def test_a_failing_cell_fails_the_run(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise RuntimeError('cell two is broken')"),
        nbformat.v4.new_code_cell("x = 3"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(CellExecutionError, match="cell two is broken"):
        execute(path)
