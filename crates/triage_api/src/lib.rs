//! Triage's use cases, and the one entry point for every shell: the CLI, the
//! desktop app and the explorer call this crate and nothing below it.
//!
//! A [`Project`] is a folder holding the SQLite project file and a cache of
//! thumbnails. Each use case is a plain method that takes what it needs,
//! including the time (`at`), so tests are deterministic and shells stay thin.
//! Results are serialisable DTOs; errors carry a stable [`Error::code`] so a
//! UI can match on codes, never on messages.
#![deny(missing_docs)]

mod agreement;
mod dto;
mod error;
mod explore;
mod export;
mod import;
mod layout;
mod learn;
pub mod logging;
mod models;
mod profile;
mod project;
mod review;
mod simulate;
mod team;

/// Every shell links this crate, so this allocator is theirs. candle makes a
/// fresh tensor for every step of a model, tens of megabytes each; glibc
/// hands allocations that large back to the system when freed, so each step
/// faulted in and zeroed its pages anew (a quarter of MiniLM's time). mimalloc
/// keeps and reuses them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub use agreement::{
    Agreement, AnnotatorAgreement, ConsolidationMethod, ConsolidationSummary, PairAgreement,
    ReviewItem,
};
pub use dto::{ClassDto, ImportReport, ItemDto, LabelDto, Status};
pub use error::{Error, Result};
pub use explore::{
    Dataset, DatasetKind, Entry, FeatureMap, HistoryEvent, LabelSource, Progress, ReviewState,
    Similar, SpotCheck,
};
pub use export::{ExportOptions, ExportSummary, Split};
pub use import::ImportOptions;
pub use layout::{DB_FILE, user_data_dir};
pub use learn::{
    CandidateDto, ClassThreshold, Interval, ModelStatus, RoundOptions, RoundSummary, SimilarDto,
    SuspectDto,
};
pub use models::{EMBED_BATCH, add_model, list_models};
pub use profile::{
    CONFIDENCE_COLUMN, ChartSvg, LABEL_COLUMN, ProfileOptions, SOURCE_COLUMN, profile_charts_svg,
    profile_path, write_output,
};
pub use project::{CreateOptions, ItemRef, Project};
pub use review::{
    ExportReview, GateFailure, Gates, Override, REVIEW_FILE, REVIEW_SCHEMA, ShareCount, TeamReview,
};
pub use simulate::{LearningCurve, SimData, SimRound, SimSummary, Truth, learning_curve, simulate};
pub use team::{
    JoinSummary, PullSummary, PushSummary, ShareInfo, ShareOptions, ShareRole, ShareSummary,
    login_name, session_annotator,
};
pub use triage_core::{
    AnnotationSource, BoundingBox, BoxesLabel, ImageSize, ItemKind, Label, TEXT_KEY, TaskKind,
    Timestamp,
};
pub use triage_data::Problem;
pub use triage_data::image_file::ImageLimits;
pub use triage_embed::{ModelInfo, ModelKind};
pub use triage_lake::glue::GlueTable;
pub use triage_lake::{Addressing, ExportFormat, LakeAccess, WrittenFile};
pub use triage_learn::calibrate::Calibration;
pub use triage_learn::model::Family;
pub use triage_learn::strategy::Strategy;
/// The profile's parts, as shells receive them.
pub use triage_profile::model as profile_model;
pub use triage_profile::{
    Kind as ColumnKind, Mode as ProfileMode, Profile, charts, html as profile_html, read_table,
};
pub use triage_store::{ExportRecord, LabelCounts, SourceKind};
/// The project file schema this build writes.
pub const PROJECT_SCHEMA_VERSION: i64 = triage_store::LATEST_VERSION;

/// The current time, for shells; use cases take the time as an argument.
pub fn now() -> Timestamp {
    chrono::Utc::now()
}

/// Decodes an image file within the default limits (the header is checked
/// before any pixel is allocated), for shells that show images themselves.
pub fn decode_image(path: &std::path::Path) -> std::result::Result<image::DynamicImage, String> {
    triage_data::image_file::decode_file(path, ImageLimits::default())
}
