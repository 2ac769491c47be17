# The two commands of the README: `make dev` runs the whole system locally, `make test`
# runs every test. Both install what they need first (a project-local Python venv with the
# pinned AWS emulator and template linter); Rust crates come through cargo.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
CARGO ?= cargo
PORT ?= 3000

.PHONY: dev test venv lint unit clean

$(VENV)/.installed: requirements-dev.txt
	@echo "==> Installing the AWS emulator and cfn-lint into $(VENV) (pinned in requirements-dev.txt)"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

dev: venv
	@echo "==> Building and starting the local stack on http://127.0.0.1:$(PORT)"
	PORT=$(PORT) $(CARGO) run --locked -p portal --features local --bin dev-server

lint: venv
	@echo "==> cfn-lint template.yaml"
	$(VENV)/bin/cfn-lint template.yaml
	@echo "==> cargo fmt --check"
	$(CARGO) fmt --all -- --check

test: venv lint
	@echo "==> cargo test (unit, contract and end-to-end tests against the emulator)"
	@mkdir -p target
	set -o pipefail; $(CARGO) test --locked --workspace --no-fail-fast 2>&1 | tee target/test-output.log
	@awk '/^test result:/ { p += $$4; f += $$6 } END { printf "summary: %d passed, %d failed\n", p, f; exit (f > 0 || p == 0) }' target/test-output.log

clean:
	rm -rf $(VENV) target
