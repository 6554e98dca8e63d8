# `make run` starts the whole system; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-main test-browser setup venv clean

venv: $(STAMP)

$(STAMP): requirements.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt setuptools pip wheel
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $(STAMP)

setup: venv
	$(BIN)/python -W ignore -m services.common.setup

run: venv
	$(BIN)/python -W ignore deploy/local.py

test: venv
	$(MAKE) test-main
	$(MAKE) test-browser

test-main: venv
	$(BIN)/python -m pytest tests services

test-browser: venv
	SME_BROWSER_TESTS=1 $(BIN)/python -m pytest tests/browser

# Retake the README's walkthrough pictures by driving the browser (not part of CI).
.PHONY: screenshots
screenshots: venv
	SME_BROWSER_TESTS=1 SME_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/browser/test_walkthrough.py

# Benchmarks (not tests): see bench/README.md.
.PHONY: bench bench-intake
bench: venv
	$(BIN)/python -W ignore -m bench.rpc

bench-intake: venv
	$(BIN)/python -W ignore -m bench.intake

# The fault suite (figures, not a timed test; see tests/faults/suite.py): a
# RabbitMQ node and a database of its own; exits non-zero on any loss.
.PHONY: faults
faults: venv
	$(BIN)/python -W ignore -m tests.faults.suite

clean:
	rm -rf var .pytest_cache
