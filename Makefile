# Two commands for a fresh clone: `make lab` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
JUPYTER := $(VENV)/bin/jupyter
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# configurable-http-proxy (npm) for the JupyterHub test, kept inside the venv.
HUB_PROXY := $(VENV)/hub-proxy
# The venv first on PATH: the plugin build calls its `jlpm`; the hub test finds the proxy.
export PATH := $(abspath $(VENV))/bin:$(abspath $(HUB_PROXY))/node_modules/.bin:$(PATH)
PYTEST_ARGS ?=
LAB_ARGS ?=

.PHONY: help install lab test test-fast test-js test-browser bench bench-scale browser-deps hub-proxy build clean

help:
	@echo "make lab        JupyterLab with the extension, on the embedded PostgreSQL"
	@echo "make test       the whole test suite (set JUPYTER_ARTIFACTS_TEST_DATABASE_URL to use a server)"
	@echo "make test-fast  skip slow and browser tests"

# The venv, the package (editable) and its built JupyterLab plugin; redone when inputs change.
$(VENV)/.installed: pyproject.toml labextension/package.json labextension/yarn.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# jupyterlab first: its jlpm builds the plugin during the editable install.
	$(PY) -m pip install --quiet "jupyterlab>=4.6,<5" "hatch-jupyter-builder>=0.9" "hatch-nodejs-version>=0.3.2" hatchling editables
	$(PY) -m pip install --quiet --no-build-isolation -e ".[test]"
	# The environment's copy of the plugin becomes a link to the build, so `make build` is live.
	$(VENV)/bin/jupyter-builder develop --overwrite .
	touch $@

install: $(VENV)/.installed

# Rebuild the plugin after editing labextension/src (the editable install built it once).
build: install
	cd labextension && ../$(VENV)/bin/jlpm install --immutable && ../$(VENV)/bin/jlpm build:prod

# On the embedded PostgreSQL, a first run loads the demonstration debate (never into a
# database named by JUPYTER_ARTIFACTS_DATABASE_URL).
lab: install
	@if [ -z "$$JUPYTER_ARTIFACTS_DATABASE_URL" ]; then $(JUPYTER) artifacts demo --if-empty; fi
	$(JUPYTER) lab $(ROOT_FLAG) $(LAB_ARGS)

# Debian's chromium drives the browser tests (Playwright's own download is unreachable here).
browser-deps:
	@{ command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi "color emoji"; } || { \
	  echo "Installing chromium (and an emoji font, for the 🔗 chips) for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; }

# JupyterHub's proxy for tests/hub (from the npm registry; the wheel never needs Node).
$(HUB_PROXY)/node_modules/.bin/configurable-http-proxy:
	@command -v npm >/dev/null || { echo "npm is needed for the JupyterHub test's proxy (apt-get install npm)"; exit 1; }
	npm install --silent --no-audit --no-fund --prefix $(HUB_PROXY) configurable-http-proxy

hub-proxy: $(HUB_PROXY)/node_modules/.bin/configurable-http-proxy

test: install browser-deps test-js hub-proxy
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

test-fast: install test-js
	$(PY) -m pytest -n 2 --dist loadfile -m "not slow and not browser" $(PYTEST_ARGS)

# Unit tests of the plugin's pure modules (vitest).
test-js: install
	cd labextension && ../$(VENV)/bin/jlpm install --immutable >/dev/null && ../$(VENV)/bin/jlpm test

test-browser: install browser-deps
	$(PY) -m pytest -m browser $(PYTEST_ARGS)

# Every benchmark, then one table of every figure against its goal (DESIGN.md's targets).
bench: install browser-deps
	# The replay study's notebooks import these (from PyPI; nothing is fetched while they run).
	$(PY) -m pip install --quiet numpy pandas matplotlib sympy scipy ipywidgets
	$(PY) benchmarks/run_all.py

# Lineage, search and append at 10x the seed (13.5 M steps, 10 M versions): hours, and tens of GB.
bench-scale: install
	$(PY) benchmarks/run_all.py --scale 10

clean:
	rm -rf $(VENV) labextension/node_modules labextension/lib labextension/tsconfig.tsbuildinfo \
	  jupyter_artifacts/labextension jupyter_artifacts/_version.py
