//! The wire format of a team's task set in the lake: `share.json`, the
//! items file and each push of events. Written and read only here, so the
//! lead's and the annotators' builds agree on every byte.
//!
//! Layout under `s3://bucket/prefix`:
//! - `items-<hash>.jsonl`: every shared item, with who labels it;
//! - `data/<content hash>/<file name>`: images that were local to the lead;
//! - `events/<annotator>--<project uid>--<first>-<last>.jsonl`: one push, a
//!   [`PushHeader`] line and then one [`SharedEvent`] per line;
//! - `share.json`: written last, so a share is visible whole or not at all.

use serde::{Deserialize, Serialize};
use triage_core::{ItemKind, LabelSchema, Problem, SharedEvent};

use crate::{Error, Result};

/// The format of `share.json`.
pub const SHARE_FORMAT: &str = "triage-share/1";
/// The format of a push.
pub const EVENTS_FORMAT: &str = "triage-events/1";
/// The task set's description, written last.
pub const SHARE_FILE: &str = "share.json";
/// Where pushes go.
pub const EVENTS_DIR: &str = "events/";

/// `share.json`: what a task set is and where its parts are.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShareFile {
    /// [`SHARE_FORMAT`].
    pub format: String,
    /// The task set's id: the start of its items file's SHA-256.
    pub id: String,
    /// The task and classes.
    pub schema: LabelSchema,
    /// The Ground Truth job name.
    pub job_name: String,
    /// The Ground Truth label attribute.
    pub attribute: String,
    /// Who labels, sorted.
    pub annotators: Vec<String>,
    /// How many label each item.
    pub overlap: usize,
    /// The seed of the draw.
    pub seed: u64,
    /// Items every annotator labels.
    pub audit: usize,
    /// The items file's key.
    pub items: String,
    /// How many items it holds.
    pub item_count: usize,
}

impl ShareFile {
    /// Reads `share.json`, checking its format; the error says why it is
    /// not one.
    pub fn parse(bytes: &[u8]) -> std::result::Result<Self, String> {
        let share: Self =
            serde_json::from_slice(bytes).map_err(|e| format!("not a task set: {e}"))?;
        if share.format != SHARE_FORMAT {
            return Err(format!("format {} is not {SHARE_FORMAT}", share.format));
        }
        Ok(share)
    }
}

/// One line of the items file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SharedItem {
    /// The item's key, the same in every project of the share.
    pub key: String,
    /// What it is.
    pub kind: ItemKind,
    /// The image's address (in the lake, for images local to the lead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Its row in its table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_index: Option<i64>,
    /// The table's id value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The content hash.
    pub content_hash: String,
    /// Image width.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Image height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// A row's values, or the manifest line it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// Who labels it.
    pub annotators: Vec<String>,
    /// Whether everyone labels it.
    #[serde(default)]
    pub audit: bool,
}

/// The first line of a push: whose events, for which share.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PushHeader {
    /// [`EVENTS_FORMAT`].
    pub format: String,
    /// The task set's id.
    pub share: String,
    /// Whose events.
    pub annotator: String,
    /// The class names, in index order, as the pusher's project has them.
    pub classes: Vec<String>,
}

/// Values as JSON Lines, one per line.
pub fn to_json_lines<'a, T: Serialize + 'a>(
    values: impl IntoIterator<Item = &'a T>,
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for v in values {
        serde_json::to_writer(&mut out, v).map_err(|e| Error::Invalid(e.to_string()))?;
        out.push(b'\n');
    }
    Ok(out)
}

/// A push: its header line, then each event.
pub fn push_bytes(header: &PushHeader, events: &[SharedEvent]) -> Result<Vec<u8>> {
    let mut out = to_json_lines([header])?;
    out.extend(to_json_lines(events)?);
    Ok(out)
}

/// JSON Lines read from `text`, whose first line is line `first_line` of
/// the object at `url`: each value with its line number, and each line
/// that is not one as a problem naming the object and line.
pub fn read_json_lines<T: serde::de::DeserializeOwned>(
    url: &str,
    text: &str,
    first_line: usize,
) -> (Vec<(usize, T)>, Vec<Problem>) {
    let mut good = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let at = n + first_line;
        match serde_json::from_str(line) {
            Ok(v) => good.push((at, v)),
            Err(e) => problems.push(Problem {
                file: url.to_owned(),
                position: Some(format!("line {at}")),
                reason: e.to_string(),
            }),
        }
    }
    (good, problems)
}

/// Reads one push: its header must name this share and its classes; each
/// later line is an event. Lines that cannot be read are problems named by
/// the object and line; the rest are returned with their line numbers.
pub fn parse_push(
    url: &str,
    bytes: &[u8],
    share: &str,
    classes: &[String],
) -> (Vec<(usize, SharedEvent)>, Vec<Problem>) {
    let text = String::from_utf8_lossy(bytes);
    let (first, body) = text.split_once('\n').unwrap_or((&text, ""));
    let problem = |line: usize, reason: String| Problem {
        file: url.to_owned(),
        position: Some(format!("line {line}")),
        reason,
    };
    let header = match serde_json::from_str::<PushHeader>(first) {
        Ok(h) => h,
        Err(e) => {
            let reason = format!("not a {EVENTS_FORMAT} push ({e}); skipped");
            return (Vec::new(), vec![problem(1, reason)]);
        }
    };
    if header.format != EVENTS_FORMAT || header.share != share {
        let reason = format!(
            "a {} push for share {}, not {share}; skipped",
            header.format, header.share
        );
        return (Vec::new(), vec![problem(1, reason)]);
    }
    if header.classes != classes {
        let reason = format!(
            "its classes ({}) are not this project's; skipped",
            header.classes.join(", ")
        );
        return (Vec::new(), vec![problem(1, reason)]);
    }
    // Lines count from the header, line 1.
    let (read, mut problems) = read_json_lines::<SharedEvent>(url, body, 2);
    let mut events = Vec::new();
    for (line, e) in read {
        if e.annotator == header.annotator {
            events.push((line, e));
        } else {
            let reason = format!(
                "an event by {} in {}'s push; skipped",
                e.annotator, header.annotator
            );
            problems.push(problem(line, reason));
        }
    }
    (events, problems)
}

/// A name safe in an object key: letters, digits, `.`, `_`, `-`.
pub fn key_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUSH: &str = "{\"format\":\"triage-events/1\",\"share\":\"s1\",\"annotator\":\"ana\",\"classes\":[\"a\",\"b\"]}\n\
        {\"uid\":\"p/1\",\"item\":\"/x/1.png\",\"class\":1,\"annotator\":\"ana\",\"at\":\"2026-11-29T10:00:00Z\"}\n\
        {\"uid\":\"p/2\",\"item\":\"/x/1.png\",\"annotator\":\"ana\",\"at\":\"2026-11-29T10:00:01Z\",\"undoes\":\"p/1\"}\n";

    fn classes() -> Vec<String> {
        vec!["a".into(), "b".into()]
    }

    #[test]
    fn a_push_is_read_and_its_bad_lines_are_named() {
        let (events, problems) = parse_push("s3://l/e.jsonl", PUSH.as_bytes(), "s1", &classes());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(events.len(), 2);
        assert_eq!((events[0].0, events[1].0), (2, 3));
        assert_eq!(events[1].1.undoes.as_deref(), Some("p/1"));
        let broken = PUSH.replace("\"class\":1,", "\"class\":\"one\",");
        let (events, problems) = parse_push("s3://l/e.jsonl", broken.as_bytes(), "s1", &classes());
        assert_eq!(events.len(), 1);
        assert_eq!(problems[0].position.as_deref(), Some("line 2"));
        assert_eq!(problems[0].file, "s3://l/e.jsonl");
        let (events, problems) = parse_push("s3://l/e.jsonl", PUSH.as_bytes(), "s2", &classes());
        assert!(events.is_empty());
        assert!(problems[0].reason.contains("not s2"), "{problems:?}");
        let (_, problems) = parse_push("u", PUSH.as_bytes(), "s1", &["a".into()]);
        assert!(problems[0].reason.contains("classes"));
    }

    proptest::proptest! {
        /// Any bytes, or a good push with random edits: never a panic, and
        /// every problem names the object and a line.
        #[test]
        fn pushes_of_any_bytes_are_read_or_named(
            edits in proptest::collection::vec((0usize..1024, proptest::prelude::any::<u8>(), 0u8..3), 0..8),
            junk in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256),
        ) {
            let mut bytes = PUSH.as_bytes().to_vec();
            for (pos, byte, kind) in edits {
                let at = pos % (bytes.len() + 1);
                match kind {
                    0 if at < bytes.len() => bytes[at] = byte,
                    1 => bytes.truncate(at),
                    _ => bytes.insert(at, byte),
                }
            }
            for input in [bytes, junk] {
                let lines = String::from_utf8_lossy(&input).lines().count().max(1);
                let (events, problems) = parse_push("s3://l/e.jsonl", &input, "s1", &classes());
                for p in &problems {
                    proptest::prop_assert_eq!(&p.file, "s3://l/e.jsonl");
                    let line: usize = p.position.as_deref().unwrap().trim_start_matches("line ").parse().unwrap();
                    proptest::prop_assert!(line >= 1 && line <= lines);
                }
                for (line, _) in &events {
                    proptest::prop_assert!(*line >= 2 && *line <= lines);
                }
            }
        }
    }

    #[test]
    fn keys_are_made_safe() {
        assert_eq!(key_safe("Ana María/../x"), "Ana_Mar_a_.._x");
        assert_eq!(key_safe("ben-2.o_k"), "ben-2.o_k");
    }
}
