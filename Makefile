# Privacy-compliance analytics. `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# the officer's notebooks, with outputs that name patients: owner-only, never in the checkout
WORKSPACE ?= $(or $(XDG_DATA_HOME),$(HOME)/.local/share)/medspa-compliance-analytics/workspace

.PHONY: help install report test test-fast lint format lab sample browser clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-9s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# the distribution was called `analytics` before: drop that name's editable install
	$(BIN)/python -m pip uninstall --quiet --yes analytics 2>/dev/null || true
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name analytics --display-name "Python (analytics)"
	@# `git add` strips notebooks/*.ipynb of outputs (.gitattributes): no patient data in git
	$(BIN)/python -m analytics.devtools install-git-filter
	touch $(STAMP)

install: $(STAMP) ## create .venv, install the suite and register its Jupyter kernel

report: $(STAMP) browser ## HTML reports and index.pdf from the shipped sample, into reports/YYYY-MM/
	$(BIN)/analytics run

browser: ## install Debian's chromium for the browser tests (if missing)
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

lint: $(STAMP) ## ruff lint and format check, mypy on src/, no outputs in committed notebooks
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy src
	$(BIN)/python -m analytics.devtools check-notebooks notebooks

test: $(STAMP) browser lint ## lint, then every test: unit, CLI, notebooks (nbval), browser
	$(BIN)/python -m pytest -n 2 --dist loadfile

test-fast: $(STAMP) ## the tests that need no kernel, child process or browser (under a minute)
	$(BIN)/python -m pytest -m "not slow" -n 2 -q -p no:nbval -p no:hypothesispytest -o addopts="-ra --ignore=tests/fixtures" tests

format: $(STAMP) ## format the code and strip notebook outputs
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/python -m analytics.devtools strip-notebooks notebooks

lab: $(STAMP) ## open the officer's workspace in JupyterLab (made on first use, outside git)
	@# the workspace's own JupyterLab configuration (written by analytics workspace): this
	@# host only, kernels over Unix sockets, idle kernels shut down, no news or update check
	umask 077 && $(BIN)/analytics workspace "$(WORKSPACE)" && \
	  JUPYTER_CONFIG_DIR="$(WORKSPACE)/.jupyter" $(BIN)/jupyter lab --notebook-dir="$(WORKSPACE)"

sample: $(STAMP) ## regenerate data/sample from the generator
	$(BIN)/analytics sample --out data/sample

clean: ## remove the virtual environment and generated reports
	rm -rf $(VENV) reports
