//! Schema migrations keyed on `PRAGMA user_version`. Each step runs in its own
//! immediate transaction together with the version bump, so a crash leaves the
//! file at one version or the next, never between.

use rusqlite::{Connection, TransactionBehavior};

use crate::{Error, Result};

/// Version 1: the event log and everything it refers to.
const V1: &str = "
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE classes (
    idx    INTEGER PRIMARY KEY,
    name   TEXT NOT NULL UNIQUE,
    hotkey TEXT,
    colour TEXT NOT NULL
);
CREATE TABLE sources (
    id       INTEGER PRIMARY KEY,
    kind     TEXT NOT NULL,
    uri      TEXT NOT NULL,
    root     TEXT,
    added_at TEXT NOT NULL
);
CREATE TABLE items (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES sources(id),
    kind         TEXT NOT NULL,
    ref_key      TEXT NOT NULL UNIQUE,
    uri          TEXT,
    row_index    INTEGER,
    external_id  TEXT,
    content_hash TEXT NOT NULL,
    width        INTEGER,
    height       INTEGER,
    payload      TEXT
);
CREATE INDEX items_hash ON items(content_hash);
CREATE INDEX items_external_id ON items(external_id) WHERE external_id IS NOT NULL;
CREATE TABLE annotations (
    id            INTEGER PRIMARY KEY,
    item_id       INTEGER NOT NULL REFERENCES items(id),
    class         INTEGER,
    source        TEXT NOT NULL,
    annotator     TEXT,
    model_version INTEGER,
    confidence    REAL,
    created_at    TEXT NOT NULL,
    time_spent_ms INTEGER,
    undoes        INTEGER REFERENCES annotations(id),
    meta          TEXT
);
CREATE INDEX annotations_item ON annotations(item_id);
CREATE INDEX annotations_undoes ON annotations(undoes) WHERE undoes IS NOT NULL;
CREATE TABLE models (
    version        INTEGER PRIMARY KEY,
    algorithm      TEXT NOT NULL,
    params         TEXT NOT NULL,
    features       TEXT NOT NULL,
    training_items TEXT NOT NULL,
    metrics        TEXT NOT NULL,
    thresholds     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE TABLE rounds (
    id            INTEGER PRIMARY KEY,
    model_version INTEGER REFERENCES models(version),
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    stats         TEXT
);
CREATE TABLE exports (
    id           INTEGER PRIMARY KEY,
    created_at   TEXT NOT NULL,
    destination  TEXT NOT NULL,
    format       TEXT NOT NULL,
    counts       TEXT NOT NULL,
    checksums    TEXT NOT NULL,
    manifest_key TEXT NOT NULL
);
";

/// Version 2: each item caches its current label, with a partial index over
/// the unlabeled items, so that taking the next item never scans the table.
/// The cache is filled from the event log after the step.
const V2: &str = "
ALTER TABLE items ADD COLUMN label_event INTEGER REFERENCES annotations(id);
ALTER TABLE items ADD COLUMN label_class INTEGER;
ALTER TABLE items ADD COLUMN label_source TEXT;
ALTER TABLE items ADD COLUMN label_confidence REAL;
CREATE INDEX items_unlabeled ON items(id) WHERE label_event IS NULL;
CREATE INDEX items_label_source ON items(label_source);
";

/// Version 3: active learning. Cached image descriptors, the human queue
/// (with which items were drawn at random for the audit set), spot checks of
/// auto-labels, and the label-error suspects of the latest round.
const V3: &str = "
CREATE TABLE features (
    item_id INTEGER PRIMARY KEY REFERENCES items(id),
    kind    TEXT NOT NULL,
    vec     BLOB NOT NULL
);
CREATE TABLE queue (
    item_id  INTEGER PRIMARY KEY REFERENCES items(id),
    round_id INTEGER REFERENCES rounds(id),
    position INTEGER NOT NULL,
    audit    INTEGER NOT NULL,
    score    REAL
);
CREATE INDEX queue_position ON queue(position);
CREATE TABLE audit_items (
    item_id  INTEGER PRIMARY KEY REFERENCES items(id),
    round_id INTEGER REFERENCES rounds(id)
);
CREATE TABLE spot_checks (
    item_id     INTEGER PRIMARY KEY REFERENCES items(id),
    model_event INTEGER NOT NULL REFERENCES annotations(id),
    sampled_at  TEXT NOT NULL
);
CREATE TABLE suspects (
    item_id    INTEGER PRIMARY KEY REFERENCES items(id),
    round_id   INTEGER REFERENCES rounds(id),
    given      INTEGER NOT NULL,
    predicted  INTEGER NOT NULL,
    confidence REAL NOT NULL
);
";

/// Version 4: payloads (table rows as JSON) move to their own table, so
/// item rows stay narrow: a round that updates the cached label of 100k
/// items then rewrites a few pages instead of every payload. Flags: items a
/// person set aside for review (a broken image, an unclear case); they leave
/// the queue until someone resolves them. Boxes: an object-detection label
/// (Ground Truth's bounding-box value as JSON) on its event.
const V4: &str = "
CREATE TABLE flags (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id),
    annotator   TEXT,
    note        TEXT,
    created_at  TEXT NOT NULL,
    resolved_at TEXT
);
CREATE INDEX flags_open ON flags(item_id) WHERE resolved_at IS NULL;
ALTER TABLE annotations ADD COLUMN boxes TEXT;
CREATE TABLE item_payloads (
    item_id INTEGER PRIMARY KEY REFERENCES items(id),
    payload TEXT NOT NULL
);
INSERT INTO item_payloads(item_id, payload)
    SELECT id, payload FROM items WHERE payload IS NOT NULL;
ALTER TABLE items DROP COLUMN payload;
";

/// v5: multi-label answers, as a JSON array of class indices.
const V5: &str = "ALTER TABLE annotations ADD COLUMN classes TEXT;";

/// v6: events shared between projects through the lake. A project gets a
/// random uid; an event given here is `<project uid>/<id>`, and an event
/// merged from another project keeps its uid in `uid`, unique, so merging
/// the same events twice adds nothing.
const V6: &str = "
ALTER TABLE annotations ADD COLUMN uid TEXT;
CREATE UNIQUE INDEX annotations_uid ON annotations(uid) WHERE uid IS NOT NULL;
INSERT OR IGNORE INTO settings(key, value) VALUES ('project_uid', lower(hex(randomblob(16))));
";

/// v7: an export that went out though its gates failed records who let it
/// go, when, why and which gates failed (JSON), on each of its files.
const V7: &str = "ALTER TABLE exports ADD COLUMN override TEXT;";

/// v8: items handed to a session (an app window, a CLI run) are held for
/// it, so two people labeling one project at once are not given the same
/// item. A hold lapses at `expires_at` (Unix seconds) unless renewed.
const V8: &str = "
CREATE TABLE claims (
    item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    session TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX claims_session ON claims(session);
";

/// v9: the content-hash index goes: nothing looks items up by hash, and
/// its random keys scattered every import's index writes.
const V9: &str = "DROP INDEX items_hash;";

/// v10: the label counts (status, after each label in the app) come from
/// an index of class and source alone rather than a scan of every item:
/// 45 ms rather than 320 ms at 1,000,000 items.
const V10: &str = "CREATE INDEX items_label ON items(label_class, label_source);";

const STEPS: [&str; 10] = [V1, V2, V3, V4, V5, V6, V7, V8, V9, V10];

/// The schema version this build writes.
pub const LATEST_VERSION: i64 = STEPS.len() as i64;

/// Brings the file to `target` (at most [`LATEST_VERSION`]). Returns the
/// version the file had before, so the caller can rebuild derived data.
pub fn migrate_to(conn: &mut Connection, path: &str, target: i64) -> Result<i64> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > LATEST_VERSION {
        return Err(Error::TooNew {
            path: path.to_owned(),
            found,
            supported: LATEST_VERSION,
        });
    }
    for version in found + 1..=target.min(LATEST_VERSION) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(STEPS[(version - 1) as usize])?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(found)
}
