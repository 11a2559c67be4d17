//! The learner's workbench, on a development split only (never the test
//! split):
//!
//! `cargo run --release --example learner_lab -- DEV.jsonl PRIOR.bin [--fit] [--telling K] [--alone-telling K] [--prior-weight W] [--teach-errors K] [--dump DIR --prior-texts PRIOR.jsonl]`
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
//! and `--prior-weight` score with other knobs. Each stage also prints
//! what the whole engine (rules and learner, `majlis spam-eval`'s verdict)
//! holds. `--teach-errors K` teaches a decision the learner got wrong
//! (its probability on the wrong side of one half before the decision)
//! K times instead of once.
//!
//! `--dump DIR` writes what `data/spam/discriminative_lab.py` reads, to
//! try models this crate does not have: `DIR/items.tsv`, one line per
//! comment of `--prior-texts` (the prior's texts: `prior`), of the pool
//! (`pool`, in the order the site decides it) and of the judged rest
//! (`judged`), with its index, language, label (1 spam), source, the
//! rules' score and its features; `DIR/learner.tsv`, the learner's
//! log-odds (its calibrated probability's) of each judged comment at each
//! stage.
//! The README's spam section quotes its output on `target/spam-cv`.

// A development tool: it reports on stdout and stops on a broken corpus.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use majlis::spam::LabeledComment;
use majlis::spam::eval::{
    EvalOptions, Metrics, item_features, parse_corpus, shuffled, split_pool, verdict,
};
use majlis::spam::features::Feature;
use majlis::spam::learner::{Evidence, Params, Prior, Script, fit_calibration, judge, raw_score};
use std::io::Write;

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

fn read_items(path: &str) -> Vec<LabeledComment> {
    let text = std::fs::read_to_string(path).expect("read a labelled corpus");
    parse_corpus(&text).expect("a labelled corpus")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (dev, prior_path) = match args.as_slice() {
        [d, p, ..] => (d, p),
        _ => panic!(
            "usage: learner_lab DEV.jsonl PRIOR.bin [--fit] [--telling K] [--alone-telling K] [--prior-weight W] [--teach-errors K] [--dump DIR --prior-texts PRIOR.jsonl]"
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
    let teach_errors: u32 =
        flag("--teach-errors").map_or(1, |k| k.parse().expect("--teach-errors K"));
    let fit = args.iter().any(|a| a == "--fit");
    let items = read_items(dev);
    let prior =
        Prior::from_bytes(&std::fs::read(prior_path).expect("read PRIOR")).expect("a prior");
    let opts = EvalOptions {
        prior: Some(&prior),
        params,
        ..EvalOptions::default()
    };
    let (pool, judged) = split_pool(&items);
    let order = shuffled(&pool);
    let judged_features: Vec<Vec<Feature>> = judged.iter().map(item_features).collect();
    let rules: Vec<f64> = judged.iter().map(rules_score).collect();
    let mut dump = flag("--dump").map(|dir| {
        std::fs::create_dir_all(&dir).expect("create the dump directory");
        let texts = flag("--prior-texts").expect("--dump needs --prior-texts PRIOR.jsonl");
        let mut out = std::fs::File::create(format!("{dir}/items.tsv")).expect("items.tsv");
        let prior_items = read_items(&texts);
        let groups: [(&str, Vec<&LabeledComment>); 3] = [
            ("prior", prior_items.iter().collect()),
            ("pool", order.clone()),
            ("judged", judged.iter().collect()),
        ];
        for (tag, group) in groups {
            for (i, c) in group.into_iter().enumerate() {
                let f: Vec<String> = item_features(c).iter().map(u32::to_string).collect();
                writeln!(
                    out,
                    "{tag}\t{i}\t{}\t{}\t{}\t{}\t{}",
                    c.lang,
                    u8::from(c.is_spam()),
                    c.source.as_deref().unwrap_or("-"),
                    rules_score(c),
                    f.join(" ")
                )
                .expect("write items.tsv");
            }
        }
        std::fs::File::create(format!("{dir}/learner.tsv")).expect("learner.tsv")
    });
    let mut samples = [Vec::new(), Vec::new()];
    let mut by_stage = Vec::new();
    let mut site = Evidence::default();
    let mut taught = 0;
    for n in STAGES.into_iter().filter(|n| *n <= order.len()) {
        for c in &order[taught..n] {
            let f = item_features(c);
            let script = Script::of(&c.body);
            // Judged before it teaches only when a mistake counts more.
            let wrong = teach_errors > 1 && {
                let p =
                    judge(&f, script, &site, Some(&prior), &params).map_or(0.5, |j| j.probability);
                if c.is_spam() { p < 0.5 } else { p > 0.5 }
            };
            for _ in 0..if wrong { teach_errors } else { 1 } {
                site.learn(&f, script, c.is_spam(), 1);
            }
        }
        taught = n;
        let mut stage = Vec::new();
        for lang in ["ar", "en"] {
            let mut scored = Vec::new();
            let mut rules_of = Vec::new();
            let mut engine = Metrics::default();
            for (i, ((c, f), r)) in judged.iter().zip(&judged_features).zip(&rules).enumerate() {
                if c.lang != lang {
                    continue;
                }
                let raw = raw_score(f, Script::of(&c.body), &site, Some(&prior), &params);
                if let Some(out) = dump.as_mut() {
                    let logit = raw.map_or(f64::NAN, |x| x.log_odds(&params));
                    writeln!(out, "{n}\t{i}\t{lang}\t{logit}").expect("write learner.tsv");
                }
                let score = verdict(c, f, Some(&site), &opts).score;
                engine.add(c.is_spam(), score, &opts.thresholds);
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
            engine.finish();
            println!(
                "n={n:<5} {lang}  engine: recall {:.3} ham held {:.3} ({} of {} spam, {} of {} ham)",
                engine.recall,
                engine.ham_false_positive_rate,
                engine.spam_caught,
                engine.spam,
                engine.ham_held,
                engine.ham,
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
