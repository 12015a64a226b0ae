//! Charts drawn with plotters: SVG for the app, PNG for reports.
//!
//! Text is laid out with DejaVu Sans from `assets/`, registered with
//! plotters' `ab_glyph` backend, so a chart looks the same on every machine
//! and needs no system fonts. Tick labels are kept short (1.2k, 3.4M) and
//! few, and category labels are cut to [`LABEL_CHARS`], so they never
//! overlap.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontTransform;

use crate::model::{Histogram, Kind, NumericStats, Profile, Quantiles};
use crate::{Error, Result};

/// The bundled font.
static FONT: &[u8] = include_bytes!("../../../assets/DejaVuSans.ttf");
/// The family name charts ask for.
const FAMILY: &str = "sans-serif";
/// Category labels longer than this are cut with an ellipsis.
pub const LABEL_CHARS: usize = 18;
/// Heatmaps print each cell's value up to this many columns.
const HEATMAP_VALUES_UP_TO: usize = 12;

/// Default chart size in pixels.
pub const SIZE: (u32, u32) = (640, 360);

/// A chart, as data, before it is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// Bars over equal-width bins.
    Histogram {
        title: String,
        x_label: String,
        y_label: String,
        histogram: Histogram,
        /// The x values are epoch milliseconds, shown as dates.
        dates: bool,
    },
    /// Horizontal bars, one per category, in the given order.
    Bars {
        title: String,
        x_label: String,
        bars: Vec<(String, u64)>,
    },
    /// A horizontal box plot from the five quantiles, with min and max.
    BoxPlot {
        title: String,
        x_label: String,
        quantiles: Quantiles,
        min: f64,
        max: f64,
    },
    /// A square matrix of values in [−1, 1] (or [0, 1]).
    Heatmap {
        title: String,
        columns: Vec<String>,
        values: Vec<Vec<Option<f64>>>,
    },
    /// One line per series over the same bins.
    Lines {
        title: String,
        x_label: String,
        y_label: String,
        series: Vec<(String, Histogram)>,
    },
}

impl Chart {
    fn title(&self) -> &str {
        match self {
            Chart::Histogram { title, .. }
            | Chart::Bars { title, .. }
            | Chart::BoxPlot { title, .. }
            | Chart::Heatmap { title, .. }
            | Chart::Lines { title, .. } => title,
        }
    }

    /// The size it reads best at: bars and heatmaps grow with their rows.
    pub fn size(&self) -> (u32, u32) {
        match self {
            Chart::Bars { bars, .. } => (SIZE.0, (90 + 26 * bars.len() as u32).max(160)),
            Chart::BoxPlot { .. } => (SIZE.0, 160),
            Chart::Heatmap { columns, .. } => {
                let side = (160 + 34 * columns.len() as u32).clamp(360, 900);
                (side + 60, side)
            }
            _ => SIZE,
        }
    }
}

fn register_font() -> Result<()> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    ok.then_some(())
        .ok_or_else(|| Error::Chart("the bundled font does not load".into()))
}

/// Draws a chart as an SVG document.
pub fn svg(chart: &Chart) -> Result<String> {
    register_font()?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, chart.size()).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(chart_err)?;
    }
    Ok(out)
}

/// Draws a chart as PNG bytes.
pub fn png(chart: &Chart) -> Result<Vec<u8>> {
    let img = bitmap(chart)?;
    let mut bytes = std::io::Cursor::new(Vec::new());
    img.write_to(&mut bytes, image::ImageFormat::Png)
        .map_err(|e| Error::Chart(e.to_string()))?;
    Ok(bytes.into_inner())
}

/// Draws a chart as 8-bit RGB pixels, for a window to show as it is.
pub fn bitmap(chart: &Chart) -> Result<image::RgbImage> {
    register_font()?;
    let (w, h) = chart.size();
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(chart_err)?;
    }
    image::RgbImage::from_raw(w, h, rgb).ok_or_else(|| Error::Chart("bitmap size mismatch".into()))
}

fn chart_err(e: impl std::fmt::Display) -> Error {
    Error::Chart(e.to_string())
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> Result<()> {
    root.fill(&WHITE).map_err(chart_err)?;
    let root = root
        .titled(&cut(chart.title(), 70), (FAMILY, 18))
        .map_err(chart_err)?;
    match chart {
        Chart::Histogram {
            x_label,
            y_label,
            histogram,
            dates,
            ..
        } => histogram_chart(&root, x_label, y_label, histogram, *dates),
        Chart::Bars { x_label, bars, .. } => bar_chart(&root, x_label, bars),
        Chart::BoxPlot {
            x_label,
            quantiles,
            min,
            max,
            ..
        } => box_plot(&root, x_label, quantiles, *min, *max),
        Chart::Heatmap {
            columns, values, ..
        } => heatmap(&root, columns, values),
        Chart::Lines {
            x_label,
            y_label,
            series,
            ..
        } => lines(&root, x_label, y_label, series),
    }
}

/// A number in at most about six characters: 1.2k, 3.4M, 0.012.
pub fn short_number(v: f64) -> String {
    let a = v.abs();
    let s = if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    };
    // "35.00" → "35", "1.0k" → "1k".
    let (digits, unit) = s.split_at(s.trim_end_matches(['k', 'M', 'G']).len());
    let digits = if digits.contains('.') {
        digits.trim_end_matches('0').trim_end_matches('.')
    } else {
        digits
    };
    format!("{digits}{unit}")
}

fn date_label(ms: f64) -> String {
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

fn padded(min: f64, max: f64) -> (f64, f64) {
    if max > min {
        (min, max)
    } else {
        (min - 0.5, max + 0.5)
    }
}

/// A chart area with the margins and label room every chart here uses.
fn builder<'a, 'b, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    y_label_room: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(root);
    b.margin(12)
        .x_label_area_size(44)
        .y_label_area_size(y_label_room);
    b
}

fn histogram_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x_label: &str,
    y_label: &str,
    h: &Histogram,
    dates: bool,
) -> Result<()> {
    let (Some(&lo), Some(&hi)) = (h.edges.first(), h.edges.last()) else {
        return empty(root);
    };
    let (lo, hi) = padded(lo, hi);
    let top = h.counts.iter().copied().max().unwrap_or(1).max(1);
    let mut chart = builder(root, 64)
        .build_cartesian_2d(lo..hi, 0f64..top as f64 * 1.05)
        .map_err(chart_err)?;
    let x_fmt = |v: &f64| {
        if dates {
            date_label(*v)
        } else {
            short_number(*v)
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(if dates { 4 } else { 7 })
        .y_labels(6)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&|v| short_number(*v))
        .x_desc(x_label)
        .y_desc(y_label)
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 14))
        .draw()
        .map_err(chart_err)?;
    let (edges, counts) = if h.counts.len() == 1 && h.edges[0] == h.edges[1] {
        (
            vec![lo + (hi - lo) * 0.4, lo + (hi - lo) * 0.6],
            h.counts.clone(),
        )
    } else {
        (h.edges.clone(), h.counts.clone())
    };
    chart
        .draw_series(counts.iter().enumerate().map(|(i, &c)| {
            let mut bar = Rectangle::new(
                [(edges[i], 0.0), (edges[i + 1], c as f64)],
                BLUE.mix(0.6).filled(),
            );
            bar.set_margin(0, 0, 1, 1);
            bar
        }))
        .map_err(chart_err)?;
    Ok(())
}

fn bar_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x_label: &str,
    bars: &[(String, u64)],
) -> Result<()> {
    if bars.is_empty() {
        return empty(root);
    }
    let top = bars.iter().map(|b| b.1).max().unwrap_or(1).max(1);
    let n = bars.len() as i32;
    let names: Vec<String> = bars.iter().map(|b| cut(&b.0, LABEL_CHARS)).collect();
    let mut chart = builder(root, 150)
        .build_cartesian_2d(0f64..top as f64 * 1.05, (0..n - 1).into_segmented())
        .map_err(chart_err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(6)
        .y_labels(bars.len())
        .x_label_formatter(&|v| short_number(*v))
        .y_label_formatter(&|v| match v {
            // The first bar at the top.
            SegmentValue::CenterOf(i) => names
                .get((n - 1 - *i) as usize)
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        })
        .x_desc(x_label)
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 14))
        .draw()
        .map_err(chart_err)?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, c))| {
            let row = n - 1 - i as i32;
            let mut bar = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(row)),
                    (*c as f64, SegmentValue::Exact(row + 1)),
                ],
                BLUE.mix(0.6).filled(),
            );
            bar.set_margin(3, 3, 0, 0);
            bar
        }))
        .map_err(chart_err)?;
    Ok(())
}

fn box_plot<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x_label: &str,
    q: &Quantiles,
    min: f64,
    max: f64,
) -> Result<()> {
    let (lo, hi) = padded(min, max);
    let pad = (hi - lo) * 0.03;
    let mut chart = builder(root, 20)
        .build_cartesian_2d(lo - pad..hi + pad, 0f64..1f64)
        .map_err(chart_err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_labels(7)
        .x_label_formatter(&|v| short_number(*v))
        .x_desc(x_label)
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 14))
        .draw()
        .map_err(chart_err)?;
    let line = BLACK.stroke_width(2);
    chart
        .draw_series([
            PathElement::new(vec![(q.p5, 0.5), (q.p25, 0.5)], line),
            PathElement::new(vec![(q.p75, 0.5), (q.p95, 0.5)], line),
            PathElement::new(vec![(q.p5, 0.35), (q.p5, 0.65)], line),
            PathElement::new(vec![(q.p95, 0.35), (q.p95, 0.65)], line),
        ])
        .map_err(chart_err)?;
    chart
        .draw_series([Rectangle::new(
            [(q.p25, 0.25), (q.p75, 0.75)],
            BLUE.mix(0.4).filled(),
        )])
        .map_err(chart_err)?;
    chart
        .draw_series([PathElement::new(
            vec![(q.p50, 0.25), (q.p50, 0.75)],
            RED.stroke_width(3),
        )])
        .map_err(chart_err)?;
    chart
        .draw_series([min, max].map(|v| Circle::new((v, 0.5), 4, BLACK.filled())))
        .map_err(chart_err)?;
    Ok(())
}

/// Blue for −1, white for 0, red for +1.
fn diverging(v: f64) -> RGBColor {
    let t = v.clamp(-1.0, 1.0);
    let fade = |full: u8| (255.0 - (255.0 - f64::from(full)) * t.abs()) as u8;
    if t >= 0.0 {
        RGBColor(fade(200), fade(40), fade(40))
    } else {
        RGBColor(fade(40), fade(80), fade(200))
    }
}

fn heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    columns: &[String],
    values: &[Vec<Option<f64>>],
) -> Result<()> {
    if columns.is_empty() {
        return empty(root);
    }
    let n = columns.len() as i32;
    let names: Vec<String> = columns.iter().map(|c| cut(c, 14)).collect();
    let name = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(110)
        .y_label_area_size(110)
        .build_cartesian_2d((0..n - 1).into_segmented(), (0..n - 1).into_segmented())
        .map_err(chart_err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(columns.len())
        .y_labels(columns.len())
        // Column names go under the x axis rotated, drawn below: plotters
        // centres rotated tick labels on the tick, half inside the plot.
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&|v| match v {
            // Row 0 at the top.
            SegmentValue::CenterOf(i) => name(&SegmentValue::CenterOf(n - 1 - i)),
            _ => String::new(),
        })
        .label_style((FAMILY, 12))
        .draw()
        .map_err(chart_err)?;
    let below = TextStyle::from((FAMILY, 12).into_font().transform(FontTransform::Rotate90)).pos(
        plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Left,
            plotters::style::text_anchor::VPos::Center,
        ),
    );
    for (j, label) in names.iter().enumerate() {
        let (x, y) =
            chart.backend_coord(&(SegmentValue::CenterOf(j as i32), SegmentValue::Exact(0)));
        root.draw(&Text::new(label.clone(), (x, y + 8), below.clone()))
            .map_err(chart_err)?;
    }
    for (i, row) in values.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            let (x, y) = (j as i32, n - 1 - i as i32);
            let color = v.map_or(RGBColor(220, 220, 220), diverging);
            chart
                .draw_series([Rectangle::new(
                    [
                        (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                        (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                    ],
                    color.filled(),
                )])
                .map_err(chart_err)?;
            if columns.len() <= HEATMAP_VALUES_UP_TO
                && let Some(v) = v
            {
                let text = format!("{v:.2}");
                let style = TextStyle::from((FAMILY, 12).into_font())
                    .color(if v.abs() > 0.6 { &WHITE } else { &BLACK })
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    ));
                chart
                    .draw_series([Text::new(
                        text,
                        (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                        style,
                    )])
                    .map_err(chart_err)?;
            }
        }
    }
    Ok(())
}

fn lines<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x_label: &str,
    y_label: &str,
    series: &[(String, Histogram)],
) -> Result<()> {
    let Some((_, first)) = series.first() else {
        return empty(root);
    };
    let (lo, hi) = padded(
        first.edges.first().copied().unwrap_or(0.0),
        first.edges.last().copied().unwrap_or(1.0),
    );
    let top = series
        .iter()
        .flat_map(|(_, h)| h.counts.iter().copied())
        .max()
        .unwrap_or(1)
        .max(1);
    let mut chart = builder(root, 64)
        .build_cartesian_2d(lo..hi, 0f64..top as f64 * 1.05)
        .map_err(chart_err)?;
    chart
        .configure_mesh()
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| short_number(*v))
        .y_label_formatter(&|v| short_number(*v))
        .x_desc(x_label)
        .y_desc(y_label)
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 14))
        .draw()
        .map_err(chart_err)?;
    for (k, (name, h)) in series.iter().enumerate() {
        let color = Palette99::pick(k).to_rgba();
        let points: Vec<(f64, f64)> = h
            .counts
            .iter()
            .enumerate()
            .map(|(i, &c)| ((h.edges[i] + h.edges[i + 1]) / 2.0, c as f64))
            .collect();
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(chart_err)?
            .label(cut(name, LABEL_CHARS))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font((FAMILY, 12))
        .draw()
        .map_err(chart_err)?;
    Ok(())
}

fn empty<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>) -> Result<()> {
    let (w, h) = root.dim_in_pixel();
    root.draw(&Text::new(
        "no values",
        (w as i32 / 2 - 30, h as i32 / 2),
        (FAMILY, 16).into_font(),
    ))
    .map_err(chart_err)
}

/// A chart with the key the app and the report file it under.
#[derive(Debug, Clone)]
pub struct Keyed {
    /// `column/<name>/<what>`, `dataset/<what>`, `labels/<what>` or
    /// `images/<what>`.
    pub key: String,
    /// The chart.
    pub chart: Chart,
}

fn numeric_charts(out: &mut Vec<Keyed>, key: &str, what: &str, unit: &str, s: &NumericStats) {
    out.push(Keyed {
        key: format!("{key}/histogram"),
        chart: Chart::Histogram {
            title: format!("{what}: histogram"),
            x_label: unit.to_string(),
            y_label: "rows".into(),
            histogram: s.histogram.clone(),
            dates: false,
        },
    });
    out.push(Keyed {
        key: format!("{key}/box"),
        chart: Chart::BoxPlot {
            title: format!("{what}: box plot (whiskers at the 5th and 95th percentiles)"),
            x_label: unit.to_string(),
            quantiles: s.quantiles,
            min: s.min,
            max: s.max,
        },
    });
}

/// Every chart a profile calls for, in reading order.
pub fn charts_for(profile: &Profile) -> Vec<Keyed> {
    let mut out = Vec::new();
    for c in &profile.columns {
        let key = format!("column/{}", c.name);
        match (c.kind, &c.numeric, &c.datetime, &c.text_length) {
            (Kind::Quantitative, Some(s), _, _) => {
                numeric_charts(&mut out, &key, &c.name, &c.name, s);
            }
            (Kind::Datetime, _, Some(d), _) => out.push(Keyed {
                key: format!("{key}/histogram"),
                chart: Chart::Histogram {
                    title: format!("{}: {} to {}", c.name, d.min, d.max),
                    x_label: format!("{} (date, UTC)", c.name),
                    y_label: "rows".into(),
                    histogram: d.histogram.clone(),
                    dates: true,
                },
            }),
            (Kind::Text, _, _, Some(s)) => out.push(Keyed {
                key: format!("{key}/length"),
                chart: Chart::Histogram {
                    title: format!("{}: length of each value", c.name),
                    x_label: "length (characters)".into(),
                    y_label: "rows".into(),
                    histogram: s.histogram.clone(),
                    dates: false,
                },
            }),
            _ => {}
        }
        if matches!(c.kind, Kind::Categorical | Kind::Ordinal) && !c.top_values.is_empty() {
            out.push(Keyed {
                key: format!("{key}/top"),
                chart: Chart::Bars {
                    title: format!("{}: most frequent values", c.name),
                    x_label: "rows".into(),
                    bars: c
                        .top_values
                        .iter()
                        .map(|v| (v.value.clone(), v.count))
                        .collect(),
                },
            });
        }
    }
    let d = &profile.dataset;
    if let Some(m) = &d.numeric_correlations {
        out.push(Keyed {
            key: "dataset/pearson".into(),
            chart: Chart::Heatmap {
                title: "Pearson correlation".into(),
                columns: m.columns.clone(),
                values: m.primary.clone(),
            },
        });
        if let Some(s) = &m.spearman {
            out.push(Keyed {
                key: "dataset/spearman".into(),
                chart: Chart::Heatmap {
                    title: "Spearman rank correlation".into(),
                    columns: m.columns.clone(),
                    values: s.clone(),
                },
            });
        }
    }
    if let Some(m) = &d.categorical_associations {
        out.push(Keyed {
            key: "dataset/cramers-v".into(),
            chart: Chart::Heatmap {
                title: "Cramér's V between categorical columns".into(),
                columns: m.columns.clone(),
                values: m.primary.clone(),
            },
        });
    }
    if let Some(l) = &profile.labels {
        out.push(Keyed {
            key: "labels/distribution".into(),
            chart: Chart::Bars {
                title: format!("Label distribution ({})", l.column),
                x_label: "rows".into(),
                bars: l
                    .distribution
                    .iter()
                    .map(|v| (v.value.clone(), v.count))
                    .collect(),
            },
        });
        if !l.confidence.is_empty() {
            out.push(Keyed {
                key: "labels/confidence".into(),
                chart: Chart::Lines {
                    title: "Model confidence per class".into(),
                    x_label: "confidence (probability)".into(),
                    y_label: "rows".into(),
                    series: l
                        .confidence
                        .iter()
                        .map(|c| (c.class.clone(), c.histogram.clone()))
                        .collect(),
                },
            });
        }
    }
    if let Some(i) = &profile.images {
        for (what, unit, s) in [
            ("width", "width (px)", &i.width),
            ("height", "height (px)", &i.height),
            ("aspect", "aspect (width / height)", &i.aspect),
            ("file-size", "file size (KiB)", &i.file_kib),
        ] {
            if let Some(s) = s {
                out.push(Keyed {
                    key: format!("images/{what}"),
                    chart: Chart::Histogram {
                        title: format!("Images: {unit}"),
                        x_label: unit.into(),
                        y_label: "images".into(),
                        histogram: s.histogram.clone(),
                        dates: false,
                    },
                });
            }
        }
        if !i.formats.is_empty() {
            out.push(Keyed {
                key: "images/formats".into(),
                chart: Chart::Bars {
                    title: "Images: formats".into(),
                    x_label: "images".into(),
                    bars: i
                        .formats
                        .iter()
                        .map(|v| (v.value.clone(), v.count))
                        .collect(),
                },
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_stay_short() {
        assert_eq!(short_number(1234567.0), "1.2M");
        assert_eq!(short_number(20000.0), "20k");
        assert_eq!(short_number(0.0123), "0.012");
        assert_eq!(short_number(0.0), "0");
        assert_eq!(short_number(512.0), "512");
        assert_eq!(short_number(35.0), "35");
        assert_eq!(short_number(2.5), "2.5");
        assert_eq!(short_number(-1000.0), "-1000");
    }
}
