//! Pretrained embedding models, run locally on the CPU with candle (pure
//! Rust: no Python, no C++ runtime to download).
//!
//! A model is a folder in the Hugging Face layout that the user points at:
//! `config.json`, `model.safetensors` and, for text, `tokenizer.json`.
//! [`inspect`] checks a folder and names the file that is missing or
//! damaged; a model is known by the SHA-256 of its weights, so features
//! made by one set of weights are never mixed with another's.
//! [`registry`] keeps the user's models (outside any project).

mod bert;
pub mod registry;
pub mod text;
pub mod vision;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Errors from loading or running a model.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file of a model folder is missing or cannot be used.
    #[error("{file}: {reason}")]
    File {
        /// The file.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The model ran into an error.
    #[error("model {model}: {reason}")]
    Run {
        /// The model folder.
        model: String,
        /// What went wrong.
        reason: String,
    },
    /// A name the registry does not know, or one already taken.
    #[error("{0}")]
    Registry(String),
}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, Error>;

fn file_err(file: &Path, reason: impl std::fmt::Display) -> Error {
    Error::File {
        file: file.display().to_string(),
        reason: reason.to_string(),
    }
}

/// What a model embeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Texts: a BERT-family sentence encoder (mean pooling, normalised).
    Text,
    /// Images: a DINOv2 vision transformer (class token and mean patch).
    Image,
}

impl ModelKind {
    /// The name shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Image => "image",
        }
    }
}

/// A model folder that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ModelInfo {
    /// The name people choose it by.
    pub name: String,
    /// The folder, absolute.
    pub path: String,
    /// SHA-256 of `model.safetensors`, hex.
    pub sha256: String,
    /// What it embeds.
    pub kind: ModelKind,
    /// The length of its vectors.
    pub dims: u32,
}

impl ModelInfo {
    /// The feature-cache kind of its vectors: one per set of weights.
    pub fn feature_kind(&self) -> String {
        format!("embed-{}", &self.sha256[..16.min(self.sha256.len())])
    }
}

pub(crate) const CONFIG: &str = "config.json";
pub(crate) const WEIGHTS: &str = "model.safetensors";
pub(crate) const TOKENIZER: &str = "tokenizer.json";

/// The folder's files, checked to exist.
pub(crate) fn required(folder: &Path, kind: ModelKind) -> Result<()> {
    let mut files = vec![CONFIG, WEIGHTS];
    if kind == ModelKind::Text {
        files.push(TOKENIZER);
    }
    for f in files {
        let path = folder.join(f);
        if !path.is_file() {
            return Err(file_err(
                &path,
                "missing: a model folder needs config.json, model.safetensors and, for text, tokenizer.json",
            ));
        }
    }
    Ok(())
}

/// The kind of model a `config.json` describes: BERT-family encoders
/// (`bert`, and MiniLM, which is a BERT) embed text; `dinov2` embeds images.
pub(crate) fn read_config(folder: &Path) -> Result<(ModelKind, serde_json::Value)> {
    let path = folder.join(CONFIG);
    let bytes = std::fs::read(&path).map_err(|e| file_err(&path, format!("cannot read: {e}")))?;
    let config: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        file_err(
            &path,
            format!("bad JSON at line {}, column {}: {e}", e.line(), e.column()),
        )
    })?;
    let model_type = config
        .get("model_type")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let kind = match model_type {
        "bert" => ModelKind::Text,
        "dinov2" => ModelKind::Image,
        other => {
            return Err(file_err(
                &path,
                format!(
                    "model_type \"{other}\" is not one Triage runs (bert sentence encoders \
                     for text, dinov2 for images)"
                ),
            ));
        }
    };
    Ok((kind, config))
}

/// The config of a folder that must hold a model of `kind`, with the
/// files that kind needs checked to be there.
pub(crate) fn config_of(folder: &Path, kind: ModelKind) -> Result<serde_json::Value> {
    let (found, config) = read_config(folder)?;
    if found != kind {
        return Err(file_err(
            &folder.join(CONFIG),
            format!(
                "describes a model for {}s, not {}s",
                found.as_str(),
                kind.as_str()
            ),
        ));
    }
    required(folder, kind)?;
    Ok(config)
}

/// SHA-256 of the weights file, hex.
pub fn weights_sha256(folder: &Path) -> Result<String> {
    use sha2::Digest;
    let path = folder.join(WEIGHTS);
    let mut file =
        std::fs::File::open(&path).map_err(|e| file_err(&path, format!("cannot read: {e}")))?;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hasher)
        .map_err(|e| file_err(&path, format!("cannot read: {e}")))?;
    Ok(format!("{:x}", hasher.finalize()))
}

/// Checks a model folder by loading it whole (a damaged file fails here,
/// named), and describes it under `name`.
pub fn inspect(folder: &Path, name: &str) -> Result<ModelInfo> {
    let folder = std::path::absolute(folder).map_err(|e| file_err(folder, e))?;
    if !folder.is_dir() {
        return Err(file_err(&folder, "not a folder"));
    }
    let (kind, _) = read_config(&folder)?;
    required(&folder, kind)?;
    let dims = match kind {
        ModelKind::Text => text::TextEncoder::load(&folder)?.dims(),
        ModelKind::Image => vision::ImageEncoder::load(&folder)?.dims(),
    };
    Ok(ModelInfo {
        name: name.to_owned(),
        path: folder.display().to_string(),
        sha256: weights_sha256(&folder)?,
        kind,
        dims: dims as u32,
    })
}

/// Loads the safetensors weights, naming the file when they are damaged.
pub(crate) fn load_weights(folder: &Path) -> Result<candle_nn::VarBuilder<'static>> {
    let path: PathBuf = folder.join(WEIGHTS);
    let tensors =
        candle_core::safetensors::load(&path, &candle_core::Device::Cpu).map_err(|e| {
            file_err(
                &path,
                format!("damaged or not safetensors: {}", first_line(&e)),
            )
        })?;
    Ok(candle_nn::VarBuilder::from_tensors(
        tensors,
        candle_core::DType::F32,
        &candle_core::Device::Cpu,
    ))
}

/// The first line of an error: candle appends a backtrace, which people
/// reading the message do not need.
pub(crate) fn first_line(e: &impl std::fmt::Display) -> String {
    e.to_string().lines().next().unwrap_or_default().to_owned()
}

/// Scales each vector to unit length (a zero vector stays zero).
pub(crate) fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}
