# The two commands of the README: `make demo` and `make test`. Each creates .venv when missing.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# mypy checks rigorgym.verifiers and rigorgym.envs through a tree of links: the editable install maps those
# packages to verifiers/ and envs/ with an import hook that mypy cannot follow.
TYPECHECK_TREE := build/typecheck

.PHONY: demo test test-fast bench results lint typecheck docs install clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch first, pinned: a plain `torch` requirement would pull a multi-GB CUDA build.
$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[all,dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) -m rigorgym.demo

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile

# For development: everything but the tests marked `slow`.
test-fast: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -m "not slow"

bench: $(STAMP)
	$(PY) benchmarks/unknot_throughput.py
	$(PY) benchmarks/verify_throughput.py
	$(PY) benchmarks/plumbing_throughput.py
	$(PY) benchmarks/plumbing_normal_form.py

# Every page of docs/results measured again by the script that wrote it (hours on 2 cores; see docs/contributing.md).
results: $(STAMP)
	$(PY) benchmarks/rerun_pages.py

# ruff on the whole repository, mypy on the kernel (strict) and the envs (see [tool.mypy] in pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MAKE) --no-print-directory typecheck

typecheck: $(STAMP)
	rm -rf $(TYPECHECK_TREE)
	mkdir -p $(TYPECHECK_TREE)/rigorgym
	ln -s $(CURDIR)/rigorgym/*.py $(TYPECHECK_TREE)/rigorgym/
	ln -s $(CURDIR)/verifiers $(TYPECHECK_TREE)/rigorgym/verifiers
	ln -s $(CURDIR)/envs $(TYPECHECK_TREE)/rigorgym/envs
	$(VENV)/bin/mypy

docs: $(STAMP)
	$(VENV)/bin/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache $(TYPECHECK_TREE) site
