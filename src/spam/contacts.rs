//! Counting what a comment offers to be contacted through, in normalised
//! text: phone numbers, `@handles` and hashtags. Pure; read by the facts
//! the rules score (`facts`) and by the learner's tokenizer (`bayes`).

use super::chars::{is_letter, is_word_char, next_byte};

/// `#tag`s: a `#` at the start or after a non-word character, then a letter
/// or digit (`#1` counts, `C#` and `&#39;` do not).
pub fn count_hashtags(text: &str) -> u32 {
    if !text.contains('#') {
        return 0;
    }
    let mut n = 0;
    let mut prev = ' ';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '#'
            && !is_word_char(prev)
            && !matches!(prev, '&' | '#')
            && chars.peek().is_some_and(|d| is_word_char(*d))
        {
            n += 1;
        }
        prev = c;
    }
    n
}

/// Count phone numbers in normalised text: 9-15 digits, possibly grouped by
/// single spaces, dashes, dots or brackets, that start with `+`, `00`, a
/// trunk `0` or (ungrouped, 11-13 digits) a common country code.
pub fn count_phones(text: &str) -> u32 {
    // Every character the scan looks at is ASCII (`+`, digits, separators),
    // so it walks bytes; only the neighbours it tests for letters are
    // decoded. A byte of a multi-byte character is never ASCII.
    let chars = text.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while let Some(at) = next_byte(chars, i, |b| b == b'+' || b.is_ascii_digit()) {
        i = at;
        let c = chars[i];
        let starts =
            (c == b'+' && chars.get(i + 1).is_some_and(u8::is_ascii_digit)) || c.is_ascii_digit();
        if !starts || text[..i].chars().next_back().is_some_and(is_word_char) {
            i += 1;
            continue;
        }
        let plus = c == b'+';
        let mut digits = String::new();
        let mut grouped = false;
        let mut j = if plus { i + 1 } else { i };
        while j < chars.len() {
            let d = chars[j];
            if d.is_ascii_digit() {
                digits.push(char::from(d));
                j += 1;
                continue;
            }
            // Up to two separators between digit groups: `+1 (505) 555-0147`.
            let is_sep = |x: u8| matches!(x, b' ' | b'-' | b'.' | b'(' | b')');
            let mut k = j;
            while k < chars.len() && k < j + 2 && is_sep(chars[k]) {
                k += 1;
            }
            let resumes = k > j && chars.get(k).is_some_and(u8::is_ascii_digit);
            if resumes && (!digits.is_empty() || chars[j] == b'(') {
                grouped = true;
                j = k;
            } else {
                break;
            }
        }
        let followed_by_letter = text[j..].chars().next().is_some_and(is_letter);
        let len = digits.len();
        let b = digits.as_bytes();
        let trunk = b.len() > 1 && b[0] == b'0' && b[1] != b'0';
        let intl = plus || digits.starts_with("00");
        let country = !grouped
            && (11..=13).contains(&len)
            && [
                "966", "971", "965", "974", "973", "968", "20", "212", "213", "216", "962", "961",
                "963", "964", "967", "218", "249", "90", "44", "1", "91", "92", "234",
            ]
            .iter()
            .any(|cc| digits.starts_with(cc));
        if (9..=15).contains(&len) && !followed_by_letter && (intl || trunk || country) {
            n += 1;
        }
        i = j.max(i + 1);
    }
    n
}

/// Count `@handle`s (not e-mail addresses): `@` after a space or at the
/// start, then four or more of `[a-z0-9_.]`.
pub fn count_handles(text: &str) -> u32 {
    if !text.contains('@') {
        return 0;
    }
    let mut n = 0;
    let mut prev = ' ';
    let it = text.char_indices().peekable();
    for (i, c) in it {
        if c == '@' && !is_word_char(prev) {
            let len = text[i + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
                .count();
            if len >= 4 {
                n += 1;
            }
        }
        prev = c;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_in_both_alphabets() {
        assert_eq!(count_phones("call 0551234567 now"), 1);
        assert_eq!(count_phones("+966 55 123 4567"), 1);
        assert_eq!(count_phones("00201012345678"), 1);
        assert_eq!(count_phones("966551234567"), 1);
        assert_eq!(count_phones("0 5 5 1 2 3 4 5 6 7"), 1);
        assert_eq!(count_phones("WhatsApp +1 (505) 555-0147 now"), 1);
        assert_eq!(count_phones("call (050) 123 4567"), 1);
        // Dates, years, casualty counts and money are not phones.
        assert_eq!(
            count_phones("2024-03-15, in 2014 2015 2016, 1,250 killed, 3500000000 dollars"),
            0
        );
        assert_eq!(
            count_phones("قتل 150 شخصا في 12/3/2024 و 2000000000 دولار"),
            0
        );
    }
}
