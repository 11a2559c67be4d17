//! The UAX #29 words of normalised text (`unicode_words`), with a fast path
//! for what normalised text is made of: words of ASCII or Arabic letters and
//! digits separated by single spaces, now and then with punctuation at
//! their ends. The result is always exactly `text.unicode_words()` (the
//! tests compare both on the whole differential corpus and on random text
//! built to hit every boundary rule).
//!
//! Why a space-separated chunk can be segmented on its own: no word
//! boundary rule joins a character to a following space except space to
//! space (WB3d), and one joins a space to the next character only when that
//! character is Extend, Format or ZWJ (WB4) or another space; the rules
//! that look past a neighbour (WB6, WB7, WB11, WB12, WB15, WB16) fail alike
//! on a space and on the start or end of the text. So a chunk that starts
//! with a character of [`starts_alone`] has the same segments alone as in
//! its text; a chunk that starts with anything else sends the whole text
//! to the library.

use unicode_segmentation::UnicodeSegmentation;

use super::chars::{ARABIC_BLOCK_LEADS, two_byte_char};

/// Letters and digits that UAX #29 never separates from one another
/// (ALetter or Numeric): ASCII letters and digits, and the Arabic letters
/// and digits of U+0620-U+06FF other than tatweel and the marks. A test
/// checks each against the library.
#[inline]
pub(crate) fn joining(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '\u{0620}'..='\u{063F}' | '\u{0641}'..='\u{064A}' | '\u{0660}'..='\u{0669}' | '\u{066E}'..='\u{066F}' | '\u{0671}'..='\u{06D3}' | '\u{06D5}' | '\u{06EE}'..='\u{06FC}' | '\u{06FF}')
}

/// Characters a chunk may start with and still be segmented on its own:
/// none is Extend, Format, ZWJ or a space in UAX #29 (a test checks that a
/// space before each is a boundary), so the space before the chunk never
/// takes it into its segment. ASCII, the joining letters, Latin-1 and
/// general punctuation (quotes, dashes, ellipsis), Arabic punctuation.
#[inline]
fn starts_alone(c: char) -> bool {
    c.is_ascii()
        || joining(c)
        || matches!(c, '\u{00A1}'..='\u{00AC}' | '\u{00AE}'..='\u{00BF}' | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205E}' | '\u{060C}' | '\u{061B}' | '\u{061E}' | '\u{061F}' | '\u{066A}'..='\u{066D}' | '\u{06D4}')
}

/// ASCII punctuation and symbols (not `_`, which joins words): at either
/// end of a chunk, each is a segment of its own without a letter or digit.
#[inline]
fn edge(c: char) -> bool {
    c.is_ascii_graphic() && !c.is_ascii_alphanumeric() && c != '_'
}

/// `text.unicode_words().collect()`.
pub(crate) fn unicode_words(text: &str) -> Vec<&str> {
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        // The chunk up to the next space or line feed (both ASCII, so
        // both ends are character boundaries).
        let end = bytes[at..]
            .iter()
            .position(|b| matches!(b, b' ' | b'\n'))
            .map_or(bytes.len(), |k| at + k);
        let Some(chunk) = text.get(at..end) else {
            return text.unicode_words().collect();
        };
        at = end + 1;
        let Some(first) = chunk.chars().next() else {
            continue;
        };
        if let Some(core) = plain_core(chunk) {
            if !core.is_empty() {
                out.push(core);
            }
        } else if starts_alone(first) {
            out.extend(chunk.unicode_words());
        } else {
            return text.unicode_words().collect();
        }
    }
    out
}

/// The one word of a chunk made of edge characters, a run of joining
/// characters and edge characters (`Some("")` for edges alone); `None` for
/// any other chunk. Reads bytes: an edge character is one ASCII byte, and a
/// joining character is an ASCII letter or digit or a two-byte character
/// led by 0xD8-0xDB (U+0600-U+06FF).
fn plain_core(chunk: &str) -> Option<&str> {
    let b = chunk.as_bytes();
    let is_edge = |x: &u8| edge(char::from(*x));
    let start = b.iter().position(|x| !is_edge(x)).unwrap_or(b.len());
    let mut end = start;
    loop {
        match b.get(end) {
            Some(x) if x.is_ascii_alphanumeric() => end += 1,
            Some(&lead) if ARABIC_BLOCK_LEADS.contains(&lead) => {
                let Some(&cont) = b.get(end + 1) else { break };
                if two_byte_char(lead, cont).is_some_and(joining) {
                    end += 2;
                } else {
                    break;
                }
            }
            _ => break,
        }
    }
    if b.get(end..)?.iter().all(is_edge) {
        chunk.get(start..end)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(s: &str) -> usize {
        s.split_word_bounds().count()
    }

    #[test]
    fn joining_characters_are_letters_or_digits_the_library_never_splits() {
        for c in (0..0x800)
            .filter_map(char::from_u32)
            .filter(|c| joining(*c))
        {
            assert!(c.is_alphanumeric(), "{c:?}");
            for s in [
                format!("a{c}"),
                format!("{c}a"),
                format!("1{c}"),
                format!("{c}1"),
                format!("{c}{c}"),
            ] {
                assert_eq!(segments(&s), 1, "{c:?} in {s:?}");
            }
        }
    }

    #[test]
    fn a_space_before_a_chunk_never_joins_its_first_character() {
        for c in (0..0x3000)
            .filter_map(char::from_u32)
            .filter(|c| starts_alone(*c))
        {
            if c == ' ' || c == '\n' {
                continue;
            }
            assert_eq!(segments(&format!(" {c}")), 2, "{c:?}");
        }
    }

    #[test]
    fn edge_characters_stand_alone_next_to_words() {
        for c in (0..0x80u8).map(char::from).filter(|c| edge(*c)) {
            assert!(!c.is_alphanumeric());
            for s in [
                format!("{c}a"),
                format!("{c}1"),
                format!("a{c}"),
                format!("1{c}"),
            ] {
                assert_eq!(segments(&s), 2, "{c:?} in {s:?}");
            }
        }
    }

    /// Random space-separated chunks of characters that play a part in the
    /// boundary rules, compared with the library on the whole text.
    #[test]
    fn agrees_with_the_library_on_random_text() {
        const POOL: &[&str] = &[
            "a",
            "Z",
            "7",
            "ب",
            "ي",
            "٣",
            "۵",
            "پ",
            "ە",
            "ـ",
            "\u{064E}",
            "\u{0651}",
            "\u{0670}",
            "\u{0301}",
            "\u{093E}",
            "\u{200D}",
            "\u{200C}",
            "\u{00AD}",
            "\u{2060}",
            "\u{FE0F}",
            ".",
            ",",
            ";",
            ":",
            "'",
            "\"",
            "’",
            "_",
            "-",
            "(",
            ")",
            "#",
            "@",
            "$",
            "!",
            "؟",
            "،",
            "٫",
            "٬",
            "\u{00A0}",
            "\u{3000}",
            "\t",
            "\r",
            "א",
            "ש",
            "カ",
            "ー",
            "中",
            "😀",
            "👨",
            "🇸",
            "🇦",
            "ก",
            "한",
            "\u{1F3FB}",
            "é",
            "ß",
            "ω",
            "д",
            "\u{2126}",
            "ﬁ",
            "①",
            "²",
            "“",
            "”",
            "‘",
            "«",
            "»",
            "—",
            "…",
            "·",
            "؛",
            "٪",
            "۔",
            "‿",
            "¡",
            "ª",
            "µ",
            "\u{2028}",
        ];
        let mut x: u64 = 0x0123_4567_89ab_cdef;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        for _ in 0..20_000 {
            let mut s = String::new();
            for _ in 0..next(12) {
                match next(6) {
                    0 => s.push(' '),
                    1 => s.push('\n'),
                    _ => s.push_str(POOL[next(POOL.len())]),
                }
            }
            let want: Vec<&str> = s.unicode_words().collect();
            assert_eq!(unicode_words(&s), want, "{s:?}");
        }
    }

    #[test]
    fn ordinary_text_takes_the_fast_path_and_punctuation_stays_out() {
        assert_eq!(
            unicode_words("قال الوزير: \"سنرى\". don't stop (now)!"),
            vec!["قال", "الوزير", "سنرى", "don't", "stop", "now"]
        );
        assert_eq!(unicode_words("3.5 e.g. a_b"), vec!["3.5", "e.g", "a_b"]);
    }
}
