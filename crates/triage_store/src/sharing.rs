//! People's events shared between a team's projects through the lake.
//!
//! Item ids and event ids are local to a project, so an event travels as a
//! [`SharedEvent`]: its item by `ref_key`, itself by a uid
//! (`<project uid>/<event id>` where it was given). A merged event keeps its
//! uid in a unique column, so merging the same events twice adds nothing.

use std::collections::BTreeSet;

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use triage_core::{AnnotationId, AnnotationSource, ItemId, Label, LabelParts, SharedEvent};

use crate::store::{NewAnnotation, insert_event, parse_time, refresh_current_label};
use crate::{Error, Result, Store};

/// What a merge did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeOutcome {
    /// Events added.
    pub added: u64,
    /// Events already here (merged before, or given here).
    pub already: u64,
    /// Events left out, with their uid and why.
    pub skipped: Vec<(String, String)>,
}

impl Store {
    /// This project's uid, made once when the project was created or
    /// brought to schema v6.
    pub fn project_uid(&self) -> Result<String> {
        self.setting("project_uid")?
            .ok_or_else(|| Error::Corrupt("the project has no uid".into()))
    }

    /// Whether an event came from another project (merged by a pull).
    pub fn is_merged(&self, event: AnnotationId) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT uid IS NOT NULL FROM annotations WHERE id = ?1",
            [event],
            |r| r.get(0),
        )?)
    }

    /// Each item's id and key, in id order.
    pub fn item_keys(&self) -> Result<Vec<(ItemId, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, ref_key FROM items ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// People's events given in this project (not merged from another)
    /// after event `after`, in order, and the last one's id. An event with
    /// no annotator is credited to `annotator`.
    pub fn local_human_events(
        &self,
        after: AnnotationId,
        annotator: &str,
    ) -> Result<(Vec<SharedEvent>, Option<AnnotationId>)> {
        let uid = self.project_uid()?;
        let mut stmt = self.conn.prepare(
            "SELECT a.id, i.ref_key, a.class, a.boxes, a.classes, a.annotator, a.created_at, \
               a.time_spent_ms, CASE WHEN t.id IS NULL THEN NULL \
                 ELSE COALESCE(t.uid, ?2 || '/' || t.id) END \
             FROM annotations a JOIN items i ON i.id = a.item_id \
             LEFT JOIN annotations t ON t.id = a.undoes \
             WHERE a.source = 'human' AND a.uid IS NULL AND a.id > ?1 ORDER BY a.id",
        )?;
        let mut last = None;
        let mut events = Vec::new();
        let mut rows = stmt.query(params![after, uid])?;
        while let Some(r) = rows.next()? {
            let id: AnnotationId = r.get(0)?;
            let created: String = r.get(6)?;
            last = Some(id);
            let parts = LabelParts {
                class: r.get(2)?,
                boxes: r.get(3)?,
                classes: r.get(4)?,
            };
            events.push(SharedEvent {
                uid: format!("{uid}/{id}"),
                item: r.get(1)?,
                label: Label::from_parts(&parts)?,
                annotator: r
                    .get::<_, Option<String>>(5)?
                    .unwrap_or_else(|| annotator.to_owned()),
                at: parse_time(&created)?,
                time_spent_ms: r.get(7)?,
                undoes: r.get(8)?,
            });
        }
        Ok((events, last))
    }

    /// Merges people's events from other projects, in one transaction:
    /// events already here are counted and left; events whose item or
    /// taken-back event is not here, or whose class is outside the schema,
    /// are skipped with the reason. Undos must follow the events they take
    /// back, as they do in the order they were given.
    pub fn merge_events(&mut self, events: &[SharedEvent]) -> Result<MergeOutcome> {
        let own = format!("{}/", self.project_uid()?);
        let classes = self.schema()?.classes.len() as u32;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut outcome = MergeOutcome::default();
        let mut touched = BTreeSet::new();
        for e in events {
            let local_id = |uid: &str| -> Result<Option<AnnotationId>> {
                if let Some(id) = uid.strip_prefix(&own) {
                    return Ok(id.parse().ok());
                }
                Ok(tx
                    .query_row("SELECT id FROM annotations WHERE uid = ?1", [uid], |r| {
                        r.get(0)
                    })
                    .optional()?)
            };
            if local_id(&e.uid)?.is_some() {
                outcome.already += 1;
                continue;
            }
            let mut skip = |reason: String| outcome.skipped.push((e.uid.clone(), reason));
            let item: Option<ItemId> = tx
                .query_row("SELECT id FROM items WHERE ref_key = ?1", [&e.item], |r| {
                    r.get(0)
                })
                .optional()?;
            let Some(item) = item else {
                skip(format!("no item '{}' in this project", e.item));
                continue;
            };
            if let Some(c) = e.label.as_ref().and_then(|l| l.class_outside(classes)) {
                skip(format!("class index {c} is outside the schema"));
                continue;
            }
            let undoes = match &e.undoes {
                Some(target) => match local_id(target)? {
                    Some(id) => Some(id),
                    None => {
                        skip(format!("it takes back {target}, which is not here"));
                        continue;
                    }
                },
                None => None,
            };
            let id = insert_event(
                &tx,
                &NewAnnotation {
                    item,
                    label: e.label.clone(),
                    source: AnnotationSource::Human,
                    annotator: Some(e.annotator.clone()),
                    model_version: None,
                    confidence: None,
                    at: e.at,
                    time_spent_ms: e.time_spent_ms,
                    undoes,
                    meta: None,
                },
            )?;
            tx.execute(
                "UPDATE annotations SET uid = ?2 WHERE id = ?1",
                params![id, e.uid],
            )?;
            touched.insert(item);
            outcome.added += 1;
        }
        for item in touched {
            refresh_current_label(&tx, item)?;
        }
        tx.commit()?;
        Ok(outcome)
    }
}
