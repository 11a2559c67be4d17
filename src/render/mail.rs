//! What each mail says, in Arabic or English: a subject and a plain-text
//! body (no HTML: nothing a reader wrote can turn into markup or a
//! disguised link). Every mail ends with its unsubscribe link. Pure.

use crate::i18n::Lang;
use std::fmt::Write;

/// A comment as a mail mentions it.
#[derive(Debug, Clone)]
pub struct Mentioned<'a> {
    pub id: i64,
    pub author_name: &'a str,
    pub body: &'a str,
    pub article_id: &'a str,
    pub article_title: Option<&'a str>,
}

/// A mail's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailText {
    pub subject: String,
    pub body: String,
}

/// The first `max` characters of one line of `text`, with `…` when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    match flat.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

fn article(lang: Lang, c: &Mentioned<'_>) -> String {
    match (c.article_title.filter(|t| !t.trim().is_empty()), lang) {
        (Some(t), _) => excerpt(t, 120),
        (None, Lang::Ar) => format!("المقال {}", c.article_id),
        (None, Lang::En) => format!("article {}", c.article_id),
    }
}

fn footer(out: &mut String, lang: Lang, unsubscribe: &str) {
    let line = match lang {
        Lang::Ar => "لإيقاف هذه الرسائل:",
        Lang::En => "To stop these mails:",
    };
    let _ = write!(out, "\n--\n{line} {unsubscribe}\n");
}

/// To a moderator: a comment waits for review.
pub fn held(lang: Lang, c: &Mentioned<'_>, review: &str, unsubscribe: &str) -> MailText {
    let where_ = article(lang, c);
    let name = excerpt(c.author_name, 60);
    let text = excerpt(c.body, 300);
    let (subject, mut body) = match lang {
        Lang::Ar => (
            format!("تعليق بانتظار المراجعة: {where_}"),
            format!(
                "كتب {name} تعليقًا على «{where_}» ينتظر المراجعة:\n\n{text}\n\nللمراجعة: {review}\n"
            ),
        ),
        Lang::En => (
            format!("A comment waits for review: {where_}"),
            format!(
                "{name} commented on \"{where_}\"; it waits for review:\n\n{text}\n\nReview it: {review}\n"
            ),
        ),
    };
    footer(&mut body, lang, unsubscribe);
    MailText { subject, body }
}

/// To a moderator: what waits (`total` comments; `newest` lists some).
pub fn digest(
    lang: Lang,
    total: i64,
    newest: &[Mentioned<'_>],
    review: &str,
    unsubscribe: &str,
) -> MailText {
    let (subject, mut body) = match lang {
        Lang::Ar => (
            format!("تعليقات بانتظار المراجعة: {total}"),
            format!("عدد التعليقات المنتظرة: {total}. أحدثها:\n\n"),
        ),
        Lang::En => (
            format!("Comments waiting for review: {total}"),
            format!("{total} comments wait for review. The newest:\n\n"),
        ),
    };
    for c in newest {
        let _ = writeln!(
            body,
            "- {} ({}): {}",
            excerpt(c.author_name, 60),
            article(lang, c),
            excerpt(c.body, 140)
        );
    }
    let _ = match lang {
        Lang::Ar => write!(body, "\nللمراجعة: {review}\n"),
        Lang::En => write!(body, "\nReview them: {review}\n"),
    };
    footer(&mut body, lang, unsubscribe);
    MailText { subject, body }
}

/// To a reader: their comment was published.
pub fn approved(lang: Lang, c: &Mentioned<'_>, link: &str, unsubscribe: &str) -> MailText {
    let where_ = article(lang, c);
    let text = excerpt(c.body, 300);
    let (subject, mut body) = match lang {
        Lang::Ar => (
            format!("نُشر تعليقك على «{where_}»"),
            format!("نُشر تعليقك:\n\n{text}\n\nتجده هنا: {link}\n"),
        ),
        Lang::En => (
            format!("Your comment on \"{where_}\" is published"),
            format!("Your comment is published:\n\n{text}\n\nSee it here: {link}\n"),
        ),
    };
    footer(&mut body, lang, unsubscribe);
    MailText { subject, body }
}

/// To a reader: `reply` answers their comment.
pub fn reply(lang: Lang, reply: &Mentioned<'_>, link: &str, unsubscribe: &str) -> MailText {
    let where_ = article(lang, reply);
    let name = excerpt(reply.author_name, 60);
    let text = excerpt(reply.body, 300);
    let (subject, mut body) = match lang {
        Lang::Ar => (
            format!("ردّ {name} على تعليقك"),
            format!("ردّ {name} على تعليقك على «{where_}»:\n\n{text}\n\nللقراءة والرد: {link}\n"),
        ),
        Lang::En => (
            format!("{name} replied to your comment"),
            format!(
                "{name} replied to your comment on \"{where_}\":\n\n{text}\n\nRead and answer: {link}\n"
            ),
        ),
    };
    footer(&mut body, lang, unsubscribe);
    MailText { subject, body }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c() -> Mentioned<'static> {
        Mentioned {
            id: 9,
            author_name: "سارة\n<b>",
            body: "نص   التعليق\r\nفي سطرين",
            article_id: "2026/12/x",
            article_title: Some("الانتخابات"),
        }
    }

    #[test]
    fn mails_speak_the_recipients_language_and_end_with_the_unsubscribe_link() {
        let ar = held(
            Lang::Ar,
            &c(),
            "https://c.example/moderate/",
            "https://c.example/u",
        );
        assert!(ar.subject.contains("الانتخابات"), "{ar:?}");
        assert!(ar.body.contains("نص التعليق في سطرين"), "{ar:?}");
        assert!(ar.body.trim_end().ends_with("https://c.example/u"));
        let en = reply(
            Lang::En,
            &c(),
            "https://news.example/a#comment-9",
            "https://c.example/u",
        );
        assert!(en.subject.ends_with("replied to your comment"), "{en:?}");
        assert!(
            en.body
                .contains("Read and answer: https://news.example/a#comment-9")
        );
        // No control character reaches a subject (a header).
        assert!(!en.subject.chars().any(char::is_control), "{en:?}");
        let d = digest(
            Lang::En,
            12,
            &[c(), c()],
            "https://c.example/moderate/",
            "u",
        );
        assert_eq!(d.subject, "Comments waiting for review: 12");
        assert_eq!(d.body.lines().filter(|l| l.starts_with("- ")).count(), 2);
        let untitled = Mentioned {
            article_title: None,
            ..c()
        };
        assert!(
            approved(Lang::En, &untitled, "l", "u")
                .subject
                .contains("article 2026/12/x")
        );
    }

    #[test]
    fn excerpts_are_one_line_and_cut_on_characters() {
        assert_eq!(excerpt("a\n\tb  c", 10), "a b c");
        assert_eq!(excerpt("مرحبا بكم", 5), "مرحبا…");
    }
}
