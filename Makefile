# The two commands of the README: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint browser bench chaos clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@ $(VENV)/.installed

## run: install, migrate the embedded SQLite database and serve the web chat
run: $(VENV)/.installed
	$(BIN)/netra serve

## test: install the dev extras (and Chromium for browser tests) and run the whole suite
test: $(VENV)/.installed-dev browser node_modules/.installed lint
	$(BIN)/pytest

# axe-core for the accessibility checks of the browser tests, exactly as package-lock.json says.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm is not installed: accessibility checks will be skipped"; fi

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: browser tests will be skipped"; fi; }

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench chat

## chaos: the fault campaign (kill -9 under load, Telegram-like retries); before a release
chaos: $(VENV)/.installed-dev
	$(BIN)/python -m bench chaos

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
