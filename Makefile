# hublink: `make demo` runs the whole pipeline on synthetic data; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# axe-core (MPL-2.0) for the browser tests' accessibility check, from the npm registry.
AXE := .vendor/axe-core/axe.min.js

.PHONY: demo test test-fast benchmark docs install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[agent,coordinator,test]"
	touch $(STAMP)

$(AXE): | $(STAMP)
	$(BIN)/python -m tests.browser.axe

install: $(STAMP) $(AXE)

demo: $(STAMP)
	$(BIN)/python -m demo

test: $(STAMP) $(AXE)
	$(BIN)/python -m pytest

# test-fast: the unit tests (no slow, no browser; SQLite only) on two pytest-xdist workers, each
# with its own temporary folders, and without the schemathesis plugin (only a slow test uses it).
# Measured back to back on the shared 2-core machine (load 1.4-1.8), 1,042 tests: one process,
# schemathesis loaded, 78.3 s wall (63.9 s CPU); this target, 49.0 s wall (82.5 s CPU).
test-fast: $(STAMP)
	HUBLINK_TEST_BACKENDS=sqlite $(BIN)/python -m pytest -m "not slow and not browser" -q \
		-n 2 -p no:schemathesis

benchmark: $(STAMP)
	$(BIN)/python benchmarks/febrl.py

clean:
	rm -rf $(VENV) demo-home .vendor test-artefacts

docs: $(STAMP)
	$(BIN)/python -m docs.generate
