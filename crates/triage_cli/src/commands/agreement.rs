//! `triage agreement`: How far the people who labeled a project agree: Cohen's kappa per
//! pair, Fleiss' kappa and Krippendorff's alpha overall, each person's
//! estimated accuracy (Dawid–Skene), and the items they disagree on.

use std::io::Write;

use anyhow::Result;
use triage_api::Project;

use crate::print_json;

pub use super::ProjectArgs as Args;

pub fn run(args: Args) -> Result<()> {
    let Args { dir, json } = args;
    let a = Project::open_read_only(&dir)?.agreement()?;
    if json {
        print_json(&a)?;
    } else {
        let num = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{v:.3}"));
        say!(
            "{} items answered by two people or more; Fleiss' kappa {}, Krippendorff's alpha {}",
            a.items_with_several,
            num(a.fleiss_kappa),
            num(a.krippendorff_alpha)
        );
        for p in &a.annotators {
            say!(
                "  {:<20} {:>7} answers  estimated accuracy {}",
                p.annotator,
                p.answers,
                num(p.estimated_accuracy)
            );
        }
        for p in &a.pairs {
            say!(
                "  {} / {}: {} shared, Cohen's kappa {}",
                p.a,
                p.b,
                p.shared,
                num(p.cohen_kappa)
            );
        }
        say!("{} items in disagreement", a.disagreements.len());
    }
    Ok(())
}
