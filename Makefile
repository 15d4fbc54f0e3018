# Two commands on a fresh machine: `make demo` and `make test`. Needs Python 3.11+ and make.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin

SHARED_DATA ?= ../shared/data

.PHONY: demo test lint up bench clean install install-test model

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "escucha needs Python 3.11 or newer on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# The analysis model ships inside the package (escucha/analysis/shipped/). This rebuilds it
# from the labelled data beside the repo, and measures it: a release step, not a set-up step.
model: install
	ESCUCHA_SHARED_DATA=$(SHARED_DATA) $(BIN)/escucha train --release

demo: install
	$(BIN)/escucha demo

up: install
	$(BIN)/escucha up

bench: install
	$(BIN)/escucha bench

test: install-test
	$(BIN)/pytest -q

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy escucha config workers tasks
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .escucha models .pytest_cache .mypy_cache .ruff_cache
