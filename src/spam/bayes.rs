//! The Arabic-aware tokenizer (words, light stems, hashtags, link hosts,
//! contact and obfuscation flags) the learner's features are built from
//! ([`super::features`]). The module's name is historical: the Bayesian
//! model itself is [`super::learner`].

use unicode_segmentation::UnicodeSegmentation;

use super::links::{email_domain, extract_links, url_host};
use super::normalize::{Normalized, is_arabic_letter, normalize};
use super::rules::count_phones;

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
    meta_tokens_of(&normalize(author_name), author_email, author_url)
}

/// [`meta_tokens`] with the author name already normalised.
pub fn meta_tokens_of(
    name: &Normalized,
    author_email: &str,
    author_url: Option<&str>,
) -> Vec<String> {
    let mut out = Vec::new();
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
}
