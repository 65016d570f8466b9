# Storyline: `make demo` and `make test` set up everything they need by themselves.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SAMPLE := examples/putin-dprk-2024
DEMO_DB := build/demo.db
DEMO_REPORT := build/report.html

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export RAY_AUTH_MODE := disabled

.PHONY: demo test setup bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# torch is installed first, pinned to the CPU build: an unpinned torch pulled in by
# sentence-transformers would fetch a multi-GB CUDA build.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "torch==2.13.0"
	$(BIN)/pip install -q -e ".[nlp,dev]"
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	@mkdir -p build
	@rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/storyline ingest $(SAMPLE) --db $(DEMO_DB)
	$(BIN)/storyline articles --db $(DEMO_DB)
	$(BIN)/storyline duplicates --db $(DEMO_DB)
	$(BIN)/storyline entities --db $(DEMO_DB)
	$(BIN)/storyline quotes --db $(DEMO_DB)
	$(BIN)/storyline dates --db $(DEMO_DB)
	$(BIN)/storyline stories --db $(DEMO_DB)
	$(BIN)/storyline brief $(SAMPLE) --db $(DEMO_DB) --format md
	$(BIN)/storyline brief $(SAMPLE) --db $(DEMO_DB) --format html -o $(DEMO_REPORT)
	@echo
	@echo "Report on the sample corpus: $(abspath $(DEMO_REPORT))  (open it in a browser)"
	@echo "Browse it: $(BIN)/storyline serve --db $(DEMO_DB)   then open http://127.0.0.1:8000/"

test: $(STAMP)
	./.ci/install-postgres
	./.ci/install-chromium
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf build .pytest_cache
