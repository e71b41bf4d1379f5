# make report: set everything up, then produce the 2021 sample report (outputs/2021/*.pdf)
# make test:   set everything up, then run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
YEAR ?= 2021

.PHONY: report test serve setup system-packages sample-inputs clean

report: setup
	$(BIN)/annual-report run --year $(YEAR)

test: setup
	$(BIN)/pytest

# make reliability: the faults, hostile inputs and submission cases of the modules tests/reliability.py lists
# (TEST_FILES), with 20 kill trials and 300 examples per property (about 25 min); writes docs/reliability.md
.PHONY: reliability
reliability: setup
	$(BIN)/python tests/reliability.py prove

# a local Prefect server (or the one already running) with every deployment of prefect.yaml and WORKERS
# workers (default 1); run again, it reuses what runs. As systemd services: make install-service
serve: setup
	scripts/serve.sh $(or $(WORKERS),1)

# one worker on this machine for the server PREFECT_API_URL names (a second machine of the pool)
.PHONY: worker install-service
worker: setup
	scripts/worker.sh $(NAME)

# the server and WORKERS workers as systemd services (root), started now and at every boot; POSTGRES=1: Prefect's
# database on this machine's PostgreSQL; docs/orchestration.md
install-service: setup
	scripts/install-service.sh --workers $(or $(WORKERS),1) $(if $(POSTGRES),--postgres)

setup: system-packages $(BIN)/.installed

system-packages:
	@scripts/install-system-packages.sh

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# make bench: the benchmarks at national scale (about 15 min; large ledgers generated once into bench/data/),
# results in bench/results.md; never part of make test
.PHONY: bench
bench: setup
	$(BIN)/python -m bench

sample-inputs: setup
	$(BIN)/python scripts/make_sample_inputs.py

clean:
	rm -rf outputs/*/ outputs/warehouse.duckdb* $(VENV)
