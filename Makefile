# The two commands of the README: `make demo` and `make test`. Each creates .venv when missing.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint install clean

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

bench: $(STAMP)
	$(PY) benchmarks/unknot_throughput.py
	$(PY) benchmarks/verify_throughput.py
	$(PY) benchmarks/plumbing_throughput.py
	$(PY) benchmarks/plumbing_normal_form.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache
