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


def test_every_generated_page_and_readme_block_is_what_the_code_gives_now():
    docs = _docs_script()
    stale = [str(p.relative_to(ROOT)) for p, text in docs.expected().items() if p.read_text() != text]
    assert not stale, f"regenerate with `python scripts/docs.py write`: {stale}"


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
