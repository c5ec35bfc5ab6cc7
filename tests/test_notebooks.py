"""The teaching notebooks: each .ipynb is generated from its jupytext source, and runs top to bottom.

Every notebook is executed in a fresh kernel by ``pytest --nbmake`` in a
subprocess, so a failing cell fails this suite.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LESSONS = ["01_customer_journey", "02_word_of_mouth_and_bass", "03_people_vs_ads", "04_sweeps_and_sensitivity"]
CELL_TIMEOUT = 300  # seconds; a lesson takes well under a minute on two cores


def run_nbmake(notebook: Path) -> subprocess.CompletedProcess[str]:
    """Execute a notebook in a fresh kernel with nbmake; the result carries pytest's report."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbmake", f"--nbmake-timeout={CELL_TIMEOUT}",
         "-p", "no:cacheprovider", "-q", str(notebook)],
        cwd=ROOT, capture_output=True, text=True, timeout=4 * CELL_TIMEOUT,
    )


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
def test_notebook_runs_top_to_bottom(lesson: str) -> None:
    done = run_nbmake(NOTEBOOKS / f"{lesson}.ipynb")
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout


def test_a_failing_cell_fails_the_run(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise RuntimeError('cell two is broken')"),
        nbformat.v4.new_code_cell("x = 3"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    done = run_nbmake(path)
    assert done.returncode != 0
    assert "cell two is broken" in done.stdout
