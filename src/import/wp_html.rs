//! WordPress comment HTML to the text a reader saw. WordPress stores
//! comments as HTML (its allowed tags: `a`, `b`, `strong`, `em`, `i`,
//! `blockquote`, `code`, `del`, `q`, ... and entities such as `&#8217;`)
//! and shows single newlines as line breaks and blank lines as paragraphs.
//! majlis stores plain text and renders it itself, so on import the HTML
//! is read with a real HTML tokenizer (html5ever): entities are decoded,
//! tags dropped, paragraphs and line breaks kept as newlines, and a link's
//! address kept after its text when the text does not already show it.
//! Script and style contents are dropped. Pure.

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use std::cell::RefCell;

#[derive(Default)]
struct Text {
    out: String,
    /// Open links: the address and where their text starts in `out`.
    links: Vec<(Option<String>, usize)>,
    /// Inside `script` or `style`.
    skipping: bool,
}

impl Text {
    fn paragraph_break(&mut self) {
        let trailing = self.out.len() - self.out.trim_end_matches([' ', '\n', '\t']).len();
        self.out.truncate(self.out.len() - trailing);
        if !self.out.is_empty() {
            self.out.push_str("\n\n");
        }
    }

    fn close_link(&mut self) {
        let Some((href, start)) = self.links.pop() else {
            return;
        };
        let Some(href) = href else {
            return;
        };
        let shown = self.out.get(start..).unwrap_or("").trim().to_owned();
        let same = |a: &str, b: &str| {
            a.trim_end_matches('/')
                .eq_ignore_ascii_case(b.trim_end_matches('/'))
        };
        if shown.is_empty() {
            self.out.push_str(&href);
        } else if !shown.contains(href.as_str())
            && !same(&shown, &href)
            && !same(&format!("http://{shown}"), &href)
            && !same(&format!("https://{shown}"), &href)
        {
            self.out.push_str(" (");
            self.out.push_str(&href);
            self.out.push(')');
        }
    }
}

struct Sink(RefCell<Text>);

const BLOCKS: &[&str] = &[
    "p",
    "div",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "tr",
    "hr",
    "figure",
];

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut t = self.0.borrow_mut();
        match token {
            Token::CharacterTokens(s) if !t.skipping => t.out.push_str(&s),
            Token::TagToken(tag) => {
                let name: &str = &tag.name;
                match (tag.kind, name) {
                    (TagKind::StartTag, "script") => {
                        t.skipping = true;
                        return TokenSinkResult::RawData(RawKind::ScriptData);
                    }
                    (TagKind::StartTag, "style") => {
                        t.skipping = true;
                        return TokenSinkResult::RawData(RawKind::Rawtext);
                    }
                    (TagKind::EndTag, "script" | "style") => t.skipping = false,
                    (_, "br") => t.out.push('\n'),
                    (TagKind::StartTag, "a") => {
                        let href = tag
                            .attrs
                            .iter()
                            .find(|a| &*a.name.local == "href")
                            .map(|a| a.value.trim().to_owned())
                            .filter(|h| {
                                url::Url::parse(h)
                                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
                            });
                        let start = t.out.len();
                        t.links.push((href, start));
                    }
                    (TagKind::EndTag, "a") => t.close_link(),
                    (_, block) if BLOCKS.contains(&block) => t.paragraph_break(),
                    _ => {}
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// The text a reader saw of a WordPress comment's HTML: entities decoded,
/// tags removed, `<p>`/`<br>` and blank lines as paragraph and line breaks,
/// link addresses kept (`text (https://...)` unless the text shows it),
/// at most one blank line in a row, trimmed.
pub fn to_text(html: &str) -> String {
    let tokenizer = Tokenizer::new(
        Sink(RefCell::new(Text::default())),
        TokenizerOpts::default(),
    );
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let mut t = tokenizer.sink.0.into_inner();
    while !t.links.is_empty() {
        t.close_link();
    }
    tidy(&t.out.replace("\r\n", "\n").replace('\r', "\n"))
}

/// Trailing spaces off each line, at most one blank line in a row, and no
/// blank lines at either end.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank_run = 0;
    for line in s.split('\n') {
        let line = line.trim_end();
        if line.trim().is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_are_decoded_once() {
        assert_eq!(
            to_text("It&#8217;s &amp; that&#8230;"),
            "It\u{2019}s & that\u{2026}"
        );
        assert_eq!(to_text("5 &lt; 6 &gt; 4 &quot;q&quot;"), "5 < 6 > 4 \"q\"");
        // A literal `<` that is not a tag stays.
        assert_eq!(to_text("5 < 6 and 7>3"), "5 < 6 and 7>3");
    }

    #[test]
    fn tags_go_and_their_text_stays() {
        assert_eq!(
            to_text("<strong>مهم</strong> و<em>مائل</em> <code>x = 1</code>"),
            "مهم ومائل x = 1"
        );
        assert_eq!(to_text("<script>alert(1)</script>safe"), "safe");
        assert_eq!(to_text("<style>p{}</style>ok <b>then"), "ok then");
    }

    #[test]
    fn paragraphs_and_line_breaks_are_kept() {
        assert_eq!(
            to_text("<p>first</p>\n<p>second<br />line</p>"),
            "first\n\nsecond\nline"
        );
        assert_eq!(to_text("one\ntwo\n\n\n\nthree  "), "one\ntwo\n\nthree");
        assert_eq!(
            to_text("<blockquote>quoted</blockquote>reply"),
            "quoted\n\nreply"
        );
    }

    #[test]
    fn links_keep_their_address() {
        assert_eq!(
            to_text("see <a href=\"https://example.org/report\" rel=\"nofollow\">the report</a>."),
            "see the report (https://example.org/report)."
        );
        assert_eq!(
            to_text("<a href=\"https://example.org/\">https://example.org</a>"),
            "https://example.org"
        );
        assert_eq!(
            to_text("<a href=\"https://example.org/x\">example.org/x</a>"),
            "example.org/x"
        );
        assert_eq!(
            to_text("<a href=\"javascript:alert(1)\">click</a>"),
            "click"
        );
        assert_eq!(to_text("<a href=\"https://e.org/\"></a>"), "https://e.org/");
    }
}
