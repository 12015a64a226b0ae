//! SageMaker Ground Truth manifests, input and augmented output (see
//! `shared/formats/ground-truth-manifest.md`).
//!
//! Each line is kept verbatim, so that an export writes back every key it did
//! not change, in its original order. Local `source-ref` paths must stay
//! inside an allowed root: the check is made once on the path as written
//! (`..` and absolute paths) and again on the resolved path (symbolic links).

use std::io::BufRead;
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value};

use crate::Report;

/// The longest line Ground Truth accepts, in characters.
pub const MAX_LINE_CHARS: usize = 100_000;

/// Whether a file is a Ground Truth manifest: a `.manifest` file, or JSON
/// Lines whose first object (blank lines before it skipped) has
/// `source-ref` or `source`. The one sniffing rule, so a file that imports
/// as a manifest also opens as one in the explorer.
pub fn is_manifest(path: &Path) -> std::io::Result<bool> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "manifest" => Ok(true),
        "jsonl" | "ndjson" | "json" => {
            let file = std::fs::File::open(path)?;
            // A first line that is not UTF-8 is not a manifest's.
            let first = std::io::BufReader::new(file)
                .lines()
                .map_while(std::result::Result::ok)
                .find(|l| !l.trim().is_empty());
            Ok(first
                .and_then(|l| serde_json::from_str::<Map<String, Value>>(&l).ok())
                .is_some_and(|k| k.contains_key("source-ref") || k.contains_key("source")))
        }
        _ => Ok(false),
    }
}

/// Where a manifest line's data is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntrySource {
    /// A local image, resolved and checked to be inside the root.
    LocalImage(PathBuf),
    /// An `s3://` object, fetched by the lake.
    Remote(String),
    /// Inline text from `source`.
    Text(String),
}

/// A label found on a line under the project's label attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestLabel {
    /// The class index as written (a number or a string of digits).
    pub class_index: Option<u32>,
    /// The metadata's `class-name`.
    pub class_name: Option<String>,
    /// The metadata's `confidence`.
    pub confidence: Option<f64>,
    /// A multi-label answer: each class index with its name from the
    /// metadata's `class-map`, when it has one.
    pub class_set: Option<Vec<(u32, Option<String>)>>,
    /// The metadata object, verbatim.
    pub metadata: String,
}

/// One usable manifest line.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestEntry {
    /// Its 1-based line number.
    pub line: u64,
    /// The line exactly as it came in, without its line ending.
    pub raw: String,
    /// Its data.
    pub source: EntrySource,
    /// Its label under the attribute asked for, if it has one.
    pub label: Option<ManifestLabel>,
}

/// Reads a manifest. `root` bounds local paths; `attribute` is the label
/// attribute whose existing labels come in.
pub fn read_manifest(path: &Path, root: &Path, attribute: &str) -> (Vec<ManifestEntry>, Report) {
    let mut report = Report::default();
    let shown = path.display().to_string();
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            report.file(&shown, format!("cannot read: {e}"));
            return (Vec::new(), report);
        }
    };
    let root = match dunce::canonicalize(root) {
        Ok(r) => r,
        Err(e) => {
            report.file(root.display(), format!("dataset root is not readable: {e}"));
            return (Vec::new(), report);
        }
    };
    let base = path
        .parent()
        .map_or_else(|| root.clone(), Path::to_path_buf);
    let mut reader = std::io::BufReader::new(file);
    let mut entries = Vec::new();
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    let mut offset = 0u64;
    loop {
        buf.clear();
        let read = match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                report.at(
                    &shown,
                    format!("line {}", line_no + 1),
                    format!("cannot read: {e}"),
                );
                break;
            }
        };
        line_no += 1;
        let start = offset;
        offset += read as u64;
        while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            buf.pop();
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_line(&buf, start, &base, &root, attribute) {
            Ok((entry, warning)) => {
                if let Some(w) = warning {
                    report.at(&shown, format!("line {line_no}"), w);
                }
                entries.push(ManifestEntry {
                    line: line_no,
                    ..entry
                });
            }
            Err(reason) => report.at(
                &shown,
                format!("line {line_no}"),
                format!("{reason}; line skipped"),
            ),
        }
    }
    (entries, report)
}

/// Parses one line. Returns the entry and, when the line is usable but its
/// label is not, a warning.
fn parse_line(
    bytes: &[u8],
    start: u64,
    base: &Path,
    root: &Path,
    attribute: &str,
) -> Result<(ManifestEntry, Option<String>), String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("invalid UTF-8 at byte {}", start + e.valid_up_to() as u64))?;
    let chars = text.chars().count();
    if chars > MAX_LINE_CHARS {
        return Err(format!(
            "line has {chars} characters, over Ground Truth's limit of {MAX_LINE_CHARS}"
        ));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format!("bad JSON at column {}: {e}", e.column()))?;
    let Value::Object(object) = value else {
        return Err("not a JSON object".into());
    };
    if let Some(key) = object.keys().find(|k| k.starts_with('$')) {
        return Err(format!("attribute name \"{key}\" may not start with $"));
    }
    let source = match (object.get("source-ref"), object.get("source")) {
        (Some(_), Some(_)) => return Err("has both source-ref and source".into()),
        (None, None) => return Err("has neither source-ref nor source".into()),
        (Some(Value::String(r)), None) => resolve_ref(r, base, root)?,
        (None, Some(Value::String(s))) => EntrySource::Text(s.clone()),
        _ => return Err("source-ref or source is not a string".into()),
    };
    let (label, warning) = match read_label(&object, attribute) {
        Ok(label) => (label, None),
        Err(w) => (None, Some(format!("{w}; imported without a label"))),
    };
    Ok((
        ManifestEntry {
            line: 0,
            raw: text.to_owned(),
            source,
            label,
        },
        warning,
    ))
}

fn read_label(
    object: &Map<String, Value>,
    attribute: &str,
) -> Result<Option<ManifestLabel>, String> {
    let Some(value) = object.get(attribute) else {
        return Ok(None);
    };
    let meta_key = format!("{attribute}-metadata");
    let Some(Value::Object(meta)) = object.get(&meta_key) else {
        return Err(format!("\"{attribute}\" has no \"{meta_key}\" object"));
    };
    let index = |v: &Value| match v {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Value::String(s) => s.parse::<u32>().ok(),
        _ => None,
    };
    if let Value::Array(values) = value {
        let map = meta.get("class-map").and_then(Value::as_object);
        let set = values
            .iter()
            .map(|v| {
                let i = index(v)
                    .ok_or_else(|| format!("\"{attribute}\" holds {v}, not a class index"))?;
                let name = map
                    .and_then(|m| m.get(&i.to_string()))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                Ok((i, name))
            })
            .collect::<Result<Vec<_>, String>>()?;
        return Ok(Some(ManifestLabel {
            class_index: None,
            class_name: None,
            confidence: None,
            class_set: Some(set),
            metadata: Value::Object(meta.clone()).to_string(),
        }));
    }
    let class_index = index(value);
    let class_name = match meta.get("class-name") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    if class_index.is_none() && class_name.is_none() {
        return Err(format!(
            "\"{attribute}\" is not a class index and has no class-name"
        ));
    }
    let confidence = meta.get("confidence").and_then(Value::as_f64);
    if confidence.is_some_and(|c| !(0.0..=1.0).contains(&c)) {
        return Err("confidence is outside [0, 1]".into());
    }
    Ok(Some(ManifestLabel {
        class_index,
        class_name,
        confidence,
        class_set: None,
        metadata: Value::Object(meta.clone()).to_string(),
    }))
}

/// Resolves a `source-ref`: `s3://` stays a URI; a local path must exist and
/// stay inside `root`, both as written and once symbolic links are resolved.
pub fn resolve_ref(reference: &str, base: &Path, root: &Path) -> Result<EntrySource, String> {
    if let Some(rest) = reference.strip_prefix("s3://") {
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() || key.is_empty() {
            return Err(format!("\"{reference}\" is not an s3://bucket/key URI"));
        }
        return Ok(EntrySource::Remote(reference.to_owned()));
    }
    let local = reference.strip_prefix("file://").unwrap_or(reference);
    if local.contains("://") {
        return Err(format!(
            "\"{reference}\": only s3:// and local paths are supported"
        ));
    }
    if local.is_empty() {
        return Err("source-ref is empty".into());
    }
    let joined = base.join(local);
    let lexical = normalize(&joined);
    if !lexical.starts_with(root) {
        return Err(format!(
            "\"{reference}\" is outside the dataset root {}",
            root.display()
        ));
    }
    let resolved = dunce::canonicalize(&lexical)
        .map_err(|e| format!("\"{reference}\": file not found ({e})"))?;
    if !resolved.starts_with(root) {
        return Err(format!(
            "\"{reference}\" leads outside the dataset root {} through a symbolic link",
            root.display()
        ));
    }
    if !resolved.is_file() {
        return Err(format!("\"{reference}\" is not a file"));
    }
    Ok(EntrySource::LocalImage(resolved))
}

/// Resolves `.` and `..` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture {
        _dir: tempfile::TempDir,
        root: PathBuf,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("root/img")).unwrap();
        let root = dir.path().join("root").canonicalize().unwrap();
        std::fs::write(root.join("img/a.png"), b"x").unwrap();
        std::fs::write(dir.path().join("secret.png"), b"x").unwrap();
        Fixture { _dir: dir, root }
    }

    fn read(f: &Fixture, lines: &str) -> (Vec<ManifestEntry>, Report) {
        let path = f.root.join("m.manifest");
        std::fs::write(&path, lines).unwrap();
        read_manifest(&path, &f.root, "animal")
    }

    #[test]
    fn multi_label_answers_carry_their_class_map_names() {
        let f = fixture();
        let (entries, report) = read(
            &f,
            concat!(
                r#"{"source-ref":"s3://b/a.png","animal":[2,"0"],"animal-metadata":{"class-map":{"2":"dog","0":"cat"}}}"#,
                "\n",
                r#"{"source-ref":"s3://b/c.png","animal":[1,"x"],"animal-metadata":{}}"#,
                "\n",
            ),
        );
        let set = entries[0]
            .label
            .as_ref()
            .unwrap()
            .class_set
            .clone()
            .unwrap();
        assert_eq!(set, vec![(2, Some("dog".into())), (0, Some("cat".into()))]);
        // A bad index drops the label, not the line, and says why.
        assert_eq!(entries.len(), 2);
        assert!(entries[1].label.is_none());
        let text = format!("{report:?}");
        assert!(text.contains(r#"holds \"x\", not a class index"#), "{text}");
    }

    #[test]
    fn reads_refs_text_and_labels() {
        let f = fixture();
        let (entries, report) = read(
            &f,
            concat!(
                "{\"source-ref\":\"img/a.png\"}\n",
                "{\"source-ref\":\"s3://b/k.png\",\"animal\":1,\"animal-metadata\":{\"class-name\":\"dog\",\"confidence\":0.9}}\n",
                "\n",
                "{\"source\":\"some text\",\"animal\":\"0\",\"animal-metadata\":{\"confidence\":0.0}}\r\n",
            ),
        );
        assert!(report.problems.is_empty(), "{report:?}");
        assert_eq!(entries.len(), 3);
        assert_eq!(
            entries[0].source,
            EntrySource::LocalImage(f.root.join("img/a.png"))
        );
        assert_eq!(
            entries[1].source,
            EntrySource::Remote("s3://b/k.png".into())
        );
        let label = entries[1].label.clone().unwrap();
        assert_eq!(
            (label.class_index, label.class_name.as_deref()),
            (Some(1), Some("dog"))
        );
        assert_eq!(label.metadata, r#"{"class-name":"dog","confidence":0.9}"#);
        assert_eq!(entries[2].line, 4);
        assert_eq!(entries[2].label.clone().unwrap().class_index, Some(0));
        assert!(entries[2].raw.ends_with("0.0}}"));
    }

    #[test]
    fn rejects_escapes_and_bad_lines() {
        let f = fixture();
        let secret = f.root.parent().unwrap().join("secret.png");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&secret, f.root.join("img/link.png")).unwrap();
        let lines = [
            r#"{"source-ref":"../secret.png"}"#.to_string(),
            format!(r#"{{"source-ref":"{}"}}"#, secret.display()),
            r#"{"source-ref":"img/link.png"}"#.into(),
            r#"{"source-ref":"img/missing.png"}"#.into(),
            r#"{"source-ref":"http://x/y.png"}"#.into(),
            r#"{"source-ref":"s3://bucket"}"#.into(),
            r#"{"source-ref":"img/a.png","$x":1}"#.into(),
            r#"{"source-ref":"img/a.png""#.into(),
            r#"{"nothing":1}"#.into(),
            r#"[1,2]"#.into(),
            r#"{"source-ref":"img/a.png","animal":2}"#.into(),
        ];
        let (entries, report) = read(&f, &lines.join("\n"));
        assert_eq!(
            entries.len(),
            1,
            "only the last line is usable: {entries:?}"
        );
        assert!(entries[0].label.is_none());
        let reasons: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        let expect = [
            "line 1: \"../secret.png\" is outside the dataset root",
            "line 2: ",
            "line 3: \"img/link.png\" leads outside the dataset root",
            "line 4: \"img/missing.png\": file not found",
            "line 5: \"http://x/y.png\": only s3:// and local paths",
            "line 6: \"s3://bucket\" is not an s3://bucket/key URI",
            "line 7: attribute name \"$x\" may not start with $",
            "line 8: bad JSON at column",
            "line 9: has neither source-ref nor source",
            "line 10: not a JSON object",
            "line 11: \"animal\" has no \"animal-metadata\" object; imported without a label",
        ];
        assert_eq!(reasons.len(), expect.len(), "{reasons:#?}");
        for (got, want) in reasons.iter().zip(expect) {
            assert!(got.contains(want), "{got} should contain {want}");
            assert!(got.contains("m.manifest"), "{got}");
        }
        assert!(reasons[1].contains("outside the dataset root"));
    }

    #[test]
    fn invalid_utf8_and_long_lines() {
        let f = fixture();
        let long = format!("{{\"source\":\"{}\"}}", "x".repeat(MAX_LINE_CHARS));
        let mut bytes = b"{\"source\":\"ok\"}\n{\"source\":\"b\xffd\"}\n".to_vec();
        bytes.extend_from_slice(long.as_bytes());
        let path = f.root.join("u.manifest");
        std::fs::write(&path, bytes).unwrap();
        let (entries, report) = read_manifest(&path, &f.root, "animal");
        assert_eq!(entries.len(), 1);
        assert_eq!(report.problems[0].position.as_deref(), Some("line 2"));
        assert!(
            report.problems[0]
                .reason
                .contains("invalid UTF-8 at byte 28")
        );
        assert!(
            report.problems[1]
                .reason
                .contains("over Ground Truth's limit")
        );
    }

    #[test]
    fn missing_file_is_one_problem() {
        let f = fixture();
        let (entries, report) = read_manifest(&f.root.join("none.manifest"), &f.root, "a");
        assert!(entries.is_empty());
        assert_eq!(report.problems.len(), 1);
    }

    #[test]
    fn manifests_are_told_from_tables_by_their_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let is = |p: PathBuf| is_manifest(&p).unwrap();
        assert!(is(write("a.manifest", "anything")));
        assert!(is(write("b.jsonl", "\n{\"source-ref\":\"s3://b/k\"}\n")));
        assert!(is(write("c.jsonl", "{\"source\":\"t\"}")));
        assert!(!is(write("d.jsonl", "{\"id\":1}")));
        assert!(!is(write("e.csv", "source-ref\nx")));
        assert!(is_manifest(&dir.path().join("missing.jsonl")).is_err());
    }
}
