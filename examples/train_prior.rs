//! Trains the prior that ships inside majlis (`src/spam/prior.bin`) from a
//! labelled JSON-lines corpus: the `prior.jsonl` that `data/spam/build.py`
//! writes, only from sources whose licences allow shipping a derived model
//! (see `data/spam/MANIFEST.md`).
//!
//! `cargo run --release --example train_prior -- CORPUS.jsonl [OUT [DEV.jsonl]]`
//! (OUT defaults to `src/spam/prior.bin`). With DEV, it also fits the
//! calibration curve of a site's own counts (`Params::scale` and
//! `Params::offset`) and prints it: sites of 100 to 1,600 decisions drawn
//! from DEV, each scoring comments it did not learn.
//!
//! The calibration curve is fitted out of fold: five folds, each scored by
//! a model trained on the other four, so the curve sees raw scores of
//! comments the model never learnt, as a site's comments will be.

// A development tool: it reports on stdout and stops on a broken corpus.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use majlis::spam::LabeledComment;
use majlis::spam::eval::item_features;
use majlis::spam::learner::{
    Evidence, Params, Prior, Script, fit_calibration, prior_raw, site_raw,
};

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
    let items: Vec<LabeledComment> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a labelled comment per line"))
        .collect();
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
                && let Some(raw) = prior_raw(f, Script::of(&c.body), Some(&prior), &params)
            {
                samples.push((raw, c.is_spam()));
            }
        }
    }
    let (scale, offset) = fit_calibration(&samples);
    if let Some(site_corpus) = args.next() {
        site_curve(&site_corpus, &params);
    }
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

/// Fits the site curve: for each fold, a site taught a growing prefix of
/// the other folds scores the fold.
fn site_curve(path: &str, params: &Params) {
    let text = std::fs::read_to_string(path).expect("read the development corpus");
    let mut items: Vec<LabeledComment> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a labelled comment per line"))
        .collect();
    items.sort_by_key(|c| xxhash_rust::xxh3::xxh3_64(c.body.as_bytes()));
    let feats: Vec<Vec<u32>> = items.iter().map(item_features).collect();
    let scripts: Vec<Script> = items.iter().map(|c| Script::of(&c.body)).collect();
    let mut samples = Vec::new();
    for (fold, size) in [100usize, 200, 400, 800, 1600].into_iter().enumerate() {
        let mut site = Evidence::default();
        let mut taught = 0;
        for (i, c) in items.iter().enumerate() {
            if i % FOLDS != fold && taught < size {
                site.learn(&feats[i], scripts[i], c.is_spam(), 1);
                taught += 1;
            }
        }
        for (i, c) in items.iter().enumerate() {
            if i % FOLDS == fold
                && let Some(r) = site_raw(&feats[i], scripts[i], &site, params)
            {
                samples.push((r, c.is_spam()));
            }
        }
    }
    let (scale, offset) = fit_calibration(&samples);
    println!(
        "site curve from {} scored comments: scale {scale:.4} offset {offset:.4}",
        samples.len()
    );
}
