# Two commands do all the set-up on a fresh machine:
#   make ask    installs into .venv, builds the index if needed, answers the sample question
#   make test   installs into .venv and runs the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
QUESTION ?= What share does Alibaba hold in China?
STAMP = $(VENV)/.installed

.PHONY: setup ask test browser bench eval serve clean

setup: $(STAMP)

# torch first, pinned, so pip takes the CPU wheel on this machine's disk and never a CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

ask: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/ask "$(QUESTION)"

test: $(STAMP) browser
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q $(PYTEST_ARGS)

# The eval report and the web page are checked in a real headless Chromium (Debian's chromium and
# chromium-driver); installed when we may.
browser:
	@{ command -v chromium && command -v chromedriver; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get install -y -qq chromium chromium-driver || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)) >/dev/null 2>&1 \
	      || echo "note: could not install chromium; the browser tests will be skipped"; \
	  else echo "note: chromium or chromedriver missing (apt-get install chromium chromium-driver); the browser tests will be skipped"; fi; }

serve: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/rag serve

eval: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/rag eval

bench: $(STAMP)
	HF_HUB_OFFLINE=1 $(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) index/gen-* index/CURRENT index/.lock
