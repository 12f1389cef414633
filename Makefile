# Fupin — the two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export FUPIN_DATA_DIR ?= $(CURDIR)/var

.PHONY: demo install install-test test test-sqlite test-postgres lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## make demo: install, migrate SQLite, generate the demo county and its users, run the data-quality rules once,
## serve on http://127.0.0.1:8000
## (with the background worker that runs imports)
demo: install
	$(BIN)/fupin migrate --no-input -v 0
	$(BIN)/fupin seed --if-empty
	$(BIN)/fupin demousers
	$(BIN)/fupin quality run > /dev/null
	@echo "界面与接口： http://$(HOST):$(PORT)/   接口文档： http://$(HOST):$(PORT)/api/docs/"
	@# The background worker runs imports and other jobs; it stops with the server.
	$(BIN)/fupin worker & WORKER=$$!; trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(BIN)/fupin runserver $(HOST):$(PORT) --noreload

## make test: the whole suite on SQLite and on PostgreSQL (127.0.0.1:5432, user postgres)
test: install-test
	bash scripts/test.sh

test-sqlite: install-test
	FUPIN_TEST_LEGS=sqlite bash scripts/test.sh

test-postgres: install-test
	FUPIN_TEST_LEGS=postgres bash scripts/test.sh

lint: install-test
	$(BIN)/ruff check src tests bench

## make bench: the speed benchmarks (1M persons on SQLite and PostgreSQL); prints figures
bench: install-test
	$(BIN)/python bench/registry_bench.py
	$(BIN)/python bench/quality_bench.py

clean:
	rm -rf $(VENV) var .pytest_cache
