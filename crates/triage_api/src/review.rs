//! The review before an export, and the project's export gates: what the
//! export will hold, how good its labels are measured to be, what the
//! project's profile warns of, and whether every gate the project set holds.
//!
//! Reads the store (labels, spot checks, people's answers, the gates) and
//! the project's profile; writes only the gates (a project setting).

use serde::{Deserialize, Serialize};
use triage_core::{Label, Timestamp};
use triage_profile::model::{Alert, ValueCount};
use triage_store::LabelCounts;

use crate::export::ExportOptions;
use crate::{Error, Interval, Project, Result};

/// The setting that holds a project's gates, as JSON.
const GATES: &str = "export_gates";

/// What `review.json` says it is.
pub const REVIEW_SCHEMA: &str = "triage-export-review/1";

/// The file an export's review is written to, at the top of the export.
pub const REVIEW_FILE: &str = "review.json";

/// The profile's alerts a review repeats: those that bear on a labeled set
/// leaving the project. (Imbalance is measured on the export itself.)
const BEARING: [&str; 5] = [
    "drift",
    "high-missing",
    "duplicates",
    "near-duplicate-images",
    "unreadable-images",
];

/// Conditions a project's exports must meet. An unset gate is not checked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct Gates {
    /// The share of spot-checked auto-labels people confirmed is at least
    /// this. Checked when the export holds auto-labels.
    pub min_spot_check_accuracy: Option<f64>,
    /// The audit set's estimate of the auto-labels' accuracy is at least
    /// this. Checked when the export holds auto-labels.
    pub min_estimated_accuracy: Option<f64>,
    /// At most this many disagreements between people wait for a review.
    pub max_open_disagreements: Option<u64>,
    /// Krippendorff's alpha over the items several people answered is at
    /// least this.
    pub min_agreement: Option<f64>,
    /// The export's largest class has at most this many times the labels
    /// of its smallest.
    pub max_imbalance_ratio: Option<f64>,
    /// The profile raises no drift alert.
    pub no_drift_alerts: bool,
}

impl Gates {
    /// Whether any gate is set.
    pub fn any(&self) -> bool {
        *self != Self::default()
    }
}

/// A gate an export does not pass, and the figures that fail it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct GateFailure {
    /// The gate, named as its command-line flag: `min-spot-check-accuracy`.
    pub gate: String,
    /// What was measured against what the gate asks, in words.
    pub message: String,
}

/// An export that went out though gates failed: who let it, when and why.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Override {
    /// Who exported.
    pub by: Option<String>,
    /// When.
    #[ts(type = "string")]
    pub at: Timestamp,
    /// The reason they gave.
    pub reason: String,
    /// The gates that failed, by flag name.
    pub failed: Vec<String>,
}

/// Agreement in a project several people label.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct TeamReview {
    /// People who answered.
    pub annotators: u64,
    /// Krippendorff's alpha over the items several people answered.
    pub alpha: Option<f64>,
    /// Disagreements still waiting for a review.
    pub open_disagreements: u64,
}

/// One share of a split and the items it holds.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ShareCount {
    /// `train`, `validation` or `test`.
    pub name: String,
    /// Items in it.
    pub items: u64,
}

/// Everything a person should see before labels leave the project; also
/// the export's `review.json`.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ExportReview {
    /// Always [`REVIEW_SCHEMA`].
    pub schema: String,
    /// The project's items by the source of their current label.
    pub project: LabelCounts,
    /// What the export holds with the chosen filters, by the same sources
    /// (a label a filter drops counts as unlabeled).
    pub export: LabelCounts,
    /// The shares of the split, when there is one.
    pub shares: Vec<ShareCount>,
    /// The labels the export holds per class, most first.
    pub distribution: Vec<ValueCount>,
    /// Its largest class over its smallest; `None` below two classes.
    pub imbalance_ratio: Option<f64>,
    /// The accuracy the thresholds were chosen for.
    pub target: Option<f64>,
    /// The auto-labels' accuracy as the audit set estimates it.
    pub estimated_accuracy: Option<Interval>,
    /// The auto-labels' accuracy as people's spot checks measured it.
    pub spot_checked_accuracy: Option<Interval>,
    /// Spot checks still waiting for a person.
    pub spot_checks_pending: u64,
    /// The project profile's alerts that bear on the export.
    pub alerts: Vec<Alert>,
    /// Agreement, when several people label the project.
    pub team: Option<TeamReview>,
    /// The project's gates.
    pub gates: Gates,
    /// The gates this export fails; empty when it may go.
    pub failures: Vec<GateFailure>,
    /// Set when the export went out though gates failed.
    pub overridden: Option<Override>,
}

impl ExportReview {
    /// The review as `review.json` holds it.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        serde_json::to_vec_pretty(self).map_err(|e| Error::Invalid(format!("review: {e}")))
    }

    /// The review in words, one named line each: what `--dry-run` prints
    /// and the HTML profile opens with.
    pub fn lines(&self) -> Vec<(String, String)> {
        let mut lines: Vec<(String, String)> = Vec::new();
        let mut line = |name: &str, value: String| lines.push((name.to_owned(), value));
        let counts = |c: &LabelCounts| {
            format!(
                "{} items: {} human, {} consolidated, {} auto, {} imported, {} unlabeled",
                c.items, c.human, c.consolidated, c.model, c.import, c.unlabeled
            )
        };
        let interval = |i: &Option<Interval>| {
            i.map_or("not measured".to_owned(), |i| {
                format!(
                    "{:.3} (95% interval {:.3}-{:.3}, n = {})",
                    i.estimate, i.low, i.high, i.n
                )
            })
        };
        line("project", counts(&self.project));
        line("export", counts(&self.export));
        for s in &self.shares {
            line(&format!("  {}", s.name), format!("{} items", s.items));
        }
        if let Some(t) = self.target {
            line("target", format!("{t:.3}"));
        }
        line("estimated", interval(&self.estimated_accuracy));
        let pending = match self.spot_checks_pending {
            0 => String::new(),
            n => format!(", {n} pending"),
        };
        line(
            "spot-checked",
            format!("{}{pending}", interval(&self.spot_checked_accuracy)),
        );
        let classes: Vec<String> = self
            .distribution
            .iter()
            .map(|c| format!("{} {}", c.value, c.count))
            .collect();
        line("classes", classes.join(", "));
        if let Some(ratio) = self.imbalance_ratio {
            line("imbalance", format!("{ratio:.2}"));
        }
        if let Some(t) = &self.team {
            let alpha = t.alpha.map_or("n/a".into(), |a| format!("{a:.3}"));
            let people = if t.annotators == 1 {
                "person"
            } else {
                "people"
            };
            line(
                "agreement",
                format!(
                    "alpha {alpha}, {} open disagreements, {} {people}",
                    t.open_disagreements, t.annotators
                ),
            );
        }
        for a in &self.alerts {
            let column = a.column.as_deref().map(|c| format!(" in {c}"));
            line(
                "alert",
                format!("{}{}: {}", a.kind, column.unwrap_or_default(), a.message),
            );
        }
        if self.failures.is_empty() {
            let gates = if self.gates.any() {
                "all pass"
            } else {
                "none set"
            };
            line("gates", gates.to_owned());
        }
        for f in &self.failures {
            line("FAILS", format!("{}: {}", f.gate, f.message));
        }
        if let Some(o) = &self.overridden {
            line(
                "overridden",
                format!(
                    "by {} at {}: {}",
                    o.by.as_deref().unwrap_or("unknown"),
                    o.at.to_rfc3339(),
                    o.reason
                ),
            );
        }
        lines
    }
}

/// The classes a label counts for: its class, each class of a set, each
/// box's class.
fn classes_of(label: &Label) -> Vec<u32> {
    match label {
        Label::Class(c) => vec![*c],
        Label::Classes(set) => set.clone(),
        Label::Boxes(b) => b.annotations.iter().map(|b| b.class_id).collect(),
    }
}

impl Project {
    /// The project's export gates (none set at first).
    pub fn gates(&self) -> Result<Gates> {
        let Some(json) = self.store.setting(GATES)? else {
            return Ok(Gates::default());
        };
        serde_json::from_str(&json)
            .map_err(|e| Error::Invalid(format!("the project's stored gates: {e}")))
    }

    /// Replaces the project's export gates.
    pub fn set_gates(&mut self, gates: &Gates) -> Result<()> {
        for (name, v) in [
            ("min-spot-check-accuracy", gates.min_spot_check_accuracy),
            ("min-estimated-accuracy", gates.min_estimated_accuracy),
            ("min-agreement", gates.min_agreement),
        ] {
            if let Some(v) = v.filter(|v| !(0.0..=1.0).contains(v)) {
                return Err(Error::Invalid(format!("--{name} {v}: must lie in [0, 1]")));
            }
        }
        if let Some(r) = gates.max_imbalance_ratio.filter(|r| r.is_nan() || *r < 1.0) {
            return Err(Error::Invalid(format!(
                "--max-imbalance-ratio {r}: must be 1 or more"
            )));
        }
        let json =
            serde_json::to_string(gates).map_err(|e| Error::Invalid(format!("gates: {e}")))?;
        Ok(self.store.set_setting(GATES, &json)?)
    }

    /// The review of an export with these options, and the gates it fails.
    /// Writes nothing: `triage export --dry-run` prints it, the Export
    /// screen shows it, and an export writes it as `review.json`.
    pub fn review_export(&self, options: &ExportOptions) -> Result<ExportReview> {
        self.review_with(options, self.shares(options)?.as_deref())
    }

    /// The review, with the split's shares already dealt (an export deals
    /// them once, for the review and for its files).
    fn review_with(
        &self,
        options: &ExportOptions,
        shares: Option<&[crate::export::Share]>,
    ) -> Result<ExportReview> {
        let mut export = LabelCounts::default();
        let mut share_counts: Vec<ShareCount> = shares
            .unwrap_or_default()
            .iter()
            .map(|(name, _)| ShareCount {
                name: (*name).into(),
                items: 0,
            })
            .collect();
        let mut per_class = vec![0u64; self.schema.classes.len()];
        self.for_each_exported(options, shares, |item, share| {
            export.add(item.label.as_ref().map(|l| l.source), 1);
            if let Some(k) = share {
                share_counts[k].items += 1;
            }
            if let Some(label) = item.label.as_ref().and_then(|l| l.label.as_ref()) {
                for c in classes_of(label) {
                    if let Some(n) = per_class.get_mut(c as usize) {
                        *n += 1;
                    }
                }
            }
            Ok(())
        })?;
        let mut distribution: Vec<ValueCount> = per_class
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(c, n)| ValueCount {
                value: self.schema.name_of(c as u32).unwrap_or("?").to_owned(),
                count: *n,
            })
            .collect();
        distribution.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        let imbalance_ratio = triage_profile::imbalance_ratio(&distribution);
        tracing::info!("review: {} items to export counted", export.items);
        let model = self.model_status()?;
        let profile = self.profile(&crate::ProfileOptions::default())?;
        tracing::info!("review: profiled ({:?})", profile.method.mode);
        // The label column's own missing values are the unlabeled items.
        let label_column = profile.labels.as_ref().map(|l| l.column.clone());
        let alerts = profile
            .alerts
            .into_iter()
            .filter(|a| BEARING.contains(&a.kind.as_str()))
            .filter(|a| a.column.is_none() || a.column != label_column)
            .collect();
        let agreement = self.agreement()?;
        let team = (agreement.annotators.len() >= 2 || self.share_info()?.is_some())
            .then(|| -> Result<TeamReview> {
                Ok(TeamReview {
                    annotators: agreement.annotators.len() as u64,
                    alpha: agreement.krippendorff_alpha,
                    open_disagreements: self.open_disagreements(&agreement)?,
                })
            })
            .transpose()?;
        let mut review = ExportReview {
            schema: REVIEW_SCHEMA.into(),
            project: self.store.counts()?,
            export,
            shares: share_counts,
            distribution,
            imbalance_ratio,
            target: model.as_ref().map(|m| m.target),
            estimated_accuracy: model.as_ref().and_then(|m| m.estimated_accuracy),
            spot_checked_accuracy: model.as_ref().and_then(|m| m.spot_checked_accuracy),
            spot_checks_pending: model.as_ref().map_or(0, |m| m.spot_checks_pending),
            alerts,
            team,
            gates: self.gates()?,
            failures: Vec::new(),
            overridden: None,
        };
        review.failures = check(&review);
        Ok(review)
    }

    /// The review of an export about to be written: refused when a gate
    /// fails and no reason to override was given; with one, the override
    /// is part of the review.
    pub(crate) fn pass_gates(
        &self,
        options: &ExportOptions,
        shares: Option<&[crate::export::Share]>,
        at: Timestamp,
    ) -> Result<ExportReview> {
        let mut review = self.review_with(options, shares)?;
        let reason = options
            .override_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        match reason {
            None if !review.failures.is_empty() => Err(Error::GatesFailed(review.failures)),
            None => Ok(review),
            Some(reason) => {
                review.overridden = Some(Override {
                    by: self.labeler(options.annotator.as_deref())?,
                    at,
                    reason: reason.to_owned(),
                    failed: review.failures.iter().map(|f| f.gate.clone()).collect(),
                });
                Ok(review)
            }
        }
    }
}

/// The gates a review fails, in the order [`Gates`] lists them.
fn check(review: &ExportReview) -> Vec<GateFailure> {
    let g = &review.gates;
    let mut out = Vec::new();
    let mut fail = |gate: &str, message: String| {
        out.push(GateFailure {
            gate: gate.into(),
            message,
        })
    };
    // Accuracy gates are about auto-labels: an export without any passes.
    let auto = review.export.model;
    for (gate, min, measured, what) in [
        (
            "min-spot-check-accuracy",
            g.min_spot_check_accuracy,
            review.spot_checked_accuracy,
            "spot-checked accuracy",
        ),
        (
            "min-estimated-accuracy",
            g.min_estimated_accuracy,
            review.estimated_accuracy,
            "estimated accuracy",
        ),
    ] {
        let Some(min) = min.filter(|_| auto > 0) else {
            continue;
        };
        match measured {
            None => fail(
                gate,
                format!(
                    "{what} is not measured, and the export holds {auto} auto-labels (needs at least {min:.3})"
                ),
            ),
            Some(i) if i.estimate < min => fail(
                gate,
                format!(
                    "{what} {:.3} ({} of {}; 95% interval {:.3}–{:.3}) is below {min:.3}",
                    i.estimate,
                    (i.estimate * i.n as f64).round() as u64,
                    i.n,
                    i.low,
                    i.high
                ),
            ),
            Some(_) => {}
        }
    }
    let team = review.team.as_ref();
    if let Some(max) = g.max_open_disagreements {
        let open = team.map_or(0, |t| t.open_disagreements);
        if open > max {
            fail(
                "max-open-disagreements",
                format!("{open} disagreements wait for a review (at most {max})"),
            );
        }
    }
    if let Some(min) = g.min_agreement {
        match team.and_then(|t| t.alpha) {
            None => fail(
                "min-agreement",
                format!(
                    "agreement is not measured: no item has two people's answers (needs alpha at least {min:.3})"
                ),
            ),
            Some(alpha) if alpha < min => fail(
                "min-agreement",
                format!("Krippendorff's alpha {alpha:.3} is below {min:.3}"),
            ),
            Some(_) => {}
        }
    }
    if let (Some(max), Some(ratio)) = (g.max_imbalance_ratio, review.imbalance_ratio)
        && ratio > max
    {
        fail(
            "max-imbalance-ratio",
            format!(
                "the largest class has {ratio:.2}× the labels of the smallest (at most {max:.2})"
            ),
        );
    }
    if g.no_drift_alerts {
        let drifted: Vec<String> = review
            .alerts
            .iter()
            .filter(|a| a.kind == "drift")
            .map(|a| format!("{}: {}", a.column.as_deref().unwrap_or("?"), a.message))
            .collect();
        if !drifted.is_empty() {
            fail(
                "no-drift-alerts",
                format!("{} drift alerts: {}", drifted.len(), drifted.join("; ")),
            );
        }
    }
    out
}
