# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv if needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED_DATA := $(abspath ../shared/datasets)

# Tests and the demo find the data sets in ../shared/datasets when it is there (no network).
ifneq ($(wildcard $(SHARED_DATA)),)
export LEARNLAB_DATA ?= $(SHARED_DATA)
endif
# ...and the venv records that folder, so `.venv/bin/learnlab` finds it in a fresh shell too
# (it is the default of $LEARNLAB_DATA: learnlab.data.files.recorded_data_folder)
DATA_RECORD := $(VENV)/learnlab-data.txt

.PHONY: demo test test-slow lint bench clean data-record
BENCH_STAMP := $(VENV)/.installed-bench

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch is pinned through the constraints file: an unpinned torch pulls GBs of CUDA packages
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# rewritten by every demo and test: the folder found now, or none
data-record: $(STAMP)
ifneq ($(LEARNLAB_DATA),)
	printf '%s\n' '$(abspath $(LEARNLAB_DATA))' > $(DATA_RECORD)
else
	rm -f $(DATA_RECORD)
endif

# progress goes to stderr; stdout's last line is the run directory
demo: $(STAMP) data-record
	@run_dir=$$($(BIN)/learnlab run quickstart) && \
	  echo "Report (open it in a browser): $$(cd "$$run_dir" && pwd)/report.html"

# one pytest worker per core (tests/conftest.py gives each one torch thread)
test: $(STAMP) data-record
	$(BIN)/python -m pytest -q -rs -n auto

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -rs -m slow

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,bench]'
	touch $(BENCH_STAMP)

# side-by-side measurements; tables on stdout, JSON in benchmarks/results/
bench: $(BENCH_STAMP)
	cd benchmarks && ../$(BIN)/python throughput.py
	cd benchmarks && ../$(BIN)/python optimizer_kernels.py
	cd benchmarks && ../$(BIN)/python roofline.py
	cd benchmarks && ../$(BIN)/python ensembles.py
	cd benchmarks && ../$(BIN)/python time_to_99.py
	cd benchmarks && ../$(BIN)/python moe_skip.py
	cd benchmarks && ../$(BIN)/python moe_inference.py
	cd benchmarks && ../$(BIN)/python threads.py
	cd benchmarks && ../$(BIN)/python compression.py
	cd benchmarks && ../$(BIN)/python ddp_scaling.py
	cd benchmarks && ../$(BIN)/python pipeline_parallel.py
	cd benchmarks && ../$(BIN)/python hessian.py
	cd benchmarks && ../$(BIN)/python subspace_projection.py
	cd benchmarks && ../$(BIN)/python newton_cg_step.py
	cd benchmarks && ../$(BIN)/python export_latency.py
	cd benchmarks && ../$(BIN)/python consolidation_penalty.py
	# the whole reproductions page (about 30-60 minutes on 2 cores): last
	cd benchmarks && ../$(BIN)/python reproduce_all.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) runs .pytest_cache
