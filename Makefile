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

.PHONY: demo test test-ray lint bench install core bytecode chromium
install: $(STAMP) core bytecode

# The compiled core (smpcheck/_compiled.py): the hot modules built with mypyc when a C
# compiler and Python's headers are here, again whenever a source it was built from has
# changed; otherwise, if the build fails, or with SMPCHECK_PURE=1 (`make install
# SMPCHECK_PURE=1`), one line says the core runs as pure Python.
core: $(STAMP)
	@$(BIN)/python smpcheck/_compiled.py build

# smpcheck's bytecode, as pip writes it when it installs a wheel: with
# PYTHONDONTWRITEBYTECODE set, an editable checkout without it compiles every module
# a command imports from source, every run (about 0.13 s of the kernel's 35 tests'
# 0.45 s).  A module edited since is compiled from source again, never run stale.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q smpcheck

demo: $(STAMP) core
	$(BIN)/smpcheck kvm demo

test: $(STAMP) core
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

# Debian's chromium, for the test that loads the HTML report in a real browser
# (tests/test_html.py; it skips, saying why, without it).  Installed only as root
# with apt-get; anywhere else this says so and the test skips.
chromium:
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get install -y -q --no-install-recommends chromium \
	  || { apt-get update -q && apt-get install -y -q --no-install-recommends chromium; } \
	  || echo "chromium: apt-get could not install it: the browser test will skip"; \
	else echo "chromium: not installed (needs root and apt-get): the browser test will skip"; fi
