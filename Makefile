# The two commands of the README, and the checks CI runs. Each target installs what it needs
# into .venv first, so a fresh clone needs nothing but Python 3.11 and make.

VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# Two stamps: the demo needs only the runtime dependencies (no type checker, no test tools), so a
# newcomer's first `make demo` installs less; `make test` and `make lint` add the dev extra.
STAMP := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.installed-runtime

.PHONY: demo test lint bench clean

$(RUNTIME_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## Run the whole loop on the simulated org and SQLite, then serve the API and the dashboard.
demo: $(RUNTIME_STAMP)
	$(BIN)/handoff demo

## Run the test suite (SQLite and the local PostgreSQL).
test: $(STAMP)
	$(BIN)/python -m pytest

## Lint, type-check and check the import contracts, as CI does.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## Run every benchmark and print the figures.
bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache handoff-demo
