//! Text normalisation for matching (shared/ARABIC.md section 1).
//!
//! The raw body is stored and displayed; only a copy is normalised, for word
//! lists, rules and Bayesian tokens. The same [`normalize`] runs over word
//! lists, so both sides meet in one alphabet. The counters in [`Normalized`]
//! record *that* obfuscation happened, which is itself a spam feature.

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

use super::chars::{ARABIC_BLOCK_LEADS, table_of, two_byte_char};
pub(crate) use super::chars::{is_arabic_letter, is_letter, is_word_char};
use super::contacts::count_phones;
use super::links::{Link, extract_links};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// A comment (or list entry) in matching form, plus what was stripped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Normalized {
    /// Normalised text: tokens separated by single spaces. When the input had
    /// right-to-left override runs, their visually displayed (reversed) form
    /// is appended after a newline so rules see both.
    pub text: String,
    /// `text` with runs of three or more spaced-out single letters joined
    /// (`ك.ا.ز.ي.ن.و` -> `كازينو`, `f.r.e.e` -> `free`); other words are
    /// kept, separated by single spaces, punctuation dropped. Empty when
    /// there is no such run (`spaced_runs` is 0).
    pub despaced: String,
    /// Tashkeel and Quranic marks removed.
    pub stripped_marks: u32,
    /// Invisible characters removed from *inside* a word (between two
    /// letters or digits): ZWSP, ZWNJ, ZWJ, soft hyphen, bidi marks...
    pub stripped_invisible: u32,
    /// Left-to-right / right-to-left override characters (LRO, RLO).
    pub bidi_overrides: u32,
    /// Words mixing Latin with Cyrillic or Greek letters (`cаsino`).
    pub mixed_script_tokens: u32,
    /// Words carrying two or more tashkeel marks whose neighbouring words
    /// carry none: vocalisation scattered into single words, as spam does to
    /// dodge word lists (a vocalised quotation is a run of such words).
    pub scattered_mark_words: u32,
    /// Runs of spaced-out single letters that `despaced` joined.
    pub spaced_runs: u32,
    /// Letters in the longest of those runs (`C A S I N O`: 6).
    pub longest_spaced_run: u32,
    /// Words of three Arabic letters or more with a tatweel between two of
    /// their letters (`عـــرض`): one stretched word is emphasis, every word
    /// stretched is a disguise.
    pub stretched_words: u32,
    /// The links and phone numbers in `text`, found on first use: the
    /// learner's tokens and the rules' facts both read them, from the same
    /// text, once.
    found: Found,
}

/// What [`Normalized::links`] and [`Normalized::phones`] found, kept with
/// the text they were found in. It is derived from `text`, so it takes no
/// part in equality, and `Debug` shows only whether it was filled.
#[derive(Clone, Default)]
struct Found(std::sync::OnceLock<(Vec<Link>, u32)>);

impl PartialEq for Found {
    fn eq(&self, _: &Found) -> bool {
        true
    }
}

impl Eq for Found {}

impl std::fmt::Debug for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "Found"
        } else {
            "NotYet"
        })
    }
}

impl Normalized {
    fn found(&self) -> &(Vec<Link>, u32) {
        self.found
            .0
            .get_or_init(|| (extract_links(&self.text), count_phones(&self.text)))
    }

    /// The links in `text` ([`extract_links`]).
    pub fn links(&self) -> &[Link] {
        &self.found().0
    }

    /// The phone numbers in `text` ([`count_phones`]).
    pub fn phones(&self) -> u32 {
        self.found().1
    }
}

/// Normalise `text` for matching: NFKC; strip invisibles and bidi controls
/// (keeping a reversed copy of RLO runs); strip tashkeel and tatweel; fold
/// Arabic letter variants and Persian look-alikes; Eastern digits to ASCII;
/// Cyrillic/Greek look-alikes to Latin in non-Arabic words; lowercase;
/// collapse elongation (three or more repeats of a letter become two).
pub fn normalize(text: &str) -> Normalized {
    let mut out = Normalized::default();
    let (folded, reversed) = fold_chars(text, &mut out);
    let mut text = fold_tokens(&folded, &mut out);
    if !reversed.is_empty() {
        text.push('\n');
        text.push_str(&fold_tokens(&reversed, &mut out));
    }
    let (despaced, runs, longest) = despace(&text);
    out.text = text;
    out.despaced = despaced;
    out.spaced_runs = runs;
    out.longest_spaced_run = longest;
    out
}

/// Hex SHA-256 of the normalised body with whitespace and punctuation
/// collapsed: two bodies that read the same get the same fingerprint.
pub fn fingerprint(body: &str) -> String {
    fingerprint_of(&normalize(body))
}

/// [`fingerprint`] of a body already normalised.
pub fn fingerprint_of(n: &Normalized) -> String {
    let mut key = String::with_capacity(n.text.len());
    let mut pending_space = false;
    // Only the displayed text: the reversed RLO copy follows a newline.
    let visible = n.text.split('\n').next().unwrap_or_default();
    for c in visible.chars() {
        if is_word_char(c) {
            if pending_space && !key.is_empty() {
                key.push(' ');
            }
            pending_space = false;
            key.push(c);
        } else {
            pending_space = true;
        }
    }
    hex::encode(Sha256::digest(key.as_bytes()))
}

// ---------------------------------------------------------------------------
// Pass 1: per character (steps 1-6).

// One definition of the invisible set, shared with input validation.
use crate::domain::text::is_invisible;

fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

/// Tashkeel, superscript alef, Quranic annotations, extended Arabic marks
/// and the small honorific signs U+0610-061A.
pub(crate) fn is_arabic_mark(c: char) -> bool {
    matches!(
        c,
        '\u{064B}'..='\u{065F}'
            | '\u{0670}'
            | '\u{0610}'..='\u{061A}'
            | '\u{06D6}'..='\u{06ED}'
            | '\u{08D3}'..='\u{08FF}'
    )
}

/// Letter variants folded to the bare form (step 5). `None` drops the char.
fn fold_arabic(c: char) -> Option<char> {
    Some(match c {
        'أ' | 'إ' | 'آ' | 'ٱ' | 'ٲ' | 'ٳ' | '\u{0675}' => 'ا',
        'ى' | 'ی' | 'ې' | 'ۍ' | 'ئ' | 'ێ' => 'ي',
        'ة' | 'ۃ' | 'ە' | 'ہ' | 'ھ' | 'ۀ' => 'ه',
        'ؤ' => 'و',
        'ک' | 'ڪ' => 'ك',
        'ء' => return None,
        // Step 6: Arabic-Indic and Extended (Persian) digits, separators.
        '\u{0660}'..='\u{0669}' => digit(c as u32 - 0x0660),
        '\u{06F0}'..='\u{06F9}' => digit(c as u32 - 0x06F0),
        '\u{066B}' => '.',
        '\u{066C}' => ',',
        '\u{066A}' => '%',
        other => other,
    })
}

fn digit(v: u32) -> char {
    char::from_digit(v, 10).unwrap_or('0')
}

/// Returns the folded text and the reversed copies of RLO runs.
fn fold_chars(input: &str, out: &mut Normalized) -> (String, String) {
    // ASCII needs none of this pass: no NFKC change, nothing invisible, no
    // mark, no Arabic letter to fold, no RLO run; it is kept as it is.
    if input.is_ascii() {
        return (input.to_owned(), String::new());
    }
    // ASCII and the basic Arabic block (bar the composing hamza/madda marks
    // and the compatibility letters U+0675-0678) need no NFKC for matching.
    let plain = |c: char| {
        c.is_ascii()
            || (('\u{0600}'..='\u{06FF}').contains(&c)
                && !('\u{0653}'..='\u{0655}').contains(&c)
                && !('\u{0675}'..='\u{0678}').contains(&c))
    };
    let composed: String;
    let text: &str =
        if input.chars().all(plain) || is_nfkc_quick(input.chars()) == IsNormalized::Yes {
            input
        } else {
            composed = input.nfkc().collect();
            &composed
        };
    let mut s = String::with_capacity(input.len());
    let mut reversed_runs = String::new();
    let mut rlo_run: Option<Vec<char>> = None;
    let mut word_marks: Vec<u32> = Vec::new();
    let mut marks_in_word = 0u32;
    let mut any_marks = false;
    // The word being read: stretched, and its Arabic letters.
    let mut stretched = false;
    let mut arabic_in_word = 0u32;
    let mut last_kept: Option<char> = None;
    // What follows a run of invisibles, and a run of tatweel and marks.
    let mut past_invisibles = NextKept::default();
    let mut past_tatweel = NextKept::default();

    let close_run = |run: Option<Vec<char>>, reversed: &mut String| {
        if let Some(run) = run
            && !run.is_empty()
        {
            if !reversed.is_empty() {
                reversed.push(' ');
            }
            reversed.extend(run.iter().rev());
        }
    };

    for (i, c) in text.char_indices() {
        // ASCII is never invisible, a mark or an Arabic variant. Arabic
        // letters are none of these either, and fold to letters (`letter`:
        // never white space).
        let (f, letter) = if c.is_ascii() {
            if c == '\n' {
                close_run(rlo_run.take(), &mut reversed_runs);
            }
            (c, false)
        } else if matches!(c, '\u{0621}'..='\u{063F}' | '\u{0641}'..='\u{064A}') {
            let Some(f) = fold_arabic(c) else { continue };
            (f, true)
        } else {
            if is_invisible(c) {
                match c {
                    '\u{202E}' | '\u{202D}' => {
                        out.bidi_overrides += 1;
                        close_run(rlo_run.take(), &mut reversed_runs);
                        if c == '\u{202E}' {
                            rlo_run = Some(Vec::new());
                        }
                    }
                    '\u{202C}' | '\u{2069}' => close_run(rlo_run.take(), &mut reversed_runs),
                    _ => {}
                }
                if !is_variation_selector(c) && c != '\u{202E}' && c != '\u{202D}' {
                    let after = &text[i + c.len_utf8()..];
                    let prev_word = last_kept.is_some_and(is_word_char);
                    let next_word = past_invisibles
                        .after(text, i + c.len_utf8(), is_invisible)
                        .is_some_and(|n| is_word_char(n) || is_arabic_mark(n));
                    if prev_word && next_word && !legitimate_inside_word(c, &text[..i], after) {
                        out.stripped_invisible += 1;
                    }
                }
                continue;
            }
            if is_variation_selector(c) {
                continue;
            }
            if is_arabic_mark(c) {
                out.stripped_marks += 1;
                marks_in_word += 1;
                any_marks = true;
                continue;
            }
            if c == '\u{0640}' {
                // Tatweel: decorative. It stretches a word only between two
                // Arabic letters (`بـ 5%` and `الـ iPhone` join a prefix to a
                // number or a Latin word, a lone `ـــ` is a dash).
                if last_kept.is_some_and(is_arabic_letter)
                    && past_tatweel
                        .after(text, i + c.len_utf8(), |n| {
                            n == '\u{0640}' || is_arabic_mark(n)
                        })
                        .is_some_and(is_arabic_letter)
                {
                    stretched = true;
                }
                continue;
            }
            let Some(f) = fold_arabic(c) else { continue };
            (f, false)
        };
        if !letter && f.is_whitespace() && last_kept.is_some_and(|p| !p.is_whitespace()) {
            word_marks.push(marks_in_word);
            marks_in_word = 0;
            let arabic = std::mem::take(&mut arabic_in_word);
            out.stretched_words += u32::from(std::mem::take(&mut stretched) && arabic >= 3);
        }
        arabic_in_word += u32::from(letter || is_arabic_letter(f));
        s.push(f);
        if let Some(run) = rlo_run.as_mut() {
            run.push(f);
        }
        last_kept = Some(f);
    }
    close_run(rlo_run.take(), &mut reversed_runs);
    out.stretched_words += u32::from(stretched && arabic_in_word >= 3);
    if any_marks {
        word_marks.push(marks_in_word);
        out.scattered_mark_words = scattered(&word_marks);
    }
    (s, reversed_runs)
}

/// The first character at or after a position that a predicate does not
/// skip, remembered for the run of skipped characters before it: asked at
/// each character of a run of n (positions in increasing order), it scans
/// the run once, not n times (a body of 5,000 zero-width spaces or
/// tatweels would otherwise cost 12 million steps).
#[derive(Default)]
struct NextKept {
    /// The byte offset of the character found last, and that character
    /// (`None`: the text ended).
    found: Option<(usize, Option<char>)>,
}

impl NextKept {
    fn after(&mut self, text: &str, from: usize, skip: impl Fn(char) -> bool) -> Option<char> {
        // Every character between an earlier `from` and the one found is
        // skipped, so any `from` up to it finds the same one.
        if let Some((at, next)) = self.found
            && from <= at
        {
            return next;
        }
        let found = text
            .get(from..)
            .unwrap_or_default()
            .char_indices()
            .find(|(_, c)| !skip(*c))
            .map_or((text.len(), None), |(k, c)| (from + k, Some(c)));
        self.found = Some(found);
        found.1
    }
}

/// Invisible characters that Arabic-script writers put inside words on
/// purpose, so they are not counted as obfuscation: a ZWNJ between two
/// parts of two letters or more (Persian `کتاب‌ها`, `می‌خواهم`; spam puts
/// one between every letter) or before the ezafe's lone yeh (`خانه‌ی`),
/// and an LRM/RLM where Arabic meets another
/// script (`آیفون‌\u{200E}iPhone`).
fn legitimate_inside_word(c: char, before: &str, after: &str) -> bool {
    // Letters only (tashkeel skipped); another invisible ends the part.
    let mut back = before.chars().rev().filter(|b| !is_arabic_mark(*b));
    let mut ahead = after.chars().filter(|a| !is_arabic_mark(*a));
    let (p1, p2) = (back.next(), back.next());
    let (n1, n2) = (ahead.next(), ahead.next());
    match c {
        '\u{200C}' => {
            let part_before = [p1, p2].iter().all(|x| x.is_some_and(is_word_char));
            let part_after = [n1, n2].iter().all(|x| x.is_some_and(is_word_char));
            // The Persian ezafe: `خانه‌ی`, a yeh alone after the ZWNJ.
            let ezafe =
                matches!(n1, Some('\u{06CC}' | '\u{064A}')) && !n2.is_some_and(is_word_char);
            part_before && (part_after || ezafe)
        }
        '\u{200E}' | '\u{200F}' => match (p1, n1) {
            (Some(p), Some(n)) => is_arabic_letter(p) != is_arabic_letter(n),
            _ => false,
        },
        _ => false,
    }
}

fn scattered(word_marks: &[u32]) -> u32 {
    let mut n = 0;
    for (i, &m) in word_marks.iter().enumerate() {
        let prev = if i > 0 { word_marks[i - 1] } else { 0 };
        let next = word_marks.get(i + 1).copied().unwrap_or(0);
        if m >= 2 && prev == 0 && next == 0 {
            n += 1;
        }
    }
    n
}

// ---------------------------------------------------------------------------
// Pass 2: per whitespace token (steps 7-8).

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Cyrillic,
    Greek,
    Other,
}

fn script_of(c: char) -> Script {
    match c {
        'a'..='z' | 'A'..='Z' | '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' => Script::Latin,
        '\u{0400}'..='\u{052F}' => Script::Cyrillic,
        '\u{0370}'..='\u{03FF}' => Script::Greek,
        _ => Script::Other,
    }
}

/// Whether every run of letters of `token` that mixes Latin with another
/// script is notation: three letters or fewer whose other letters are all
/// small omega, tau, eta or sigma (`ωt`, `jωC`, `τs`), the Greek letters of
/// formulas that pass for no Latin letter in running text (omicron, alpha,
/// iota, rho and the rest do, and stay disguises).
fn is_notation(token: &str) -> bool {
    // A formula has its signs: a digit or one of `( ) / ^ = * +`. Without
    // them, short runs split by punctuation (`viag.rσ`) are a disguise.
    if !token
        .chars()
        .any(|c| c.is_ascii_digit() || matches!(c, '(' | ')' | '/' | '^' | '=' | '*' | '+'))
    {
        return false;
    }
    let mut mixing = token
        .split(|c: char| !c.is_alphanumeric())
        .filter(|run| {
            let mut latin = false;
            let mut other = false;
            for c in run.chars() {
                match script_of(c) {
                    Script::Latin => latin = true,
                    Script::Cyrillic | Script::Greek => other = true,
                    Script::Other => {}
                }
            }
            latin && other
        })
        .peekable();
    // Letters of two scripts only across runs (`c.а.s.i.n.o`) are no formula.
    mixing.peek().is_some()
        && mixing.all(|run| {
            run.chars().count() <= 3
                && run
                    .chars()
                    .all(|c| script_of(c) == Script::Latin || matches!(c, 'ω' | 'τ' | 'η' | 'σ'))
        })
}

/// Cyrillic and Greek letters that look like a Latin letter.
fn homoglyph(c: char) -> Option<char> {
    Some(match c {
        'а' | 'А' | 'α' | 'Α' => 'a',
        'в' | 'В' | 'Β' | 'ь' | 'Ь' => 'b',
        'с' | 'С' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'Е' | 'ё' | 'Ё' | 'ε' | 'Ε' => 'e',
        'һ' | 'Һ' | 'Н' | 'н' | 'Η' => 'h',
        'і' | 'І' | 'ї' | 'Ї' | 'ι' | 'Ι' | 'Ӏ' => 'i',
        'ј' | 'Ј' => 'j',
        'к' | 'К' | 'κ' | 'Κ' => 'k',
        'м' | 'М' | 'Μ' => 'm',
        'п' | 'Ν' | 'η' => 'n',
        'о' | 'О' | 'ο' | 'Ο' | 'σ' => 'o',
        'р' | 'Р' | 'ρ' | 'Ρ' => 'p',
        'ԛ' => 'q',
        'г' | 'Г' => 'r',
        'ѕ' | 'Ѕ' => 's',
        'т' | 'Т' | 'τ' | 'Τ' => 't',
        // Not `μ`: the micro sign folds to it (`10µg`), and it looks like no
        // Latin letter.
        'υ' => 'u',
        'ν' | 'ѵ' => 'v',
        'ԝ' | 'ω' => 'w',
        'х' | 'Х' | 'χ' | 'Χ' => 'x',
        'у' | 'У' | 'γ' | 'Υ' | 'ү' => 'y',
        'Ζ' => 'z',
        _ => return None,
    })
}

/// Latin letter with diacritics -> its base letter (`é` -> `e`).
fn strip_latin_diacritic(c: char) -> char {
    if c.is_ascii() || script_of(c) != Script::Latin {
        return c;
    }
    let mut base = c;
    let mut first = true;
    unicode_normalization::char::decompose_canonical(c, |d| {
        if first {
            base = d;
            first = false;
        }
    });
    if base.is_ascii_alphabetic() { base } else { c }
}

/// Whether a value that `counts` comes three times in a row (what
/// [`fold_token`] cuts to two).
fn tripled<T: PartialEq + Copy>(
    items: impl Iterator<Item = T>,
    counts: impl Fn(T) -> bool,
) -> bool {
    let (mut last, mut last2) = (None, None);
    for x in items {
        if Some(x) == last && Some(x) == last2 && counts(x) {
            return true;
        }
        last2 = last;
        last = Some(x);
    }
    false
}

/// Appends `chars` to `text`, keeping at most two in a row of a character
/// that `collapses` (`coooool` -> `cool`).
fn push_collapsed(
    text: &mut String,
    chars: impl Iterator<Item = char>,
    collapses: impl Fn(char) -> bool,
) {
    let (mut last, mut last2) = (None, None);
    for c in chars {
        if Some(c) == last && Some(c) == last2 && collapses(c) {
            continue;
        }
        last2 = last;
        last = Some(c);
        text.push(c);
    }
}

/// Whether a token may be a link or an address (`.`, `/`, `@` or `:` in
/// it): its repeated letters are kept (`aaa.com` is another host than
/// `aa.com`).
fn url_like(token: &str) -> bool {
    token
        .bytes()
        .any(|b| matches!(b, b'.' | b'/' | b'@' | b':'))
}

fn fold_tokens(s: &str, out: &mut Normalized) -> String {
    let mut text = String::with_capacity(s.len());
    for token in s.split_whitespace() {
        if !text.is_empty() {
            text.push(' ');
        }
        fold_token(token, &mut text, out);
    }
    text
}

fn fold_token(token: &str, text: &mut String, out: &mut Normalized) {
    // Fast paths, the same steps for the two commonest kinds of token: all
    // ASCII (no Arabic, Cyrillic or Greek letter, nothing to strip, ASCII
    // lowercase), or all in the basic Arabic block (no Latin, Cyrillic or
    // Greek letter, never URL-like, nothing to fold or lowercase).
    if token.is_ascii() {
        let url_like = url_like(token);
        // Commonly no letter comes three times in a row: copy and lowercase
        // in place.
        if url_like
            || !tripled(token.bytes().map(|b| b.to_ascii_lowercase()), |b| {
                b.is_ascii_alphabetic()
            })
        {
            let start = text.len();
            text.push_str(token);
            if let Some(copy) = text.get_mut(start..) {
                copy.make_ascii_lowercase();
            }
            return;
        }
        push_collapsed(
            text,
            token.bytes().map(|b| char::from(b.to_ascii_lowercase())),
            |c| c.is_ascii_alphabetic(),
        );
        return;
    }
    // Every character in U+0600-06FF: every one two bytes led by 0xD8-0xDB,
    // so characters compare as pairs of bytes.
    let b = token.as_bytes();
    if b.len().is_multiple_of(2)
        && b.chunks_exact(2)
            .all(|p| ARABIC_BLOCK_LEADS.contains(&p[0]))
    {
        let pairs = b.chunks_exact(2).map(|p| (p[0], p[1]));
        let letter = |(lead, cont)| two_byte_char(lead, cont).is_some_and(is_letter);
        if tripled(pairs, letter) {
            push_collapsed(text, token.chars(), is_letter);
        } else {
            text.push_str(token);
        }
        return;
    }
    let mut has_arabic = false;
    let mut has_latin = false;
    let mut has_other_script = false;
    let mut all_mappable = true;
    for c in token.chars() {
        if is_arabic_letter(c) {
            has_arabic = true;
        }
        match script_of(c) {
            Script::Latin => has_latin = true,
            Script::Cyrillic | Script::Greek => {
                has_other_script = true;
                if homoglyph(c).is_none() && is_letter(c) {
                    all_mappable = false;
                }
            }
            Script::Other => {}
        }
    }
    let fold_glyphs = !has_arabic && has_other_script && (has_latin || all_mappable);
    // A Greek letter that looks like no Latin one (`πr²`, `λ-calculus`)
    // is notation, not a disguise; so is a formula's omega, tau, eta or
    // sigma among three letters or fewer (`sin(ωt)`, `1/jωC`).
    if !has_arabic && has_latin && has_other_script && all_mappable && !is_notation(token) {
        out.mixed_script_tokens += 1;
    }
    let url_like = !has_arabic && url_like(token);
    let folded = token.chars().map(|c| {
        let c = if fold_glyphs {
            homoglyph(c).unwrap_or(c)
        } else {
            c
        };
        if has_arabic {
            c
        } else {
            strip_latin_diacritic(c)
        }
    });
    // (Letters of the Arabic block have no case: lowercasing keeps them.)
    push_collapsed(text, folded.flat_map(char::to_lowercase), |l| {
        !url_like && is_letter(l)
    });
}

// ---------------------------------------------------------------------------
// Step 9: de-spacing.

fn is_spacer(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '.' | '-' | '_' | '*' | '·' | '/' | '|' | '+' | ',' | '،' | '~' | '•' | '='
        )
}

/// Whether `text` has three single letters in a row, each of the second
/// and the third after a gap of at most three spacers: what every run that
/// [`despace`] joins starts with. One pass with no allocation, so the
/// common text without any run costs only this.
fn may_have_spaced_run(text: &str) -> bool {
    let classes = &*RUN_CLASSES;
    // Single letters in a row so far, with good gaps between them.
    let mut singles = 0u32;
    // Characters of the unit being read (0: in a gap), and whether its last
    // one is a letter.
    let (mut unit, mut letter) = (0u32, false);
    let (mut gap_ok, mut gap_len) = (true, 0u32);
    for c in text.chars() {
        let class = classes
            .get(c as usize)
            .copied()
            .unwrap_or_else(|| run_class(c));
        if class & WORD != 0 {
            if unit == 0 && !(gap_ok && gap_len <= 3) {
                // This unit may start a run; it continues none.
                singles = 0;
            }
            unit += 1;
            letter = class & LETTER != 0;
        } else {
            if unit > 0 {
                singles = if unit == 1 && letter { singles + 1 } else { 0 };
                if singles >= 3 {
                    return true;
                }
                (unit, gap_ok, gap_len) = (0, true, 0);
            }
            gap_len += 1;
            gap_ok &= class & SPACER != 0;
        }
    }
    unit == 1 && letter && singles >= 2
}

/// What a character is to [`may_have_spaced_run`]: a word character
/// ([`is_word_char`]), a letter ([`is_letter`]), a spacer ([`is_spacer`]).
const WORD: u8 = 1;
const LETTER: u8 = 2;
const SPACER: u8 = 4;

fn run_class(c: char) -> u8 {
    (u8::from(is_word_char(c)) * WORD)
        | (u8::from(is_letter(c)) * LETTER)
        | (u8::from(is_spacer(c)) * SPACER)
}

/// [`run_class`] of U+0000-U+06FF (ASCII, Latin-1, the Arabic block: nearly
/// every character of a comment here), looked up instead of tested.
static RUN_CLASSES: LazyLock<[u8; 0x700]> = LazyLock::new(|| table_of(run_class));

/// Join runs of three or more single letters separated by spacers; also
/// returns how many runs were joined and the letters of the longest run
/// that is not a comma-separated list.
fn despace(text: &str) -> (String, u32, u32) {
    match may_have_spaced_run(text).then(|| join_runs(text)) {
        Some(joined) if joined.1 > 0 => joined,
        _ => (String::new(), 0, 0),
    }
}

/// [`despace`] without the quick check.
fn join_runs(text: &str) -> (String, u32, u32) {
    // Units: maximal alphanumeric runs, with the gap before each when it
    // was made only of spacers (at most three characters).
    let mut units: Vec<(&str, Option<&str>)> = Vec::new();
    let mut start: Option<usize> = None;
    let mut gap_start = 0usize;
    let mut gap_ok = true;
    let mut gap_len = 0usize;
    for (i, c) in text.char_indices() {
        if is_word_char(c) {
            if start.is_none() {
                let gap = &text[gap_start..i];
                units.push(("", (gap_ok && gap_len <= 3).then_some(gap)));
                start = Some(i);
            }
        } else {
            if let Some(s) = start.take() {
                if let Some(last) = units.last_mut() {
                    last.0 = &text[s..i];
                }
                gap_ok = true;
                gap_len = 0;
                gap_start = i;
            }
            gap_len += 1;
            if !is_spacer(c) {
                gap_ok = false;
            }
        }
    }
    if let Some(s) = start
        && let Some(last) = units.last_mut()
    {
        last.0 = &text[s..];
    }

    let single = |u: &str| {
        let mut cs = u.chars();
        matches!((cs.next(), cs.next()), (Some(c), None) if is_letter(c))
    };
    let mut out = String::with_capacity(text.len());
    let mut runs = 0u32;
    let mut longest = 0u32;
    let mut i = 0;
    while i < units.len() {
        let mut j = i;
        if single(units[i].0) {
            j = i + 1;
            // A run keeps one spacing: `ك.ا.ز.ي.ن.و ا.و.ن.ل.ا.ي.ن` is two
            // words (dots inside, a space between).
            let spacing = units.get(j).and_then(|u| u.1);
            while j < units.len()
                && single(units[j].0)
                && units[j].1.is_some()
                && units[j].1 == spacing
            {
                j += 1;
            }
        }
        if !out.is_empty() {
            out.push(' ');
        }
        if j - i >= 3 {
            runs += 1;
            // Letters listed with commas (`a, b, c, d, e`) are a list,
            // joined for matching but not a spelled-out word.
            let listed = units
                .get(i + 1)
                .and_then(|u| u.1)
                .is_some_and(|gap| gap.contains([',', '،']));
            if !listed {
                longest = longest.max(u32::try_from(j - i).unwrap_or(u32::MAX));
            }
            for u in &units[i..j] {
                out.push_str(u.0);
            }
            i = j;
        } else {
            out.push_str(units[i].0);
            i += 1;
        }
    }
    (out, runs, longest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfkc_folds_arabic_presentation_forms() {
        assert_eq!(normalize("ﻓﻮﺭﻛﺲ").text, "فوركس");
        assert_eq!(normalize("ﷲ").text, "الله");
    }

    #[test]
    fn nfkc_folds_full_width_latin() {
        assert_eq!(normalize("ＦＲＥＥ ＣＡＳＩＮＯ").text, "free casino");
    }

    #[test]
    fn tashkeel_is_stripped_and_counted() {
        let n = normalize("كَازِينُو");
        assert_eq!(n.text, "كازينو");
        assert_eq!(n.stripped_marks, 3);
        assert_eq!(normalize("فُوْرِكْس").text, "فوركس");
    }

    #[test]
    fn scattered_tashkeel_is_told_apart_from_a_vocalised_quotation() {
        let spam = normalize("افضل موقع كَازِينُو في العالم");
        assert_eq!(spam.scattered_mark_words, 1);
        let quote = normalize("قال تعالى ﴿وَلَا تَقْتُلُوا النَّفْسَ الَّتِي حَرَّمَ اللَّهُ﴾ صدق الله");
        assert_eq!(quote.scattered_mark_words, 0);
        assert!(quote.stripped_marks > 10);
        // One tanween or shadda in a word is ordinary spelling.
        assert_eq!(normalize("شكراً جزيلاً على المقال").scattered_mark_words, 0);
    }

    #[test]
    fn tatweel_is_stripped() {
        assert_eq!(normalize("كـــازينو").text, "كازينو");
        assert_eq!(normalize("الشهـــداء").text, "الشهدا");
    }

    #[test]
    fn a_run_is_scanned_once_however_often_it_is_asked_about() {
        let run = format!("a{}b", "\u{200B}".repeat(1_000));
        let mut next = NextKept::default();
        let looked = std::cell::Cell::new(0usize);
        let skip = |c: char| {
            looked.set(looked.get() + 1);
            is_invisible(c)
        };
        for (i, c) in run.char_indices().filter(|(_, c)| is_invisible(*c)) {
            assert_eq!(next.after(&run, i + c.len_utf8(), skip), Some('b'));
        }
        // 1,000 questions, one scan of the run (and its end).
        assert_eq!(looked.get(), 1_000);
        // Past the character found, it looks again.
        assert_eq!(next.after(&run, run.len(), skip), None);
        // And the whole normalisation of such runs stays linear: these
        // would take seconds with a scan per character.
        let n = normalize(&format!(
            "ب{}ت a{}b",
            "\u{0640}".repeat(100_000),
            "\u{200B}".repeat(100_000)
        ));
        assert_eq!((n.stretched_words, n.stripped_invisible), (0, 100_000));
    }

    #[test]
    fn stretched_words_are_counted_once_each() {
        assert_eq!(normalize("جمـــيل جدا").stretched_words, 1);
        // A tatweel joining a prefix to a number or a Latin word, a lone
        // one as a dash, and one in a word of two letters stretch nothing.
        assert_eq!(
            normalize("ارتفع بـ 5% لـ 3 سنوات منذ الـ 2020 وبـ 2021 الـiPhone").stretched_words,
            0
        );
        assert_eq!(
            normalize("عرض ـ خاص ـ جديد ـ اليوم ـ هنا").stretched_words,
            0
        );
        assert_eq!(normalize("يـا لـي").stretched_words, 0);
        assert_eq!(normalize("قـَال").stretched_words, 1);
        assert_eq!(
            normalize("عـــرض خـــاص لـفـتـرة محدودة").stretched_words,
            3
        );
        // The last word counts too, and a word without tatweel never does.
        assert_eq!(normalize("سعر خاص جـدا").stretched_words, 1);
        assert_eq!(normalize("سعر خاص جدا").stretched_words, 0);
    }

    #[test]
    fn zero_width_characters_are_stripped_and_counted_inside_words() {
        let n = normalize("ف\u{200C}و\u{200C}ر\u{200D}ك\u{200B}س");
        assert_eq!(n.text, "فوركس");
        assert_eq!(n.stripped_invisible, 4);
        let n = normalize("ca\u{00AD}si\u{2060}no");
        assert_eq!(n.text, "casino");
        assert_eq!(n.stripped_invisible, 2);
        // Persian ZWNJ between word parts and a mark where Arabic meets
        // Latin are spelling, not obfuscation.
        assert_eq!(
            normalize("کتاب\u{200C}ها می\u{200C}خواهم").stripped_invisible,
            0
        );
        assert_eq!(normalize("ايفون\u{200E}iPhone").stripped_invisible, 0);
        assert_eq!(
            normalize("ك\u{200C}ا\u{200C}ز\u{200C}ي\u{200C}نو").stripped_invisible,
            4
        );
        assert_eq!(normalize("كازي\u{200F}نو").stripped_invisible, 1);
        // An emoji variation selector or a ZWJ between emoji is not counted.
        assert_eq!(normalize("❤\u{FE0F} 👨\u{200D}👩").stripped_invisible, 0);
    }

    #[test]
    fn rlo_run_is_stripped_and_its_displayed_form_appended() {
        let n = normalize("visit \u{202E}moc.ezirp-niw//:sptth\u{202C} now");
        assert_eq!(n.bidi_overrides, 1);
        assert!(n.text.starts_with("visit moc.ezirp-niw//:sptth now"));
        assert!(n.text.ends_with("\nhttps://win-prize.com"), "{:?}", n.text);
        let n = normalize("\u{202D}hello");
        assert_eq!(n.bidi_overrides, 1);
        assert_eq!(n.text, "hello");
    }

    #[test]
    fn alef_yeh_ta_marbuta_and_hamza_seats_are_folded() {
        for alef in ["أ", "إ", "آ", "ٱ"] {
            assert_eq!(normalize(&format!("{alef}مل")).text, "امل");
        }
        assert_eq!(normalize("مستشفى").text, "مستشفي");
        assert_eq!(normalize("مكتبة").text, "مكتبه");
        assert_eq!(normalize("مسؤول").text, "مسوول");
        assert_eq!(normalize("مسئول").text, "مسيول");
        assert_eq!(normalize("سماء").text, "سما");
    }

    #[test]
    fn persian_yeh_keheh_and_ae_are_folded() {
        assert_eq!(normalize("فورکس").text, "فوركس");
        assert_eq!(normalize("کازینو").text, "كازينو");
        assert_eq!(normalize("ہدیە").text, "هديه");
    }

    #[test]
    fn eastern_digits_become_ascii() {
        assert_eq!(normalize("٠٥٥١٢٣٤٥٦٧").text, "0551234567");
        assert_eq!(normalize("۰۹۱۲").text, "0912");
        assert_eq!(normalize("5٧٢١٥7٦٣٤").text, "572157634");
        assert_eq!(normalize("٣٫٥٪").text, "3.5%");
    }

    #[test]
    fn cyrillic_and_greek_look_alikes_fold_to_latin_only_outside_arabic_words() {
        let n = normalize("cаsino"); // Cyrillic а
        assert_eq!(n.text, "casino");
        assert_eq!(n.mixed_script_tokens, 1);
        assert_eq!(normalize("ΒΙΤСОΙΝ").text, "bitcoin");
        // Physics notation: a small Greek letter beside one or two Latin
        // ones is no disguise; in a longer word it is one, and a short word
        // with a Cyrillic look-alike is one too.
        assert_eq!(
            normalize("sin(ωt) = 1/(jωC) and e^-jωt").mixed_script_tokens,
            0
        );
        assert_eq!(normalize("ωt").text, "wt");
        assert_eq!(normalize("cαsino").mixed_script_tokens, 1);
        assert_eq!(normalize("nο").mixed_script_tokens, 1); // Greek omicron
        // Short runs without a formula's signs are a disguise.
        assert_eq!(normalize("viag.rσ ωin pσr.ηo").mixed_script_tokens, 3);
        assert_eq!(normalize("р0rn c.а.s.i.n.o").mixed_script_tokens, 2); // Cyrillic р, а
        assert_eq!(normalize("wіn").mixed_script_tokens, 1); // Cyrillic і
        // Real Russian words are left alone and are not "mixed".
        let ru = normalize("привет мир");
        assert_eq!(ru.text, "привет мир");
        assert_eq!(ru.mixed_script_tokens, 0);
        // Arabic is never skeletonised.
        assert_eq!(normalize("هو").text, "هو");
    }

    #[test]
    fn latin_case_and_diacritics_fold() {
        assert_eq!(normalize("CaSiNo Vïagra").text, "casino viagra");
    }

    #[test]
    fn elongation_collapses_to_two() {
        assert_eq!(normalize("لاااايف").text, "لاايف");
        assert_eq!(normalize("FREEEEE").text, "free");
        // Links keep their letters.
        assert_eq!(normalize("www.example.com").text, "www.example.com");
        // Digits are never collapsed.
        assert_eq!(normalize("0555555555").text, "0555555555");
    }

    #[test]
    fn spaced_letters_are_joined_in_despaced() {
        let n = normalize("ك.ا.ز.ي.ن.و");
        assert_eq!(n.despaced, "كازينو");
        assert_eq!(n.spaced_runs, 1);
        assert_eq!(n.longest_spaced_run, 6);
        let n = normalize("l o l, W E L P and C A S I N O");
        assert_eq!((n.spaced_runs, n.longest_spaced_run), (3, 6));
        // The longest run counts, wherever it is; a list does not.
        let n = normalize("C.A.S.I.N.O or W E L P");
        assert_eq!((n.spaced_runs, n.longest_spaced_run), (2, 6));
        let n = normalize("answers a, b, c, d, e and f");
        assert_eq!((n.spaced_runs, n.longest_spaced_run), (1, 0));
        assert_eq!(normalize("F.R.E.E money").despaced, "free money");
        assert_eq!(normalize("#ف_و_ر_ك_س").despaced, "فوركس");
        assert_eq!(normalize("و ا ت س ا ب").despaced, "واتساب");
        // Two spaced words keep their boundary when the spacing differs.
        assert_eq!(
            normalize("ك.ا.ز.ي.ن.و ا.و.ن.ل.ا.ي.ن").despaced,
            "كازينو اونلاين"
        );
        // Ordinary words are not glued together.
        let n = normalize("و الله ما قلت");
        assert_eq!(n.despaced, "");
        assert_eq!((n.spaced_runs, n.longest_spaced_run), (0, 0));
        // Two single letters, or three with a long gap, are no run; the
        // third letter may end the text.
        for (text, runs) in [
            ("a b cd", 0),
            ("a b ....c", 0),
            ("x, y and z", 0),
            ("see a b c", 1),
            ("a-b-c", 1),
        ] {
            assert_eq!(normalize(text).spaced_runs, runs, "{text}");
            assert_eq!(may_have_spaced_run(text), runs > 0, "{text}");
        }
    }

    #[test]
    fn links_and_phones_are_found_once_in_the_normalised_text() {
        // Eastern digits are folded before phones are counted.
        let n = normalize("واتساب ٠٥٥١٢٣٤٥٦٧ او زوروا hxxps://win-big[.]com");
        let fresh = n.clone();
        assert_eq!(n.phones(), 1);
        let hosts: Vec<&str> = n.links().iter().map(|l| l.host.as_str()).collect();
        assert_eq!(hosts, ["win-big.com"]);
        // What was found is kept (a copy keeps it too), and is what a
        // search of the text finds.
        assert_eq!(format!("{:?}", fresh.found), "NotYet");
        assert_eq!(format!("{:?}", n.found), "Found");
        assert_eq!(format!("{:?}", n.clone().found), "Found");
        assert_eq!(n.links(), extract_links(&n.text));
        assert_eq!(n.phones(), count_phones(&n.text));
        assert_eq!(normalize("no link, no number").links(), []);
    }

    #[test]
    fn the_quick_check_misses_no_run() {
        // Every text of up to six characters over letters, digits, spacers
        // and other punctuation: where the check says no, joining finds no
        // run either.
        let alphabet = ['a', 'ب', '7', ' ', '.', ',', '،', '!', '-'];
        let mut texts = vec![String::new()];
        let mut checked = 0;
        for _ in 0..6 {
            let mut longer = Vec::new();
            for t in &texts {
                for c in alphabet {
                    let mut u = t.clone();
                    u.push(c);
                    if !may_have_spaced_run(&u) {
                        assert_eq!(join_runs(&u).1, 0, "{u:?}");
                    }
                    checked += 1;
                    longer.push(u);
                }
            }
            texts = longer;
        }
        assert_eq!(checked, (1..=6).map(|k| 9usize.pow(k)).sum::<usize>());
        // Longer texts, at random, over a wider alphabet: where the check
        // says yes or no, `despace` agrees with joining.
        let alphabet: Vec<char> = "ab7 .,_-،\nـ\u{064E}\u{200C}éݐ!".chars().collect();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..20_000 {
            let len = 7 + (next() % 14) as usize;
            let t: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let (joined, runs, longest) = join_runs(&t);
            let want = if runs > 0 {
                (joined, runs, longest)
            } else {
                (String::new(), 0, 0)
            };
            assert_eq!(despace(&t), want, "{t:?}");
        }
        // Gaps of three spacers still join a run; of four, they do not.
        for (t, run) in [
            ("a.-.b.-.c", true),
            ("a.-.-b.-.-c", false),
            ("x a.-.b.-.c", true),
            ("a.-.b.-.-c", false),
        ] {
            assert_eq!(may_have_spaced_run(t), run, "{t}");
            assert_eq!(join_runs(t).1 > 0, run, "{t}");
        }
    }

    #[test]
    fn fingerprint_ignores_spacing_punctuation_and_obfuscation() {
        let a = fingerprint("Great article!!  Visit my site.");
        let b = fingerprint("great   article visit my site");
        assert_eq!(a, b);
        assert_eq!(fingerprint("كَازينـــو رابح"), fingerprint("كازينو رابح"));
        assert_ne!(a, fingerprint("another comment"));
        assert_eq!(a.len(), 64);
    }
}
