//! The standalone HTML report: one file, charts embedded as PNG data URIs,
//! no scripts and nothing fetched, so it opens anywhere, offline.

use std::fmt::Write;

use base64::Engine;

use crate::Result;
use crate::charts::{self, Keyed};
use crate::model::{ColumnProfile, LabelFacts, Method, Mode, NumericStats, Profile};

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222}\
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .7rem;text-align:left;border-bottom:1px solid #eee}\
td.n{text-align:right;font-variant-numeric:tabular-nums}\
.badge{display:inline-block;padding:0 .5rem;border-radius:.6rem;background:#e4ecfa;font-size:.8rem}\
.alert{background:#fff4e0;border-left:4px solid #e8a33d;padding:.3rem .7rem;margin:.3rem 0}\
.col{border:1px solid #ddd;border-radius:6px;padding: .5rem 1rem;margin:1rem 0}\
.body{display:flex;gap:1.5rem;align-items:flex-start;flex-wrap:wrap}.charts{flex:1;min-width:320px}\
img{max-width:100%;display:block;margin:.5rem 0}";

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

fn image(out: &mut String, chart: &Keyed) -> Result<()> {
    let png = charts::png(&chart.chart)?;
    let data = base64::engine::general_purpose::STANDARD.encode(png);
    let _ = write!(
        out,
        "<img alt=\"{}\" src=\"data:image/png;base64,{data}\">",
        escape(&chart.key)
    );
    Ok(())
}

fn numeric_rows(out: &mut String, s: &NumericStats) {
    let q = &s.quantiles;
    for (k, v) in [
        ("min", s.min),
        ("5%", q.p5),
        ("25%", q.p25),
        ("median", q.p50),
        ("75%", q.p75),
        ("95%", q.p95),
        ("max", s.max),
        ("mean", s.mean),
        ("std", s.std),
        ("skewness", s.skewness),
        ("zeros", s.zeros as f64),
        ("outliers (IQR)", s.outliers as f64),
    ] {
        let _ = write!(out, "<tr><th>{k}</th><td class=n>{}</td></tr>", num(v));
    }
}

fn column(out: &mut String, c: &ColumnProfile, charts: &[Keyed]) -> Result<()> {
    let _ = write!(
        out,
        "<div class=col id=\"col-{}\"><h3>{} <span class=badge>{}</span> <small>{}</small></h3><table>",
        escape(&c.name),
        escape(&c.name),
        c.kind.name(),
        escape(&c.dtype)
    );
    out.push_str("<div class=body><div>");
    let distinct = if c.distinct_exact {
        c.distinct.to_string()
    } else {
        format!("≈{}", c.distinct)
    };
    for (k, v) in [
        ("count", c.count.to_string()),
        ("missing", c.missing.to_string()),
        ("distinct", distinct),
    ] {
        let _ = write!(out, "<tr><th>{k}</th><td class=n>{v}</td></tr>");
    }
    if let Some(s) = c.numeric.as_ref().or(c.text_length.as_ref()) {
        numeric_rows(out, s);
    }
    if let Some(d) = &c.datetime {
        let _ = write!(
            out,
            "<tr><th>from</th><td>{}</td></tr><tr><th>to</th><td>{}</td></tr>",
            escape(&d.min),
            escape(&d.max)
        );
    }
    out.push_str("</table>");
    if !c.top_values.is_empty() {
        out.push_str("<details><summary>Top values</summary><table>");
        for v in &c.top_values {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=n>{}</td></tr>",
                escape(&v.value),
                v.count
            );
        }
        out.push_str("</table></details>");
    }
    out.push_str("</div><div class=charts>");
    let prefix = format!("column/{}/", c.name);
    for chart in charts.iter().filter(|k| k.key.starts_with(&prefix)) {
        image(out, chart)?;
    }
    out.push_str("</div></div></div>");
    Ok(())
}

/// The shares of a split side by side, and every drift measured.
fn splits_and_drift(out: &mut String, l: &LabelFacts) {
    if !l.splits.is_empty() {
        out.push_str("<h3>Split</h3><table><tr><th>class</th>");
        for s in &l.splits {
            let _ = write!(out, "<th>{} ({} rows)</th>", escape(&s.name), s.rows);
        }
        out.push_str("</tr>");
        for (k, class) in l.distribution.iter().enumerate() {
            let _ = write!(out, "<tr><td>{}</td>", escape(&class.value));
            for s in &l.splits {
                let n = s.distribution.get(k).map_or(0, |c| c.count);
                let share = if s.labeled > 0 {
                    n as f64 / s.labeled as f64
                } else {
                    0.0
                };
                let _ = write!(out, "<td class=n>{n} ({:.1}%)</td>", share * 100.0);
            }
            out.push_str("</tr>");
        }
        out.push_str("</table>");
    }
    if !l.drift.is_empty() {
        out.push_str(
            "<h3>Drift</h3><table><tr><th>feature</th><th>from</th><th>to</th><th>test</th><th>statistic</th><th>p</th></tr>",
        );
        for d in &l.drift {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=n>{:.4}</td><td class=n>{}</td></tr>",
                escape(&d.column),
                escape(&d.reference),
                escape(&d.compared),
                escape(&d.test),
                d.statistic,
                d.p_value.map_or("".into(), |p| format!("{p:.2e}"))
            );
        }
        out.push_str("</table>");
    }
}

/// A section put before the profile: a heading and a table of names and
/// values (escaped here).
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// The heading.
    pub heading: String,
    /// Names and values, one row each.
    pub rows: Vec<(String, String)>,
}

/// Renders the report.
pub fn report(profile: &Profile) -> Result<String> {
    report_with(profile, &[])
}

/// What a streamed profile's reader should know, in one sentence.
pub fn approximate(method: &Method) -> String {
    let duplicates = match method.duplicate_rows_sampled {
        Some(share) if share < 1.0 => format!(
            "; duplicate rows estimated from {:.1}% of the rows",
            share * 100.0
        ),
        _ => String::new(),
    };
    format!(
        "approximate: streamed in batches; quantiles and histograms within {:.2}% of the rows \
         in rank, distinct counts marked ≈ within {:.2}% (standard error){duplicates}; not \
         computed: {}",
        method.quantile_rank_error.unwrap_or(0.0) * 100.0,
        method.distinct_standard_error.unwrap_or(0.0) * 100.0,
        method.omitted.join(", ")
    )
}

/// Renders the report with `sections` first (an export's review).
pub fn report_with(profile: &Profile, sections: &[Section]) -> Result<String> {
    let charts = charts::charts_for(profile);
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=en><head><meta charset=utf-8>\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\
         <title>Profile of {src}</title><style>{STYLE}</style></head><body>\
         <h1>Profile of {src}</h1><p>{rows} rows, {cols} columns, {facts}. Schema {schema}.</p>",
        src = escape(&profile.source),
        rows = profile.rows,
        cols = profile.columns.len(),
        facts = match profile.method.mode {
            Mode::Exact => format!("{} duplicate rows", profile.dataset.duplicate_rows),
            Mode::Streaming => format!(
                "{} duplicate rows, {}",
                profile.dataset.duplicate_rows,
                escape(&approximate(&profile.method))
            ),
        },
        schema = escape(&profile.schema),
    );
    if !profile.skipped.is_empty() {
        out.push_str("<h2>Not read</h2><p>The profile is of the other parts.</p><table>");
        for part in &profile.skipped {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td></tr>",
                escape(&part.path),
                escape(&part.reason)
            );
        }
        out.push_str("</table>");
    }
    for section in sections {
        let _ = write!(out, "<h2>{}</h2>", escape(&section.heading));
        if !section.rows.is_empty() {
            out.push_str("<table>");
            for (name, value) in &section.rows {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td></tr>",
                    escape(name),
                    escape(value)
                );
            }
            out.push_str("</table>");
        }
    }
    out.push_str("<h2>Alerts</h2>");
    if profile.alerts.is_empty() {
        out.push_str("<p>None.</p>");
    }
    for a in &profile.alerts {
        let _ = write!(
            out,
            "<div class=alert><b>{}</b>{}: {} (threshold {})</div>",
            escape(&a.kind),
            a.column
                .as_deref()
                .map(|c| format!(" in <a href=\"#col-{0}\">{0}</a>", escape(c)))
                .unwrap_or_default(),
            escape(&a.message),
            num(a.threshold)
        );
    }
    out.push_str("<h2>Columns</h2><table><tr><th>column</th><th>kind</th><th>missing</th><th>distinct</th></tr>");
    for c in &profile.columns {
        let _ = write!(
            out,
            "<tr><td><a href=\"#col-{0}\">{0}</a></td><td><span class=badge>{1}</span></td><td class=n>{2}</td><td class=n>{3}</td></tr>",
            escape(&c.name),
            c.kind.name(),
            c.missing,
            c.distinct
        );
    }
    out.push_str("</table>");
    for c in &profile.columns {
        column(&mut out, c, &charts)?;
    }
    for (section, heading) in [
        ("dataset/", "Correlations"),
        ("labels/", "Labels"),
        ("images/", "Images"),
    ] {
        let here: Vec<&Keyed> = charts
            .iter()
            .filter(|k| k.key.starts_with(section))
            .collect();
        if here.is_empty() {
            continue;
        }
        let _ = write!(out, "<h2>{heading}</h2>");
        if section == "labels/"
            && let Some(l) = &profile.labels
        {
            let _ = write!(
                out,
                "<p>{} labeled rows; imbalance ratio {}.</p><table><tr><th>feature</th><th>measure</th><th>value</th></tr>",
                l.labeled,
                l.imbalance_ratio.map_or("n/a".into(), num)
            );
            for f in &l.features {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td class=n>{:.3}</td></tr>",
                    escape(&f.column),
                    f.measure,
                    f.value
                );
            }
            out.push_str("</table>");
            splits_and_drift(&mut out, l);
        }
        if section == "images/"
            && let Some(i) = &profile.images
        {
            let _ = write!(
                out,
                "<p>{} files, {} readable, {} near-duplicate groups.</p>",
                i.files,
                i.readable,
                i.near_duplicates.len()
            );
        }
        for chart in here {
            image(&mut out, chart)?;
        }
    }
    out.push_str("</body></html>\n");
    Ok(out)
}
