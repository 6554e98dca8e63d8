# `make run` starts the whole system; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-main test-browser test-services rehearse setup venv clean

venv: $(STAMP)

$(STAMP): requirements.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt setuptools pip wheel
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $(STAMP)

setup: venv
	$(BIN)/python -m services.common.setup

run: venv
	$(BIN)/python deploy/local.py

# RabbitMQ (with its management plugin) and PostgreSQL, started or enabled
# where missing: see deploy/test-services.sh.
test-services:
	bash deploy/test-services.sh

test: venv test-services
	$(MAKE) test-main
	$(MAKE) test-browser

test-main: venv test-services
	$(BIN)/python -m pytest tests services

test-browser: venv test-services
	SME_BROWSER_TESTS=1 $(BIN)/python -m pytest tests/browser

# Production rehearsal: every process of deploy/compose.yaml and deploy/k8s
# started as its container would, then the whole journey over HTTP (a shorter
# version runs in `make test`: tests/deploy/test_rehearsal.py).
rehearse: venv test-services
	$(BIN)/python -m tests.deploy.rehearsal

# Retake the README's walkthrough pictures by driving the browser (not part of CI).
.PHONY: screenshots
screenshots: venv
	SME_BROWSER_TESTS=1 SME_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest tests/browser/test_walkthrough.py

# Benchmarks (not tests): see bench/README.md.
.PHONY: bench bench-intake
bench: venv
	$(BIN)/python -m bench.rpc

bench-intake: venv
	$(BIN)/python -m bench.intake

# The review lists at 10,000 cases: keyset pages, cached figures (bench/review_list.py).
.PHONY: bench-review-list
bench-review-list: venv
	$(BIN)/python -m bench.review_list

# Hostile uploads against the upload policy (bench/uploads.py).
.PHONY: bench-uploads
bench-uploads: venv
	$(BIN)/python -m bench.uploads

# The fault suite (figures, not a timed test; see tests/faults/suite.py): a
# RabbitMQ node and a database of its own; exits non-zero on any loss.
.PHONY: faults
faults: venv
	$(BIN)/python -m tests.faults.suite

clean:
	rm -rf var .pytest_cache

# Backups of every service's database and the blob store (services/common/backup.py).
.PHONY: backup restore bench-restore
backup: venv
	$(BIN)/python -m services.common.backup create

# make restore [BACKUP=var/backups/<time>]   (default: the newest complete backup; asks to confirm)
restore: venv
	$(BIN)/python -m services.common.backup restore $(or $(BACKUP),latest)

bench-restore: venv
	$(BIN)/python -m bench.restore

# The save, the intake flow and the province list over HTTP, beside a single
# Flask app doing the same save (bench/http.py; figures in bench/README.md).
.PHONY: bench-http
bench-http: venv test-services
	$(BIN)/python -m bench.http
