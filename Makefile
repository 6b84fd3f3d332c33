# esp-tui: `make demo` runs the app on a demo cohort, `make test` runs lint + tests.
# Needs only python3 (>= 3.11) and make; the virtualenv is created in .venv on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
# Reproducible installs: every dependency pinned in constraints.txt.
INSTALL := $(PIP) install --disable-pip-version-check -c constraints.txt
# `make demo` says what it does, one line a step, and shows pip's own progress (the first
# install takes minutes); `make test` and `make lint` keep the CI log short (pip --quiet).
STEP := @echo "==> esp-tui:"

.PHONY: demo test lint bench format clean

$(BIN)/python:
	$(STEP) "checking $(PYTHON) is Python 3.11 or newer"
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "esp-tui needs Python >= 3.11; $(PYTHON) is $$($(PYTHON) --version 2>&1)." \
	       "Try: make demo PYTHON=python3.12"; exit 1; }
	$(STEP) "creating the virtualenv in $(VENV) ($(PYTHON) -m venv $(VENV))"
	@$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(STEP) "installing esp-tui and its pinned dependencies into $(VENV) (first time: a few minutes)"
	@$(INSTALL) --progress-bar on -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/python
	$(STEP) "installing esp-tui with its test and lint tools into $(VENV) (pip --quiet)"
	@$(INSTALL) --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(STEP) "starting the demo cohort ($(BIN)/esp-tui demo; q quits)"
	@$(BIN)/esp-tui demo

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest -n auto

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache snapshot_report.html
