# Every target creates what it needs: a fresh clone runs `make drill` and `make test` as they are.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.13, the Lambda runtime's version: from PATH, else from pyenv.
PY313 := $(shell for p in "$$(command -v python3.13 2>/dev/null)" $$(ls -d $$(pyenv root 2>/dev/null)/versions/3.13*/bin/python3.13 2>/dev/null | sort -rV); do [ -n "$$p" ] && "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && { echo "$$p"; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
SAM := .venv-sam/bin/sam
CHECKOV := .venv-checkov/bin/checkov
export PYTHONPATH := layers/failover:cli:.
export PYTHONDONTWRITEBYTECODE := 1
SCENARIO ?= primary-outage

.PHONY: help venv chromium drill test lint format types template checkov unit build bench clean local local-down test-local

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements-dev.txt layers/failover/requirements.txt
	@test -n "$(PY313)" || { echo "Python 3.13 is needed (python3.13 on PATH, or pyenv with 3.13)"; exit 1; }
	$(PY313) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

.venv-sam/.installed: requirements-sam.txt
	$(PY313) -m venv .venv-sam
	.venv-sam/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-sam.txt
	touch $@

.venv-checkov/.installed: requirements-checkov.txt
	$(PY313) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

venv: $(VENV)/.installed ## create the virtual environment with the pinned dependencies

drill: venv ## run a failover drill on the simulated AWS (SCENARIO=name, default primary-outage)
	$(PY) -m failoverctl drill --scenario $(SCENARIO)

lint: venv ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv ## format the code
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

types: venv ## mypy
	$(VENV)/bin/mypy

template: venv .venv-sam/.installed ## cfn-lint and sam validate --lint
	$(VENV)/bin/cfn-lint template.yaml templates/*.yaml
	$(SAM) validate --lint --template template.yaml --region us-east-1

checkov: .venv-checkov/.installed ## checkov over the template (skips listed with reasons in .checkov.yaml)
	$(CHECKOV) --config-file .checkov.yaml

chromium: ## Debian's chromium for the report's browser test; installs it with apt when missing (as root, else sudo)
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }
	@command -v chromium >/dev/null || { echo "chromium is needed by tests/unit/test_report_browser.py"; exit 1; }

unit: venv chromium ## the tests only
	$(PY) -m pytest -n 2

build: venv .venv-sam/.installed ## sam build (arm64 layer, plans validated)
	PATH="$(dir $(PY313)):$$PATH" PYTHON="$(PY313)" $(SAM) build --template template.yaml

test: lint types template checkov unit ## everything CI runs: lint, types, template checks, checkov, tests

local: venv .venv-sam/.installed ## the simulated AWS on 127.0.0.1 for sam local invoke, and the local build (.aws-sam-local/)
	PY313="$(PY313)" PLAN="$(or $(PLAN),plans/example.yaml)" bash local/up.sh

local-down: venv ## stop the local AWS that make local started
	$(PY) -m failoverctl local down

test-local: venv .venv-sam/.installed ## every function in its arm64 Lambda container (sam local invoke) with every sample event; installs Docker and emulation when missing
	PY313="$(PY313)" bash local/test-local.sh

bench: venv ## benchmarks; writes docs/performance.md
	$(PY) -m bench.run --write docs/performance.md

clean: ## remove build output and caches
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
