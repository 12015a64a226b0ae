//! Several people's answers to the same items: merged into one label per
//! item (majority vote, or the Dawid–Skene EM model that learns how
//! reliable each person is), and measured for agreement (Cohen's and
//! Fleiss' kappa, Krippendorff's alpha). Pure functions of the answers.

use std::collections::BTreeMap;

/// One person's answer: item, annotator and class, all as indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// The item's index.
    pub item: usize,
    /// The annotator's index.
    pub annotator: usize,
    /// The class given.
    pub class: u32,
}

/// A merged label: the class and how sure the merge is of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The class chosen.
    pub class: u32,
    /// Its posterior probability (Dawid–Skene) or vote share (majority).
    pub confidence: f64,
    /// Every class's probability or share.
    pub posterior: Vec<f64>,
}

/// How each person's answers are modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnotatorModel {
    /// A confusion matrix per person, smoothed by a Dirichlet prior toward
    /// their one-coin matrix: with a handful of answers a row stays near
    /// one-coin, with many it shows systematic mistakes (a 3 read as an 8,
    /// or one class given every time).
    Confusion,
    /// One accuracy per person, mistakes spread evenly over the other
    /// classes. A little closer to the truth when answers are thin, but a
    /// person who gives one class every time can pass for the only
    /// reliable one: a choice for the user, never made for them.
    OneCoin,
}

/// What Dawid–Skene learned.
#[derive(Debug, Clone, PartialEq)]
pub struct DawidSkene {
    /// Per item with at least one answer (else `None`), its merged label.
    pub items: Vec<Option<Merged>>,
    /// Per annotator, the confusion matrix: `[true][given]`, rows sum to 1.
    pub confusion: Vec<Vec<Vec<f64>>>,
    /// Per annotator, the estimated accuracy: the chance their answer is
    /// right, weighted by how common each true class is.
    pub accuracy: Vec<f64>,
    /// The estimated share of each class.
    pub priors: Vec<f64>,
    /// EM iterations run.
    pub iterations: usize,
}

fn counts_per_item(answers: &[Answer], n_items: usize, n_classes: usize) -> Vec<Vec<f64>> {
    let mut counts = vec![vec![0.0; n_classes]; n_items];
    for a in answers {
        if let Some(row) = counts.get_mut(a.item)
            && let Some(c) = row.get_mut(a.class as usize)
        {
            *c += 1.0;
        }
    }
    counts
}

fn merged(posterior: Vec<f64>) -> Merged {
    let (class, confidence) =
        posterior.iter().enumerate().fold(
            (0, f64::MIN),
            |best, (k, &p)| if p > best.1 { (k, p) } else { best },
        );
    Merged {
        class: class as u32,
        confidence,
        posterior,
    }
}

/// The simple baseline: each item gets its most frequent answer (ties go
/// to the lower class index), with the winning share as its confidence.
pub fn majority_vote(answers: &[Answer], n_items: usize, n_classes: usize) -> Vec<Option<Merged>> {
    counts_per_item(answers, n_items, n_classes)
        .into_iter()
        .map(|row| {
            let total: f64 = row.iter().sum();
            (total > 0.0).then(|| merged(row.iter().map(|c| c / total).collect()))
        })
        .collect()
}

/// Dawid & Skene (1979): each annotator has a confusion matrix, each class
/// a prior; EM alternates between the items' posterior classes and those
/// parameters, starting from the vote shares.
///
/// With few answers per person (two per item, ten classes) a full
/// confusion matrix has more parameters than the answers can fix, and its
/// empty cells make one person's word absolute; so each row is smoothed by
/// a Dirichlet prior toward the person's one-coin matrix (see
/// [`AnnotatorModel::Confusion`]).
pub fn dawid_skene(
    answers: &[Answer],
    n_items: usize,
    n_classes: usize,
    n_annotators: usize,
) -> DawidSkene {
    dawid_skene_with(
        answers,
        n_items,
        n_classes,
        n_annotators,
        AnnotatorModel::Confusion,
    )
}

/// Dawid–Skene under the model given.
pub fn dawid_skene_with(
    answers: &[Answer],
    n_items: usize,
    n_classes: usize,
    n_annotators: usize,
    model: AnnotatorModel,
) -> DawidSkene {
    let k = n_classes.max(1);
    // Answers that name an item, person or class out of range are ignored.
    let answers: Vec<Answer> = answers
        .iter()
        .filter(|a| a.annotator < n_annotators && a.item < n_items && (a.class as usize) < k)
        .copied()
        .collect();
    fit(&answers, n_items, k, n_annotators, model)
}

/// Each item's share of votes per class, zeros where it has none.
fn vote_shares(answers: &[Answer], n_items: usize, k: usize) -> Vec<Vec<f64>> {
    counts_per_item(answers, n_items, k)
        .into_iter()
        .map(|row| {
            let total: f64 = row.iter().sum();
            if total > 0.0 {
                row.iter().map(|c| c / total).collect()
            } else {
                vec![0.0; k]
            }
        })
        .collect()
}

/// EM under one model; every answer is in range and `k` is at least 1.
fn fit(
    answers: &[Answer],
    n_items: usize,
    k: usize,
    n_annotators: usize,
    model: AnnotatorModel,
) -> DawidSkene {
    const MAX_ITERATIONS: usize = 200;
    const TOLERANCE: f64 = 1e-7;
    // Pseudo-answers per row of a confusion matrix: as many as there are
    // classes, so a row seen a handful of times stays near one-coin.
    let prior_strength = k as f64;
    let mut answered = vec![false; n_items];
    for a in answers {
        answered[a.item] = true;
    }
    let mut t = vote_shares(answers, n_items, k);
    let mut confusion = vec![vec![vec![0.0; k]; k]; n_annotators];
    let mut priors = vec![1.0 / k as f64; k];
    let mut iterations = 0;
    let n_answered = answered.iter().filter(|a| **a).count().max(1) as f64;
    for it in 0..MAX_ITERATIONS {
        iterations = it + 1;
        // M step: priors, then each person's accuracy (one-coin, with a
        // Beta(2, 2)-like pull toward a half), then their matrices.
        for (c, p) in priors.iter_mut().enumerate() {
            *p = (t.iter().map(|row| row[c]).sum::<f64>() / n_answered).max(1e-12);
        }
        let mut counts = vec![vec![vec![0.0; k]; k]; n_annotators];
        for a in answers {
            for c in 0..k {
                counts[a.annotator][c][a.class as usize] += t[a.item][c];
            }
        }
        for (m, n) in confusion.iter_mut().zip(&counts) {
            let right: f64 = (0..k).map(|c| n[c][c]).sum();
            let total: f64 = n.iter().flatten().sum();
            let p = (right + 1.0) / (total + 2.0);
            let off = if k > 1 {
                (1.0 - p) / (k - 1) as f64
            } else {
                0.0
            };
            for (c, row) in m.iter_mut().enumerate() {
                let coin = |j: usize| if j == c { p } else { off };
                match model {
                    AnnotatorModel::OneCoin => {
                        for (j, v) in row.iter_mut().enumerate() {
                            *v = coin(j);
                        }
                    }
                    AnnotatorModel::Confusion => {
                        let seen: f64 = n[c].iter().sum();
                        for (j, v) in row.iter_mut().enumerate() {
                            *v = (n[c][j] + prior_strength * coin(j)) / (seen + prior_strength);
                        }
                    }
                }
            }
        }
        // E step: each item's posterior, in logs.
        let mut log_t: Vec<Vec<f64>> = (0..n_items)
            .map(|_| priors.iter().map(|p| p.ln()).collect())
            .collect();
        for a in answers {
            for c in 0..k {
                log_t[a.item][c] += confusion[a.annotator][c][a.class as usize].max(1e-300).ln();
            }
        }
        let mut change: f64 = 0.0;
        for (i, row) in log_t.iter().enumerate() {
            if !answered[i] {
                continue;
            }
            let max = row.iter().copied().fold(f64::MIN, f64::max);
            let exp: Vec<f64> = row.iter().map(|v| (v - max).exp()).collect();
            let total: f64 = exp.iter().sum();
            for c in 0..k {
                let p = exp[c] / total;
                change = change.max((p - t[i][c]).abs());
                t[i][c] = p;
            }
        }
        if change < TOLERANCE {
            break;
        }
    }
    let accuracy = confusion
        .iter()
        .map(|m| (0..k).map(|c| priors[c] * m[c][c]).sum())
        .collect();
    DawidSkene {
        items: t
            .into_iter()
            .zip(&answered)
            .map(|(row, &a)| a.then(|| merged(row)))
            .collect(),
        confusion,
        accuracy,
        priors,
        iterations,
    }
}

/// Cohen's kappa between two annotators over the items both answered;
/// `None` with fewer than two such items or when chance agreement is 1.
pub fn cohen_kappa(a: &[Answer], b: &[Answer], n_classes: usize) -> Option<f64> {
    let first: BTreeMap<usize, u32> = a.iter().map(|x| (x.item, x.class)).collect();
    let pairs: Vec<(u32, u32)> = b
        .iter()
        .filter_map(|y| Some((*first.get(&y.item)?, y.class)))
        .collect();
    let n = pairs.len() as f64;
    if pairs.len() < 2 {
        return None;
    }
    let observed = pairs.iter().filter(|(x, y)| x == y).count() as f64 / n;
    let mut ma = vec![0.0; n_classes];
    let mut mb = vec![0.0; n_classes];
    for &(x, y) in &pairs {
        if let Some(v) = ma.get_mut(x as usize) {
            *v += 1.0;
        }
        if let Some(v) = mb.get_mut(y as usize) {
            *v += 1.0;
        }
    }
    let chance: f64 = ma.iter().zip(&mb).map(|(x, y)| x * y).sum::<f64>() / (n * n);
    (chance < 1.0).then(|| (observed - chance) / (1.0 - chance))
}

/// Fleiss' kappa over the items with at least two answers. With the same
/// number of answers per item it is Fleiss (1971) exactly; otherwise each
/// item's agreement uses its own number of answers.
pub fn fleiss_kappa(answers: &[Answer], n_items: usize, n_classes: usize) -> Option<f64> {
    let counts = counts_per_item(answers, n_items, n_classes);
    let rated: Vec<&Vec<f64>> = counts
        .iter()
        .filter(|row| row.iter().sum::<f64>() >= 2.0)
        .collect();
    if rated.is_empty() {
        return None;
    }
    let mut p_bar = 0.0;
    let mut totals = vec![0.0; n_classes];
    let mut all = 0.0;
    for row in &rated {
        let n: f64 = row.iter().sum();
        p_bar += row.iter().map(|c| c * (c - 1.0)).sum::<f64>() / (n * (n - 1.0));
        for (t, c) in totals.iter_mut().zip(row.iter()) {
            *t += c;
        }
        all += n;
    }
    p_bar /= rated.len() as f64;
    let p_e: f64 = totals.iter().map(|t| (t / all).powi(2)).sum();
    (p_e < 1.0).then(|| (p_bar - p_e) / (1.0 - p_e))
}

/// Krippendorff's alpha for nominal data, from the coincidence matrix:
/// items with fewer than two answers add nothing; missing answers are fine.
pub fn krippendorff_alpha(answers: &[Answer], n_items: usize, n_classes: usize) -> Option<f64> {
    let counts = counts_per_item(answers, n_items, n_classes);
    let mut o = vec![vec![0.0; n_classes]; n_classes];
    for row in &counts {
        let m: f64 = row.iter().sum();
        if m < 2.0 {
            continue;
        }
        for c in 0..n_classes {
            for k in 0..n_classes {
                let pairs = if c == k {
                    row[c] * (row[c] - 1.0)
                } else {
                    row[c] * row[k]
                };
                o[c][k] += pairs / (m - 1.0);
            }
        }
    }
    let n_c: Vec<f64> = o.iter().map(|r| r.iter().sum()).collect();
    let n: f64 = n_c.iter().sum();
    let mut disagree_observed = 0.0;
    let mut disagree_expected = 0.0;
    for c in 0..n_classes {
        for k in 0..n_classes {
            if c != k {
                disagree_observed += o[c][k];
                disagree_expected += n_c[c] * n_c[k];
            }
        }
    }
    (n > 1.0 && disagree_expected > 0.0)
        .then(|| 1.0 - (n - 1.0) * disagree_observed / disagree_expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_table(rows: &[&[u32]]) -> Vec<Answer> {
        // rows[item][annotator] = class + 1, 0 = no answer
        let mut out = Vec::new();
        for (item, row) in rows.iter().enumerate() {
            for (annotator, &v) in row.iter().enumerate() {
                if v > 0 {
                    out.push(Answer {
                        item,
                        annotator,
                        class: v - 1,
                    });
                }
            }
        }
        out
    }

    #[test]
    fn cohen_kappa_of_the_textbook_yes_no_table() {
        // 50 items: both yes 20, A yes B no 5, A no B yes 10, both no 15.
        // p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.4.
        let mut a = Vec::new();
        let mut b = Vec::new();
        let cells = [(0, 0, 20), (0, 1, 5), (1, 0, 10), (1, 1, 15)];
        let mut item = 0;
        for (x, y, n) in cells {
            for _ in 0..n {
                a.push(Answer {
                    item,
                    annotator: 0,
                    class: x,
                });
                b.push(Answer {
                    item,
                    annotator: 1,
                    class: y,
                });
                item += 1;
            }
        }
        let k = cohen_kappa(&a, &b, 2).unwrap();
        assert!((k - 0.4).abs() < 1e-12, "{k}");
    }

    #[test]
    fn fleiss_kappa_of_the_1971_style_example() {
        // Ten subjects, fourteen raters, five categories: the worked
        // example on Wikipedia's "Fleiss' kappa" page (P̄ = 0.378,
        // P_e = 0.213, κ = 0.210).
        let table: [[u32; 5]; 10] = [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ];
        let mut answers = Vec::new();
        for (item, row) in table.iter().enumerate() {
            let mut annotator = 0;
            for (class, &n) in row.iter().enumerate() {
                for _ in 0..n {
                    answers.push(Answer {
                        item,
                        annotator,
                        class: class as u32,
                    });
                    annotator += 1;
                }
            }
        }
        let k = fleiss_kappa(&answers, 10, 5).unwrap();
        assert!((k - 0.2099).abs() < 5e-4, "{k}");
    }

    #[test]
    fn krippendorff_alpha_of_the_published_example_with_missing_answers() {
        // Krippendorff (2011), "Computing Krippendorff's alpha-reliability":
        // four observers, twelve units, values 1–5, some missing; nominal
        // α = 0.743.
        let rows: [[u32; 4]; 12] = [
            [1, 1, 0, 1],
            [2, 2, 3, 2],
            [3, 3, 3, 3],
            [3, 3, 3, 3],
            [2, 2, 2, 2],
            [1, 2, 3, 4],
            [4, 4, 4, 4],
            [1, 1, 2, 1],
            [2, 2, 2, 2],
            [0, 5, 5, 5],
            [0, 0, 1, 1],
            [0, 3, 0, 0],
        ];
        let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
        let answers = from_table(&refs);
        let a = krippendorff_alpha(&answers, 12, 5).unwrap();
        assert!((a - 0.743).abs() < 5e-4, "{a}");
    }

    #[test]
    fn perfect_agreement_and_none_to_measure() {
        let rows: [[u32; 3]; 3] = [[1, 1, 1], [2, 2, 2], [1, 1, 1]];
        let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
        let answers = from_table(&refs);
        assert!((fleiss_kappa(&answers, 3, 2).unwrap() - 1.0).abs() < 1e-12);
        assert!((krippendorff_alpha(&answers, 3, 2).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(fleiss_kappa(&[], 3, 2), None);
        assert_eq!(cohen_kappa(&answers[..1], &answers[1..2], 2), None);
    }

    #[test]
    fn majority_vote_breaks_ties_low_and_reports_shares() {
        let rows: [[u32; 3]; 2] = [[2, 2, 1], [1, 2, 0]];
        let refs: Vec<&[u32]> = rows.iter().map(|r| r.as_slice()).collect();
        let mv = majority_vote(&from_table(&refs), 3, 2);
        let first = mv[0].as_ref().unwrap();
        assert_eq!(first.class, 1);
        assert!((first.confidence - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(mv[1].as_ref().unwrap().class, 0);
        assert!(mv[2].is_none());
    }
}
