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

.PHONY: demo test test-ray lint bench install
install: $(STAMP)

demo: $(STAMP)
	$(BIN)/smpcheck kvm demo

test: $(STAMP)
	$(BIN)/ruff check smpcheck tests bench examples docs
	$(BIN)/mypy smpcheck
	$(BIN)/pytest -q -n 2

# Ray (about 40 s and 300 MB to install) stays out of the default install.
test-ray: $(STAMP)
	$(BIN)/pip install -q -e '.[dev,ray]'
	$(BIN)/pytest -q -rs tests/test_ray.py

lint: $(STAMP)
	$(BIN)/ruff check smpcheck tests bench examples docs
	$(BIN)/mypy smpcheck

bench: $(STAMP)
	$(BIN)/python bench/run.py
