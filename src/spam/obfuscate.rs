//! The obfuscation check of `majlis spam-eval --obfuscate`: what spammers do
//! to a text to slip past word lists ([`obfuscate`]), what legitimate Arabic
//! and Persian writers do to theirs ([`dress_legit`]), and the loop that
//! scores both ([`check`]). Pure and deterministic: the same text and
//! variant always give the same string.

use std::fmt;

use serde::Serialize;

use super::eval::{EvalOptions, LabeledComment, item_features, row, verdict};
use super::learner::Evidence;
use super::normalize::is_arabic_letter;

/// A spammer's disguise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Variant {
    /// Tashkeel on the Arabic letters of every other word (`كَازِينُو`).
    Tashkeel,
    /// Tatweel stretching every Arabic word of three letters or more.
    Tatweel,
    /// Zero-width spaces and joiners between the letters of words.
    ZeroWidth,
    /// Right-to-left and left-to-right marks inside words.
    BidiMarks,
    /// Cyrillic look-alikes in Latin words; Persian kaf and yeh in Arabic.
    Homoglyphs,
    /// Arabic-Indic digits (alternating with Persian ones).
    EasternDigits,
    /// `hxxp://` and `[.]` in links and domains.
    DefangedLinks,
    /// The two longest words spelled out letter by letter (`C A S I N O`).
    SpacedLetters,
}

impl Variant {
    pub const ALL: [Variant; 8] = [
        Variant::Tashkeel,
        Variant::Tatweel,
        Variant::ZeroWidth,
        Variant::BidiMarks,
        Variant::Homoglyphs,
        Variant::EasternDigits,
        Variant::DefangedLinks,
        Variant::SpacedLetters,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Tashkeel => "tashkeel",
            Variant::Tatweel => "tatweel",
            Variant::ZeroWidth => "zero_width",
            Variant::BidiMarks => "bidi_marks",
            Variant::Homoglyphs => "homoglyphs",
            Variant::EasternDigits => "eastern_digits",
            Variant::DefangedLinks => "defanged_links",
            Variant::SpacedLetters => "spaced_letters",
        }
    }
}

/// What legitimate Arabic and Persian writers do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Dress {
    /// ZWNJ between word parts (`کتاب‌ها`, `می‌خواهم`): a stem of two
    /// letters or more on each side.
    Zwnj,
    /// RLM/LRM around Latin words and at the end of the text.
    DirectionMarks,
    /// Tatweel for emphasis in one word (`جمـــيل`).
    Tatweel,
    /// Arabic-Indic digits.
    EasternDigits,
}

impl Dress {
    pub const ALL: [Dress; 4] = [
        Dress::Zwnj,
        Dress::DirectionMarks,
        Dress::Tatweel,
        Dress::EasternDigits,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dress::Zwnj => "zwnj",
            Dress::DirectionMarks => "direction_marks",
            Dress::Tatweel => "tatweel",
            Dress::EasternDigits => "eastern_digits",
        }
    }
}

const ZWSP: char = '\u{200B}';
const ZWNJ: char = '\u{200C}';
const ZWJ: char = '\u{200D}';
const LRM: char = '\u{200E}';
const RLM: char = '\u{200F}';
const TATWEEL: char = '\u{0640}';
const FATHA: char = '\u{064E}';
const DAMMA: char = '\u{064F}';
const KASRA: char = '\u{0650}';
const SUKUN: char = '\u{0652}';

/// Arabic letters that do not join the next letter: no tatweel after them.
fn joins_next(c: char) -> bool {
    is_arabic_letter(c)
        && !matches!(
            c,
            'ا' | 'أ' | 'إ' | 'آ' | 'د' | 'ذ' | 'ر' | 'ز' | 'و' | 'ؤ' | 'ة' | 'ى' | 'ء'
        )
}

/// Words: maximal runs of non-whitespace, with the whitespace kept between.
fn map_words(text: &str, mut f: impl FnMut(usize, &str) -> String) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut word = String::new();
    let mut index = 0;
    for c in text.chars() {
        if c.is_whitespace() {
            if !word.is_empty() {
                out.push_str(&f(index, &word));
                index += 1;
                word.clear();
            }
            out.push(c);
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        out.push_str(&f(index, &word));
    }
    out
}

fn letters(word: &str) -> usize {
    word.chars().filter(|c| c.is_alphabetic()).count()
}

/// Put `sep(i)` between consecutive letters of `word` (the i-th gap).
fn between_letters(word: &str, mut sep: impl FnMut(usize) -> Option<char>) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len() * 2);
    let mut gap = 0;
    for (i, &c) in chars.iter().enumerate() {
        out.push(c);
        if let Some(&next) = chars.get(i + 1)
            && c.is_alphabetic()
            && next.is_alphabetic()
        {
            if let Some(s) = sep(gap) {
                out.push(s);
            }
            gap += 1;
        }
    }
    out
}

/// The indices of the `n` longest words (by letters, ties to the first).
fn longest_words(text: &str, n: usize, min_letters: usize) -> Vec<usize> {
    let mut words: Vec<(usize, usize)> = text
        .split_whitespace()
        .enumerate()
        .map(|(i, w)| (letters(w), i))
        .filter(|(l, _)| *l >= min_letters)
        .collect();
    words.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    words.into_iter().take(n).map(|(_, i)| i).collect()
}

fn latin_homoglyph(c: char) -> Option<char> {
    Some(match c {
        'a' => 'а',
        'e' => 'е',
        'o' => 'о',
        'c' => 'с',
        'p' => 'р',
        'x' => 'х',
        'y' => 'у',
        'i' => 'і',
        'A' => 'А',
        'E' => 'Е',
        'O' => 'О',
        'C' => 'С',
        'P' => 'Р',
        _ => return None,
    })
}

fn eastern_digit(c: char, persian: bool) -> char {
    match c.to_digit(10) {
        Some(d) if c.is_ascii_digit() => {
            let base = if persian { 0x06F0 } else { 0x0660 };
            char::from_u32(base + d).unwrap_or(c)
        }
        _ => c,
    }
}

/// `text` disguised the way `variant` says. Returns the text unchanged when
/// the variant has nothing to work on (no Arabic letters for tashkeel, no
/// digits, no links).
pub fn obfuscate(text: &str, variant: Variant) -> String {
    match variant {
        Variant::Tashkeel => map_words(text, |i, w| {
            if i % 2 == 1 || !w.chars().any(is_arabic_letter) {
                return w.to_owned();
            }
            let marks = [FATHA, KASRA, DAMMA, SUKUN];
            let mut k = 0;
            let mut out = String::new();
            for c in w.chars() {
                out.push(c);
                if is_arabic_letter(c) {
                    out.push(marks[k % marks.len()]);
                    k += 1;
                }
            }
            out
        }),
        Variant::Tatweel => map_words(text, |_, w| {
            let arabic = w.chars().filter(|c| is_arabic_letter(*c)).count();
            if arabic < 3 {
                return w.to_owned();
            }
            let chars: Vec<char> = w.chars().collect();
            let mut out = String::new();
            for (i, &c) in chars.iter().enumerate() {
                out.push(c);
                if joins_next(c) && chars.get(i + 1).is_some_and(|n| is_arabic_letter(*n)) {
                    out.push_str("ـــ");
                }
            }
            out
        }),
        Variant::ZeroWidth => map_words(text, |_, w| {
            if letters(w) < 4 {
                return w.to_owned();
            }
            between_letters(w, |g| Some(if g % 2 == 0 { ZWSP } else { ZWJ }))
        }),
        Variant::BidiMarks => map_words(text, |_, w| {
            let n = letters(w);
            if n < 4 {
                return w.to_owned();
            }
            let mid = n / 2 - 1;
            let mark = if w.chars().any(is_arabic_letter) {
                LRM
            } else {
                RLM
            };
            between_letters(w, |g| (g == mid).then_some(mark))
        }),
        Variant::Homoglyphs => text
            .chars()
            .map(|c| match c {
                'ك' => 'ک',
                'ي' => 'ی',
                _ => latin_homoglyph(c).unwrap_or(c),
            })
            .collect(),
        Variant::EasternDigits => {
            let mut k = 0;
            text.chars()
                .map(|c| {
                    if c.is_ascii_digit() {
                        k += 1;
                        eastern_digit(c, k % 4 == 0)
                    } else {
                        c
                    }
                })
                .collect()
        }
        Variant::DefangedLinks => map_words(text, |_, w| {
            let lower = w.to_ascii_lowercase();
            let linky = lower.starts_with("http")
                || lower.starts_with("www.")
                || (w.contains('.')
                    && w.split('.').filter(|p| !p.is_empty()).count() >= 2
                    && w.chars().all(|c| c.is_ascii_graphic())
                    && w.chars().any(|c| c.is_ascii_alphabetic())
                    && !w.ends_with('.'));
            if !linky {
                return w.to_owned();
            }
            let w = w
                .replacen("https://", "hxxps://", 1)
                .replacen("http://", "hxxp://", 1);
            w.replace('.', "[.]")
        }),
        Variant::SpacedLetters => {
            let pick = longest_words(text, 2, 4);
            map_words(text, |i, w| {
                if !pick.contains(&i) {
                    return w.to_owned();
                }
                let sep = if w.chars().any(is_arabic_letter) {
                    '.'
                } else {
                    ' '
                };
                let spelled: Vec<String> = w
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .map(String::from)
                    .collect();
                spelled.join(&sep.to_string())
            })
        }
    }
}

/// Arabic and Persian suffixes a writer may set off with a ZWNJ.
const ZWNJ_SUFFIXES: &[&str] = &["های", "ها", "هم", "ات", "ين", "ون", "ی"];

/// `text` as a legitimate Arabic or Persian writer might type it.
pub fn dress_legit(text: &str, dress: Dress) -> String {
    match dress {
        Dress::Zwnj => {
            let split = |w: &str| -> Option<String> {
                if !w.chars().all(is_arabic_letter) {
                    return None;
                }
                let n = w.chars().count();
                for suf in ZWNJ_SUFFIXES {
                    let s = suf.chars().count();
                    if let Some(stem) = w.strip_suffix(suf)
                        && n >= s + 3
                        && stem.chars().last().is_some_and(joins_next)
                    {
                        return Some(format!("{stem}{ZWNJ}{suf}"));
                    }
                }
                None
            };
            let mut changed = false;
            let out = map_words(text, |_, w| match split(w) {
                Some(s) => {
                    changed = true;
                    s
                }
                None => w.to_owned(),
            });
            if changed {
                return out;
            }
            // No suffix to set off: split the longest Arabic word after a
            // joining letter, with at least two letters on each side (as in
            // a compound, `دانش‌آموز`).
            let pick = longest_words(text, 1, 5);
            map_words(text, |i, w| {
                if !pick.contains(&i) || !w.chars().all(is_arabic_letter) {
                    return w.to_owned();
                }
                let chars: Vec<char> = w.chars().collect();
                let at = (2..chars.len().saturating_sub(1)).find(|&k| joins_next(chars[k - 1]));
                match at {
                    Some(k) => {
                        let (a, b) = chars.split_at(k);
                        format!(
                            "{}{ZWNJ}{}",
                            a.iter().collect::<String>(),
                            b.iter().collect::<String>()
                        )
                    }
                    None => w.to_owned(),
                }
            })
        }
        Dress::DirectionMarks => {
            let mut out = map_words(text, |_, w| {
                if w.chars().any(|c| c.is_ascii_alphabetic()) && !w.chars().any(is_arabic_letter) {
                    format!("{LRM}{w}{LRM}")
                } else {
                    w.to_owned()
                }
            });
            out.push(RLM);
            out
        }
        Dress::Tatweel => {
            let pick = longest_words(text, 1, 4);
            map_words(text, |i, w| {
                if !pick.contains(&i) {
                    return w.to_owned();
                }
                let chars: Vec<char> = w.chars().collect();
                let mid = chars.len() / 2;
                let at = (1..chars.len())
                    .map(|k| (k + mid) % chars.len())
                    .find(|&k| {
                        k + 1 < chars.len()
                            && joins_next(chars[k])
                            && is_arabic_letter(chars[k + 1])
                    });
                match at {
                    Some(k) => {
                        let mut s: String = chars[..=k].iter().collect();
                        s.push_str(&TATWEEL.to_string().repeat(3));
                        s.extend(&chars[k + 1..]);
                        s
                    }
                    None => w.to_owned(),
                }
            })
        }
        Dress::EasternDigits => text.chars().map(|c| eastern_digit(c, false)).collect(),
    }
}

/// A stable choice among `n` options for a text.
fn pick(text: &str, n: usize) -> usize {
    (xxhash_rust::xxh3::xxh3_64(text.as_bytes()) % n as u64) as usize
}

/// One variant of `text` that changes it, chosen by a hash of the text
/// (`None` when no variant changes it).
pub fn some_variant(text: &str) -> Option<(Variant, String)> {
    let start = pick(text, Variant::ALL.len());
    (0..Variant::ALL.len())
        .map(|k| Variant::ALL[(start + k) % Variant::ALL.len()])
        .map(|v| (v, obfuscate(text, v)))
        .find(|(_, s)| s != text)
}

/// One dressing of `text` that changes it, chosen by a hash of the text.
pub fn some_dress(text: &str) -> Option<(Dress, String)> {
    let start = pick(text, Dress::ALL.len());
    (0..Dress::ALL.len())
        .map(|k| Dress::ALL[(start + k) % Dress::ALL.len()])
        .map(|d| (d, dress_legit(text, d)))
        .find(|(_, s)| s != text)
}

/// Counts for one language.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ObfuscationRow {
    pub lang: String,
    /// Spam items with a variant (every spam item whose text a variant changes).
    pub spam: u32,
    pub plain_caught: u32,
    pub obfuscated_caught: u32,
    /// Plain caught and its variant caught too.
    pub kept: u32,
    /// Arabic-script ham items dressed.
    pub ham: u32,
    pub plain_held: u32,
    pub dressed_held: u32,
    /// Per variant: name, items, caught (held) plain, caught (held) in the
    /// variant.
    pub variants: Vec<VariantRow>,
    pub dresses: Vec<VariantRow>,
}

/// One variant's counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VariantRow {
    pub name: String,
    pub items: u32,
    pub plain: u32,
    pub variant: u32,
}

/// The result of [`check`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ObfuscationReport {
    /// What the site had learnt (`no site decisions`, `after 400
    /// decisions`).
    pub stage: String,
    pub rows: Vec<ObfuscationRow>,
}

fn bump(list: &mut Vec<VariantRow>, name: &str, plain: bool, hit: bool) {
    let row = row(
        list,
        |r| r.name == name,
        || VariantRow {
            name: name.to_owned(),
            ..VariantRow::default()
        },
    );
    row.items += 1;
    row.plain += u32::from(plain);
    row.variant += u32::from(hit);
}

/// The score of a body as a first-time author's, with the rules, the
/// prior of `opts` and what `site` learnt.
fn score_body(c: &LabeledComment, body: &str, site: &Evidence, opts: &EvalOptions) -> f64 {
    let item = LabeledComment {
        body: body.to_owned(),
        ..c.clone()
    };
    verdict(&item, &item_features(&item), Some(site), opts).score
}

/// Scores every spam item plain and in one [`some_variant`], and every
/// Arabic-script ham item plain and in one [`some_dress`]: caught and held
/// at the hold threshold, per language, by a site that learnt `site`
/// (`stage` says what that is).
pub fn check(
    judged: &[LabeledComment],
    opts: &EvalOptions,
    site: &Evidence,
    stage: &str,
) -> ObfuscationReport {
    let hold = opts.thresholds.hold;
    let mut rows: Vec<ObfuscationRow> = Vec::new();
    for c in judged {
        let row = row(
            &mut rows,
            |r| r.lang == c.lang,
            || ObfuscationRow {
                lang: c.lang.clone(),
                ..ObfuscationRow::default()
            },
        );
        if c.is_spam() {
            let Some((variant, text)) = some_variant(&c.body) else {
                continue;
            };
            let plain = score_body(c, &c.body, site, opts) >= hold;
            let disguised = score_body(c, &text, site, opts) >= hold;
            row.spam += 1;
            row.plain_caught += u32::from(plain);
            row.obfuscated_caught += u32::from(disguised);
            row.kept += u32::from(plain && disguised);
            bump(&mut row.variants, variant.as_str(), plain, disguised);
        } else if c.body.chars().any(is_arabic_letter) {
            let Some((dress, text)) = some_dress(&c.body) else {
                continue;
            };
            let plain = score_body(c, &c.body, site, opts) >= hold;
            let dressed = score_body(c, &text, site, opts) >= hold;
            row.ham += 1;
            row.plain_held += u32::from(plain);
            row.dressed_held += u32::from(dressed);
            bump(&mut row.dresses, dress.as_str(), plain, dressed);
        }
    }
    rows.sort_by(|a, b| a.lang.cmp(&b.lang));
    ObfuscationReport {
        stage: stage.to_owned(),
        rows,
    }
}

/// Decisions after which [`check_stages`] checks again.
pub const TRAINED: usize = 400;

/// [`check`] on a fresh site, and after [`TRAINED`] decisions of `pool`
/// ([`taught`](super::eval::taught)) when the pool holds that many.
pub fn check_stages(
    pool: &[LabeledComment],
    judged: &[LabeledComment],
    opts: &EvalOptions,
) -> Vec<ObfuscationReport> {
    let mut reports = vec![check(
        judged,
        opts,
        &Evidence::default(),
        "no site decisions",
    )];
    if pool.len() >= TRAINED {
        let site = super::eval::taught(pool, TRAINED);
        reports.push(check(
            judged,
            opts,
            &site,
            &format!("after {TRAINED} decisions"),
        ));
    }
    reports
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 {
        0.0
    } else {
        f64::from(a) / f64::from(b)
    }
}

impl fmt::Display for ObfuscationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "obfuscation check (rules + prior, {})", self.stage)?;
        writeln!(
            f,
            "{:<5} {:>5} {:>7} {:>7} {:>9} {:>9} {:>6} {:>7} {:>7}",
            "lang", "spam", "plain", "obfusc", "relative", "kept", "ham", "plain", "dressed"
        )?;
        for r in &self.rows {
            writeln!(
                f,
                "{:<5} {:>5} {:>7.3} {:>7.3} {:>9.3} {:>9.3} {:>6} {:>7.3} {:>7.3}",
                r.lang,
                r.spam,
                ratio(r.plain_caught, r.spam),
                ratio(r.obfuscated_caught, r.spam),
                ratio(r.obfuscated_caught, r.plain_caught),
                ratio(r.kept, r.plain_caught),
                r.ham,
                ratio(r.plain_held, r.ham),
                ratio(r.dressed_held, r.ham),
            )?;
        }
        writeln!(
            f,
            "(plain/obfusc: spam caught; relative: obfuscated caught / plain caught; \
             kept: share of the plain-caught spam still caught when obfuscated; \
             plain/dressed: Arabic-script ham held)"
        )?;
        for r in &self.rows {
            for (label, what, list) in
                [("spam", "caught", &r.variants), ("ham", "held", &r.dresses)]
            {
                for v in list {
                    writeln!(
                        f,
                        "  {:<3} {:<4} {:<16} {:>5} {what} plain {:.3}, variant {:.3}",
                        r.lang,
                        label,
                        v.name,
                        v.items,
                        ratio(v.plain, v.items),
                        ratio(v.variant, v.items)
                    )?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spam::normalize::normalize;

    const AR_SPAM: &str = "اربح المال من الفوركس تواصل واتساب 0551234567 www.win.xyz";
    const EN_SPAM: &str = "Check out my channel http://promo.example.com and win 500 dollars";

    #[test]
    fn every_variant_changes_a_text_it_applies_to_and_is_deterministic() {
        for v in Variant::ALL {
            let text = if v == Variant::Homoglyphs || v == Variant::DefangedLinks {
                EN_SPAM
            } else {
                AR_SPAM
            };
            let a = obfuscate(text, v);
            assert_ne!(a, text, "{v:?}");
            assert_eq!(a, obfuscate(text, v), "{v:?}");
        }
        // Nothing to work on: unchanged.
        assert_eq!(obfuscate("hello world", Variant::Tashkeel), "hello world");
        assert_eq!(obfuscate("no digits", Variant::EasternDigits), "no digits");
    }

    #[test]
    fn variants_normalise_back_to_the_plain_words() {
        let plain = normalize(AR_SPAM).text;
        for v in [
            Variant::Tashkeel,
            Variant::Tatweel,
            Variant::ZeroWidth,
            Variant::BidiMarks,
            Variant::Homoglyphs,
            Variant::EasternDigits,
        ] {
            assert_eq!(normalize(&obfuscate(AR_SPAM, v)).text, plain, "{v:?}");
        }
        assert_eq!(
            obfuscate("visit win.example.com now", Variant::DefangedLinks),
            "visit win[.]example[.]com now"
        );
        assert_eq!(
            obfuscate("the best casino online", Variant::SpacedLetters),
            "the best c a s i n o o n l i n e"
        );
        assert!(normalize(&obfuscate("best casino", Variant::Homoglyphs)).mixed_script_tokens > 0);
    }

    #[test]
    fn dressings_change_the_text_deterministically_and_read_the_same() {
        let persian = "کتابها را خواندیم و دانشجویان آمدند در سال 1402";
        let arabic = "المقالات جميلة جدا عن iPhone في 2024";
        for d in Dress::ALL {
            for text in [persian, arabic] {
                let a = dress_legit(text, d);
                assert_ne!(a, text, "{d:?} {text}");
                assert_eq!(a, dress_legit(text, d));
                assert_eq!(normalize(&a).text, normalize(text).text, "{d:?} {text}");
            }
        }
        assert!(dress_legit(persian, Dress::Zwnj).contains("کتاب\u{200C}ها"));
        assert!(dress_legit(arabic, Dress::DirectionMarks).contains("\u{200E}iPhone\u{200E}"));
    }

    #[test]
    fn a_legitimate_dress_is_not_an_obfuscation_signal() {
        let text = "کتابها و دفترهای دانشجویان را آوردند";
        let dressed = dress_legit(text, Dress::Zwnj);
        assert_eq!(normalize(&dressed).stripped_invisible, 0, "{dressed}");
        let spam = obfuscate("فوركس مضمون", Variant::ZeroWidth);
        assert!(normalize(&spam).stripped_invisible >= 3, "{spam}");
    }

    #[test]
    fn the_check_counts_each_language() {
        let item = LabeledComment::anonymous;
        let judged = vec![
            item("ar", "spam", "شاهد قبل الحذف افلام سكس تواصل واتساب"),
            item("ar", "ham", "قصف مواقع في المدينة اليوم وسقوط 12 ضحية"),
            item(
                "en",
                "spam",
                "Check out my channel and subscribe, buy followers",
            ),
            item("en", "ham", "the strike was reported by the ministry"),
        ];
        let opts = EvalOptions {
            prior: None,
            ..EvalOptions::default()
        };
        let r = check(&judged, &opts, &Evidence::default(), "no site decisions");
        assert_eq!(r.rows.len(), 2);
        let ar = &r.rows[0];
        assert_eq!((ar.lang.as_str(), ar.spam, ar.ham), ("ar", 1, 1));
        assert_eq!((ar.plain_caught, ar.obfuscated_caught), (1, 1), "{r}");
        assert_eq!(ar.dressed_held, 0, "{r}");
        let en = &r.rows[1];
        assert_eq!((en.spam, en.ham, en.plain_caught), (1, 0, 1), "{r}");
        assert!(r.to_string().contains("relative"));
        assert!(
            r.to_string()
                .starts_with("obfuscation check (rules + prior, no site decisions)")
        );
    }

    #[test]
    fn after_training_the_check_scores_with_what_the_site_learnt() {
        let item = |label: &str, body: &str| LabeledComment::anonymous("en", label, body);
        let mut pool = Vec::new();
        for i in 0..30 {
            pool.push(item(
                "spam",
                &format!("genuine replica watches cheap, order number {i}"),
            ));
            pool.push(item(
                "ham",
                &format!("the council will vote on the budget, part {i}"),
            ));
        }
        let judged = vec![item("spam", "genuine replica watches cheap, order today")];
        let opts = EvalOptions {
            prior: None,
            ..EvalOptions::default()
        };
        let fresh = check(&judged, &opts, &Evidence::default(), "no site decisions");
        assert_eq!(fresh.rows[0].plain_caught, 0, "{fresh}");
        let site = crate::spam::eval::taught(&pool, 60);
        let after = check(&judged, &opts, &site, "after 60 decisions");
        assert_eq!(after.rows[0].spam, 1, "{after}");
        assert_eq!(after.rows[0].plain_caught, 1, "{after}");
        assert_eq!(after.rows[0].obfuscated_caught, 1, "{after}");
        // A pool of fewer than TRAINED decisions: the fresh site only.
        let stages = check_stages(&pool, &judged, &opts);
        assert_eq!(stages.len(), 1);
        assert_eq!(stages[0], fresh);
    }
}
