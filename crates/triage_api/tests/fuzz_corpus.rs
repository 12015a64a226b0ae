//! Every input the fuzzers kept (`tests/fuzz-corpus/<target>/`, grown by
//! `make fuzz`, crashes found included) replayed through the same target
//! functions in an ordinary build: none may panic.
#![allow(clippy::unwrap_used)]

// `init` is libFuzzer's alone.
#[allow(dead_code)]
#[path = "../../../fuzz/src/lib.rs"]
mod targets;

use std::path::Path;

#[test]
fn every_input_the_fuzzers_kept_is_read_without_a_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fuzz-corpus");
    let mut failures = Vec::new();
    for (name, target) in targets::TARGETS {
        let mut inputs: Vec<_> = std::fs::read_dir(root.join(name))
            .unwrap_or_else(|e| panic!("{name}: no corpus: {e}"))
            .map(|e| e.unwrap().path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{name}: the corpus is empty");
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            if std::panic::catch_unwind(|| target(&data)).is_err() {
                failures.push(input.display().to_string());
            }
        }
    }
    assert!(failures.is_empty(), "inputs that panic: {failures:#?}");
}
