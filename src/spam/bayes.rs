//! The Arabic-aware tokenizer (words, light stems, hashtags, link hosts,
//! contact and obfuscation flags) the learner's features are built from
//! ([`super::features`]). The module's name is historical: the Bayesian
//! model itself is [`super::learner`].

use super::chars::is_alphanumeric;
use super::links::{email_domain, url_host};
use super::normalize::{Normalized, is_arabic_letter, normalize};
use super::segment::unicode_words;

/// Light10-style stem of a normalised Arabic word: at most one prefix
/// (`وال بال كال فال لل ال`, or `و` when four letters remain), then
/// suffixes while three letters remain.
pub fn light_stem(word: &str) -> String {
    light_stem_of(word).to_owned()
}

/// [`light_stem`] as a slice of `word` (a stem only ever cuts its ends).
fn light_stem_of(word: &str) -> &str {
    let len = |s: &str| s.chars().count();
    let mut w = word;
    // Each prefix starts, and each suffix ends, with one of these letters.
    let prefixed = word.starts_with(['و', 'ب', 'ك', 'ف', 'ل', 'ا']);
    for p in ["وال", "بال", "كال", "فال", "لل", "ال"]
        .into_iter()
        .filter(|_| prefixed)
    {
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
        if !w.ends_with(['ا', 'ن', 'ت', 'ه', 'ي']) {
            break;
        }
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
    w
}

/// Tokens of a normalised text: UAX #29 words (Arabic words also as light
/// stems), digit runs as `num:<len>`, hashtags and their parts, link hosts
/// (`host:`, `tld:`, `shortener`, `chat_link`, `email`), `phone`, and
/// obfuscation flags. Deduplicated and sorted.
pub fn tokens(n: &Normalized) -> Vec<String> {
    let words = unicode_words(&n.text);
    let mut out: Vec<String> = Vec::new();
    each_token(n, &words, &mut |t| out.push(t.to_owned()));
    out.sort_unstable();
    out.dedup();
    out
}

/// Builds tokens made of a prefix and a part in one reused buffer.
struct Scratch(String);

impl Scratch {
    fn with(&mut self, parts: &[&str], emit: &mut impl FnMut(&str)) {
        self.0.clear();
        for p in parts {
            self.0.push_str(p);
        }
        emit(&self.0);
    }
}

/// Digit counts 0 to 12 as text (`num:` tokens).
const SMALL_NUMBERS: [&str; 13] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
];

/// One word's tokens: `num:`, `long:`, the word and its light stem.
fn word_tokens(w: &str, scratch: &mut Scratch, emit: &mut impl FnMut(&str)) {
    // Read as bytes: digits, `.` and `,` are ASCII, and no byte of a
    // character beyond ASCII is one of them.
    if w.bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
    {
        let digits = w.bytes().filter(u8::is_ascii_digit).count().min(12);
        scratch.with(&["num:", SMALL_NUMBERS[digits]], emit);
        return;
    }
    // A word has at most as many characters as bytes: only one of more
    // than 30 bytes needs counting.
    if w.len() > 30 {
        let count = w.chars().count();
        if count > 30 {
            scratch.with(&["long:", &(count / 10).to_string()], emit);
            return;
        }
    }
    let mut chars = w.chars();
    let first = chars.next();
    if chars.next().is_none() && !first.is_some_and(is_arabic_letter) {
        // One character (or none) that is not an Arabic letter.
        return;
    }
    emit(w);
    if w.chars().next().is_some_and(is_arabic_letter) {
        let stem = light_stem_of(w);
        if stem != w {
            emit(stem);
        }
    }
}

/// Every token of [`tokens`], unsorted and possibly repeated, given the
/// text's UAX #29 words (`n.text.unicode_words()`, computed once by the
/// caller for its own word features too).
pub(crate) fn each_token(n: &Normalized, words: &[&str], emit: &mut impl FnMut(&str)) {
    let mut scratch = Scratch(String::new());
    for w in words {
        if w.contains('_') {
            for part in w.split('_').filter(|p| !p.is_empty()) {
                word_tokens(part, &mut scratch, emit);
            }
        }
        word_tokens(w, &mut scratch, emit);
    }
    if n.spaced_runs > 0 {
        emit("flag:spaced_letters");
        for w in unicode_words(&n.despaced) {
            word_tokens(w, &mut scratch, emit);
        }
    }
    // Hashtags as one token: `#` and the letters, digits and `_` after it.
    for (i, _) in n.text.match_indices('#') {
        let rest = &n.text[i + 1..];
        let len = rest
            .char_indices()
            .find(|(_, c)| !(is_alphanumeric(*c) || *c == '_'))
            .map_or(rest.len(), |(k, _)| k);
        if len > 0 {
            emit(&n.text[i..i + 1 + len]);
        }
    }
    for link in n.links() {
        if link.is_email {
            emit("email");
            continue;
        }
        scratch.with(&["host:", &link.host], emit);
        scratch.with(&["tld:", link.tld()], emit);
        if link.is_shortener() {
            emit("shortener");
        }
        if link.is_contact() {
            emit("chat_link");
        }
    }
    if n.phones() > 0 {
        emit("phone");
    }
    for (flag, on) in [
        ("flag:invisible", n.stripped_invisible > 0),
        ("flag:bidi", n.bidi_overrides > 0),
        ("flag:mixed_script", n.mixed_script_tokens > 0),
        ("flag:scattered_marks", n.scattered_mark_words > 0),
    ] {
        if on {
            emit(flag);
        }
    }
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
    meta_tokens_of(&normalize(author_name), author_email, author_url)
}

/// [`meta_tokens`] with the author name already normalised.
pub fn meta_tokens_of(
    name: &Normalized,
    author_email: &str,
    author_url: Option<&str>,
) -> Vec<String> {
    let mut out = Vec::new();
    each_meta_token(name, author_email, author_url, &mut |t| {
        out.push(t.to_owned());
    });
    out
}

/// Every token of [`meta_tokens_of`], in its order.
pub(crate) fn each_meta_token(
    name: &Normalized,
    author_email: &str,
    author_url: Option<&str>,
    emit: &mut impl FnMut(&str),
) {
    let mut scratch = Scratch(String::new());
    for w in unicode_words(&name.text) {
        scratch.with(&["name:", w], emit);
    }
    if let Some(d) = email_domain(author_email) {
        scratch.with(&["edom:", &d], emit);
    }
    if let Some(h) = author_url.and_then(url_host) {
        emit("has_url");
        scratch.with(&["atld:", h.rsplit('.').next().unwrap_or_default()], emit);
        scratch.with(&["ahost:", &h], emit);
    }
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
    fn a_word_is_read_by_its_characters_not_its_bytes() {
        let word = |w: &str| {
            let mut out = Vec::new();
            word_tokens(w, &mut Scratch(String::new()), &mut |t| {
                out.push(t.to_owned());
            });
            out
        };
        // Numbers: only their digits count.
        assert_eq!(word("1,250.75"), ["num:6"]);
        // Only ASCII digits make a number (normalised text has no others).
        assert_eq!(word("١٢"), ["١٢"]);
        // One character: kept only when it is an Arabic letter.
        assert!(word("a").is_empty());
        assert!(word("é").is_empty(), "one character of two bytes");
        assert_eq!(word("ب"), ["ب"]);
        assert_eq!(word("ab"), ["ab"]);
        // Length in characters: 16 Arabic letters are 32 bytes and a word;
        // 31 characters are a `long:` token.
        let arabic = "كتب".repeat(5) + "ك";
        assert_eq!(arabic.chars().count(), 16);
        assert!(word(&arabic).contains(&arabic));
        let latin = "a".repeat(31);
        assert_eq!(word(&latin), ["long:3"]);
        assert_eq!(word(&"a".repeat(30)), ["a".repeat(30)]);
        let long_arabic = "ك".repeat(31);
        assert_eq!(word(&long_arabic), ["long:3"]);
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
}
