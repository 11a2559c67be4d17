//! Character properties the engine asks of every character of a comment
//! (alphabetic, alphanumeric, Latin or Arabic script), answered from a table
//! for the first 2,048 code points (Latin, Greek, Cyrillic, Hebrew, Arabic
//! and their marks) and by the standard library and `unicode-script` above.
//! The table is filled from those same functions once per process, so it
//! cannot disagree with them; it only spares their range searches.

use std::sync::LazyLock;

use unicode_script::{Script, UnicodeScript};

/// Code points below this are answered from the table.
const TABLE_LEN: usize = 0x800;

const ALPHABETIC: u8 = 1;
const ALPHANUMERIC: u8 = 2;
const SCRIPT_ARABIC: u8 = 4;
const SCRIPT_LATIN: u8 = 8;
/// Common or Inherited: a character several scripts share (tatweel, the
/// modifier letter apostrophe), a letter of no one script.
const SCRIPT_SHARED: u8 = 16;

static TABLE: LazyLock<[u8; TABLE_LEN]> = LazyLock::new(|| table_of(bits_of));

/// `f` of every code point below `N` (0 for the surrogates): a property
/// looked up instead of computed, for the characters nearly every comment
/// here is made of.
pub(crate) fn table_of<const N: usize>(f: impl Fn(char) -> u8) -> [u8; N] {
    let mut t = [0u8; N];
    for (i, slot) in t.iter_mut().enumerate() {
        if let Some(c) = u32::try_from(i).ok().and_then(char::from_u32) {
            *slot = f(c);
        }
    }
    t
}

/// The lead bytes of U+0600-U+06FF, the basic Arabic block: each of its
/// characters is two bytes in UTF-8, and no other character starts so.
pub(crate) const ARABIC_BLOCK_LEADS: std::ops::RangeInclusive<u8> = 0xD8..=0xDB;

/// Whether `text` holds only ASCII and characters of the basic Arabic
/// block (U+0600-U+06FF): no lead byte of any other character. Reads 64
/// bytes at a time without stopping early inside them, so that the
/// compiler can test them side by side.
pub(crate) fn only_ascii_and_arabic_block(text: &str) -> bool {
    text.as_bytes().chunks(64).all(|chunk| {
        chunk.iter().fold(true, |ok, &b| {
            ok & (b < 0xC0 || ARABIC_BLOCK_LEADS.contains(&b))
        })
    })
}

/// The first position at or after `from` of a byte of `bytes` for which
/// `hit` holds. Tests 64 bytes at a time without stopping early inside
/// them (which the compiler can do side by side), and looks for the
/// position only in the 64 that hold one: most of a comment has no digit
/// or sign that a scan for numbers stops at.
pub(crate) fn next_byte(bytes: &[u8], from: usize, hit: impl Fn(u8) -> bool) -> Option<usize> {
    let mut start = from;
    while let Some(chunk) = bytes.get(start..(start + 64).min(bytes.len())) {
        if chunk.is_empty() {
            return None;
        }
        if chunk.iter().fold(false, |any, &b| any | hit(b)) {
            return chunk.iter().position(|&b| hit(b)).map(|p| start + p);
        }
        start += chunk.len();
    }
    None
}

/// The character a two-byte UTF-8 sequence (`lead`, `cont`) encodes.
pub(crate) fn two_byte_char(lead: u8, cont: u8) -> Option<char> {
    char::from_u32((u32::from(lead & 0x1F) << 6) | u32::from(cont & 0x3F))
}

fn bits_of(c: char) -> u8 {
    let mut b = 0;
    if c.is_alphabetic() {
        b |= ALPHABETIC;
    }
    if c.is_alphanumeric() {
        b |= ALPHANUMERIC;
    }
    match c.script() {
        Script::Arabic => b |= SCRIPT_ARABIC,
        Script::Latin => b |= SCRIPT_LATIN,
        Script::Common | Script::Inherited => b |= SCRIPT_SHARED,
        _ => {}
    }
    b
}

#[inline]
fn bits(c: char) -> u8 {
    match TABLE.get(c as usize) {
        Some(b) => *b,
        None => bits_of(c),
    }
}

/// `char::is_alphabetic`.
#[inline]
pub(crate) fn is_alphabetic(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        bits(c) & ALPHABETIC != 0
    }
}

/// `char::is_alphanumeric`.
#[inline]
pub(crate) fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        bits(c) & ALPHANUMERIC != 0
    }
}

/// Of an alphabetic character: is its script Arabic, Latin or another?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LetterScript {
    Arabic,
    Latin,
    Other,
}

/// `None` when `c` is not alphabetic or is a letter several scripts share
/// (Common or Inherited: tatweel stretches Arabic words and must not count
/// as another script's letter); else its script, as
/// `UnicodeScript::script` gives it, in three classes.
#[inline]
pub(crate) fn letter_script(c: char) -> Option<LetterScript> {
    if c.is_ascii() {
        return c.is_ascii_alphabetic().then_some(LetterScript::Latin);
    }
    let b = bits(c);
    if b & ALPHABETIC == 0 || b & SCRIPT_SHARED != 0 {
        None
    } else if b & SCRIPT_ARABIC != 0 {
        Some(LetterScript::Arabic)
    } else if b & SCRIPT_LATIN != 0 {
        Some(LetterScript::Latin)
    } else {
        Some(LetterScript::Other)
    }
}

/// How many letters of `text` are of each class of [`letter_script`]:
/// `[Arabic, Latin, Other]`. One table lookup per character below U+0800
/// and no branch on its class.
pub(crate) fn letter_scripts(text: &str) -> [u32; 3] {
    fn class(c: char) -> u8 {
        match letter_script(c) {
            None => 0,
            Some(LetterScript::Arabic) => 1,
            Some(LetterScript::Latin) => 2,
            Some(LetterScript::Other) => 3,
        }
    }
    static CLASSES: LazyLock<[u8; TABLE_LEN]> = LazyLock::new(|| table_of(class));
    let classes = &*CLASSES;
    let mut counts = [0u32; 4];
    for c in text.chars() {
        let k = classes.get(c as usize).copied().unwrap_or_else(|| class(c));
        counts[usize::from(k & 3)] += 1;
    }
    [counts[1], counts[2], counts[3]]
}

/// Scripts the site expects, from its language codes.
pub fn scripts_for(languages: &[String]) -> Vec<Script> {
    let mut out = Vec::new();
    for l in languages {
        let code = language_code(l);
        let scripts: &[Script] = match code.as_str() {
            "ar" | "fa" | "ur" | "ps" | "ku" | "ckb" | "sd" | "ug" => &[Script::Arabic],
            "ru" | "uk" | "bg" | "sr" | "mk" | "be" | "kk" | "ky" | "mn" => &[Script::Cyrillic],
            "el" => &[Script::Greek],
            "he" | "yi" => &[Script::Hebrew],
            "zh" => &[Script::Han],
            "ja" => &[Script::Han, Script::Hiragana, Script::Katakana],
            "ko" => &[Script::Hangul],
            "hi" | "mr" | "ne" => &[Script::Devanagari],
            "bn" => &[Script::Bengali],
            "th" => &[Script::Thai],
            "hy" => &[Script::Armenian],
            "ka" => &[Script::Georgian],
            "am" | "ti" => &[Script::Ethiopic],
            "" => &[],
            _ => &[Script::Latin],
        };
        for s in scripts {
            if !out.contains(s) {
                out.push(*s);
            }
        }
    }
    out
}

/// `char::is_alphanumeric` with fast paths for ASCII and Arabic letters.
#[inline]
pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else if is_arabic_letter(c) || ('\u{0660}'..='\u{0669}').contains(&c) {
        true
    } else {
        is_alphanumeric(c)
    }
}

/// `char::is_alphabetic` with fast paths for ASCII and Arabic letters.
#[inline]
pub(crate) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else if is_arabic_letter(c) {
        true
    } else {
        is_alphabetic(c)
    }
}

#[inline]
pub(crate) fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0620}'..='\u{064A}' | '\u{066E}'..='\u{06D3}' | '\u{06FA}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{08A0}'..='\u{08C9}')
}

/// Whether the site expects readers of an Arabic-script language other
/// than Arabic (Persian, Urdu, Pashto, Kurdish, Sindhi, Uyghur), whose
/// keyboards type the Persian kaf and yeh.
pub fn expects_other_arabic_script(languages: &[String]) -> bool {
    languages.iter().any(|l| {
        matches!(
            language_code(l).as_str(),
            "fa" | "ur" | "ps" | "ku" | "ckb" | "sd" | "ug"
        )
    })
}

/// The language of a code (`ar-EG` -> `ar`), lower case.
fn language_code(tag: &str) -> String {
    let lower = tag.trim().to_ascii_lowercase();
    lower
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Words of `text` typed with the Persian kaf (`ک`) or a Persian yeh
/// (`ی`) before another letter, when the text reads as Arabic and types
/// every kaf and yeh that way: at least two such words, no word with the
/// Arabic kaf or yeh (`ك`, `ي`), no letter that only Persian, Urdu or
/// Kurdish write (`پ چ ژ گ ٹ ڈ ڑ ں ے ھ ہ ڕ ڵ ۆ ێ ە`), and at least two
/// words that Arabic writes and Persian does not: a ta marbuta (`ة`), or
/// the article (`ال`, `لل`, or `ال` after `و ف ب ك`) outside the few
/// words Persian took whole from Arabic ([`PERSIAN_ARTICLE_WORDS`]). After
/// a prefix, `ال` then `ا` does not count: Persian `بالا` (up) and `کالا`
/// (goods) start so.
///
/// A yeh at the end of a word is left out too: Arabic writers type `ی`
/// for the alef maksura (`علی`, `حتی`), and do (10 of the development
/// corpus's 8,111 Arabic ham comments have one). None of those ham
/// comments, and none of 6,000 real Persian reviews and tweets, is counted
/// (see the README).
pub fn lookalike_words(text: &str) -> Option<u32> {
    // Neither letter: the common case, two byte searches.
    if !text.contains('\u{06A9}') && !text.contains('\u{06CC}') {
        return None;
    }
    let (mut persian, mut arabic_forms, mut arabic_only) = (0u32, 0u32, 0u32);
    for word in text.split_whitespace() {
        let letters: Vec<char> = word.chars().filter(|c| is_arabic_letter(*c)).collect();
        if letters.iter().any(|c| OTHER_LANGUAGE_LETTERS.contains(c)) {
            return None;
        }
        let at = |k: usize| letters.get(k).copied();
        let persian_form = letters
            .iter()
            .enumerate()
            .any(|(k, &c)| c == '\u{06A9}' || (c == '\u{06CC}' && k + 1 < letters.len()));
        let arabic_form = letters.iter().any(|c| matches!(c, 'ك' | 'ي'));
        let article = letters.len() > 2
            && match (at(0), at(1), at(2)) {
                (Some('ا' | 'ل'), Some('ل'), _) => {
                    let w: String = letters.iter().collect();
                    !PERSIAN_ARTICLE_WORDS.contains(&w.as_str())
                }
                (Some('و' | 'ف' | 'ب' | 'ك' | '\u{06A9}'), Some('ا'), Some('ل')) => {
                    at(3).is_some_and(|c| c != 'ا')
                }
                _ => false,
            };
        persian += u32::from(persian_form);
        arabic_forms += u32::from(arabic_form);
        arabic_only += u32::from(article || letters.contains(&'\u{0629}'));
    }
    (persian >= 2 && arabic_forms == 0 && arabic_only >= 2).then_some(persian)
}

/// Letters that Persian, Urdu or Kurdish write and Arabic does not:
/// `پ چ ژ گ` (Persian), `ٹ ڈ ڑ ں ے ۓ ھ ہ` (Urdu), `ڕ ڵ ۆ ێ ە` (Kurdish).
const OTHER_LANGUAGE_LETTERS: [char; 17] = [
    '\u{067E}', '\u{0686}', '\u{0698}', '\u{06AF}', '\u{0679}', '\u{0688}', '\u{0691}', '\u{06BA}',
    '\u{06D2}', '\u{06D3}', '\u{06BE}', '\u{06C1}', '\u{0695}', '\u{06B5}', '\u{06C6}', '\u{06CE}',
    '\u{06D5}',
];

/// Words that Persian took whole from Arabic, article included (`الان`
/// now, `البته` of course, `فوق‌العاده` extraordinary, `الکی` for
/// nothing, `الویه` the salad), as Persian types them: no evidence that a
/// text is Arabic.
const PERSIAN_ARTICLE_WORDS: [&str; 5] = ["الان", "البته", "العاده", "الکی", "الویه"];

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` with every Arabic kaf and yeh in the Persian form, as
    /// `spam-eval --obfuscate` disguises it.
    fn persian_forms(text: &str) -> String {
        use super::super::obfuscate::{Variant, obfuscate};
        obfuscate(text, Variant::Homoglyphs)
    }

    #[test]
    fn lookalike_words_are_counted_only_where_the_text_reads_as_arabic() {
        let ad = "احصل على الربح اليومي من التداول مع شركتنا الكبيرة";
        assert_eq!(lookalike_words(ad), None);
        // احصل على الربح اليومي من التداول مع شركتنا الكبيرة: the medial
        // yeh of اليومي and the kafs of شركتنا and الكبيرة (the final yeh
        // of على and اليومي is left out).
        assert_eq!(lookalike_words(&persian_forms(ad)), Some(3));
        // One Arabic kaf or yeh left: a keyboard typed it, not a disguise.
        let mixed = format!("{} في", persian_forms(ad));
        assert_eq!(lookalike_words(&mixed), None);
        // Arabic writers type a final Persian yeh for the alef maksura.
        assert_eq!(
            lookalike_words("وصلت إلی المطعم حتی الساعة العاشرة والخدمة ممتازة"),
            None
        );
        // Persian: few Arabic articles, or Persian-only letters.
        for persian in [
            "این کتاب را دیروز خریدم و خیلی خوب بود",
            "البته الان کتاب خوبی است",
            "الکی نگو، این فیلم را با دوستانم دیدم و البته خیلی خندیدیم",
            "کتاب بسیار جالبی بود، پیشنهاد می‌کنم",
            // Persian words that start like the article; each text has
            // two words with the Persian letters and would have two
            // Arabic articles if they were taken for ones.
            "البته الان کیفیت خیلی بهتر شده",
            "کیفیت کالا بالا بود و خیلی بالاتر از انتظار",
        ] {
            assert_eq!(lookalike_words(persian), None, "{persian}");
        }
        // The article after a prefix, then a letter other than alef.
        assert_eq!(
            lookalike_words(&persian_forms("شركه عزل اسطح بالرياض باقل سعر بالسوق")),
            Some(2)
        );
        // Urdu and Kurdish letters say whose keyboard it is.
        assert_eq!(
            lookalike_words("یہ کتاب الحمد للہ بہت اچھی ہے اور الکتاب"),
            None
        );
        assert_eq!(
            lookalike_words("ئەم کتێبە زۆر باشە الکتاب والقلم شکرا"),
            None
        );
        // Two words at least.
        assert_eq!(lookalike_words("الکتاب والقلم"), None);
        assert_eq!(lookalike_words("الکتاب والقلم شکرا"), Some(2));
    }

    #[test]
    fn other_arabic_script_languages_are_recognised_by_their_codes() {
        let langs = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert!(expects_other_arabic_script(&langs(&["ar", "FA-ir"])));
        assert!(expects_other_arabic_script(&langs(&[" ur_PK "])));
        assert!(!expects_other_arabic_script(&langs(&["ar", "en", "fr"])));
        assert!(!expects_other_arabic_script(&[]));
    }

    #[test]
    fn the_table_agrees_with_the_library_everywhere() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(is_alphabetic(c), c.is_alphabetic(), "{c:?}");
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
            let want = match c.script() {
                _ if !c.is_alphabetic() => None,
                Script::Common | Script::Inherited => None,
                Script::Arabic => Some(LetterScript::Arabic),
                Script::Latin => Some(LetterScript::Latin),
                _ => Some(LetterScript::Other),
            };
            assert_eq!(letter_script(c), want, "{c:?}");
        }
        assert_eq!(letter_script('\u{0640}'), None, "tatweel");
    }

    #[test]
    fn two_byte_char_decodes_the_arabic_block() {
        for c in ('\u{0600}'..='\u{06FF}').chain(['\u{0080}', '\u{07FF}']) {
            let mut buf = [0u8; 4];
            let b = c.encode_utf8(&mut buf).as_bytes();
            assert_eq!(b.len(), 2);
            assert_eq!(
                ARABIC_BLOCK_LEADS.contains(&b[0]),
                ('\u{0600}'..='\u{06FF}').contains(&c)
            );
            assert_eq!(two_byte_char(b[0], b[1]), Some(c));
        }
    }

    #[test]
    fn next_byte_finds_the_first_hit_from_any_position() {
        let digit = |b: u8| b.is_ascii_digit();
        let mut text = "ا".repeat(50);
        text.push_str("call 0555 or 7");
        text.push_str(&"x".repeat(130));
        text.push('9');
        let b = text.as_bytes();
        for from in 0..=b.len() + 2 {
            let want = (from..b.len()).find(|&i| digit(b[i]));
            assert_eq!(next_byte(b, from, digit), want, "from {from}");
        }
        assert_eq!(next_byte(b"", 0, digit), None);
    }

    #[test]
    fn only_ascii_and_arabic_block_is_what_the_characters_say() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let want = c.is_ascii() || ('\u{0600}'..='\u{06FF}').contains(&c);
            // Alone, and late in a long text (past the first 64 bytes).
            let long = format!("{}{c}{}", "مرحبا hello ".repeat(9), "x".repeat(70));
            assert_eq!(only_ascii_and_arabic_block(&c.to_string()), want, "{c:?}");
            assert_eq!(only_ascii_and_arabic_block(&long), want, "{c:?}");
        }
    }

    #[test]
    fn letter_scripts_counts_as_letter_script_classes() {
        let mut text = String::new();
        let mut want = [0u32; 3];
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            text.push(c);
            match letter_script(c) {
                Some(LetterScript::Arabic) => want[0] += 1,
                Some(LetterScript::Latin) => want[1] += 1,
                Some(LetterScript::Other) => want[2] += 1,
                None => {}
            }
        }
        assert_eq!(letter_scripts(&text), want);
        assert_eq!(letter_scripts("سلام hello 123 مرحبا ـــ"), [9, 5, 0]);
        assert_eq!(letter_scripts("Привет"), [0, 0, 6]);
    }
}
