# Two commands do all the set-up on a fresh machine:
#   make ask    installs into .venv, builds the index if needed, answers the sample question
#   make test   installs into .venv and runs the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
QUESTION ?= What share does Alibaba hold in China?
STAMP = $(VENV)/.installed

.PHONY: setup ask test bench eval clean

setup: $(STAMP)

# torch first, pinned, so pip takes the CPU wheel on this machine's disk and never a CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

ask: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/ask "$(QUESTION)"

test: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q $(PYTEST_ARGS)

eval: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/rag eval

bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) index/gen-* index/CURRENT index/.lock
