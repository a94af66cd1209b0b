# Plan Delivery Tracker. `make run` serves the demo; `make test` runs the checks
# and the quick tests, `make test-all` every test.
# Python 3.12+ is needed (Django 6.1); .python-version asks pyenv for 3.13.
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
STATIC_BUILT := staticfiles/staticfiles.json
STATIC_SOURCES := $(shell find static -type f -not -path 'static/build/*' 2>/dev/null)
NODE_INSTALLED := node_modules/.package-lock.json
FRONTEND := static/build/app.css

.PHONY: install run test test-all lint serve demo migrate bench load clean backup restore screenshots

## install: create .venv, install the pinned dependencies, build static files (idempotent)
install: $(INSTALLED) $(STATIC_BUILT)

# The pinned packages go in with uv, pinned here and installed into .venv by pip: it
# downloads in parallel and installs in seconds, where pip takes from half a minute to
# several on a slow network or a busy machine. `make install PIP=pip` uses pip alone.
PIP ?= uv
UV_VERSION ?= 0.13.9

$(INSTALLED): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python 3.12 or newer is needed; found " + sys.version.split()[0])'
	@echo "== Python environment in $(VENV)/ (from $(PYTHON))"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
ifeq ($(PIP),pip)
	@echo "== Pinned packages (requirements-dev.txt) with pip"
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on \
		-r requirements-dev.txt
else
	@echo "== uv $(UV_VERSION), then the pinned packages (requirements-dev.txt) with it"
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on \
		uv==$(UV_VERSION)
	$(BIN)/uv pip install --python $(BIN)/python -r requirements-dev.txt
endif
	touch $@

# Front-end packages from npm (GOV.UK Frontend, htmx, sass), pinned by package-lock.json.
$(NODE_INSTALLED): package.json package-lock.json
	@echo "== Front-end packages from npm (package-lock.json)"
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Our Sass compiled with GOV.UK Frontend's, and the vendor scripts and assets we serve
# ourselves (nothing loads from another site), into the ignored static/build/.
$(FRONTEND): $(NODE_INSTALLED) $(STATIC_SOURCES)
	@echo "== Styles and scripts into static/build/"
	mkdir -p static/build/govuk
	npx sass --no-source-map --quiet-deps --load-path=node_modules --style=compressed \
		static/scss/app.scss static/build/app.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/build/govuk/
	cp -r node_modules/govuk-frontend/dist/govuk/assets static/build/govuk/
	cp node_modules/htmx.org/dist/htmx.min.js static/build/

$(STATIC_BUILT): $(INSTALLED) $(FRONTEND) $(STATIC_SOURCES)
	@echo "== Static files into staticfiles/"
	$(BIN)/python manage.py collectstatic --noinput --clear -v0

## run: install, migrate the SQLite database, load the demo and serve on 127.0.0.1:8000
run: install migrate demo serve

migrate: install
	@echo "== Migrating the database"
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	@echo "== Loading the demonstration data (some seconds the first time)"
	$(BIN)/python manage.py load_demo

# The address is printed the moment the server answers (runserver's own banner comes
# before it is ready), by a watcher beside it that goes when the server stops.
HOST := 127.0.0.1
PORT := 8000
ANSWERS := $(BIN)/python -c 'import socket; socket.create_connection(("$(HOST)", $(PORT)), 1)' 2>/dev/null
serve: install
	@if $(ANSWERS); then echo "Something already answers on $(HOST):$(PORT); stop it, or add PORT=8001"; exit 1; fi
	@echo "== Starting the server"
	@until $(ANSWERS); do sleep 0.2; done \
		&& echo "Serving on http://$(HOST):$(PORT) — sign in at /sign-in/ (Ctrl+C to stop)" & \
	watcher=$$!; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT); status=$$?; \
	kill $$watcher 2>/dev/null; exit $$status

## lint: ruff, mypy on the apps (all but views, forms, admin: pyproject.toml), Django's system checks and missing migrations
lint: install
	mkdir -p var
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core plans deliverables scrutiny
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

## test: lint, then the test suite but for the slow proofs (before each commit)
test: lint
	$(BIN)/python -m pytest -n auto --dist worksteal --durations=15 -m "not slow and not load"

## test-all: lint, then every test but the load test, the slow proofs too (before a
## release; what CI runs, on PostgreSQL and on SQLite)
test-all: lint
	$(BIN)/python -m pytest -n auto --dist worksteal --durations=15 -m "not load"

## load: the loopback load test (tests/test_load.py): 20 API clients and 10 dashboard
## readers for LOAD_SECONDS (60) against gunicorn; needs DATABASE_URL=postgres://...
load: install
	$(BIN)/python -m pytest -m load -s tests/test_load.py

## bench: on a fresh PostgreSQL database, generate SIZE=national (or stress) data with
## seed_scale and time the pages and API on it; the table goes into docs/performance.md
PG_SERVER ?= postgres://postgres@127.0.0.1:5432
BENCH_DB ?= plan_delivery_bench
# The files the run stores (its reports' PDFs), kept apart and removed with the database.
BENCH_MEDIA ?= var/bench-media
SIZE ?= national
bench: install
	psql -q "$(PG_SERVER)/postgres" -c "DROP DATABASE IF EXISTS $(BENCH_DB)" \
		-c "CREATE DATABASE $(BENCH_DB)"
	rm -rf $(BENCH_MEDIA)
	DATABASE_URL="$(PG_SERVER)/$(BENCH_DB)" $(BIN)/python manage.py migrate -v0
	# bench runs seed_scale first (the database is empty), timing it too. Both come
	# from the developer-only perf app, which PERF_TOOLS installs even when DEBUG=false.
	PERF_TOOLS=true MEDIA_ROOT=$(BENCH_MEDIA) DATABASE_URL="$(PG_SERVER)/$(BENCH_DB)" \
		$(BIN)/python manage.py bench --size $(SIZE) --output docs/performance.md
	psql -q "$(PG_SERVER)/postgres" -c "DROP DATABASE $(BENCH_DB)"
	rm -rf $(BENCH_MEDIA)

## backup: back up the database (DATABASE_URL) and the evidence files into one
## archive under var/backups/ (docs/backups.md)
backup: $(INSTALLED)
	$(BIN)/python manage.py backup

## restore: restore BACKUP=var/backups/<file>.tar.gz, replacing the database's contents;
## add YES=1 when the database already holds data
restore: $(INSTALLED)
	@test -n "$(BACKUP)" || { echo "Say which backup: make restore BACKUP=var/backups/<file>.tar.gz"; exit 2; }
	$(BIN)/python manage.py restore "$(BACKUP)" $(if $(YES),--yes)

## screenshots: a PNG of every page of the demo, 1280 and 375 px wide, each as the
## person who uses it, into var/screenshots/ (from a new demo database in var/);
## DOCS_IMAGES=1 also refreshes the README's pictures in docs/images/
SCREENSHOTS_DB ?= var/screenshots.sqlite3
SCREENSHOTS_MEDIA ?= var/screenshots-media
screenshots: install
	rm -rf $(SCREENSHOTS_DB) $(SCREENSHOTS_DB)-wal $(SCREENSHOTS_DB)-shm \
		$(SCREENSHOTS_MEDIA) var/screenshots
	DEBUG=true TASKS_BACKEND=immediate MEDIA_ROOT=$(SCREENSHOTS_MEDIA) \
		DATABASE_URL="sqlite:///$(CURDIR)/$(SCREENSHOTS_DB)" \
		$(BIN)/python manage.py screenshots --output var/screenshots \
		$(if $(DOCS_IMAGES),--docs-images docs/images)

clean:
	rm -rf $(VENV) staticfiles static/build node_modules
