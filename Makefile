# Gradbook — everything a reader or a maintainer runs. Needs only Python 3.11+, make, git.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ADDR   ?= 127.0.0.1:8000

# Material 9.8 prints a banner about MkDocs 2 on every run; we have read it.
export NO_MKDOCS_2_WARNING := 1

# Offline copies of the data sets beside the clone (../shared/data) are used when
# present and GRADBOOK_DATA_DIR is not set; otherwise data go to ~/.cache/gradbook.
ifeq ($(origin GRADBOOK_DATA_DIR),undefined)
ifneq ($(wildcard ../shared/data),)
export GRADBOOK_DATA_DIR := $(abspath ../shared/data)
endif
endif

# Other kernels and another thread count, as on another reader's machine: PyTorch's
# generic kernels, MKL and OpenBLAS without AVX-512, numpy without its AVX-512 loops,
# one thread. `make test` runs the numeric checks a second time under these.
FOREIGN_NUMERICS := ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=1
ifeq ($(shell uname -m),x86_64)
FOREIGN_NUMERICS += MKL_ENABLE_INSTRUCTIONS=AVX2 OPENBLAS_CORETYPE=Sandybridge \
	NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"
endif
# Chapter 3's page trains the scalar engine in pure Python floats, which no kernel setting
# changes (its script, run in this pass too, reproduces its figures bit for bit): not rerun.
# Chapter 11's page and script count and merge integers in pure Python: neither is rerun.
FOREIGN_TESTS := docs --ignore=docs/chapters/03-neural-nets-from-scalars.md \
	--ignore=docs/chapters/11-tokens.md \
	--deselect "tests/test_snippets.py::test_snippet_reproduces_its_figures[ch11_tokens.py]" \
	tests/test_snippets.py tests/test_gpt_run.py tests/test_bpe_run.py tests/test_foreign_numerics.py

.PHONY: help install vendor serve build labs lint check test test-foreign figure-deviations bench figures gpt-run bpe-run gpu-check gpu-data clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[docs,test,torch]'
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install the book, its docs and test tools

vendor: $(STAMP)  ## fetch pinned Mermaid and MathJax (npm) so pages render offline
	@$(BIN)/python tools/vendor_js.py

serve: install vendor  ## serve the book on http://127.0.0.1:8000 with live reload (labs: see make labs)
	$(BIN)/mkdocs serve --dev-addr $(ADDR) --livereload

labs: install  ## execute every lab notebook, for make serve to show (make build does it too)
	$(BIN)/python tools/labs.py

build: install vendor  ## build the static site into site/
	$(BIN)/mkdocs build --strict --site-dir site

lint: install  ## ruff (lint everywhere, format outside src/ and snippets/) and mypy on src/gradbook
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The tests that take seconds: no page blocks, chapter scripts, site build or browser.
check: lint  ## lint, then the fast tests (under a minute): the loop while you work
	$(MAIN_THREADS) $(BIN)/python -m pytest -q -m "not slow" tests

# The two passes run side by side, each on one thread: two passes of two threads each on
# a 2-core machine spend most of their time waiting for each other (measured: the
# chapter scripts ran 2-2.6 times slower). The recorded figures and runs were made
# with several threads, so the comparisons still cross a change of thread count.
# Its log follows the main one.
MAIN_THREADS := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
test: install vendor lint  ## lint, then run the whole test suite, and beside it the numeric checks on foreign kernels
	@mkdir -p .cache
	@$(MAKE) --no-print-directory test-foreign > .cache/test-foreign.log 2>&1 & foreign=$$!; \
	$(MAIN_THREADS) $(BIN)/python -m pytest; main=$$?; \
	wait $$foreign; other=$$?; \
	echo "== make test-foreign: the numeric checks again on other kernels, run beside the above"; \
	cat .cache/test-foreign.log; \
	test $$main -eq 0 && test $$other -eq 0

# Each figure's largest deviation, as a share of its tolerance: .cache/figure-deviations.jsonl
test-foreign: install  ## page blocks, figure data and recorded runs again, on other kernels
	@mkdir -p .cache && rm -f .cache/figure-deviations.jsonl
	$(FOREIGN_NUMERICS) GRADBOOK_FOREIGN_NUMERICS=1 GRADBOOK_FIGURES_FROM=scripts \
		GRADBOOK_FIGURE_REPORT=$(CURDIR)/.cache/figure-deviations.jsonl \
		$(BIN)/python -m pytest -p no:cacheprovider $(FOREIGN_TESTS)
	@echo "== make gpu-check SMOKE=1: the GPU check's whole script, on the CPU, so it cannot rot"
	$(BIN)/python tools/gpu_check.py --smoke

figure-deviations: install  ## how far a run on foreign kernels moves each figure's data (SCRIPTS=...)
	$(FOREIGN_NUMERICS) $(BIN)/python tools/figure_deviations.py $(SCRIPTS)

bench: install  ## run the side-by-side speed benchmarks
	@$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[bench]'
	$(BIN)/python benchmarks/run.py

figures: install  ## redraw every figure by running every chapter script
	@for s in snippets/ch[0-9][0-9]_*.py; do echo "== $$s"; $(BIN)/python $$s > /dev/null || exit 1; done

gpt-run:  ## train the Tiny GPT cpu preset and record the run Chapter 10 shows
	$(BIN)/python tools/gpt_run.py

# The GPU check runs where `make install` may not: a GPU machine with its own torch and no
# network. It uses .venv's Python when there is one, else python3, and imports the book
# from src/. See CONTRIBUTING.md ("The GPU check") for the exact call.
GPU_PYTHON := $(if $(wildcard $(BIN)/python),$(BIN)/python,python3)
gpu-check:  ## the GPU check, at most 8 minutes on a CUDA machine (SMOKE=1: on the CPU, under a minute)
	$(GPU_PYTHON) tools/gpu_check.py $(if $(SMOKE),--smoke)

gpu-data:  ## copy Tiny Shakespeare into .gpu-data/ (git-ignored), for a GPU machine with no network
	@test -n "$(GRADBOOK_DATA_DIR)" || { echo "set GRADBOOK_DATA_DIR to the folder holding tinyshakespeare.txt"; exit 2; }
	mkdir -p .gpu-data && cp "$(GRADBOOK_DATA_DIR)/tinyshakespeare.txt" .gpu-data/

bpe-run:  ## train the Tiny GPT on characters and on BPE tokens, one budget, and record what Chapter 11 shows
	$(BIN)/python tools/bpe_run.py

clean:  ## remove build outputs and executed labs (keeps .venv)
	rm -rf site .pytest_cache .hypothesis .cache
