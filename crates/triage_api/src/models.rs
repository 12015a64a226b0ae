//! Embedding models: the user's registry (in the user's data folder, never a
//! project), the model a project chose, and the vectors it made, cached per
//! item and per set of weights.
//!
//! Reads model folders through `triage_embed` and texts and images through
//! the project; writes the registry, the project's `embedding` setting and
//! its feature cache. A project records the model's name and the SHA-256 of
//! its weights: vectors from other weights are never mixed in, and a model
//! whose weights changed is refused until the features are recomputed.

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use triage_core::{ItemId, ItemKind};
use triage_embed::registry::Registry;
use triage_embed::text::TextEncoder;
use triage_embed::vision::ImageEncoder;
use triage_embed::{ModelInfo, ModelKind};

use crate::{Error, Project, Result};

/// The setting that holds the project's model, as JSON [`ModelInfo`].
pub(crate) const EMBEDDING: &str = "embedding";
/// Items embedded per call: enough to keep both cores busy, few enough that
/// padding to the longest text costs little and a cancel comes soon.
pub const EMBED_BATCH: usize = 32;

/// The registry in the user's data folder.
fn registry() -> Registry {
    Registry::at(&crate::layout::user_data_dir())
}

/// Checks a model folder (loading it whole) and registers it as `name` (by
/// default the folder's name).
pub fn add_model(folder: &std::path::Path, name: Option<&str>) -> Result<ModelInfo> {
    Ok(registry().add(folder, name)?)
}

/// Every registered model.
pub fn list_models() -> Result<Vec<ModelInfo>> {
    Ok(registry().list()?)
}

/// A loaded model of either kind.
pub(crate) enum Encoder {
    Text(Box<TextEncoder>),
    Image(ImageEncoder),
}

impl Encoder {
    fn load(info: &ModelInfo) -> Result<Self> {
        let folder = std::path::Path::new(&info.path);
        // The weights on disk must still be the ones the project recorded.
        let now = triage_embed::weights_sha256(folder)?;
        if now != info.sha256 {
            return Err(Error::Invalid(format!(
                "model '{}' changed on disk (its weights were {}, now {}): recompute this \
                 project's features with `triage features DIR --model {}`",
                info.name,
                &info.sha256[..12],
                &now[..12],
                info.name
            )));
        }
        Ok(match info.kind {
            ModelKind::Text => Self::Text(Box::new(TextEncoder::load(folder)?)),
            ModelKind::Image => Self::Image(ImageEncoder::load(folder)?),
        })
    }

    fn texts(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        match self {
            Self::Text(model) => Ok(model.embed(texts)?),
            Self::Image(_) => Err(Error::Invalid("an image model cannot embed texts".into())),
        }
    }

    fn images(&self, images: &[image::RgbImage]) -> Result<Vec<Vec<f32>>> {
        match self {
            Self::Image(model) => Ok(model.embed(images)?),
            Self::Text(_) => Err(Error::Invalid("a text model cannot embed images".into())),
        }
    }
}

/// The encoder in `slot`, loaded on first use.
fn loaded<'a>(slot: &'a mut Option<Encoder>, info: &ModelInfo) -> Result<&'a Encoder> {
    let encoder = match slot.take() {
        Some(e) => e,
        None => Encoder::load(info)?,
    };
    Ok(slot.insert(encoder))
}

impl Project {
    /// The project's embedding model, if it chose one.
    pub fn embedding(&self) -> Result<Option<ModelInfo>> {
        self.store
            .setting(EMBEDDING)?
            .map(|s| {
                serde_json::from_str(&s)
                    .map_err(|e| Error::Invalid(format!("the project's embedding setting: {e}")))
            })
            .transpose()
    }

    /// Chooses the registered model `name` for this project's features
    /// (the model's current weights), and computes every item's vector;
    /// vectors of the weights chosen before are dropped. `progress` hears
    /// items done out of total; `cancel` stops between batches, keeping
    /// what is done.
    pub fn use_model(
        &mut self,
        name: &str,
        cancel: &AtomicBool,
        progress: triage_data::ProgressFn<'_>,
    ) -> Result<u64> {
        let info = registry().get(name)?;
        let wanted = match self.schema.task.item_kind() {
            ItemKind::Text => ModelKind::Text,
            ItemKind::Image => ModelKind::Image,
            ItemKind::Row => {
                return Err(Error::Invalid(
                    "table rows have no embedding model: their columns are the features \
                     (an embedding column is used as it is)"
                        .into(),
                ));
            }
        };
        if info.kind != wanted {
            return Err(Error::Invalid(format!(
                "model '{name}' embeds {}s; this {} project needs a {} model",
                info.kind.as_str(),
                self.schema.task.as_str(),
                wanted.as_str()
            )));
        }
        // Check the weights before forgetting the old vectors.
        let encoder = Encoder::load(&info)?;
        if let Some(old) = self.embedding()?
            && old.feature_kind() != info.feature_kind()
        {
            self.store.replace_features(
                &old.feature_kind(),
                "",
                std::iter::empty::<(ItemId, [f32; 0])>(),
            )?;
        }
        self.store.set_setting(
            EMBEDDING,
            &serde_json::to_string(&info).map_err(|e| Error::Invalid(e.to_string()))?,
        )?;
        self.embed_missing(&info, Some(encoder), cancel, progress)
    }

    /// Vectors for every item that has none yet under the project's model;
    /// the model is loaded (and its weights checked) only once something
    /// can be embedded, so rounds with nothing new (or only unreadable
    /// images) never load it. Returns how many items it embedded.
    pub(crate) fn embed_missing(
        &mut self,
        info: &ModelInfo,
        mut encoder: Option<Encoder>,
        cancel: &AtomicBool,
        progress: triage_data::ProgressFn<'_>,
    ) -> Result<u64> {
        let kind = info.feature_kind();
        let mut missing = Vec::new();
        for id in self.store.items_without_features(&kind)? {
            let item = self.store.item(id)?;
            if matches!(item.kind, ItemKind::Text | ItemKind::Image) {
                missing.push(item);
            }
        }
        // Texts are read once, then taken longest first.
        let mut texts: Vec<String> = Vec::new();
        if info.kind == ModelKind::Text {
            let read: Vec<String> = missing
                .iter()
                .map(|i| i.text().unwrap_or_default())
                .collect();
            let refs: Vec<&str> = read.iter().map(String::as_str).collect();
            let order = triage_embed::text::longest_first(&refs);
            missing = order.iter().map(|&i| missing[i].clone()).collect();
            texts = order.iter().map(|&i| read[i].clone()).collect();
        }
        let total = missing.len() as u64;
        let thumbs = self.thumbs_dir();
        let (mut done, mut embedded) = (0u64, 0u64);
        for (b, batch) in missing.chunks(EMBED_BATCH).enumerate() {
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Cancelled);
            }
            let vectors: Vec<(ItemId, Vec<f32>)> = match info.kind {
                ModelKind::Text => {
                    let refs: Vec<&str> = texts[b * EMBED_BATCH..][..batch.len()]
                        .iter()
                        .map(String::as_str)
                        .collect();
                    let vectors = loaded(&mut encoder, info)?.texts(&refs)?;
                    batch.iter().map(|i| i.id).zip(vectors).collect()
                }
                ModelKind::Image => {
                    // Decoded in parallel; unreadable ones wait.
                    let (ids, images): (Vec<ItemId>, Vec<image::RgbImage>) = batch
                        .par_iter()
                        .filter_map(|i| {
                            Some((i.id, crate::learn::decode_for_features(&thumbs, i)?))
                        })
                        .collect::<Vec<_>>()
                        .into_iter()
                        .unzip();
                    if images.is_empty() {
                        Vec::new()
                    } else {
                        let vectors = loaded(&mut encoder, info)?.images(&images)?;
                        ids.into_iter().zip(vectors).collect()
                    }
                }
            };
            self.store.save_features(&kind, &vectors)?;
            embedded += vectors.len() as u64;
            done += batch.len() as u64;
            progress(done, total);
        }
        Ok(embedded)
    }

    /// The project's embedding vectors, computing any that are missing;
    /// `None` when the project has no model.
    pub(crate) fn embedding_matrix(
        &mut self,
        cancel: &AtomicBool,
        progress: triage_data::ProgressFn<'_>,
    ) -> Result<Option<(Vec<ItemId>, triage_learn::Features)>> {
        let Some(info) = self.embedding()? else {
            return Ok(None);
        };
        if let Ok(registered) = registry().get(&info.name)
            && registered.sha256 != info.sha256
        {
            return Err(Error::Invalid(format!(
                "model '{}' was registered again with other weights: recompute this \
                 project's features with `triage features DIR --model {}`",
                info.name, info.name
            )));
        }
        self.embed_missing(&info, None, cancel, progress)?;
        self.stored_embeddings()
    }

    /// The vectors the project's model made so far, as rows, with their
    /// items; `None` without a model.
    pub(crate) fn stored_embeddings(
        &self,
    ) -> Result<Option<(Vec<ItemId>, triage_learn::Features)>> {
        let Some(info) = self.embedding()? else {
            return Ok(None);
        };
        let vectors = self.store.features(&info.feature_kind())?;
        let ids: Vec<ItemId> = vectors.iter().map(|(id, _)| *id).collect();
        let flat: Vec<f32> = vectors.into_iter().flat_map(|(_, v)| v).collect();
        let x = triage_learn::Features::from_shape_vec((ids.len(), info.dims as usize), flat)
            .map_err(|e| Error::Invalid(format!("stored embeddings: {e}")))?;
        Ok(Some((ids, x)))
    }
}
