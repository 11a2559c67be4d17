//! An article's thread and comment form as server-rendered HTML, for pages
//! without JavaScript (`GET /embed/articles/{article_id}`): as a
//! server-side include, an iframe, or the embed script's first paint.
//!
//! Pure: the route gathers the comments and the article; this builds the
//! markup. Every text is escaped; bodies arrive as the sanitized
//! `body_html`. Classes are prefixed `majlis-`, and the markup carries the
//! same `data-*` hooks as the script's widget.

use super::escape_html;
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::fmt::Write;

/// Replies nest this many levels; deeper ones are listed flat under the
/// last level, each saying whom it answers.
pub const MAX_DEPTH: usize = 3;

/// One approved comment as the thread shows it.
#[derive(Debug, Clone)]
pub struct ThreadComment {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub author_name: String,
    pub author_url: Option<String>,
    /// Sanitized HTML (`render::body_html`).
    pub body_html: String,
    pub created_at: DateTime<Utc>,
}

/// What the page shows.
#[derive(Debug, Clone)]
pub struct ThreadPage<'a> {
    pub lang: Lang,
    pub site: &'a str,
    pub article_id: &'a str,
    /// Where the form goes back to after a post (`redirect_to`).
    pub article_url: Option<&'a str>,
    /// One page of comments, oldest first.
    pub comments: &'a [ThreadComment],
    /// Approved comments in all.
    pub total: i64,
    pub closed: bool,
    /// The next page of this fragment, when there is one.
    pub more_href: Option<String>,
    /// Where the form posts (`/api/v1/comments`, absolute with
    /// `MAJLIS_PUBLIC_URL`).
    pub form_action: &'a str,
    /// The comment a reply link chose (`?reply_to=`).
    pub reply_to: Option<i64>,
    /// The reply links' base (`?reply_to=` is appended).
    pub reply_href: &'a str,
    /// The server sends mail: offer "email me about replies".
    pub notifications: bool,
}

/// The comments in display order with their depth (0 for top level) and
/// whether they were moved up to the last level: a comment whose parent is
/// not on the page starts a thread of its own; replies follow their
/// parent, nested up to [`MAX_DEPTH`] levels, deeper ones flat at the last
/// level.
pub fn nest(comments: &[ThreadComment]) -> Vec<(usize, bool, &ThreadComment)> {
    let on_page: HashMap<i64, usize> = comments
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let mut children: HashMap<i64, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, c) in comments.iter().enumerate() {
        match c.parent_id.filter(|p| on_page.contains_key(p)) {
            Some(p) => children.entry(p).or_default().push(i),
            None => roots.push(i),
        }
    }
    let mut out = Vec::with_capacity(comments.len());
    // An explicit stack (depth-first, children in page order): a long
    // chain of replies cannot overflow the call stack.
    let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|&i| (i, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        let c = &comments[i];
        out.push((depth.min(MAX_DEPTH - 1), depth >= MAX_DEPTH, c));
        if let Some(kids) = children.get(&c.id) {
            stack.extend(kids.iter().rev().map(|&k| (k, depth + 1)));
        }
    }
    out
}

struct Text {
    count_one: &'static str,
    count_many: &'static str,
    none_yet: &'static str,
    reply: &'static str,
    reply_to: &'static str,
    leave: &'static str,
    note: &'static str,
    name: &'static str,
    email: &'static str,
    website: &'static str,
    comment: &'static str,
    post: &'static str,
    closed: &'static str,
    more: &'static str,
    cancel_reply: &'static str,
    honeypot: &'static str,
    notify: &'static str,
}

fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::En => &Text {
            count_one: "1 comment",
            count_many: "{n} comments",
            none_yet: "No comments yet.",
            reply: "Reply",
            reply_to: "In reply to",
            leave: "Leave a comment",
            note: "Your email address will not be published. Required fields are marked *",
            name: "Name",
            email: "Email",
            website: "Website",
            comment: "Comment",
            post: "Post Comment",
            closed: "Comments are closed.",
            more: "More comments",
            cancel_reply: "Cancel reply",
            honeypot: "Leave this field empty",
            notify: "Email me when my comment is published and when someone replies.",
        },
        Lang::Ar => &Text {
            count_one: "تعليق واحد",
            count_many: "{n} تعليقات",
            none_yet: "لا تعليقات بعد.",
            reply: "رد",
            reply_to: "ردًّا على",
            leave: "اترك تعليقاً",
            note: "لن يتم نشر عنوان بريدك الإلكتروني. الحقول الإلزامية مشار إليها بـ *",
            name: "الاسم",
            email: "البريد الإلكتروني",
            website: "الموقع الإلكتروني",
            comment: "التعليق",
            post: "إرسال التعليق",
            closed: "التعليقات مغلقة.",
            more: "مزيد من التعليقات",
            cancel_reply: "إلغاء الرد",
            honeypot: "اترك هذا الحقل فارغاً",
            notify: "راسلني بالبريد عند نشر تعليقي وعند الرد عليه.",
        },
    }
}

/// "3 comments" in the page's language.
pub fn count_label(lang: Lang, n: i64) -> String {
    let t = text(lang);
    match n {
        0 => t.none_yet.to_owned(),
        1 => t.count_one.to_owned(),
        n => t.count_many.replace("{n}", &n.to_string()),
    }
}

/// Up to two letters of a name, for an avatar that needs no request.
pub fn initials(name: &str) -> String {
    let out: String = name
        .split_whitespace()
        .take(2)
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .collect();
    if out.is_empty() { "?".to_owned() } else { out }
}

/// The whole fragment: `<section class="majlis">` with the count, the
/// thread, "more", and the form (or a note that comments are closed).
pub fn thread_html(p: &ThreadPage<'_>) -> String {
    let t = text(p.lang);
    let dir = if p.lang == Lang::Ar { "rtl" } else { "ltr" };
    let mut out = String::with_capacity(1024 + p.comments.len() * 600);
    let _ = write!(
        out,
        "<section class=\"majlis\" id=\"majlis-thread\" lang=\"{}\" dir=\"{dir}\" data-article-id=\"{}\">\
         <h2 class=\"majlis-count\">{}</h2>",
        p.lang.as_str(),
        escape_html(p.article_id),
        escape_html(&count_label(p.lang, p.total))
    );
    let names: HashMap<i64, &str> = p
        .comments
        .iter()
        .map(|c| (c.id, c.author_name.as_str()))
        .collect();
    let nested = nest(p.comments);
    out.push_str("<ol class=\"majlis-comments\">");
    let mut open = 0usize; // depth of the list we are in
    for (i, (depth, flat, c)) in nested.iter().enumerate() {
        if i > 0 {
            if *depth > open {
                out.push_str("<ol class=\"majlis-children\">");
            } else {
                out.push_str("</li>");
                for _ in *depth..open {
                    out.push_str("</ol></li>");
                }
            }
        }
        open = *depth;
        comment_html(&mut out, p, t, c, *flat, &names);
    }
    if !nested.is_empty() {
        out.push_str("</li>");
        for _ in 0..open {
            out.push_str("</ol></li>");
        }
    }
    out.push_str("</ol>");
    if let Some(href) = &p.more_href {
        let _ = write!(
            out,
            "<p><a class=\"majlis-more\" href=\"{}\">{}</a></p>",
            escape_html(href),
            t.more
        );
    }
    if p.closed {
        let _ = write!(out, "<p class=\"majlis-closed\">{}</p>", t.closed);
    } else {
        form_html(&mut out, p, t);
    }
    out.push_str("</section>");
    out
}

fn comment_html(
    out: &mut String,
    p: &ThreadPage<'_>,
    t: &Text,
    c: &ThreadComment,
    flat: bool,
    names: &HashMap<i64, &str>,
) {
    let name = escape_html(&c.author_name);
    let author = match &c.author_url {
        Some(url) => format!(
            "<a class=\"majlis-author\" href=\"{}\" rel=\"nofollow ugc noopener\">{name}</a>",
            escape_html(url)
        ),
        None => format!("<span class=\"majlis-author\">{name}</span>"),
    };
    let _ = write!(
        out,
        "<li class=\"majlis-comment\" id=\"comment-{id}\" data-comment-id=\"{id}\"><article>\
         <header><span class=\"majlis-avatar\" aria-hidden=\"true\">{initials}</span> {author} \
         <a class=\"majlis-permalink\" href=\"#comment-{id}\"><time datetime=\"{iso}\">{when}</time></a></header>",
        id = c.id,
        initials = escape_html(&initials(&c.author_name)),
        iso = c
            .created_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        when = c.created_at.format("%Y-%m-%d %H:%M UTC"),
    );
    // A reply listed flat (the thread is at its deepest) says whom it
    // answers.
    if let Some(parent) = c.parent_id {
        match names.get(&parent) {
            Some(to) if flat => {
                let _ = write!(
                    out,
                    "<p class=\"majlis-reply-to\"><a href=\"#comment-{parent}\">{} {}</a></p>",
                    t.reply_to,
                    escape_html(to)
                );
            }
            None => {
                let _ = write!(
                    out,
                    "<p class=\"majlis-reply-to\">{} #{parent}</p>",
                    t.reply_to
                );
            }
            Some(_) => {}
        }
    }
    let _ = write!(
        out,
        "<div class=\"majlis-body\" dir=\"auto\">{}</div>",
        c.body_html
    );
    if !p.closed {
        let _ = write!(
            out,
            "<a class=\"majlis-reply\" data-action=\"reply\" href=\"{}reply_to={}#respond\">{}</a>",
            escape_html(p.reply_href),
            c.id,
            t.reply
        );
    }
    out.push_str("</article>");
}

fn form_html(out: &mut String, p: &ThreadPage<'_>, t: &Text) {
    let _ = write!(
        out,
        "<form class=\"majlis-form\" id=\"respond\" method=\"post\" action=\"{}\" target=\"_top\" data-majlis=\"comment-form\">\
         <h3>{}</h3>",
        escape_html(p.form_action),
        t.leave
    );
    for (name, value) in [
        ("comment_post_ID", Some(p.article_id.to_owned())),
        ("comment_parent", Some(p.reply_to.unwrap_or(0).to_string())),
        ("site", Some(p.site.to_owned())),
        ("redirect_to", p.article_url.map(str::to_owned)),
    ] {
        if let Some(v) = value {
            let _ = write!(
                out,
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                escape_html(&v)
            );
        }
    }
    if let Some(parent) = p.reply_to {
        let _ = write!(
            out,
            "<p class=\"majlis-replying\">{} #{parent} · <a href=\"{}#respond\">{}</a></p>",
            t.reply_to,
            escape_html(p.reply_href.trim_end_matches(['?', '&'])),
            t.cancel_reply
        );
    }
    let _ = write!(out, "<p class=\"majlis-note\">{}</p>", t.note);
    for (name, label, kind, required, auto) in [
        ("author", t.name, "text", true, "name"),
        ("email", t.email, "email", true, "email"),
        ("url", t.website, "url", false, "url"),
    ] {
        let star = if required {
            " <span aria-hidden=\"true\">*</span>"
        } else {
            ""
        };
        let req = if required { " required" } else { "" };
        let _ = write!(
            out,
            "<p><label for=\"majlis-{name}\">{label}{star}</label> \
             <input id=\"majlis-{name}\" name=\"{name}\" type=\"{kind}\" autocomplete=\"{auto}\"{req}></p>"
        );
    }
    let _ = write!(
        out,
        "<p><label for=\"majlis-comment\">{} <span aria-hidden=\"true\">*</span></label> \
         <textarea id=\"majlis-comment\" name=\"comment\" rows=\"6\" required></textarea></p>\
         <p hidden><label>{} <input name=\"honeypot\" tabindex=\"-1\" autocomplete=\"off\"></label></p>",
        t.comment, t.honeypot
    );
    if p.notifications {
        let _ = write!(
            out,
            "<p><label><input type=\"checkbox\" name=\"notify_replies\" value=\"on\"> {}</label></p>",
            t.notify
        );
    }
    let _ = write!(
        out,
        "<p><button type=\"submit\">{}</button></p></form>",
        t.post
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: i64, parent: Option<i64>, name: &str, body: &str) -> ThreadComment {
        ThreadComment {
            id,
            parent_id: parent,
            author_name: name.to_owned(),
            author_url: None,
            body_html: super::super::body_html(body),
            created_at: DateTime::from_timestamp(1_800_000_000 + id, 0).unwrap(),
        }
    }

    fn page<'a>(comments: &'a [ThreadComment], lang: Lang) -> ThreadPage<'a> {
        ThreadPage {
            lang,
            site: "default",
            article_id: "2024/11/strikes",
            article_url: Some("https://news.example/2024/11/strikes/"),
            comments,
            total: comments.len() as i64,
            closed: false,
            more_href: None,
            form_action: "/api/v1/comments",
            reply_to: None,
            reply_href: "?",
            notifications: false,
        }
    }

    #[test]
    fn replies_nest_three_levels_then_list_flat_and_orphans_start_threads() {
        let cs = [
            c(1, None, "a", "x"),
            c(2, Some(1), "b", "x"),
            c(3, Some(2), "c", "x"),
            c(4, Some(3), "d", "x"),
            c(5, Some(4), "e", "x"),
            c(6, None, "f", "x"),
            c(7, Some(99), "g", "x"), // its parent is on another page
            c(8, Some(1), "h", "x"),
        ];
        let order: Vec<(usize, bool, i64)> = nest(&cs)
            .into_iter()
            .map(|(d, f, c)| (d, f, c.id))
            .collect();
        assert_eq!(
            order,
            [
                (0, false, 1),
                (1, false, 2),
                (2, false, 3),
                (2, true, 4),
                (2, true, 5),
                (1, false, 8),
                (0, false, 6),
                (0, false, 7)
            ]
        );
    }

    #[test]
    fn a_chain_of_ten_thousand_replies_renders_without_recursion() {
        let cs: Vec<ThreadComment> = (1..=10_000)
            .map(|i| c(i, (i > 1).then_some(i - 1), "n", "x"))
            .collect();
        let html = thread_html(&page(&cs, Lang::En));
        assert_eq!(html.matches("<li ").count(), 10_000);
        assert_eq!(html.matches("<ol").count(), html.matches("</ol>").count());
        assert_eq!(html.matches("<li ").count(), html.matches("</li>").count());
    }

    #[test]
    fn the_markup_is_balanced_and_says_whom_flat_replies_answer() {
        let cs = [
            c(1, None, "Layla", "first"),
            c(2, Some(1), "Omar", "second"),
            c(3, Some(2), "Sara", "third"),
            c(4, Some(3), "Huda", "fourth"),
            c(5, None, "Ali", "fifth"),
        ];
        let html = thread_html(&page(&cs, Lang::En));
        assert_eq!(html.matches("<ol").count(), html.matches("</ol>").count());
        assert_eq!(html.matches("<li ").count(), 5);
        assert_eq!(html.matches("</li>").count(), 5);
        assert!(html.contains("<h2 class=\"majlis-count\">5 comments</h2>"));
        assert!(html.contains("In reply to Sara"), "{html}");
        assert_eq!(html.matches("In reply to").count(), 1);
        assert!(
            !html.contains("In reply to Omar"),
            "nested replies need no note"
        );
        assert!(html.contains("data-comment-id=\"4\""));
        assert!(html.contains("href=\"?reply_to=3#respond\""));
    }

    #[test]
    fn every_text_is_escaped_and_the_form_has_wordpress_names() {
        let mut evil = c(
            1,
            None,
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
        );
        evil.author_url = Some("https://e.example/\"><script>".to_owned());
        let cs = [evil];
        let mut p = page(&cs, Lang::Ar);
        p.article_id = "a\"><script>";
        p.reply_to = Some(1);
        let html = thread_html(&p);
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("dir=\"rtl\""));
        for name in [
            "comment_post_ID",
            "comment_parent",
            "redirect_to",
            "author",
            "email",
            "url",
            "comment",
        ] {
            assert!(html.contains(&format!("name=\"{name}\"")), "{name}");
        }
        assert!(html.contains("name=\"comment_parent\" value=\"1\""));
        assert!(html.contains("value=\"https://news.example/2024/11/strikes/\""));
        assert!(html.contains("لن يتم نشر عنوان بريدك الإلكتروني"));
        assert!(
            html.contains("<p hidden>"),
            "the honeypot is hidden from people and readers"
        );
    }

    #[test]
    fn a_closed_article_shows_no_form_and_no_reply_links() {
        let cs = [c(1, None, "a", "x")];
        let mut p = page(&cs, Lang::En);
        p.closed = true;
        let html = thread_html(&p);
        assert!(!html.contains("<form"));
        assert!(!html.contains("data-action=\"reply\""));
        assert!(html.contains("Comments are closed."));
        assert_eq!(count_label(Lang::Ar, 0), "لا تعليقات بعد.");
        assert_eq!(count_label(Lang::En, 1), "1 comment");
        assert_eq!(initials("ليلى حسن"), "لح");
        assert_eq!(initials("  "), "?");
    }
}
