# Quick start: `make demo` (install and run the demo), `make test` (install and run the tests).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast test-db test-reliability install lock lint typecheck bench migration-initial clean

$(BIN)/python:
	@echo "==> Creating the virtual environment $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

# The exact versions the tests passed with (requirements.lock), then traded itself without resolving again.
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	@echo "==> Installing the pinned dependencies from requirements.lock (a couple of minutes the first time)"
	$(BIN)/python -m pip install -r requirements.lock
	@echo "==> Installing traded itself (editable, no dependencies resolved again)"
	$(BIN)/python -m pip install --no-deps -e .
	touch $(STAMP)
	@echo "==> Installed: $(BIN)/traded"

# After changing a dependency in pyproject.toml: re-pin requirements.lock, then `make test`.
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra test --strip-extras --no-emit-index-url --no-emit-find-links \
		-o requirements.lock pyproject.toml

install: $(STAMP)

# The demo has its own database file: traded.db, where a real ledger lives, is never touched.
demo: $(STAMP)
	rm -f demo.db demo.db-wal demo.db-shm
	@echo "==> Building demo.db: 31 schools, a year of cases, bill runs and payments; PDFs in demo-output/ (under a minute)"
	$(BIN)/traded --db sqlite:///demo.db demo --out demo-output

# Two workers on a two-core machine: each has its own SQLite files and PostgreSQL database.
# Tests are handed out one at a time, the slow ones first (tests/conftest.py), so neither worker
# is left with a queue of long tests while the other idles.
test: $(STAMP)
	@echo "==> Running the test suite on two workers: SQLite, and PostgreSQL if one answers (the last line says which)"
	@.ci/ensure-chromium || echo "==> No Chromium: the browser tests (tests/browser) will be skipped"
	@.ci/ensure-poppler || echo "==> No pdftotext: the tests reading PDFs back as printed will be skipped"
	$(BIN)/python -m pytest -q -n auto --maxschedchunk 1

# One layer at a time (markers set in tests/conftest.py); `make test` runs them all.
# Pure pricing, contracts and invoices tests: no database, seconds.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m pure

# Tests on a database (SQLite and PostgreSQL), the reliability tests aside.
test-db: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --maxschedchunk 1 -m "database and not reliability"

# Kills, races, bad input and ledger invariants (tests/reliability/).
test-reliability: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --maxschedchunk 1 -m reliability

lint: $(STAMP)
	$(BIN)/python -m ruff check pricing contracts invoices billing cli tests bench

# Strict typing on every package.
typecheck: $(STAMP)
	$(BIN)/python -m mypy --strict pricing contracts invoices billing cli

bench: $(STAMP)
	$(BIN)/python bench/billrun.py

# Before the first release only: regenerate the initial migration from the models.
migration-initial: $(STAMP)
	rm -f billing/migrations/versions/0001_initial_schema.py /tmp/traded-migration.db
	$(BIN)/python -c "from alembic import command; from billing.db import make_engine, alembic_config; \
command.revision(alembic_config(make_engine('sqlite:////tmp/traded-migration.db')), message='initial schema', autogenerate=True, rev_id='0001')"
	sed -i '/^Create Date:/d' billing/migrations/versions/0001_initial_schema.py

clean:
	rm -rf $(VENV) demo.db demo.db-wal demo.db-shm demo-output .pytest_cache
