//! How far people agree on the items several of them answered: kappa per
//! pair and overall, Krippendorff's alpha, and each person's accuracy as
//! the Dawid–Skene model estimates it. Read-only.

use std::collections::BTreeMap;

use serde::Serialize;
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

impl Project {
    /// Agreement among the people who labeled this project.
    pub fn agreement(&self) -> Result<Agreement> {
        let rows = self.store.human_answers()?;
        let names: Vec<String> = rows
            .iter()
            .map(|(_, a, _)| a.clone().unwrap_or_else(|| "unknown".into()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let index = |a: &Option<String>| {
            let name = a.as_deref().unwrap_or("unknown");
            names.iter().position(|n| n == name).unwrap_or(0)
        };
        // Items by dense index, keeping only those several people answered.
        let mut by_item: BTreeMap<i64, Vec<(usize, u32)>> = BTreeMap::new();
        for (item, annotator, class) in &rows {
            by_item
                .entry(*item)
                .or_default()
                .push((index(annotator), *class));
        }
        let several: Vec<(i64, &Vec<(usize, u32)>)> = by_item
            .iter()
            .filter(|(_, a)| a.len() >= 2)
            .map(|(i, a)| (*i, a))
            .collect();
        let answers: Vec<Answer> = several
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
        let k = self.schema.classes.len();
        let n = several.len();
        let ds = (n > 0).then(|| consensus::dawid_skene(&answers, n, k, names.len()));
        let mut per_person = vec![0u64; names.len()];
        let mut shares_any = vec![false; names.len()];
        for (_, annotator, _) in &rows {
            per_person[index(annotator)] += 1;
        }
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
                let shared = ax
                    .iter()
                    .filter(|a| ay.iter().any(|b| b.item == a.item))
                    .count() as u64;
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
            disagreements: several
                .iter()
                .filter(|(_, given)| given.iter().any(|g| g.1 != given[0].1))
                .map(|(item, _)| *item)
                .collect(),
        })
    }
}
