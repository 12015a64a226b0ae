//! Seeded draws: the one shuffle behind every order that must come out the
//! same for the same seed (a team's assignment, an export's split, a
//! round's queue), and the rules built on it.

use std::collections::{BTreeMap, HashSet};

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator every seeded draw uses.
pub fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// Shuffles `items` in an order fixed by `seed`.
pub fn shuffle<T>(items: &mut [T], seed: u64) {
    items.shuffle(&mut rng(seed));
}

/// Deals each group (the items of one class) into train, validation and
/// test in a seeded order, so every part holds every group in proportion
/// (`train` and `validation` are shares in [0, 1]; test takes the rest).
/// Groups are dealt in key order from one generator.
pub fn stratified_split<K: Ord>(
    mut groups: BTreeMap<K, Vec<i64>>,
    train: f64,
    validation: f64,
    seed: u64,
) -> [HashSet<i64>; 3] {
    let mut rng = rng(seed);
    let mut out = [HashSet::new(), HashSet::new(), HashSet::new()];
    for ids in groups.values_mut() {
        ids.shuffle(&mut rng);
        let n = ids.len() as f64;
        let n_train = (n * train).round() as usize;
        let n_validation = ((n * validation).round() as usize).min(ids.len() - n_train);
        for (k, id) in ids.iter().enumerate() {
            let part = if k < n_train {
                0
            } else if k < n_train + n_validation {
                1
            } else {
                2
            };
            out[part].insert(*id);
        }
    }
    out
}

/// Which annotators label the item at each position: the first `audit`
/// positions go to everyone, the rest to `overlap` annotators in turn, so
/// shares differ in size by at most one.
pub fn assign(
    n_items: usize,
    annotators: &[String],
    overlap: usize,
    audit: usize,
) -> Vec<Vec<String>> {
    (0..n_items)
        .map(|pos| {
            if pos < audit {
                return annotators.to_vec();
            }
            let start = (pos - audit) * overlap;
            let mut who: Vec<String> = (0..overlap)
                .map(|t| annotators[(start + t) % annotators.len()].clone())
                .collect();
            who.sort();
            who
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_gives_audits_to_all_and_balances_the_rest() {
        let names: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        let who = assign(42, &names, 3, 2);
        assert!(who[..2].iter().all(|w| w.len() == 4));
        assert!(who[2..].iter().all(|w| {
            let mut d = w.clone();
            d.dedup();
            w.len() == 3 && d.len() == 3
        }));
        let counts: Vec<usize> = names
            .iter()
            .map(|n| who[2..].iter().filter(|w| w.contains(n)).count())
            .collect();
        assert_eq!(counts.iter().sum::<usize>(), 40 * 3);
        assert!(counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1);
    }

    #[test]
    fn the_same_seed_draws_the_same_order() {
        let mut a: Vec<u32> = (0..50).collect();
        let mut b = a.clone();
        shuffle(&mut a, 7);
        shuffle(&mut b, 7);
        assert_eq!(a, b);
        assert_ne!(a, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn a_split_keeps_every_class_in_proportion() {
        let groups: BTreeMap<u32, Vec<i64>> =
            [(0, (0..10).collect()), (1, (100..120).collect())].into();
        let [train, validation, test] = stratified_split(groups, 0.6, 0.2, 3);
        assert_eq!((train.len(), validation.len(), test.len()), (18, 6, 6));
        assert_eq!(train.iter().filter(|&&i| i < 100).count(), 6);
        assert!(train.is_disjoint(&test) && validation.is_disjoint(&test));
    }
}
