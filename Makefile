# The README's two commands: `make run` (the demo) and `make test` (everything tested).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test serve bench soak

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# A stamp per requirements file, so a changed pin reinstalls and an unchanged one doesn't.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.demo: requirements.txt requirements-demo.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-demo.txt
	touch $@ $(VENV)/.runtime

$(VENV)/.dev: requirements.txt requirements-demo.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.demo $(VENV)/.runtime

## run: migrate a SQLite database under instance/, seed the demo, serve Parley, the demo news site and Demo ID
run: $(VENV)/.demo
	$(BIN)/python -m demo

## test: install what the tests need and run them all (unit, HTTP, SQLite and PostgreSQL, browser)
test: $(VENV)/.dev
	$(BIN)/python -m pytest

## serve: Parley alone under gunicorn, configured by PARLEY_* variables (see README)
serve: $(VENV)/.runtime
	$(BIN)/gunicorn --workers 2 --bind 127.0.0.1:5000 wsgi:app

ISSO_VENV := bench/.isso-venv

# Isso, the peer the benchmark compares with, in a venv of its own (gitignored).
$(ISSO_VENV)/.installed: bench/requirements-isso.txt
	$(PYTHON) -m venv $(ISSO_VENV)
	$(ISSO_VENV)/bin/pip install --quiet -r bench/requirements-isso.txt
	touch $@

## bench: Parley under gunicorn against Flask's hello world and Isso (wrk, else a Python load generator); writes bench/results/latest.md
bench: $(VENV)/.dev $(ISSO_VENV)/.installed
	@sh bench/ensure_wrk.sh
	$(BIN)/python bench/parley_bench.py $(BENCH_ARGS)

## soak: 4 gunicorn workers on a PostgreSQL and a Redis of its own, 100 readers and 20 posters for 60 s while Redis, PostgreSQL and gunicorn fail; checks the database; writes bench/results/soak-latest.md
soak: $(VENV)/.dev
	$(BIN)/python bench/soak.py $(SOAK_ARGS)
