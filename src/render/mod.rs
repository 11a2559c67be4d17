//! The comment body as safe HTML: escaped text, paragraphs and line breaks,
//! bare links turned into anchors with `rel="nofollow ugc"`. The markup we
//! build is then passed through ammonia with a tight allow-list, so the
//! sanitizer, not our escaping alone, guarantees what reaches a page.

use ammonia::Builder;
use linkify::{LinkFinder, LinkKind};
use std::collections::HashSet;
use std::sync::LazyLock;

static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::empty();
    b.add_tags(["p", "br", "a"])
        .add_tag_attributes("a", ["href"])
        .add_tag_attributes("p", ["dir"])
        .url_schemes(HashSet::from(["http", "https"]))
        .link_rel(Some("nofollow ugc noopener"))
        .strip_comments(true);
    b
});

/// Appends `text` with the five HTML-significant characters escaped (safe
/// in element content and in quoted attribute values).
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// `text` with the five HTML-significant characters escaped.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

fn render_line(out: &mut String, line: &str, finder: &LinkFinder) {
    for span in finder.spans(line) {
        match span.kind() {
            Some(LinkKind::Url) => {
                let text = span.as_str();
                let href = if text.contains("://") {
                    text.to_owned()
                } else {
                    format!("http://{text}")
                };
                out.push_str("<a href=\"");
                escape_into(out, &href);
                out.push_str("\">");
                escape_into(out, text);
                out.push_str("</a>");
            }
            _ => escape_into(out, span.as_str()),
        }
    }
}

/// Renders a validated comment body (already trimmed, `\n` line endings).
pub fn body_html(body: &str) -> String {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]).url_must_have_scheme(false);
    let mut raw = String::with_capacity(body.len() + 32);
    let paragraphs = body
        .split("\n\n")
        .map(|p| p.trim_matches('\n'))
        .filter(|p| !p.trim().is_empty());
    for para in paragraphs {
        raw.push_str("<p dir=\"auto\">");
        for (i, line) in para.split('\n').enumerate() {
            if i > 0 {
                raw.push_str("<br>");
            }
            render_line(&mut raw, line, &finder);
        }
        raw.push_str("</p>");
    }
    SANITIZER.clean(&raw).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_not_interpreted() {
        let html = body_html("<script>alert('x')</script> & <b>bold</b>");
        assert!(!html.contains("<script"));
        assert!(!html.contains("<b>"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("&amp;"));
    }

    #[test]
    fn paragraphs_and_line_breaks() {
        let html = body_html("one\ntwo\n\nthree");
        assert_eq!(
            html,
            "<p dir=\"auto\">one<br>two</p><p dir=\"auto\">three</p>"
        );
    }

    #[test]
    fn bare_links_become_nofollow_ugc_anchors() {
        let html = body_html("see https://www.un.org/ar and bbc.com/arabic");
        assert!(html.contains("<a href=\"https://www.un.org/ar\" rel=\"nofollow ugc noopener\">"));
        assert!(html.contains("href=\"http://bbc.com/arabic\""));
    }

    #[test]
    fn javascript_links_are_never_anchors() {
        let html = body_html("javascript:alert(1)");
        assert!(!html.contains("<a"));
    }

    #[test]
    fn right_to_left_text_and_marks_survive_untouched() {
        let body = "مرحبا \u{200F}بالعالم\u{200E} 😀";
        let html = body_html(body);
        assert_eq!(html, format!("<p dir=\"auto\">{body}</p>"));
    }
}
pub mod mail;
pub mod thread;
