# The two commands: `make run` (set up and serve on SQLite) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run setup install test lint typecheck pytest bench clean

# DEBUG is off unless asked for; the development server and its set-up ask for it.
DEV := DEBUG=1

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

setup: install
	$(PY) manage.py compile_translations
	$(DEV) $(PY) manage.py migrate --noinput
	$(DEV) $(PY) manage.py seed_demo

run: setup
	@echo "Serving the portal on http://$(HOST):$(PORT)/ (log in with a demo login above)"
	$(DEV) $(PY) manage.py runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .

typecheck: install
	$(VENV)/bin/mypy .

pytest: install
	$(PY) manage.py compile_translations
	$(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest

bench: install
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .mypy_cache .ruff_cache .pytest_cache
