//! Which entries the grid and the table show. Pure, so it is tested alone.

use triage_api::{Entry, LabelSource, SpotCheck};

/// The sources a filter can pick, in the order they are shown.
pub const SOURCES: [LabelSource; 4] = [
    LabelSource::Human,
    LabelSource::Model,
    LabelSource::Import,
    LabelSource::Consolidated,
];

/// A spot-check condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpotFilter {
    /// Any entry.
    Any,
    /// Drawn for a spot check, however it went.
    Drawn,
    /// Drawn and waiting for a person.
    Pending,
    /// Checked: the person agreed with the model.
    Agreed,
    /// Checked: the person gave another class.
    Disagreed,
}

impl SpotFilter {
    /// Every choice, in menu order.
    pub const ALL: [Self; 5] = [
        Self::Any,
        Self::Drawn,
        Self::Pending,
        Self::Agreed,
        Self::Disagreed,
    ];

    /// Its name in the menu.
    pub fn name(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::Drawn => "drawn",
            Self::Pending => "pending",
            Self::Agreed => "agreed",
            Self::Disagreed => "disagreed",
        }
    }

    fn accepts(self, state: SpotCheck) -> bool {
        match self {
            Self::Any => true,
            Self::Drawn => state != SpotCheck::NotDrawn,
            Self::Pending => state == SpotCheck::Pending,
            Self::Agreed => state == SpotCheck::Agreed,
            Self::Disagreed => state == SpotCheck::Disagreed,
        }
    }
}

/// What to show. The default shows everything.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// Shown classes, by index; entries without a single class (unlabeled,
    /// boxes, class sets) follow `no_class`.
    pub classes: Vec<bool>,
    /// Whether entries without a single class are shown.
    pub no_class: bool,
    /// Shown sources, as in [`SOURCES`].
    pub sources: [bool; 4],
    /// Whether unlabeled entries are shown.
    pub unlabeled: bool,
    /// The confidence range. While it is narrower than 0–1, entries
    /// without a confidence are left out.
    pub min_confidence: f64,
    /// See `min_confidence`.
    pub max_confidence: f64,
    /// The spot-check condition.
    pub spot: SpotFilter,
    /// Only entries whose label the last round suspects.
    pub suspects_only: bool,
    /// Only flagged entries.
    pub flagged_only: bool,
    /// Only entries the people who answered disagree on.
    pub disagreements_only: bool,
}

impl Filter {
    /// Shows everything of a dataset with `classes` classes.
    pub fn all(classes: usize) -> Self {
        Self {
            classes: vec![true; classes],
            no_class: true,
            sources: [true; 4],
            unlabeled: true,
            min_confidence: 0.0,
            max_confidence: 1.0,
            spot: SpotFilter::Any,
            suspects_only: false,
            flagged_only: false,
            disagreements_only: false,
        }
    }

    /// Whether the confidence range leaves anything out.
    pub fn confidence_narrowed(&self) -> bool {
        self.min_confidence > 0.0 || self.max_confidence < 1.0
    }

    /// Whether an entry is shown.
    pub fn accepts(&self, e: &Entry) -> bool {
        let class_ok = match e.class {
            Some(c) => self.classes.get(c as usize).copied().unwrap_or(true),
            None => self.no_class,
        };
        let source_ok = match e.source {
            Some(s) => SOURCES
                .iter()
                .position(|&x| x == s)
                .is_none_or(|i| self.sources[i]),
            None => self.unlabeled,
        };
        let confidence_ok = !self.confidence_narrowed()
            || e.confidence
                .is_some_and(|c| c >= self.min_confidence && c <= self.max_confidence);
        class_ok
            && source_ok
            && confidence_ok
            && self.spot.accepts(e.review.spot_check)
            && (!self.suspects_only || e.review.suspect)
            && (!self.flagged_only || e.review.flagged)
            && (!self.disagreements_only || e.review.disagreement)
    }

    /// The entries shown, in `order`.
    pub fn apply(&self, entries: &[Entry], order: impl Iterator<Item = u32>) -> Vec<u32> {
        order
            .filter(|&i| entries.get(i as usize).is_some_and(|e| self.accepts(e)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use triage_api::ReviewState;

    fn entry(class: Option<u32>, source: Option<LabelSource>, confidence: Option<f64>) -> Entry {
        Entry {
            id: 1,
            name: "a".into(),
            image: None,
            thumbnail: None,
            text: None,
            class,
            label: class.map(|c| c.to_string()),
            source,
            confidence,
            review: ReviewState {
                spot_check: SpotCheck::NotDrawn,
                suspect: false,
                flagged: false,
                disagreement: false,
            },
        }
    }

    #[test]
    fn the_default_shows_everything() {
        let f = Filter::all(2);
        assert!(f.accepts(&entry(None, None, None)));
        assert!(f.accepts(&entry(Some(1), Some(LabelSource::Model), Some(0.2))));
    }

    #[test]
    fn auto_labels_below_a_confidence() {
        let mut f = Filter::all(3);
        f.sources = [false, true, false, false];
        f.unlabeled = false;
        f.max_confidence = 0.9;
        assert!(f.accepts(&entry(Some(0), Some(LabelSource::Model), Some(0.85))));
        assert!(f.accepts(&entry(Some(0), Some(LabelSource::Model), Some(0.9))));
        assert!(!f.accepts(&entry(Some(0), Some(LabelSource::Model), Some(0.95))));
        assert!(!f.accepts(&entry(Some(0), Some(LabelSource::Human), None)));
        assert!(!f.accepts(&entry(None, None, None)));
        // A narrowed range leaves out entries with no confidence.
        f.sources = [true; 4];
        assert!(!f.accepts(&entry(Some(0), Some(LabelSource::Human), None)));
    }

    #[test]
    fn classes_spot_checks_suspects_and_flags() {
        let mut f = Filter::all(3);
        f.classes[1] = false;
        assert!(!f.accepts(&entry(Some(1), Some(LabelSource::Human), None)));
        assert!(f.accepts(&entry(Some(2), Some(LabelSource::Human), None)));
        f.no_class = false;
        assert!(!f.accepts(&entry(None, None, None)));

        let mut e = entry(Some(0), Some(LabelSource::Human), None);
        let mut f = Filter::all(3);
        f.spot = SpotFilter::Drawn;
        assert!(!f.accepts(&e));
        e.review.spot_check = SpotCheck::Disagreed;
        assert!(f.accepts(&e));
        f.spot = SpotFilter::Agreed;
        assert!(!f.accepts(&e));
        f.spot = SpotFilter::Any;
        f.suspects_only = true;
        assert!(!f.accepts(&e));
        e.review.suspect = true;
        assert!(f.accepts(&e));
        f.flagged_only = true;
        assert!(!f.accepts(&e));
        e.review.flagged = true;
        assert!(f.accepts(&e));
    }

    #[test]
    fn apply_keeps_the_given_order() {
        let entries = vec![
            entry(Some(0), None, None),
            entry(Some(1), None, None),
            entry(Some(0), None, None),
        ];
        let mut f = Filter::all(2);
        f.classes[1] = false;
        assert_eq!(f.apply(&entries, [2, 1, 0].into_iter()), vec![2, 0]);
    }
}
