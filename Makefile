# Every target creates or refreshes .venv from requirements.txt first, so a
# fresh clone needs nothing but Python 3.11, pip and make. `make test` also
# installs the Debian packages the tests need when they are missing (as
# root with apt-get; otherwise it names the command and stops):
# SYSTEM_PACKAGES=skip (on the command line or in the environment) installs
# nothing and lets pytest skip the parts that need them.
PYTHON ?= python3
SYSTEM_PACKAGES ?= install
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# nbgrader starts `alembic` by name: the venv goes first on PATH.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: book test exercises grade clean help

help:
	@echo "make book       build the HTML book into _build/html"
	@echo "make test       run the whole test suite, installing chromium,"
	@echo "                bubblewrap and postgresql first if missing"
	@echo "                (SYSTEM_PACKAGES=skip: skip what needs them)"
	@echo "make exercises  regenerate exercises/ from solutions/"
	@echo "make grade A=softmax   grade submitted/*/softmax in parallel,"
	@echo "                       sandboxed (needs bubblewrap);"
	@echo "                       A=\"entropy softmax\" grades both"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	@echo "The book is at $(CURDIR)/_build/html/index.html"

test: $(STAMP)
	@tools/system-packages $(SYSTEM_PACKAGES)
	$(BIN)/python -m pytest

# Student versions are generated, never hand-edited.
exercises: $(STAMP)
	$(BIN)/python -m autograder release

# Parallel, sandboxed grading into the nbgrader gradebook. Student code runs
# under bubblewrap: apt-get install bubblewrap (Debian/Ubuntu).
grade: $(STAMP)
	@test -n "$(A)" || { echo "usage: make grade A=<assignment> (or A=\"<a> <b> ...\")"; exit 2; }
	@command -v bwrap >/dev/null || { echo "bubblewrap is missing: \
	apt-get install bubblewrap (or run python -m autograder grade \
	$(A) --no-sandbox for code you trust)"; exit 2; }
	$(BIN)/python -m autograder grade $(A)

clean:
	rm -rf _build
