# wp-steem-bridge: `make demo` and `make test` work on a fresh Debian 12 machine as root.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test unit lint bench fidelity deps venv clean stop

deps:
	@deploy/install-deps.sh

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	@mkdir -p .run
	@$(BIN)/pip install -q --upgrade pip >.run/pip.log 2>&1 || (cat .run/pip.log; exit 1)
	@$(BIN)/pip install -q -e '.[test]' >>.run/pip.log 2>&1 || (cat .run/pip.log; exit 1)
	@touch $(STAMP)

JS_STAMP := js/node_modules/.installed

$(JS_STAMP): js/package.json js/package-lock.json
	@cd js && npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $(JS_STAMP)

venv: deps $(STAMP) $(JS_STAMP)

demo: venv
	@$(BIN)/python -m deploy.demo

test: venv
	@$(BIN)/pytest -q

unit: $(STAMP)
	@$(BIN)/pytest -q tests/unit tests/engine tests/mappings

lint: $(STAMP)
	@$(BIN)/ruff check bridge connectors mappings devnet tests deploy
	@$(BIN)/lint-imports --no-cache --no-logo
	@$(BIN)/mypy bridge connectors mappings

bench: venv
	@$(BIN)/python -m tests.bench

fidelity: venv
	@$(BIN)/python -m tests.fidelity

stop:
	@test -x $(BIN)/python && $(BIN)/python -m deploy.demo stop || deploy/wordpress/wp-local stop demo

clean: stop
	@-deploy/wordpress/wp-local reset demo
	rm -rf .demo .run $(VENV)
