# Plan Delivery Tracker. `make run` serves the demo; `make test` runs every check.
# Python 3.12+ is needed (Django 6.1); .python-version asks pyenv for 3.13.
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
STATIC_BUILT := staticfiles/staticfiles.json
STATIC_SOURCES := $(shell find static -type f 2>/dev/null)

.PHONY: install run test lint serve demo migrate bench clean

## install: create .venv, install the pinned dependencies, build static files (idempotent)
install: $(INSTALLED) $(STATIC_BUILT)

$(INSTALLED): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python 3.12 or newer is needed; found " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(STATIC_BUILT): $(INSTALLED) $(STATIC_SOURCES)
	$(BIN)/python manage.py collectstatic --noinput --clear -v0

## run: install, migrate the SQLite database, load the demo and serve on 127.0.0.1:8000
run: install migrate demo serve

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v0

demo: migrate
	$(BIN)/python manage.py load_demo

serve: install
	@echo "Serving on http://127.0.0.1:8000 (press Ctrl+C to stop)."
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# Typed modules: the domain rules (services, querysets, importer, fuzzy dates).
TYPED := deliverables/fuzzydates.py deliverables/services.py deliverables/querysets.py \
	deliverables/importing.py plans/services.py plans/querysets.py

## lint: ruff, mypy on the typed modules, Django's system checks and missing migrations
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(TYPED)
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

## test: lint, then the whole test suite
test: lint
	$(BIN)/python -m pytest

## bench: time the API on a fresh PostgreSQL database; figures go to docs/performance.md
PG_SERVER ?= postgres://postgres@127.0.0.1:5432
BENCH_DB ?= plan_delivery_bench
bench: install
	psql -q "$(PG_SERVER)/postgres" -c "DROP DATABASE IF EXISTS $(BENCH_DB)" \
		-c "CREATE DATABASE $(BENCH_DB)"
	DATABASE_URL="$(PG_SERVER)/$(BENCH_DB)" $(BIN)/python manage.py migrate -v0
	DATABASE_URL="$(PG_SERVER)/$(BENCH_DB)" $(BIN)/python manage.py bench_api \
		--output docs/performance.md
	psql -q "$(PG_SERVER)/postgres" -c "DROP DATABASE $(BENCH_DB)"

clean:
	rm -rf $(VENV) staticfiles
