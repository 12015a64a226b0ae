//! Fuzz tests for every reader: random bytes, and valid files with random
//! bytes changed, cut or inserted. Whatever comes in, a reader returns rows
//! and a report; it never panics, and every problem names its file.

// A test binary: helpers panic on purpose so that failures point at them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fuzz;
