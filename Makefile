# The README's two commands: `make run` (the demo) and `make test` (everything tested).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test serve

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
