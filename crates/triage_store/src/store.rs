use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use triage_core::{
    Annotation, AnnotationId, AnnotationSource, BoxesLabel, ClassDef, ItemId, ItemKind, ItemRow,
    Label, LabelParts, LabelSchema, TaskKind, Timestamp, current_label,
};

use crate::migrate::{LATEST_VERSION, migrate_to};
use crate::{Error, Result};

/// How long a writer waits for another writer before giving up. Labeling and
/// a background round may write at once; both must get through.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// How often a waiting writer tries the lock again. SQLite's own wait backs
/// off to 100 ms between tries, which would miss the short pauses between
/// the chunks of a round's write (`CHUNK_GAP`).
const LOCK_POLL: Duration = Duration::from_millis(5);

thread_local! {
    /// When the current wait for the lock began, on this thread.
    static WAIT_STARTED: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// SQLite's busy handler on every connection: try again every [`LOCK_POLL`]
/// until [`BUSY_TIMEOUT`] has passed since the first try.
fn wait_for_lock(attempt: i32) -> bool {
    let now = Instant::now();
    let started = WAIT_STARTED.with(|started| {
        let first = started.get().filter(|_| attempt > 0).unwrap_or(now);
        started.set(Some(first));
        first
    });
    if now.duration_since(started) >= BUSY_TIMEOUT {
        return false;
    }
    std::thread::sleep(LOCK_POLL);
    true
}
/// The page cache each connection may grow to, in KiB (see `connect`).
const PAGE_CACHE_KIB: i64 = 256 * 1024;

/// `path` as an SQLite `file:` URI: every byte but unreserved ones and
/// separators percent-encoded, a Windows drive path given its leading `/`.
fn file_uri(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let text = absolute.to_string_lossy().replace('\\', "/");
    let mut uri = String::from("file:");
    if !text.starts_with('/') {
        uri.push('/');
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~:".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

/// Whether the disk holding `path` has no room for a few pages: tried by
/// writing them, on the path where opening already failed.
fn no_room_beside(path: &Path) -> bool {
    use std::io::Write;
    let probe = path.with_extension("space-probe");
    let full = std::fs::File::create(&probe)
        .and_then(|mut f| f.write_all(&[0; 64 * 1024]).and_then(|()| f.sync_all()))
        .is_err_and(|e| e.kind() == std::io::ErrorKind::StorageFull);
    let _ = std::fs::remove_file(&probe);
    full
}

/// How long items handed to a session stay held for it without a word from
/// it: long enough to label what a window shows, short enough that the
/// items of a window left open come back to the queue.
pub const HOLD_SECONDS: i64 = 600;

/// The clause that leaves out items another live session holds (`?2`).
pub(crate) const HELD_BY_OTHERS: &str = "AND i.id NOT IN (SELECT item_id FROM claims \
     WHERE session <> ?2 AND expires_at > unixepoch())";

/// What kind of source items were imported from, named as
/// [`SourceKind::as_str`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A folder of images.
    ImageFolder,
    /// A CSV, Parquet or JSON Lines table.
    Table,
    /// A Ground Truth manifest.
    Manifest,
    /// A team's task set, published to the lake by `triage share`.
    Share,
    /// A folder of `.txt` files.
    TextFolder,
}

impl SourceKind {
    /// The name stored in the project file and shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ImageFolder => "image-folder",
            Self::Table => "table",
            Self::Manifest => "manifest",
            Self::Share => "share",
            Self::TextFolder => "text-folder",
        }
    }
}

/// An item to insert, with the label it came with, if any.
#[derive(Debug, Clone)]
pub struct NewItem {
    /// What it is.
    pub kind: ItemKind,
    /// Identifies the item's origin, so importing the same data twice adds
    /// nothing: the image's path or URI, or `file#row`.
    pub ref_key: String,
    /// The image path or URI.
    pub uri: Option<String>,
    /// The row's position in its table, or the line's in its manifest.
    pub row_index: Option<i64>,
    /// The value of the table's id column.
    pub external_id: Option<String>,
    /// A hash of the content, for lineage and de-duplication.
    pub content_hash: String,
    /// Image width in pixels.
    pub width: Option<u32>,
    /// Image height in pixels.
    pub height: Option<u32>,
    /// The row's values as a JSON object, or the manifest line as it came in.
    pub payload: Option<String>,
    /// A label that came with the item; stored as an `import` event.
    pub label: Option<ImportedLabel>,
}

/// A label that arrived with the data.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedLabel {
    /// The label: a class, or a class set for multi-label tasks.
    pub label: Label,
    /// The confidence the data gave, if any.
    pub confidence: Option<f64>,
    /// Metadata kept verbatim (a Ground Truth `<attr>-metadata` object).
    pub meta: Option<String>,
}

impl ImportedLabel {
    /// A class that came with the data, with nothing else known.
    pub fn class(class: u32) -> Self {
        Self {
            label: Label::Class(class),
            confidence: None,
            meta: None,
        }
    }
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewAnnotation {
    /// The item.
    pub item: ItemId,
    /// The label, or `None` for an undo.
    pub label: Option<Label>,
    /// Who gave it.
    pub source: AnnotationSource,
    /// The person.
    pub annotator: Option<String>,
    /// The model version.
    pub model_version: Option<i64>,
    /// The confidence.
    pub confidence: Option<f64>,
    /// When.
    pub at: Timestamp,
    /// Time spent on the item.
    pub time_spent_ms: Option<i64>,
    /// The event taken back.
    pub undoes: Option<AnnotationId>,
    /// Metadata kept verbatim.
    pub meta: Option<String>,
}

/// How many items there are and where their labels come from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct LabelCounts {
    /// All items.
    pub items: u64,
    /// Items whose current label is a person's.
    pub human: u64,
    /// Items whose current label is a model's.
    pub model: u64,
    /// Items whose current label came with the data.
    pub import: u64,
    /// Items whose current label is consolidated.
    pub consolidated: u64,
    /// Items with no label.
    pub unlabeled: u64,
}

/// Items with one class (if any) and one label source (if any).
type ClassSourceCount = (Option<u32>, Option<AnnotationSource>, u64);

impl LabelCounts {
    /// Counts `n` items whose current label came from `source`.
    pub fn add(&mut self, source: Option<AnnotationSource>, n: u64) {
        self.items += n;
        match source {
            None => self.unlabeled += n,
            Some(AnnotationSource::Human) => self.human += n,
            Some(AnnotationSource::Model) => self.model += n,
            Some(AnnotationSource::Import) => self.import += n,
            Some(AnnotationSource::Consolidated) => self.consolidated += n,
        }
    }
}

/// An export, as recorded in the project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRecord {
    /// When it finished.
    pub at: Timestamp,
    /// Where it went.
    pub destination: String,
    /// Which format.
    pub format: String,
    /// Counts, as JSON.
    pub counts: serde_json::Value,
    /// Checksums of what was written, as JSON.
    pub checksums: serde_json::Value,
    /// The key of its manifest or main file.
    pub manifest_key: String,
    /// Why it went out though gates failed (who, when, why, which), as
    /// JSON; `None` when nothing was overridden.
    pub overridden: Option<serde_json::Value>,
}

/// Where an item stands in the spot checks of auto-labels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SpotCheck {
    /// Never drawn.
    #[default]
    NotDrawn,
    /// Drawn, waiting for a person.
    Pending,
    /// A person gave the class the model had given.
    Agreed,
    /// A person gave another class.
    Disagreed,
}

/// An item's review state; see [`Store::review_states`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReviewState {
    /// Its spot check.
    pub spot_check: SpotCheck,
    /// The last round suspects its human label is wrong.
    pub suspect: bool,
    /// A person set it aside and it is not resolved.
    pub flagged: bool,
    /// The people who answered it disagree (set by agreement, not here).
    pub disagreement: bool,
}

/// An open project file.
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
}

/// Item columns, then the columns of the event behind its current label.
const ITEM_COLUMNS: &str = "i.id, i.kind, i.uri, i.row_index, i.external_id, i.content_hash, \
     i.width, i.height, p.payload, s.uri, \
     a.id, a.class, a.source, a.annotator, a.model_version, a.confidence, a.created_at, \
     a.time_spent_ms, a.undoes, a.meta, a.item_id, a.boxes, a.classes";
const ITEM_FROM: &str = "FROM items i JOIN sources s ON s.id = i.source_id \
     LEFT JOIN item_payloads p ON p.item_id = i.id \
     LEFT JOIN annotations a ON a.id = i.label_event";
const EVENT_COLUMNS: &str = "a.id, a.class, a.source, a.annotator, a.model_version, a.confidence, \
     a.created_at, a.time_spent_ms, a.undoes, a.meta, a.item_id, a.boxes, a.classes";

impl Store {
    /// Creates a new project file. Fails if the file exists.
    pub fn create(
        path: &Path,
        schema: &LabelSchema,
        settings: &[(&str, &str)],
        at: Timestamp,
    ) -> Result<Self> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
        if path.exists() {
            return Err(Error::NotAProject {
                path: path.display().to_string(),
                reason: "a file is already there".into(),
            });
        }
        let mut store = Self::connect(path, flags)?;
        let path_str = store.path_str();
        migrate_to(&mut store.conn, &path_str, LATEST_VERSION)?;
        let tx = store
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO settings(key, value) VALUES ('task', ?1), ('created_at', ?2)",
            params![schema.task.as_str(), time_str(at)],
        )?;
        for (key, value) in settings {
            tx.execute(
                "INSERT INTO settings(key, value) VALUES (?1, ?2)",
                params![key, value],
            )?;
        }
        for (i, class) in schema.classes.iter().enumerate() {
            tx.execute(
                "INSERT INTO classes(idx, name, hotkey, colour) VALUES (?1, ?2, ?3, ?4)",
                params![
                    i as i64,
                    class.name,
                    class.hotkey.map(String::from),
                    class.colour
                ],
            )?;
        }
        tx.commit()?;
        Ok(store)
    }

    /// Opens an existing project file, migrating it to the latest schema.
    pub fn open(path: &Path) -> Result<Self> {
        if !path.is_file() {
            return Err(Error::NotAProject {
                path: path.display().to_string(),
                reason: "no such file".into(),
            });
        }
        let path_str = path.display().to_string();
        let mut store = match Self::connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE) {
            Ok(store) if !store.is_read_only() => store,
            // A read-only disk, folder or file: opened to read, and every
            // write says why it cannot be saved.
            Ok(_) | Err(Error::ReadOnly) => return Self::open_read_only(path),
            Err(Error::DiskFull) => return Err(Error::DiskFull),
            // The write-ahead log's files could not be made: a full disk
            // says so; a folder that cannot be written reads as above.
            Err(Error::Sqlite(e))
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::SystemIoFailure)
                    && no_room_beside(path) =>
            {
                return Err(Error::DiskFull);
            }
            Err(Error::Sqlite(e))
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen) =>
            {
                return Self::open_read_only(path).map_err(|_| Error::NotAProject {
                    path: path_str,
                    reason: e.to_string(),
                });
            }
            Err(e) => {
                return Err(Error::NotAProject {
                    path: path_str,
                    reason: e.to_string(),
                });
            }
        };
        let has_settings: bool = store
            .conn
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type='table' AND name='settings')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| Error::NotAProject {
                path: path_str.clone(),
                reason: e.to_string(),
            })?;
        if !has_settings {
            return Err(Error::NotAProject {
                path: path_str,
                reason: "no settings table".into(),
            });
        }
        let before = migrate_to(&mut store.conn, &path_str, LATEST_VERSION)?;
        if before < 2 {
            store.rebuild_current_labels()?;
        }
        Ok(store)
    }

    /// Opens a project file for reading only: nothing is migrated or
    /// written, so a viewer is safe beside the app labeling in the same
    /// project (WAL lets it read while the app writes). A file from an
    /// older Triage must be opened once by the app first.
    pub fn open_read_only(path: &Path) -> Result<Self> {
        let path_str = path.display().to_string();
        if !path.is_file() {
            return Err(Error::NotAProject {
                path: path_str,
                reason: "no such file".into(),
            });
        }
        let not_a_project = |e: rusqlite::Error| Error::NotAProject {
            path: path_str.clone(),
            reason: e.to_string(),
        };
        let (conn, version) = match Self::connect_read_only(path, false) {
            // WAL needs its shared-memory file beside the project; on a
            // read-only disk (or a full one) it cannot be made, and nobody
            // can be writing, so the file is read as immutable.
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen) => {
                Self::connect_read_only(path, true)
            }
            other => other,
        }
        .map_err(not_a_project)?;
        if version > LATEST_VERSION {
            return Err(Error::TooNew {
                path: path_str,
                found: version,
                supported: LATEST_VERSION,
            });
        }
        if version < LATEST_VERSION {
            return Err(Error::NotAProject {
                path: path_str,
                reason: format!(
                    "schema version {version} is older than {LATEST_VERSION}: open it once \
                     with `triage status` to bring it up to date"
                ),
            });
        }
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    /// A read-only connection and the file's schema version; `immutable`
    /// reads it without the write-ahead log's shared memory.
    fn connect_read_only(path: &Path, immutable: bool) -> rusqlite::Result<(Connection, i64)> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = if immutable {
            Connection::open_with_flags(
                format!("{}?immutable=1", file_uri(path)),
                flags | OpenFlags::SQLITE_OPEN_URI,
            )?
        } else {
            Connection::open_with_flags(path, flags)?
        };
        conn.busy_handler(Some(wait_for_lock))?;
        let version = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        Ok((conn, version))
    }

    /// Appends many events in one transaction (one sync, not one per
    /// event), refreshing each item's current label; all or nothing.
    pub fn append_all(&mut self, events: &[NewAnnotation]) -> Result<u64> {
        let classes = self.class_count()?;
        for e in events {
            check_classes(e.label.as_ref(), classes, "")?;
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for new in events {
            insert_event(&tx, new)?;
            refresh_current_label(&tx, new.item)?;
        }
        tx.commit()?;
        Ok(events.len() as u64)
    }

    /// Each person's standing answer per item: their latest class label
    /// that no undo took back, as (item, annotator, class), by item.
    pub fn human_answers(&self) -> Result<Vec<(ItemId, Option<String>, u32)>> {
        self.standing_answers("class")
    }

    /// Each person's standing boxes per item, as [`Self::human_answers`]
    /// with the boxes.
    pub fn human_box_answers(&self) -> Result<Vec<(ItemId, Option<String>, BoxesLabel)>> {
        self.standing_answers::<String>("boxes")?
            .into_iter()
            .map(|(item, who, json)| {
                let parts = LabelParts {
                    boxes: Some(json),
                    ..LabelParts::default()
                };
                match Label::from_parts(&parts)? {
                    Some(Label::Boxes(b)) => Ok((item, who, b)),
                    _ => Err(Error::Corrupt(format!(
                        "item {item}: boxes are not readable"
                    ))),
                }
            })
            .collect()
    }

    fn standing_answers<T: rusqlite::types::FromSql>(
        &self,
        column: &str,
    ) -> Result<Vec<(ItemId, Option<String>, T)>> {
        let sql = format!(
            "SELECT a.item_id, a.annotator, a.{column} FROM annotations a \
             WHERE a.source = 'human' AND a.{column} IS NOT NULL \
               AND NOT EXISTS (SELECT 1 FROM annotations u WHERE u.undoes = a.id) \
               AND a.id = (SELECT MAX(b.id) FROM annotations b \
                 WHERE b.item_id = a.item_id AND b.source = 'human' \
                   AND b.{column} IS NOT NULL AND b.annotator IS a.annotator \
                   AND NOT EXISTS (SELECT 1 FROM annotations u WHERE u.undoes = b.id)) \
             ORDER BY a.item_id, a.annotator"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every item's review state, in id order: whether it was drawn for a
    /// spot check and how that went, whether the last round suspects its
    /// label, and whether a person flagged it.
    pub fn review_states(&self) -> Result<Vec<(ItemId, ReviewState)>> {
        let mut stmt = self.conn.prepare(
            "SELECT i.id, \
               CASE WHEN sc.item_id IS NULL THEN NULL \
                    WHEN i.label_source IS NOT 'human' THEN 'pending' \
                    WHEN i.label_class = m.class THEN 'agreed' ELSE 'disagreed' END, \
               su.item_id IS NOT NULL AND i.label_class = su.given, \
               EXISTS(SELECT 1 FROM flags f WHERE f.item_id = i.id AND f.resolved_at IS NULL) \
             FROM items i \
             LEFT JOIN spot_checks sc ON sc.item_id = i.id \
             LEFT JOIN annotations m ON m.id = sc.model_event \
             LEFT JOIN suspects su ON su.item_id = i.id \
             ORDER BY i.id",
        )?;
        let rows = stmt.query_map([], |r| {
            let spot: Option<String> = r.get(1)?;
            Ok((
                r.get(0)?,
                ReviewState {
                    spot_check: match spot.as_deref() {
                        Some("pending") => SpotCheck::Pending,
                        Some("agreed") => SpotCheck::Agreed,
                        Some(_) => SpotCheck::Disagreed,
                        None => SpotCheck::NotDrawn,
                    },
                    suspect: r.get(2)?,
                    flagged: r.get(3)?,
                    disagreement: false,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn connect(path: &Path, flags: OpenFlags) -> Result<Self> {
        let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_handler(Some(wait_for_lock))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Up to 256 MiB of pages in memory (SQLite's default is 2 MiB): a
        // large import's index inserts then hit memory, not the disk. Pages
        // are only held as they are used, so small projects are unchanged.
        conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    fn path_str(&self) -> String {
        self.path.display().to_string()
    }

    /// The task and classes.
    pub fn schema(&self) -> Result<LabelSchema> {
        let task: String =
            self.conn
                .query_row("SELECT value FROM settings WHERE key = 'task'", [], |r| {
                    r.get(0)
                })?;
        let mut stmt = self
            .conn
            .prepare("SELECT name, hotkey, colour FROM classes ORDER BY idx")?;
        let classes = stmt
            .query_map([], |r| {
                let hotkey: Option<String> = r.get(1)?;
                Ok(ClassDef {
                    name: r.get(0)?,
                    hotkey: hotkey.and_then(|h| h.chars().next()),
                    colour: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(LabelSchema {
            task: task.parse::<TaskKind>()?,
            classes,
        })
    }

    /// A project setting.
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Sets a project setting.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings(key, value) VALUES (?1, ?2) \
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Records where a batch of items comes from.
    pub fn add_source(
        &mut self,
        kind: SourceKind,
        uri: &str,
        root: Option<&str>,
        at: Timestamp,
    ) -> Result<i64> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO sources(kind, uri, root, added_at) VALUES (?1, ?2, ?3, ?4)",
            params![kind.as_str(), uri, root, time_str(at)],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Inserts items and their imported labels in one transaction. Items
    /// whose `ref_key` is already in the project are left alone; their keys
    /// are returned.
    ///
    /// Ids are given here, not by SQLite, so an item's row carries its
    /// label cache from the start (one write per item, not an insert and an
    /// update): the writer holds the file, so `MAX(id) + 1` onwards are free.
    /// An item and its label event name each other, so SQLite's foreign-key
    /// checks are off for the batch (deferring them instead scans `items`
    /// for every event); every reference is made here, to a row this
    /// transaction writes or to `source_id`, which is checked first.
    pub fn insert_items(
        &mut self,
        source_id: i64,
        items: &[NewItem],
        at: Timestamp,
    ) -> Result<Vec<String>> {
        let classes = self.class_count()?;
        let source_known: bool = self.conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM sources WHERE id = ?1)",
            [source_id],
            |r| r.get(0),
        )?;
        if !source_known {
            return Err(Error::Corrupt(format!("no source {source_id}")));
        }
        // Set outside the transaction (SQLite ignores it inside one), and
        // set back whatever the batch's outcome.
        self.conn.pragma_update(None, "foreign_keys", "OFF")?;
        let written = self.insert_unchecked(source_id, items, classes, at);
        self.conn.pragma_update(None, "foreign_keys", "ON")?;
        written
    }

    /// [`Self::insert_items`]' transaction, foreign-key checks off.
    fn insert_unchecked(
        &mut self,
        source_id: i64,
        items: &[NewItem],
        classes: u32,
        at: Timestamp,
    ) -> Result<Vec<String>> {
        let at_str = time_str(at);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last = |table: &str| -> rusqlite::Result<i64> {
            tx.query_row(
                &format!("SELECT COALESCE(MAX(id), 0) FROM {table}"),
                [],
                |r| r.get(0),
            )
        };
        let (mut item_id, mut event_id) = (last("items")?, last("annotations")?);
        let mut present = Vec::new();
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO items(id, source_id, kind, ref_key, uri, row_index, \
                 external_id, content_hash, width, height, label_event, label_class, \
                 label_source, label_confidence) \
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
            )?;
            let mut payload =
                tx.prepare_cached("INSERT INTO item_payloads(item_id, payload) VALUES (?1, ?2)")?;
            let mut event = tx.prepare_cached(
                "INSERT INTO annotations(id, item_id, class, source, confidence, created_at, \
                 meta, boxes, classes) VALUES (?1, ?2, ?3, 'import', ?4, ?5, ?6, ?7, ?8)",
            )?;
            for item in items {
                let parts = item.label.as_ref().map(|l| (l, l.label.to_parts()));
                let label_event = parts.as_ref().map(|_| event_id + 1);
                let inserted = insert.execute(params![
                    item_id + 1,
                    source_id,
                    item.kind.as_str(),
                    item.ref_key,
                    item.uri,
                    item.row_index,
                    item.external_id,
                    item.content_hash,
                    item.width,
                    item.height,
                    label_event,
                    parts.as_ref().and_then(|(_, p)| p.class),
                    parts.as_ref().map(|_| AnnotationSource::Import.as_str()),
                    parts.as_ref().and_then(|(l, _)| l.confidence),
                ])?;
                if inserted == 0 {
                    present.push(item.ref_key.clone());
                    continue;
                }
                item_id += 1;
                if let Some(p) = &item.payload {
                    payload.execute(params![item_id, p])?;
                }
                if let Some((label, parts)) = parts {
                    // An item already here keeps its labels: only a new
                    // one's is checked (a failure rolls the batch back).
                    check_classes(Some(&label.label), classes, "imported ")?;
                    event_id += 1;
                    event.execute(params![
                        event_id,
                        item_id,
                        parts.class,
                        label.confidence,
                        at_str,
                        label.meta,
                        parts.boxes,
                        parts.classes
                    ])?;
                }
            }
        }
        tx.commit()?;
        Ok(present)
    }

    fn class_count(&self) -> Result<u32> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM classes", [], |r| r.get(0))?;
        Ok(n as u32)
    }

    /// Appends one event and updates the item's current label, in one
    /// immediate transaction. Returns after the commit, so a caller may show
    /// the label as saved.
    pub fn append(&mut self, new: &NewAnnotation) -> Result<Annotation> {
        check_classes(new.label.as_ref(), self.class_count()?, "")?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM items WHERE id = ?1)",
            [new.item],
            |r| r.get(0),
        )?;
        if !exists {
            return Err(Error::NoSuchItem(new.item));
        }
        let id = insert_event(&tx, new)?;
        refresh_current_label(&tx, new.item)?;
        tx.commit()?;
        Ok(Annotation {
            id,
            item: new.item,
            label: new.label.clone(),
            source: new.source,
            annotator: new.annotator.clone(),
            model_version: new.model_version,
            confidence: new.confidence,
            at: new.at,
            time_spent_ms: new.time_spent_ms,
            undoes: new.undoes,
            meta: new.meta.clone(),
        })
    }

    /// Takes back the latest human label that is still in force, by anyone or
    /// by one annotator, with a new undo event. Returns the label undone.
    /// The item of the latest human label that no undo took back.
    pub fn last_human_labeled(&self) -> Result<Option<ItemId>> {
        Ok(self
            .conn
            .query_row(
                "SELECT a.item_id FROM annotations a WHERE a.source = 'human' \
                 AND (a.class IS NOT NULL OR a.classes IS NOT NULL) \
                 AND NOT EXISTS (SELECT 1 FROM annotations u WHERE u.undoes = a.id) \
                 ORDER BY a.id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn undo_last_human(
        &mut self,
        annotator: Option<&str>,
        at: Timestamp,
    ) -> Result<Option<Annotation>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM annotations a WHERE a.source = 'human' \
             AND (a.class IS NOT NULL OR a.boxes IS NOT NULL OR a.classes IS NOT NULL) \
             AND (?1 IS NULL OR a.annotator = ?1) \
             AND NOT EXISTS (SELECT 1 FROM annotations u WHERE u.undoes = a.id) \
             ORDER BY a.id DESC LIMIT 1"
        );
        let last = self
            .conn
            .query_row(&sql, [annotator], read_event)
            .optional()?;
        let Some(last) = last else { return Ok(None) };
        self.append(&NewAnnotation {
            item: last.item,
            label: None,
            source: AnnotationSource::Human,
            annotator: annotator
                .map(str::to_owned)
                .or_else(|| last.annotator.clone()),
            model_version: None,
            confidence: None,
            at,
            time_spent_ms: None,
            undoes: Some(last.id),
            meta: None,
        })?;
        Ok(Some(last))
    }

    /// The next `n` items with no label: the queue a round chose first, in
    /// its order, then the rest in import order.
    pub fn next_unlabeled(&self, n: usize) -> Result<Vec<ItemRow>> {
        self.unlabeled_not_held(n, None)
    }

    /// Like [`Store::next_unlabeled`] for `session`, leaving out the items
    /// in `except` and those another session holds; the items returned
    /// are held for `session`, and its earlier holds renewed, for
    /// [`HOLD_SECONDS`]. One `IMMEDIATE` transaction, so two sessions
    /// asking at once get different items.
    pub fn claim_next(
        &mut self,
        session: &str,
        n: usize,
        except: &std::collections::HashSet<ItemId>,
    ) -> Result<Vec<ItemRow>> {
        self.immediate(|store| {
            store
                .conn
                .execute("DELETE FROM claims WHERE expires_at <= unixepoch()", [])?;
            store.conn.execute(
                "UPDATE claims SET expires_at = unixepoch() + ?2 WHERE session = ?1",
                params![session, HOLD_SECONDS],
            )?;
            let rows: Vec<ItemRow> = store
                .unlabeled_not_held(n + except.len(), Some(session))?
                .into_iter()
                .filter(|row| !except.contains(&row.id))
                .take(n)
                .collect();
            let mut hold = store.conn.prepare_cached(
                "INSERT OR REPLACE INTO claims(item_id, session, expires_at) \
                 VALUES (?1, ?2, unixepoch() + ?3)",
            )?;
            for row in &rows {
                hold.execute(params![row.id, session, HOLD_SECONDS])?;
            }
            Ok(rows)
        })
    }

    /// Whether the file was opened (or could only be opened) for reading.
    pub fn is_read_only(&self) -> bool {
        self.conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true)
    }

    /// Lets go of every item `session` holds: it is closing.
    pub fn release_claims(&mut self, session: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM claims WHERE session = ?1", [session])?;
        Ok(())
    }

    /// The unlabeled items in queue order; with a session, those another
    /// session holds are left out.
    fn unlabeled_not_held(&self, n: usize, session: Option<&str>) -> Result<Vec<ItemRow>> {
        let mut out: Vec<ItemRow> = self
            .queued_unlabeled(n, session)?
            .into_iter()
            .map(|id| self.item(id))
            .collect::<Result<_>>()?;
        if out.len() < n {
            let sql = format!(
                "SELECT {ITEM_COLUMNS} {ITEM_FROM} WHERE i.label_event IS NULL \
                 AND i.id NOT IN (SELECT item_id FROM queue) \
                 AND i.id NOT IN (SELECT item_id FROM flags WHERE resolved_at IS NULL) \
                 {} ORDER BY i.id LIMIT ?1",
                if session.is_some() {
                    HELD_BY_OTHERS
                } else {
                    ""
                }
            );
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let limit = (n - out.len()) as i64;
            let rows = match session {
                Some(s) => stmt.query_map(params![limit, s], read_item)?,
                None => stmt.query_map(params![limit], read_item)?,
            };
            for row in rows {
                out.push(row?);
            }
        }
        Ok(out)
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction: committed if it
    /// succeeds, rolled back if it or the commit fails.
    fn immediate<T>(&mut self, f: impl FnOnce(&Self) -> Result<T>) -> Result<T> {
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let done = f(self).and_then(|v| {
            self.conn.execute_batch("COMMIT")?;
            Ok(v)
        });
        if done.is_err() && !self.conn.is_autocommit() {
            // The error that matters is the first; a failed rollback leaves
            // SQLite to roll back when the connection closes.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        done
    }

    /// Sets an item aside for review; it leaves the queue until resolved.
    pub fn flag(
        &mut self,
        item: ItemId,
        annotator: Option<&str>,
        note: Option<&str>,
        at: Timestamp,
    ) -> Result<()> {
        self.item(item)?;
        self.conn.execute(
            "INSERT INTO flags(item_id, annotator, note, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![item, annotator, note, time_str(at)],
        )?;
        Ok(())
    }

    /// Resolves an item's open flags, so it can be queued again.
    pub fn resolve_flags(&mut self, item: ItemId, at: Timestamp) -> Result<u64> {
        Ok(self.conn.execute(
            "UPDATE flags SET resolved_at = ?2 WHERE item_id = ?1 AND resolved_at IS NULL",
            params![item, time_str(at)],
        )? as u64)
    }

    /// Items with an open flag, oldest flag first, with the first note.
    pub fn flagged(&self) -> Result<Vec<(ItemRow, Option<String>)>> {
        let sql = format!(
            "SELECT {ITEM_COLUMNS}, f.note {ITEM_FROM} \
             JOIN (SELECT item_id, min(id) AS first, note FROM flags WHERE resolved_at IS NULL \
                   GROUP BY item_id) f ON f.item_id = i.id ORDER BY f.first"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], |r| Ok((read_item(r)?, r.get(22)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Auto-labeled items, least confident first, optionally of one class
    /// and within a confidence range.
    pub fn auto_labeled(
        &self,
        class: Option<u32>,
        min_confidence: f64,
        max_confidence: f64,
        limit: usize,
    ) -> Result<Vec<ItemRow>> {
        let sql = format!(
            "SELECT {ITEM_COLUMNS} {ITEM_FROM} WHERE i.label_source = 'model' \
             AND (?1 IS NULL OR i.label_class = ?1) AND i.label_confidence BETWEEN ?2 AND ?3 \
             ORDER BY i.label_confidence, i.id LIMIT ?4"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(
            params![class, min_confidence, max_confidence, limit as i64],
            read_item,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The folders items were imported from, so a shell can allow exactly
    /// these for reading images and nothing more.
    pub fn source_roots(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT coalesce(root, uri) FROM sources \
             WHERE kind IN ('image-folder', 'manifest') ORDER BY 1",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One item.
    pub fn item(&self, id: ItemId) -> Result<ItemRow> {
        let sql = format!("SELECT {ITEM_COLUMNS} {ITEM_FROM} WHERE i.id = ?1");
        self.conn
            .query_row(&sql, [id], read_item)
            .optional()?
            .ok_or(Error::NoSuchItem(id))
    }

    /// Finds an item by its table id, its path or URI (its `ref_key`), or
    /// its numeric id, in that order. `#<id>` means the numeric id alone,
    /// for shells that hold ids and must not hit a table id that looks like
    /// one.
    pub fn find_item(&self, key: &str) -> Result<Option<ItemId>> {
        if let Some(id) = key.strip_prefix('#').and_then(|k| k.parse::<ItemId>().ok()) {
            return self.find_id(id);
        }
        let by_ref: Option<ItemId> = self
            .conn
            .query_row(
                "SELECT id FROM items WHERE external_id = ?1 \
                 UNION ALL SELECT id FROM items WHERE ref_key = ?1 LIMIT 1",
                [key],
                |r| r.get(0),
            )
            .optional()?;
        if by_ref.is_some() {
            return Ok(by_ref);
        }
        match key.parse::<ItemId>() {
            Ok(id) => self.find_id(id),
            Err(_) => Ok(None),
        }
    }

    /// The item with this id, if the project has it.
    pub fn find_id(&self, id: ItemId) -> Result<Option<ItemId>> {
        Ok(self
            .conn
            .query_row("SELECT id FROM items WHERE id = ?1", [id], |r| r.get(0))
            .optional()?)
    }

    /// Every event about an item, oldest first.
    pub fn events(&self, item: ItemId) -> Result<Vec<Annotation>> {
        load_events(&self.conn, item)
    }

    /// Counts of items by the source of their current label.
    pub fn counts(&self) -> Result<LabelCounts> {
        let mut counts = LabelCounts::default();
        for (_, source, n) in self.grouped_counts()? {
            counts.add(source, n);
        }
        Ok(counts)
    }

    /// [`Store::counts`], and the same for each class in class order
    /// (`unlabeled` is always 0 there), from one pass over the items.
    pub fn counts_with_classes(&self) -> Result<(LabelCounts, Vec<LabelCounts>)> {
        let mut all = LabelCounts::default();
        let mut by_class = vec![LabelCounts::default(); self.class_count()? as usize];
        for (class, source, n) in self.grouped_counts()? {
            all.add(source, n);
            if let Some(counts) = class.and_then(|c| by_class.get_mut(c as usize)) {
                counts.add(source, n);
            }
        }
        Ok((all, by_class))
    }

    fn grouped_counts(&self) -> Result<Vec<ClassSourceCount>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT label_class, label_source, COUNT(*) FROM items GROUP BY 1, 2",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let source: Option<String> = row.get(1)?;
            let n: i64 = row.get(2)?;
            let source = source
                .as_deref()
                .map(str::parse::<AnnotationSource>)
                .transpose()?;
            out.push((row.get(0)?, source, n as u64));
        }
        Ok(out)
    }

    /// Calls `f` with every item in id order, for exports. Streams rows, so
    /// memory stays flat however large the project.
    pub fn for_each_item<E: From<Error>>(
        &self,
        mut f: impl FnMut(ItemRow) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let sql = format!("SELECT {ITEM_COLUMNS} {ITEM_FROM} ORDER BY i.id");
        let mut stmt = self.conn.prepare(&sql).map_err(Error::from)?;
        let mut rows = stmt.query([]).map_err(Error::from)?;
        while let Some(row) = rows.next().map_err(Error::from)? {
            f(read_item(row).map_err(Error::from)?)?;
        }
        Ok(())
    }

    /// Records a finished export.
    pub fn record_export(&mut self, record: &ExportRecord) -> Result<i64> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO exports(created_at, destination, format, counts, checksums, manifest_key, \
             override) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                time_str(record.at),
                record.destination,
                record.format,
                record.counts.to_string(),
                record.checksums.to_string(),
                record.manifest_key,
                record.overridden.as_ref().map(ToString::to_string),
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// The exports recorded so far, oldest first.
    pub fn exports(&self) -> Result<Vec<ExportRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT created_at, destination, format, counts, checksums, manifest_key, override \
             FROM exports ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?;
        rows.map(|row| {
            let (at, destination, format, counts, checksums, manifest_key, overridden) = row?;
            Ok(ExportRecord {
                at: parse_time(&at)?,
                destination,
                format,
                counts: parse_json(&counts)?,
                checksums: parse_json(&checksums)?,
                manifest_key,
                overridden: overridden.as_deref().map(parse_json).transpose()?,
            })
        })
        .collect()
    }

    /// SQLite's own consistency check: `"ok"` for a sound file.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// Recomputes every item's cached current label from the event log.
    pub fn rebuild_current_labels(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ids: Vec<ItemId> = {
            let mut stmt = tx.prepare("SELECT DISTINCT item_id FROM annotations")?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        for id in ids {
            refresh_current_label(&tx, id)?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// Refuses a label that names a class outside a schema of `classes`.
fn check_classes(label: Option<&Label>, classes: u32, what: &str) -> Result<()> {
    match label.and_then(|l| l.class_outside(classes)) {
        Some(bad) => Err(Error::Corrupt(format!(
            "{what}class index {bad} is outside the schema"
        ))),
        None => Ok(()),
    }
}

/// Appends an event inside the caller's transaction; returns its id.
pub(crate) fn insert_event(conn: &Connection, new: &NewAnnotation) -> Result<AnnotationId> {
    let parts = LabelParts::from(new.label.as_ref());
    conn.prepare_cached(
        "INSERT INTO annotations(item_id, class, source, annotator, model_version, confidence, \
         created_at, time_spent_ms, undoes, meta, boxes, classes) \
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
    )?
    .execute(params![
        new.item,
        parts.class,
        new.source.as_str(),
        new.annotator,
        new.model_version,
        new.confidence,
        time_str(new.at),
        new.time_spent_ms,
        new.undoes,
        new.meta,
        parts.boxes,
        parts.classes,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Recomputes one item's cached current label from its events.
pub(crate) fn refresh_current_label(conn: &Connection, item: ItemId) -> Result<()> {
    let events = load_events(conn, item)?;
    let current = current_label(&events);
    // Cached: a revocation runs this for millions of items, and compiling
    // the statement each time cost a fifth of its time.
    conn.prepare_cached(
        "UPDATE items SET label_event = ?2, label_class = ?3, label_source = ?4, \
         label_confidence = ?5 WHERE id = ?1",
    )?
    .execute(params![
        item,
        current.as_ref().map(|c| c.event),
        current.as_ref().and_then(|c| c.class),
        current.as_ref().map(|c| c.source.as_str()),
        current.as_ref().and_then(|c| c.confidence),
    ])?;
    Ok(())
}

fn load_events(conn: &Connection, item: ItemId) -> Result<Vec<Annotation>> {
    let sql =
        format!("SELECT {EVENT_COLUMNS} FROM annotations a WHERE a.item_id = ?1 ORDER BY a.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([item], read_event)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Times are stored as RFC 3339 UTC with microseconds, which sort as text.
pub(crate) fn time_str(at: Timestamp) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn to_sql_err(e: Error) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
}

pub(crate) fn parse_time(s: &str) -> Result<Timestamp> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| Error::Corrupt(format!("time '{s}': {e}")))
}

pub(crate) fn parse_json(s: &str) -> Result<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| Error::Corrupt(format!("JSON '{s}': {e}")))
}

/// Reads an event from [`EVENT_COLUMNS`], which start at column `at`.
fn event_from(r: &Row<'_>, at: usize) -> rusqlite::Result<Annotation> {
    let source: String = r.get(at + 2)?;
    let created: String = r.get(at + 6)?;
    let parts = LabelParts {
        class: r.get(at + 1)?,
        boxes: r.get(at + 11)?,
        classes: r.get(at + 12)?,
    };
    Ok(Annotation {
        id: r.get(at)?,
        label: Label::from_parts(&parts).map_err(|e| to_sql_err(Error::Core(e)))?,
        source: source.parse().map_err(|e| to_sql_err(Error::Core(e)))?,
        annotator: r.get(at + 3)?,
        model_version: r.get(at + 4)?,
        confidence: r.get(at + 5)?,
        at: parse_time(&created).map_err(to_sql_err)?,
        time_spent_ms: r.get(at + 7)?,
        undoes: r.get(at + 8)?,
        meta: r.get(at + 9)?,
        item: r.get(at + 10)?,
    })
}

fn read_event(r: &Row<'_>) -> rusqlite::Result<Annotation> {
    event_from(r, 0)
}

fn read_item(r: &Row<'_>) -> rusqlite::Result<ItemRow> {
    let id: ItemId = r.get(0)?;
    let kind: String = r.get(1)?;
    let event_id: Option<AnnotationId> = r.get(10)?;
    let label = event_id.map(|_| event_from(r, 10)).transpose()?;
    Ok(ItemRow {
        id,
        kind: kind.parse().map_err(|e| to_sql_err(Error::Core(e)))?,
        uri: r.get(2)?,
        row_index: r.get(3)?,
        external_id: r.get(4)?,
        content_hash: r.get(5)?,
        width: r.get(6)?,
        height: r.get(7)?,
        payload: r.get(8)?,
        source_uri: r.get(9)?,
        label,
    })
}

#[cfg(test)]
mod tests;
