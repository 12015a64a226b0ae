#![no_main]

libfuzzer_sys::fuzz_target!(init: triage_fuzz::init(), |data: &[u8]| triage_fuzz::project_file(data));
