# Set-up and the project's commands. Only Python 3.11 and pip are assumed; everything else is installed here.
PYTHON ?= python3
VENV := .venv
BQEMU_VENV := .venv-bqemu
TOOLS := .tools
UV := $(TOOLS)/bin/uv
UV_VERSION := 0.13.9
# the demo is the league as known today in US Eastern (`make demo TODAY=2026-11-29` pins the day): the season under
# way (or next up) and the one before, written into a folder and read through NBA_ASSETS_RAW_DIR like any raw source,
# the partitions starting on the first one's opening night (DEMO_SEASONS and DEMO_START, from `demo_dates`)
TODAY ?= $(shell TZ=America/New_York date +%F)
SIMULATED_RAW_DIR := $(CURDIR)/data/simulated/demo
demo_dates = TODAY=$(TODAY) $(shell $(VENV)/bin/python -m simulated_league demo-dates $(TODAY))
DEMO_ENV = NBA_ASSETS_RAW_DIR=$(SIMULATED_RAW_DIR) NBA_ASSETS_FIRST_DAY=$(DEMO_START)

export DAGSTER_HOME ?= $(CURDIR)/dagster_home
export DAGSTER_EVENT_BATCH_SIZE ?= 1000

.PHONY: install demo demo-steps test dev dev-server screenshots screenshots-steps bench clean postgresql

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra dev --compile-bytecode --python $(PYTHON)
	touch $@

install: $(VENV)/.installed

# the BigQuery emulator for the tests, in its own venv: it pulls google-cloud-bigquery-storage, which must stay out of the app's
$(BQEMU_VENV)/.installed: tools/bqemulator/pyproject.toml tools/bqemulator/uv.lock | $(UV)
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(BQEMU_VENV) $(UV) sync --frozen --project tools/bqemulator --compile-bytecode --python $(PYTHON)
	touch $@

demo: install
	@$(MAKE) --no-print-directory demo-steps $(demo_dates)

demo-steps:
	$(VENV)/bin/nba-assets simulate --seasons $(DEMO_SEASONS) --today $(TODAY) --out $(SIMULATED_RAW_DIR)
	$(DEMO_ENV) $(VENV)/bin/nba-assets backfill --start $(DEMO_START) --end $(TODAY)
	$(DEMO_ENV) $(VENV)/bin/nba-assets coverage
	$(DEMO_ENV) $(VENV)/bin/nba-assets evaluate
	$(DEMO_ENV) $(VENV)/bin/nba-assets picks --date $(TODAY)

# the PostgreSQL server the instance tests start and stop (nba_assets_tests/postgres.py): Debian's package, installed
# when missing (CI starts from a clean machine)
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
postgresql:
	@test -n "$(wildcard /usr/lib/postgresql/*/bin/initdb)" || { $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; }

test: install $(BQEMU_VENV)/.installed postgresql
	$(VENV)/bin/python -m pytest

# four simulated seasons under Dagster vs plain function calls, a daily increment and a month of runs (bench/README.md)
bench: install postgresql
	$(VENV)/bin/python bench/run.py

# the demo's instance in the UI (its league simulated here if `make demo` has not run yet)
dev: install
	@$(MAKE) --no-print-directory dev-server $(demo_dates)

$(SIMULATED_RAW_DIR)/_SIMULATED:
	$(VENV)/bin/nba-assets simulate --seasons $(DEMO_SEASONS) --today $(TODAY) --out $(SIMULATED_RAW_DIR)

dev-server: $(SIMULATED_RAW_DIR)/_SIMULATED
	$(DEMO_ENV) $(VENV)/bin/dagster dev -h 127.0.0.1 -p 3000 -w workspace.yaml

# the README's images (docs/images) of the demo's instance as `make dev` shows it, taken in headless Chromium by the
# browser test's code on a `dagster dev` of its own: run `make demo` (same TODAY) first, and stop `make dev`
screenshots: install
	@$(MAKE) --no-print-directory screenshots-steps $(demo_dates)

screenshots-steps:
	$(DEMO_ENV) $(VENV)/bin/python -m nba_assets_tests.screenshots --today $(TODAY)

clean:
	rm -rf data $(VENV) $(BQEMU_VENV) $(TOOLS)
