//! Active learning use cases: a round (train, calibrate, score, auto-label,
//! queue), label-error review, revocation and spot checks.
//!
//! Reads a snapshot of labels and cached features from the store; calls
//! `triage_learn::round`; writes the model, its auto-labels, revocations
//! and the queue (`Store::apply_round`).
//!
//! A round reads the project, computes with no transaction open, and writes
//! its result in short transactions, so a person labeling in the same
//! project waits for a fraction of a second at most; `cancel` stops it
//! between steps.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use polars::prelude::DataFrame;
use rayon::prelude::*;
use serde::Serialize;
use triage_core::{AnnotationSource, ItemId, ItemKind, TaskKind, Timestamp};
use triage_data::image_file::{self, ImageLimits};
use triage_data::table::RowChunks;
use triage_learn::calibrate::Calibration;
use triage_learn::encode::TableFit;
use triage_learn::model::{Algorithm, Family};
use triage_learn::round::{CandidateScore, RoundInput, TrainLabel, run_round};
use triage_learn::strategy::Strategy;
use triage_learn::thresholds::{Thresholds, Z95, wilson};
use triage_learn::{features, text};
use triage_store::{ModelRecord, RoundRecord};

use crate::dto::ItemDto;
use crate::{Error, LabelCounts, Project, Result};

/// Image descriptors are cached under this kind; change it when the
/// descriptor changes, so old caches are not mixed in.
pub(crate) const IMAGE_FEATURES: &str = "image-v1";
/// Cached standardised table features; versioned the same way.
pub(crate) const TABLE_FEATURES: &str = "table-v2";
/// Each text's hashed term counts (packed by `triage_learn::text::pack`);
/// versioned the same way.
pub(crate) const TEXT_FEATURES: &str = "text-v1";
/// The families cross-validation tries on wide features (hashed TF-IDF,
/// embeddings): a forest over hundreds or thousands of columns costs far
/// more than it can earn there (it can still be pinned).
const WIDE_FAMILIES: [Family; 3] = [Family::Bayes, Family::Logistic, Family::Knn];
/// The setting that lists table columns never used as features (label
/// columns: using them would be cheating).
pub(crate) const FEATURE_SKIP: &str = "feature_skip";

/// How a round works.
#[derive(Debug, Clone)]
pub struct RoundOptions {
    /// The accuracy the auto-labeled set must reach (lower bound, 95%).
    pub target: f64,
    /// How the next human batch is ranked.
    pub strategy: Strategy,
    /// The size of the next human batch.
    pub batch: usize,
    /// The share of each batch drawn at random for the audit set.
    pub random_share: f64,
    /// Seed for folds, clustering and sampling.
    pub seed: u64,
    /// The model family to use; none lets cross-validation choose.
    pub model: Option<Family>,
}

impl Default for RoundOptions {
    fn default() -> Self {
        Self {
            target: 0.95,
            strategy: Strategy::Margin,
            batch: 50,
            random_share: 0.1,
            seed: 0,
            model: None,
        }
    }
}

/// Time a round gives cross-validation before it skips the dearer
/// candidates: with reading, scoring and writing, a round on 100,000 rows
/// stays within three seconds.
const SELECTION_BUDGET: Duration = Duration::from_millis(1_500);

/// An open item like one a person labeled, offered that item's class.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct SimilarDto {
    /// The open item.
    pub item: ItemDto,
    /// The labeled item it is like.
    pub like: i64,
    /// The class a person confirms with one key.
    pub proposed: String,
    /// Cosine similarity of their features.
    pub cosine: f64,
}

/// An estimate with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ts_rs::TS)]
pub struct Interval {
    /// The point estimate.
    pub estimate: f64,
    /// The lower bound.
    pub low: f64,
    /// The upper bound.
    pub high: f64,
    /// How many observations it rests on.
    pub n: u64,
}

impl Interval {
    fn wilson(correct: u64, n: u64) -> Option<Self> {
        (n > 0).then(|| {
            let (low, high) = wilson(correct, n, Z95);
            Self {
                estimate: correct as f64 / n as f64,
                low,
                high,
                n,
            }
        })
    }
}

/// A class's threshold.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ClassThreshold {
    /// The class.
    pub class_name: String,
    /// Its threshold; none means the class auto-labels nothing.
    pub threshold: Option<f64>,
}

/// What a round did.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct RoundSummary {
    /// The round's id.
    pub round_id: i64,
    /// The model trained, if there were enough labels.
    pub model_version: Option<i64>,
    /// Its algorithm.
    pub algorithm: Option<String>,
    /// Its cross-validated accuracy on the trusted labels.
    pub cv_accuracy: Option<f64>,
    /// The pooled threshold.
    pub threshold: Option<f64>,
    /// Each class's threshold.
    pub class_thresholds: Vec<ClassThreshold>,
    /// The estimated accuracy of auto-labels, from the audit set.
    pub estimated_accuracy: Option<Interval>,
    /// Human labels in the audit set.
    pub audit_size: u64,
    /// New auto-labels.
    pub auto_labeled: u64,
    /// Earlier auto-labels taken back.
    pub revoked: u64,
    /// Items queued for people.
    pub queued: u64,
    /// Likely label errors found.
    pub suspects: u64,
    /// Items by label source after the round.
    pub counts: LabelCounts,
}

/// A human label the model doubts.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SuspectDto {
    /// The item.
    pub item: ItemDto,
    /// The class people gave.
    pub given: String,
    /// The class the model predicts.
    pub predicted: String,
    /// The model's out-of-fold confidence in it.
    pub confidence: f64,
}

/// A model a round tried, and how it scored.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CandidateDto {
    /// The algorithm with its settings, e.g. `knn(k=9)`.
    pub algorithm: String,
    /// Its family.
    pub family: Family,
    /// The calibration that suited it best.
    pub calibration: Calibration,
    /// Its held-out log-loss after calibration, on the audit items (on all
    /// trusted labels while those are few). The choice takes the lowest, or
    /// the plainest family within one standard error of it.
    pub score: f64,
    /// Its held-out accuracy on the trusted labels.
    pub accuracy: f64,
    /// It is the model the round kept.
    pub chosen: bool,
}

/// The model's state: its thresholds, its estimate, and what spot checks
/// measured.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ModelStatus {
    /// The latest model's version.
    pub model_version: i64,
    /// Its algorithm.
    pub algorithm: String,
    /// The family the user pinned, if any; otherwise the data chose.
    pub pinned: Option<Family>,
    /// Every candidate the round tried, best score first.
    pub candidates: Vec<CandidateDto>,
    /// Candidates left out for time: the round's budget was spent, or
    /// scoring with them would take too long.
    pub skipped: Vec<String>,
    /// The target its thresholds were chosen for.
    pub target: f64,
    /// The pooled threshold.
    pub threshold: Option<f64>,
    /// Each class's threshold.
    pub class_thresholds: Vec<ClassThreshold>,
    /// The estimate from the audit set.
    pub estimated_accuracy: Option<Interval>,
    /// The accuracy people measured by spot checks.
    pub spot_checked_accuracy: Option<Interval>,
    /// Spot checks still waiting for a person.
    pub spot_checks_pending: u64,
}

impl Project {
    fn class_thresholds(&self, t: &Thresholds) -> Vec<ClassThreshold> {
        t.per_class
            .iter()
            .enumerate()
            .map(|(i, threshold)| ClassThreshold {
                class_name: self.schema.name_of(i as u32).unwrap_or("?").to_owned(),
                threshold: *threshold,
            })
            .collect()
    }

    /// Runs one round: train, calibrate, score every open item, auto-label
    /// what clears its threshold, revoke what no longer does, and queue the
    /// next human batch. With too few labels it only queues a random batch.
    pub fn run_round(
        &mut self,
        options: &RoundOptions,
        cancel: &AtomicBool,
        at: Timestamp,
    ) -> Result<RoundSummary> {
        self.run_round_with_progress(options, cancel, at, &|_, _| {})
    }

    /// [`Project::run_round`], telling `progress` each step's name and the
    /// share of the round done (0 to 1).
    pub fn run_round_with_progress(
        &mut self,
        options: &RoundOptions,
        cancel: &AtomicBool,
        at: Timestamp,
        progress: &(dyn Fn(&'static str, f64) + Sync),
    ) -> Result<RoundSummary> {
        if !(0.5..1.0).contains(&options.target) {
            return Err(Error::Invalid(format!(
                "target {} must be in [0.5, 1)",
                options.target
            )));
        }
        if !(0.0..=1.0).contains(&options.random_share) || options.batch == 0 {
            return Err(Error::Invalid(
                "batch must be at least 1 and random share in [0, 1]".into(),
            ));
        }
        if self.schema.task.is_multilabel() || self.schema.task == TaskKind::ObjectDetection {
            return Err(no_model(self.schema.task));
        }
        progress("reading", 0.0);
        let snapshot = self.store.snapshot()?;
        tracing::info!("round started over {} items", snapshot.len());
        let (ids, x) = self.feature_matrix(cancel, &|done, total| {
            progress("embedding", 0.1 * done as f64 / total.max(1) as f64);
        })?;
        tracing::info!("features read: {} × {}", x.nrows(), x.ncols());
        progress("training", 0.1);
        let embedding = self.embedding()?;
        let wide = embedding.is_some();
        let feature_kind =
            embedding.map_or_else(|| self.feature_kind().to_owned(), |m| m.feature_kind());
        // Both are in item order, so each lookup is usually the next item;
        // a search finds the rest.
        let mut next = 0;
        let mut state = |id: ItemId| -> Option<&triage_store::SnapshotItem> {
            if snapshot.get(next).is_none_or(|s| s.id != id) {
                next = snapshot.binary_search_by_key(&id, |s| s.id).ok()?;
            }
            next += 1;
            snapshot.get(next - 1)
        };
        let mut labels = Vec::with_capacity(ids.len());
        let mut open = Vec::with_capacity(ids.len());
        for &id in &ids {
            let s = state(id);
            let label = s.and_then(|s| s.label);
            labels.push(match label {
                Some((class, source)) if source != AnnotationSource::Model => Some(TrainLabel {
                    class,
                    audit: s.is_some_and(|s| s.audit),
                }),
                _ => None,
            });
            open.push(label.is_none_or(|(_, source)| source == AnnotationSource::Model));
        }
        let input = RoundInput {
            x: &x,
            n_classes: self.schema.classes.len(),
            labels: &labels,
            open: &open,
            target: options.target,
            strategy: options.strategy,
            batch: options.batch,
            random_share: options.random_share,
            seed: options.seed,
            families: match (&options.model, self.schema.task.item_kind(), wide) {
                (Some(family), _, _) => std::slice::from_ref(family),
                (None, ItemKind::Text, _) | (None, _, true) => &WIDE_FAMILIES,
                (None, _, false) => &Family::ALL,
            },
            budget: SELECTION_BUDGET,
            cancel,
            progress: &|share| progress("training", 0.1 + 0.8 * share),
        };
        let out = run_round(&input).map_err(learn_err)?;
        let finished = crate::now().max(at);
        let thresholds = out.model.as_ref().map(|m| m.thresholds.clone());
        let audit_size = labels.iter().flatten().filter(|l| l.audit).count() as u64;
        let chosen = out
            .model
            .as_ref()
            .and_then(|m| m.candidates.iter().find(|c| c.algorithm == m.algorithm));
        let model = out.model.as_ref().map(|m| ModelRecord {
            algorithm: m.name(),
            params: m.params.clone(),
            features: serde_json::json!({ "kind": feature_kind, "dims": x.ncols() }),
            training_items: m.training_rows.iter().map(|&r| ids[r]).collect(),
            metrics: serde_json::json!({
                "cv_accuracy": chosen.map(|c| c.accuracy),
                "cv_log_loss": chosen.map(|c| c.log_loss),
                "chosen": m.algorithm,
                "candidates": m.candidates,
                "skipped": m.skipped,
                "calibration": m.calibration,
                "pinned": options.model,
                "audit_size": audit_size,
                "estimate": m.thresholds.estimate(),
            }),
            thresholds: serde_json::to_value(&m.thresholds).unwrap_or_default(),
        });
        let record = RoundRecord {
            started_at: at,
            finished_at: finished,
            model,
            considered: (0..ids.len())
                .filter(|&r| open[r])
                .map(|r| ids[r])
                .collect(),
            auto: out
                .predictions
                .iter()
                .filter(|p| p.accepted)
                .map(|p| (ids[p.row], p.class, p.confidence))
                .collect(),
            queue: out
                .queue
                .iter()
                .map(|p| (ids[p.row], p.audit, p.score))
                .collect(),
            suspects: out
                .suspects
                .iter()
                .map(|s| (ids[s.row], s.given, s.predicted, s.confidence))
                .collect(),
            stats: serde_json::json!({
                "target": options.target,
                "strategy": options.strategy.as_str(),
                "batch": options.batch,
                "seed": options.seed,
                "model": options.model.map_or("auto", Family::as_str),
                "open": open.iter().filter(|o| **o).count(),
            }),
        };
        // Features and scores are done with: free them before the writes.
        drop((x, snapshot, out.predictions));
        tracing::info!(
            "scored {} open items: writing {} auto-labels",
            record.considered.len(),
            record.auto.len()
        );
        progress("writing", 0.9);
        let applied = self
            .store
            .apply_round(&record, |share| progress("writing", 0.9 + 0.1 * share))?;
        progress("done", 1.0);
        tracing::info!(
            "round {}: model {}, {} auto-labeled, {} revoked, {} queued",
            applied.round_id,
            out.model.as_ref().map_or("none".into(), |m| m.name()),
            applied.auto_labeled,
            applied.revoked,
            record.queue.len()
        );
        Ok(RoundSummary {
            round_id: applied.round_id,
            model_version: applied.model_version,
            algorithm: out.model.as_ref().map(|m| m.name()),
            cv_accuracy: chosen.map(|c| c.accuracy),
            threshold: thresholds.as_ref().and_then(|t| t.pooled),
            class_thresholds: thresholds
                .as_ref()
                .map(|t| self.class_thresholds(t))
                .unwrap_or_default(),
            estimated_accuracy: thresholds
                .as_ref()
                .and_then(|t| Interval::wilson(t.audit_correct, t.audit_above)),
            audit_size,
            auto_labeled: applied.auto_labeled,
            revoked: applied.revoked,
            queued: record.queue.len() as u64,
            suspects: record.suspects.len() as u64,
            counts: self.store.counts()?,
        })
    }

    fn feature_kind(&self) -> &'static str {
        match self.schema.task.item_kind() {
            ItemKind::Image => IMAGE_FEATURES,
            ItemKind::Row => TABLE_FEATURES,
            ItemKind::Text => TEXT_FEATURES,
        }
    }

    /// The feature matrix of every item that has features, with their ids
    /// in row order: the project's embeddings when it chose a model
    /// (computing any missing), else the built-in features.
    pub(crate) fn feature_matrix(
        &mut self,
        cancel: &AtomicBool,
        progress: triage_data::ProgressFn<'_>,
    ) -> Result<(Vec<ItemId>, triage_learn::Features)> {
        if !self.schema.task.is_multilabel()
            && let Some(embedded) = self.embedding_matrix(cancel, progress)?
        {
            return Ok(embedded);
        }
        match self.schema.task {
            TaskKind::RowClassification => self.table_matrix(),
            TaskKind::ImageClassification => self.image_matrix(),
            TaskKind::TextClassification => self.text_matrix(),
            task @ (TaskKind::ObjectDetection
            | TaskKind::ImageMultilabel
            | TaskKind::RowMultilabel
            | TaskKind::TextMultilabel) => Err(no_model(task)),
        }
    }

    /// Table features are standardised over every row, so they are cached
    /// as one set, valid while no row is added and the skipped columns stay
    /// the same; reading them back is far cheaper than parsing payloads.
    fn table_matrix(&mut self) -> Result<(Vec<ItemId>, triage_learn::Features)> {
        let skip_setting = self.store.setting(FEATURE_SKIP)?;
        let (count, newest) = self.store.payload_extent(ItemKind::Row)?;
        let stamp = format!(
            "{count}:{}:{}",
            newest.unwrap_or(0),
            skip_setting.as_deref().unwrap_or("[]")
        );
        if self.store.features_stamp(TABLE_FEATURES)?.as_deref() == Some(stamp.as_str()) {
            // Streamed into the matrix: no vector per row is ever held.
            let (mut ids, mut flat, mut dims) = (Vec::new(), Vec::new(), None);
            let mut even = true;
            self.store.for_each_feature(TABLE_FEATURES, |id, v| {
                let dims = *dims.get_or_insert_with(|| {
                    // Sized once: doubling would touch half as much again.
                    flat.reserve_exact(count as usize * v.len());
                    ids.reserve_exact(count as usize);
                    v.len()
                });
                even &= dims == v.len();
                ids.push(id);
                flat.extend_from_slice(v);
            })?;
            if even && ids.len() as u64 == count {
                let shape = (ids.len(), dims.unwrap_or(0));
                let x = triage_learn::Features::from_shape_vec(shape, flat)
                    .map_err(|e| Error::Invalid(format!("cached table features: {e}")))?;
                return Ok((ids, x));
            }
        }
        let skip: Vec<String> = skip_setting
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        // Two passes over the payloads, a chunk at a time: what each column
        // holds, then each chunk's features, so the table is never one
        // frame. Free text is told apart on the first chunk.
        let mut pass: Option<TableFit> = None;
        let encoder = loop {
            let mut fit = pass.as_ref().map(TableFit::again);
            self.for_each_row_chunk(|_, chunk| {
                fit.get_or_insert_with(|| TableFit::new(&skip, &text_columns(&chunk, &skip)))
                    .add(&chunk)
                    .map_err(learn_err)
            })?;
            match fit {
                None => return Ok((Vec::new(), triage_learn::Features::zeros((0, 0)))),
                Some(fit) if fit.widened() => pass = Some(fit),
                Some(fit) => break fit.finish(),
            }
        };
        let dims = encoder.names().len();
        let mut ids = Vec::with_capacity(count as usize);
        let mut flat = Vec::with_capacity(count as usize * dims);
        self.for_each_row_chunk(|chunk_ids, chunk| {
            let x = encoder.encode(&chunk).map_err(learn_err)?;
            ids.extend_from_slice(chunk_ids);
            flat.extend(x.iter());
            Ok(())
        })?;
        let mut x = triage_learn::Features::from_shape_vec((ids.len(), dims), flat)
            .map_err(|e| Error::Invalid(format!("table features: {e}")))?;
        encoder.finish(&mut x);
        let vectors = ids.iter().zip(x.rows()).map(|(&id, r)| (id, r.to_vec()));
        self.store
            .replace_features(TABLE_FEATURES, &stamp, vectors)?;
        Ok((ids, x))
    }

    /// Every row item's payload parsed a chunk at a time, each chunk with
    /// its items' ids, in item order.
    fn for_each_row_chunk(
        &self,
        mut f: impl FnMut(&[ItemId], DataFrame) -> Result<()>,
    ) -> Result<()> {
        let mut chunks = RowChunks::default();
        let mut ids = Vec::with_capacity(RowChunks::CHUNK);
        self.store.for_each_item(|item| -> Result<()> {
            if item.kind == ItemKind::Row
                && let Some(payload) = item.payload
            {
                ids.push(item.id);
                if let Some(chunk) = chunks.push(&payload).map_err(Error::Invalid)? {
                    f(&ids, chunk)?;
                    ids.clear();
                }
            }
            Ok(())
        })?;
        match chunks.take().map_err(Error::Invalid)? {
            Some(chunk) => f(&ids, chunk),
            None => Ok(()),
        }
    }

    fn image_matrix(&mut self) -> Result<(Vec<ItemId>, triage_learn::Features)> {
        let mut items = Vec::new();
        self.store.for_each_item(|item| -> Result<()> {
            items.push(item);
            Ok(())
        })?;
        let mut cached: HashMap<ItemId, Vec<f32>> =
            self.store.features(IMAGE_FEATURES)?.into_iter().collect();
        let thumbs = self.thumbs_dir();
        let missing: Vec<(ItemId, Vec<f32>)> = items
            .par_iter()
            .filter(|i| i.kind == ItemKind::Image && !cached.contains_key(&i.id))
            .filter_map(|i| {
                let rgb = decode_for_features(&thumbs, i)?;
                let d = features::image_descriptor(rgb.as_raw(), rgb.width(), rgb.height()).ok()?;
                Some((i.id, d))
            })
            .collect();
        if !missing.is_empty() {
            self.store.save_features(IMAGE_FEATURES, &missing)?;
            cached.extend(missing);
        }
        let (ids, descriptors): (Vec<ItemId>, Vec<Vec<f32>>) = items
            .iter()
            .filter_map(|i| cached.remove(&i.id).map(|d| (i.id, d)))
            .unzip();
        let x = features::image_matrix(&descriptors).map_err(learn_err)?;
        Ok((ids, x.mapv(|v| v as f32)))
    }

    /// Hashed TF-IDF of every text item. Term counts are cached per item
    /// (a text never changes); the idf over the whole corpus is applied here.
    fn text_matrix(&mut self) -> Result<(Vec<ItemId>, triage_learn::Features)> {
        let mut cached: HashMap<ItemId, text::Terms> = self
            .store
            .features(TEXT_FEATURES)?
            .into_iter()
            .filter_map(|(id, packed)| Some((id, text::unpack(&packed)?)))
            .collect();
        let mut ids = Vec::new();
        let mut missing = Vec::new();
        self.store.for_each_item(|item| -> Result<()> {
            if item.kind == ItemKind::Text {
                ids.push(item.id);
                if !cached.contains_key(&item.id) {
                    missing.push((item.id, item.text().unwrap_or_default()));
                }
            }
            Ok(())
        })?;
        let computed: Vec<(ItemId, text::Terms)> = missing
            .into_par_iter()
            .map(|(id, t)| (id, text::terms(&t)))
            .collect();
        if !computed.is_empty() {
            let packed: Vec<(ItemId, Vec<f32>)> = computed
                .iter()
                .map(|(id, t)| (*id, text::pack(t)))
                .collect();
            self.store.save_features(TEXT_FEATURES, &packed)?;
            cached.extend(computed);
        }
        let corpus: Vec<text::Terms> = ids
            .iter()
            .map(|id| cached.remove(id).unwrap_or_default())
            .collect();
        Ok((ids, text::tfidf_matrix(&corpus)))
    }

    /// The open items (unlabeled, or labeled only by the model) most like
    /// `item`, by cosine over the features rounds learn from, each offered
    /// `item`'s class: a queue for a person to confirm, never auto-labels.
    /// Without `item`, the item of the latest human label.
    pub fn similar_open(&mut self, item: Option<i64>, n: usize) -> Result<Vec<SimilarDto>> {
        let Some(seed) = item.map_or_else(|| self.store.last_human_labeled(), |i| Ok(Some(i)))?
        else {
            return Err(Error::Invalid(
                "label an item first: similar items are found for it".into(),
            ));
        };
        let seed_row = self.store.item(seed)?;
        let Some(class) = seed_row.label.as_ref().and_then(|l| l.class()) else {
            return Err(Error::Invalid(format!(
                "item {seed} has no single class to offer"
            )));
        };
        let proposed = self.schema.name_of(class).unwrap_or("?").to_owned();
        let (ids, x) = self.feature_matrix(&AtomicBool::new(false), &|_, _| {})?;
        let Some(at) = ids.iter().position(|&id| id == seed) else {
            return Err(Error::Invalid(format!("item {seed} has no features")));
        };
        let open: std::collections::HashSet<ItemId> = self
            .store
            .snapshot()?
            .into_iter()
            .filter(|s| {
                s.label
                    .is_none_or(|(_, source)| source == AnnotationSource::Model)
            })
            .map(|s| s.id)
            .collect();
        let thumbs = self.thumbs_dir();
        triage_learn::similar::nearest(x.view(), at, n, |row| open.contains(&ids[row]))
            .into_iter()
            .map(|(row, cosine)| {
                let id = ids[row];
                Ok(SimilarDto {
                    item: ItemDto::new(self.store.item(id)?, &self.schema, &thumbs),
                    like: seed,
                    proposed: proposed.clone(),
                    cosine,
                })
            })
            .collect()
    }

    /// Human labels the latest model contradicts with high out-of-fold
    /// confidence, most confident first.
    pub fn label_errors(&self) -> Result<Vec<SuspectDto>> {
        let thumbs = self.thumbs_dir();
        self.store
            .suspects()?
            .into_iter()
            .map(|(item, given, predicted, confidence)| {
                Ok(SuspectDto {
                    item: ItemDto::new(self.store.item(item)?, &self.schema, &thumbs),
                    given: self.schema.name_of(given).unwrap_or("?").to_owned(),
                    predicted: self.schema.name_of(predicted).unwrap_or("?").to_owned(),
                    confidence,
                })
            })
            .collect()
    }

    /// Takes back every current auto-label of one model version.
    pub fn revoke_model(&mut self, version: i64, at: Timestamp) -> Result<u64> {
        if !self.store.model_exists(version)? {
            return Err(Error::Invalid(format!(
                "no model version {version} in this project"
            )));
        }
        Ok(self.store.revoke_model(version, at, |_| {})?)
    }

    /// Draws `n` auto-labeled items at random for people to verify, and
    /// returns every spot check still waiting. Labeling one records the
    /// verdict.
    pub fn spot_check(&mut self, n: usize, seed: u64, at: Timestamp) -> Result<Vec<ItemDto>> {
        self.store.sample_spot_checks(n, seed, at)?;
        let thumbs = self.thumbs_dir();
        self.store
            .pending_spot_checks()?
            .into_iter()
            .map(|id| Ok(ItemDto::new(self.store.item(id)?, &self.schema, &thumbs)))
            .collect()
    }

    /// The latest model's thresholds, its estimated accuracy, and the
    /// accuracy spot checks measured, side by side.
    pub fn model_status(&self) -> Result<Option<ModelStatus>> {
        let Some((version, algorithm, thresholds, metrics)) = self.store.latest_model()? else {
            return Ok(None);
        };
        let t: Thresholds = serde_json::from_value(thresholds)
            .map_err(|e| Error::Invalid(format!("stored thresholds of model {version}: {e}")))?;
        let spot = self.store.spot_check_counts()?;
        // Models from before calibration stored fewer scores: they show none.
        let field = |name: &str| metrics.get(name).cloned().unwrap_or_default();
        let chosen: Option<Algorithm> = serde_json::from_value(field("chosen")).ok();
        let scores: Vec<CandidateScore> =
            serde_json::from_value(field("candidates")).unwrap_or_default();
        let mut candidates: Vec<CandidateDto> = scores
            .into_iter()
            .map(|c| CandidateDto {
                algorithm: c.algorithm.name(),
                family: c.algorithm.family(),
                calibration: c.calibration,
                score: c.score,
                accuracy: c.accuracy,
                chosen: Some(c.algorithm) == chosen,
            })
            .collect();
        candidates.sort_by(|a, b| a.score.total_cmp(&b.score));
        let skipped: Vec<Algorithm> = serde_json::from_value(field("skipped")).unwrap_or_default();
        Ok(Some(ModelStatus {
            model_version: version,
            algorithm,
            pinned: serde_json::from_value(field("pinned")).unwrap_or_default(),
            candidates,
            skipped: skipped.iter().map(Algorithm::name).collect(),
            target: t.target,
            threshold: t.pooled,
            class_thresholds: self.class_thresholds(&t),
            estimated_accuracy: Interval::wilson(t.audit_correct, t.audit_above),
            spot_checked_accuracy: Interval::wilson(spot.agreed, spot.checked),
            spot_checks_pending: spot.pending,
        }))
    }
}

/// An image item decoded for features: from its thumbnail when there is one
/// (a descriptor or a model sees at most 224 pixels, and a thumbnail is far
/// cheaper to decode), else the original; `None` when unreadable.
pub(crate) fn decode_for_features(
    thumbs: &std::path::Path,
    item: &triage_core::ItemRow,
) -> Option<image::RgbImage> {
    let thumb = image_file::thumbnail_path(thumbs, &item.content_hash);
    let path = if thumb.is_file() {
        thumb
    } else {
        item.uri.as_ref()?.into()
    };
    let bytes = std::fs::read(path).ok()?;
    image_file::decode(&bytes, ImageLimits::default()).ok()
}

/// The string columns a profile would call free text (kind `text`), which
/// the table features learn from as text.
pub(crate) fn text_columns(frame: &polars::prelude::DataFrame, skip: &[String]) -> Vec<String> {
    frame
        .columns()
        .iter()
        .filter(|c| !skip.iter().any(|s| s == c.name().as_str()))
        .filter_map(|c| {
            let ca = c.as_materialized_series().str().ok()?;
            (triage_profile::string_kind(c.name(), ca) == triage_profile::Kind::Text)
                .then(|| c.name().to_string())
        })
        .collect()
}

/// Detection projects are labeled by hand for now.
fn no_model(task: TaskKind) -> Error {
    Error::Invalid(format!(
        "{} projects have no model yet: their labels come from people",
        task.as_str()
    ))
}

fn learn_err(e: triage_learn::Error) -> Error {
    match e {
        triage_learn::Error::Cancelled => Error::Cancelled,
        other => Error::Learn(other),
    }
}
