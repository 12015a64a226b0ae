//! How far people agree on the items several of them answered: kappa per
//! pair and overall, Krippendorff's alpha, and each person's accuracy as
//! the Dawid–Skene model estimates it. Read-only.

use std::collections::BTreeMap;

use serde::Serialize;
use triage_core::AnnotationSource;
use triage_learn::consensus::{self, Answer};

use crate::{Project, Result};

/// One person's answers and estimated accuracy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnotatorAgreement {
    /// Their name (`unknown` for answers given without one).
    pub annotator: String,
    /// Items they answered.
    pub answers: u64,
    /// Their accuracy as Dawid–Skene estimates it, from the items several
    /// people answered; `None` when they share none.
    pub estimated_accuracy: Option<f64>,
}

/// Agreement between two people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairAgreement {
    /// One person.
    pub a: String,
    /// The other.
    pub b: String,
    /// Items both answered.
    pub shared: u64,
    /// Cohen's kappa over those; `None` below two items.
    pub cohen_kappa: Option<f64>,
}

/// Agreement across a project.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    /// Everyone who answered.
    pub annotators: Vec<AnnotatorAgreement>,
    /// Every pair that shares at least one item.
    pub pairs: Vec<PairAgreement>,
    /// Items answered by two people or more.
    pub items_with_several: u64,
    /// Fleiss' kappa over those.
    pub fleiss_kappa: Option<f64>,
    /// Krippendorff's alpha (nominal) over those.
    pub krippendorff_alpha: Option<f64>,
    /// Items whose answers differ: the review queue, by item id.
    pub disagreements: Vec<i64>,
}

/// People's standing answers, gathered for the consensus functions.
struct Answers {
    /// Everyone who answered, sorted (`unknown` for no name).
    names: Vec<String>,
    /// Answers per person, over all items.
    per_person: Vec<u64>,
    /// The items two people or more answered: id and (person, class).
    several: Vec<(i64, Vec<(usize, u32)>)>,
    /// Those answers, with items numbered in `several`'s order.
    answers: Vec<Answer>,
}

impl Answers {
    fn of(project: &Project) -> Result<Self> {
        let rows = project.store.human_answers()?;
        let name = |a: &Option<String>| a.clone().unwrap_or_else(|| "unknown".into());
        let mut names: Vec<String> = rows.iter().map(|(_, a, _)| name(a)).collect();
        names.sort();
        names.dedup();
        let mut per_person = vec![0u64; names.len()];
        let mut by_item: BTreeMap<i64, Vec<(usize, u32)>> = BTreeMap::new();
        for (item, annotator, class) in &rows {
            let who = names.binary_search(&name(annotator)).unwrap_or(0);
            per_person[who] += 1;
            by_item.entry(*item).or_default().push((who, *class));
        }
        let several: Vec<(i64, Vec<(usize, u32)>)> =
            by_item.into_iter().filter(|(_, a)| a.len() >= 2).collect();
        let answers = several
            .iter()
            .enumerate()
            .flat_map(|(item, (_, given))| {
                given.iter().map(move |&(annotator, class)| Answer {
                    item,
                    annotator,
                    class,
                })
            })
            .collect();
        Ok(Self {
            names,
            per_person,
            several,
            answers,
        })
    }

    /// How many items have differing answers.
    fn disagreeing(&self) -> impl Iterator<Item = i64> + '_ {
        self.several
            .iter()
            .filter(|(_, g)| g.iter().any(|x| x.1 != g[0].1))
            .map(|(item, _)| *item)
    }
}

impl Project {
    /// Agreement among the people who labeled this project.
    pub fn agreement(&self) -> Result<Agreement> {
        let gathered = Answers::of(self)?;
        let disagreements = gathered.disagreeing().collect();
        let Answers {
            names,
            per_person,
            several,
            answers,
        } = gathered;
        let k = self.schema.classes.len();
        let n = several.len();
        let ds = (n > 0).then(|| consensus::dawid_skene(&answers, n, k, names.len()));
        let mut shares_any = vec![false; names.len()];
        for a in &answers {
            shares_any[a.annotator] = true;
        }
        let mut pairs = Vec::new();
        for x in 0..names.len() {
            for y in x + 1..names.len() {
                let of = |who: usize| -> Vec<Answer> {
                    answers
                        .iter()
                        .filter(|a| a.annotator == who)
                        .copied()
                        .collect()
                };
                let (ax, ay) = (of(x), of(y));
                let items: std::collections::HashSet<usize> = ay.iter().map(|b| b.item).collect();
                let shared = ax.iter().filter(|a| items.contains(&a.item)).count() as u64;
                if shared > 0 {
                    pairs.push(PairAgreement {
                        a: names[x].clone(),
                        b: names[y].clone(),
                        shared,
                        cohen_kappa: consensus::cohen_kappa(&ax, &ay, k),
                    });
                }
            }
        }
        Ok(Agreement {
            annotators: names
                .iter()
                .enumerate()
                .map(|(i, name)| AnnotatorAgreement {
                    annotator: name.clone(),
                    answers: per_person[i],
                    estimated_accuracy: ds
                        .as_ref()
                        .filter(|_| shares_any[i])
                        .map(|d| d.accuracy[i]),
                })
                .collect(),
            pairs,
            items_with_several: n as u64,
            fleiss_kappa: consensus::fleiss_kappa(&answers, n, k),
            krippendorff_alpha: consensus::krippendorff_alpha(&answers, n, k),
            disagreements,
        })
    }
}

/// How several people's answers become one label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsolidationMethod {
    /// Dawid–Skene: weighs each person by their estimated reliability.
    DawidSkene,
    /// The most frequent answer; the simple baseline.
    MajorityVote,
}

impl ConsolidationMethod {
    /// Its name, recorded as the consolidated events' annotator.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DawidSkene => "dawid-skene",
            Self::MajorityVote => "majority-vote",
        }
    }
}

impl std::str::FromStr for ConsolidationMethod {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "em" | "dawid-skene" => Ok(Self::DawidSkene),
            "majority" | "majority-vote" => Ok(Self::MajorityVote),
            other => Err(crate::Error::Invalid(format!(
                "unknown consolidation method {other} (em or majority)"
            ))),
        }
    }
}

/// What a consolidation did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsolidationSummary {
    /// Items answered by two people or more.
    pub items: u64,
    /// Consolidated labels written (items whose merged label or confidence
    /// changed since the last consolidation).
    pub written: u64,
    /// Items whose answers differ.
    pub disagreements: u64,
}

impl Project {
    /// Merges the answers of items several people labeled into one
    /// `consolidated` event each, with the method's confidence. It outranks
    /// the answers it merged (and a later person's label outranks it), so
    /// exports and the model use it. Running it again writes only what
    /// changed.
    pub fn consolidate(
        &mut self,
        method: ConsolidationMethod,
        at: triage_core::Timestamp,
    ) -> Result<ConsolidationSummary> {
        let gathered = Answers::of(self)?;
        let Answers {
            names,
            several,
            answers,
            ..
        } = &gathered;
        let k = self.schema.classes.len();
        let merged = match method {
            ConsolidationMethod::DawidSkene => {
                consensus::dawid_skene(answers, several.len(), k, names.len()).items
            }
            ConsolidationMethod::MajorityVote => {
                consensus::majority_vote(answers, several.len(), k)
            }
        };
        let mut events = Vec::new();
        for ((item, _), m) in several.iter().zip(merged) {
            let Some(m) = m else { continue };
            let current = self.store.item(*item)?.label;
            let unchanged = current.as_ref().is_some_and(|l| {
                l.source == AnnotationSource::Consolidated
                    && l.class == Some(m.class)
                    && l.confidence
                        .is_some_and(|c| (c - m.confidence).abs() < 1e-9)
            });
            // A person who labels an item after its consolidation (a lead
            // reviewing it) has the last word; it is not consolidated over.
            let reviewed = current.is_some_and(|l| l.source == AnnotationSource::Human)
                && self
                    .store
                    .events(*item)?
                    .iter()
                    .any(|e| e.source == AnnotationSource::Consolidated);
            if !unchanged && !reviewed {
                events.push(triage_store::NewAnnotation {
                    item: *item,
                    class: Some(m.class),
                    boxes: None,
                    classes: None,
                    source: AnnotationSource::Consolidated,
                    annotator: Some(method.as_str().into()),
                    model_version: None,
                    confidence: Some(m.confidence),
                    at,
                    time_spent_ms: None,
                    undoes: None,
                    meta: None,
                });
            }
        }
        let written = self.store.append_all(&events)?;
        Ok(ConsolidationSummary {
            items: several.len() as u64,
            written,
            disagreements: gathered.disagreeing().count() as u64,
        })
    }
}
