//! Differential test of the spam engine's outputs: every public step a
//! submission runs (normalisation, fingerprint, learner features and tokens,
//! links, the learner's judgement, the verdict with its reasons, the
//! rendered HTML) over a fixed corpus, hashed per step and compared with
//! recorded digests (`equivalence.expected`). A speed-up must not change a
//! single byte of any step but the learner's probability, whose last bits
//! may move when the order of floating-point operations does (the commit
//! says so, and `learner`'s tests compare the fast score with a plain one).
//!
//! The corpus: the fixture corpus (`tests/fixtures/spam_corpus.jsonl`),
//! every spammer's disguise of each of its bodies and every legitimate
//! dressing of its ham ([`super::obfuscate`]), the 600 realistic bodies of
//! the spam-engine benchmark, hand-picked edge cases, and 1,500 random
//! strings drawn from pieces that exercise every branch (presentation
//! forms, marks, invisibles, RLO runs, homoglyphs, Eastern digits, defanged
//! links, spaced letters, case changes that change byte lengths).
//!
//! `MAJLIS_SPAM_OUTPUTS_DUMP=<file>` writes every output in full, to diff
//! two builds item by item when a digest differs. A change meant to alter
//! what the engine decides (a new rule, new vocabulary) records its digests
//! with `MAJLIS_SPAM_OUTPUTS_BLESS=1 cargo test --lib equivalence`, and the
//! commit says which steps changed and why.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::bayes::{meta_tokens_of, tokens};
use super::contacts::{count_handles, count_hashtags, count_phones};
use super::defang::deobfuscate_links;
use super::engine::{score, score_normalized};
use super::eval::{LabeledComment, parse_corpus};
use super::facts::{AuthorHistory, FormTokenCheck, SpamInput, SpamRules};
use super::features::features_of;
use super::learner::{Evidence, Params, Prior, Script, judge};
use super::links::extract_links;
use super::normalize::{fingerprint_of, normalize};
use super::obfuscate::{Dress, Variant, dress_legit, obfuscate};

#[path = "../../bench/common/bodies.rs"]
mod bodies;

struct Item {
    body: String,
    name: String,
    email: String,
    url: Option<String>,
    is_spam: bool,
}

const PIECES: &[&str] = &[
    "casino",
    "FREE",
    "Vïagra",
    "CaSiNo",
    "é",
    "e\u{0301}",
    "ß",
    "İstanbul",
    "ǅ",
    "ﬁ",
    "ＦＲＥＥ",
    "𝐟𝐫𝐞𝐞",
    "²",
    "كازينو",
    "الله",
    "مستشفى",
    "بالكازينو",
    "والمراهنات",
    "للتواصل",
    "واتساب",
    "راسلني",
    "سناب",
    "اربح",
    "جوائز",
    "شكرا",
    "فوركس",
    "ارباح مضمونة",
    "online casino",
    "check out my channel",
    "subscribe",
    "\u{064E}",
    "\u{0651}",
    "\u{064B}",
    "\u{0670}",
    "\u{06D6}",
    "\u{0610}",
    "\u{0653}",
    "\u{0654}",
    "\u{0675}",
    "\u{0640}",
    "\u{200B}",
    "\u{200C}",
    "\u{200D}",
    "\u{200E}",
    "\u{200F}",
    "\u{202E}",
    "\u{202C}",
    "\u{202D}",
    "\u{2069}",
    "\u{2066}",
    "\u{FE0F}",
    "\u{00AD}",
    "\u{2060}",
    "\u{FEFF}",
    "\u{061C}",
    "\u{034F}",
    "ی",
    "ک",
    "ە",
    "ہ",
    "ۃ",
    "ٱ",
    "أ",
    "إ",
    "آ",
    "ؤ",
    "ئ",
    "ء",
    "ة",
    "ى",
    "ﻓﻮﺭﻛﺲ",
    "ﷲ",
    "ﷺ",
    "ﻻ",
    "٠٥٥١٢٣٤٥٦٧",
    "۰۹۱۲",
    "٣٫٥٪",
    "٬",
    "0551234567",
    "+966 55 123 4567",
    "00201012345678",
    "(050) 123-4567",
    "2024",
    "3.5",
    "1,250",
    "а",
    "е",
    "о",
    "с",
    "привет",
    "ΒΙΤСОΙΝ",
    "α",
    "Ω",
    "σ",
    "Ӏ",
    "ԁ",
    ".",
    "..",
    "-",
    "_",
    "#",
    "#ربح_سريع",
    "#a1",
    "@",
    "@fx_master_pro",
    "!",
    "!!",
    ",",
    "،",
    "؟",
    "?",
    "*",
    "·",
    "/",
    "|",
    "+",
    "~",
    "•",
    "=",
    ":",
    ";",
    "\n",
    "\n\n",
    "\n\n\n",
    " ",
    "  ",
    "\t",
    "\r\n",
    "\u{00A0}",
    "\u{3000}",
    "www.",
    "www .",
    "w w w .",
    "http://",
    "https://",
    "hxxps://",
    "h**p://",
    "[.]",
    "(.)",
    "{dot}",
    "(dot)",
    "[at]",
    " dot ",
    " DOT ",
    ". com",
    "com",
    "net",
    "xyz",
    "نقطة",
    "نقطه",
    "كوم",
    "example.com",
    "bbc.com/arabic",
    "bit.ly/3xYz",
    "wa.me/9665",
    "t.me/x",
    "xn--pple-43d.com",
    "موقع.مصر",
    "joe@example.org",
    "a@b",
    "<b>",
    "</p>",
    "<script>",
    "&",
    "&#39;",
    "\"",
    "'",
    "😀",
    "👍",
    "❤\u{FE0F}",
    "👨\u{200D}👩",
    "ههههه",
    "لاااايف",
    "FREEEEE",
    "caasino",
    "ك.ا.ز.ي.ن.و",
    "F.R.E.E",
    "و ا ت س ا ب",
    "ف_و_ر_ك_س",
    "C A S I N O",
    "$98 per hour",
    "دولار",
    "يوميا",
    "اسبوعياً",
    "per day",
    "USD",
    "€",
    "한국어",
    "नमस्ते",
    "中文",
    "שלום",
    "C#",
    "e.g.",
    "U.S.",
    "file.txt",
    "javascript:alert(1)",
    "Ⅻ",
    "ﾊﾟ",
    "ǆ",
    "ΐ",
    "ﬃ",
    "ᾈ",
    "\u{0301}",
    "\u{1E9E}",
    "K",
    "Å",
];

/// Deterministic xorshift, as the benchmark's body generator.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn random_text(rng: &mut Rng, max_pieces: usize) -> String {
    let n = 1 + rng.below(max_pieces);
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(PIECES[rng.below(PIECES.len())]);
        match rng.below(4) {
            0 | 1 => s.push(' '),
            _ => {}
        }
    }
    s
}

fn corpus() -> Vec<Item> {
    let text = include_str!("../../tests/fixtures/spam_corpus.jsonl");
    let fixture = parse_corpus(text).expect("the fixture corpus parses");
    assert!(fixture.len() > 300, "the fixture corpus is too small");
    let mut items = Vec::new();
    let item = |c: &LabeledComment, body: String| Item {
        body,
        name: c.author_name.clone(),
        email: c.author_email.clone(),
        url: c.author_url.clone(),
        is_spam: c.is_spam(),
    };
    for c in &fixture {
        items.push(item(c, c.body.clone()));
    }
    for c in &fixture {
        for v in Variant::ALL {
            items.push(item(c, obfuscate(&c.body, v)));
        }
        if !c.is_spam() {
            for d in Dress::ALL {
                items.push(item(c, dress_legit(&c.body, d)));
            }
        }
    }
    for n in 0..600 {
        items.push(Item {
            body: bodies::realistic_body(n),
            name: "قارئ".to_owned(),
            email: "reader@example.org".to_owned(),
            url: None,
            is_spam: false,
        });
    }
    let edge = [
        "",
        " ",
        "\n",
        "visit \u{202E}moc.ezirp-niw//:sptth\u{202C} now",
        "\u{202E}abc\ndef\u{202E}ghi",
        "\u{202D}hello",
        "ف\u{200C}و\u{200C}ر\u{200D}ك\u{200B}س",
        "کتاب\u{200C}ها می\u{200C}خواهم",
        "ايفون\u{200E}iPhone",
        "قال تعالى ﴿وَلَا تَقْتُلُوا النَّفْسَ الَّتِي حَرَّمَ اللَّهُ﴾ صدق الله",
        "افضل موقع كَازِينُو في العالم",
        "go to bestbet dot com now",
        "ادخل موقع winbet نقطة كوم",
        "w w w . spam . xyz",
        "mail me: joe[at]example.com",
        "hxxps://win-big[.]com/x HXXP://A[.]B",
        "İİİ hxxp://x[.]com İ (dot) net",
        "ΒΙΤСОΙΝ cаsino привет мир",
        "ك.ا.ز.ي.ن.و ا.و.ن.ل.ا.ي.ن",
        "#غزة #فلسطين #القدس #الأقصى #الضفة #لبنان",
        "BUY NOW THE BEST OFFER OF THE YEAR",
        "I get paid $98 per hour from home",
        "دخل ٣٠٠ دولار اسبوعياً بدون خبرة",
        "login at http://xn--pple-43d.com/verify",
        "https://موقع.وزارة-الاتصالات.مصر/",
        "one\ntwo\n\nthree\n\n\n\nfour",
        "<script>alert('x')</script> & <b>bold</b>",
        "Nice post! <A HREF=\"http://pills.example/\">pills</A> and <a>no link</a>",
        "[url=http://casino.example]casino[/url] [URL]http://x.example[/URL]",
        "Also visit my web page :: [kw](http://kw.example/ \"kw\") or [docs](https://d.example)",
    ];
    for e in edge {
        items.push(Item {
            body: e.to_owned(),
            name: "Reader".to_owned(),
            email: "reader@example.org".to_owned(),
            url: Some("https://shop.example.xyz/a".to_owned()),
            is_spam: false,
        });
    }
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for k in 0..1_500 {
        let body = random_text(&mut rng, if k % 10 == 0 { 400 } else { 40 });
        let name = random_text(&mut rng, 3);
        let url = (k % 3 == 0).then(|| format!("https://{}", random_text(&mut rng, 2)));
        items.push(Item {
            body,
            name,
            email: format!(
                "{}@{}",
                k,
                ["example.org", "mailinator.com", "bit.ly"][k % 3]
            ),
            url,
            is_spam: k % 2 == 0,
        });
    }
    items
}

/// The steps, in the order of `equivalence.expected`.
const STEPS: [&str; 9] = [
    "normalize",
    "fingerprint",
    "features",
    "tokens",
    "links",
    "judge",
    "verdict",
    "score",
    "html",
];

/// Every step's output for every item, as text (one block per item).
fn outputs() -> [Vec<String>; 9] {
    let items = corpus();
    let site_rules = SpamRules {
        max_links: 3,
        languages: vec!["ar".to_owned()],
        ..SpamRules::new(
            &[
                "قمار",
                "viagra",
                "casino",
                "لعبة الحظ",
                "escort",
                "mailinator",
            ],
            &["xxx", "سكس", "porn", "203.0.113.", "firefox"],
            &["spam.example", "bad-domain.xyz", "https://www.Example.COM/"],
        )
    };
    let default_rules = SpamRules::default();
    let prior = Prior::shipped();
    let params = Params::default();
    let mut site = Evidence::default();
    for it in items.iter().step_by(3) {
        let f = features_of(
            &normalize(&it.body),
            &normalize(&it.name),
            &it.email,
            it.url.as_deref(),
        );
        site.learn(&f, Script::of(&it.body), it.is_spam, 1);
    }
    let mut out: [Vec<String>; 9] = Default::default();
    for (i, it) in items.iter().enumerate() {
        let body = normalize(&it.body);
        let name = normalize(&it.name);
        out[0].push(format!("{body:?}\n{name:?}"));
        out[1].push(fingerprint_of(&body));
        let f = features_of(&body, &name, &it.email, it.url.as_deref());
        let mut sorted = f.clone();
        sorted.sort_unstable();
        out[2].push(format!("{sorted:?}"));
        out[3].push(format!(
            "{:?}\n{:?}",
            tokens(&body),
            meta_tokens_of(&name, &it.email, it.url.as_deref())
        ));
        out[4].push(format!(
            "{:?}\n{:?}\n{}\n{} {} {} {}",
            extract_links(&body.text),
            extract_links(&name.text),
            deobfuscate_links(&body.text),
            count_phones(&body.text),
            count_handles(&body.text),
            count_hashtags(&it.body),
            count_phones(&name.text),
        ));
        let script = Script::of(&it.body);
        let j = judge(&f, script, &site, prior, &params);
        let p = j.map(|j| j.probability);
        let fresh = j.is_some_and(|j| j.fresh) || i % 7 == 3;
        out[5].push(format!("{script:?} {:?}", p.map(f64::to_bits)));
        let input = SpamInput {
            body: &it.body,
            author_name: &it.name,
            author_email: &it.email,
            author_url: it.url.as_deref(),
            ip: ["192.0.2.44", "203.0.113.9"][i % 2],
            user_agent: [
                "Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0",
                "Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36",
            ][i % 2],
            honeypot_filled: i % 97 == 0,
            form_token: match i % 5 {
                0 => FormTokenCheck::Missing,
                1 => FormTokenCheck::Valid {
                    age_seconds: (i % 7) as f64 * 0.6,
                },
                _ => FormTokenCheck::Valid {
                    age_seconds: 20.0 + i as f64,
                },
            },
            history: AuthorHistory {
                approved_with_token: (i % 4) as u32,
                spam_by_email: (i % 11 == 0) as u32,
                spam_by_ip: (i % 13 == 0) as u32,
                rejected_by_email: 0,
            },
            same_text_other_authors_24h: (i % 3) as u32,
            spam_probability: p,
            learner_fresh: fresh,
        };
        let v1 = score_normalized(&input, &default_rules, body.clone(), name.clone());
        let v2 = score_normalized(&input, &site_rules, body, name);
        out[6].push(format!("{v1:?}\n{v2:?}"));
        out[7].push(format!("{:?}", score(&input, &site_rules)));
        out[8].push(crate::render::body_html(&it.body));
    }
    out
}

fn digest(outputs: &[String]) -> String {
    let mut h = Sha256::new();
    for o in outputs {
        h.update((o.len() as u64).to_le_bytes());
        h.update(o.as_bytes());
    }
    hex::encode(h.finalize())
}

#[test]
fn outputs_match_the_recorded_digests() {
    let out = outputs();
    if let Ok(path) = std::env::var("MAJLIS_SPAM_OUTPUTS_DUMP") {
        let mut all = String::new();
        for (k, step) in STEPS.iter().enumerate() {
            for (i, o) in out[k].iter().enumerate() {
                let _ = writeln!(all, "== {step} {i}\n{o}");
            }
        }
        std::fs::write(&path, all).unwrap_or_else(|e| panic!("write {path}: {e}"));
    }
    let got: String = STEPS
        .iter()
        .zip(&out)
        .map(|(step, o)| format!("{step} {}\n", digest(o)))
        .collect();
    if std::env::var("MAJLIS_SPAM_OUTPUTS_BLESS").is_ok_and(|v| v == "1") {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/spam/equivalence.expected");
        std::fs::write(path, &got).unwrap_or_else(|e| panic!("write {path}: {e}"));
        return;
    }
    let expected = include_str!("equivalence.expected");
    assert_eq!(
        got,
        expected,
        "{} items; set MAJLIS_SPAM_OUTPUTS_DUMP to compare item by item",
        out[0].len()
    );
}
