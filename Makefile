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

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

## run: migrate a SQLite database under instance/, seed the demo, serve Parley and the demo news site
run: $(VENV)/.runtime
	$(BIN)/python -m demo

## test: install what the tests need and run them all (unit, HTTP, SQLite and PostgreSQL, browser)
test: $(VENV)/.dev
	$(BIN)/python -m pytest

## serve: Parley alone under gunicorn, configured by PARLEY_* variables (see README)
serve: $(VENV)/.runtime
	$(BIN)/gunicorn --workers 2 --bind 127.0.0.1:5000 wsgi:app
