# Two commands on a fresh machine with Python 3.11+ and make: `make run` and `make test`.
# uv comes from PATH, or is installed into .tools/ with pip the first time.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
RUN := $(UV) run --frozen
# Bytecode caches (__pycache__/, ignored by git) are written even where the environment says not
# to (PYTHONDONTWRITEBYTECODE): without them every process the tests start (serve, worker, the CLI,
# a fork's checks) compiles each module it imports again, about 3 s a process on this 2-core box.
unexport PYTHONDONTWRITEBYTECODE

.DEFAULT_GOAL := help
.PHONY: help install run migrate test check lint fmt typecheck layers deploy-check rules api-check api-lint api-tools oidc-tools clients pytest test-fast contracts openapi golden bench-identity bench-tests clean
.PHONY: bench bench-engines bench-events bench-orders bench-compare bench-idle bench-row-security bench-bare  # [adapter:postgresql]
.PHONY: asyncapi  # [adapter:nats]
.PHONY: bench-stores  # [adapter:redis,postgresql]

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

.venv/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

install: .venv/.installed  ## create .venv and install the locked dependencies

migrate: install  ## apply migrations to PORTICO_DATABASE_URL (default: SQLite in var/)
	$(RUN) portico db upgrade

run: migrate  ## migrate, then serve the API on 127.0.0.1:8000
	$(RUN) portico serve

# The checks are independent and mostly single-threaded (mypy, Spectral, the npm installs): two at
# a time, then the tests on every core. A failing check stops it before the tests. The API's
# compatibility (Optic, ~12 s of CPU) is not among them: a test runs the same check
# (tests/architecture/test_api_compat.py), so `make test` diffs the document once.
test: install  ## everything CI checks: lint, types, layers, alert rules, API lint, then the tests (API compatibility among them)
	@$(MAKE) --no-print-directory -j2 --output-sync=target check rules api-lint oidc-tools
	@$(MAKE) --no-print-directory pytest

check: lint typecheck layers deploy-check

lint: install  ## ruff lint and format check
	$(RUN) ruff check src tests migrations bench tools
	$(RUN) ruff format --check src tests migrations bench tools

fmt: install  ## format and fix what ruff can
	$(RUN) ruff format src tests migrations bench tools
	$(RUN) ruff check --fix src tests migrations bench tools

typecheck: install  ## mypy --strict on src/
	$(RUN) mypy

layers: install  ## import-linter: dependencies point inward
	$(RUN) lint-imports

deploy-check: install  ## hadolint the Dockerfile; compose.yaml and the CI workflow against their schemas
	$(RUN) hadolint Dockerfile
	$(RUN) check-jsonschema --builtin-schema vendor.compose-spec compose.yaml  # [adapter:postgresql]
	$(RUN) check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/ci.yml

rules:  ## promtool: the Prometheus configuration, alert rules and their unit tests (deploy/prometheus)
	@if command -v promtool >/dev/null; then promtool check config deploy/prometheus/prometheus.yml \
		&& promtool test rules deploy/prometheus/alerts_test.yml; \
	elif [ "$$CI" = true ]; then echo "promtool is missing (apt-get install prometheus)" >&2; exit 1; \
	else echo "promtool not installed: alert rules not checked (apt-get install prometheus)"; fi

# The API's Node.js tools (tools/api/package.json): Spectral, Optic, openapi-typescript, tsc.
# --prefer-offline: packages already in npm's cache are taken from it, not checked with the
# registry again (about 1,400 requests an install), so an install needs the network only for
# what it lacks; a registry that stumbles then cannot fail `make test` on a machine that has them.
NPM_CI := npm ci --ignore-scripts --no-audit --no-fund --loglevel=error --prefer-offline
API_TOOLS := tools/api/node_modules/.package-lock.json
$(API_TOOLS): tools/api/package-lock.json
	$(NPM_CI) --prefix tools/api
	@touch $@

api-tools:  ## install the API's Node.js tools into tools/api/node_modules (needs npm)
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(API_TOOLS); \
	elif [ "$$CI" = true ]; then echo "npm is missing (apt-get install nodejs npm)" >&2; exit 1; \
	else echo "npm not installed: API lint, compatibility check and TypeScript client skipped"; fi

# The social sign-in end-to-end test's Node.js tools (tools/oidc/package.json): oidc-provider and
# playwright-core, which drives Debian's chromium (apt-get install chromium; never a downloaded one).
OIDC_TOOLS := tools/oidc/node_modules/.package-lock.json
$(OIDC_TOOLS): tools/oidc/package-lock.json
	$(NPM_CI) --prefix tools/oidc
	@touch $@

oidc-tools:  ## install the OpenID Connect provider and browser driver into tools/oidc/node_modules (needs npm)
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(OIDC_TOOLS); \
	elif [ "$$CI" = true ]; then echo "npm is missing (apt-get install nodejs npm)" >&2; exit 1; \
	else echo "npm not installed: the social sign-in end-to-end test is skipped"; fi

api-lint: install api-tools  ## lint docs/api/openapi.json (Spectral)
	@if [ -e $(API_TOOLS) ]; then tools/api/node_modules/.bin/spectral lint docs/api/openapi.json \
		--ruleset tools/api/spectral.yaml --fail-severity warn --quiet; fi

api-check: api-lint  ## lint docs/api/openapi.json (Spectral) and refuse a breaking change (Optic)
	@if [ -e $(API_TOOLS) ]; then $(RUN) python -m tools.api_compat; fi

clients: install api-tools  ## generate the Python and TypeScript clients into clients/ (docs/api.md)
	$(RUN) python -m tools.clients

# pytest-xdist: two workers a core (PYTEST_WORKERS=0 runs in this process, for a debugger); each
# worker has databases of its own (tests/support/servers.py). With one a core, the cores idled a
# third of the run while tests waited (servers starting and stopping, outages, timed loads): on
# 2 cores pytest took 323 s with 2 workers, 221-243 s with 4 (bench/README.md, session 22).
# worksteal keeps the cores busy when the slow end-to-end tests bunch up on one worker.
TWO_A_CORE = $(shell $(PYTHON) -c 'import os; print(2 * (os.cpu_count() or 1))')
pytest: install api-tools oidc-tools  ## the test suite
	$(RUN) pytest -n $(or $(PYTEST_WORKERS),$(TWO_A_CORE)) --dist worksteal $(PYTEST_ARGS)

# One worker a core: these tests wait for nothing, and a worker more only adds its start (~2.5 s
# of CPU for the app's imports); its ~33 s of CPU are half fresh interpreters (tests/unit's checks).
test-fast: install  ## the edit loop: unit, application and golden tests on the in-memory adapters (seconds)
	$(RUN) pytest -n $(or $(PYTEST_WORKERS),auto) --dist worksteal tests/unit tests/application tests/golden -q -m "not postgres and not mariadb and not redis and not nats"

# template-only
.PHONY: template-update
template-update: install  ## the copier update test (minutes; outside `make test`): a project takes a newer template
	PORTICO_TEMPLATE_UPDATE=1 $(RUN) pytest tests/template/test_copier_update.py

# Each combination of answers (tools/combinations.py) generated and tested with its own `make
# test`: .ci/run runs it after `make test`. COMBINATIONS='minimal servers' picks some.
.PHONY: test-combinations
test-combinations: install  ## generate projects from this template and run each one's `make test` (minutes)
	$(RUN) python -m tools.combinations $(COMBINATIONS)
# /template-only

contracts: install  ## write every committed API contract of docs/api/ from the code (docs/api.md)
	$(RUN) python -m tools.contracts

openapi: install  ## write docs/api/openapi.json: the OpenAPI document the app serves
	$(RUN) python -m tools.contracts openapi

# [adapter:nats begin]
asyncapi: install  ## write docs/api/asyncapi.json: the AsyncAPI 3 document of the integration events
	$(RUN) python -m tools.contracts asyncapi
# [adapter:nats end]

golden: install  ## write the missing golden events of tests/golden/events/ (never edits one)
	$(RUN) python -m tests.golden.examples

bench: install  ## wrk on GET /products/{id}: no cache, memory, Redis (bench/README.md)  # [adapter:postgresql]
	$(RUN) python bench/run.py  # [adapter:postgresql]

bench-engines: install  ## wrk without cache on SQLite and PostgreSQL, beside a bare hello  # [adapter:postgresql]
	$(RUN) python bench/engines.py  # [adapter:postgresql]

bench-identity: install  ## identity figures: login, token check, auth overhead (bench/README.md)
	$(RUN) python bench/identity.py --http

bench-tests: install api-tools oidc-tools  ## `make pytest` with each test's CPU, the servers', and the least wall time the cores allow
	$(RUN) python -m bench.suite_cpu $(PYTEST_ARGS)

bench-events: install  ## event store and projection rebuild figures on PostgreSQL  # [adapter:postgresql]
	$(RUN) python bench/event_store.py  # [adapter:postgresql]

bench-orders: install  ## wrk on POST /api/v1/orders on PostgreSQL: p50, p99 (bench/orders.py)  # [adapter:postgresql]
	$(RUN) python bench/orders.py  # [adapter:postgresql]

bench-compare: install  ## Portico against the floor (bench/floor.py), interleaved: medians and ratios  # [adapter:postgresql]
	$(RUN) python -m bench.compare  # [adapter:postgresql]

bench-idle: install  ## an idle serve (memory bus, NATS) and worker on PostgreSQL: CPU, transactions/s, commit to consumer and to projection p99  # [adapter:postgresql]
	$(RUN) python -m bench.idle  # [adapter:postgresql]

bench-row-security: install  ## a catalog read's CPU with PostgreSQL row-level security off and on (bench/row_security.py)  # [adapter:postgresql]
	$(RUN) python bench/row_security.py  # [adapter:postgresql]

bench-bare: install  ## GET /health/live in process, no server: CPU per request against the floor's app  # [adapter:postgresql]
	$(RUN) python -m bench.bare_request  # [adapter:postgresql]

# [adapter:redis begin]
bench-stores: install  ## the catalog's unit of work on PostgreSQL and Redis: reads, writes (bench/stores.py)  # [adapter:postgresql]
	$(RUN) python bench/stores.py  # [adapter:postgresql]

.PHONY: soak  # [adapter:nats,postgresql]
SOAK_DURATION ?= 300# [adapter:nats,postgresql]
soak: install  ## mixed load on serve + worker, PostgreSQL/Redis/NATS: make soak SOAK_DURATION=600 # [adapter:nats,postgresql]
	$(RUN) python bench/soak.py --duration $(SOAK_DURATION)  # [adapter:nats,postgresql]

# [adapter:redis end]

clean:  ## remove the environments and local data
	rm -rf .venv .tools var .mypy_cache .ruff_cache .pytest_cache
