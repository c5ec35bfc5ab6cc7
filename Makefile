# cxsim: the two commands of the README, and a few more.
#   make demo   runs the flagship comparison and writes reports/people_vs_ads.html
#   make test   runs the whole test suite (installs what the tests need)
# Each target sets up .venv (Python >= 3.12, pinned by requirements.lock) first.

PY := .venv/bin/python
SHELL := /bin/bash

.PHONY: setup demo test app notebooks bench clean help

help:
	@echo "make demo        the flagship comparison: KPI table + reports/people_vs_ads.html"
	@echo "make test        the whole test suite"
	@echo "make bench       the benchmarks (figures for the README)"
	@echo "make notebooks   JupyterLab on the teaching notebooks (notebooks/)"

setup:
	@bash scripts/setup.sh

demo: setup
	@mkdir -p reports
	$(PY) -m cxsim.cli compare scenarios/people_vs_ads.toml --report reports/people_vs_ads.html

test: setup
	@bash scripts/test-deps.sh
	$(PY) -m pytest -n 2 --dist loadgroup

bench: setup
	$(PY) benchmarks/bench_engines.py

notebooks: setup  # --allow-root only when run as root (containers)
	$(PY) -m jupyter lab --ServerApp.root_dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

clean:
	rm -rf .venv reports artifacts .pytest_cache
