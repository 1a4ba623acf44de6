# Costbook: two commands for a new user.
#   make run    set up and open the app on the demo company
#   make test   set up and run the whole test suite (installs Debian chromium for browser tests)
# For the edit loop: make test-fast (no browser, no Spark).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# The FinOps Foundation's FOCUS validator needs Python 3.12 and its own pins: a second environment.
FV_VENV := .venv-fv

.PHONY: run test test-fast setup setup-dev setup-fv system-deps lint bench clean-data

run: setup
	$(PY) -m streamlit run app.py --server.port $(PORT)

test: setup-dev setup-fv system-deps
	$(PY) -m ruff check .
	COSTBOOK_FOCUS_VALIDATOR=$(CURDIR)/$(FV_VENV)/bin/focus-validator $(PY) -m pytest --doctest-modules lib tests

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

setup-fv: $(FV_VENV)/.installed

# scripts/fv-python.sh finds a working python3.12 (PATH, then pyenv's) or stops with what to install.
$(FV_VENV)/.installed: requirements-fv.txt scripts/fv-python.sh
	@py=$$(bash scripts/fv-python.sh) || exit 1; echo "FOCUS validator environment from $$py"; \
	  rm -rf $(FV_VENV) && $$py -m venv $(FV_VENV)
	$(FV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(FV_VENV)/bin/python -m pip install --quiet -r requirements-fv.txt
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
