//! BERT-family sentence encoders (all-MiniLM-L6-v2 and its kin), as
//! sentence-transformers runs them: tokens up to the model's
//! `max_seq_length`, the last hidden states averaged over the real tokens
//! (mean pooling), then scaled to unit length.

use std::path::Path;

use candle_core::{DType, Device, Tensor};
use candle_transformers::models::bert::Config;
use tokenizers::{PaddingParams, Tokenizer, TruncationParams};

use crate::bert::Bert;
use crate::{Error, ModelKind, Result, TOKENIZER, file_err, load_weights, normalize};

/// sentence-transformers' own default when a folder does not say.
const DEFAULT_MAX_TOKENS: usize = 256;

/// A loaded sentence encoder.
pub struct TextEncoder {
    model: Bert,
    tokenizer: Tokenizer,
    dims: usize,
    name: String,
}

impl TextEncoder {
    /// Loads the folder's config, tokenizer and weights; each error names
    /// the file at fault.
    pub fn load(folder: &Path) -> Result<Self> {
        let config = crate::config_of(folder, ModelKind::Text)?;
        let config_path = folder.join(crate::CONFIG);
        let config: Config = serde_json::from_value(config)
            .map_err(|e| file_err(&config_path, format!("not a BERT config: {e}")))?;
        let max_tokens = max_seq_length(folder)?.min(config.max_position_embeddings);
        let tokenizer_path = folder.join(TOKENIZER);
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| file_err(&tokenizer_path, format!("damaged or not a tokenizer: {e}")))?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_tokens,
                ..TruncationParams::default()
            }))
            .map_err(|e| file_err(&tokenizer_path, e))?;
        tokenizer.with_padding(Some(PaddingParams::default()));
        let model = Bert::load(load_weights(folder)?, &config).map_err(|e| {
            file_err(
                &folder.join(crate::WEIGHTS),
                format!("does not fit config.json: {}", crate::first_line(&e)),
            )
        })?;
        Ok(Self {
            model,
            tokenizer,
            dims: config.hidden_size,
            name: folder.display().to_string(),
        })
    }

    /// The length of its vectors.
    pub fn dims(&self) -> usize {
        self.dims
    }

    fn err(&self, reason: impl std::fmt::Display) -> Error {
        Error::Run {
            model: self.name.clone(),
            reason: reason.to_string(),
        }
    }

    /// Unit-length sentence vectors of `texts`, in order. Run in batches of
    /// a few dozen: a batch pads to its longest text.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| self.err(format!("tokenizing: {e}")))?;
        let n = encodings.len();
        let len = encodings.first().map_or(0, |e| e.get_ids().len());
        let mut ids = Vec::with_capacity(n * len);
        let mut mask = Vec::with_capacity(n * len);
        for e in &encodings {
            ids.extend_from_slice(e.get_ids());
            mask.extend_from_slice(e.get_attention_mask());
        }
        let device = Device::Cpu;
        let run = || -> candle_core::Result<Vec<Vec<f32>>> {
            let ids = Tensor::from_vec(ids, (n, len), &device)?;
            let mask = Tensor::from_vec(mask, (n, len), &device)?;
            let hidden = self.model.forward(&ids, &mask)?;
            // Mean over the real tokens only: padding must not dilute it.
            let weights = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
            let summed = hidden.broadcast_mul(&weights)?.sum(1)?;
            let counts = weights.sum(1)?.clamp(1e-9, f64::MAX)?;
            summed.broadcast_div(&counts)?.to_vec2::<f32>()
        };
        let mut vectors = run().map_err(|e| self.err(crate::first_line(&e)))?;
        vectors.iter_mut().for_each(|v| normalize(v));
        Ok(vectors)
    }
}

/// The order to embed `texts` in, longest first (as sentence-transformers
/// does): a batch pads to its longest text, so neighbours in length waste
/// little on padding.
pub fn longest_first(texts: &[&str]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(texts[i].len()));
    order
}

/// `max_seq_length` from `sentence_bert_config.json`, as sentence-transformers
/// reads it; the default when the file is absent.
fn max_seq_length(folder: &Path) -> Result<usize> {
    let path = folder.join("sentence_bert_config.json");
    let Ok(bytes) = std::fs::read(&path) else {
        return Ok(DEFAULT_MAX_TOKENS);
    };
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| file_err(&path, format!("bad JSON: {e}")))?;
    Ok(value
        .get("max_seq_length")
        .and_then(serde_json::Value::as_u64)
        .map_or(DEFAULT_MAX_TOKENS, |n| n as usize))
}
