//! Simulation: the whole loop on a dataset whose truth is known but hidden
//! from the model, with a simulated annotator that answers from the truth.
//! It runs in a real, temporary project, so what it measures is what a
//! user's project does.
//!
//! Reads the dataset through import; calls the project's own use cases
//! (label, round); writes only the temporary project.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::Serialize;
use triage_core::{AnnotationSource, ItemId, TaskKind};

use crate::learn::RoundOptions;
use crate::{CreateOptions, Error, ImportOptions, Project, Result};

/// Where the hidden truth is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Truth {
    /// An image folder's first-level subfolders name the classes.
    Folders,
    /// A table column holds each row's class.
    Column(String),
}

impl Truth {
    /// `folders`, or the name of the column that holds the truth.
    pub fn parse(s: &str) -> Self {
        if s == "folders" {
            Self::Folders
        } else {
            Self::Column(s.to_owned())
        }
    }

    /// The task a simulation runs: folders hold images, or texts when the
    /// task says so; a column's table holds rows, or texts when a text
    /// column is named.
    pub fn task(&self, task: Option<TaskKind>, text_column: Option<&str>) -> Result<TaskKind> {
        let fitting = match (self, text_column) {
            (Self::Folders, None) => [TaskKind::ImageClassification, TaskKind::TextClassification],
            (Self::Column(_), None) => [TaskKind::RowClassification; 2],
            (Self::Column(_), Some(_)) => [TaskKind::TextClassification; 2],
            (Self::Folders, Some(_)) => {
                return Err(Error::Invalid(
                    "--text-column names a table column; the truth is in folders".into(),
                ));
            }
        };
        match task {
            None => Ok(fitting[0]),
            Some(t) if fitting.contains(&t) => Ok(t),
            Some(t) => Err(Error::Invalid(format!(
                "--task {} does not fit this --truth: folders hold images or texts, a \
                 column's table holds rows, or texts with --text-column",
                t.as_str()
            ))),
        }
    }
}

/// One round of a simulation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimRound {
    /// The round, from 1.
    pub round: u64,
    /// Human labels so far.
    pub human_labels: u64,
    /// Items auto-labeled now.
    pub auto_labeled: u64,
    /// The estimated accuracy of the auto-labels.
    pub auto_accuracy_estimated: Option<f64>,
    /// Their accuracy against the truth.
    pub auto_accuracy_true: Option<f64>,
}

/// How a simulation ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimSummary {
    /// Items in the dataset.
    pub items: u64,
    /// Human labels the loop needed.
    pub human_labels: u64,
    /// Items auto-labeled at the end.
    pub auto_labeled: u64,
    /// The last estimate of auto-label accuracy.
    pub auto_accuracy_estimated: Option<f64>,
    /// The true accuracy of the auto-labels at the end.
    pub auto_accuracy_true: Option<f64>,
    /// Rounds run.
    pub rounds: u64,
    /// The last round's model, if it trained one.
    pub algorithm: Option<String>,
    /// Human labels whose item ended with another label (must be 0).
    pub human_labels_overwritten: u64,
    /// Each round.
    pub per_round: Vec<SimRound>,
}

/// A folder that is removed when dropped, for the simulation's project.
struct ScratchDir(PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The class names the truth holds, sorted.
fn truth_classes(path: &Path, truth: &Truth) -> Result<Vec<String>> {
    let mut names: Vec<String> = match truth {
        Truth::Folders => std::fs::read_dir(path)
            .map_err(|e| Error::Path {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?
            .filter_map(std::result::Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Truth::Column(c) => {
            let options = triage_data::table::TableOptions {
                id_column: None,
                label_column: Some(c.clone()),
                text_column: None,
            };
            let (rows, report) = triage_data::table::read_table(path, &options);
            if let Some(p) = report.problems.iter().find(|p| p.position.is_none()) {
                return Err(Error::Invalid(p.to_string()));
            }
            rows.into_iter().filter_map(|r| r.label).collect()
        }
    };
    names.sort();
    names.dedup();
    Ok(names)
}

/// A project in a temporary folder holding the data without its truth,
/// and the truth (class name) of each item. The folder goes with the
/// returned guard.
fn scratch_project(
    path: &Path,
    truth: &Truth,
    task: TaskKind,
    text_column: Option<&str>,
) -> Result<(ScratchDir, Project, HashMap<ItemId, String>)> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let scratch =
        ScratchDir(std::env::temp_dir().join(format!("triage-sim-{}-{nanos}", std::process::id())));
    let classes = truth_classes(path, truth)?;
    if classes.len() < 2 {
        return Err(Error::Invalid(format!(
            "{}: the truth has fewer than two classes",
            path.display()
        )));
    }
    let create = CreateOptions::new(task, classes);
    let mut project = Project::create(&scratch.0.join("project"), &create, crate::now())?;
    if let Truth::Column(c) = truth {
        // The truth must never be a feature.
        project.skip_feature(c)?;
    }
    let import = ImportOptions {
        text_column: text_column.map(str::to_owned),
        ..ImportOptions::default()
    };
    project.import(path, &import, crate::now(), &|_, _| {})?;
    let names = read_truth(&project, path, truth)?;
    Ok((scratch, project, names))
}

/// What a simulation runs on: the data, where its truth is, and what task.
#[derive(Debug, Clone)]
pub struct SimData<'a> {
    /// An image or text folder, or a table.
    pub path: &'a Path,
    /// Where the truth is.
    pub truth: Truth,
    /// The task, from [`Truth::task`].
    pub task: TaskKind,
    /// A table's text column, for text items.
    pub text_column: Option<&'a str>,
    /// A registered embedding model to learn from.
    pub embedding: Option<&'a str>,
}

impl<'a> SimData<'a> {
    /// The data at `path` with its truth; the task follows from the truth
    /// and the text column unless one is named (and must fit).
    pub fn new(
        path: &'a Path,
        truth: Truth,
        task: Option<TaskKind>,
        text_column: Option<&'a str>,
    ) -> Result<Self> {
        let task = truth.task(task, text_column)?;
        Ok(Self {
            path,
            truth,
            task,
            text_column,
            embedding: None,
        })
    }

    fn project(&self) -> Result<(ScratchDir, Project, HashMap<ItemId, String>)> {
        let (scratch, mut project, truth) =
            scratch_project(self.path, &self.truth, self.task, self.text_column)?;
        if let Some(name) = self.embedding {
            project.use_model(name, &AtomicBool::new(false), &|_, _| {})?;
        }
        Ok((scratch, project, truth))
    }
}

/// Runs the loop until every item has a label, or `max_rounds`.
pub fn simulate(
    data: &SimData<'_>,
    options: &RoundOptions,
    max_rounds: u64,
    on_round: &dyn Fn(&SimRound),
) -> Result<SimSummary> {
    let (_scratch, mut project, truth) = data.project()?;
    let class_of: HashMap<ItemId, u32> = truth
        .iter()
        .filter_map(|(&id, name)| project.schema.index_of(name).ok().map(|c| (id, c)))
        .collect();

    let cancel = AtomicBool::new(false);
    let mut per_round = Vec::new();
    let mut human: HashMap<ItemId, u32> = HashMap::new();
    let mut algorithm = None;
    for round in 1..=max_rounds {
        let opts = RoundOptions {
            seed: options.seed.wrapping_add(round),
            ..options.clone()
        };
        let summary = project.run_round(&opts, &cancel, crate::now())?;
        algorithm = summary.algorithm.clone();
        let (auto, correct) = score(&project, &class_of)?;
        let sim = SimRound {
            round,
            human_labels: human.len() as u64,
            auto_labeled: auto,
            auto_accuracy_estimated: summary.estimated_accuracy.map(|i| i.estimate),
            auto_accuracy_true: (auto > 0).then(|| correct as f64 / auto as f64),
        };
        on_round(&sim);
        per_round.push(sim);
        if summary.counts.unlabeled == 0 {
            break; // every item has a label, a person's or the model's
        }
        let next = project.next_items(options.batch)?;
        if next.is_empty() {
            break;
        }
        let mut answered = 0;
        for item in next {
            // An item with no truth (a missing value) cannot be answered.
            let Some(&class) = class_of.get(&item.id) else {
                continue;
            };
            let name = project.schema.name_of(class).unwrap_or_default().to_owned();
            project.label(
                &item.id.to_string(),
                &name,
                Some("simulator"),
                None,
                crate::now(),
            )?;
            human.insert(item.id, class);
            answered += 1;
        }
        if answered == 0 {
            break;
        }
    }

    let mut overwritten = 0;
    for (&id, &class) in &human {
        let label = project.store.item(id)?.label;
        if !label.is_some_and(|l| l.source == AnnotationSource::Human && l.class() == Some(class)) {
            overwritten += 1;
        }
    }
    let last = per_round.last().cloned();
    Ok(SimSummary {
        items: class_of.len() as u64,
        human_labels: human.len() as u64,
        auto_labeled: last.as_ref().map_or(0, |l| l.auto_labeled),
        auto_accuracy_estimated: last.as_ref().and_then(|l| l.auto_accuracy_estimated),
        auto_accuracy_true: last.as_ref().and_then(|l| l.auto_accuracy_true),
        rounds: per_round.len() as u64,
        algorithm,
        human_labels_overwritten: overwritten,
        per_round,
    })
}

/// Each item's true class name, read from its folder or its row.
fn read_truth(project: &Project, root: &Path, truth: &Truth) -> Result<HashMap<ItemId, String>> {
    let root = std::path::absolute(root).map_err(|e| Error::Invalid(e.to_string()))?;
    let mut out = HashMap::new();
    project.store.for_each_item(|item| -> Result<()> {
        let class = match truth {
            Truth::Folders => item.uri.as_deref().and_then(|uri| {
                let rel = Path::new(uri).strip_prefix(&root).ok()?;
                let mut parts = rel.components();
                let first = parts.next()?;
                parts.next()?;
                Some(first.as_os_str().to_string_lossy().into_owned())
            }),
            Truth::Column(c) => item
                .payload
                .as_deref()
                .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
                .and_then(|v| match v.get(c)? {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                }),
        };
        if let Some(class) = class {
            out.insert(item.id, class);
        }
        Ok(())
    })?;
    Ok(out)
}

/// Auto-labels now, and how many of them are right.
fn score(project: &Project, truth: &HashMap<ItemId, u32>) -> Result<(u64, u64)> {
    let (mut auto, mut correct) = (0, 0);
    project.store.for_each_item(|item| -> Result<()> {
        if let Some(l) = item
            .label
            .as_ref()
            .filter(|l| l.source == AnnotationSource::Model)
        {
            auto += 1;
            correct += u64::from(truth.get(&item.id) == l.class().as_ref());
        }
        Ok(())
    })?;
    Ok((auto, correct))
}

/// Human labels a strategy needs before the model reaches an accuracy on a
/// fixed, random held-out set: the classic active-learning comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LearningCurve {
    /// The strategy.
    pub strategy: String,
    /// Labels given and held-out accuracy after each batch.
    pub points: Vec<(u64, f64)>,
    /// Labels needed to reach the accuracy asked for, if it was reached.
    pub labels_to_reach: Option<u64>,
}

/// Labels items in batches chosen by `options.strategy` (the first batch at
/// random), trains the default model after each, and measures it on a
/// random `holdout` share that is never labeled.
pub fn learning_curve(
    data: &SimData<'_>,
    options: &RoundOptions,
    holdout: f64,
    reach: f64,
) -> Result<LearningCurve> {
    use triage_learn::Axis;
    use triage_learn::model::{Algorithm, argmax, fit};
    use triage_learn::strategy::{Strategy, select_batch};

    let (_scratch, mut project, names) = data.project()?;
    let (ids, x) = project.feature_matrix(&AtomicBool::new(false), &|_, _| {})?;
    let y: Vec<Option<u32>> = ids
        .iter()
        .map(|id| names.get(id).and_then(|n| project.schema.index_of(n).ok()))
        .collect();
    let n_classes = project.schema.classes.len();

    // A seeded split: every k-th row of a shuffled order is held out.
    let known: Vec<usize> = (0..ids.len()).filter(|&i| y[i].is_some()).collect();
    let order = select_batch(
        &known,
        None,
        &x,
        Strategy::Random,
        known.len(),
        1.0,
        options.seed,
    );
    let n_holdout = (known.len() as f64 * holdout).round() as usize;
    let test: Vec<usize> = order[..n_holdout].iter().map(|p| p.row).collect();
    let mut pool: Vec<usize> = order[n_holdout..].iter().map(|p| p.row).collect();
    let x_test = triage_learn::rows_of(&x, &test);
    let mut labeled: Vec<usize> = Vec::new();
    let mut points = Vec::new();
    let mut labels_to_reach = None;
    let mut probs: Option<triage_learn::Matrix> = None;
    while !pool.is_empty() {
        let strategy = if probs.is_none() {
            Strategy::Random
        } else {
            options.strategy
        };
        let local: Vec<usize> = (0..pool.len()).collect();
        let x_pool = x.select(Axis(0), &pool);
        let picks = select_batch(
            &local,
            probs.as_ref(),
            &x_pool,
            strategy,
            options.batch,
            0.0,
            options.seed,
        );
        let mut chosen: Vec<usize> = picks.iter().map(|p| p.row).collect();
        chosen.sort_unstable_by(|a, b| b.cmp(a));
        for k in chosen {
            labeled.push(pool.swap_remove(k));
        }
        let y_train: Vec<u32> = labeled.iter().filter_map(|&i| y[i]).collect();
        let model = match fit(
            triage_learn::rows_of(&x, &labeled).view(),
            &y_train,
            n_classes,
            Algorithm::Logistic { alpha: 0.1 },
            options.seed,
        ) {
            Ok(m) => m,
            Err(_) => continue, // one class so far
        };
        let p_test = model.predict_proba(x_test.view());
        let correct = test
            .iter()
            .enumerate()
            .filter(|(k, i)| Some(argmax(p_test.row(*k)).0) == y[**i])
            .count();
        let accuracy = correct as f64 / test.len().max(1) as f64;
        points.push((labeled.len() as u64, accuracy));
        if accuracy >= reach {
            labels_to_reach = Some(labeled.len() as u64);
            break;
        }
        probs = Some(model.predict_proba(triage_learn::rows_of(&x, &pool).view()));
    }
    Ok(LearningCurve {
        strategy: options.strategy.as_str().to_owned(),
        points,
        labels_to_reach,
    })
}
