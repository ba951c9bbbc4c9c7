# frontdesk: `make run` serves the demo clinic, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install run test test-fast lint bench lock browser wrk clean

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv
	$(BIN)/uv pip install --python $(BIN)/python -q -r requirements.lock -e .
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/frontdesk migrate --noinput -v0
	$(BIN)/frontdesk demo
	$(BIN)/frontdesk serve

# Debian's chromium drives the browser journeys (never a downloaded browser).
browser:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || echo "chromium missing: browser tests will be skipped (apt-get install chromium)"; }

test: install browser
	$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS)

test-fast: install
	$(BIN)/python -m pytest -q -m "not browser" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy frontdesk
	$(BIN)/lint-imports
	$(BIN)/frontdesk makemigrations --check --dry-run -v1

# wrk drives the FHIR throughput benchmark (Debian's package).
wrk:
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || echo "wrk missing: the FHIR throughput benchmark will be skipped (apt-get install wrk)"; }

bench: install wrk
	$(BIN)/python -m bench $(BENCH)

lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev -o requirements.lock --python-version 3.11 -q

clean:
	rm -rf $(VENV) var
