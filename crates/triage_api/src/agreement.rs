//! How far people agree, and consolidation: kappas, Krippendorff's alpha,
//! each person's Dawid–Skene accuracy, the review queue, and merged labels.
//!
//! Reads people's standing answers from the store; calls
//! `triage_learn::consensus` and `triage_learn::boxes`; writes only
//! `consolidated` events (one transaction per consolidation).

use std::collections::BTreeMap;

use serde::Serialize;
use triage_core::{AnnotationSource, BoundingBox, BoxesLabel, Label};
use triage_learn::boxes::merge_boxes;
use triage_learn::consensus::{self, Answer};

use crate::{Project, Result};

/// One person's answers and estimated accuracy.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
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
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
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
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
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

/// An item people disagree on, with each one's answer: the review queue.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ReviewItem {
    /// The item, with its current label.
    pub item: crate::ItemDto,
    /// Each person's standing answer, by name.
    pub answers: Vec<(String, String)>,
    /// Its current label is a review (the lead's own, or anyone's here
    /// after a consolidation): it stands, and the app leaves it out.
    pub reviewed: bool,
    /// The class to offer the lead: the consolidated label when there is
    /// one, else the answer most people gave (none on a tie).
    pub proposed: Option<String>,
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

    /// The items whose answers differ, with their answers.
    fn disagreeing(&self) -> impl Iterator<Item = &(i64, Vec<(usize, u32)>)> + '_ {
        self.several
            .iter()
            .filter(|(_, g)| g.iter().any(|x| x.1 != g[0].1))
    }
}

impl Project {
    /// Agreement among the people who labeled this project.
    pub fn agreement(&self) -> Result<Agreement> {
        let gathered = Answers::of(self)?;
        let disagreements = gathered.disagreeing().map(|(item, _)| *item).collect();
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

impl Project {
    /// The items people disagree on, each with everyone's answer; those the
    /// lead has not decided yet first, then by id.
    pub fn review_queue(&self) -> Result<Vec<ReviewItem>> {
        let gathered = Answers::of(self)?;
        let lead = self.annotator()?;
        let class_name = |c: u32| self.schema.name_of(c).unwrap_or("?").to_owned();
        let mut queue = Vec::new();
        for &(item, ref given) in gathered.disagreeing() {
            let row = self.store.item(item)?;
            let reviewed = self.reviewed(item, row.label.as_ref(), lead.as_deref())?;
            let item = crate::ItemDto::new(row, &self.schema, &self.thumbs_dir());
            let answers: Vec<(String, String)> = given
                .iter()
                .map(|&(who, c)| (gathered.names[who].clone(), class_name(c)))
                .collect();
            let proposed = match &item.label {
                Some(l) if l.source == AnnotationSource::Consolidated => Some(l.class_name.clone()),
                _ => clear_majority(answers.iter().map(|(_, c)| c.as_str())),
            };
            queue.push(ReviewItem {
                item,
                answers,
                reviewed,
                proposed,
            });
        }
        queue.sort_by_key(|r| (r.reviewed, r.item.id));
        Ok(queue)
    }
}

impl Project {
    /// Of an [`Agreement`]'s disagreements, those no review has settled
    /// yet: what the review queue still asks of the lead.
    pub(crate) fn open_disagreements(&self, agreement: &Agreement) -> Result<u64> {
        let lead = self.annotator()?;
        let mut open = 0;
        for &item in &agreement.disagreements {
            let row = self.store.item(item)?;
            open += u64::from(!self.reviewed(item, row.label.as_ref(), lead.as_deref())?);
        }
        Ok(open)
    }
}

/// How several people's answers become one label; shells send `em`,
/// `one-coin` or `majority`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, ts_rs::TS)]
pub enum ConsolidationMethod {
    /// Dawid–Skene: weighs each person by their estimated reliability.
    #[serde(rename = "em", alias = "dawid-skene")]
    DawidSkene,
    /// Dawid–Skene with one accuracy per person: for thin overlap among
    /// people known to answer in earnest.
    #[serde(rename = "one-coin")]
    OneCoin,
    /// The most frequent answer; the simple baseline.
    #[serde(rename = "majority", alias = "majority-vote")]
    MajorityVote,
}

impl ConsolidationMethod {
    /// Its name, recorded as the consolidated events' annotator.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DawidSkene => "dawid-skene",
            Self::OneCoin => "one-coin",
            Self::MajorityVote => "majority-vote",
        }
    }
}

impl std::str::FromStr for ConsolidationMethod {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "em" | "dawid-skene" => Ok(Self::DawidSkene),
            "one-coin" => Ok(Self::OneCoin),
            "majority" | "majority-vote" => Ok(Self::MajorityVote),
            other => Err(crate::Error::Invalid(format!(
                "unknown consolidation method {other} (em, one-coin or majority)"
            ))),
        }
    }
}

/// What a consolidation did.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
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
        if self.schema.task == triage_core::TaskKind::ObjectDetection {
            return self.consolidate_boxes(at);
        }
        let gathered = Answers::of(self)?;
        let Answers {
            names,
            several,
            answers,
            ..
        } = &gathered;
        let k = self.schema.classes.len();
        let lead = self.annotator()?;
        let merged = match method {
            ConsolidationMethod::DawidSkene => {
                consensus::dawid_skene(answers, several.len(), k, names.len()).items
            }
            ConsolidationMethod::OneCoin => {
                let model = consensus::AnnotatorModel::OneCoin;
                consensus::dawid_skene_with(answers, several.len(), k, names.len(), model).items
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
                    && l.class() == Some(m.class)
                    && l.confidence
                        .is_some_and(|c| (c - m.confidence).abs() < 1e-9)
            });
            if !unchanged && !self.reviewed(*item, current.as_ref(), lead.as_deref())? {
                events.push(triage_store::NewAnnotation {
                    label: Some(Label::Class(m.class)),
                    ..consolidated(*item, method.as_str(), m.confidence, at)
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

    /// Whether the item's current label is a review: a label given in this
    /// project by its annotator (the lead), or by anyone here after a
    /// consolidation. A review has the last word and is not consolidated
    /// over. Answers pulled from the team are never reviews.
    fn reviewed(
        &self,
        item: i64,
        current: Option<&triage_core::Annotation>,
        lead: Option<&str>,
    ) -> Result<bool> {
        let Some(current) = current.filter(|l| l.source == AnnotationSource::Human) else {
            return Ok(false);
        };
        if self.store.is_merged(current.id)? {
            return Ok(false);
        }
        if lead.is_some() && current.annotator.as_deref() == lead {
            return Ok(true);
        }
        Ok(self
            .store
            .events(item)?
            .iter()
            .any(|e| e.source == AnnotationSource::Consolidated && e.id < current.id))
    }

    /// Boxes: each item's people's boxes matched by IoU (at least 0.5, same
    /// class) and averaged where most people drew them, as Ground Truth
    /// does. Each merged box keeps its own confidence in the event's
    /// metadata (the manifest's `objects`); the event's is their mean, or
    /// for no boxes, the share of people who drew none.
    fn consolidate_boxes(&mut self, at: triage_core::Timestamp) -> Result<ConsolidationSummary> {
        let mut by_item: BTreeMap<i64, Vec<BoxesLabel>> = BTreeMap::new();
        for (item, _, boxes) in self.store.human_box_answers()? {
            by_item.entry(item).or_default().push(boxes);
        }
        by_item.retain(|_, answers| answers.len() >= 2);
        let lead = self.annotator()?;
        let mut events = Vec::new();
        let mut disagreements = 0;
        for (&item, answers) in &by_item {
            let people: Vec<Vec<BoundingBox>> =
                answers.iter().map(|a| a.annotations.clone()).collect();
            let merged = merge_boxes(&people, 0.5);
            let drawn: usize = people.iter().map(Vec::len).sum();
            if merged.iter().any(|m| m.support < people.len())
                || drawn != merged.len() * people.len()
            {
                disagreements += 1;
            }
            let confidence = if merged.is_empty() {
                people.iter().filter(|p| p.is_empty()).count() as f64 / people.len() as f64
            } else {
                merged.iter().map(|m| m.confidence).sum::<f64>() / merged.len() as f64
            };
            let label = Label::Boxes(BoxesLabel {
                image_size: answers[0].image_size.clone(),
                annotations: merged.iter().map(|m| m.bbox).collect(),
            });
            let current = self.store.item(item)?.label;
            let unchanged = current.as_ref().is_some_and(|l| {
                l.source == AnnotationSource::Consolidated && l.label.as_ref() == Some(&label)
            });
            if unchanged || self.reviewed(item, current.as_ref(), lead.as_deref())? {
                continue;
            }
            let objects: Vec<serde_json::Value> = merged
                .iter()
                .map(|m| serde_json::json!({ "confidence": m.confidence }))
                .collect();
            events.push(triage_store::NewAnnotation {
                label: Some(label),
                meta: Some(serde_json::json!({ "objects": objects }).to_string()),
                ..consolidated(item, BOX_METHOD, confidence, at)
            });
        }
        let written = self.store.append_all(&events)?;
        Ok(ConsolidationSummary {
            items: by_item.len() as u64,
            written,
            disagreements,
        })
    }
}

/// The answer given more often than any other, or `None` on a tie.
fn clear_majority<'a>(answers: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
    for a in answers {
        *votes.entry(a).or_default() += 1;
    }
    let mut ranked: Vec<(&str, usize)> = votes.into_iter().collect();
    ranked.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    match ranked.as_slice() {
        [(only, _)] => Some((*only).to_owned()),
        [(top, n), (_, m), ..] if n > m => Some((*top).to_owned()),
        _ => None,
    }
}

/// The name box consolidations are recorded under.
const BOX_METHOD: &str = "iou-average";

/// A consolidated event with no label yet.
fn consolidated(
    item: i64,
    method: &str,
    confidence: f64,
    at: triage_core::Timestamp,
) -> triage_store::NewAnnotation {
    triage_store::NewAnnotation {
        item,
        label: None,
        source: AnnotationSource::Consolidated,
        annotator: Some(method.into()),
        model_version: None,
        confidence: Some(confidence),
        at,
        time_spent_ms: None,
        undoes: None,
        meta: None,
    }
}

#[cfg(test)]
mod tests {
    use super::clear_majority;

    #[test]
    fn the_offered_answer_is_a_clear_majority_or_none() {
        let of = |a: &[&str]| clear_majority(a.iter().copied());
        assert_eq!(of(&["cat", "dog", "cat"]), Some("cat".into()));
        assert_eq!(of(&["cat", "dog"]), None);
        assert_eq!(of(&["dog"]), Some("dog".into()));
        assert_eq!(of(&[]), None);
    }
}
