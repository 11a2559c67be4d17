//! The learner's workbench, on a development split only (never the test
//! split):
//!
//! `cargo run --release --example learner_lab -- DEV.jsonl PRIOR.bin [--fit] [--telling K] [--alone-telling K] [--prior-weight W]`
//!
//! DEV is split into a pool and the judged rest as `majlis spam-eval`
//! splits it, and a simulated site is taught the first N pool comments for
//! N in 0, 100, 200, 400, 800 and 1,600. For each N and language it prints,
//! for the learner alone, the area under the ROC curve and the recall at
//! 1%, 2% and 3% of ham; then the best recall the rules' score plus the
//! learner's log-odds could reach at 2% and 3% of ham (the weight of the
//! learner and the threshold chosen on the judged items themselves: a
//! ceiling, not a result).
//!
//! `--fit` fits the calibration curve (`Params::scale` and
//! `Params::offset`) to the raw scores of every stage together and prints
//! it, and the curve each stage alone would have. `--telling` (where the
//! prior speaks), `--alone-telling` (where the site's counts speak alone)
//! and `--prior-weight` score with other knobs.
//! The README's spam section quotes its output on `target/spam-cv`.

// A development tool: it reports on stdout and stops on a broken corpus.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use majlis::spam::LabeledComment;
use majlis::spam::eval::{EvalOptions, item_features, shuffled, split_pool, teach, verdict};
use majlis::spam::features::Feature;
use majlis::spam::learner::{Evidence, Params, Prior, Script, fit_calibration, raw_score};

const STAGES: [usize; 6] = [0, 100, 200, 400, 800, 1600];

/// The rules' score, without the learner, as `majlis spam-eval` scores a
/// comment (a first-time author without a form token).
fn rules_score(c: &LabeledComment) -> f64 {
    verdict(c, &[], None, &EvalOptions::default()).score
}

/// Area under the ROC curve and recall at 1%, 2% and 3% of ham, of scores
/// where larger means spam (ties count half).
fn ranking(scored: &[(f64, bool)]) -> (f64, [f64; 3]) {
    let mut v = scored.to_vec();
    v.sort_by(|a, b| b.0.total_cmp(&a.0));
    let pos = v.iter().filter(|x| x.1).count().max(1) as f64;
    let neg = (v.len() as f64 - pos).max(1.0);
    let (mut tp, mut fp, mut auc) = (0.0, 0.0, 0.0);
    let mut recall = [0.0; 3];
    let mut i = 0;
    while i < v.len() {
        let (mut dtp, mut dfp) = (0.0, 0.0);
        let mut j = i;
        while j < v.len() && v[j].0 == v[i].0 {
            if v[j].1 {
                dtp += 1.0;
            } else {
                dfp += 1.0;
            }
            j += 1;
        }
        auc += dfp * (tp + dtp / 2.0);
        tp += dtp;
        fp += dfp;
        for (k, limit) in [0.01, 0.02, 0.03].into_iter().enumerate() {
            if fp / neg <= limit {
                recall[k] = tp / pos;
            }
        }
        i = j;
    }
    (auc / (pos * neg), recall)
}

/// Each score as the log-odds of its rank among the ham scores, less
/// ln 9 (0 at the ham's 90th percentile): one scale for any score.
fn rank_logits(v: &[(f64, bool)]) -> Vec<f64> {
    let mut ham: Vec<f64> = v.iter().filter(|x| !x.1).map(|x| x.0).collect();
    ham.sort_by(f64::total_cmp);
    let n = ham.len().max(1) as f64;
    v.iter()
        .map(|(x, _)| {
            let q =
                ((ham.partition_point(|h| h < x) as f64 + 0.5) / (n + 1.0)).clamp(1e-4, 1.0 - 1e-4);
            (q / (1.0 - q)).ln() - 9f64.ln()
        })
        .collect()
}

/// The best recall at `column` (0, 1, 2: 1%, 2%, 3% of ham) of the rules'
/// score plus `a` times the learner's rank logit (within ±3), over `a`.
fn ceiling(rules: &[f64], learner: &[(f64, bool)], column: usize) -> f64 {
    let logits = rank_logits(learner);
    [0.5, 1.0, 1.5, 2.0, 3.0, 4.0]
        .into_iter()
        .map(|a| {
            let v: Vec<(f64, bool)> = rules
                .iter()
                .zip(&logits)
                .zip(learner)
                .map(|((r, l), (_, y))| (r + a * l.clamp(-3.0, 3.0), *y))
                .collect();
            ranking(&v).1[column]
        })
        .fold(0.0, f64::max)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dev, prior_path) = match args.as_slice() {
        [d, p, ..] => (d, p),
        _ => panic!(
            "usage: learner_lab DEV.jsonl PRIOR.bin [--fit] [--telling K] [--alone-telling K] [--prior-weight W]"
        ),
    };
    let mut params = Params::default();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .map(|i| args[i + 1].clone())
    };
    if let Some(k) = flag("--telling") {
        params.telling = k.parse().expect("--telling K");
    }
    if let Some(k) = flag("--alone-telling") {
        params.alone_telling = k.parse().expect("--alone-telling K");
    }
    if let Some(w) = flag("--prior-weight") {
        params.prior_weight = w.parse().expect("--prior-weight W");
    }
    let fit = args.iter().any(|a| a == "--fit");
    let items: Vec<LabeledComment> = std::fs::read_to_string(dev)
        .expect("read DEV")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a labelled comment per line"))
        .collect();
    let prior =
        Prior::from_bytes(&std::fs::read(prior_path).expect("read PRIOR")).expect("a prior");
    let (pool, judged) = split_pool(&items);
    let order = shuffled(&pool);
    let judged_features: Vec<Vec<Feature>> = judged.iter().map(item_features).collect();
    let rules: Vec<f64> = judged.iter().map(rules_score).collect();
    let mut samples = [Vec::new(), Vec::new()];
    let mut by_stage = Vec::new();
    let mut site = Evidence::default();
    let mut taught = 0;
    for n in STAGES.into_iter().filter(|n| *n <= order.len()) {
        for c in &order[taught..n] {
            teach(&mut site, c);
        }
        taught = n;
        let mut stage = Vec::new();
        for lang in ["ar", "en"] {
            let mut scored = Vec::new();
            let mut rules_of = Vec::new();
            for ((c, f), r) in judged.iter().zip(&judged_features).zip(&rules) {
                if c.lang != lang {
                    continue;
                }
                let raw = raw_score(f, Script::of(&c.body), &site, Some(&prior), &params);
                if let Some(x) = raw {
                    samples[usize::from(!x.with_prior)].push((x.value, c.is_spam()));
                    if x.with_prior {
                        stage.push((x.value, c.is_spam()));
                    }
                }
                scored.push((raw.map_or(0.0, |x| x.value), c.is_spam()));
                rules_of.push(*r);
            }
            let (auc, r) = ranking(&scored);
            println!(
                "n={n:<5} {lang}  learner: auc {auc:.4} recall@1% {:.3} @2% {:.3} @3% {:.3}  | rules + learner ceiling @2% {:.3} @3% {:.3}",
                r[0],
                r[1],
                r[2],
                ceiling(&rules_of, &scored, 1),
                ceiling(&rules_of, &scored, 2)
            );
        }
        by_stage.push((n, stage));
    }
    if fit {
        for (n, stage) in &by_stage {
            if !stage.is_empty() {
                let (scale, offset) = fit_calibration(stage);
                println!(
                    "curve with the prior at n={n}, from {} scores: scale {scale:.4} offset {offset:.4}",
                    stage.len()
                );
            }
        }
        for (samples, what) in samples.iter().zip(["with the prior", "the site alone"]) {
            let (scale, offset) = fit_calibration(samples);
            println!(
                "curve {what}, from {} scores: scale {scale:.4} offset {offset:.4}",
                samples.len()
            );
        }
    }
}
