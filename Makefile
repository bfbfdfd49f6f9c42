# `make demo` (set up, run the baseline; replaces results/baseline), `make app` (set up, start the
# web app) and `make test` (set up, run the tests). `make test-slow` runs the long studies (marked slow).
SHELL := /bin/bash
VENV := .venv
# The first Python >= 3.12 found: python3.12 on PATH, else a pyenv-installed 3.12.
PYTHON ?= $(shell for p in python3.12 python3.13 $$HOME/.pyenv/versions/3.12*/bin/python3.12; do \
	"$$p" -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1 && { echo "$$p"; break; }; done)

.PHONY: demo app test test-slow test-release bench lint clean figures figures-check

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python >= 3.12 not found (install python3.12)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/steppe run scenarios/baseline.toml --out results/baseline --force

# The web app for policy staff (中文/English): http://127.0.0.1:8501; HOST=0.0.0.0 PORT=8600 to change.
HOST ?= 127.0.0.1
PORT ?= 8501
app: $(VENV)/.installed
	$(VENV)/bin/steppe app --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q

test-slow: $(VENV)/.installed
	$(VENV)/bin/pytest -q -m slow

test-release: $(VENV)/.installed   # after rebuilding the shipped posterior on this model
	$(VENV)/bin/pytest -q -m release

bench: $(VENV)/.installed
	$(VENV)/bin/python benchmarks/bench_model.py
	$(VENV)/bin/python benchmarks/bench_batch.py

# Every figure and table of the paper (experiments/README.md lists them, their inputs and runtimes).
# Studies are cached in results/studies and reused when their design is unchanged.
FIGURE_SCRIPTS := baseline_figure lever_responses sensitivity_morris sensitivity_sobol paths_prim \
	pareto_front package_fans calibration_report sensitivity_plan robustness emulator_sobol
figures: $(VENV)/.installed
	@set -e; for s in $(FIGURE_SCRIPTS); do \
		if [ -f experiments/$$s.py ]; then echo "== experiments/$$s.py"; t0=$$(date +%s); \
			$(VENV)/bin/python experiments/$$s.py; echo "== experiments/$$s.py: $$(( $$(date +%s) - t0 )) s"; \
		else echo "== experiments/$$s.py: not in this checkout, skipped"; fi; \
	done

# Run `make figures` twice and compare every file's sha256: the paper's files must not change.
figures-check: figures
	@cd results/experiments && find . -type f | sort | xargs sha256sum > ../figures.sha256
	@$(MAKE) --no-print-directory figures > /dev/null
	@cd results/experiments && sha256sum --quiet -c ../figures.sha256 && echo "figures: $$(wc -l < ../figures.sha256) files identical on re-run"

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache
