# The two commands of the README: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
NODE_DIR := tests/interop

.PHONY: run test check lint typecheck pytest install install-test node test-postgres test-browser clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Re-install whenever the pins change.
$(VENV)/.installed: pyproject.toml constraints.txt | $(PY)
	$(PIP) install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(PY)
	$(PIP) install --quiet -c constraints.txt -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# The independent implementations the interop tests and benchmarks run (from the committed lock file).
$(NODE_DIR)/node_modules/.installed: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --silent
	touch $@

node: $(NODE_DIR)/node_modules/.installed

## make run: set up, migrate the embedded SQLite database, create the demo institution, start both apps.
run: install
	$(VENV)/bin/microcred serve --dev

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install-test
	$(VENV)/bin/mypy

pytest: install-test node
	$(VENV)/bin/pytest

## make test: lint, type check and the whole suite.
test: lint typecheck pytest

check: test

## The same database tests against a throwaway PostgreSQL cluster (Debian's postgresql; see .ci/postgres.sh).
test-postgres: install-test
	bash .ci/postgres.sh

## The real-browser suite: Debian's chromium driven by Python playwright (never `playwright install`).
$(VENV)/.installed-browser: pyproject.toml constraints.txt | $(PY)
	$(PIP) install --quiet -c constraints.txt -e '.[test,browser]'
	touch $(VENV)/.installed $(VENV)/.installed-test $@

test-browser: $(VENV)/.installed-browser
	[ -x /usr/bin/chromium ] || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
	MICROCRED_BROWSER_TESTS=1 $(VENV)/bin/pytest tests/browser

clean:
	rm -rf $(VENV) $(NODE_DIR)/node_modules .pytest_cache .mypy_cache .ruff_cache
