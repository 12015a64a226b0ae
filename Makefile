# The two commands a newcomer needs: `make run` and `make test`.
# Both install what is missing first (scripts/install-deps.sh).

SHELL := /bin/bash
CARGO ?= cargo
TEST_LOG ?= $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/test-output.log
DEMO_DIR ?= $(CURDIR)/target/demo-project
TRIAGE = $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/debug/triage

.PHONY: deps run test lint check-architecture bench

deps:
	@bash scripts/install-deps.sh

# Until the desktop app lands, `make run` is the CLI demo on the bundled digits.
run: deps
	$(CARGO) build -p triage_cli
	@bash scripts/demo.sh "$(TRIAGE)" "$(DEMO_DIR)"

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

check-architecture:
	python3 scripts/check_architecture.py

test: deps lint check-architecture
	$(CARGO) build --workspace --bins --locked
	set -o pipefail; $(CARGO) test --workspace --locked 2>&1 | tee "$(TEST_LOG)"
	@python3 scripts/test_summary.py "$(TEST_LOG)"

bench: deps
	$(CARGO) build --release --locked -p triage_cli -p triage_bench
	$(CARGO) run --release --locked -p triage_bench
