//! Simulated annotators with known confusion matrices label the digits
//! (the true class of each is its folder in `datasets/digits`): three
//! answers per item, one annotator far worse than the rest. Dawid–Skene
//! must recover each annotator's accuracy within 0.05 and beat the
//! majority vote against the truth.
#![allow(clippy::unwrap_used)]

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use triage_learn::consensus::{
    AnnotatorModel, Answer, dawid_skene, dawid_skene_with, majority_vote,
};

fn digits_truth() -> Vec<u32> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/digits");
    let mut truth = Vec::new();
    for class in 0..10u32 {
        let n = std::fs::read_dir(root.join(class.to_string()))
            .unwrap()
            .count();
        truth.extend(std::iter::repeat_n(class, n));
    }
    truth
}

/// An annotator: right with probability `accuracy`; otherwise, with
/// probability `systematic`, the class's "look-alike" (c + 1), else any
/// other class at random.
struct Simulated {
    accuracy: f64,
    systematic: f64,
}

impl Simulated {
    fn answer(&self, truth: u32, rng: &mut Xoshiro256PlusPlus) -> u32 {
        if rng.r#gen::<f64>() < self.accuracy {
            return truth;
        }
        if rng.r#gen::<f64>() < self.systematic {
            return (truth + 1) % 10;
        }
        loop {
            let c = rng.gen_range(0..10);
            if c != truth {
                return c;
            }
        }
    }
}

#[test]
fn dawid_skene_recovers_annotators_and_beats_the_majority_vote_on_digits() {
    let truth = digits_truth();
    assert_eq!(truth.len(), 1797);
    let annotators = [
        Simulated {
            accuracy: 0.92,
            systematic: 0.5,
        },
        Simulated {
            accuracy: 0.85,
            systematic: 0.7,
        },
        Simulated {
            accuracy: 0.80,
            systematic: 0.3,
        },
        Simulated {
            accuracy: 0.75,
            systematic: 0.8,
        },
        // The bad one: right a quarter of the time, mostly a fixed mistake.
        Simulated {
            accuracy: 0.25,
            systematic: 0.9,
        },
    ];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let mut answers = Vec::new();
    let mut right = [0usize; 5];
    let mut given = [0usize; 5];
    for (item, &t) in truth.iter().enumerate() {
        // Three different annotators per item, rotating so each has a
        // balanced share.
        let start = item % 5;
        for k in [0, 1, 3] {
            let annotator = (start + k) % 5;
            let class = annotators[annotator].answer(t, &mut rng);
            given[annotator] += 1;
            right[annotator] += usize::from(class == t);
            answers.push(Answer {
                item,
                annotator,
                class,
            });
        }
    }
    let ds = dawid_skene(&answers, truth.len(), 10, 5);
    for a in 0..5 {
        let actual = right[a] as f64 / given[a] as f64;
        assert!(
            (ds.accuracy[a] - actual).abs() < 0.05,
            "annotator {a}: estimated {:.3}, actual {actual:.3}",
            ds.accuracy[a]
        );
    }
    let correct = |merged: &[Option<triage_learn::consensus::Merged>]| {
        merged
            .iter()
            .zip(&truth)
            .filter(|(m, t)| m.as_ref().is_some_and(|m| m.class == **t))
            .count() as f64
            / truth.len() as f64
    };
    let em = correct(&ds.items);
    let mv = correct(&majority_vote(&answers, truth.len(), 10));
    assert!(em > mv, "Dawid–Skene {em:.3} vs majority vote {mv:.3}");
    eprintln!("accuracy against the truth: Dawid–Skene {em:.3}, majority vote {mv:.3}");
}

/// Two answers per item, ten classes, three people of accuracy 0.97, 0.93
/// and 0.55 (the careless one's mistakes at random, the others' half
/// look-alikes), over five seeds. The oracle knows who is best and takes,
/// for each item, the answer of the better of its two people; the merge
/// must come within a point of it on average and beat the majority vote.
#[test]
fn thin_overlap_consolidation_comes_within_a_point_of_the_oracle() {
    let truth = digits_truth();
    let team = [
        Simulated {
            accuracy: 0.97,
            systematic: 0.5,
        },
        Simulated {
            accuracy: 0.93,
            systematic: 0.5,
        },
        Simulated {
            accuracy: 0.55,
            systematic: 0.0,
        },
    ];
    let share = |right: usize| right as f64 / truth.len() as f64;
    let correct = |merged: &[Option<triage_learn::consensus::Merged>]| {
        share(
            merged
                .iter()
                .zip(&truth)
                .filter(|(m, t)| m.as_ref().is_some_and(|m| m.class == **t))
                .count(),
        )
    };
    eprintln!("seed  merged  one-coin  majority  oracle");
    let mut gaps = Vec::new();
    for seed in 1..=5u64 {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut answers = Vec::new();
        let mut oracle = 0;
        for (item, &t) in truth.iter().enumerate() {
            // Two different people, drawn at random.
            let first = rng.gen_range(0..3);
            let second = (first + rng.gen_range(1..3)) % 3;
            let given: Vec<(usize, u32)> = [first, second]
                .into_iter()
                .map(|who| (who, team[who].answer(t, &mut rng)))
                .collect();
            // People are listed best first.
            let best = given.iter().min_by_key(|(who, _)| *who).map(|g| g.1);
            oracle += usize::from(best == Some(t));
            answers.extend(given.into_iter().map(|(annotator, class)| Answer {
                item,
                annotator,
                class,
            }));
        }
        let n = truth.len();
        let ds = dawid_skene(&answers, n, 10, 3);
        let one_coin = dawid_skene_with(&answers, n, 10, 3, AnnotatorModel::OneCoin);
        let one_coin = correct(&one_coin.items);
        let (merged, oracle) = (correct(&ds.items), share(oracle));
        let majority = correct(&majority_vote(&answers, n, 10));
        eprintln!("{seed:>4}  {merged:.4}  {one_coin:.4}    {majority:.4}    {oracle:.4}");
        assert!(
            merged > majority,
            "seed {seed}: {merged:.4} vs majority {majority:.4}"
        );
        gaps.push(oracle - merged);
    }
    let mean_gap = gaps.iter().sum::<f64>() / gaps.len() as f64;
    eprintln!("mean gap to the oracle: {:.2} points", 100.0 * mean_gap);
    assert!(
        mean_gap < 0.01,
        "{:.2} points below the oracle",
        100.0 * mean_gap
    );
}

/// Two careful people and one who answers class 0 every time, two answers
/// per item over three classes (the team test's setup, simulated). The
/// smoothed confusion model sees through the constant answers; the
/// one-coin model, which cannot express them, takes the constant person
/// for the only reliable one.
#[test]
fn a_person_who_gives_one_class_every_time_is_found_out() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let (mut answers, mut truth) = (Vec::new(), Vec::new());
    for item in 0..60 {
        let t = rng.gen_range(0..3u32);
        truth.push(t);
        let (a, b) = [(0, 1), (0, 2), (1, 2)][item % 3];
        for annotator in [a, b] {
            let class = match annotator {
                2 => 0,
                _ if rng.r#gen::<f64>() < 0.97 => t,
                _ => (t + 1) % 3,
            };
            answers.push(Answer {
                item,
                annotator,
                class,
            });
        }
    }
    let right = |merged: &[Option<triage_learn::consensus::Merged>]| {
        merged
            .iter()
            .zip(&truth)
            .filter(|(m, t)| m.as_ref().is_some_and(|m| m.class == **t))
            .count()
    };
    let ds = dawid_skene(&answers, 60, 3, 3);
    assert!(
        ds.accuracy[0] > 0.8 && ds.accuracy[1] > 0.8,
        "{:?}",
        ds.accuracy
    );
    assert!(ds.accuracy[2] < 0.6, "{:?}", ds.accuracy);
    assert!(right(&ds.items) >= 55, "{}", right(&ds.items));
    let one_coin = dawid_skene_with(&answers, 60, 3, 3, AnnotatorModel::OneCoin);
    eprintln!(
        "right of 60: confusion {}, one-coin {} (accuracies {:?})",
        right(&ds.items),
        right(&one_coin.items),
        one_coin.accuracy
    );
}
