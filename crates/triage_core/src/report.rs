//! What readers skip: every bad file, row or line becomes a [`Problem`]
//! that names where it is, and the reader carries on. Shared by every crate
//! that reads outside bytes (tables, manifests, images, the lake).

use serde::Serialize;

/// One thing that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Problem {
    /// The file.
    pub file: String,
    /// Where in the file, when it is one part of it: `line 3`,
    /// `row 7, column "bill"`, `byte 120`.
    pub position: Option<String>,
    /// What is wrong, in words a user can act on.
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.position {
            Some(pos) => write!(f, "{}: {}: {}", self.file, pos, self.reason),
            None => write!(f, "{}: {}", self.file, self.reason),
        }
    }
}

/// What a reader skipped. Readers push problems here and keep going.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Each skipped file, row or line.
    pub problems: Vec<Problem>,
}

impl Report {
    /// Records a problem with a whole file.
    pub fn file(&mut self, file: impl std::fmt::Display, reason: impl Into<String>) {
        self.problems.push(Problem {
            file: file.to_string(),
            position: None,
            reason: reason.into(),
        });
    }

    /// Records a problem at a position in a file.
    pub fn at(
        &mut self,
        file: impl std::fmt::Display,
        position: impl Into<String>,
        reason: impl Into<String>,
    ) {
        self.problems.push(Problem {
            file: file.to_string(),
            position: Some(position.into()),
            reason: reason.into(),
        });
    }

    /// Adds another report's problems to this one.
    pub fn extend(&mut self, other: Report) {
        self.problems.extend(other.problems);
    }
}
