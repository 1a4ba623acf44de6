# Costbook: two commands for a new user.
#   make run    set up and open the app on the demo company
#   make test   set up and run the whole test suite (installs Debian chromium for browser tests)
# For the edit loop: make test-fast (no browser, no Spark).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test test-fast setup setup-dev system-deps lint bench clean-data

run: setup
	$(PY) -m streamlit run app.py --server.port $(PORT)

test: setup-dev system-deps
	$(PY) -m ruff check .
	$(PY) -m pytest --doctest-modules lib tests

test-fast: setup-dev
	$(PY) -m ruff check .
	$(PY) -m pytest --doctest-modules lib tests -m "not browser and not spark"

setup: $(VENV)/.installed

setup-dev: $(VENV)/.installed-dev

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt requirements-spark.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt -r requirements-spark.txt
	touch $@

# Browser tests drive Debian's Chromium; PDF tests read PDFs with poppler-utils; Spark tests need Java.
system-deps:
	@bash scripts/system-deps.sh

lint: setup-dev
	$(PY) -m ruff check .

bench: setup-dev
	$(PY) bench/run_all.py

clean-data:
	rm -rf data/lake data/state.db* data/demo
