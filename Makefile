# cxsim: the commands of the README, and a few more.
#   make app    serves the planner on http://127.0.0.1:8501
#   make viz    serves the live view of a small market on http://127.0.0.1:8765
#   make demo   runs the flagship comparison and writes reports/people_vs_ads.html
#   make test   runs the whole test suite (installs what the tests need)
# Each target sets up .venv (Python >= 3.12, pinned by requirements.lock) first.

PY := .venv/bin/python
SHELL := /bin/bash

.PHONY: setup demo test app viz notebooks bench docs site clean help

help:
	@echo "make app         the planner: compare people vs ads in the browser (http://127.0.0.1:8501)"
	@echo "make viz         a live view of a small market: network, funnel, NPS (http://127.0.0.1:8765)"
	@echo "make demo        the flagship comparison: KPI table + reports/people_vs_ads.html"
	@echo "make test        the whole test suite"
	@echo "make bench       the benchmarks (figures for the README)"
	@echo "make notebooks   JupyterLab on the teaching notebooks (notebooks/)"
	@echo "make docs        the documentation site, built strictly into site/"

setup:
	@bash scripts/setup.sh

demo: setup
	@mkdir -p reports
	$(PY) -m cxsim.cli compare scenarios/people_vs_ads.toml --report reports/people_vs_ads.html

app: setup
	$(PY) app/serve.py --server.address 127.0.0.1 --server.port 8501 \
		--server.headless true --browser.gatherUsageStats false --client.toolbarMode minimal

viz: setup
	$(PY) -m cxsim.cli viz --port 8765

test: setup
	@bash scripts/test-deps.sh
	$(PY) -m ruff check cxsim app tests benchmarks notebooks scripts
	.venv/bin/lint-imports
	@$(MAKE) --no-print-directory site
	$(PY) -m pytest -n 2 --dist loadgroup

bench: setup
	$(PY) benchmarks/bench_engines.py
	$(PY) benchmarks/bench_sweep.py

# the site from docs/: `make docs` regenerates the generated pages and README blocks (scripts/docs.py write;
# tests/test_docs.py fails when they differ from the code), then builds the site. `make site`, in `make test`,
# builds it strictly from the pages as they are. Either way the lessons are executed (two at a time) so the
# site shows their outputs and figures.
docs: setup
	$(PY) scripts/docs.py write
	@$(MAKE) --no-print-directory site

site:
	rm -rf docs/notebooks && mkdir -p docs/notebooks && cp notebooks/*.ipynb docs/notebooks/
	cd docs/notebooks && ls *.ipynb | xargs -P 2 -I{} $(abspath $(PY)) -m jupyter nbconvert --to notebook \
		--execute --inplace --log-level=WARN --ExecutePreprocessor.timeout=600 {}
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --quiet

notebooks: setup  # --allow-root only when run as root (containers)
	$(PY) -m jupyter lab --ServerApp.root_dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

clean:
	rm -rf .venv reports artifacts .pytest_cache site docs/notebooks
