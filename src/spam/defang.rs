//! Links written to escape detection, written back as links before they
//! are looked for: `hxxps://`, `[.]`, `(dot)`, `dot com`, `نقطة كوم`,
//! `[at]`, spaced-out `w w w . x . xyz`. Only a top-level domain from the
//! vocabulary (`vocabulary/tlds.txt`) makes a spelled dot a dot, so prose
//! ("connect the dot to the line") stays prose.

use super::vocab::SPELLED_TLDS;

/// Arabic spellings of common top-level domains (`نقطة كوم` = `.com`).
fn arabic_tld(word: &str) -> Option<&'static str> {
    Some(match word {
        "كوم" | "com" => "com",
        "نت" | "net" => "net",
        "اورج" | "أورج" | "اورق" | "org" => "org",
        "انفو" | "info" => "info",
        _ => return None,
    })
}

fn tld_of(word: &str) -> Option<String> {
    let w = word
        .trim_end_matches(['/', ',', '،', ')', '!', '?', '؟'])
        .to_ascii_lowercase();
    if SPELLED_TLDS.contains(&w.as_str()) {
        return Some(w);
    }
    let head: String = w.chars().take_while(|c| *c != '/').collect();
    if head.len() < w.len() && SPELLED_TLDS.contains(&head.as_str()) {
        return Some(w);
    }
    arabic_tld(&w).map(str::to_owned)
}

/// Replace `pat` (lowercase) case-insensitively; `lower` is
/// `s.to_lowercase()` and is kept in step with `s`.
fn replace_ci(s: &mut String, lower: &mut String, pat: &str, rep: &str) {
    if !lower.contains(pat) {
        return;
    }
    if !same_offsets(s) {
        // Lowercasing moved byte offsets (rare scripts): match exactly.
        *s = s.replace(pat, rep);
        *lower = s.to_lowercase();
        return;
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(pos) = lower[i..].find(pat) {
        out.push_str(&s[i..i + pos]);
        out.push_str(rep);
        i += pos + pat.len();
    }
    out.push_str(&s[i..]);
    *s = out;
    *lower = s.to_lowercase();
}

/// Every character of `s` lowercases to as many bytes as it has, so an
/// offset in `s.to_lowercase()` is the same offset in `s`. (Equal total
/// lengths are not enough: `İ` grows by a byte where the ohm sign `Ω`,
/// U+2126, shrinks by one.)
fn same_offsets(s: &str) -> bool {
    s.is_ascii()
        || s.chars().all(|c| {
            c.is_ascii() || c.to_lowercase().map(char::len_utf8).sum::<usize>() == c.len_utf8()
        })
}

const OBFUSCATIONS: &[(&str, &str)] = &[
    ("hxxps", "https"),
    ("hxxp", "http"),
    ("h**ps", "https"),
    ("h**p", "http"),
    ("[:]", ":"),
    ("[://]", "://"),
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    ("[dot]", "."),
    ("(dot)", "."),
    ("{dot}", "."),
    ("[ dot ]", "."),
    ("( dot )", "."),
    ("[نقطة]", "."),
    ("(نقطة)", "."),
    ("[نقطه]", "."),
    ("(نقطه)", "."),
    ("[at]", "@"),
    ("(at)", "@"),
    ("{at}", "@"),
    ("[@]", "@"),
    ("(@)", "@"),
    ("w w w .", "www."),
    ("w w w.", "www."),
    ("w.w.w.", "www."),
    ("www .", "www."),
];

/// Whether an [`OBFUSCATIONS`] entry defangs a link (`hxxp`, `[.]`,
/// `(dot)`, `[:]`), as opposed to hiding an address (`[at]`) or spacing out
/// `www`, which writers do to keep an address from scrapers or autolinkers.
fn defangs(pat: &str, rep: &str) -> bool {
    rep != "@" && !pat.starts_with('w')
}

/// How many link-defanging marks `text` holds: `hxxp`/`h**p` schemes where
/// a word starts, and bracketed dots and colons between a letter or digit
/// and a letter, digit or `/` (`win[.]com`, `site(dot)net`, `hxxp[:]//`).
/// A link is defanged only to slip it past a filter; a list item `a[:]`
/// or a pattern `\d[.]\d` is not a link.
pub fn count_defanged(text: &str) -> u32 {
    if !may_be_obfuscated(text) {
        return 0;
    }
    let b = text.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        // Every pattern begins with one of these ASCII bytes, so `i` is on
        // a character boundary whenever the slices below are taken; a match
        // differs from its pattern only in the case of ASCII letters, so it
        // ends on a boundary too.
        if !matches!(b[i], b'h' | b'H' | b'[' | b'(' | b'{') {
            i += 1;
            continue;
        }
        let Some((pat, _)) = OBFUSCATIONS.iter().find(|(pat, rep)| {
            defangs(pat, rep)
                && b.get(i..i + pat.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(pat.as_bytes()))
        }) else {
            i += 1;
            continue;
        };
        let scheme = pat.starts_with('h');
        let after_word = text
            .get(..i)
            .and_then(|s| s.chars().next_back())
            .is_some_and(char::is_alphanumeric);
        // `hxxp` is a scheme only where a word starts.
        let next = text.get(i + pat.len()..).and_then(|s| s.chars().next());
        let defanged = if scheme {
            !after_word && matches!(next, Some(':' | '['))
        } else {
            after_word && next.is_some_and(|c| c.is_alphanumeric() || c == '/')
        };
        if defanged {
            n += 1;
        }
        i += pat.len();
    }
    n
}

/// Undo common link obfuscations before link extraction: `hxxp`, `[.]`,
/// `(dot)`, `{dot}`, ` dot com`, `نقطة كوم`, `[at]`, `w w w .`, `example . com`.
pub fn deobfuscate_links(text: &str) -> String {
    let mut s = text.to_owned();
    if may_be_obfuscated(text) {
        let mut lower = s.to_lowercase();
        for (pat, rep) in OBFUSCATIONS {
            replace_ci(&mut s, &mut lower, pat, rep);
        }
    }
    join_spoken_dots(&s)
}

/// Whether `text` may hold one of [`OBFUSCATIONS`]: a bracket or `*`, or
/// `hxxp`, `w w w`, `w.w.w.` or `www .` in any case. Lowercasing maps no
/// other character onto these ASCII ones (only `İ` and the Kelvin sign
/// lowercase to ASCII, to `i` and `k`), so without them no pattern is in
/// the lowercased text either, and no replacement would happen.
fn may_be_obfuscated(text: &str) -> bool {
    has_pattern_start(text.as_bytes()) && pattern_starts(text)
}

/// A quick test that [`pattern_starts`] may hold: a bracket or `*`, two
/// `x` (of `hxxp`), or a `w` then a space or dot then a `w` or dot (of
/// `w w w .`, `w.w.w.`, `www .`), in any case. Tests 64 bytes at a time
/// without stopping early inside them, so that the compiler can test them
/// side by side: prose has few of these.
fn has_pattern_start(b: &[u8]) -> bool {
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let start = |x: u8, y: u8, z: u8| {
        matches!(x, b'[' | b'(' | b'{' | b'*')
            | (x | 0x20 == b'x' && y | 0x20 == b'x')
            | (x | 0x20 == b'w' && (y == b' ' || y == b'.') && (z | 0x20 == b'w' || z == b'.'))
    };
    // Every position with two bytes after it, as three slices of one
    // length; then the last two positions.
    let body = b.len().saturating_sub(2);
    let chunked = (0..body).step_by(64).any(|k| {
        let end = (k + 64).min(body);
        let (xs, ys, zs) = (&b[k..end], &b[k + 1..end + 1], &b[k + 2..end + 2]);
        xs.iter()
            .zip(ys)
            .zip(zs)
            .fold(false, |any, ((&x, &y), &z)| any | start(x, y, z))
    });
    chunked || (body..b.len()).any(|i| start(at(i), at(i + 1), at(i + 2)))
}

/// Whether a pattern of [`OBFUSCATIONS`] may start somewhere in `text`
/// ([`may_be_obfuscated`] without the quick test).
fn pattern_starts(text: &str) -> bool {
    // The bytes that may begin a pattern.
    const FIRST: [bool; 256] = {
        let mut t = [false; 256];
        let first = *b"[({*hHwW";
        let mut k = 0;
        while k < first.len() {
            t[first[k] as usize] = true;
            k += 1;
        }
        t
    };
    let b = text.as_bytes();
    let at = |i: usize, pat: &[u8]| {
        b.get(i..i + pat.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(pat))
    };
    b.iter().enumerate().any(|(i, c)| {
        FIRST[usize::from(*c)]
            && match c {
                b'h' | b'H' => at(i, b"hxxp"),
                b'w' | b'W' => at(i, b"w w w") || at(i, b"w.w.w.") || at(i, b"www ."),
                _ => true,
            }
    })
}

/// `. com` somewhere: a dot, a space, then a top-level domain.
fn has_spaced_tld(s: &str) -> bool {
    // Every `.` followed by a space (`. ` cannot overlap itself).
    s.match_indices('.').any(|(i, _)| {
        s.as_bytes().get(i + 1) == Some(&b' ') && {
            let next = s[i + 2..].split_whitespace().next().unwrap_or_default();
            is_tld(next)
        }
    })
}

/// `tld_of(word).is_some()`, without building the lowercased word.
fn is_tld(word: &str) -> bool {
    let w = word.trim_end_matches(['/', ',', '،', ')', '!', '?', '؟']);
    let is = |s: &str| SPELLED_TLDS.iter().any(|t| t.eq_ignore_ascii_case(s));
    if is(w) {
        return true;
    }
    if let Some(slash) = w.find('/')
        && is(&w[..slash])
    {
        return true;
    }
    [
        "كوم", "com", "نت", "net", "اورج", "أورج", "اورق", "org", "انفو", "info",
    ]
    .iter()
    .any(|t| t.eq_ignore_ascii_case(w))
}

/// `example dot com`, `example . com`, `موقع نقطة كوم` -> `example.com`.
fn join_spoken_dots(s: &str) -> String {
    let needs = s.contains(" dot ")
        || s.contains(" DOT ")
        || s.contains(" Dot ")
        || s.contains(" . ")
        || s.contains("نقطة")
        || s.contains("نقطه")
        || has_spaced_tld(s);
    if !needs {
        return s.to_owned();
    }
    let tokens: Vec<&str> = s.split_whitespace().collect();
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        let spoken = matches!(t, "dot" | "DOT" | "Dot" | "." | "نقطة" | "نقطه");
        if spoken
            && i + 1 < tokens.len()
            && let (Some(prev), Some(tld)) = (out.last_mut(), tld_of(tokens[i + 1]))
            && prev
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            prev.push('.');
            prev.push_str(&tld);
            i += 2;
            continue;
        }
        // `www. example`, `https:// example`
        if let Some(prev) = out.last_mut() {
            let p = prev.to_ascii_lowercase();
            if (p.ends_with("www.") || p.ends_with("://")) && t.is_ascii() {
                prev.push_str(t);
                i += 1;
                continue;
            }
        }
        // `example. com`
        if let (Some(prev), Some(tld)) = (out.last_mut(), tld_of(t))
            && prev.ends_with('.')
            && prev.len() > 1
            && prev
                .chars()
                .rev()
                .nth(1)
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && prev.is_ascii()
            && t.is_ascii()
        {
            prev.push_str(&tld);
            i += 1;
            continue;
        }
        out.push(t.to_owned());
        i += 1;
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defanged_links_are_counted_and_prose_is_not() {
        assert_eq!(count_defanged("hxxps://win-big[.]com/x"), 2);
        assert_eq!(count_defanged("visit example(dot)net or bet[dot]org"), 2);
        assert_eq!(count_defanged("HXXP[:]//x[.]y"), 3);
        assert_eq!(count_defanged("ادخل موقع win(نقطة)com"), 1);
        // Hiding an address and spacing out `www` are not defanging.
        assert_eq!(count_defanged("mail me: joe[at]example.com"), 0);
        assert_eq!(count_defanged("w w w . spam . xyz"), 0);
        // Brackets and words that merely look alike.
        assert_eq!(count_defanged("the list (.) ends [.] here"), 0);
        assert_eq!(count_defanged("hxxpress is a word, hxxp alone too"), 0);
        assert_eq!(count_defanged("xhxxp://a"), 0);
        // Lists and patterns: a bracketed colon or dot not followed by more
        // of a link.
        assert_eq!(count_defanged("copy it with a[:] then b[:]"), 0);
        assert_eq!(count_defanged("match \\d[.]\\d or a[.] alone"), 0);
        assert_eq!(count_defanged("plain https://example.com"), 0);
    }

    #[test]
    fn the_quick_test_holds_wherever_a_pattern_may_start() {
        // Every string of one to four characters from what the patterns
        // are made of, alone and after more than 64 bytes of prose (so in
        // the second block, and in the last two positions).
        let alphabet = [
            'h', 'H', 'x', 'X', 'w', 'W', ' ', '.', '[', '(', '{', '*', 'p', 'a',
        ];
        let mut texts: Vec<String> = Vec::new();
        let mut layer = vec![String::new()];
        for _ in 0..4 {
            layer = layer
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(layer.iter().cloned());
        }
        let prose = "a quiet comment about the news of the day, long enough to pass 64 bytes ";
        assert!(prose.len() > 64);
        for t in &texts {
            for text in [t.clone(), format!("{prose}{t}")] {
                assert!(
                    !pattern_starts(&text) || has_pattern_start(text.as_bytes()),
                    "{text:?}"
                );
            }
        }
        for pat in OBFUSCATIONS.iter().map(|(p, _)| *p) {
            assert!(may_be_obfuscated(pat), "{pat}");
            assert!(may_be_obfuscated(&pat.to_uppercase()), "{pat}");
        }
        assert!(!has_pattern_start(prose.as_bytes()));
    }

    #[test]
    fn hxxp_and_bracketed_dots_are_deobfuscated() {
        assert_eq!(
            deobfuscate_links("hxxps://win-big[.]com/x"),
            "https://win-big.com/x"
        );
        assert_eq!(
            deobfuscate_links("visit example(dot)net"),
            "visit example.net"
        );
        assert_eq!(
            deobfuscate_links("go to bestbet dot com now"),
            "go to bestbet.com now"
        );
        assert_eq!(
            deobfuscate_links("ادخل موقع winbet نقطة كوم"),
            "ادخل موقع winbet.com"
        );
        assert_eq!(
            deobfuscate_links("mail me: joe[at]example.com"),
            "mail me: joe@example.com"
        );
        assert_eq!(deobfuscate_links("w w w . spam . xyz"), "www.spam.xyz");
        // Lowercasing that keeps the length but moves offsets (`İ` grows,
        // the ohm sign shrinks) is matched exactly, not sliced mid-character.
        assert_eq!(deobfuscate_links("İ[.]\u{2126}"), "İ.\u{2126}");
        // Prose is not turned into links.
        assert_eq!(
            deobfuscate_links("connect the dot to the line"),
            "connect the dot to the line"
        );
    }
}
