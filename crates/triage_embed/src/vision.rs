//! DINOv2 vision transformers, as candle-transformers builds them (patch
//! 14, position embeddings for 518 pixels, interpolated to the input).
//!
//! Preprocessing as DINOv2's own: the image resized to 224 × 224, scaled to
//! [0, 1] and normalised with the ImageNet mean and deviation. The vector is
//! the mean of the last block's normalised patch tokens, scaled to unit
//! length. The weights use the original (timm) tensor names, as in the
//! `dinov2_vits14.safetensors` that candle's examples load.

use std::path::Path;

use candle_core::{Device, Tensor};
use candle_transformers::models::dinov2::DinoVisionTransformer;
use image::RgbImage;

use crate::{Error, ModelKind, Result, file_err, load_weights, normalize};

/// The side images are resized to: a multiple of the patch size.
pub const INPUT_SIDE: u32 = 224;
const PATCH: u64 = 14;
const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const STD: [f32; 3] = [0.229, 0.224, 0.225];

/// A loaded vision backbone.
pub struct ImageEncoder {
    model: DinoVisionTransformer,
    depth: usize,
    dims: usize,
    name: String,
}

impl ImageEncoder {
    /// Loads the folder's config and weights; errors name the file.
    pub fn load(folder: &Path) -> Result<Self> {
        let config = crate::config_of(folder, ModelKind::Image)?;
        let config_path = folder.join(crate::CONFIG);
        let field = |key: &str| {
            config
                .get(key)
                .and_then(serde_json::Value::as_u64)
                .ok_or_else(|| file_err(&config_path, format!("has no number \"{key}\"")))
        };
        let (dims, depth, heads) = (
            field("hidden_size")? as usize,
            field("num_hidden_layers")? as usize,
            field("num_attention_heads")? as usize,
        );
        if config.get("patch_size").and_then(serde_json::Value::as_u64) != Some(PATCH) {
            return Err(file_err(
                &config_path,
                "Triage runs DINOv2 with patch_size 14",
            ));
        }
        let model =
            DinoVisionTransformer::new(load_weights(folder)?, depth, dims, heads).map_err(|e| {
                file_err(
                    &folder.join(crate::WEIGHTS),
                    format!("does not fit config.json: {}", crate::first_line(&e)),
                )
            })?;
        Ok(Self {
            model,
            depth,
            dims,
            name: folder.display().to_string(),
        })
    }

    /// The length of its vectors.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Unit-length vectors of decoded images, in order.
    pub fn embed(&self, images: &[RgbImage]) -> Result<Vec<Vec<f32>>> {
        if images.is_empty() {
            return Ok(Vec::new());
        }
        let side = INPUT_SIDE as usize;
        // candle's DINOv2 takes one image per pass (its class token does not
        // broadcast over a batch); each pass is multi-threaded already.
        let one = |img: &RgbImage| -> candle_core::Result<Vec<f32>> {
            let resized = image::imageops::resize(
                img,
                INPUT_SIDE,
                INPUT_SIDE,
                image::imageops::FilterType::Triangle,
            );
            let mut pixels = Vec::with_capacity(3 * side * side);
            for c in 0..3 {
                pixels.extend(
                    resized
                        .pixels()
                        .map(|p| (f32::from(p[c]) / 255.0 - MEAN[c]) / STD[c]),
                );
            }
            let x = Tensor::from_vec(pixels, (1, 3, side, side), &Device::Cpu)?;
            // (1, 1, patches, dims): the last block, normalised.
            let tokens =
                self.model
                    .get_intermediate_layers(&x, &[self.depth - 1], false, false, true)?;
            tokens.squeeze(0)?.squeeze(0)?.mean(0)?.to_vec1::<f32>()
        };
        let mut vectors = images
            .iter()
            .map(one)
            .collect::<candle_core::Result<Vec<_>>>()
            .map_err(|e| Error::Run {
                model: self.name.clone(),
                reason: crate::first_line(&e),
            })?;
        vectors.iter_mut().for_each(|v| normalize(v));
        Ok(vectors)
    }
}

/// Writes a DINOv2 of the given size with random weights, and its
/// `config.json`, into `folder`: no pretrained image weights can be fetched
/// everywhere, and this exercises loading, preprocessing, batching and
/// caching exactly as real weights would (the vectors mean nothing).
pub fn write_random_model(folder: &Path, depth: usize, dims: usize, heads: usize) -> Result<()> {
    std::fs::create_dir_all(folder).map_err(|e| file_err(folder, format!("cannot create: {e}")))?;
    let vars = candle_nn::VarMap::new();
    let vb = candle_nn::VarBuilder::from_varmap(&vars, candle_core::DType::F32, &Device::Cpu);
    DinoVisionTransformer::new(vb, depth, dims, heads).map_err(|e| Error::Run {
        model: folder.display().to_string(),
        reason: crate::first_line(&e),
    })?;
    let weights = folder.join(crate::WEIGHTS);
    vars.save(&weights)
        .map_err(|e| file_err(&weights, format!("cannot write: {e}")))?;
    let config = serde_json::json!({
        "model_type": "dinov2",
        "hidden_size": dims,
        "num_hidden_layers": depth,
        "num_attention_heads": heads,
        "patch_size": PATCH,
        "image_size": 518,
    });
    let path = folder.join(crate::CONFIG);
    std::fs::write(&path, config.to_string())
        .map_err(|e| file_err(&path, format!("cannot write: {e}")))
}
