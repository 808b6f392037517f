# Two commands do everything on a fresh Debian machine:
#   make demo   install, migrate, load the Huai'an demo city, serve on http://127.0.0.1:5000
#   make test   install, run the whole suite on SQLite and on PostgreSQL
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000
SEED   ?= 2026
RETAILERS ?= 20000
# Debian packages: WeasyPrint (pango, harfbuzz-subset), a Chinese font, pdftotext, Chromium for browser tests.
# faketime runs the suite on other dates (make test-dates).
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei poppler-utils chromium faketime
PG_ADMIN_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
export PG_ADMIN_URL

.PHONY: demo test test-sqlite test-postgresql test-dates install system-deps translations i18n serve worker migrate bench clean

install: $(STAMP) translations

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO=sudo; else \
	    echo "cannot install$$missing: run as root or install them by hand" >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

translations: $(STAMP)
	@$(BIN)/pybabel compile -d app/translations >/dev/null

# Re-extract messages and merge them into the catalogues; prints every Chinese entry untranslated or
# fuzzy and fails while there is any (messages.po is the only source of Chinese text).
i18n: $(STAMP)
	$(BIN)/python tools/i18n_merge.py
	$(BIN)/pybabel compile -d app/translations >/dev/null

migrate: install
	$(FLASK) db upgrade

# The web server and one background worker together (Procfile, honcho): one Ctrl-C stops both.
demo: install system-deps
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty --seed $(SEED) --retailers $(RETAILERS)
	@echo ""
	@echo "Serving on http://$(HOST):$(PORT) with a background worker  (Ctrl-C stops both)"
	HOST=$(HOST) WEB_PORT=$(PORT) $(BIN)/honcho start -f Procfile

# Production: gunicorn with WEB_WORKERS processes here, and the job runner's workers as their own
# service (set REDIS_URL so every process shares one queue): see README "Running it for real".
WEB_WORKERS ?= 2
serve: install
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) --workers $(WEB_WORKERS) wsgi:app

# One background worker process (production runs it under systemd or similar, next to `make serve`).
JOB_THREADS ?= 2
worker: install
	$(FLASK) jobs worker --workers $(JOB_THREADS)

test: install system-deps
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgresql

test-sqlite:
	@echo "== test suite on SQLite =="
	TEST_DB=sqlite $(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgresql:
	@echo "== test suite on PostgreSQL =="
	@if ! $(BIN)/python -c "import os,sqlalchemy as s; s.create_engine(os.environ['PG_ADMIN_URL']).connect().close()" 2>/dev/null; then \
	  if [ "$$CI" = "true" ]; then echo "PostgreSQL is not reachable at $(PG_ADMIN_URL): CI fails without it" >&2; exit 1; fi; \
	  echo "WARNING: PostgreSQL is not reachable at $(PG_ADMIN_URL); the PostgreSQL run is SKIPPED (CI would fail)" >&2; exit 0; \
	fi; \
	TEST_DB=postgresql $(BIN)/python -m pytest $(PYTEST_ARGS)

# The SQLite suite with the machine's clock moved (libfaketime): a test that reads the machine's date
# instead of pinning the one clock fails here. "@" starts the clock at that moment and lets it run
# (a frozen clock hangs the test process at exit). The monotonic clock is left alone: timed waits
# (threading.Timer, lock timeouts) measure it, and faked they never end. TEST_DATES overrides the dates.
TEST_DATES ?= 2027-06-15 2028-02-29
test-dates: install system-deps
	@for d in $(TEST_DATES); do \
	  echo "== test suite on SQLite, machine clock at $$d =="; \
	  TEST_DB=sqlite FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "@$$d 10:00:00" $(BIN)/python -m pytest -p no:randomly $(PYTEST_ARGS) || exit 1; \
	done

bench: install
	@for f in bench/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build .pytest_cache instance/*.sqlite3
