//! Alerts in the manner of ydata-profiling: each names the threshold it
//! crossed, so a reader can judge it.

use crate::model::{Alert, ImageFacts, Kind, Profile};

/// A column missing more than this share of its values.
pub const HIGH_MISSING_SHARE: f64 = 0.2;
/// A categorical or text column with more distinct values than this.
pub const HIGH_CARDINALITY: u64 = 50;
/// A quantitative column whose skewness exceeds this in absolute value.
pub const HIGH_SKEW: f64 = 2.0;
/// Duplicate rows above this share of the table.
pub const DUPLICATE_SHARE: f64 = 0.0;
/// Largest over smallest class above this ratio.
pub const IMBALANCE_RATIO: f64 = 5.0;
/// PSI above this is a significant shift (the usual credit-scoring rule).
pub const DRIFT_PSI: f64 = 0.25;
/// Chi-square drift needs both p below this and Cramér's V above
/// [`DRIFT_MIN_EFFECT`], since any large sample makes p tiny.
pub const DRIFT_P: f64 = 0.001;
/// See [`DRIFT_P`].
pub const DRIFT_MIN_EFFECT: f64 = 0.1;
/// A text column where at least this share, but not all, of the values
/// read as numbers has mixed types.
pub const MIXED_NUMERIC_SHARE: f64 = 0.5;

fn alert(kind: &str, column: Option<&str>, message: String, value: f64, threshold: f64) -> Alert {
    Alert {
        kind: kind.into(),
        column: column.map(str::to_string),
        message,
        value,
        threshold,
    }
}

/// Alerts on columns, the dataset and labels. `numeric_share` lists string
/// columns with the share of their values that read as numbers.
pub fn alerts(profile: &Profile, numeric_share: &[(String, f64)]) -> Vec<Alert> {
    let mut out = Vec::new();
    for c in &profile.columns {
        let name = Some(c.name.as_str());
        let total = (c.count + c.missing) as f64;
        let missing = if total > 0.0 {
            c.missing as f64 / total
        } else {
            0.0
        };
        if missing > HIGH_MISSING_SHARE {
            out.push(alert(
                "high-missing",
                name,
                format!("{:.1}% of values are missing", missing * 100.0),
                missing,
                HIGH_MISSING_SHARE,
            ));
        }
        if c.count > 0 && c.distinct == 1 {
            out.push(alert(
                "constant",
                name,
                format!(
                    "every value is `{}`",
                    c.top_values.first().map_or("", |v| &v.value)
                ),
                1.0,
                1.0,
            ));
        }
        if matches!(c.kind, Kind::Categorical) && c.distinct > HIGH_CARDINALITY {
            out.push(alert(
                "high-cardinality",
                name,
                format!("{} distinct values in a categorical column", c.distinct),
                c.distinct as f64,
                HIGH_CARDINALITY as f64,
            ));
        }
        if let (Kind::Quantitative, Some(n)) = (c.kind, &c.numeric)
            && n.skewness.abs() > HIGH_SKEW
        {
            out.push(alert(
                "skewed",
                name,
                format!("skewness {:.2}", n.skewness),
                n.skewness,
                HIGH_SKEW,
            ));
        }
    }
    for (name, share) in numeric_share {
        if *share >= MIXED_NUMERIC_SHARE && *share < 1.0 {
            out.push(alert(
                "mixed-types",
                Some(name),
                format!(
                    "{:.1}% of values are numbers and the rest are not",
                    share * 100.0
                ),
                *share,
                MIXED_NUMERIC_SHARE,
            ));
        }
    }
    if profile.rows > 0 {
        let share = profile.dataset.duplicate_rows as f64 / profile.rows as f64;
        if share > DUPLICATE_SHARE {
            out.push(alert(
                "duplicates",
                None,
                format!(
                    "{} rows ({:.1}%) repeat an earlier row",
                    profile.dataset.duplicate_rows,
                    share * 100.0
                ),
                share,
                DUPLICATE_SHARE,
            ));
        }
    }
    if let Some(labels) = &profile.labels {
        if let Some(ratio) = labels.imbalance_ratio
            && ratio > IMBALANCE_RATIO
        {
            out.push(alert(
                "imbalance",
                Some(&labels.column),
                format!("the largest class has {ratio:.1}× the rows of the smallest"),
                ratio,
                IMBALANCE_RATIO,
            ));
        }
        for d in &labels.drift {
            let (drifted, threshold) = match (d.p_value, d.effect) {
                (Some(p), Some(v)) => (p < DRIFT_P && v > DRIFT_MIN_EFFECT, DRIFT_P),
                _ => (d.statistic > DRIFT_PSI, DRIFT_PSI),
            };
            if drifted {
                out.push(alert(
                    "drift",
                    Some(&d.column),
                    format!(
                        "{} rows differ from {} rows ({} {:.3})",
                        d.compared, d.reference, d.test, d.statistic
                    ),
                    d.p_value.unwrap_or(d.statistic),
                    threshold,
                ));
            }
        }
    }
    out
}

/// Alerts on image files.
pub fn image_alerts(images: &ImageFacts) -> Vec<Alert> {
    let mut out = Vec::new();
    if !images.unreadable.is_empty() {
        out.push(alert(
            "unreadable-images",
            None,
            format!("{} image files cannot be read", images.unreadable.len()),
            images.unreadable.len() as f64,
            0.0,
        ));
    }
    let dup: usize = images.near_duplicates.iter().map(|g| g.len() - 1).sum();
    if dup > 0 {
        out.push(alert(
            "near-duplicate-images",
            None,
            format!(
                "{dup} images nearly repeat another ({} groups)",
                images.near_duplicates.len()
            ),
            dup as f64,
            0.0,
        ));
    }
    out
}
