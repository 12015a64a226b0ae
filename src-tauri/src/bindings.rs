//! The UI's TypeScript types, generated from the Rust types that cross IPC
//! (`ui/src/lib/bindings.ts`). The test fails when the committed file and
//! the Rust types drift apart; `UPDATE_BINDINGS=1 cargo test -p
//! triage_desktop bindings` writes it anew.

use ts_rs::{Config, TS};

use crate::commands;

/// Every type the UI sends or receives, and every type they name.
fn declarations() -> String {
    // JSON numbers, whatever their Rust width.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        <serde_json::Value as TS>::decl(&cfg),
        triage_api::TaskKind::decl(&cfg),
        triage_api::ExportFormat::decl(&cfg),
        triage_api::Strategy::decl(&cfg),
        triage_api::ConsolidationMethod::decl(&cfg),
        triage_api::AnnotationSource::decl(&cfg),
        triage_api::ItemKind::decl(&cfg),
        triage_api::Label::decl(&cfg),
        triage_api::BoundingBox::decl(&cfg),
        triage_api::ImageSize::decl(&cfg),
        triage_api::BoxesLabel::decl(&cfg),
        triage_api::Problem::decl(&cfg),
        triage_api::LabelCounts::decl(&cfg),
        triage_api::LakeAccess::decl(&cfg),
        triage_api::Addressing::decl(&cfg),
        triage_api::WrittenFile::decl(&cfg),
        triage_api::ClassDto::decl(&cfg),
        triage_api::ShareRole::decl(&cfg),
        triage_api::ShareInfo::decl(&cfg),
        triage_api::Status::decl(&cfg),
        triage_api::LabelDto::decl(&cfg),
        triage_api::ItemDto::decl(&cfg),
        triage_api::SourceKind::decl(&cfg),
        triage_api::ImportReport::decl(&cfg),
        triage_api::Interval::decl(&cfg),
        triage_api::ClassThreshold::decl(&cfg),
        triage_api::ModelStatus::decl(&cfg),
        triage_api::ModelKind::decl(&cfg),
        triage_api::ModelInfo::decl(&cfg),
        triage_api::CandidateDto::decl(&cfg),
        triage_api::Family::decl(&cfg),
        triage_api::Calibration::decl(&cfg),
        triage_api::RoundSummary::decl(&cfg),
        triage_api::SuspectDto::decl(&cfg),
        triage_api::SimilarDto::decl(&cfg),
        triage_api::Gates::decl(&cfg),
        triage_api::GateFailure::decl(&cfg),
        triage_api::Override::decl(&cfg),
        triage_api::TeamReview::decl(&cfg),
        triage_api::ShareCount::decl(&cfg),
        triage_api::ExportReview::decl(&cfg),
        triage_api::ExportSummary::decl(&cfg),
        triage_api::PushSummary::decl(&cfg),
        triage_api::PullSummary::decl(&cfg),
        triage_api::AnnotatorAgreement::decl(&cfg),
        triage_api::PairAgreement::decl(&cfg),
        triage_api::Agreement::decl(&cfg),
        triage_api::ReviewItem::decl(&cfg),
        triage_api::ConsolidationSummary::decl(&cfg),
        triage_api::ColumnKind::decl(&cfg),
        triage_api::profile_model::Profile::decl(&cfg),
        triage_api::profile_model::Method::decl(&cfg),
        triage_api::profile_model::Mode::decl(&cfg),
        triage_api::profile_model::ColumnProfile::decl(&cfg),
        triage_api::profile_model::ValueCount::decl(&cfg),
        triage_api::profile_model::NumericStats::decl(&cfg),
        triage_api::profile_model::Quantiles::decl(&cfg),
        triage_api::profile_model::Histogram::decl(&cfg),
        triage_api::profile_model::DatetimeStats::decl(&cfg),
        triage_api::profile_model::DatasetFacts::decl(&cfg),
        triage_api::profile_model::CorrelationMatrix::decl(&cfg),
        triage_api::profile_model::LabelFacts::decl(&cfg),
        triage_api::profile_model::SplitFacts::decl(&cfg),
        triage_api::profile_model::FeatureVsLabel::decl(&cfg),
        triage_api::profile_model::ClassConfidence::decl(&cfg),
        triage_api::profile_model::Drift::decl(&cfg),
        triage_api::profile_model::ImageFacts::decl(&cfg),
        triage_api::profile_model::Unreadable::decl(&cfg),
        triage_api::profile_model::Alert::decl(&cfg),
        triage_api::ChartSvg::decl(&cfg),
        commands::CommandError::decl(&cfg),
        commands::NewClass::decl(&cfg),
        commands::ImportRequest::decl(&cfg),
        commands::ExportRequest::decl(&cfg),
        commands::Diagnostics::decl(&cfg),
        commands::RoundRequest::decl(&cfg),
        commands::Progress::decl(&cfg),
        commands::RoundProgress::decl(&cfg),
        commands::Flagged::decl(&cfg),
        commands::ProfileView::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test -p triage_desktop \
         bindings`; do not edit.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[test]
fn bindings_match_the_rust_types() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts");
    let want = declarations();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is out of date with the Rust types: run `UPDATE_BINDINGS=1 cargo test -p \
         triage_desktop bindings` and commit it",
        path.display()
    );
}
