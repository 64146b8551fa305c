# The two commands a newcomer runs: `make demo` and `make test`.
# Every target installs what it needs, idempotently, on a fresh Debian machine (as root,
# or with sudo available).

SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
APT_PACKAGES := xvfb chromium tesseract-ocr tesseract-ocr-eng ffmpeg fonts-dejavu-core \
                x11-utils ca-certificates scrot xdotool curl jq
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help system venv build-info install demo test test-fast lint bench smoke clean

help:
	@echo "make demo   install everything and run the demo plan on a real Chromium"
	@echo "make test   install everything and run the test suite"
	@echo "make lint   ruff + mypy"
	@echo "make bench  run the benchmarks in bench/"

# Debian packages: only the missing ones are installed, so a second run costs ~0.1 s.
system:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

# git sha + build time for GET /v1/version (mantis/_build_info.py, gitignored)
build-info:
	@$(PYTHON) scripts/write_build_info.py

venv: $(VENV)/.installed build-info

install: system venv

demo: install
	$(PY) examples/run_demo.py

test: install
	$(PY) -m pytest -q

test-fast: install
	$(PY) -m pytest -q -m "not integration and not e2e"

lint: install
	$(VENV)/bin/ruff check mantis tests examples bench scripts
	$(VENV)/bin/ruff format --check mantis tests examples bench scripts
	$(VENV)/bin/mypy mantis

# scripts/smoke.sh against a fresh `mantis serve` (also part of `make test`, tests/e2e)
smoke: install
	$(PY) -m pytest -q tests/e2e/test_smoke_script.py

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache mantis-data
