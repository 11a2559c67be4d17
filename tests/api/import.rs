//! Imports against a real database: a WordPress export file (counts,
//! statuses, threads, Arabic text, idempotent re-import, a truncated file
//! leaving nothing), and the NDJSON export -> import round trip.

use crate::harness::{TestApp, comment};
use crate::seed::run_export;
use majlis::export::{ExportFilter, ExportFormat, ExportOptions};
use majlis::i18n::Lang;
use majlis::import::{self, ImportError, WordPressOptions, WordPressSummary};
use sqlx::PgPool;

const WXR: &str = include_str!("../fixtures/wordpress.xml");

async fn import_wxr(
    pool: &PgPool,
    text: &str,
    include_pings: bool,
) -> Result<WordPressSummary, ImportError> {
    let mut conn = pool.acquire().await.unwrap();
    import::import_wordpress(
        &mut conn,
        text.as_bytes(),
        WordPressOptions {
            include_pings,
            lang: Lang::Ar,
            ..WordPressOptions::default()
        },
    )
    .await
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Imported {
    id: i64,
    wp_comment_id: Option<i64>,
    article_id: String,
    parent_id: Option<i64>,
    author_name: String,
    author_email: String,
    author_url: Option<String>,
    avatar: Option<String>,
    body: String,
    body_html: String,
    status: String,
    ip: Option<String>,
    created_at: chrono::DateTime<chrono::Utc>,
}

async fn imported(pool: &PgPool) -> Vec<Imported> {
    sqlx::query_as(
        "select id, wp_comment_id, article_id, parent_id, author_name, author_email, author_url,
                avatar, body, body_html, status, host(ip) as ip, created_at
         from comments order by wp_comment_id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

fn by_wp(rows: &[Imported], wp: i64) -> &Imported {
    rows.iter()
        .find(|r| r.wp_comment_id == Some(wp))
        .unwrap_or_else(|| panic!("comment {wp} imported"))
}

#[tokio::test]
async fn a_wordpress_export_becomes_articles_and_threaded_comments() {
    let app = TestApp::spawn().await;
    let s = import_wxr(&app.pool, WXR, false).await.unwrap();
    assert_eq!(
        s,
        WordPressSummary {
            posts: 3,
            articles_created: 3,
            comments_imported: 9,
            already_imported: 0,
            pings_skipped: 2,
            duplicates: 1,
            orphans: 0,
            items_skipped: 1,
            other_types_skipped: 0,
            too_long_skipped: 0,
            empty_skipped: 0,
        }
    );
    let rows = imported(&app.pool).await;
    assert_eq!(rows.len(), 9);

    // Statuses: 1, 0, spam, trash.
    assert_eq!(by_wp(&rows, 201).status, "approved");
    assert_eq!(by_wp(&rows, 204).status, "pending");
    assert_eq!(by_wp(&rows, 205).status, "spam");
    assert_eq!(by_wp(&rows, 206).status, "rejected");

    // Threads, including a reply written before its parent.
    let (c201, c202, c203) = (by_wp(&rows, 201), by_wp(&rows, 202), by_wp(&rows, 203));
    assert_eq!(c201.parent_id, None);
    assert_eq!(c202.parent_id, Some(c201.id));
    assert_eq!(c203.parent_id, Some(c202.id));
    assert_eq!(by_wp(&rows, 302).parent_id, Some(by_wp(&rows, 301).id));

    // Arabic text, author data and dates as in the file.
    assert_eq!(c201.article_id, "101");
    assert_eq!(c201.author_name, "سارة");
    assert_eq!(c201.author_email, "Sara.Reader@Example.com");
    assert_eq!(
        c201.author_url.as_deref(),
        Some("https://sara.example/blog")
    );
    assert_eq!(
        c201.avatar.as_deref(),
        Some(majlis::domain::avatar_hash("sara.reader@example.com").as_str())
    );
    assert_eq!(
        c201.body,
        "تحليل ممتاز، شكرًا على التغطية المتواصلة.\nهل من تحديث حول المفاوضات؟"
    );
    assert!(c201.body_html.contains("تحليل ممتاز"));
    assert!(c201.body_html.contains("<br>"));
    assert_eq!(c201.ip.as_deref(), Some("192.0.2.10"));
    assert_eq!(c201.created_at.to_rfc3339(), "2024-11-20T09:15:00+00:00");
    assert_eq!(c202.ip.as_deref(), Some("2001:db8::7"));
    // Entities outside CDATA are decoded.
    let c208 = by_wp(&rows, 208);
    assert_eq!(c208.author_name, "Omar & Sons");
    assert_eq!(
        c208.body,
        "Fares rose 5% < last year's rise; see \"report\" \u{2014} thanks"
    );

    // Articles: url, title and the post's own date.
    let (url, title, created): (
        Option<String>,
        Option<String>,
        chrono::DateTime<chrono::Utc>,
    ) = sqlx::query_as("select url, title, created_at from articles where id = '101'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        url.as_deref(),
        Some("https://news.example/2024/11/strikes/")
    );
    assert_eq!(title.as_deref(), Some("إضراب عمال النقل يدخل يومه الثالث"));
    assert_eq!(created.to_rfc3339(), "2024-11-20T08:00:00+00:00");
    let articles: Vec<String> = sqlx::query_scalar("select id from articles order by id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        articles,
        vec!["101", "102", "104"],
        "the attachment is not an article"
    );

    // The approved ones are served publicly, threaded.
    let r = app.get("/api/v1/articles/101/comments").await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["comments"].as_array().unwrap().len(), 4);
    let audit: i64 =
        sqlx::query_scalar("select count(*) from audit_events where action = 'import.wordpress'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(audit, 1);
}

#[tokio::test]
async fn importing_the_same_file_again_adds_nothing() {
    let app = TestApp::spawn().await;
    import_wxr(&app.pool, WXR, false).await.unwrap();
    let before = imported(&app.pool).await;
    let again = import_wxr(&app.pool, WXR, false).await.unwrap();
    assert_eq!(again.comments_imported, 0);
    assert_eq!(again.already_imported, 9);
    assert_eq!(again.articles_created, 0);
    assert_eq!(imported(&app.pool).await, before);
    // Pings asked for later are added, once.
    let with_pings = import_wxr(&app.pool, WXR, true).await.unwrap();
    assert_eq!(with_pings.comments_imported, 2);
    assert_eq!(with_pings.pings_skipped, 0);
    let rows = imported(&app.pool).await;
    assert_eq!(rows.len(), 11);
    let ping = by_wp(&rows, 207);
    assert_eq!(ping.author_email, "");
    assert_eq!(ping.avatar, None);
    // Names are HTML in WordPress too: shown as the reader saw them.
    assert_eq!(ping.author_name, "مدونة الرصيف \u{bb} عن الإضراب");
}

#[tokio::test]
async fn a_truncated_file_names_a_line_and_imports_nothing() {
    let app = TestApp::spawn().await;
    let cut_at = WXR.find("<wp:comment_id>302").unwrap();
    let truncated = &WXR[..cut_at];
    let err = import_wxr(&app.pool, truncated, false).await.unwrap_err();
    let lines = truncated.matches('\n').count() as u64 + 1;
    match &err {
        ImportError::Xml(e) => {
            assert_eq!(e.line, lines);
            assert!(e.message.contains("end of file"), "{e}");
        }
        other => panic!("expected an XML error, got {other:?}"),
    }
    assert!(err.to_string().starts_with(&format!("line {lines}: ")));
    let (comments, articles): (i64, i64) =
        sqlx::query_as("select (select count(*) from comments), (select count(*) from articles)")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        (comments, articles),
        (0, 0),
        "posts read before the error are rolled back"
    );

    let broken = WXR.replacen("</wp:comment_author>", "</wp:comment_autor>", 1);
    let line = broken
        .lines()
        .position(|l| l.contains("</wp:comment_autor>"))
        .unwrap() as u64
        + 1;
    match import_wxr(&app.pool, &broken, false).await.unwrap_err() {
        ImportError::Xml(e) => assert_eq!(e.line, line, "{e}"),
        other => panic!("expected an XML error, got {other:?}"),
    }
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Full {
    id: i64,
    article_id: String,
    parent_id: Option<i64>,
    author_name: String,
    author_email: String,
    author_url: Option<String>,
    avatar: Option<String>,
    body: String,
    body_html: String,
    body_fingerprint: String,
    status: String,
    spam_score: f64,
    spam_reasons: serde_json::Value,
    ip: Option<String>,
    user_agent: Option<String>,
    referrer: Option<String>,
    version: i32,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

async fn full(pool: &PgPool) -> Vec<Full> {
    sqlx::query_as(
        "select id, article_id, parent_id, author_name, author_email, author_url, avatar, body,
                body_html, body_fingerprint, status, spam_score, spam_reasons, host(ip) as ip,
                user_agent, referrer, version, created_at, updated_at
         from comments order by id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn ndjson(pool: &PgPool) -> Vec<u8> {
    run_export(
        pool,
        ExportFilter::default(),
        ExportOptions::new(ExportFormat::Ndjson),
    )
    .await
    .concat()
}

#[tokio::test]
async fn an_ndjson_export_restores_into_a_fresh_database() {
    let source = TestApp::spawn().await;
    import_wxr(&source.pool, WXR, true).await.unwrap();
    // Plus comments posted to majlis itself (IP, user agent, spam reasons).
    let r = source
        .post_json(&comment("2024/11/strikes", "تعليق جديد"))
        .await;
    assert_eq!(r.status(), 201);
    let dump = ndjson(&source.pool).await;
    let original = full(&source.pool).await;
    assert_eq!(original.len(), 12);

    let target = TestApp::spawn().await;
    let mut conn = target.pool.acquire().await.unwrap();
    let s = import::import_ndjson(&mut conn, dump.as_slice())
        .await
        .unwrap();
    assert_eq!(s.records, 12);
    assert_eq!(s.comments_imported, 12);
    assert_eq!(
        s.articles_created, 3,
        "104 has no comments, so is not in the export"
    );
    assert_eq!(s.orphans, 0);
    assert_eq!(
        full(&target.pool).await,
        original,
        "same ids, statuses, threads, times"
    );

    // Again: nothing twice.
    let again = import::import_ndjson(&mut conn, dump.as_slice())
        .await
        .unwrap();
    assert_eq!(again.comments_imported, 0);
    assert_eq!(again.skipped_existing, 12);
    assert_eq!(full(&target.pool).await, original);
    // And the exports match byte for byte.
    assert_eq!(ndjson(&target.pool).await, dump);

    // The id sequence moved past the restored ids.
    let r = target
        .post_json(&comment("a-new-one", "after the restore"))
        .await;
    assert_eq!(r.status(), 201);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    assert!(id > original.iter().map(|c| c.id).max().unwrap());
}

#[tokio::test]
async fn a_filtered_export_restores_replies_without_their_parents_as_top_level() {
    let source = TestApp::spawn().await;
    import_wxr(&source.pool, WXR, false).await.unwrap();
    // Only the replies: 202 (to 201), 203 (to 202), 302 (to 301), newest first
    // in the file so a parent comes after its reply.
    let mut lines: Vec<String> = String::from_utf8(ndjson(&source.pool).await)
        .unwrap()
        .lines()
        .filter(|l| !l.contains("\"parent_id\":null"))
        .map(str::to_owned)
        .collect();
    lines.reverse();
    assert_eq!(lines.len(), 3);
    let target = TestApp::spawn().await;
    let mut conn = target.pool.acquire().await.unwrap();
    let s = import::import_ndjson(&mut conn, lines.join("\n").as_bytes())
        .await
        .unwrap();
    assert_eq!(s.comments_imported, 3);
    assert_eq!(s.orphans, 2, "201 and 301 are not in the file");
    let linked: i64 =
        sqlx::query_scalar("select count(*) from comments where parent_id is not null")
            .fetch_one(&target.pool)
            .await
            .unwrap();
    assert_eq!(linked, 1, "203 -> 202 is restored though 202 came later");
}

#[tokio::test]
async fn a_bad_ndjson_line_names_it_and_imports_nothing() {
    let app = TestApp::spawn().await;
    let source = TestApp::spawn().await;
    import_wxr(&source.pool, WXR, false).await.unwrap();
    let mut text = String::from_utf8(ndjson(&source.pool).await).unwrap();
    text.push_str("{\"id\": \"not a comment\"}\n");
    let mut conn = app.pool.acquire().await.unwrap();
    let err = import::import_ndjson(&mut conn, text.as_bytes())
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("line 10: "), "{err}");
    let n: i64 = sqlx::query_scalar("select count(*) from comments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

const WORDPRESS_COM: &str = include_str!("../fixtures/wordpress_com.xml");

#[tokio::test]
async fn only_reader_comments_are_imported_as_readers_saw_them_within_the_api_limits() {
    let app = TestApp::spawn().await;
    let file = WORDPRESS_COM.replace("LONG_BODY", &"word ".repeat(1200));
    let s = import_wxr(&app.pool, &file, true).await.unwrap();
    assert_eq!(s.comments_imported, 2, "{s:?}");
    assert_eq!(s.other_types_skipped, 3, "a note, a like and a repost");
    assert_eq!(s.too_long_skipped, 1);
    assert_eq!(s.pings_skipped, 0);
    assert!(
        s.to_string().contains("notes and reactions skipped: 3"),
        "{s}"
    );
    let rows = imported(&app.pool).await;
    assert_eq!(rows.len(), 2);
    let (c11, c12) = (by_wp(&rows, 11), by_wp(&rows, 12));
    assert_eq!(
        c11.body,
        "It\u{2019}s exactly how the 5:40 feels & sounds.\n\n\
         The timetable (https://transit.example/timetable) agrees."
    );
    assert_eq!(c12.body, "I\u{2019}d add: bring coffee.");
    assert_eq!(c12.parent_id, Some(c11.id));
    for r in &rows {
        assert!(!r.body_html.contains("&amp;#"), "{}", r.body_html);
        assert!(!r.body_html.contains("&lt;"), "{}", r.body_html);
    }
    assert!(c11.body_html.contains("https://transit.example/timetable"));
    let sources: Vec<String> = sqlx::query_scalar("select distinct import_source from comments")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(sources, vec!["https://layla.wordpress.com"]);
    // The post is a registered article with the blog's url and title.
    let (url, title, registered): (Option<String>, Option<String>, bool) =
        sqlx::query_as("select url, title, registered_at is not null from articles where id = '7'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        url.as_deref(),
        Some("https://layla.wordpress.com/2025/12/01/trams-at-dawn/")
    );
    assert_eq!(title.as_deref(), Some("Trams at dawn"));
    assert!(registered);
    let v: serde_json::Value = app
        .get("/api/v1/articles/7/comments")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 2);
}

#[tokio::test]
async fn another_wordpress_com_blog_is_another_source_and_huge_comments_are_skipped() {
    let app = TestApp::spawn().await;
    let first = WORDPRESS_COM.replace("LONG_BODY", "short enough");
    let s = import_wxr(&app.pool, &first, false).await.unwrap();
    assert_eq!(s.comments_imported, 3);
    // Another blog on WordPress.com: the same wp:base_site_url and the same
    // comment ids, and a comment of 2 MiB (never held whole while reading).
    let second = WORDPRESS_COM
        .replace("layla.wordpress.com", "omar.wordpress.com")
        .replace("<wp:post_id>7</wp:post_id>", "<wp:post_id>8</wp:post_id>")
        .replace("karim@example.org", "karim@example.com")
        .replace("nadia@example.net", "nadia@example.com")
        .replace("LONG_BODY", &"y".repeat(2 << 20));
    let s = import_wxr(&app.pool, &second, false).await.unwrap();
    assert_eq!(s.already_imported, 0, "{s:?}");
    assert_eq!(s.comments_imported, 2, "{s:?}");
    assert_eq!(s.too_long_skipped, 1);
    let per_source: Vec<(String, i64)> =
        sqlx::query_as("select import_source, count(*) from comments group by 1 order by 1")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        per_source,
        vec![
            ("https://layla.wordpress.com".to_owned(), 3),
            ("https://omar.wordpress.com".to_owned(), 2)
        ]
    );
    let longest: i32 = sqlx::query_scalar("select max(char_length(body)) from comments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(longest <= 5000);
}
