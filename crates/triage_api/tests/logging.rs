//! Logging in a process of its own (a subscriber is set once per process):
//! the file gets the start line, our events from `info` and other crates'
//! from `warn`, and a panic is
//! written there with its backtrace before the program would end.

use triage_api::logging;

#[test]
fn a_panic_is_written_to_the_log_with_its_backtrace() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs").join("triage-test.log");
    let got = logging::init("triage-test", 0, Some(&path));
    assert_eq!(got.as_deref(), Some(path.as_path()));
    // Our crates' events from `info`, other crates' from `warn`.
    tracing::info!(target: "triage_api::x", "an event worth keeping");
    tracing::debug!(target: "triage_api::x", "a detail left out at info");
    tracing::info!(target: "winit::x11", "another crate's chatter");
    tracing::warn!(target: "winit::x11", "another crate's warning");
    let caught = std::panic::catch_unwind(|| panic!("boom at step 42"));
    assert!(caught.is_err());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("triage-test ") && text.contains(" started on "),
        "{text}"
    );
    assert!(text.contains("an event worth keeping"), "{text}");
    assert!(!text.contains("a detail left out"), "{text}");
    assert!(
        !text.contains("chatter") && text.contains("another crate's warning"),
        "{text}"
    );
    let panic = text
        .lines()
        .position(|l| l.contains("panic: "))
        .expect(&text);
    assert!(text.contains("boom at step 42"), "{text}");
    assert!(
        text.lines()
            .skip(panic)
            .any(|l| l.trim_start().starts_with("0: ")),
        "a backtrace follows the panic:\n{text}"
    );
}
