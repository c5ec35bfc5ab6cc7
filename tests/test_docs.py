"""Documentation that cannot drift: generated pages match the code, and the project installs as documented."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tomllib
import venv

import pytest

from .conftest import ROOT


def _docs_script():
    spec = importlib.util.spec_from_file_location("docs_script", ROOT / "scripts" / "docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DOCS = _docs_script()
# the slow generators apart, so that test workers share them out; the README's block is the flagship's answer
GROUPS = {"flagship": ("docs/generated/flagship.md", "README.md"),
          "mechanisms": ("docs/generated/mechanisms-measured.md",)}
GROUPS["the rest"] = tuple(p for p in DOCS.PAGES if not any(p in group for group in GROUPS.values()))
HAND_WRITTEN = sorted((ROOT / "docs").glob("*.md"))


@pytest.mark.parametrize("paths", GROUPS.values(), ids=GROUPS.keys())
def test_every_generated_page_and_readme_block_is_what_the_code_gives_now(paths):
    stale = [path for path in paths if (ROOT / path).read_text() != DOCS.generate(path)]
    assert not stale, f"regenerate with `python scripts/docs.py write`: {stale}"


def test_the_pages_include_only_generated_pages_the_generator_writes():
    for page in HAND_WRITTEN:
        for target in re.findall(r'^--8<-- "([^"]+)"', page.read_text(), flags=re.M):
            assert (ROOT / target).exists(), (page.name, target)
            assert not target.startswith("docs/generated/") or target in DOCS.PAGES, (page.name, target)
    for page in ("model.md", "mechanisms.md"):  # one table of what runs by default, for both pages
        assert '--8<-- "docs/generated/mechanism-defaults.md"' in (ROOT / "docs" / page).read_text()


@pytest.mark.parametrize("page", HAND_WRITTEN, ids=lambda p: p.name)
def test_a_hand_written_page_types_no_money_figure_or_confidence_interval(page):
    text = page.read_text()
    assert not re.search(r"[+\-\u2212]?\$\d", text), "a money figure typed outside a generated page"
    assert not re.search(r"\([+\-\u2212]?\d[\d,.]* to [+\-\u2212]?\d[\d,.]*\)", text), \
        "an interval typed outside a generated page"


def test_the_readme_is_a_landing_page_and_its_figures_are_generated():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 200
    outside = re.sub(r"<!-- generated:[\w-]+ -->.*?<!-- /generated -->", "", text, flags=re.S)
    assert not re.search(r"[+-]?\$\d[\d,]*", outside), "a money figure typed outside a generated block"
    for command in ("make app", "make test"):
        assert command in text


def test_the_version_is_one_fact_shared_by_the_package_the_command_and_the_citation():
    from cxsim import __version__

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert __version__ == version
    out = subprocess.run([sys.executable, "-m", "cxsim.cli", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == f"cxsim {version}"
    assert f"version: {version}" in (ROOT / "CITATION.cff").read_text()
    assert f"## {version}" in (ROOT / "CHANGELOG.md").read_text()
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


@pytest.mark.slow
@pytest.mark.parametrize("extras", ["", "[app]"])
def test_the_built_wheel_installs_and_runs_in_a_fresh_environment(tmp_path, extras):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist),
                    str(ROOT)], check=True, timeout=300)
    wheel = next(dist.glob("cxsim-*.whl"))
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "-c", str(ROOT / "requirements.lock"), f"{wheel}{extras}"],
                   check=True, timeout=900, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    small = tmp_path / "small.toml"
    small.write_text("[market]\npopulation = 300\nweeks = 8\n")
    out = tmp_path / "run.csv"
    run = subprocess.run([str(env_dir / "bin" / "cxsim"), "run", str(small), "-r", "2", "--out", str(out)],
                         capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert out.stat().st_size > 0
    lib = subprocess.run([str(py), "-c", "import cxsim; print(cxsim.__version__)"], capture_output=True, text=True,
                         cwd=tmp_path)
    assert lib.stdout.strip() == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    if extras:
        assert subprocess.run([str(py), "-c", "import streamlit"], cwd=tmp_path).returncode == 0
