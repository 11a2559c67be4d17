//! Spam engine throughput on one thread: `cargo bench --bench spam_engine`
//! (release profile). Over the fixture corpus, in a loop:
//!
//! - full verdicts: the comment's features, the learner's judgement against
//!   an in-memory `Evidence` trained on the corpus plus the shipped prior,
//!   and every rule (`score`), as a submission does once its one round trip
//!   to the feature store has answered;
//! - `score()` alone (rules, with the learner's probability already known);
//! - `features()` alone, and `judge()` alone;
//! - `normalize()`;
//! - the CPU work of one submission as `submission::submit` does it
//!   (fingerprint, features, the learner, the verdict, rendered HTML) on
//!   realistic bodies: 300 to 2,000 characters, Arabic, English and mixed;
//!   then the verdict alone over the same bodies (the path without the
//!   fingerprint and the HTML: what the spam issue's speed target counts).
//!
//! Then that path stage by stage (`normalize` of the body and the name,
//! `fingerprint_of`, `features_of`, `Script::of`, `judge`,
//! `score_normalized`, `render::body_html`), each timed on its own over the
//! same bodies; the whole path's line comes last.
//!
//! The path reads the site's counts in the instance's copy of the store
//! (`spam::mirror`), as a submission does. With
//! `MAJLIS_BENCH_CORPUS=FILE` (a labelled JSONL corpus such as
//! `target/spam-corpus/test.jsonl`, built by `data/spam/build.py`), the
//! path runs again over that file's real comments at their real lengths,
//! Arabic and English apart.
//!
//! Optional: `MAJLIS_BENCH_PASSES=N` (default 100 passes over the corpus,
//! a tenth of that over the realistic bodies, a fortieth over a
//! `MAJLIS_BENCH_CORPUS`); `MAJLIS_BENCH_PATH_ONLY=1` runs only the
//! submission paths (to profile them alone).

// A benchmark binary reports on stdout and may stop on a broken fixture.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use majlis::spam::eval::parse_corpus;
use majlis::spam::features::{features, features_of};
use majlis::spam::learner::{Evidence, Judgement, Params, Prior, Script, judge};
use majlis::spam::mirror::{Loaded, Mirror, Position, Row, Table};
use majlis::spam::{
    AuthorHistory, FormTokenCheck, LabeledComment, Normalized, SpamInput, SpamRules,
    fingerprint_of, normalize, score, score_normalized,
};

const USER_AGENT: &str =
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36";

fn input<'a>(c: &'a LabeledComment, i: usize, judged: Option<Judgement>) -> SpamInput<'a> {
    SpamInput {
        body: &c.body,
        author_name: &c.author_name,
        author_email: &c.author_email,
        author_url: c.author_url.as_deref(),
        ip: "192.0.2.44",
        user_agent: USER_AGENT,
        honeypot_filled: false,
        form_token: FormTokenCheck::Valid {
            age_seconds: 20.0 + i as f64,
        },
        history: AuthorHistory::default(),
        same_text_other_authors_24h: 0,
        spam_probability: judged.map(|j| j.probability),
        learner_fresh: judged.is_some_and(|j| j.fresh),
    }
}

#[path = "common/bodies.rs"]
mod bodies;

fn comment_features(c: &LabeledComment) -> Vec<u32> {
    features(
        &c.body,
        &c.author_name,
        &c.author_email,
        c.author_url.as_deref(),
    )
}

/// Runs `f` over every comment `passes` times; prints and returns the rate.
fn measure(
    label: &str,
    unit: &str,
    passes: usize,
    items: &[LabeledComment],
    mut f: impl FnMut(usize, &LabeledComment),
) {
    let start = Instant::now();
    for _ in 0..passes {
        for (i, c) in items.iter().enumerate() {
            f(i, c);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let n = passes * items.len();
    println!(
        "{label:<22} {n} {unit} in {secs:.3} s = {:.0} {unit}/s ({:.1} us each)",
        n as f64 / secs,
        secs * 1e6 / n as f64
    );
}

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/spam_corpus.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("read the fixture corpus");
    let items = parse_corpus(&text).expect("a labelled corpus");
    let passes: usize = std::env::var("MAJLIS_BENCH_PASSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);

    // A site with a few lists of its own, as a real one would have.
    let rules = SpamRules::new(
        &["قمار", "viagra", "casino", "لعبة الحظ", "escort"],
        &["xxx", "سكس", "porn", "203.0.113."],
        &["spam.example", "bad-domain.xyz"],
    );
    // The site's learner, taught the whole corpus, plus the shipped prior.
    let prior = Prior::shipped();
    let params = Params::default();
    let mut site = Evidence::default();
    for c in &items {
        site.learn(&comment_features(c), Script::of(&c.body), c.is_spam(), 1);
    }
    let scripts: Vec<Script> = items.iter().map(|c| Script::of(&c.body)).collect();
    let probabilities: Vec<Option<Judgement>> = items
        .iter()
        .zip(&scripts)
        .map(|(c, s)| judge(&comment_features(c), *s, &site, prior, &params))
        .collect();
    let mean_features = items
        .iter()
        .map(|c| comment_features(c).len())
        .sum::<usize>() as f64
        / items.len() as f64;
    let mean_chars =
        items.iter().map(|c| c.body.chars().count()).sum::<usize>() as f64 / items.len() as f64;
    println!(
        "{} comments (mean {mean_chars:.0} characters, {mean_features:.0} features); prior {}; site taught {} spam, {} ham",
        items.len(),
        prior.map_or("none".to_owned(), |p| format!("{} features", p.len())),
        site.totals.iter().map(|t| t.spam.docs).sum::<f64>(),
        site.totals.iter().map(|t| t.ham.docs).sum::<f64>()
    );

    // `MAJLIS_BENCH_PATH_ONLY=1`: only the submission path on realistic
    // bodies (to profile it alone, e.g. under `perf record`).
    let path_only = std::env::var("MAJLIS_BENCH_PATH_ONLY").is_ok_and(|v| v == "1");
    if !path_only {
        // Warm up (builds the lazily initialised vocabularies).
        for (i, c) in items.iter().enumerate() {
            black_box(score(black_box(&input(c, i, probabilities[i])), &rules));
        }

        let mut held = 0usize;
        measure(
            "verdict with learner:",
            "verdicts",
            passes,
            &items,
            |i, c| {
                // Normalised once, as a submission does.
                let body_text = normalize(black_box(&c.body));
                let name_text = normalize(&c.author_name);
                let f = features_of(
                    &body_text,
                    &name_text,
                    &c.author_email,
                    c.author_url.as_deref(),
                );
                let script = Script::of(&c.body);
                let p = judge(&f, script, &site, prior, &params);
                let v = score_normalized(&input(c, i, p), &rules, body_text, name_text);
                held += usize::from(v.score >= 5.0);
            },
        );
        println!("  ({held} held)");
        measure("score() alone:", "verdicts", passes, &items, |i, c| {
            black_box(score(black_box(&input(c, i, probabilities[i])), &rules));
        });
        measure("features():", "comments", passes, &items, |_, c| {
            black_box(comment_features(black_box(c)));
        });
        let all: Vec<Vec<u32>> = items.iter().map(comment_features).collect();
        measure("judge():", "comments", passes, &items, |i, _| {
            black_box(judge(black_box(&all[i]), scripts[i], &site, prior, &params));
        });
        let bytes: usize = items.iter().map(|c| c.body.len()).sum();
        let start = Instant::now();
        for _ in 0..passes {
            for c in &items {
                black_box(normalize(black_box(&c.body)));
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let n = passes * items.len();
        println!(
            "{:<22} {n} bodies in {secs:.3} s = {:.0} calls/s, {:.1} MB/s",
            "normalize():",
            n as f64 / secs,
            (bytes * passes) as f64 / secs / 1e6
        );
    }

    // What `submission::submit` computes for one comment, in its order,
    // on realistic bodies (the corpus above is short texts).
    let rounds = passes.div_ceil(10).max(1);
    let bodies: Vec<String> = (0..600).map(bodies::realistic_body).collect();
    // A submission reads the site's counts in the instance's copy of the
    // store (`spam::mirror`): the same counts, in a table by bucket.
    let mirror = Mirror::default();
    let mut table = Table::default();
    for (bucket, (spam, ham)) in &site.counts {
        table.apply(Row {
            bucket: *bucket,
            spam: *spam,
            ham: *ham,
            rev: 1,
        });
    }
    mirror.install(Loaded {
        position: Position {
            generation: 0,
            snapshot: "1:1:".into(),
        },
        table,
    });
    let learner = Learner {
        site: &site,
        mirror: &mirror,
        prior,
        params: &params,
        rules: &rules,
    };
    let synthetic = submission_path(
        "realistic bodies (300-2,000 chars",
        &bodies,
        rounds,
        &learner,
    );
    // Real comments, at their real lengths: `MAJLIS_BENCH_CORPUS=FILE` (a
    // labelled JSONL corpus, e.g. `target/spam-corpus/test.jsonl`, built
    // by `data/spam/build.py`; each body once per round).
    let mut lines = vec![synthetic];
    if let Ok(file) = std::env::var("MAJLIS_BENCH_CORPUS") {
        let text = std::fs::read_to_string(&file).expect("MAJLIS_BENCH_CORPUS");
        let corpus = parse_corpus(&text).expect("a labelled corpus");
        for lang in ["ar", "en"] {
            let bodies: Vec<String> = corpus
                .iter()
                .filter(|c| c.lang == lang)
                .map(|c| c.body.clone())
                .collect();
            let label = format!("{file}, {lang} ({} comments", bodies.len());
            lines.push(submission_path(
                &label,
                &bodies,
                rounds.div_ceil(4),
                &learner,
            ));
        }
    }
    for line in lines {
        println!("{line}");
    }
}

/// The learner and rules a submission is judged with.
struct Learner<'a> {
    /// The site's class totals (and counts, which the path reads in `mirror`).
    site: &'a Evidence,
    mirror: &'a Mirror,
    prior: Option<&'a Prior>,
    params: &'a Params,
    rules: &'a SpamRules,
}

/// A submission of `body` by a reader, as the path judges it.
fn path_input(i: usize, body: &str, p: Option<Judgement>) -> SpamInput<'_> {
    SpamInput {
        body,
        author_name: "قارئ",
        author_email: "reader@example.org",
        author_url: None,
        ip: "192.0.2.44",
        user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0",
        honeypot_filled: false,
        form_token: FormTokenCheck::Valid {
            age_seconds: 20.0 + i as f64,
        },
        history: AuthorHistory::default(),
        same_text_other_authors_24h: 0,
        spam_probability: p.map(|j| j.probability),
        learner_fresh: p.is_some_and(|j| j.fresh),
    }
}

/// The CPU work of one submission over each of `bodies`, `rounds` times:
/// the whole path, the verdict alone, then stage by stage (each stage
/// timed on its own, its inputs computed beforehand). Prints the stages;
/// returns the whole path's and the verdict's lines.
fn submission_path(label: &str, bodies: &[String], rounds: usize, l: &Learner) -> String {
    let (prior, params, rules) = (l.prior, l.params, l.rules);
    let judge =
        |f: &[u32], script: Script| l.mirror.judge(f, script, &l.site.totals, prior, params);
    let chars: usize = bodies.iter().map(|b| b.chars().count()).sum();
    let email = "reader@example.org";
    // The verdict of the `i`th body, normalised: features, the learner and
    // the rules, as the path computes it.
    let verdict = |i: usize, body: &str, body_text: Normalized, name_text: Normalized| {
        let f = features_of(&body_text, &name_text, email, None);
        let p = judge(&f, Script::of(body));
        score_normalized(&path_input(i, body, p), rules, body_text, name_text)
    };
    let start = Instant::now();
    let mut held = 0usize;
    for _ in 0..rounds {
        for (i, body) in bodies.iter().enumerate() {
            let body_text = normalize(black_box(body));
            let name_text = normalize("قارئ");
            black_box(fingerprint_of(&body_text));
            held += usize::from(verdict(i, body, body_text, name_text).score >= 5.0);
            black_box(majlis::render::body_html(body));
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let n = rounds * bodies.len();
    let mut line = format!(
        "submission CPU path, {label}, mean {:.0} chars): {n} in {secs:.3} s = {:.0} submissions/s ({:.1} us each); {held} held",
        chars as f64 / bodies.len() as f64,
        n as f64 / secs,
        secs * 1e6 / n as f64
    );
    // The verdict alone (what the spam issue's speed target counts): the
    // path without the fingerprint and the rendered HTML.
    let start = Instant::now();
    for _ in 0..rounds {
        for (i, body) in bodies.iter().enumerate() {
            black_box(verdict(
                i,
                body,
                normalize(black_box(body)),
                normalize("قارئ"),
            ));
        }
    }
    let secs = start.elapsed().as_secs_f64();
    line.push_str(&format!(
        "\n  verdicts alone (normalize, features, learner, rules): {:.0} verdicts/s ({:.1} us each)",
        n as f64 / secs,
        secs * 1e6 / n as f64
    ));

    let stage = |label: &str, f: &mut dyn FnMut(usize)| {
        let start = Instant::now();
        for _ in 0..rounds {
            for i in 0..bodies.len() {
                f(i);
            }
        }
        let us = start.elapsed().as_secs_f64() * 1e6 / n as f64;
        println!("  {label:<36} {us:>7.1} us");
        us
    };
    let normalized: Vec<_> = bodies.iter().map(|b| normalize(b)).collect();
    let name_text = normalize("قارئ");
    // `Normalized` keeps the links and phone numbers it was asked for (the
    // learner's tokens ask first, the rules reuse them): the features stage
    // gets copies that were never asked, so it pays for finding them, and
    // the rules stage copies that were (filled by `feats` below), as in a
    // submission.
    let fresh: Vec<_> = normalized.clone();
    let fresh_name = name_text.clone();
    let feats: Vec<Vec<u32>> = normalized
        .iter()
        .map(|b| features_of(b, &name_text, email, None))
        .collect();
    let body_scripts: Vec<Script> = bodies.iter().map(|b| Script::of(b)).collect();
    let ps: Vec<Option<Judgement>> = feats
        .iter()
        .zip(&body_scripts)
        .map(|(f, s)| judge(f, *s))
        .collect();
    let mut total = 0.0;
    println!("stages of the submission CPU path, {label}), per submission:");
    total += stage("normalize (body and name)", &mut |i| {
        black_box(normalize(black_box(&bodies[i])));
        black_box(normalize(black_box("قارئ")));
    });
    total += stage("fingerprint_of", &mut |i| {
        black_box(fingerprint_of(black_box(&normalized[i])));
    });
    total += stage("features_of (and 2 clones)", &mut |i| {
        black_box(features_of(
            &fresh[i].clone(),
            &fresh_name.clone(),
            email,
            None,
        ));
    });
    total += stage("Script::of", &mut |i| {
        black_box(Script::of(black_box(&bodies[i])));
    });
    total += stage("judge", &mut |i| {
        black_box(judge(&feats[i], body_scripts[i]));
    });
    total += stage("score_normalized (and 2 clones)", &mut |i| {
        black_box(score_normalized(
            &path_input(i, &bodies[i], ps[i]),
            rules,
            normalized[i].clone(),
            name_text.clone(),
        ));
    });
    total += stage("render::body_html", &mut |i| {
        black_box(majlis::render::body_html(black_box(&bodies[i])));
    });
    println!("  {:<36} {total:>7.1} us", "sum of the stages");
    line
}
