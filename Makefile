# Two commands: `make run` sets up and starts the app; `make test` sets up, lints and runs every test.
# While editing: `make test-fast` (lint, then the tests not marked slow or browser: under 2 minutes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: run test test-fast lint bench browser servers cluster cluster-down clean lock

# The app's environment: created if needed, installed from the lock file (exact versions, so every figure in the
# README was measured on named versions) and re-installed when the lock changes.
$(VENV)/.runtime-installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $@

# The test environment: the app's plus pytest, playwright, hypothesis, ruff and uv, from their lock file.
$(VENV)/.dev-installed: $(VENV)/.runtime-installed requirements-dev.lock
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	touch $@

# The lock files, written from the ranges in requirements.txt and requirements-dev.txt (for Python >= 3.11, any
# platform). Run after changing a range; `tests/test_requirements.py` checks that the locks satisfy the ranges.
lock: $(VENV)/.dev-installed
	for name in requirements requirements-dev; do \
	  $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --custom-compile-command "make lock" \
	    $$name.txt -o $$name.lock || exit 1; done

# Debian's Chromium for the browser tests (playwright cannot download browsers here), and axe-core for their
# accessibility scan, from npm at the version in tests/accessibility/package-lock.json (skipped, so offline-safe,
# once installed).
AXE := tests/accessibility/node_modules/axe-core/axe.min.js
browser: $(AXE)
	@test -x /usr/bin/chromium || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

$(AXE): tests/accessibility/package-lock.json
	@command -v npm >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm; }
	cd tests/accessibility && npm ci --no-audit --no-fund --silent
	touch $@

# Debian's PostgreSQL and HAProxy for the database and cluster tests and `make cluster` (the tests start their own
# PostgreSQL in a temporary folder; nothing is left running).
servers:
	@{ ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v haproxy >/dev/null; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql haproxy; }

# Several replicas behind HAProxy on this machine, sharing a local PostgreSQL (README, "Scaling out"), and a Ray
# head and worker node that run their training jobs (README, "Training on a Ray cluster"; CLUSTER_OPTIONS= without).
REPLICAS ?= 2
CLUSTER_OPTIONS ?= --ray
cluster: $(VENV)/.runtime-installed servers
	$(BIN)/python -m mnist_cnn.cluster up --replicas $(REPLICAS) $(CLUSTER_OPTIONS)

cluster-down:
	$(BIN)/python -m mnist_cnn.cluster down

run: $(VENV)/.runtime-installed
	$(BIN)/python -m streamlit run app.py

lint: $(VENV)/.dev-installed
	$(BIN)/python -m ruff check .

# The suite runs on two workers (pytest-xdist), one test file per worker at a time: much of it waits on
# servers, browsers and worker processes, so two workers finish in about 60% of the time one takes.
test: lint browser servers
	$(BIN)/python -m pytest --numprocesses=2 --dist=loadfile

test-fast: lint
	$(BIN)/python -m pytest -m "not slow and not browser" --numprocesses=2 --dist=loadfile

bench: $(VENV)/.dev-installed browser servers
	$(BIN)/python -m benchmarks.run_benchmarks --output benchmarks/RESULTS.md --readme README.md

clean:
	rm -rf $(VENV) .pytest_cache
