//! Arabic-aware tokenizer and a Bayesian classifier (Robinson's f(w) with
//! Fisher's chi-square combining, as in SpamBayes).
//!
//! The model is plain counts so the caller can persist them (one row per
//! token) and rebuild a `BayesModel` holding only the tokens of the comment
//! being scored plus the global message counts.

use std::collections::HashMap;

use unicode_segmentation::UnicodeSegmentation;

use super::links::{email_domain, extract_links, url_host};
use super::normalize::{Normalized, is_arabic_letter, normalize};
use super::rules::count_phones;

/// Models answer only once they saw this many messages of each class.
pub const DEFAULT_MIN_EACH: u32 = 20;
/// Robinson's strength of the prior (s) and assumed probability (x).
const S: f64 = 1.0;
const X: f64 = 0.5;
/// Tokens whose f(w) is this far from 0.5 take part.
const MIN_DISTANCE: f64 = 0.1;
/// At most this many most-significant tokens take part.
const MAX_TOKENS: usize = 150;

/// Light10-style stem of a normalised Arabic word: at most one prefix
/// (`وال بال كال فال لل ال`, or `و` when four letters remain), then
/// suffixes while three letters remain.
pub fn light_stem(word: &str) -> String {
    let len = |s: &str| s.chars().count();
    let mut w = word;
    for p in ["وال", "بال", "كال", "فال", "لل", "ال"] {
        if let Some(rest) = w.strip_prefix(p)
            && len(rest) >= 2
        {
            w = rest;
            break;
        }
    }
    if w == word
        && let Some(rest) = w.strip_prefix('و')
        && len(rest) >= 4
    {
        w = rest;
    }
    'outer: loop {
        for s in ["ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي"] {
            if let Some(rest) = w.strip_suffix(s)
                && len(rest) >= 3
            {
                w = rest;
                continue 'outer;
            }
        }
        break;
    }
    w.to_owned()
}

/// Tokens of a normalised text: UAX #29 words (Arabic words also as light
/// stems), digit runs as `num:<len>`, hashtags and their parts, link hosts
/// (`host:`, `tld:`, `shortener`, `chat_link`, `email`), `phone`, and
/// obfuscation flags. Deduplicated and sorted.
pub fn tokens(n: &Normalized) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let push_word = |w: &str, out: &mut Vec<String>| {
        if w.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        {
            out.push(format!(
                "num:{}",
                w.chars().filter(char::is_ascii_digit).count().min(12)
            ));
            return;
        }
        let count = w.chars().count();
        if count > 30 {
            out.push(format!("long:{}", count / 10));
            return;
        }
        if count < 2 && !w.chars().any(is_arabic_letter) {
            return;
        }
        out.push(w.to_owned());
        if w.chars().next().is_some_and(is_arabic_letter) {
            let stem = light_stem(w);
            if stem != w {
                out.push(stem);
            }
        }
    };
    for w in n.text.unicode_words() {
        if w.contains('_') {
            for part in w.split('_').filter(|p| !p.is_empty()) {
                push_word(part, &mut out);
            }
        }
        push_word(w, &mut out);
    }
    if n.spaced_runs > 0 {
        out.push("flag:spaced_letters".to_owned());
        for w in n.despaced.unicode_words() {
            push_word(w, &mut out);
        }
    }
    // Hashtags as one token.
    for (i, _) in n.text.match_indices('#') {
        let tag: String = n.text[i + 1..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !tag.is_empty() {
            out.push(format!("#{tag}"));
        }
    }
    for link in extract_links(&n.text) {
        if link.is_email {
            out.push("email".to_owned());
            continue;
        }
        out.push(format!("host:{}", link.host));
        out.push(format!("tld:{}", link.tld()));
        if link.is_shortener() {
            out.push("shortener".to_owned());
        }
        if link.is_contact() {
            out.push("chat_link".to_owned());
        }
    }
    if count_phones(&n.text) > 0 {
        out.push("phone".to_owned());
    }
    for (flag, on) in [
        ("flag:invisible", n.stripped_invisible > 0),
        ("flag:bidi", n.bidi_overrides > 0),
        ("flag:mixed_script", n.mixed_script_tokens > 0),
        ("flag:scattered_marks", n.scattered_mark_words > 0),
    ] {
        if on {
            out.push(flag.to_owned());
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Tokens of a whole comment: the body's [`tokens`] and the author's
/// [`meta_tokens`].
pub fn comment_tokens(
    body: &str,
    author_name: &str,
    author_email: &str,
    author_url: Option<&str>,
) -> Vec<String> {
    let mut out = tokens(&normalize(body));
    out.extend(meta_tokens(author_name, author_email, author_url));
    out.sort_unstable();
    out.dedup();
    out
}

/// Tokens of the author fields: the name's words (`name:`), the e-mail
/// domain (`edom:`, never the address) and the author URL's host
/// (`ahost:`, `atld:`).
pub fn meta_tokens(author_name: &str, author_email: &str, author_url: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let name = normalize(author_name);
    for w in name.text.unicode_words() {
        out.push(format!("name:{w}"));
    }
    if let Some(d) = email_domain(author_email) {
        out.push(format!("edom:{d}"));
    }
    if let Some(h) = author_url.and_then(url_host) {
        out.push("has_url".to_owned());
        out.push(format!("atld:{}", h.rsplit('.').next().unwrap_or_default()));
        out.push(format!("ahost:{h}"));
    }
    out
}

/// Token counts: in how many spam and ham messages each token appeared.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BayesModel {
    pub nspam: u32,
    pub nham: u32,
    /// token -> (spam messages, ham messages). May hold only the tokens of
    /// the message being scored; `nspam`/`nham` are always global.
    pub counts: HashMap<String, (u32, u32)>,
}

fn distinct(tokens: &[String]) -> Vec<&String> {
    let mut v: Vec<&String> = tokens.iter().collect();
    v.sort_unstable();
    v.dedup();
    v
}

impl BayesModel {
    pub fn new() -> BayesModel {
        BayesModel::default()
    }

    /// Learn one message (each distinct token counted once).
    pub fn train(&mut self, tokens: &[String], is_spam: bool) {
        for t in distinct(tokens) {
            let e = self.counts.entry(t.clone()).or_insert((0, 0));
            if is_spam {
                e.0 = e.0.saturating_add(1);
            } else {
                e.1 = e.1.saturating_add(1);
            }
        }
        if is_spam {
            self.nspam = self.nspam.saturating_add(1);
        } else {
            self.nham = self.nham.saturating_add(1);
        }
    }

    /// Forget one message learnt earlier (a moderator changed their mind);
    /// counts never go below zero.
    pub fn untrain(&mut self, tokens: &[String], was_spam: bool) {
        for t in distinct(tokens) {
            if let Some(e) = self.counts.get_mut(t) {
                if was_spam {
                    e.0 = e.0.saturating_sub(1);
                } else {
                    e.1 = e.1.saturating_sub(1);
                }
                if *e == (0, 0) {
                    self.counts.remove(t);
                }
            }
        }
        if was_spam {
            self.nspam = self.nspam.saturating_sub(1);
        } else {
            self.nham = self.nham.saturating_sub(1);
        }
    }

    /// Enough messages of each class to be trusted.
    pub fn is_ready(&self, min_each: u32) -> bool {
        self.nspam >= min_each && self.nham >= min_each
    }

    /// Robinson's f(w) for one token, or `None` if never seen.
    pub fn token_probability(&self, token: &str) -> Option<f64> {
        let &(s, h) = self.counts.get(token)?;
        let (s, h) = (f64::from(s.min(self.nspam)), f64::from(h.min(self.nham)));
        let n = s + h;
        if n == 0.0 || self.nspam == 0 || self.nham == 0 {
            return None;
        }
        let b = s / f64::from(self.nspam);
        let g = h / f64::from(self.nham);
        let p = b / (b + g);
        Some((S * X + n * p) / (S + n))
    }

    /// Probability that a message with these tokens is spam (0..1), or
    /// `None` until the model saw [`DEFAULT_MIN_EACH`] of each class.
    pub fn spamicity(&self, tokens: &[String]) -> Option<f64> {
        self.spamicity_with_min(tokens, DEFAULT_MIN_EACH)
    }

    /// [`spamicity`](Self::spamicity) with an explicit readiness threshold.
    pub fn spamicity_with_min(&self, tokens: &[String], min_each: u32) -> Option<f64> {
        if !self.is_ready(min_each) {
            return None;
        }
        let mut probs: Vec<f64> = distinct(tokens)
            .into_iter()
            .filter_map(|t| self.token_probability(t))
            .filter(|f| (f - 0.5).abs() > MIN_DISTANCE)
            .collect();
        probs.sort_by(|a, b| (b - 0.5).abs().total_cmp(&(a - 0.5).abs()));
        probs.truncate(MAX_TOKENS);
        if probs.is_empty() {
            return Some(0.5);
        }
        let n = probs.len();
        let (mut ln_f, mut ln_1f) = (0.0, 0.0);
        for f in &probs {
            let f = f.clamp(1e-6, 1.0 - 1e-6);
            ln_f += f.ln();
            ln_1f += (1.0 - f).ln();
        }
        // H: evidence for ham, S: evidence for spam (SpamBayes chi2_spamprob).
        let h = 1.0 - chi2q(-2.0 * ln_f, 2 * n);
        let s = 1.0 - chi2q(-2.0 * ln_1f, 2 * n);
        Some(((s - h + 1.0) / 2.0).clamp(0.0, 1.0))
    }
}

/// Survival function of chi-square with even degrees of freedom `v`.
fn chi2q(x2: f64, v: usize) -> f64 {
    let m = x2 / 2.0;
    let mut term = (-m).exp();
    let mut sum = term;
    for i in 1..v / 2 {
        term *= m / i as f64;
        sum += term;
    }
    sum.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        tokens(&normalize(s))
    }

    #[test]
    fn light10_strips_clitics_and_suffixes() {
        assert_eq!(light_stem("بالواتس"), "واتس");
        assert_eq!(light_stem("الواتس"), "واتس");
        assert_eq!(light_stem("والمراهنات"), "مراهن");
        assert_eq!(light_stem("للتواصل"), "تواصل");
        assert_eq!(light_stem("وكتب"), "وكتب");
    }

    #[test]
    fn tokens_include_surface_stem_hosts_phone_and_flags() {
        let t = toks("للتواصل واتساب ٠٥٥١٢٣٤٥٦٧ وزوروا bit.ly/abc #ربح_سريع");
        for want in [
            "للتواصل",
            "تواصل",
            "واتساب",
            "phone",
            "host:bit.ly",
            "tld:ly",
            "shortener",
            "#ربح_سريع",
            "ربح",
            "سريع",
        ] {
            assert!(t.contains(&want.to_owned()), "missing {want} in {t:?}");
        }
        assert!(
            !t.iter().any(|x| x.contains("0551234567")),
            "raw numbers are not tokens"
        );
        let t = toks("c\u{0430}sino F.R.E.E");
        assert!(t.contains(&"casino".to_owned()));
        assert!(t.contains(&"free".to_owned()));
        assert!(t.contains(&"flag:mixed_script".to_owned()));
        let mut sorted = t.clone();
        sorted.dedup();
        assert_eq!(sorted, t);
    }

    #[test]
    fn comment_tokens_never_contain_the_address() {
        let t = comment_tokens(
            "hi",
            "Joe",
            "joe.secret@example.com",
            Some("https://shop.example.xyz/a"),
        );
        assert!(t.contains(&"edom:example.com".to_owned()));
        assert!(t.contains(&"ahost:shop.example.xyz".to_owned()));
        assert!(!t.iter().any(|x| x.contains("secret")));
    }

    fn trained() -> BayesModel {
        let mut m = BayesModel::new();
        for i in 0..25 {
            m.train(&toks(&format!("ربح مضمون كازينو اونلاين bonus {i}")), true);
            m.train(
                &toks(&format!("قصف داعش في الرقة والتحالف يعلن {i}")),
                false,
            );
        }
        m
    }

    #[test]
    fn not_ready_until_enough_of_each_class() {
        let mut m = BayesModel::new();
        for _ in 0..30 {
            m.train(&toks("spam words"), true);
        }
        assert!(!m.is_ready(DEFAULT_MIN_EACH));
        assert_eq!(m.spamicity(&toks("spam")), None);
        assert!(trained().is_ready(20));
    }

    #[test]
    fn spamicity_separates_classes() {
        let m = trained();
        assert!(m.spamicity(&toks("كازينو اونلاين ربح")).unwrap() > 0.9);
        assert!(m.spamicity(&toks("قصف التحالف داعش")).unwrap() < 0.1);
        assert_eq!(m.spamicity(&toks("unseen words only")), Some(0.5));
    }

    #[test]
    fn partial_counts_give_the_same_answer() {
        let m = trained();
        let msg = toks("كازينو في الرقة");
        let partial = BayesModel {
            nspam: m.nspam,
            nham: m.nham,
            counts: msg
                .iter()
                .filter_map(|t| m.counts.get(t).map(|c| (t.clone(), *c)))
                .collect(),
        };
        assert_eq!(m.spamicity(&msg), partial.spamicity(&msg));
    }

    #[test]
    fn untrain_reverses_train_and_never_underflows() {
        let mut m = trained();
        let before = m.clone();
        let t = toks("رسالة جديدة تماما");
        m.train(&t, true);
        m.untrain(&t, true);
        assert_eq!(m, before);
        let mut empty = BayesModel::new();
        empty.untrain(&t, false);
        assert_eq!(empty.nham, 0);
        assert!(empty.counts.is_empty());
    }
}
