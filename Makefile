# v1sim: each target creates or updates the virtual environment it needs, then runs.
#   make run    the pipeline on config.yaml (default: the built-in V1 column), then the HTML report; CORES=N
#   make test   ruff + the whole test suite (what CI runs)
#   make bench  the benchmarks in benchmarks/, recorded in benchmarks/results/

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORES ?= 2

.PHONY: run test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The pipeline's dependencies (pyproject.toml [project.dependencies]).
$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# Plus the reference simulators (NEST, bmtk) and developer tools the tests and benchmarks use.
$(VENV)/.dev-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps
	$(BIN)/snakemake --cores $(CORES)
	$(BIN)/snakemake --report results/report.html

test: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: $(VENV)/.dev-deps
	$(BIN)/python benchmarks/convert_full_scale.py
	$(BIN)/python benchmarks/build_v1_scaling.py
	$(BIN)/python benchmarks/engine_vs_nest.py
	$(BIN)/python benchmarks/pointnet_dropin.py
	$(BIN)/python benchmarks/double_alpha_cost.py
	$(BIN)/python benchmarks/analysis_full_scale.py --repeats 3
	$(BIN)/python benchmarks/graph_full_scale.py
	$(BIN)/python benchmarks/grating_experiment.py --trials 10
	$(BIN)/python benchmarks/ppseq_speed.py --repeats 3

clean:
	rm -rf results .snakemake
