# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
# The first of these that runs (a pyenv shim may exist and still not run).
first_python = $(firstword $(shell for p in $(1); do if "$$p" -c "import sys" >/dev/null 2>&1; then echo "$$p"; fi; done))
# Python 3.11 to 3.13 (pyproject.toml's requires-python); the oldest one found is used.
ifndef PYTHON
PYTHON := $(or $(call first_python,python3.11 python3.12 python3.13),python3.11)
endif
# `make test-newest`: a second venv with the newest releases pyproject.toml allows, on the newest
# Python it claims (3.13) when that is installed, else on $(PYTHON).
ifndef NEWEST_PYTHON
NEWEST_PYTHON := $(or $(call first_python,python3.13 $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13)),$(PYTHON))
endif
NEWEST_VENV := .venv-newest
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= config.toml

# The suites that run again on a throwaway PostgreSQL server (`make test-postgres`); the
# end-to-end files stay on SQLite, so they are left out here.
POSTGRES_TESTS := tests/test_migrations.py tests/onboarding tests/rotation tests/learnings tests/reminders \
	tests/report tests/partnerships

.PHONY: run test test-fast test-newest test-postgres lint bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11, 3.12 or 3.13 is needed: install one (or run make PYTHON=/path/to/python3.11)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip "setuptools>=77" wheel
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot run --config $(CONFIG) --demo-if-no-token

# The report's browser test renders in Debian's Chromium; install it when we can (as root).
CHROMIUM_STAMP := $(VENV)/.chromium
$(CHROMIUM_STAMP): $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "== installing Chromium (Debian's package) for the report's browser test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "The report's browser test needs Chromium: run 'sudo apt-get install chromium'."; fi; }
	@touch $@

test: $(STAMP) $(CHROMIUM_STAMP)
	$(BIN)/python -m pytest -q

# The inner loop: everything but the emulator and demo tests (under a minute).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not e2e"

test-newest:
	@command -v $(NEWEST_PYTHON) >/dev/null 2>&1 || { echo "$(NEWEST_PYTHON) is not installed."; exit 1; }
	rm -rf $(NEWEST_VENV)
	$(NEWEST_PYTHON) -m venv $(NEWEST_VENV)
	$(NEWEST_VENV)/bin/python -m pip install --quiet --upgrade pip "setuptools>=77" wheel
	$(NEWEST_VENV)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e '.[dev]'
	@$(NEWEST_VENV)/bin/python --version
	@$(NEWEST_VENV)/bin/python -m pip list --format=freeze 2>/dev/null | grep -iE '^(discord.py|sqlalchemy|alembic|pydantic|cryptography|python-dateutil|apscheduler|aiohttp)=='
	$(NEWEST_VENV)/bin/python -m pytest -q -m "not e2e" -p no:cacheprovider

test-postgres: $(STAMP)
	@url=$$(.ci/postgres.sh) || exit 1; \
	trap '.ci/postgres.sh stop' EXIT; trap 'exit 130' INT TERM; \
	echo "== PostgreSQL on $${url##*@}"; \
	COP_TEST_DATABASE_URL="$$url" $(BIN)/python -m pytest -q -m "not e2e" \
		--ignore-glob='*/test_e2e_*' $(POSTGRES_TESTS)

lint: $(STAMP)
	$(BIN)/ruff check bot cogs emulator tests benchmarks migrations/env.py migrations/__init__.py migrations/ddl.py
	$(BIN)/ruff format --check bot cogs emulator tests benchmarks migrations/env.py migrations/__init__.py migrations/ddl.py
	$(BIN)/mypy  # bot, cogs, emulator, tests and migrations/ddl.py: [tool.mypy] files in pyproject.toml
	$(BIN)/lint-imports
	$(BIN)/python -m alembic -x url=sqlite+aiosqlite:///$(CURDIR)/.alembic-check.sqlite3 upgrade head
	$(BIN)/python -m alembic -x url=sqlite+aiosqlite:///$(CURDIR)/.alembic-check.sqlite3 check
	@rm -f .alembic-check.sqlite3*

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) $(NEWEST_VENV) .pytest_cache .mypy_cache .ruff_cache
