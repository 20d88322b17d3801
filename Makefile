# The two set-up commands of the README: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo run test lint setup browser
demo: setup        ## install, then serve a fresh demo centre on http://127.0.0.1:5000
	$(BIN)/onestop demo

run: setup         ## install, then serve the configured centre
	$(BIN)/onestop run

test: setup browser lint  ## install, then run every test
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --constraint requirements.lock --editable '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

browser:           ## Debian packages: Chromium (browser tests), espeak-ng (spoken calls)
	@{ command -v chromium && command -v espeak-ng; } >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium espeak-ng; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium espeak-ng; fi; }
