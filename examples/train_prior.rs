//! Trains the prior that ships inside majlis (`src/spam/prior.bin`) from a
//! labelled JSON-lines corpus: the `prior.jsonl` that `data/spam/build.py`
//! writes, only from sources whose licences allow shipping a derived model
//! (see `data/spam/MANIFEST.md`).
//!
//! `cargo run --release --example train_prior -- CORPUS.jsonl [OUT]`
//! (OUT defaults to `src/spam/prior.bin`).
//!
//! It also fits the curve of the prior alone (a site with no decisions)
//! out of fold: five folds, each scored by a prior trained on the other
//! four, so the curve sees scores of comments the prior never learnt. The
//! curve is written into the file and printed, for comparison; the learner
//! uses `Params::scale` and `Params::offset`, which
//! `examples/learner_lab.rs --fit` fits over a site's first 1,600
//! decisions on the development split.

// A development tool: it reports on stdout and stops on a broken corpus.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use majlis::spam::LabeledComment;
use majlis::spam::eval::{item_features, parse_corpus};
use majlis::spam::learner::{Evidence, Params, Prior, Script, fit_calibration, raw_score};

/// Features seen fewer times than this (both classes) are left out.
const MIN_COUNT: u32 = 3;
/// A language enters the prior only with this many comments of each class:
/// a prior that saw only one class of a language would call every comment
/// in it that class.
const MIN_PER_CLASS: usize = 200;
const FOLDS: usize = 5;

fn main() {
    let mut args = std::env::args().skip(1);
    let corpus = args.next().expect("usage: train_prior CORPUS.jsonl [OUT]");
    let out = args
        .next()
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/src/spam/prior.bin").to_owned());
    let text = std::fs::read_to_string(&corpus).expect("read the corpus");
    let items = parse_corpus(&text).expect("a labelled corpus");
    let mut langs: Vec<String> = items.iter().map(|c| c.lang.clone()).collect();
    langs.sort();
    langs.dedup();
    let both = |lang: &str| {
        [true, false].iter().all(|&spam| {
            items
                .iter()
                .filter(|c| c.lang == lang && c.is_spam() == spam)
                .count()
                >= MIN_PER_CLASS
        })
    };
    let kept: Vec<String> = langs.iter().filter(|l| both(l)).cloned().collect();
    println!(
        "languages with both classes (kept): {kept:?}; left out: {:?}",
        langs
            .iter()
            .filter(|l| !kept.contains(l))
            .collect::<Vec<_>>()
    );
    let items: Vec<LabeledComment> = items
        .into_iter()
        .filter(|c| kept.contains(&c.lang))
        .collect();
    let feats: Vec<Vec<u32>> = items.iter().map(item_features).collect();
    let params = Params::default();

    let mut samples = Vec::with_capacity(items.len());
    for fold in 0..FOLDS {
        let mut e = Evidence::default();
        for (i, (c, f)) in items.iter().zip(&feats).enumerate() {
            if i % FOLDS != fold {
                e.learn(f, Script::of(&c.body), c.is_spam(), 1);
            }
        }
        let prior = Prior::from_evidence(&e, MIN_COUNT, 1.0, 0.0);
        for (i, (c, f)) in items.iter().zip(&feats).enumerate() {
            if i % FOLDS == fold
                && let Some(raw) = raw_score(
                    f,
                    Script::of(&c.body),
                    &Evidence::default(),
                    Some(&prior),
                    &params,
                )
            {
                samples.push((raw.value, c.is_spam()));
            }
        }
    }
    let (scale, offset) = fit_calibration(&samples);
    if std::env::var_os("MAJLIS_PRIOR_DEBUG").is_some() {
        for class in [true, false] {
            let mut v: Vec<f64> = samples
                .iter()
                .filter(|s| s.1 == class)
                .map(|s| s.0)
                .collect();
            v.sort_by(f64::total_cmp);
            let q = |x: f64| v[((v.len() - 1) as f64 * x) as usize];
            println!(
                "spam={class}: raw p5 {:.3} p50 {:.3} p95 {:.3}",
                q(0.05),
                q(0.5),
                q(0.95)
            );
        }
    }

    let mut all = Evidence::default();
    for (c, f) in items.iter().zip(&feats) {
        all.learn(f, Script::of(&c.body), c.is_spam(), 1);
    }
    let prior = Prior::from_evidence(&all, MIN_COUNT, scale, offset);
    let bytes = prior.to_bytes();
    std::fs::write(&out, &bytes).expect("write the prior");
    println!(
        "{} comments ({} spam, {} ham) -> {} features, {} bytes; calibration scale {scale:.4} offset {offset:.4}; wrote {out}",
        items.len(),
        all.totals.iter().map(|t| t.spam.docs).sum::<f64>(),
        all.totals.iter().map(|t| t.ham.docs).sum::<f64>(),
        prior.len(),
        bytes.len()
    );
}
