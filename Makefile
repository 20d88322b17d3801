# The two set-up commands of the README: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo run test lint setup system browser production-tools translations
demo: setup system ## install, then serve a fresh demo centre on http://127.0.0.1:5000
	$(BIN)/onestop demo

run: setup         ## install, then serve the configured centre
	$(BIN)/onestop run

test: setup system browser production-tools lint  ## install, then run every test
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

setup: $(VENV)/.installed node_modules/.installed
	$(BIN)/pybabel compile --domain messages --directory translations

translations: $(VENV)/.installed  ## extract the strings again and merge them into every catalogue
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k lazy_gettext -k lazy_pgettext:1c,2 --no-location \
	  --sort-output --omit-header --no-wrap -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-wrap

$(VENV)/.installed: pyproject.toml requirements.lock
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --constraint requirements.lock --editable '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

system:            ## Debian packages the app uses: espeak-ng (spoken calls), Noto fonts (every script)
	@{ command -v espeak-ng && fc-list :lang=bn family | grep -q .; } >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) apt-get install -y -qq espeak-ng fonts-noto-core fonts-noto-cjk; }

browser:           ## Debian's Chromium, which the browser tests drive
	@command -v chromium >/dev/null || { \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

production-tools:  ## Debian's nginx (the production test runs it in front of two processes) and wrk (bench/)
	@{ command -v nginx || [ -x /usr/sbin/nginx ]; } >/dev/null && command -v wrk >/dev/null || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx wrk; }
