#!/usr/bin/env bash
# `make fuzz`: each fuzz target (fuzz/fuzz_targets) for FUZZ_SECONDS
# (default 180) under libFuzzer, seeded with its corpus in
# tests/fuzz-corpus/<target>/ and the project's sample data. The corpus
# each run grows is merged back, minimised, with inputs over FUZZ_MAX_LEN
# left out so it stays small. A crash stops that target; its input is
# copied into the corpus, where `make test` replays it until it is fixed.
# Prints a line per target (runs, seconds, corpus size, crashes) and
# writes them to <target dir>/fuzz-report.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
FUZZ_DIR=$TARGET_DIR/fuzz
SECONDS_EACH=${FUZZ_SECONDS:-180}
TARGETS=${FUZZ_TARGETS:-manifest table_csv table_jsonl table_parquet image share profile_json project_file}
REPORT=$TARGET_DIR/fuzz-report.txt

command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
# The fuzz crate is outside the workspace; its versions are the workspace's.
cp Cargo.lock fuzz/Cargo.lock
# No sanitizer: the code is safe Rust, and what the fuzzers look for is a
# panic, an overflow (debug assertions are on), a hang or runaway memory.
FUZZ=(cargo fuzz run --sanitizer none --target-dir "$FUZZ_DIR")
cargo fuzz build --sanitizer none --target-dir "$FUZZ_DIR" </dev/null

# Extra seed folders per target: the bad-input corpus and datasets/.
seeds() {
  case $1 in
    manifest) echo tests/corpus/manifests ;;
    table_csv) echo tests/corpus/tables ;;
    table_jsonl) echo tests/corpus/tables ;;
    image) echo tests/corpus/images datasets/photos ;;
    *) ;;
  esac
}
# Inputs are kept short so the corpus stays small: project files (a seed
# is 31 KiB, 512-byte pages) and images get a little more room.
max_len() {
  case $1 in
    project_file) echo 32768 ;;
    image | table_parquet) echo 16384 ;;
    *) echo "${FUZZ_MAX_LEN:-8192}" ;;
  esac
}

: >"$REPORT"
failed=0
for t in $TARGETS; do
  corpus=tests/fuzz-corpus/$t
  grown=$FUZZ_DIR/grown/$t
  artifacts=$FUZZ_DIR/artifacts/$t/
  mkdir -p "$corpus" "$grown" "$artifacts"
  log=$FUZZ_DIR/$t.log
  # shellcheck disable=SC2046
  if "${FUZZ[@]}" "$t" "$grown" "$corpus" $(seeds "$t") -- \
      -max_total_time="$SECONDS_EACH" -max_len="$(max_len "$t")" \
      -timeout=30 -rss_limit_mb=4096 -artifact_prefix="$artifacts" \
      -print_final_stats=1 </dev/null >"$log" 2>&1; then
    crash=none
  else
    crash=$(ls -t "$artifacts" | head -1)
    cp "$artifacts/$crash" "$corpus/"
    failed=1
  fi
  # Merge what was found into the committed corpus: the fewest inputs that
  # reach every edge reached (a set cover, edges rather than hit counts).
  merged=$FUZZ_DIR/merged/$t
  rm -rf "$merged" && mkdir -p "$merged"
  "${FUZZ[@]}" "$t" "$merged" "$corpus" "$grown" -- -set_cover_merge=1 -use_counters=0 -use_cmp=0 \
    -max_len="$(max_len "$t")" -timeout=30 </dev/null >>"$log" 2>&1 || true
  if [ -n "$(ls -A "$merged")" ]; then
    find "$corpus" -type f ! -name 'crash-*' ! -name 'oom-*' ! -name 'timeout-*' -delete
    cp "$merged"/* "$corpus"/
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo 0)
  line="$t: $runs runs in ${SECONDS_EACH}s, corpus $(ls "$corpus" | wc -l) files ($(du -sh "$corpus" | cut -f1)), crash: $crash"
  echo "$line" | tee -a "$REPORT"
done
exit $failed
