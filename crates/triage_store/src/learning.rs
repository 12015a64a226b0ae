//! What active learning reads and writes: cached features, the queue, the
//! audit set, models and rounds, revocations and spot checks.
//!
//! A round reads a snapshot, trains with no transaction open, then applies
//! its result in short immediate transactions ([`Store::apply_round`]).
//! Labeling therefore never waits for training, nor for more than a chunk
//! of the write, and a label given while the round ran always wins: the
//! round skips items that a person labeled in the meantime.

use std::collections::HashSet;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use triage_core::{AnnotationSource, ItemId, ItemKind, Timestamp};

use crate::store::{HELD_BY_OTHERS, NewAnnotation, insert_event, refresh_current_label, time_str};
use crate::{Result, Store};

/// A model's record, written with its round.
#[derive(Debug, Clone)]
pub struct ModelRecord {
    /// The algorithm's name.
    pub algorithm: String,
    /// Its fitted parameters.
    pub params: serde_json::Value,
    /// How its features were made.
    pub features: serde_json::Value,
    /// The items it was trained on.
    pub training_items: Vec<ItemId>,
    /// Its cross-validation and audit metrics.
    pub metrics: serde_json::Value,
    /// Its thresholds.
    pub thresholds: serde_json::Value,
}

/// Everything a round decided, applied at once.
#[derive(Debug, Clone)]
pub struct RoundRecord {
    /// When training started.
    pub started_at: Timestamp,
    /// When it finished.
    pub finished_at: Timestamp,
    /// The model, if one was trained.
    pub model: Option<ModelRecord>,
    /// Items the round considered for auto-labeling.
    pub considered: Vec<ItemId>,
    /// Auto-labels: item, class, confidence.
    pub auto: Vec<(ItemId, u32, f64)>,
    /// The next human batch, in order: item, audit, uncertainty.
    pub queue: Vec<(ItemId, bool, f64)>,
    /// Likely label errors: item, given, predicted, confidence.
    pub suspects: Vec<(ItemId, u32, u32, f64)>,
    /// Figures to keep with the round.
    pub stats: serde_json::Value,
}

/// What applying a round changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RoundApplied {
    /// The round's id.
    pub round_id: i64,
    /// The model's version, if one was trained.
    pub model_version: Option<i64>,
    /// New auto-labels written.
    pub auto_labeled: u64,
    /// Earlier auto-labels taken back.
    pub revoked: u64,
    /// Items skipped because a person labeled them while the round ran.
    pub skipped: u64,
}

/// The state of each item, as a round reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotItem {
    /// The item.
    pub id: ItemId,
    /// Its current label: class and source.
    pub label: Option<(u32, AnnotationSource)>,
    /// Its human label is in the audit set.
    pub audit: bool,
}

/// Spot checks of auto-labels: a random sample that people verified.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SpotCheckCounts {
    /// Sampled and verified by a person.
    pub checked: u64,
    /// Of those, the person agreed with the model.
    pub agreed: u64,
    /// Sampled, not verified yet.
    pub pending: u64,
}

impl Store {
    /// Every item's label state, in id order.
    pub fn snapshot(&self) -> Result<Vec<SnapshotItem>> {
        let audit: HashSet<ItemId> = self.audit_items()?;
        let mut stmt = self
            .conn
            .prepare("SELECT id, label_class, label_source FROM items ORDER BY id")?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id: ItemId = r.get(0)?;
            // Read in place: a big project has millions of labels.
            let source = r.get_ref(2)?.as_str_or_null().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, e.into())
            })?;
            let label = match (r.get::<_, Option<u32>>(1)?, source) {
                (Some(c), Some(s)) => Some((c, s.parse::<AnnotationSource>()?)),
                _ => None,
            };
            let audit =
                audit.contains(&id) && label.is_some_and(|l| l.1 == AnnotationSource::Human);
            out.push(SnapshotItem { id, label, audit });
        }
        Ok(out)
    }

    fn audit_items(&self) -> Result<HashSet<ItemId>> {
        let mut stmt = self.conn.prepare("SELECT item_id FROM audit_items")?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(ids)
    }

    /// Cached feature vectors of one kind, in item order.
    pub fn features(&self, kind: &str) -> Result<Vec<(ItemId, Vec<f32>)>> {
        let mut out = Vec::new();
        self.for_each_feature(kind, |id, v| out.push((id, v.to_vec())))?;
        Ok(out)
    }

    /// Each cached vector of `kind` in item id order, handed to `f` one at
    /// a time, so millions of them are never listed.
    pub fn for_each_feature(&self, kind: &str, mut f: impl FnMut(ItemId, &[f32])) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT item_id, vec FROM features WHERE kind = ?1 ORDER BY item_id")?;
        let mut rows = stmt.query([kind])?;
        let mut v = Vec::new();
        while let Some(row) = rows.next()? {
            let id: ItemId = row.get(0)?;
            let bytes = row.get_ref(1)?.as_blob().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Blob, e.into())
            })?;
            v.clear();
            v.extend(
                bytes
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
            f(id, &v);
        }
        Ok(())
    }

    /// Items with no cached vector of `kind`, in id order: what is left to
    /// compute, found without reading any item's payload.
    pub fn items_without_features(&self, kind: &str) -> Result<Vec<ItemId>> {
        let mut stmt = self.conn.prepare(
            "SELECT i.id FROM items i LEFT JOIN features f ON f.item_id = i.id AND f.kind = ?1 \
             WHERE f.item_id IS NULL ORDER BY i.id",
        )?;
        let ids = stmt.query_map([kind], |r| r.get::<_, ItemId>(0))?;
        Ok(ids.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Caches feature vectors (little-endian f32).
    pub fn save_features(&mut self, kind: &str, vectors: &[(ItemId, Vec<f32>)]) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        write_features(&tx, kind, vectors.iter().map(|(id, v)| (*id, v)))?;
        tx.commit()?;
        Ok(())
    }

    /// Replaces every cached vector of `kind` with `vectors`, and records
    /// the `stamp` of the data they were computed from, in one step: a
    /// feature set that depends on every item (standardised columns) is
    /// valid only while the stamp matches.
    pub fn replace_features(
        &mut self,
        kind: &str,
        stamp: &str,
        vectors: impl IntoIterator<Item = (ItemId, impl AsRef<[f32]>)>,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM features WHERE kind = ?1", [kind])?;
        write_features(&tx, kind, vectors)?;
        tx.execute(
            "INSERT INTO settings(key, value) VALUES (?1, ?2) \
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![stamp_key(kind), stamp],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The stamp recorded by the last `replace_features` of `kind`.
    pub fn features_stamp(&self, kind: &str) -> Result<Option<String>> {
        self.setting(&stamp_key(kind))
    }

    /// How many items of a kind carry a payload, and the newest one's id:
    /// items are never changed once imported, so these two tell whether a
    /// feature set built from payloads is still current.
    pub fn payload_extent(&self, kind: ItemKind) -> Result<(u64, Option<ItemId>)> {
        Ok(self.conn.query_row(
            "SELECT count(*), max(i.id) FROM items i JOIN item_payloads p ON p.item_id = i.id \
             WHERE i.kind = ?1",
            [kind.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// The mean length in bytes of the first 1,000 payloads (0 without
    /// any): with the item count, what holding them all would take.
    pub fn payload_mean_bytes(&self) -> Result<f64> {
        Ok(self.conn.query_row(
            "SELECT coalesce(avg(length(CAST(payload AS BLOB))), 0) FROM \
             (SELECT payload FROM item_payloads LIMIT 1000)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Applies a round: its model, auto-labels, revocations, queue and
    /// suspects. Human labels always win: an item a person labeled while the
    /// round ran is left alone.
    ///
    /// The labels go in transactions of [`ROUND_CHUNK`] items, with a pause
    /// between them, so a person labeling meanwhile waits for one chunk at
    /// most, never for the whole write (minutes at ten million items).
    /// `written` hears the share of items written after each chunk. If the
    /// write stops part way (an error, a crash), the chunks written stand
    /// (each auto-label met its model's thresholds on its own) and the
    /// round keeps no finish time; the next round takes over from there.
    pub fn apply_round(
        &mut self,
        record: &RoundRecord,
        written: impl FnMut(f64),
    ) -> Result<RoundApplied> {
        let mut applied = self.begin_round(record)?;
        // Walked in item order beside `considered`, rather than looked up in
        // maps: a big project's round considers millions of items.
        let mut accepted: Vec<(ItemId, u32, f64)> = record.auto.clone();
        accepted.sort_unstable_by_key(|a| a.0);
        let mut considered = record.considered.clone();
        considered.sort_unstable();
        let mut next_auto = 0;
        let version = applied.model_version;
        self.write_in_chunks(
            &considered,
            ROUND_CHUNK,
            |tx, chunk| {
                let plan = plan_chunk(tx, chunk, &accepted, &mut next_auto)?;
                write_autos(tx, &plan.autos, version, record.finished_at)?;
                for &(item, event) in &plan.revokes {
                    undo_model_event(tx, item, event, version, record.finished_at)?;
                }
                applied.auto_labeled += plan.autos.len() as u64;
                applied.revoked += plan.revokes.len() as u64;
                applied.skipped += plan.skipped;
                Ok(())
            },
            written,
        )?;
        self.finish_round(record, applied.round_id)?;
        Ok(applied)
    }

    /// The round's model and its row, with no finish time yet.
    fn begin_round(&mut self, record: &RoundRecord) -> Result<RoundApplied> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let model_version = match &record.model {
            None => None,
            Some(m) => {
                tx.execute(
                    "INSERT INTO models(algorithm, params, features, training_items, metrics, thresholds, \
                     created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        m.algorithm,
                        m.params.to_string(),
                        m.features.to_string(),
                        serde_json::to_string(&m.training_items).unwrap_or_default(),
                        m.metrics.to_string(),
                        m.thresholds.to_string(),
                        time_str(record.finished_at),
                    ],
                )?;
                Some(tx.last_insert_rowid())
            }
        };
        tx.execute(
            "INSERT INTO rounds(model_version, started_at, stats) VALUES (?1, ?2, ?3)",
            params![
                model_version,
                time_str(record.started_at),
                record.stats.to_string()
            ],
        )?;
        let round_id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(RoundApplied {
            round_id,
            model_version,
            ..Default::default()
        })
    }

    /// The round's queue, audit draws and suspects, and its finish time.
    fn finish_round(&mut self, record: &RoundRecord, round_id: i64) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM queue", [])?;
        for (position, &(item, audit, score)) in record.queue.iter().enumerate() {
            tx.prepare_cached(
                "INSERT INTO queue(item_id, round_id, position, audit, score) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(
                params![item, round_id, position as i64, audit, score],
            )?;
            if audit {
                tx.execute(
                    "INSERT OR IGNORE INTO audit_items(item_id, round_id) VALUES (?1, ?2)",
                    params![item, round_id],
                )?;
            }
        }
        if record.model.is_some() {
            tx.execute("DELETE FROM suspects", [])?;
            for &(item, given, predicted, confidence) in &record.suspects {
                tx.execute(
                    "INSERT INTO suspects(item_id, round_id, given, predicted, confidence) VALUES (?1,?2,?3,?4,?5)",
                    params![item, round_id, given, predicted, confidence],
                )?;
            }
        }
        tx.execute(
            "UPDATE rounds SET finished_at = ?2 WHERE id = ?1",
            params![round_id, time_str(record.finished_at)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Takes back every current auto-label made by one model version, in
    /// chunks of [`REVOKE_CHUNK`] as a round writes its own: a person
    /// labeling meanwhile waits for one chunk at most, and an item they
    /// label meanwhile keeps its label.
    /// Cut short, the chunks written stand; revoking again finishes.
    /// `written` hears the share done after each chunk.
    pub fn revoke_model(
        &mut self,
        version: i64,
        at: Timestamp,
        written: impl FnMut(f64),
    ) -> Result<u64> {
        let targets: Vec<(ItemId, i64)> = {
            let mut stmt = self.conn.prepare(
                "SELECT i.id, a.id FROM items i JOIN annotations a ON a.id = i.label_event \
                 WHERE a.source = 'model' AND a.model_version = ?1 ORDER BY i.id",
            )?;
            stmt.query_map([version], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        let mut revoked = 0;
        self.write_in_chunks(
            &targets,
            REVOKE_CHUNK,
            |tx, chunk| {
                for &(item, event) in chunk {
                    let current: Option<i64> = tx
                        .prepare_cached("SELECT label_event FROM items WHERE id = ?1")?
                        .query_row([item], |r| r.get(0))?;
                    if current == Some(event) {
                        undo_model_event(tx, item, event, Some(version), at)?;
                        revoked += 1;
                    }
                }
                Ok(())
            },
            written,
        )?;
        Ok(revoked)
    }

    /// Runs `write` over `items` in transactions of `size` items, with
    /// [`CHUNK_GAP`] between them so that other writers get in; `written`
    /// hears the share done after each commit.
    fn write_in_chunks<T>(
        &mut self,
        items: &[T],
        size: usize,
        mut write: impl FnMut(&Connection, &[T]) -> Result<()>,
        mut written: impl FnMut(f64),
    ) -> Result<()> {
        let chunks = items.len().div_ceil(size);
        for (done, chunk) in items.chunks(size).enumerate() {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            write(&tx, chunk)?;
            tx.commit()?;
            written((done + 1) as f64 / chunks as f64);
            if done + 1 < chunks {
                std::thread::sleep(CHUNK_GAP);
            }
        }
        Ok(())
    }

    /// The latest model's version and stored thresholds and metrics.
    pub fn latest_model(
        &self,
    ) -> Result<Option<(i64, String, serde_json::Value, serde_json::Value)>> {
        let row = self
            .conn
            .query_row(
                "SELECT version, algorithm, thresholds, metrics FROM models ORDER BY version DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)),
            )
            .optional()?;
        row.map(|(v, a, t, m)| {
            Ok((
                v,
                a,
                crate::store::parse_json(&t)?,
                crate::store::parse_json(&m)?,
            ))
        })
        .transpose()
    }

    /// Model versions that exist.
    pub fn model_exists(&self, version: i64) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS(SELECT 1 FROM models WHERE version = ?1)",
            [version],
            |r| r.get(0),
        )?)
    }

    /// The latest round's likely label errors: item, given, predicted,
    /// confidence, most confident first.
    pub fn suspects(&self) -> Result<Vec<(ItemId, u32, u32, f64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.item_id, s.given, s.predicted, s.confidence FROM suspects s \
             JOIN items i ON i.id = s.item_id WHERE i.label_class = s.given \
             ORDER BY s.confidence DESC",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Draws up to `n` current auto-labels at random for people to verify.
    /// Returns the items drawn.
    pub fn sample_spot_checks(
        &mut self,
        n: usize,
        seed: u64,
        at: Timestamp,
    ) -> Result<Vec<ItemId>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut candidates: Vec<(ItemId, i64)> = {
            let mut stmt = tx.prepare(
                "SELECT id, label_event FROM items WHERE label_source = 'model' \
                 AND id NOT IN (SELECT item_id FROM spot_checks) ORDER BY id",
            )?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        // A seeded Fisher-Yates shuffle (SplitMix64), so a sample can be redrawn.
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        for i in (1..candidates.len()).rev() {
            let j = (next() % (i as u64 + 1)) as usize;
            candidates.swap(i, j);
        }
        candidates.truncate(n);
        for &(item, event) in &candidates {
            tx.execute(
                "INSERT INTO spot_checks(item_id, model_event, sampled_at) VALUES (?1, ?2, ?3)",
                params![item, event, time_str(at)],
            )?;
        }
        tx.commit()?;
        Ok(candidates.into_iter().map(|c| c.0).collect())
    }

    /// Spot-check items still waiting for a person, in draw order.
    pub fn pending_spot_checks(&self) -> Result<Vec<ItemId>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.item_id FROM spot_checks s JOIN items i ON i.id = s.item_id \
             WHERE i.label_source IS NOT 'human' ORDER BY s.rowid",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How the spot checks came out: a person's label on a sampled item is
    /// its verdict on the auto-label that was sampled.
    pub fn spot_check_counts(&self) -> Result<SpotCheckCounts> {
        let mut stmt = self.conn.prepare(
            "SELECT i.label_source = 'human', i.label_class = m.class FROM spot_checks s \
             JOIN items i ON i.id = s.item_id JOIN annotations m ON m.id = s.model_event",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, bool>(0)?, r.get::<_, Option<bool>>(1)?))
        })?;
        let mut counts = SpotCheckCounts::default();
        for row in rows {
            match row? {
                (true, agreed) => {
                    counts.checked += 1;
                    counts.agreed += u64::from(agreed.unwrap_or(false));
                }
                (false, _) => counts.pending += 1,
            }
        }
        Ok(counts)
    }

    /// When nothing is queued, queues `n` unlabeled items drawn at random,
    /// as audit picks: the first labels people give are then a random
    /// sample (so a first round sees several classes, and its estimate is
    /// unbiased) rather than the first files of the first folder. Returns
    /// how many were queued.
    pub fn seed_queue(&mut self, n: usize, seed: u64) -> Result<u64> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let queued: i64 = tx.query_row("SELECT count(*) FROM queue", [], |r| r.get(0))?;
        if queued > 0 {
            return Ok(0);
        }
        // A seeded hash order is a uniform random order, with no RNG crate;
        // the first `n` in it are kept as the rows stream by, so a project
        // of millions of items is never listed whole.
        let mut first = std::collections::BinaryHeap::with_capacity(n + 1);
        {
            let mut stmt = tx.prepare("SELECT id FROM items WHERE label_event IS NULL")?;
            for id in stmt.query_map([], |r| r.get::<_, ItemId>(0))? {
                let id = id?;
                first.push((splitmix64(id as u64 ^ seed), id));
                if first.len() > n {
                    first.pop();
                }
            }
        }
        let ids: Vec<ItemId> = first
            .into_sorted_vec()
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        for (position, &item) in ids.iter().enumerate() {
            tx.prepare_cached(
                "INSERT INTO queue(item_id, round_id, position, audit, score) \
                 VALUES (?1, NULL, ?2, 1, NULL)",
            )?
            .execute(params![item, position as i64])?;
            tx.prepare_cached(
                "INSERT OR IGNORE INTO audit_items(item_id, round_id) VALUES (?1, NULL)",
            )?
            .execute([item])?;
        }
        tx.commit()?;
        Ok(ids.len() as u64)
    }

    /// Items queued for people, in order, that no person has labeled yet.
    /// An audit pick may carry an auto-label; a person's label replaces it.
    /// The queue is walked in order and each item looked up (`CROSS JOIN`
    /// keeps SQLite from walking the unlabeled items instead: 10,000,000 of
    /// them took 1.4 s for the first item).
    pub(crate) fn queued_unlabeled(&self, n: usize, session: Option<&str>) -> Result<Vec<ItemId>> {
        let sql = format!(
            "SELECT q.item_id FROM queue q CROSS JOIN items i ON i.id = q.item_id \
             WHERE (i.label_source IS NULL OR i.label_source = 'model') \
             AND q.item_id NOT IN (SELECT item_id FROM flags WHERE resolved_at IS NULL) \
             {} ORDER BY q.position LIMIT ?1",
            if session.is_some() {
                HELD_BY_OTHERS
            } else {
                ""
            }
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let id = |r: &rusqlite::Row<'_>| r.get::<_, ItemId>(0);
        let rows = match session {
            Some(s) => stmt.query_map(params![n as i64, s], id)?,
            None => stmt.query_map(params![n as i64], id)?,
        };
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// SplitMix64: a fast, well-mixed 64-bit hash.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn stamp_key(kind: &str) -> String {
    format!("features_stamp:{kind}")
}

fn write_features(
    tx: &Connection,
    kind: &str,
    vectors: impl IntoIterator<Item = (ItemId, impl AsRef<[f32]>)>,
) -> Result<()> {
    let mut stmt =
        tx.prepare("INSERT OR REPLACE INTO features(item_id, kind, vec) VALUES (?1, ?2, ?3)")?;
    for (id, v) in vectors {
        let bytes: Vec<u8> = v.as_ref().iter().flat_map(|x| x.to_le_bytes()).collect();
        stmt.execute(params![id, kind, bytes])?;
    }
    Ok(())
}

/// Items per transaction of a round's write: a few tenths of a second of
/// work, all a person labeling meanwhile waits.
pub(crate) const ROUND_CHUNK: usize = 25_000;

/// Items per transaction of a revocation, which works out each item's
/// label again one by one: about five times the work per item of a round's
/// set-wise write, so a fifth of the items for the same wait.
const REVOKE_CHUNK: usize = 5_000;

/// The pause between two chunks of a big label write. SQLite's write lock has
/// no queue, so without a pause the writer would take the lock back before
/// a waiting one, polling every `LOCK_POLL`, saw it free.
const CHUNK_GAP: Duration = Duration::from_millis(15);

/// Takes back a model's `event` on `item` with an event of the model's
/// own, and works out the item's current label again.
fn undo_model_event(
    tx: &Connection,
    item: ItemId,
    event: i64,
    model_version: Option<i64>,
    at: Timestamp,
) -> Result<()> {
    insert_event(
        tx,
        &NewAnnotation {
            item,
            label: None,
            source: AnnotationSource::Model,
            annotator: None,
            model_version,
            confidence: None,
            at,
            time_spent_ms: None,
            undoes: Some(event),
            meta: None,
        },
    )?;
    refresh_current_label(tx, item)
}

/// What one chunk of a round writes.
#[derive(Default)]
struct ChunkPlan {
    /// New auto-labels: item, class, confidence.
    autos: Vec<(ItemId, u32, f64)>,
    /// Auto-labels taken back: item, the event undone.
    revokes: Vec<(ItemId, i64)>,
    /// Accepted items a person labeled while the round ran.
    skipped: u64,
}

/// Decides what a chunk of the considered items (ascending) gets, from
/// their current events read inside the chunk's transaction: a person may
/// have labeled since the round began. `accepted` is ascending by item;
/// `next_auto` carries the walk through it from chunk to chunk.
fn plan_chunk(
    tx: &Connection,
    chunk: &[ItemId],
    accepted: &[(ItemId, u32, f64)],
    next_auto: &mut usize,
) -> Result<ChunkPlan> {
    let (Some(&first), Some(&last)) = (chunk.first(), chunk.last()) else {
        return Ok(ChunkPlan::default());
    };
    // Each labeled item's current event: id, class, by the model.
    let current: Vec<(ItemId, i64, Option<u32>, bool)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT i.id, a.id, a.class, a.source = 'model' FROM items i \
             JOIN annotations a ON a.id = i.label_event WHERE i.id BETWEEN ?1 AND ?2 ORDER BY i.id",
        )?;
        stmt.query_map([first, last], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?
    };
    let mut plan = ChunkPlan::default();
    let mut next_event = 0;
    for &item in chunk {
        let auto = find_sorted(accepted, next_auto, item, |a| a.0).map(|a| (a.1, a.2));
        let current_model = match find_sorted(&current, &mut next_event, item, |e| e.0) {
            Some(&(_, _, _, false)) => {
                plan.skipped += u64::from(auto.is_some());
                continue;
            }
            Some(&(_, event, class, true)) => Some((event, class)),
            None => None,
        };
        match (auto, current_model) {
            // Still the same class: the earlier event stands.
            (Some((class, _)), Some((_, Some(old)))) if old == class => {}
            (Some((class, confidence)), _) => plan.autos.push((item, class, confidence)),
            (None, Some((event, _))) => plan.revokes.push((item, event)),
            (None, None) => {}
        }
    }
    Ok(plan)
}

/// Writes auto-labels (ascending by item) set-wise: they go into a
/// temporary table, then one statement appends their events and one points
/// the items at them, about twice as fast as two statements per item.
/// Nothing outranks a model label here (each item has none or only a
/// model's), so the newest one is current.
fn write_autos(
    tx: &Connection,
    autos: &[(ItemId, u32, f64)],
    model_version: Option<i64>,
    at: Timestamp,
) -> Result<()> {
    if autos.is_empty() {
        return Ok(());
    }
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS round_labels(\
           item_id INTEGER PRIMARY KEY, class INTEGER NOT NULL, confidence REAL NOT NULL); \
         DELETE FROM temp.round_labels;",
    )?;
    {
        let mut insert = tx.prepare_cached("INSERT INTO temp.round_labels VALUES (?1, ?2, ?3)")?;
        for &(item, class, confidence) in autos {
            insert.execute(params![item, class, confidence])?;
        }
    }
    // New rows take ids above the largest, and this transaction holds the
    // write lock: every event from `first` on is one of these.
    let first: i64 = tx.query_row(
        "SELECT coalesce(max(id), 0) + 1 FROM annotations",
        [],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO annotations(item_id, class, source, model_version, confidence, created_at) \
         SELECT item_id, class, ?1, ?2, confidence, ?3 FROM temp.round_labels ORDER BY item_id",
        params![
            AnnotationSource::Model.as_str(),
            model_version,
            time_str(at)
        ],
    )?;
    tx.execute(
        "UPDATE items SET label_event = a.id, label_class = a.class, label_source = a.source, \
         label_confidence = a.confidence FROM annotations a WHERE a.id >= ?1 AND a.item_id = items.id",
        [first],
    )?;
    Ok(())
}

/// The entry for `id` in `sorted` (ascending by `key`), looking from
/// `*next` on: a walk in ascending `id` order makes every lookup one step.
fn find_sorted<'a, T>(
    sorted: &'a [T],
    next: &mut usize,
    id: ItemId,
    key: impl Fn(&T) -> ItemId,
) -> Option<&'a T> {
    while sorted.get(*next).is_some_and(|t| key(t) < id) {
        *next += 1;
    }
    sorted.get(*next).filter(|t| key(t) == id)
}
