# The two commands of the README. Each sets itself up on a fresh clone and is fast the second time.
#   make run    virtualenv + torch + the project, then the app on http://$(HOST):$(PORT)
#   make test   the same with test extras, then ruff and pytest (everything: what CI runs)
#   make test-fast   ruff and the tests that train no model, start no process and open no browser (the edit loop)
# TORCH_SPEC picks the torch build (default: the CPU build torch==2.13.0), e.g.
#   make run TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128"

PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
# make test runs the suite in WORKERS processes (pytest-xdist); WORKERS=0 runs it in one
WORKERS ?= 2
HOST ?= 127.0.0.1
PORT ?= 7860
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check

.PHONY: run test test-fast lint bench setup clean

run: $(VENV)/.installed-app
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python app.py

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(WORKERS) --dist worksteal $(PYTEST_ARGS)

# The edit loop: no test here may train, start a process or open a browser (tests/conftest.py fails one that does).
test-fast: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	SBERT_STUDIO_TEST_TIER=fast $(BIN)/python -m pytest -m "not heavy and not slow" $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every benchmark, each writing bench/results/<name>.json and .md (on a 2-core CPU about 2 hours).
bench: $(VENV)/.installed-test
	HF_HUB_OFFLINE=1 $(BIN)/python bench/startup.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/run_start.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/overhead.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/search.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/load.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/examples.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/time_to_quality.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/trainer_defaults.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/stsb_sweep.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/lora.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/export.py
	HF_HUB_OFFLINE=1 $(BIN)/python bench/rerank.py

setup: $(VENV)/.installed-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-torch: | $(BIN)/python
	$(PIP) install $(TORCH_SPEC)
	touch $@

$(VENV)/.installed-app: pyproject.toml $(VENV)/.installed-torch
	$(PIP) install -e ".[lora,onnx]"
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-torch
	$(PIP) install -e ".[test,lora,onnx]"
	touch $@ $(VENV)/.installed-app

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
