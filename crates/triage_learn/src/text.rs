//! Text features with no model at all: hashed TF-IDF of word unigrams and
//! bigrams and of character 3–5-grams, so text can be learned offline with
//! nothing installed.
//!
//! Each text's term counts ([`terms`]) depend on that text alone, so they are
//! cached per item; the inverse document frequencies depend on the whole
//! corpus and are applied when the matrix is built ([`tfidf_matrix`]).
//! Words and characters hash into separate halves of the buckets and each
//! half is L2-normalised on its own, then both are scaled by 1/√2: the many
//! character grams would otherwise drown the few words.

use ndarray::Array2;

/// Buckets per text: half for words, half for character grams. Fixed, so
/// cached counts stay valid; 4,096 keeps a dense matrix of 100,000 texts
/// near 3 GiB, the size the learners can take today.
pub const TEXT_BUCKETS: usize = 4096;
const HALF: u32 = (TEXT_BUCKETS / 2) as u32;
/// Character n-gram lengths, taken inside words padded with a space at each
/// end, so a gram never spans two words.
const CHAR_GRAMS: std::ops::RangeInclusive<usize> = 3..=5;

/// A text's hashed terms: `(bucket, sublinear tf)` pairs sorted by bucket,
/// where sublinear tf is `1 + ln(count)`.
pub type Terms = Vec<(u32, f32)>;

/// FNV-1a: stable across runs, platforms and versions, unlike `std`'s
/// hasher, so cached counts stay comparable.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Lowercased words of at least two letters or digits, as scikit-learn's
/// default token pattern finds them.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().nth(1).is_some())
        .map(str::to_lowercase)
        .collect()
}

/// Hashed term counts of one text.
pub fn terms(text: &str) -> Terms {
    let words = words(text);
    let mut counts: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
    let mut add = |bucket: u32| *counts.entry(bucket).or_default() += 1;
    for (i, w) in words.iter().enumerate() {
        add((fnv1a(&[b"w", w.as_bytes()]) % u64::from(HALF)) as u32);
        if let Some(next) = words.get(i + 1) {
            add((fnv1a(&[b"b", w.as_bytes(), next.as_bytes()]) % u64::from(HALF)) as u32);
        }
        let padded: Vec<char> = std::iter::once(' ')
            .chain(w.chars())
            .chain(std::iter::once(' '))
            .collect();
        let mut buf = [0u8; 4 * 5];
        for n in CHAR_GRAMS {
            for gram in padded.windows(n) {
                let mut len = 0;
                for c in gram {
                    len += c.encode_utf8(&mut buf[len..]).len();
                }
                add(HALF + (fnv1a(&[b"c", &buf[..len]]) % u64::from(HALF)) as u32);
            }
        }
    }
    let mut out: Terms = counts
        .into_iter()
        .map(|(b, c)| (b, 1.0 + (c as f32).ln()))
        .collect();
    out.sort_unstable_by_key(|&(b, _)| b);
    out
}

/// Packs terms into one vector for the feature cache: bucket and weight
/// alternate. Buckets are below 2^24, so an `f32` holds them exactly.
pub fn pack(terms: &Terms) -> Vec<f32> {
    terms.iter().flat_map(|&(b, w)| [b as f32, w]).collect()
}

/// The terms [`pack`] packed; `None` when the vector is not a packing (an
/// odd length or a bucket out of range), so a damaged cache is recomputed.
pub fn unpack(packed: &[f32]) -> Option<Terms> {
    if !packed.len().is_multiple_of(2) {
        return None;
    }
    packed
        .chunks_exact(2)
        .map(|p| {
            let b = p[0];
            (b >= 0.0 && b < TEXT_BUCKETS as f32 && b.fract() == 0.0).then_some((b as u32, p[1]))
        })
        .collect()
}

/// Smoothed inverse document frequencies, `ln((1 + n) / (1 + df)) + 1`,
/// counted a text at a time so a corpus never has to be held at once.
#[derive(Debug, Clone)]
pub struct Idf {
    df: Vec<u32>,
    docs: u64,
}

impl Default for Idf {
    fn default() -> Self {
        Self {
            df: vec![0; TEXT_BUCKETS],
            docs: 0,
        }
    }
}

impl Idf {
    /// Counts one text.
    pub fn add(&mut self, doc: &Terms) {
        self.docs += 1;
        for &(b, _) in doc {
            self.df[b as usize] += 1;
        }
    }

    /// The weights, one per bucket.
    pub fn weights(&self) -> Vec<f64> {
        self.df
            .iter()
            .map(|&d| ((1.0 + self.docs as f64) / (1.0 + f64::from(d))).ln() + 1.0)
            .collect()
    }
}

/// One text's TF-IDF as `(bucket, weight)` pairs, each half L2-normalised
/// and scaled by 1/√2 (see the module notes).
pub fn tfidf(doc: &Terms, idf: &[f64]) -> Vec<(usize, f64)> {
    let mut row: Vec<(usize, f64)> = doc
        .iter()
        .map(|&(b, tf)| (b as usize, f64::from(tf) * idf[b as usize]))
        .collect();
    let mut norms = [0.0f64; 2];
    for &(b, w) in &row {
        norms[usize::from(b >= HALF as usize)] += w * w;
    }
    for (b, w) in &mut row {
        *w /= norms[usize::from(*b >= HALF as usize)].sqrt() * std::f64::consts::SQRT_2;
    }
    row
}

/// The TF-IDF matrix of a corpus: one row per text, [`TEXT_BUCKETS`]
/// columns (see [`tfidf`]).
pub fn tfidf_matrix(corpus: &[Terms]) -> Array2<f32> {
    let mut idf = Idf::default();
    corpus.iter().for_each(|doc| idf.add(doc));
    let weights = idf.weights();
    let mut x = Array2::zeros((corpus.len(), TEXT_BUCKETS));
    for (mut row, doc) in x.rows_mut().into_iter().zip(corpus) {
        for (b, w) in tfidf(doc, &weights) {
            row[b] = w as f32;
        }
    }
    x
}

/// The fixed random projection [`sketch`] applies: `TEXT_BUCKETS × dims`
/// entries of ±1/√dims.
pub fn projection(dims: usize) -> Array2<f64> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let scale = 1.0 / (dims.max(1) as f64).sqrt();
    Array2::from_shape_fn((TEXT_BUCKETS, dims), |_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        if state & 1 == 0 { scale } else { -scale }
    })
}

/// A short dense summary of TF-IDF rows for views that need few columns
/// (the 2-D map): a fixed random projection to `dims` columns, which keeps
/// distances between texts roughly as they were (Johnson–Lindenstrauss).
pub fn sketch(x: &Array2<f32>, dims: usize) -> Array2<f64> {
    x.mapv(f64::from).dot(&projection(dims))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cosine(x: &Array2<f32>, a: usize, b: usize) -> f64 {
        f64::from(x.row(a).dot(&x.row(b)))
    }

    #[test]
    fn terms_are_stable_sorted_and_sublinear() {
        let t = terms("The cat sat. The cat!");
        assert_eq!(t, terms("the CAT sat the cat"));
        assert!(t.windows(2).all(|w| w[0].0 < w[1].0));
        let the = (fnv1a(&[b"w", b"the"]) % u64::from(HALF)) as u32;
        let weight = t.iter().find(|(b, _)| *b == the).unwrap().1;
        assert!((weight - (1.0 + 2f32.ln())).abs() < 1e-6);
        // One-letter words are not words; an empty text has no terms.
        assert!(words("a b c").is_empty());
        assert!(terms("").is_empty());
    }

    #[test]
    fn packing_round_trips_and_rejects_damage() {
        let t = terms("naïve café — ünïcode words");
        assert_eq!(unpack(&pack(&t)).unwrap(), t);
        assert!(unpack(&[1.0]).is_none());
        assert!(unpack(&[TEXT_BUCKETS as f32, 1.0]).is_none());
        assert!(unpack(&[1.5, 1.0]).is_none());
    }

    #[test]
    fn tfidf_rows_are_unit_and_similar_texts_are_close() {
        let corpus: Vec<Terms> = [
            "the striker scored a late goal in the football match",
            "a late goal from the striker won the football match",
            "shares fell as the central bank raised interest rates",
            "",
        ]
        .iter()
        .map(|t| terms(t))
        .collect();
        let x = tfidf_matrix(&corpus);
        assert_eq!(x.dim(), (4, TEXT_BUCKETS));
        for i in 0..3 {
            assert!((cosine(&x, i, i) - 1.0).abs() < 1e-5);
        }
        assert_eq!(cosine(&x, 3, 3), 0.0, "an empty text is all zeros");
        assert!(cosine(&x, 0, 1) > 2.0 * cosine(&x, 0, 2));
        let small = sketch(&x, 64);
        assert_eq!(small.dim(), (4, 64));
        let dist = |a: usize, b: usize| (&small.row(a) - &small.row(b)).mapv(|v| v * v).sum();
        assert!(dist(0, 1) < dist(0, 2), "near texts stay near");
    }
}
