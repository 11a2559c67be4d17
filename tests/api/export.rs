//! The export core against a real database: formats, filters, formula
//! injection, the BOM, batching, and a dropped stream running no more
//! queries.

use crate::harness::TestApp;
use crate::seed::{self, Seed, day, export_text, ndjson_ids, run_export};
use futures_util::StreamExt;
use majlis::domain::CommentStatus;
use majlis::export::{self, ExportFilter, ExportFormat, ExportOptions, ExportProgress};

/// Every connection of the pool is back and idle (sqlx returns a dropped
/// connection to the pool from a background task, so allow it a moment).
async fn all_idle(pool: &sqlx::PgPool) -> bool {
    for _ in 0..50 {
        if pool.num_idle() == pool.size() as usize {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    false
}

fn csv_records(text: &str) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn csv_export_has_a_header_crlf_rows_and_arabic_intact() {
    let app = TestApp::spawn().await;
    let first = seed::insert(&app.pool, Seed::default()).await;
    seed::insert(
        &app.pool,
        Seed {
            parent: Some(first),
            name: "Omar",
            email: "omar@example.com",
            body: "سطر أول\nو\"اقتباس\", ثم",
            ..Seed::default()
        },
    )
    .await;
    let text = export_text(&app.pool, ExportFilter::default(), ExportFormat::Csv).await;
    assert!(!text.starts_with('\u{FEFF}'), "no BOM unless asked");
    assert!(text.starts_with("id,site,article_id,parent_id,author_name,author_email,"));
    assert!(text.ends_with("\r\n"));
    // Every record ends in CRLF; the only bare LF is inside the quoted body.
    assert_eq!(text.matches("\r\n").count(), 3);
    let rows = csv_records(&text);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].len(), export::FIELDS.len());
    assert_eq!(&rows[1][1], "default");
    assert_eq!(&rows[1][4], "سارة");
    assert_eq!(&rows[2][3], first.to_string().as_str());
    assert_eq!(&rows[2][8], "سطر أول\nو\"اقتباس\", ثم");
    assert_eq!(&rows[2][10], "approved");
    assert_eq!(&rows[2][13], "192.0.2.7");
}

#[tokio::test]
async fn csv_cells_that_start_a_formula_are_defused() {
    let app = TestApp::spawn().await;
    seed::insert(
        &app.pool,
        Seed {
            name: "=HYPERLINK(\"http://evil.example\",\"x\")",
            email: "+1@example.com",
            body: "-2+3",
            ..Seed::default()
        },
    )
    .await;
    seed::insert(
        &app.pool,
        Seed {
            name: "@SUM(A1:A9)",
            body: "\tcmd",
            ..Seed::default()
        },
    )
    .await;
    let rows =
        csv_records(&export_text(&app.pool, ExportFilter::default(), ExportFormat::Csv).await);
    assert_eq!(&rows[1][4], "'=HYPERLINK(\"http://evil.example\",\"x\")");
    assert_eq!(&rows[1][5], "'+1@example.com");
    assert_eq!(&rows[1][8], "'-2+3");
    assert_eq!(&rows[2][4], "'@SUM(A1:A9)");
    assert_eq!(&rows[2][8], "'\tcmd");
    // NDJSON is data, not a spreadsheet: left as stored.
    let nd = export_text(&app.pool, ExportFilter::default(), ExportFormat::Ndjson).await;
    assert!(nd.contains("\"author_name\":\"=HYPERLINK("));
}

#[tokio::test]
async fn the_bom_comes_first_only_when_asked() {
    let app = TestApp::spawn().await;
    seed::insert(&app.pool, Seed::default()).await;
    let options = ExportOptions {
        bom: true,
        ..ExportOptions::new(ExportFormat::Csv)
    };
    let bytes = run_export(&app.pool, ExportFilter::default(), options)
        .await
        .concat();
    assert!(bytes.starts_with(b"\xEF\xBB\xBFid,site,article_id,"));
    assert_eq!(bytes.windows(3).filter(|w| *w == export::BOM).count(), 1);
    // A BOM means nothing to NDJSON readers: never written there.
    let options = ExportOptions {
        bom: true,
        ..ExportOptions::new(ExportFormat::Ndjson)
    };
    let bytes = run_export(&app.pool, ExportFilter::default(), options)
        .await
        .concat();
    assert!(bytes.starts_with(b"{\""));
}

#[tokio::test]
async fn ndjson_lines_hold_the_private_view() {
    let app = TestApp::spawn().await;
    let id = seed::insert(&app.pool, Seed::default()).await;
    let text = export_text(&app.pool, ExportFilter::default(), ExportFormat::Ndjson).await;
    assert!(text.ends_with('\n'));
    let v: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    for f in export::FIELDS {
        assert!(v.get(f).is_some(), "missing {f}");
    }
    assert_eq!(v["id"], id);
    assert_eq!(v["author_email"], "sara@example.com");
    assert_eq!(v["ip"], "192.0.2.7");
    assert_eq!(v["user_agent"], "Mozilla/5.0 (X11)");
    assert_eq!(v["referrer"], "https://news.example/a");
    assert_eq!(v["status"], "approved");
    assert_eq!(v["spam_reasons"], serde_json::json!([]));
    assert_eq!(v["created_at"], "2026-11-01T00:00:00.000000Z");
}

#[tokio::test]
async fn empty_exports_are_a_header_or_nothing() {
    let app = TestApp::spawn().await;
    let csv = export_text(&app.pool, ExportFilter::default(), ExportFormat::Csv).await;
    assert_eq!(csv, format!("{}\r\n", export::FIELDS.join(",")));
    let nd = export_text(&app.pool, ExportFilter::default(), ExportFormat::Ndjson).await;
    assert_eq!(nd, "");
}

#[tokio::test]
async fn each_filter_selects_its_comments() {
    let app = TestApp::spawn().await;
    let p = &app.pool;
    let a = seed::insert(
        p,
        Seed {
            created_at: day(1),
            ..Seed::default()
        },
    )
    .await;
    let b = seed::insert(
        p,
        Seed {
            status: "spam",
            body: "b",
            created_at: day(5),
            ..Seed::default()
        },
    )
    .await;
    let c = seed::insert(
        p,
        Seed {
            article: "2024/11/other",
            body: "c",
            created_at: day(10),
            ..Seed::default()
        },
    )
    .await;
    let d = seed::insert(
        p,
        Seed {
            status: "pending",
            body: "d",
            created_at: day(20),
            ..Seed::default()
        },
    )
    .await;
    let ids = async |filter: ExportFilter| {
        ndjson_ids(&export_text(p, filter, ExportFormat::Ndjson).await)
    };
    assert_eq!(ids(ExportFilter::default()).await, vec![a, b, c, d]);
    assert_eq!(
        ids(ExportFilter {
            status: Some(CommentStatus::Spam),
            ..Default::default()
        })
        .await,
        vec![b]
    );
    assert_eq!(
        ids(ExportFilter {
            article_id: Some("2024/11/other".into()),
            ..Default::default()
        })
        .await,
        vec![c]
    );
    assert_eq!(
        ids(ExportFilter {
            since: Some(day(5)),
            ..Default::default()
        })
        .await,
        vec![b, c, d],
        "since is inclusive"
    );
    assert_eq!(
        ids(ExportFilter {
            until: Some(day(10)),
            ..Default::default()
        })
        .await,
        vec![a, b],
        "until is exclusive"
    );
    assert_eq!(
        ids(ExportFilter {
            status: Some(CommentStatus::Approved),
            article_id: Some("a1".into()),
            since: Some(day(1)),
            until: Some(day(30)),
            ..ExportFilter::default()
        })
        .await,
        vec![a]
    );
}

#[tokio::test]
async fn a_parsed_request_drives_the_stream() {
    let app = TestApp::spawn().await;
    seed::insert(
        &app.pool,
        Seed {
            status: "spam",
            ..Seed::default()
        },
    )
    .await;
    let keep = seed::insert(
        &app.pool,
        Seed {
            body: "x",
            ..Seed::default()
        },
    )
    .await;
    let req = export::ExportRequest::from_query_pairs(&[
        ("format", "ndjson"),
        ("status", "approved"),
        ("until", "2026-11-01"),
    ])
    .unwrap();
    let bytes = run_export(&app.pool, req.filter.clone(), ExportOptions::from(&req))
        .await
        .concat();
    assert_eq!(ndjson_ids(std::str::from_utf8(&bytes).unwrap()), vec![keep]);
}

#[tokio::test]
async fn rows_come_in_keyset_batches_one_chunk_each() {
    let app = TestApp::spawn().await;
    seed::insert_many(&app.pool, 2500).await;
    let progress = ExportProgress::default();
    let options = ExportOptions {
        progress: Some(progress.clone()),
        ..ExportOptions::new(ExportFormat::Ndjson)
    };
    // A pool of its own, so the server's connections do not count.
    let pool = majlis::db::connect(app.db.clone(), 2).await.unwrap();
    let chunks = run_export(&pool, ExportFilter::default(), options).await;
    assert_eq!(chunks.len(), 3);
    assert_eq!(progress.batches(), 3, "2500 rows: 1000 + 1000 + 500");
    assert_eq!(progress.rows(), 2500);
    let ids = ndjson_ids(std::str::from_utf8(&chunks.concat()).unwrap());
    assert_eq!(ids.len(), 2500);
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    // No connection is kept by the finished stream.
    assert!(all_idle(&pool).await);
}

#[tokio::test]
async fn an_exact_multiple_of_the_batch_ends_after_one_empty_look() {
    let app = TestApp::spawn().await;
    seed::insert_many(&app.pool, 10).await;
    let progress = ExportProgress::default();
    let options = ExportOptions {
        batch_size: 5,
        progress: Some(progress.clone()),
        ..ExportOptions::new(ExportFormat::Csv)
    };
    let chunks = run_export(&app.pool, ExportFilter::default(), options).await;
    assert_eq!(chunks.len(), 2);
    assert_eq!(progress.batches(), 3);
    assert_eq!(progress.rows(), 10);
}

#[tokio::test]
async fn a_dropped_stream_runs_no_further_query_and_holds_no_connection() {
    let app = TestApp::spawn().await;
    seed::insert_many(&app.pool, 100).await;
    let progress = ExportProgress::default();
    let options = ExportOptions {
        batch_size: 10,
        progress: Some(progress.clone()),
        ..ExportOptions::new(ExportFormat::Csv)
    };
    let pool = majlis::db::connect(app.db.clone(), 2).await.unwrap();
    let mut stream = Box::pin(export::stream(
        pool.clone(),
        ExportFilter::default(),
        options,
    ));
    let first = stream.next().await.unwrap().unwrap();
    let second = stream.next().await.unwrap().unwrap();
    assert!(!first.is_empty() && !second.is_empty());
    // Between polls the stream holds no connection (a slow client).
    assert!(pool.size() > 0);
    assert!(all_idle(&pool).await);
    drop(stream);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(progress.batches(), 2, "no batch query after the drop");
    assert_eq!(progress.rows(), 20);
    // And the server runs nothing for this database either.
    let running: i64 = sqlx::query_scalar(
        "select count(*) from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid()
           and state = 'active' and query like '%from comments where id >%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(running, 0);
}
