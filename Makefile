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

# The analysis model is trained here from the labelled data beside the repo (research-only,
# so never shipped); without it, escucha analyses with its lexicons and rules.
model: install
	@if [ -d "$(SHARED_DATA)" ]; then $(BIN)/escucha train --if-missing; \
	else echo "no $(SHARED_DATA): analysis uses the bundled lexicons and rules"; fi

demo: model
	$(BIN)/escucha demo

up: install
	$(BIN)/escucha up

bench: model
	$(BIN)/escucha bench

test: install-test model
	$(BIN)/pytest -q

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy escucha config workers tasks

clean:
	rm -rf $(VENV) .escucha models .pytest_cache .mypy_cache .ruff_cache
