//! Character classes shared by input validation and the spam normalizer:
//! one definition of what is invisible.

use super::codes::FieldCode;

/// Bidirectional formatting controls (LRM, RLM, embeddings, overrides,
/// isolates, the Arabic letter mark).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}')
}

/// Characters that render as nothing: bidi controls, zero-width spaces and
/// joiners, word joiners, invisible operators, fillers, variation
/// selectors and tags.
pub fn is_invisible(c: char) -> bool {
    is_bidi_control(c)
        || matches!(
            c,
            '\u{200B}'..='\u{200D}'
                | '\u{2060}'..='\u{2064}'
                | '\u{206A}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{180E}'
                | '\u{034F}'
                | '\u{00AD}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{3164}'
                | '\u{FFA0}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// Whether `s` shows anything: a character that is neither white space,
/// a control character nor invisible. Required text must.
pub fn has_visible(s: &str) -> bool {
    s.chars()
        .any(|c| !c.is_whitespace() && !c.is_control() && !is_invisible(c))
}

/// Optional one-line text: at most `max` characters and no control
/// characters as sent (both checked before trimming, as the schema's
/// `maxLength` and pattern are: a trailing carriage return is refused, not
/// trimmed away), trimmed, empty reads as absent.
pub fn optional_text(v: Option<&str>, max: usize) -> Result<Option<String>, FieldCode> {
    let Some(raw) = v else {
        return Ok(None);
    };
    if raw.chars().any(char::is_control) {
        return Err(FieldCode::ControlCharacters);
    }
    // The length as sent, as the schema's `maxLength` counts it.
    if raw.chars().count() > max {
        return Err(FieldCode::TooLong { max });
    }
    let s = raw.trim();
    Ok((!s.is_empty()).then(|| s.to_owned()))
}

/// Optional free text of a few lines (a moderator's reason, a reader's
/// note): at most `max` characters as sent, no control characters but
/// line feeds (refused before trimming, as the schema's pattern does: a
/// tab or a carriage return is refused, not trimmed away), trimmed, empty
/// reads as absent.
pub fn optional_lines(v: Option<&str>, max: usize) -> Result<Option<String>, FieldCode> {
    let Some(raw) = v else {
        return Ok(None);
    };
    if raw.chars().count() > max {
        return Err(FieldCode::TooLong { max });
    }
    if raw.chars().any(|c| c.is_control() && c != '\n') {
        return Err(FieldCode::ControlCharacters);
    }
    let s = raw.trim();
    Ok((!s.is_empty()).then(|| s.to_owned()))
}

/// A token a browser keeps for majlis (a reader's report token, a
/// returning commenter's token): opaque, 16-128 letters, digits, `-` and
/// `_`, taken exactly as sent.
pub fn parse_browser_token(raw: &str) -> Result<String, FieldCode> {
    let ok = (16..=128).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(FieldCode::InvalidValue)
    }
}

/// The schema pattern of [`parse_browser_token`].
pub const BROWSER_TOKEN_PATTERN: &str = "^[A-Za-z0-9_-]+$";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_tokens_are_opaque_but_bounded() {
        assert!(parse_browser_token("0f8c2b6e-5a1d-4c3b-9e7f-1a2b3c4d5e6f").is_ok());
        assert!(parse_browser_token("short").is_err());
        assert!(parse_browser_token(&"a".repeat(129)).is_err());
        assert!(parse_browser_token("has spaces in it, sixteen+").is_err());
        assert!(parse_browser_token("0f8c2b6e5a1d4c3b9e7f\n").is_err());
    }

    #[test]
    fn lines_keep_line_feeds_and_refuse_other_controls_before_trimming() {
        assert_eq!(optional_lines(Some("a\nb"), 10), Ok(Some("a\nb".into())));
        assert_eq!(optional_lines(Some("  hi \n"), 10), Ok(Some("hi".into())));
        assert_eq!(optional_lines(Some(" \n "), 10), Ok(None));
        assert_eq!(optional_lines(None, 10), Ok(None));
        assert_eq!(
            optional_lines(Some("\t"), 10),
            Err(FieldCode::ControlCharacters)
        );
        assert_eq!(
            optional_lines(Some("a\r\nb"), 10),
            Err(FieldCode::ControlCharacters)
        );
        assert_eq!(
            optional_lines(Some("ok\u{85}"), 10),
            Err(FieldCode::ControlCharacters)
        );
        // The length as sent: white space counts.
        assert_eq!(
            optional_lines(Some(&format!("{}x", " ".repeat(10))), 10),
            Err(FieldCode::TooLong { max: 10 })
        );
        assert_eq!(optional_lines(Some("سلام"), 4), Ok(Some("سلام".into())));
    }

    #[test]
    fn one_line_text_refuses_controls_and_counts_length_before_trimming() {
        assert_eq!(optional_text(Some(" News "), 10), Ok(Some("News".into())));
        assert_eq!(optional_text(Some("   "), 10), Ok(None));
        assert_eq!(optional_text(None, 10), Ok(None));
        for sent in ["News\r", "News\n", "\tNews", "a\u{85}"] {
            assert_eq!(
                optional_text(Some(sent), 10),
                Err(FieldCode::ControlCharacters),
                "{sent:?}"
            );
        }
        assert_eq!(
            optional_text(Some(&format!("{}x", " ".repeat(10))), 10),
            Err(FieldCode::TooLong { max: 10 })
        );
        assert_eq!(optional_text(Some("أخبار"), 5), Ok(Some("أخبار".into())));
    }

    #[test]
    fn invisible_only_text_is_not_visible() {
        assert!(!has_visible("\u{2060}\u{200D}"));
        assert!(!has_visible(" \u{200B}\u{200B} \u{FEFF}"));
        assert!(!has_visible("\u{202E}\u{3164}"));
        assert!(has_visible("\u{200F}سارة"));
        assert!(has_visible("👍🏽"));
    }
}
