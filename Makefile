# The two entry points of the README: `make demo` and `make test`.
# Each creates .venv with what it needs; nothing else must be installed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

.PHONY: demo test lint bench install
install: $(STAMP)

demo: $(STAMP)
	$(BIN)/smpcheck kvm demo

test: $(STAMP)
	$(BIN)/ruff check smpcheck tests bench examples docs
	$(BIN)/mypy smpcheck
	$(BIN)/pytest -q -n 2

lint: $(STAMP)
	$(BIN)/ruff check smpcheck tests bench examples docs
	$(BIN)/mypy smpcheck

bench: $(STAMP)
	$(BIN)/python bench/run.py
