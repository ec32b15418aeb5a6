# GameBuddies developer commands. The two that matter (README.md):
#   make run    set up .venv, migrate, load the demo games, serve http://127.0.0.1:8000 (embedded default)
#   make test   set up .venv, run the suite on PostgreSQL + Redis, then on SQLite
# The scripts behind them live in scripts/; they need only Python 3.11 to start.

SHELL := /bin/bash
# First python3.11 on PATH, else python3; override with `make PYTHON=/path/to/python3.11 ...`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV_PYTHON := .venv/bin/python
# Plain assignments (not ?=) so a shell's own HOST/PORT variables are not picked up;
# override on the command line: `make run PORT=8001`.
HOST = 127.0.0.1
PORT = 8000
WORKERS = 4
# Lets `make test` count the venv check in its timing summary.
export GB_MAKE_STARTED := $(shell date +%s.%N)

.DEFAULT_GOAL := help
.PHONY: help venv run run-real test lint demo-data bench bench-quick

help:
	@echo "make run        serve the app on http://$(HOST):$(PORT) (SQLite, in-memory layer; no services needed)"
	@echo "make test       whole test suite: PostgreSQL+Redis pass, then SQLite pass"
	@echo "make run-real   nginx in front of WORKERS=$(WORKERS) Uvicorn processes; needs DATABASE_URL, REDIS_URL, nginx"
	@echo "make lint       ruff check ."
	@echo "make demo-data  (re)load the demo catalog games"
	@echo "make bench      floor vs Socket.IO peer vs GameBuddies, one table (<10 min; PostgreSQL+Redis on 127.0.0.1)"
	@echo "make bench-quick the same comparison as a smoke run (<2 min)"

venv:
	@if [ -z "$(PYTHON)" ]; then echo "setup: Python 3.11 is needed and none was found: install python3.11" >&2; exit 1; fi
	@$(PYTHON) scripts/bootstrap.py

run: venv
	@$(VENV_PYTHON) scripts/run.py --host $(HOST) --port $(PORT)

run-real: venv
	@$(VENV_PYTHON) scripts/run.py --real --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: venv
	@$(VENV_PYTHON) scripts/test.py

lint: venv
	@.venv/bin/ruff check .

demo-data: venv
	@$(VENV_PYTHON) manage.py load_demo_data

# The benchmark (bench/README.md): npm ci for the Node peer when needed; results in bench/results/;
# more options through BENCH_ARGS, e.g. make bench BENCH_ARGS="--targets floor,product --duration 20".
bench: venv
	@$(VENV_PYTHON) bench/compare.py $(BENCH_ARGS)

bench-quick: venv
	@$(VENV_PYTHON) bench/compare.py --quick $(BENCH_ARGS)
