# The two commands of the README: `make dev` runs the whole system locally, `make test`
# runs every test. Both install what they need first (a project-local Python venv with the
# pinned AWS emulator and template linter, the web console's npm packages locked in
# web/package-lock.json); Rust crates come through cargo. The browser tests drive Debian's
# Chromium (`apt-get install chromium`; .ci/run installs it in CI).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
DEPLOY_VENV := .venv-deploy
CARGO ?= cargo
PORT ?= 3000
WEB := web
CHROMIUM ?= /usr/bin/chromium
# `make deploy`: the stack to create or update, and where.
STACK ?= partner-portal
REGION ?= $(or $(AWS_REGION),us-east-1)
ARCH ?= x86_64

.PHONY: dev test venv deploy-tools lint fuzz sam-build bench clean web-deps web-build web-test chromium deploy

$(VENV)/.installed: requirements-dev.txt
	@echo "==> Installing the AWS emulator, cfn-lint and schemathesis into $(VENV) (pinned in requirements-dev.txt)"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

$(DEPLOY_VENV)/.installed: requirements-deploy.txt
	@echo "==> Installing the SAM CLI and cargo-lambda into $(DEPLOY_VENV) (pinned in requirements-deploy.txt)"
	$(PYTHON) -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-deploy.txt
	@touch $@

deploy-tools: $(DEPLOY_VENV)/.installed

$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	@echo "==> Installing the web console's packages (npm ci, locked in web/package-lock.json)"
	cd $(WEB) && npm ci --no-audit --no-fund
	@touch $@

web-deps: $(WEB)/node_modules/.installed

# The API types are generated from infra/openapi.yaml by the build itself (npm run generate).
web-build: web-deps
	@echo "==> Building the web console into web/dist"
	cd $(WEB) && npm run build

# Debian's Chromium, installed with apt-get when it is missing and this user may (root, or sudo
# without a password); otherwise the message says what to do.
chromium:
	@if [ ! -x "$(CHROMIUM)" ] && [ "$(CHROMIUM)" = /usr/bin/chromium ] && command -v apt-get >/dev/null; then \
	  if [ "$$(id -u)" -eq 0 ]; then sudo=; elif sudo -n true 2>/dev/null; then sudo=sudo; else sudo=no; fi; \
	  if [ "$$sudo" != no ]; then \
	    echo "==> Installing Chromium (Debian package) for the browser tests"; \
	    $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends chromium; \
	  fi; \
	fi
	@test -x "$(CHROMIUM)" || { echo "Chromium is missing at $(CHROMIUM): install Debian's chromium package (sudo apt-get install chromium), or set CHROMIUM=/path/to/chromium." >&2; exit 1; }

# Typecheck (against the API types generated from infra/openapi.yaml), lint, unit tests, the
# production build (which prints and enforces the JavaScript budget), then the stories in
# Chromium against a local stack the Playwright setup starts itself.
web-test: venv web-deps chromium
	@echo "==> Web console: typecheck, lint, unit tests (Vitest)"
	cd $(WEB) && npm run typecheck && npm run lint && npm run test:unit
	@echo "==> Web console: production build and budget"
	cd $(WEB) && npm run build
	@echo "==> Web console: browser stories (Playwright, Chromium at $(CHROMIUM)); screenshots in target/screenshots"
	cd $(WEB) && CHROMIUM_PATH="$(CHROMIUM)" npm run test:e2e

dev: venv web-build
	@echo "==> Building and starting the local stack on http://127.0.0.1:$(PORT)"
	PORT=$(PORT) $(CARGO) run --locked -p portal --features local --bin dev-server

# Spectral and the OWASP ruleset, from infra/package-lock.json (its own npm project).
infra/node_modules/.installed: infra/package.json infra/package-lock.json
	@echo "==> Installing Spectral and the OWASP API ruleset into infra/node_modules (npm ci)"
	cd infra && npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

lint: venv deploy-tools infra/node_modules/.installed
	@echo "==> cfn-lint template.yaml (with the serverless rules of cfn-lint-serverless)"
	$(VENV)/bin/cfn-lint --append-rules cfn_lint_serverless.rules -- template.yaml
	@echo "==> openapi-spec-validator infra/openapi.yaml"
	$(VENV)/bin/openapi-spec-validator infra/openapi.yaml
	@echo "==> spectral lint infra/openapi.yaml (OWASP API Security ruleset; exceptions in infra/.spectral.yaml)"
	cd infra && ./node_modules/.bin/spectral lint --fail-severity=warn --ruleset .spectral.yaml openapi.yaml
	@echo "==> sam validate --lint"
	SAM_CLI_TELEMETRY=0 $(DEPLOY_VENV)/bin/sam validate --lint --region us-east-1
	@echo "==> cargo fmt --check"
	$(CARGO) fmt --all -- --check
	@echo "==> cargo clippy (every crate and test, warnings are errors)"
	$(CARGO) clippy --locked --workspace --all-targets --features portal/local -- -D warnings
	@echo "==> cargo clippy (the functions as Lambda builds them: the adapters held without dyn ports)"
	$(CARGO) clippy --locked $(addprefix -p ,$(FUNCTIONS)) -- -D warnings

test: venv lint web-deps chromium
	@echo "==> cargo test (unit, contract and end-to-end tests against the emulator)"
	@mkdir -p target
	set -o pipefail; $(CARGO) test --locked --workspace --no-fail-fast 2>&1 | tee target/test-output.log
	@awk '/^test result:/ { p += $$4; f += $$6 } END { printf "summary: %d passed, %d failed\n", p, f; exit (f > 0 || p == 0) }' target/test-output.log
	@echo "==> infra/deploy.py (unit tests; moto stands in for S3)"
	AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 \
		$(VENV)/bin/python -m unittest discover -s infra -p 'test_*.py'
	$(MAKE) fuzz
	@$(MAKE) --no-print-directory web-test

# Schemathesis over infra/openapi.yaml against the local stack, once per role (admin,
# customer, partner, impersonating partner): no 5xx, every answer as documented.
# FUZZ_EXAMPLES sets the examples per operation (default in tests/fuzz/run.py).
fuzz: venv
	@echo "==> schemathesis (tests/fuzz/run.py)"
	$(CARGO) build --locked -p portal --features local --bin dev-server
	$(VENV)/bin/python tests/fuzz/run.py target/debug/dev-server

# Every function for Lambda in ONE cargo invocation (one dependency build, one profile; see
# [profile.release] in Cargo.toml): target/lambda/<function>/bootstrap, which template.yaml's
# CodeUri names, so `sam deploy` packages them without a `sam build`. ARCH=arm64 (the
# template's default) needs the aarch64-unknown-linux-gnu Rust target; x86_64 builds here.
FUNCTIONS := $(notdir $(wildcard functions/*))

sam-build: deploy-tools
	@echo "==> cargo lambda build --release ($(ARCH)): $(words $(FUNCTIONS)) functions in one invocation"
	time PATH="$(CURDIR)/$(DEPLOY_VENV)/bin:$$PATH" $(CARGO) lambda build --release --locked \
		$(if $(filter arm64,$(ARCH)),--arm64,--x86-64) $(addprefix -p ,$(FUNCTIONS))
	@for f in $(FUNCTIONS); do test -x target/lambda/$$f/bootstrap || { echo "no target/lambda/$$f/bootstrap"; exit 1; }; done
	@echo "==> Deploy with: $(DEPLOY_VENV)/bin/sam deploy --guided --parameter-overrides Architecture=$(ARCH)"

# Not part of `make test`: AWS calls and waves per step, release cold starts and sizes beside
# the bare and SDK-floor binaries (one release build of everything, timed), and the cost of
# 1,000 onboarding flows. Prints; asserts no timing. BENCH_ARGS: --no-build, --runs N,
# --steps-only, --init-only.
bench: venv
	$(CARGO) build --locked -p portal-bench --bin bench
	nice -n 10 target/debug/bench $(BENCH_ARGS)

# Builds the functions, deploys the stack (setting PortalUrl to the console's URL on the first
# deploy), builds the console and uploads it with the stack's config.json, then invalidates
# the distribution. Needs AWS credentials; see "Deploying" in the README.
deploy: deploy-tools web-deps
	PATH="$(CURDIR)/$(DEPLOY_VENV)/bin:$$PATH" SAM_CLI_TELEMETRY=0 $(DEPLOY_VENV)/bin/python infra/deploy.py \
		--stack-name "$(STACK)" --region "$(REGION)" --architecture "$(ARCH)" $(DEPLOY_ARGS)

clean:
	rm -rf $(VENV) $(DEPLOY_VENV) target .aws-sam infra/node_modules $(WEB)/node_modules $(WEB)/dist
