//! Mergeable summaries, for profiles that stream: each is built from a chunk
//! of values and merged with the summaries of other chunks, so a file far
//! larger than memory is profiled chunk by chunk, and the same code could
//! summarise partitions on many machines and merge what they send back.
//!
//! Each summary states its error: moments and co-moments are exact up to
//! rounding, quantiles have a rank error, distinct counts a relative
//! standard error, and frequent values a bound on how far a count may fall
//! short.

use polars::prelude::PlHashMap;

/// Count, extremes, zeros and the first three central moments, merged with
/// Pébay's pairwise formulas (exact, unlike averaging averages).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Values seen (never NaN).
    pub n: u64,
    /// Smallest value; +∞ when empty.
    pub min: f64,
    /// Largest value; −∞ when empty.
    pub max: f64,
    /// Values equal to zero.
    pub zeros: u64,
    mean: f64,
    m2: f64,
    m3: f64,
}

impl Default for Moments {
    fn default() -> Self {
        Self {
            n: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            zeros: 0,
            mean: 0.0,
            m2: 0.0,
            m3: 0.0,
        }
    }
}

impl Moments {
    /// Adds one value; NaN is the caller's missing value and is ignored.
    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        let n1 = self.n as f64;
        self.n += 1;
        let n = self.n as f64;
        let delta = x - self.mean;
        let delta_n = delta / n;
        let term = delta * delta_n * n1;
        self.mean += delta_n;
        self.m3 += term * delta_n * (n - 2.0) - 3.0 * delta_n * self.m2;
        self.m2 += term;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        self.zeros += u64::from(x == 0.0);
    }

    /// The moments of a chunk of values (no NaN), in two passes: the mean,
    /// then centred sums, which is both faster and more accurate than
    /// pushing one value at a time.
    pub fn of_slice(values: &[f64]) -> Self {
        if values.is_empty() {
            return Self::default();
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let (mut m2, mut m3, mut zeros) = (0.0, 0.0, 0u64);
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        for &v in values {
            let d = v - mean;
            m2 += d * d;
            m3 += d * d * d;
            zeros += u64::from(v == 0.0);
            min = min.min(v);
            max = max.max(v);
        }
        Self {
            n: values.len() as u64,
            min,
            max,
            zeros,
            mean,
            m2,
            m3,
        }
    }

    /// Adds what another chunk saw.
    pub fn merge(&mut self, other: &Self) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let (na, nb) = (self.n as f64, other.n as f64);
        let n = na + nb;
        let delta = other.mean - self.mean;
        self.m3 += other.m3
            + delta.powi(3) * na * nb * (na - nb) / (n * n)
            + 3.0 * delta * (na * other.m2 - nb * self.m2) / n;
        self.m2 += other.m2 + delta * delta * na * nb / n;
        self.mean += delta * nb / n;
        self.n += other.n;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.zeros += other.zeros;
    }

    /// The arithmetic mean (0 when empty).
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// The sample standard deviation (n − 1); 0 for fewer than two values.
    pub fn std(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.m2.max(0.0) / (self.n - 1) as f64).sqrt()
        }
    }

    /// The adjusted Fisher–Pearson skewness, as `stats::numeric` and pandas
    /// give it; 0 when constant or for fewer than three values.
    pub fn skewness(&self) -> f64 {
        let n = self.n as f64;
        if self.n < 3 || self.m2 <= 0.0 {
            return 0.0;
        }
        let g1 = (self.m3 / n) / (self.m2 / n).powf(1.5);
        g1 * (n * (n - 1.0)).sqrt() / (n - 2.0)
    }
}

/// Pairs of values both present, for Pearson's r: means, sums of squares
/// and the co-moment, merged exactly.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CoMoments {
    /// Pairs seen.
    pub n: u64,
    mean_x: f64,
    mean_y: f64,
    m2_x: f64,
    m2_y: f64,
    c_xy: f64,
}

impl CoMoments {
    /// Adds a pair; a pair with a NaN is skipped.
    pub fn push(&mut self, x: f64, y: f64) {
        if x.is_nan() || y.is_nan() {
            return;
        }
        self.n += 1;
        let n = self.n as f64;
        let dx = x - self.mean_x;
        self.mean_x += dx / n;
        let dy = y - self.mean_y;
        self.mean_y += dy / n;
        self.m2_x += dx * (x - self.mean_x);
        self.m2_y += dy * (y - self.mean_y);
        self.c_xy += dx * (y - self.mean_y);
    }

    /// The co-moments of a chunk of pairs (NaN where missing), in two
    /// passes over the complete pairs: means, then centred sums.
    pub fn of_slices(x: &[f64], y: &[f64]) -> Self {
        let complete = || x.iter().zip(y).filter(|(a, b)| !a.is_nan() && !b.is_nan());
        let (mut n, mut sx, mut sy) = (0u64, 0.0, 0.0);
        for (a, b) in complete() {
            n += 1;
            sx += a;
            sy += b;
        }
        if n == 0 {
            return Self::default();
        }
        let (mean_x, mean_y) = (sx / n as f64, sy / n as f64);
        let (mut m2_x, mut m2_y, mut c_xy) = (0.0, 0.0, 0.0);
        for (a, b) in complete() {
            let (dx, dy) = (a - mean_x, b - mean_y);
            m2_x += dx * dx;
            m2_y += dy * dy;
            c_xy += dx * dy;
        }
        Self {
            n,
            mean_x,
            mean_y,
            m2_x,
            m2_y,
            c_xy,
        }
    }

    /// Adds what another chunk saw.
    pub fn merge(&mut self, other: &Self) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let (na, nb) = (self.n as f64, other.n as f64);
        let n = na + nb;
        let dx = other.mean_x - self.mean_x;
        let dy = other.mean_y - self.mean_y;
        let w = na * nb / n;
        self.m2_x += other.m2_x + dx * dx * w;
        self.m2_y += other.m2_y + dy * dy * w;
        self.c_xy += other.c_xy + dx * dy * w;
        self.mean_x += dx * nb / n;
        self.mean_y += dy * nb / n;
        self.n += other.n;
    }

    /// Pearson's r, or `None` when either side is constant or there are
    /// fewer than two pairs.
    pub fn pearson(&self) -> Option<f64> {
        let d = (self.m2_x * self.m2_y).sqrt();
        (self.n >= 2 && d > 0.0).then(|| (self.c_xy / d).clamp(-1.0, 1.0))
    }
}

/// A KLL quantile sketch (Karnin, Lang and Liberty, 2016): compactors of
/// geometrically shrinking capacity, each halving a full level into the one
/// above, keeping the odd or the even items by a coin flip. Memory is about
/// 3·k values whatever the stream's length.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileSketch {
    k: usize,
    n: u64,
    /// Level h holds items that stand for 2^h values each.
    levels: Vec<Vec<f64>>,
    /// Items held over every level, and what the levels can hold.
    held: usize,
    room: usize,
    /// A xorshift state for the coin flips: seeded, so a profile is
    /// reproducible.
    coin: u64,
}

/// The `k` streaming profiles use.
pub const QUANTILE_K: usize = 400;

impl QuantileSketch {
    /// An empty sketch of accuracy `k` (at least 8).
    pub fn new(k: usize) -> Self {
        let k = k.max(8);
        Self {
            k,
            n: 0,
            levels: vec![Vec::new()],
            held: 0,
            room: k,
            coin: 0x9E37_79B9_7F4A_7C15,
        }
    }

    /// The normalized rank error this sketch promises with 99% confidence
    /// for any one quantile: the constant Apache DataSketches states for its
    /// KLL, 2.296 / k^0.9723 (about 0.7% at k = 400). Checked by the tests
    /// against exact ranks.
    pub fn rank_error(&self) -> f64 {
        2.296 / (self.k as f64).powf(0.9723)
    }

    /// Values seen.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether no value was seen.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Adds one value; NaN is ignored.
    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.n += 1;
        self.levels[0].push(x);
        self.held += 1;
        if self.held > self.room {
            self.compress();
        }
    }

    /// A sketch of accuracy `k` of a chunk of values sorted ascending (no
    /// NaN): the same compactions as pushing them one by one, but every
    /// level is a sorted run already, so nothing is sorted again.
    pub fn of_sorted(k: usize, sorted: &[f64]) -> Self {
        let mut sketch = Self::new(k);
        sketch.n = sorted.len() as u64;
        sketch.levels[0] = sorted.to_vec();
        sketch.held = sorted.len();
        sketch.compress();
        sketch
    }

    /// Adds what another chunk saw.
    pub fn merge(&mut self, other: &Self) {
        while self.levels.len() < other.levels.len() {
            self.levels.push(Vec::new());
        }
        for (mine, theirs) in self.levels.iter_mut().zip(&other.levels) {
            mine.extend_from_slice(theirs);
        }
        self.n += other.n;
        self.held += other.held;
        self.coin ^= other.coin.rotate_left(17);
        self.room = self.total_capacity();
        self.compress();
    }

    fn capacity(&self, level: usize) -> usize {
        let depth = (self.levels.len() - 1 - level) as i32;
        ((self.k as f64) * (2.0f64 / 3.0).powi(depth))
            .ceil()
            .max(2.0) as usize
    }

    fn total_capacity(&self) -> usize {
        (0..self.levels.len()).map(|h| self.capacity(h)).sum()
    }

    fn flip(&mut self) -> usize {
        self.coin ^= self.coin << 13;
        self.coin ^= self.coin >> 7;
        self.coin ^= self.coin << 17;
        (self.coin >> 63) as usize
    }

    /// The lazy schedule: while the sketch holds more than its levels'
    /// capacities together, the lowest level over its own capacity is
    /// sorted and halved into the level above.
    fn compress(&mut self) {
        while self.held > self.room {
            let Some(h) = (0..self.levels.len()).find(|&h| self.levels[h].len() > self.capacity(h))
            else {
                return;
            };
            if h + 1 == self.levels.len() {
                self.levels.push(Vec::new());
                self.room = self.total_capacity();
            }
            let mut full = std::mem::take(&mut self.levels[h]);
            if !full.is_sorted_by(|a, b| a <= b) {
                full.sort_unstable_by(f64::total_cmp);
            }
            // An odd item out stays where it is.
            if full.len() % 2 == 1
                && let Some(last) = full.pop()
            {
                self.levels[h].push(last);
            }
            let offset = self.flip();
            let promoted: Vec<f64> = full.iter().skip(offset).step_by(2).copied().collect();
            self.held -= full.len() - promoted.len();
            self.levels[h + 1].extend(promoted);
        }
    }

    /// Items and their weights, sorted by value.
    fn weighted(&self) -> Vec<(f64, u64)> {
        let mut items: Vec<(f64, u64)> = self
            .levels
            .iter()
            .enumerate()
            .flat_map(|(h, level)| level.iter().map(move |&v| (v, 1u64 << h)))
            .collect();
        items.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        items
    }

    /// Values at the given normalized ranks (each in [0, 1]); NaN when
    /// empty.
    pub fn quantiles(&self, ranks: &[f64]) -> Vec<f64> {
        let items = self.weighted();
        let total: u64 = items.iter().map(|i| i.1).sum();
        ranks
            .iter()
            .map(|&q| {
                let target = (q.clamp(0.0, 1.0) * total as f64).ceil().max(1.0) as u64;
                let mut seen = 0u64;
                items
                    .iter()
                    .find(|(_, w)| {
                        seen += w;
                        seen >= target
                    })
                    .map_or(f64::NAN, |i| i.0)
            })
            .collect()
    }

    /// The share of values at or below each of `points` (ascending or
    /// not): the approximate CDF, with the same rank error.
    pub fn ranks(&self, points: &[f64]) -> Vec<f64> {
        let items = self.weighted();
        let total: u64 = items.iter().map(|i| i.1).sum();
        let mut cumulative = Vec::with_capacity(items.len());
        let mut seen = 0u64;
        for (_, w) in &items {
            seen += w;
            cumulative.push(seen);
        }
        points
            .iter()
            .map(|&p| {
                let at = items.partition_point(|i| i.0 <= p);
                if total == 0 || at == 0 {
                    0.0
                } else {
                    cumulative[at - 1] as f64 / total as f64
                }
            })
            .collect()
    }
}

/// A HyperLogLog distinct counter (Flajolet et al., 2007) of 2^16 one-byte
/// registers over 64-bit xxh3 hashes; merging takes each register's
/// maximum, so it is exact with respect to the union.
#[derive(Debug, Clone, PartialEq)]
pub struct DistinctCounter {
    registers: Vec<u8>,
}

const HLL_BITS: u32 = 16;

impl Default for DistinctCounter {
    fn default() -> Self {
        Self {
            registers: vec![0; 1 << HLL_BITS],
        }
    }
}

impl DistinctCounter {
    /// The relative standard error, 1.04 / √m: 0.41% for 2^16 registers.
    pub fn standard_error() -> f64 {
        1.04 / f64::from(1u32 << HLL_BITS).sqrt()
    }

    /// Adds a value by its bytes (strings as UTF-8, numbers as
    /// [`number_bytes`]).
    pub fn push(&mut self, bytes: &[u8]) {
        let hash = xxhash_rust::xxh3::xxh3_64(bytes);
        let index = (hash >> (64 - HLL_BITS)) as usize;
        let rest = (hash << HLL_BITS) | (1 << (HLL_BITS - 1));
        let rank = rest.leading_zeros() as u8 + 1;
        if rank > self.registers[index] {
            self.registers[index] = rank;
        }
    }

    /// Adds what another chunk saw.
    pub fn merge(&mut self, other: &Self) {
        for (mine, theirs) in self.registers.iter_mut().zip(&other.registers) {
            *mine = (*mine).max(*theirs);
        }
    }

    /// The estimated count: the harmonic-mean estimate, with linear
    /// counting while registers are still empty (the small-range
    /// correction). 64-bit hashes need no large-range correction.
    pub fn estimate(&self) -> u64 {
        let m = self.registers.len() as f64;
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let sum: f64 = self
            .registers
            .iter()
            .map(|&r| 2f64.powi(-i32::from(r)))
            .sum();
        let raw = alpha * m * m / sum;
        let empty = self.registers.iter().filter(|&&r| r == 0).count();
        let estimate = if raw <= 2.5 * m && empty > 0 {
            m * (m / empty as f64).ln()
        } else {
            raw
        };
        estimate.round() as u64
    }
}

/// A number's bytes for distinct counting: −0 is 0, and every NaN is one
/// NaN, as polars counts them.
pub fn number_bytes(x: f64) -> [u8; 8] {
    let x = if x == 0.0 {
        0.0
    } else if x.is_nan() {
        f64::NAN
    } else {
        x
    };
    x.to_bits().to_le_bytes()
}

/// Frequent values by the Misra–Gries summary, in its mergeable form
/// (Agarwal et al., 2012): at most `capacity` counters; when a merge leaves
/// more, the (capacity+1)-th largest count is taken from every counter and
/// those at zero dropped. Any value held by more than n / (capacity+1)
/// rows is kept, and each count falls short by at most [`Self::shortfall`].
#[derive(Debug, Clone)]
pub struct FrequentValues<K = String> {
    capacity: usize,
    counts: PlHashMap<K, u64>,
    n: u64,
    shortfall: u64,
}

/// The counters streaming profiles keep per column: any value above 0.1% of
/// the rows is found, and counts are exact while a column has fewer
/// distinct values than this.
pub const FREQUENT_CAPACITY: usize = 1_000;

impl<K: std::hash::Hash + Eq + Ord + Clone> FrequentValues<K> {
    /// An empty summary of `capacity` counters (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            counts: PlHashMap::default(),
            n: 0,
            shortfall: 0,
        }
    }

    /// Adds a chunk's exact counts (as a hash map of a chunk's values
    /// gives them).
    pub fn add_counts(&mut self, counts: impl IntoIterator<Item = (K, u64)>) {
        for (value, count) in counts {
            self.n += count;
            *self.counts.entry(value).or_default() += count;
        }
        self.prune();
    }

    /// Adds what another chunk saw.
    pub fn merge(&mut self, other: &Self) {
        for (value, count) in &other.counts {
            *self.counts.entry(value.clone()).or_default() += count;
        }
        self.n += other.n;
        self.shortfall += other.shortfall;
        self.prune();
    }

    fn prune(&mut self) {
        if self.counts.len() <= self.capacity {
            return;
        }
        let mut all: Vec<u64> = self.counts.values().copied().collect();
        all.select_nth_unstable_by(self.capacity, |a, b| b.cmp(a));
        let cut = all[self.capacity];
        self.counts.retain(|_, c| {
            *c = c.saturating_sub(cut);
            *c > 0
        });
        self.shortfall += cut;
    }

    /// Values seen.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether no value was seen.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Values held now: every distinct value seen while the shortfall is 0.
    pub fn held(&self) -> usize {
        self.counts.len()
    }

    /// How far below its true count any count may be (0: all exact).
    pub fn shortfall(&self) -> u64 {
        self.shortfall
    }

    /// The `top` most frequent values with their counts (lower bounds,
    /// exact when [`Self::shortfall`] is 0), most frequent first, ties by
    /// value.
    pub fn top(&self, top: usize) -> Vec<(K, u64)> {
        let mut all: Vec<(K, u64)> = self.counts.iter().map(|(v, c)| (v.clone(), *c)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        all.truncate(top);
        all
    }
}

/// How many row hashes a streamed profile keeps: 16 MiB.
pub const ROW_HASH_BUDGET: usize = 1 << 21;

/// Rows' 64-bit hashes, for counting duplicate rows in bounded memory:
/// every row's while they number at most `budget`; past that, only hashes
/// whose top `level` bits are zero. A row and its copies share a hash, so
/// they are kept or dropped together, and the duplicates among the kept
/// rows, times 2^level, estimate the whole table's. Kept as sorted runs,
/// one a batch, so nothing is copied as the table grows.
#[derive(Debug, Clone)]
pub struct RowHashes {
    budget: usize,
    level: u32,
    runs: Vec<Vec<u64>>,
}

impl RowHashes {
    /// Keeps at most `budget` hashes.
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            level: 0,
            runs: Vec::new(),
        }
    }

    /// Adds a batch's hashes, sorted.
    pub fn push_sorted(&mut self, mut run: Vec<u64>) {
        Self::thin(&mut run, self.level);
        self.runs.push(run);
        self.fit();
    }

    /// Adds another part's hashes.
    pub fn merge(&mut self, other: &Self) {
        self.level = self.level.max(other.level);
        let level = self.level;
        for run in &mut self.runs {
            Self::thin(run, level);
        }
        for run in &other.runs {
            let mut run = run.clone();
            Self::thin(&mut run, level);
            self.runs.push(run);
        }
        self.fit();
    }

    /// The share of the rows whose hashes are kept: 1 while every row's is.
    pub fn sampled(&self) -> f64 {
        0.5f64.powi(self.level as i32)
    }

    /// Rows that repeat an earlier row: exact while every hash is kept
    /// (up to hash collisions), else estimated from the sample.
    pub fn duplicates(&self) -> u64 {
        crate::repeated(&self.runs) << self.level
    }

    fn len(&self) -> usize {
        self.runs.iter().map(Vec::len).sum()
    }

    /// Halves the sample until it fits the budget.
    fn fit(&mut self) {
        while self.len() > self.budget && self.level < 64 {
            self.level += 1;
            let level = self.level;
            for run in &mut self.runs {
                Self::thin(run, level);
            }
        }
    }

    /// Keeps the hashes whose top `level` bits are zero.
    fn thin(run: &mut Vec<u64>, level: u32) {
        if level > 0 {
            let kept = u64::MAX >> level;
            run.retain(|&h| h <= kept);
            run.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use proptest::prelude::*;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance * (1.0 + a.abs().max(b.abs()))
    }

    /// A seeded stream of doubles in [0, 1).
    fn uniform(seed: u64, n: usize) -> Vec<f64> {
        let mut s = seed | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    fn exact_rank(sorted: &[f64], x: f64) -> f64 {
        sorted.partition_point(|&v| v <= x) as f64 / sorted.len() as f64
    }

    #[test]
    fn moments_match_the_exact_statistics() {
        let mut values: Vec<f64> = uniform(7, 5_000).iter().map(|u| (u * 9.0).exp()).collect();
        values.extend([0.0, 0.0, -3.5]);
        let mut m = Moments::default();
        values.iter().for_each(|&v| m.push(v));
        let exact = crate::stats::numeric(&mut values.clone()).unwrap();
        assert_eq!((m.n, m.zeros), (values.len() as u64, 2));
        assert_eq!((m.min, m.max), (exact.min, exact.max));
        assert!(close(m.mean(), exact.mean, 1e-12));
        assert!(close(m.std(), exact.std, 1e-10));
        assert!(close(m.skewness(), exact.skewness, 1e-9));
    }

    #[test]
    fn quantiles_stay_within_the_stated_rank_error_in_any_order() {
        let n = 200_000;
        let random = uniform(11, n);
        let mut ascending = random.clone();
        ascending.sort_by(f64::total_cmp);
        let descending: Vec<f64> = ascending.iter().rev().copied().collect();
        // Few distinct values, as an ordinal column has.
        let steps: Vec<f64> = random.iter().map(|u| (u * 5.0).floor()).collect();
        let mut steps_sorted = steps.clone();
        steps_sorted.sort_by(f64::total_cmp);
        let ranks = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];
        for (stream, sorted) in [
            (&random, &ascending),
            (&ascending, &ascending),
            (&descending, &ascending),
            (&steps, &steps_sorted),
        ] {
            let mut sketch = QuantileSketch::new(QUANTILE_K);
            stream.iter().for_each(|&v| sketch.push(v));
            let error = sketch.rank_error();
            for (q, value) in ranks.iter().zip(sketch.quantiles(&ranks)) {
                // The value's rank span must reach the target rank within
                // the error (ties make a span).
                let below = sorted.partition_point(|&v| v < value) as f64 / n as f64;
                let upto = exact_rank(sorted, value);
                assert!(
                    below - error <= *q && *q <= upto + error,
                    "rank {q}: value {value} spans {below}..{upto}, error {error}"
                );
            }
            for (p, r) in [0.1, 0.5, 0.9].iter().zip(sketch.ranks(&[0.1, 0.5, 0.9])) {
                assert!(
                    (r - exact_rank(sorted, *p)).abs() <= error,
                    "cdf at {p}: {r}"
                );
            }
        }
    }

    #[test]
    fn distinct_counts_stay_within_two_percent() {
        for distinct in [1usize, 10, 1_000, 60_000, 500_000] {
            let mut counter = DistinctCounter::default();
            for i in 0..distinct * 2 {
                counter.push(&number_bytes((i % distinct) as f64));
            }
            let estimate = counter.estimate() as f64;
            let error = (estimate - distinct as f64).abs() / distinct as f64;
            assert!(error <= 0.02, "{distinct}: estimated {estimate}");
        }
        let mut strings = DistinctCounter::default();
        for i in 0..100_000 {
            strings.push(format!("r{i:07}").as_bytes());
        }
        let estimate = strings.estimate() as f64;
        assert!((estimate - 100_000.0).abs() <= 2_000.0, "{estimate}");
        assert_eq!(number_bytes(-0.0), number_bytes(0.0));
    }

    #[test]
    fn frequent_values_find_every_value_above_the_bound() {
        // A heavy value (2%) among 50,000 rare ones, in chunks.
        let mut summary = FrequentValues::new(FREQUENT_CAPACITY);
        let mut heavy = 0u64;
        for chunk in 0..50 {
            let mut counts: HashMap<String, u64> = HashMap::new();
            for i in 0..1_000 {
                let v = if i % 50 == 0 {
                    heavy += 1;
                    "heavy".to_owned()
                } else {
                    format!("v{}", chunk * 1_000 + i)
                };
                *counts.entry(v).or_default() += 1;
            }
            summary.add_counts(counts);
        }
        let top = summary.top(1);
        assert_eq!(top[0].0, "heavy");
        assert!(top[0].1 <= heavy && top[0].1 + summary.shortfall() >= heavy);
        assert!(summary.shortfall() <= summary.len() / (FREQUENT_CAPACITY as u64 + 1));
        // Few distinct values: exact.
        let mut few = FrequentValues::new(FREQUENT_CAPACITY);
        few.add_counts([("a".to_owned(), 3), ("b".to_owned(), 5)]);
        few.add_counts([("a".to_owned(), 4)]);
        assert_eq!(few.shortfall(), 0);
        assert_eq!(few.top(5), vec![("a".to_owned(), 7), ("b".to_owned(), 5)]);
    }

    /// Under the budget the count is exact; past it, the sample's count
    /// scaled up stays near the truth, and merging parts equals one pass.
    #[test]
    fn row_hashes_count_duplicates_exactly_then_from_a_sample() {
        let hash = |i: u64| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (i >> 7);
        // 200,000 rows: 20,000 values copied 4 times more, and 100,000 once.
        let rows: Vec<u64> = (0..200_000u64)
            .map(|i| {
                if i < 100_000 {
                    hash(i % 20_000)
                } else {
                    hash(i)
                }
            })
            .collect();
        let truth = 80_000;
        let runs = |budget: usize, parts: &[&[u64]]| {
            let mut all = RowHashes::new(budget);
            for part in parts {
                let mut one = RowHashes::new(budget);
                for batch in part.chunks(10_000) {
                    let mut run = batch.to_vec();
                    run.sort_unstable();
                    one.push_sorted(run);
                }
                all.merge(&one);
            }
            all
        };
        let exact = runs(1 << 20, &[&rows]);
        assert_eq!((exact.duplicates(), exact.sampled()), (truth, 1.0));
        let sampled = runs(30_000, &[&rows]);
        assert!(sampled.sampled() <= 0.25, "{}", sampled.sampled());
        assert!(sampled.len() <= 30_000);
        let estimate = sampled.duplicates() as f64;
        assert!(
            (estimate - truth as f64).abs() < 0.1 * truth as f64,
            "{estimate}"
        );
        let (a, b) = rows.split_at(70_000);
        let merged = runs(30_000, &[a, b]);
        assert_eq!(merged.sampled(), sampled.sampled());
        assert_eq!(merged.duplicates(), sampled.duplicates());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Two summaries merged equal the summary of the concatenated data
        /// within their stated bounds, wherever the data is split.
        #[test]
        fn merged_summaries_equal_the_summary_of_all_the_data(
            values in proptest::collection::vec(
                prop_oneof![
                    (-1e6f64..1e6).prop_map(|v| v.round() / 8.0),
                    Just(0.0),
                    Just(f64::NAN),
                ],
                1..3_000,
            ),
            cut in 0.0f64..1.0,
            capacity in 2usize..50,
        ) {
            let at = ((values.len() as f64) * cut) as usize;
            let (left, right) = values.split_at(at);
            let build = |part: &[f64]| {
                let mut m = Moments::default();
                let mut c = CoMoments::default();
                let mut q = QuantileSketch::new(64);
                let mut d = DistinctCounter::default();
                let mut f = FrequentValues::new(capacity);
                let mut counts: HashMap<String, u64> = HashMap::new();
                for (i, &v) in part.iter().enumerate() {
                    m.push(v);
                    c.push(v, v * 0.5 + (i % 7) as f64);
                    q.push(v);
                    if !v.is_nan() {
                        d.push(&number_bytes(v));
                        *counts.entry(format!("{v}")).or_default() += 1;
                    }
                }
                f.add_counts(counts);
                (m, c, q, d, f)
            };
            let (mut m, mut c, mut q, mut d, mut f) = build(left);
            let (m2, c2, q2, d2, f2) = build(right);
            // The bulk constructors a batch uses agree with pushing.
            let finite: Vec<f64> = right.iter().copied().filter(|v| !v.is_nan()).collect();
            let bulk = Moments::of_slice(&finite);
            prop_assert_eq!((bulk.n, bulk.zeros), (m2.n, m2.zeros));
            if m2.n > 0 {
                prop_assert_eq!((bulk.min, bulk.max), (m2.min, m2.max));
            }
            prop_assert!(close(bulk.mean(), m2.mean(), 1e-9));
            prop_assert!(close(bulk.std(), m2.std(), 1e-7));
            let ys: Vec<f64> = right.iter().enumerate().map(|(i, v)| v * 0.5 + (i % 7) as f64).collect();
            let bulk_pairs = CoMoments::of_slices(right, &ys);
            prop_assert_eq!(bulk_pairs.n, c2.n);
            if let (Some(a), Some(b)) = (bulk_pairs.pearson(), c2.pearson()) {
                prop_assert!(close(a, b, 1e-7));
            }
            let mut sorted = finite.clone();
            sorted.sort_by(f64::total_cmp);
            let bulk_q = QuantileSketch::of_sorted(64, &sorted);
            prop_assert_eq!(bulk_q.len(), q2.len());
            if !sorted.is_empty() {
                let error = bulk_q.rank_error();
                for (r, value) in [0.05, 0.5, 0.95].iter().zip(bulk_q.quantiles(&[0.05, 0.5, 0.95])) {
                    let below = sorted.partition_point(|&v| v < value) as f64 / sorted.len() as f64;
                    let upto = exact_rank(&sorted, value);
                    prop_assert!(below - error <= *r && *r <= upto + error);
                }
            }
            let (m2, c2, q2) = (bulk, bulk_pairs, bulk_q);
            m.merge(&m2);
            c.merge(&c2);
            q.merge(&q2);
            d.merge(&d2);
            f.merge(&f2);
            let (wm, _, _, wd, _) = build(&values);

            // Moments: exact up to rounding.
            prop_assert_eq!((m.n, m.zeros), (wm.n, wm.zeros));
            if wm.n > 0 {
                prop_assert_eq!((m.min, m.max), (wm.min, wm.max));
            }
            prop_assert!(close(m.mean(), wm.mean(), 1e-9));
            prop_assert!(close(m.std(), wm.std(), 1e-7));
            prop_assert!(close(m.skewness(), wm.skewness(), 1e-6));
            // Co-moments: the pairs were split the same way, so compare with
            // the pairs' own statistics.
            let mut pairs = CoMoments::default();
            for (i, &v) in left.iter().enumerate() {
                pairs.push(v, v * 0.5 + (i % 7) as f64);
            }
            for (i, &v) in right.iter().enumerate() {
                pairs.push(v, v * 0.5 + (i % 7) as f64);
            }
            prop_assert_eq!(c.n, pairs.n);
            match (c.pearson(), pairs.pearson()) {
                (Some(a), Some(b)) => prop_assert!(close(a, b, 1e-7), "{} vs {}", a, b),
                (a, b) => prop_assert_eq!(a.is_some(), b.is_some()),
            }
            // Quantiles: within the stated rank error of the exact ranks.
            let mut finite: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
            finite.sort_by(f64::total_cmp);
            prop_assert_eq!(q.len(), finite.len() as u64);
            if !finite.is_empty() {
                let error = q.rank_error();
                for (r, value) in [0.05, 0.5, 0.95].iter().zip(q.quantiles(&[0.05, 0.5, 0.95])) {
                    let below = finite.partition_point(|&v| v < value) as f64 / finite.len() as f64;
                    let upto = exact_rank(&finite, value);
                    prop_assert!(below - error <= *r && *r <= upto + error);
                }
            }
            // Distinct counts: a union of registers is the whole's registers.
            prop_assert_eq!(d.estimate(), wd.estimate());
            // Frequent values: every count a lower bound within the
            // shortfall, and every value above n / (capacity + 1) kept.
            let mut exact: HashMap<String, u64> = HashMap::new();
            for v in finite.iter() {
                *exact.entry(format!("{v}")).or_default() += 1;
            }
            prop_assert_eq!(f.len(), finite.len() as u64);
            for (value, count) in f.top(usize::MAX) {
                let truth = exact[&value];
                prop_assert!(count <= truth && truth <= count + f.shortfall());
            }
            prop_assert!(f.shortfall() <= f.len() / (capacity as u64 + 1));
            let bound = f.len() / (capacity as u64 + 1);
            let kept: Vec<String> = f.top(usize::MAX).into_iter().map(|(v, _)| v).collect();
            for (value, count) in &exact {
                if *count > bound {
                    prop_assert!(kept.contains(value), "{} ({}) lost", value, count);
                }
            }
        }
    }
}
