# The two commands: `make run` and `make test`. Everything else is what they call.
SHELL := /bin/bash
.DEFAULT_GOAL := run

export UV_PYTHON_DOWNLOADS := never
# Use uv from PATH; on a machine without it, bootstrap it once into .tools/ with the machine's Python.
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PY := .venv/bin/python
MANAGE := $(PY) manage.py
# Only for the test and lint runs below; production sets its own (settings refuse to start without one).
# Tests run with production settings except HTTPS, which the test server does not speak, and
# static files under their plain names (no collectstatic: STATIC_MANIFEST=0).
# Documents written by tests go to a throw-away folder, made inside the recipe that needs it
# (a `$(shell mktemp)` here would run, and leave a folder behind, whenever make reads this file).
TEST_ENV := DJANGO_SECRET_KEY=test-only-key-3f9a1c7e5b2d8f6a0c4e9b1d7f3a5c8e2b6d0f4a9c1e7b3d5f8 DJANGO_DEBUG=0 \
	NATIONAL_ID_HASH_KEY=test-only-national-id-key \
	SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SECURE_HSTS_SECONDS=0 \
	AGREEMENT_SEAL_GENERATE=1 STATIC_MANIFEST=0
# Runs $(1) with a fresh media folder in PRIVATE_MEDIA_ROOT, removed afterwards whatever the outcome.
with_test_media = media=$$(mktemp -d -t portal-test-media-XXXXXX); \
	trap 'rm -rf "$$media"' EXIT; PRIVATE_MEDIA_ROOT="$$media" $(1)
DEPLOY_ENV := DJANGO_SECRET_KEY=check-deploy-only-7c1e9a3f5b8d2c6e0a4f9b1d3e7c5a8f2b6d0e4c9a1f3b7 DJANGO_DEBUG=0 \
	DJANGO_ALLOWED_HOSTS=portal.bank.example NATIONAL_ID_HASH_KEY=check-deploy-only-id-key \
	PORTAL_URL=https://portal.bank.example CACHE_URL=redis://127.0.0.1:6379/9 \
	EMAIL_URL=smtp+tls://mail.bank.example:587 SMS_BACKEND=file BANK_NAME="Example Bank" BANK_NAME_ZH=示例银行

# `make run PORT=8001` serves on another port.
PORT ?= 8000

.PHONY: reset-demo install run outbox codes test lint format pytest worker beat bench messages css clean

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv

install: $(UV)
	$(UV) sync --frozen --python python3.11

run: install
	DJANGO_DEBUG=1 $(MANAGE) migrate --noinput
	DJANGO_DEBUG=1 $(MANAGE) seed_demo
	DJANGO_DEBUG=1 $(MANAGE) runserver 127.0.0.1:$(PORT)

# Start the demo over: a fresh SQLite database, migrated and seeded (the private files of
# uploads and signed agreements go with it).
reset-demo: install
	rm -f db.sqlite3
	rm -rf private-media
	DJANGO_DEBUG=1 $(MANAGE) migrate --noinput
	DJANGO_DEBUG=1 $(MANAGE) seed_demo

# The demo has no beat: send every message the outbox holds for contact hours now (the
# text messages print here). Refused outside DEBUG.
outbox: install
	DJANGO_DEBUG=1 $(MANAGE) send_outbox --demo-now

# The demo staff's current sign-in codes, for whoever has no authenticator app at hand.
codes: install
	DJANGO_DEBUG=1 $(MANAGE) demo_codes

test: install lint pytest

# One test process per core (pytest-xdist); each has its own test database. `make pytest
# PYTEST_WORKERS=0` runs in this process, as a debugger needs. The broker tests run after,
# on their own: a real worker on the one Redis queue must not share it with another process
# (none selected, exit code 5, is fine: a run of some paths may hold no broker test).
PYTEST_WORKERS ?= 2
pytest:
	@($(call with_test_media,$(TEST_ENV) $(PY) -m pytest -n $(PYTEST_WORKERS) -m "not broker")) && \
	($(call with_test_media,$(TEST_ENV) $(PY) -m pytest -m broker -q; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]))

lint:
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	# Security findings of medium or high severity fail; each reviewed false positive is
	# marked in place (# nosec B...: why). Low ones (asserts, the demo's passwords) are read.
	$(PY) -m bandit -q -r negotiation portal -x negotiation/migrations --severity-level medium
	@$(call with_test_media,$(TEST_ENV) $(PY) -m mypy .)
	@$(call with_test_media,$(TEST_ENV) $(MANAGE) makemigrations --check --dry-run)
	@# The deploy check reads the seal's key: a throwaway one stands in for the bank's.
	seal=$$(mktemp -d -t portal-seal-XXXXXX); trap 'rm -rf "$$seal"' EXIT; \
	$(DEPLOY_ENV) $(MANAGE) make_seal_key "$$seal" > /dev/null && \
	$(DEPLOY_ENV) AGREEMENT_SEAL_KEY="$$seal/demo-seal-key.pem" \
	AGREEMENT_SEAL_CERTIFICATE="$$seal/demo-seal-certificate.pem" \
	$(MANAGE) check --deploy --fail-level WARNING

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

worker: install
	DJANGO_DEBUG=1 .venv/bin/celery -A portal worker --loglevel INFO

beat: install
	DJANGO_DEBUG=1 .venv/bin/celery -A portal beat --loglevel INFO

messages: install
	DJANGO_DEBUG=1 $(MANAGE) makemessages --locale zh_Hans --ignore '.venv/*' --ignore 'static/*'
	DJANGO_DEBUG=1 $(MANAGE) compilemessages --ignore '.venv/*'

# The debtor site's Bootstrap from its Sass sources, only the parts the pages use
# (frontend/portal-bootstrap.scss), into static/vendor/bootstrap/bootstrap.min.css. Needs
# node and npm; the output is committed, so nothing else does.
css:
	cd frontend && npm ci --no-audit --no-fund && npm run build

# Every bench in bench/, one after another, at a small scale (BENCH_DEBTORS debtors, 2,000 by
# default; `make bench BENCH_DEBTORS=100000` for the bank-scale figures of docs/PERFORMANCE.md),
# on a throw-away PostgreSQL database made afresh (BENCH_DATABASE). Each prints its own table
# with the load average before and after. locust comes from the bench dependency group.
BENCH_DEBTORS ?= 2000
BENCH_DATABASE ?= portal_bench
BENCH_URL := postgres://postgres@127.0.0.1:5432/$(BENCH_DATABASE)
BENCH_ENV := DATABASE_URL=$(BENCH_URL) DJANGO_DEBUG=1 BENCH_DEBTORS=$(BENCH_DEBTORS)
bench: install
	$(UV) sync --frozen --python python3.11 --group bench
	psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $(BENCH_DATABASE)" -c "CREATE DATABASE $(BENCH_DATABASE)"
	@echo "== load: each page under gunicorn and locust, beside /healthz"
	$(BENCH_ENV) $(PY) bench/load.py --debtors $(BENCH_DEBTORS)
	@echo "== the staff queue: every view, filter and search, with its plans"
	$(BENCH_ENV) $(PY) bench/review_queue.py --reuse
	@echo "== the relief dashboard"
	$(BENCH_ENV) $(PY) bench/relief_dashboard.py --reuse --repeat 5
	@echo "== imports: payments and accounts, beside COPY"
	$(BENCH_ENV) BENCH_PAYMENTS=$$(( $(BENCH_DEBTORS) * 5 )) BENCH_RUNS=1 BENCH_OLD_ROWS=200 \
		NATIONAL_ID_HASH_KEY=bench-only $(PY) bench/import_payments.py
	$(BENCH_ENV) $(PY) bench/import_accounts.py --rows $$(( $(BENCH_DEBTORS) * 5 )) --runs 1
	@echo "== the money: previews and suggestions beside the reference"
	$(BENCH_ENV) $(PY) bench/previews.py --previews 2000 --reference-previews 200 --runs 3
	@echo "== password checks"
	$(BENCH_ENV) $(PY) bench/passwords.py --checks 10
	@echo "== page weight and time on a slow phone network"
	$(BENCH_ENV) $(PY) bench/debtor_pages_throttled.py --runs 1
	$(UV) sync --frozen --python python3.11

clean:
	rm -rf .venv .tools .mypy_cache .ruff_cache .pytest_cache db.sqlite3 staticfiles
