# Two commands do all the set-up: `make synth` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: install synth test lint clean

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: install
	npx --no-install cdk synth --quiet

lint: install
	ruff check .
	mypy
	python tools/build_function_assets.py --check
	python tools/build_action_table.py --check
	python tools/build_cfn_schema_table.py --check

test: lint
	python -m pytest -q -n 4 --dist loadfile

clean:
	rm -rf $(VENV) node_modules cdk.out .cache dist

# The API reference from the docstrings (pdoc), into a gitignored folder; not part of make test
# (tests/test_docs.py runs the same generator into a temporary folder).
API_DOCS ?= build/docs/api
.PHONY: docs
docs: install
	python tools/build_api_docs.py $(API_DOCS)
