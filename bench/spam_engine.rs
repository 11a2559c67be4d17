//! Spam engine throughput on one thread: `cargo bench --bench spam_engine`
//! (release profile). Scores the fixture corpus in a loop and prints
//! verdicts per second, then `normalize()` and tokenizer throughput; then
//! the CPU work of one submission as `submission::submit` does it
//! (fingerprint, tokens, classifier, verdict, rendered HTML) on realistic
//! bodies: 300 to 2,000 characters, Arabic, English and mixed.
//! Optional: `MAJLIS_BENCH_PASSES=N` (default 100 passes over the corpus).

// A benchmark binary reports on stdout and may stop on a broken fixture.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use majlis::spam::{
    AuthorHistory, BayesModel, FormTokenCheck, LabeledComment, SpamInput, SpamRules,
    comment_tokens, fingerprint, normalize, score,
};

const ARABIC: &[&str] = &[
    "الحكومة",
    "القرار",
    "المواطنين",
    "الاقتصاد",
    "الأسعار",
    "المدينة",
    "التقرير",
    "السياسة",
    "المستقبل",
    "الشباب",
    "التعليم",
    "المستشفى",
    "شكرا",
    "على",
    "هذا",
    "المقال",
    "أتفق",
    "مع",
    "الكاتب",
    "لكن",
    "يجب",
    "أن",
    "نفكر",
    "في",
    "الحلول",
    "العملية",
    "الوضع",
    "صعب",
    "جدا",
    "نريد",
    "أفعالا",
    "حقيقية",
    "البلد",
    "تستحق",
    "الأفضل",
    "تحليل",
    "ممتاز",
    "أختلف",
    "معك",
];
const ENGLISH: &[&str] = &[
    "the",
    "government",
    "decision",
    "citizens",
    "economy",
    "prices",
    "report",
    "policy",
    "future",
    "young",
    "people",
    "education",
    "hospital",
    "thanks",
    "for",
    "this",
    "article",
    "I",
    "agree",
    "with",
    "author",
    "but",
    "we",
    "should",
    "think",
    "about",
    "practical",
    "solutions",
    "situation",
    "is",
    "very",
    "hard",
    "want",
    "real",
    "action",
    "country",
];

/// `n` bodies of 300 to 2,000 characters: Arabic, English, or both
/// (switching every dozen words), from a fixed pseudo-random sequence.
fn realistic_bodies(n: usize) -> Vec<String> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |m: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % m as u64) as usize
    };
    (0..n)
        .map(|i| {
            let target = 300 + next(1701);
            let mut body = String::new();
            let mut words = 0usize;
            loop {
                let arabic = match i % 3 {
                    0 => true,
                    1 => false,
                    _ => (words / 12).is_multiple_of(2),
                };
                let pool = if arabic { ARABIC } else { ENGLISH };
                let word = pool[next(pool.len())];
                if body.chars().count() + word.chars().count() + 1 > target {
                    break;
                }
                if !body.is_empty() {
                    body.push(' ');
                }
                body.push_str(word);
                words += 1;
            }
            body
        })
        .collect()
}

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/spam_corpus.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("read the fixture corpus");
    let items: Vec<LabeledComment> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("corpus line"))
        .collect();
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
    let mut model = BayesModel::new();
    let tokens: Vec<Vec<String>> = items
        .iter()
        .map(|c| {
            comment_tokens(
                &c.body,
                &c.author_name,
                &c.author_email,
                c.author_url.as_deref(),
            )
        })
        .collect();
    for (c, t) in items.iter().zip(&tokens) {
        model.train(t, c.is_spam());
    }
    let inputs: Vec<SpamInput> = items
        .iter()
        .enumerate()
        .map(|(i, c)| SpamInput {
            body: &c.body,
            author_name: &c.author_name,
            author_email: &c.author_email,
            author_url: c.author_url.as_deref(),
            ip: "192.0.2.44",
            user_agent: "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36",
            honeypot_filled: false,
            form_token: FormTokenCheck::Valid { age_seconds: 20.0 + i as f64 },
            history: AuthorHistory::default(),
            same_text_other_authors_24h: 0,
            spam_probability: model.spamicity(&tokens[i]),
        })
        .collect();

    // Warm up (builds the lazily initialised vocabularies).
    for input in &inputs {
        black_box(score(black_box(input), &rules));
    }

    let start = Instant::now();
    let mut held = 0usize;
    for _ in 0..passes {
        for input in &inputs {
            let v = score(black_box(input), &rules);
            held += usize::from(v.score >= 5.0);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let n = passes * inputs.len();
    println!(
        "score():      {n} verdicts in {secs:.3} s = {:.0} verdicts/s ({:.1} us each); {held} held",
        n as f64 / secs,
        secs * 1e6 / n as f64
    );

    let bytes: usize = items.iter().map(|c| c.body.len()).sum();
    let start = Instant::now();
    for _ in 0..passes {
        for c in &items {
            black_box(normalize(black_box(&c.body)));
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "normalize():  {n} bodies in {secs:.3} s = {:.0} calls/s, {:.1} MB/s",
        n as f64 / secs,
        (bytes * passes) as f64 / secs / 1e6
    );

    let start = Instant::now();
    for _ in 0..passes {
        for c in &items {
            let t = comment_tokens(
                black_box(&c.body),
                &c.author_name,
                &c.author_email,
                c.author_url.as_deref(),
            );
            black_box(model.spamicity(&t));
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "tokens+bayes: {n} comments in {secs:.3} s = {:.0} comments/s",
        n as f64 / secs
    );

    // What `submission::submit` computes for one comment, in its order,
    // on realistic bodies (the corpus above is short texts).
    let bodies = realistic_bodies(600);
    let chars: usize = bodies.iter().map(|b| b.chars().count()).sum();
    let rounds = passes.div_ceil(10).max(1);
    let start = Instant::now();
    let mut held = 0usize;
    for _ in 0..rounds {
        for (i, body) in bodies.iter().enumerate() {
            let email = "reader@example.org";
            black_box(fingerprint(black_box(body)));
            let t = comment_tokens(body, "قارئ", email, None);
            let input = SpamInput {
                body,
                author_name: "قارئ",
                author_email: email,
                author_url: None,
                ip: "192.0.2.44",
                user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0",
                honeypot_filled: false,
                form_token: FormTokenCheck::Valid {
                    age_seconds: 20.0 + i as f64,
                },
                history: AuthorHistory::default(),
                same_text_other_authors_24h: 0,
                spam_probability: model.spamicity(&t),
            };
            held += usize::from(score(&input, &rules).score >= 5.0);
            black_box(majlis::render::body_html(body));
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let n = rounds * bodies.len();
    println!(
        "submission CPU path, realistic bodies (300-2,000 chars, mean {:.0}; ar, en, mixed): {n} in {secs:.3} s = {:.0} submissions/s ({:.1} us each); {held} held",
        chars as f64 / bodies.len() as f64,
        n as f64 / secs,
        secs * 1e6 / n as f64
    );
}
