# Two commands: `make demo` and `make test`. Both set up .venv on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint proto venv clean bench prometheus ops-check

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

proto: $(STAMP)
	$(BIN)/python -m ledger.tools.genproto

demo: $(STAMP)
	$(BIN)/creditledger demo

lint: $(STAMP)
	$(BIN)/ruff check ledger tests bench
	$(BIN)/mypy

test: $(STAMP) lint prometheus
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/query.py

clean:
	rm -rf $(VENV) build dist *.egg-info

# Debian's prometheus package (/usr/bin/prometheus, /usr/bin/promtool) for tests/test_ops_prometheus.py.
# Installed only when missing; needs root (or sudo) and apt on a fresh machine.
prometheus:
	@if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq prometheus; \
	else echo "prometheus: apt-get unavailable; tests/test_ops_prometheus.py will skip" >&2; fi

# promtool checks of ops/ (also run by tests/test_ops_prometheus.py)
ops-check: prometheus
	promtool check config ops/prometheus.yml
	promtool check rules ops/alerts.yml
	promtool test rules ops/alerts_test.yml
