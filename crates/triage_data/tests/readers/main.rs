//! Fuzz tests for every reader: random bytes, and valid files with random
//! bytes changed, cut or inserted. Whatever comes in, a reader returns rows
//! and a report; it never panics, and every problem names its file.

mod fuzz;
