//! Importing a WordPress export file: posts become registered articles (id
//! = the WordPress post id), their comments keep author, email, URL, IP,
//! date, text, status and threads. One transaction per file: a bad file
//! leaves nothing behind. Importing the same file again adds nothing twice
//! (each comment remembers its blog, `wp:base_blog_url`, and WordPress id).
//!
//! Only what readers wrote is imported: `wp:comment_type` empty or
//! `comment` (pingbacks and trackbacks on request); editorial notes,
//! ActivityPub reactions and other types are skipped and counted. The
//! comment HTML becomes the text a reader saw ([`super::wp_html`]), and
//! the API's limits apply: a comment longer than the body limit (or over
//! [`super::wxr::TEXT_CAP`] bytes in the file) is skipped and counted,
//! never truncated, since a cut comment says something its author did not;
//! names are cut to 100 characters, and over-long emails and addresses are
//! dropped.

use super::ImportError;
use super::wxr::{WxrComment, WxrPost, WxrReader};
use crate::db;
use crate::db::import::ImportedComment;
use crate::domain::comment::{DEFAULT_MAX_BODY, MAX_EMAIL, MAX_NAME, MAX_URL};
use crate::domain::{ArticleId, CommentStatus, SiteId, avatar_hash};
use crate::i18n::{Lang, Msg};
use crate::{render, spam};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Acquire, PgConnection};
use std::collections::HashMap;
use std::io::BufRead;
use std::net::IpAddr;
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone)]
pub struct WordPressOptions {
    /// The site the posts belong to (`default` unless told; it must exist).
    pub site: SiteId,
    /// Import pingbacks and trackbacks too (skipped by default).
    pub include_pings: bool,
    /// The language of the name given to comments without one.
    pub lang: Lang,
    /// The longest body imported, in characters (`MAJLIS_MAX_BODY_CHARS`).
    pub max_body_chars: usize,
}

impl Default for WordPressOptions {
    fn default() -> Self {
        WordPressOptions {
            site: SiteId::default(),
            include_pings: false,
            lang: Lang::default(),
            max_body_chars: DEFAULT_MAX_BODY,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WordPressSummary {
    /// Posts and pages read (each is an article).
    pub posts: u64,
    pub articles_created: u64,
    pub comments_imported: u64,
    /// Comments imported by an earlier run of the same file.
    pub already_imported: u64,
    pub pings_skipped: u64,
    /// Comments refused as the same text by the same author on the same
    /// article as a comment already stored (their replies attach to it).
    pub duplicates: u64,
    /// Replies whose parent is not in the file; imported as top-level.
    pub orphans: u64,
    /// Items that are neither posts nor pages and have no comments
    /// (attachments, menu items, ...).
    pub items_skipped: u64,
    /// Entries that are not reader comments: WordPress 6.9 editorial
    /// `note`s, ActivityPub `like`/`repost` reactions, other plugin types.
    pub other_types_skipped: u64,
    /// Comments longer than the body limit; skipped, not cut.
    pub too_long_skipped: u64,
    /// Comments with no text left once their HTML is read.
    pub empty_skipped: u64,
}

impl std::fmt::Display for WordPressSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "posts: {}, articles created: {}, comments imported: {}, already imported: {}, \
             duplicates skipped: {}, pings skipped: {}, orphan replies made top-level: {}, \
             other items skipped: {}, notes and reactions skipped: {}, \
             too long skipped: {}, empty skipped: {}",
            self.posts,
            self.articles_created,
            self.comments_imported,
            self.already_imported,
            self.duplicates,
            self.pings_skipped,
            self.orphans,
            self.items_skipped,
            self.other_types_skipped,
            self.too_long_skipped,
            self.empty_skipped
        )
    }
}

/// `wp:comment_approved` -> status: `1` approved, `0` pending, `spam`,
/// `trash` (and `post-trashed`) rejected; anything else pending.
pub fn status_of(approved: &str) -> CommentStatus {
    match approved.trim() {
        "1" | "approve" | "approved" => CommentStatus::Approved,
        "spam" => CommentStatus::Spam,
        "trash" | "post-trashed" => CommentStatus::Rejected,
        _ => CommentStatus::Pending,
    }
}

/// Indices of `items` (`(id, parent)` pairs) ordered so that every parent
/// comes before its replies; file order otherwise. A parent that is
/// missing, or part of a cycle, does not hold anything back.
pub fn parents_first(items: &[(i64, i64)]) -> Vec<usize> {
    let index: HashMap<i64, usize> = items
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    // 0 unseen, 1 on the current chain, 2 placed
    let mut state = vec![0u8; items.len()];
    let mut order = Vec::with_capacity(items.len());
    for start in 0..items.len() {
        let mut chain = Vec::new();
        let mut cur = Some(start);
        while let Some(i) = cur {
            if state[i] != 0 {
                break;
            }
            state[i] = 1;
            chain.push(i);
            let parent = items[i].1;
            cur = (parent != 0).then(|| index.get(&parent).copied()).flatten();
        }
        for &i in chain.iter().rev() {
            state[i] = 2;
            order.push(i);
        }
    }
    order
}

/// A WordPress comment turned into what a row holds.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedComment {
    pub author_name: String,
    pub author_email: String,
    pub author_url: Option<String>,
    pub avatar: Option<String>,
    pub body: String,
    pub body_html: String,
    pub body_fingerprint: String,
    pub status: CommentStatus,
    pub ip: Option<IpAddr>,
    pub created_at: DateTime<Utc>,
}

fn one_line(s: &str) -> String {
    s.trim()
        .nfc()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Why a WordPress comment is not imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    TooLong,
    Empty,
}

/// Pure: the row for a WordPress comment, rendered and fingerprinted as a
/// submission would be. Its HTML becomes the text a reader saw; the API's
/// limits apply (see the module documentation).
pub fn prepare(
    c: &WxrComment,
    post_date: Option<DateTime<Utc>>,
    lang: Lang,
    max_body_chars: usize,
) -> Result<PreparedComment, Skip> {
    if c.content_truncated {
        return Err(Skip::TooLong);
    }
    let name: String = one_line(&super::wp_html::to_text(&c.author))
        .chars()
        .take(MAX_NAME)
        .collect();
    let email = Some(one_line(&c.author_email))
        .filter(|e| e.chars().count() <= MAX_EMAIL)
        .unwrap_or_default();
    let url = one_line(&c.author_url);
    let url = (url.chars().count() <= MAX_URL
        && url::Url::parse(&url).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        }))
    .then_some(url);
    let body: String = super::wp_html::to_text(&c.content)
        .nfc()
        .map(|ch| {
            if ch.is_control() && ch != '\n' && ch != '\t' {
                ' '
            } else {
                ch
            }
        })
        .collect();
    let body = body.trim().to_owned();
    if body.is_empty() {
        return Err(Skip::Empty);
    }
    if body.chars().count() > max_body_chars {
        return Err(Skip::TooLong);
    }
    Ok(PreparedComment {
        author_name: if name.is_empty() {
            lang.text(Msg::Anonymous)
        } else {
            name
        },
        avatar: (!email.is_empty()).then(|| avatar_hash(&email)),
        author_email: email,
        author_url: url,
        body_html: render::body_html(&body),
        body_fingerprint: spam::fingerprint(&body),
        body,
        status: status_of(&c.approved),
        ip: c.author_ip.trim().parse().ok(),
        created_at: c.date.or(post_date).unwrap_or_else(Utc::now),
    })
}

/// Imports a WXR file read from `input`, in one transaction.
#[tracing::instrument(skip_all, fields(posts, comments))]
pub async fn import_wordpress<R: BufRead>(
    conn: &mut PgConnection,
    input: R,
    options: WordPressOptions,
) -> Result<WordPressSummary, ImportError> {
    let mut tx = conn.begin().await?;
    if !db::settings::site_exists(&mut tx, options.site.as_str()).await? {
        return Err(ImportError::Invalid {
            line: 0,
            message: format!(
                "there is no site `{}`: create it first (POST /api/v1/admin/sites)",
                options.site
            ),
        });
    }
    let mut reader = WxrReader::new(input);
    let mut summary = WordPressSummary::default();
    let mut source = String::from("unknown");
    while let Some(post) = reader.next_post()? {
        if let Some(site) = reader.site() {
            site.clone_into(&mut source);
        }
        import_post(&mut tx, &source, post, &options, &mut summary).await?;
    }
    let details = serde_json::to_value(&summary).unwrap_or_default();
    db::audit::insert(
        &mut tx,
        &db::audit::NewAuditEvent::wordpress_imported(&source, details),
    )
    .await?;
    tx.commit().await?;
    tracing::Span::current()
        .record("posts", summary.posts)
        .record("comments", summary.comments_imported);
    Ok(summary)
}

async fn import_post(
    conn: &mut PgConnection,
    source: &str,
    post: WxrPost,
    options: &WordPressOptions,
    summary: &mut WordPressSummary,
) -> Result<(), ImportError> {
    let wanted: Vec<&WxrComment> = post
        .comments
        .iter()
        .filter(|c| {
            if c.is_ping() {
                if !options.include_pings {
                    summary.pings_skipped += 1;
                }
                options.include_pings
            } else if !c.is_reader_comment() {
                summary.other_types_skipped += 1;
                false
            } else {
                true
            }
        })
        .collect();
    let is_article = matches!(post.post_type.as_str(), "post" | "page" | "");
    if post.id <= 0 || (!is_article && wanted.is_empty()) {
        summary.items_skipped += 1;
        return Ok(());
    }
    let article = ArticleId::parse(&post.id.to_string()).map_err(|_| ImportError::Invalid {
        line: 0,
        message: format!("post {} has an unusable id", post.id),
    })?;
    let article = article.as_str();
    summary.posts += 1;
    let site = options.site.as_str();
    let created = db::import::upsert_article(
        conn,
        site,
        article,
        Some(post.link.as_str()).filter(|s| !s.is_empty()),
        Some(post.title.as_str()).filter(|s| !s.is_empty()),
        post.date,
    )
    .await?;
    summary.articles_created += u64::from(created);

    let wp_ids: Vec<i64> = wanted.iter().map(|c| c.id).collect();
    // WordPress id -> our id, for everything already stored.
    let mut ours = db::import::imported_ids(conn, options.site.as_str(), source, &wp_ids).await?;
    let pairs: Vec<(i64, i64)> = wanted.iter().map(|c| (c.id, c.parent)).collect();
    for i in parents_first(&pairs) {
        let c = wanted[i];
        if ours.contains_key(&c.id) {
            summary.already_imported += 1;
            continue;
        }
        let parent_id = match c.parent {
            0 => None,
            p => {
                let found = ours.get(&p).copied();
                if found.is_none() {
                    summary.orphans += 1;
                }
                found
            }
        };
        let p = match prepare(c, post.date, options.lang, options.max_body_chars) {
            Ok(p) => p,
            Err(Skip::TooLong) => {
                summary.too_long_skipped += 1;
                continue;
            }
            Err(Skip::Empty) => {
                summary.empty_skipped += 1;
                continue;
            }
        };
        let inserted = db::import::insert_imported(
            conn,
            &ImportedComment {
                site,
                article_id: article,
                parent_id,
                author_name: &p.author_name,
                author_email: &p.author_email,
                author_url: p.author_url.as_deref(),
                avatar: p.avatar.as_deref(),
                body: &p.body,
                body_html: &p.body_html,
                body_fingerprint: &p.body_fingerprint,
                status: p.status,
                ip: p.ip,
                created_at: p.created_at,
                import_source: source,
                wp_comment_id: c.id,
            },
        )
        .await?;
        match inserted {
            Some(id) => {
                summary.comments_imported += 1;
                ours.insert(c.id, id);
            }
            None => {
                summary.duplicates += 1;
                if let Some(id) = db::import::find_duplicate(
                    conn,
                    site,
                    article,
                    &p.author_email,
                    &p.body_fingerprint,
                )
                .await?
                {
                    ours.insert(c.id, id);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordpress_statuses_map_to_ours() {
        assert_eq!(status_of("1"), CommentStatus::Approved);
        assert_eq!(status_of("0"), CommentStatus::Pending);
        assert_eq!(status_of("spam"), CommentStatus::Spam);
        assert_eq!(status_of("trash"), CommentStatus::Rejected);
        assert_eq!(status_of("post-trashed"), CommentStatus::Rejected);
        assert_eq!(status_of("weird"), CommentStatus::Pending);
    }

    #[test]
    fn parents_come_before_replies_even_when_written_after() {
        // 3 replies to 2, which replies to 1; 1 comes last in the file.
        let items = [(3, 2), (2, 1), (4, 0), (1, 0)];
        let order = parents_first(&items);
        let pos = |id: i64| {
            order
                .iter()
                .position(|&i| items[i].0 == id)
                .expect("placed")
        };
        assert_eq!(order.len(), 4);
        assert!(pos(1) < pos(2) && pos(2) < pos(3));
    }

    #[test]
    fn missing_parents_and_cycles_do_not_lose_comments() {
        let items = [(1, 99), (2, 3), (3, 2), (4, 4)];
        let mut order = parents_first(&items);
        order.sort_unstable();
        assert_eq!(order, vec![0, 1, 2, 3]);
    }

    #[test]
    fn a_comment_is_prepared_like_a_submission() {
        let c = WxrComment {
            id: 1,
            author: "  ".into(),
            author_email: " Sara@Example.com ".into(),
            author_url: "http://".into(),
            author_ip: "2001:db8::1".into(),
            date: None,
            content: " مرحبا\nبكم ".into(),
            approved: "spam".into(),
            comment_type: String::new(),
            parent: 0,
            content_truncated: false,
        };
        let post_date = Some(Utc::now());
        let p = prepare(&c, post_date, Lang::Ar, 5000).unwrap();
        assert_eq!(p.author_name, "مجهول");
        assert_eq!(p.author_email, "Sara@Example.com");
        assert_eq!(p.avatar, Some(avatar_hash("sara@example.com")));
        assert_eq!(p.author_url, None);
        assert_eq!(p.body, "مرحبا\nبكم");
        assert_eq!(p.body_html, render::body_html("مرحبا\nبكم"));
        assert_eq!(p.status, CommentStatus::Spam);
        assert_eq!(p.ip, "2001:db8::1".parse().ok());
        assert_eq!(Some(p.created_at), post_date);
    }

    fn wp(content: &str) -> WxrComment {
        WxrComment {
            id: 1,
            author: "Reader".into(),
            author_email: "reader@example.com".into(),
            content: content.into(),
            approved: "1".into(),
            ..WxrComment::default()
        }
    }

    #[test]
    fn wordpress_html_becomes_the_text_a_reader_saw() {
        let p = prepare(
            &wp("It&#8217;s <strong>bold</strong> &amp; <a href=\"https://example.org/r\">linked</a>.\n\n<p>Next</p>"),
            None,
            Lang::En,
            5000,
        )
        .unwrap();
        assert_eq!(
            p.body,
            "It\u{2019}s bold & linked (https://example.org/r).\n\nNext"
        );
        assert!(!p.body_html.contains("&amp;#8217;"));
        assert!(!p.body_html.contains("&lt;strong"));
    }

    #[test]
    fn the_api_limits_apply_to_imported_comments() {
        let long = "ع".repeat(5001);
        assert_eq!(
            prepare(&wp(&long), None, Lang::En, 5000),
            Err(Skip::TooLong)
        );
        // Markup does not count, text does.
        let marked = format!("<b>{}</b>", "a".repeat(5000));
        assert!(prepare(&wp(&marked), None, Lang::En, 5000).is_ok());
        let cut = WxrComment {
            content_truncated: true,
            ..wp("")
        };
        assert_eq!(prepare(&cut, None, Lang::En, 5000), Err(Skip::TooLong));
        assert_eq!(
            prepare(&wp("<img src=\"x.png\">"), None, Lang::En, 5000),
            Err(Skip::Empty)
        );
        let odd = WxrComment {
            author: "n".repeat(150),
            author_email: format!("{}@example.com", "e".repeat(260)),
            author_url: format!("https://example.com/{}", "u".repeat(300)),
            ..wp("fine")
        };
        let p = prepare(&odd, None, Lang::En, 5000).unwrap();
        assert_eq!(p.author_name.chars().count(), 100);
        assert_eq!(p.author_email, "");
        assert_eq!(p.avatar, None);
        assert_eq!(p.author_url, None);
    }

    #[test]
    fn only_reader_comments_are_comments() {
        for t in ["", "comment"] {
            let c = WxrComment {
                comment_type: t.into(),
                ..wp("x")
            };
            assert!(c.is_reader_comment(), "{t:?}");
        }
        for t in [
            "note",
            "like",
            "repost",
            "pingback",
            "trackback",
            "webmention",
        ] {
            let c = WxrComment {
                comment_type: t.into(),
                ..wp("x")
            };
            assert!(!c.is_reader_comment(), "{t:?}");
        }
    }
}
