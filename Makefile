# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= config.toml

# The suites that run again on a throwaway PostgreSQL server (`make test-postgres`); the
# end-to-end files stay on SQLite, so they are left out here.
POSTGRES_TESTS := tests/test_migrations.py tests/onboarding tests/rotation tests/learnings tests/reminders

.PHONY: run test test-postgres lint bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: install it (or run make PYTHON=/path/to/python3.11)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot run --config $(CONFIG) --demo-if-no-token

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-postgres: $(STAMP)
	@url=$$(.ci/postgres.sh) || exit 1; \
	trap '.ci/postgres.sh stop' EXIT; trap 'exit 130' INT TERM; \
	echo "== PostgreSQL on $${url##*@}"; \
	COP_TEST_DATABASE_URL="$$url" $(BIN)/python -m pytest -q -m "not e2e" \
		--ignore-glob='*/test_e2e_*' $(POSTGRES_TESTS)

lint: $(STAMP)
	$(BIN)/ruff check bot cogs tests benchmarks migrations/env.py
	$(BIN)/ruff format --check bot cogs tests benchmarks migrations/env.py
	$(BIN)/mypy bot cogs
	$(BIN)/lint-imports
	$(BIN)/python -m alembic -x url=sqlite+aiosqlite:///$(CURDIR)/.alembic-check.sqlite3 upgrade head
	$(BIN)/python -m alembic -x url=sqlite+aiosqlite:///$(CURDIR)/.alembic-check.sqlite3 check
	@rm -f .alembic-check.sqlite3*

bench: $(STAMP)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
