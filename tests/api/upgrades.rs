//! Upgrades: a database written by the previous release is served after
//! the migrations; with `MAJLIS_MIGRATE=off` an instance refuses a schema
//! older than it needs until `majlis migrate` has run; and a schema a newer
//! release already migrated (a rolling deploy) is no error.

use crate::harness::{self, TestApp, comment};
use majlis::config::MigrateMode;
use majlis::startup::{Schema, open_database_with};
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};

/// The last migration of release 0.1.0 (CHANGELOG.md).
const RELEASE_0_1_0: i64 = 20261124000030;

/// A new database with the migrations up to `version` applied, and a
/// connection to it.
async fn database_at(version: i64) -> (sqlx::postgres::PgConnectOptions, PgConnection) {
    let db = harness::empty_database().await;
    let mut conn = PgConnection::connect_with(&db).await.unwrap();
    majlis::db::MIGRATOR
        .run_to(version, &mut conn)
        .await
        .unwrap();
    (db, conn)
}

/// A database at release 0.1.0's schema holding what that release wrote:
/// an article, a thread, a held and a spam comment, an admin, audit events.
/// Returns the database and the approved comment's id.
async fn database_of_release_0_1_0() -> (sqlx::postgres::PgConnectOptions, i64) {
    let (db, mut conn) = database_at(RELEASE_0_1_0).await;
    let hash = majlis::auth::password::hash(&SecretString::from(harness::PASSWORD)).unwrap();
    let admin: i64 = sqlx::query_scalar(
        "insert into moderators (email, display_name, role, password_hash)
         values ('editor@news.example', 'المحرر', 'admin', $1) returning id",
    )
    .bind(&hash)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    sqlx::query(
        "insert into articles (id, url, title)
         values ('2026/11/old-story', 'https://news.example/2026/11/old-story', 'قصة قديمة')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let mut ids = Vec::new();
    for (n, (status, parent)) in [
        ("approved", None),
        ("approved", Some(0)),
        ("pending", None),
        ("spam", None),
    ]
    .into_iter()
    .enumerate()
    {
        let parent: Option<i64> = parent.map(|p: usize| ids[p]);
        let id: i64 = sqlx::query_scalar(
            "insert into comments (article_id, parent_id, author_name, author_email, avatar,
                 body, body_html, body_fingerprint, status, spam_score, ip, user_agent,
                 created_at, updated_at)
             values ('2026/11/old-story', $1, 'ليلى', 'layla.old@example.com', md5('x'),
                 $2, '<p dir=\"auto\">' || $2 || '</p>', md5($2), $3, 0.5, '198.51.100.7',
                 'OldBrowser/1.0', now() - make_interval(days => 30 - $4),
                 now() - make_interval(days => 30 - $4))
             returning id",
        )
        .bind(parent)
        .bind(format!("تعليق رقم {n} من الإصدار السابق"))
        .bind(status)
        .bind(n as i32)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        sqlx::query(
            "insert into audit_events (actor, action, comment_id, new_status, details)
             values ('system', 'comment.submitted', $1, $2, '{}')",
        )
        .bind(id)
        .bind(status)
        .execute(&mut conn)
        .await
        .unwrap();
        ids.push(id);
    }
    sqlx::query(
        "insert into audit_events (actor, moderator_id, action, comment_id, old_status, new_status)
         values ('moderator', $1, 'comment.status_changed', $2, 'pending', 'approved')",
    )
    .bind(admin)
    .bind(ids[0])
    .execute(&mut conn)
    .await
    .unwrap();
    // An admin had changed settings (0.1.0 kept them in one row).
    sqlx::query(
        "update settings set data = '{\"approval_mode\": \"all\", \"max_links\": 4, \"flood_interval_seconds\": 0}', version = 7",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.ok();
    (db, ids[0])
}

#[tokio::test]
async fn what_release_0_1_0_stored_is_served_after_the_upgrade() {
    let (db, first) = database_of_release_0_1_0().await;
    let mut conn = PgConnection::connect_with(&db).await.unwrap();
    assert!(
        !majlis::db::missing_migrations(&mut conn)
            .await
            .unwrap()
            .is_empty()
    );
    majlis::db::MIGRATOR.run(&mut conn).await.unwrap();
    assert_eq!(majlis::db::missing_migrations(&mut conn).await.unwrap(), []);
    conn.close().await.ok();
    let app = TestApp::on_database(db).await;

    // Readers see the old thread, reply included.
    let page: Value = app
        .get("/api/v1/articles/2026/11/old-story/comments")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 2, "{page}");
    assert_eq!(page["comments"][0]["id"], first);
    assert_eq!(page["comments"][1]["parent_id"], first);
    assert!(page["comments"][0].get("author_email").is_none());

    // The old admin signs in with the old password and works the old queue.
    let resp = app.login("editor@news.example", harness::PASSWORD).await;
    assert_eq!(resp.status(), 200);
    let token = resp.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let queue = app.read("/api/v1/moderation/comments", &token).await;
    let held = &queue["comments"][0];
    assert_eq!(held["status"], "pending");
    assert_eq!(held["author_email"], "layla.old@example.com");
    let resp = app
        .authed(
            Method::PATCH,
            &format!("/api/v1/moderation/comments/{}", held["id"]),
            &token,
        )
        .header("If-Match", "\"1\"")
        .json(&json!({"status": "approved"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let page: Value = app
        .get("/api/v1/articles/2026/11/old-story/comments")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 3, "the decision reaches the public page");

    // The log keeps the old release's events beside the new one.
    assert_eq!(
        app.log_actions(&token, first).await,
        ["comment.status_changed", "comment.submitted"]
    );
    let log = app
        .read(
            &format!("/api/v1/moderation/log?comment_id={first}"),
            &token,
        )
        .await;
    assert_eq!(log["events"][0]["moderator_name"], "المحرر");

    // New comments join the old article.
    let resp = app
        .post_json(&comment("2026/11/old-story", "تعليق جديد بعد الترقية"))
        .await;
    assert_eq!(resp.status(), 201);

    // Everything became the default site's: the old settings, articles and
    // comments; a new edition may use the old article's id for its own.
    let settings = app.read("/api/v1/admin/settings", &token).await;
    assert_eq!(
        (&settings["approval_mode"], &settings["max_links"]),
        (&json!("all"), &json!(4))
    );
    let resp = app
        .authed(Method::GET, "/api/v1/admin/settings", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["etag"],
        "\"7\"",
        "the settings' version carries over"
    );
    let sites: Vec<(String, i64)> =
        sqlx::query_as("select site_id, count(*) from comments group by site_id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(sites, vec![("default".to_owned(), 5)]);
    let resp = app
        .authed(Method::POST, "/api/v1/admin/sites", &token)
        .json(&json!({"id": "en"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let mut other = comment("2026/11/old-story", "The English edition's own story.");
    other["site"] = json!("en");
    let resp = app.post_json(&other).await;
    assert_eq!(resp.status(), 201);
    let english: Value = app
        .get("/api/v1/articles/2026/11/old-story/comments?site=en")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        english["total"], 0,
        "held by the copied approval mode: {english}"
    );
    let old: Value = app
        .get("/api/v1/articles/2026/11/old-story/comments")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(old["total"], 3, "the old thread is untouched");
}

#[tokio::test]
async fn with_migrate_off_an_older_schema_is_refused_until_majlis_migrate_runs() {
    let (db, _) = database_of_release_0_1_0().await;
    let url = harness::url_of(&db);
    let mut config = harness::test_config();
    config.database_url = Some(SecretString::from(url.clone()));
    config.migrate = MigrateMode::Off;

    let refused = open_database_with(&config, Schema::Check).await;
    let message = format!("{:#}", refused.err().expect("an older schema is refused"));
    assert!(
        message.contains("older than this majlis needs") && message.contains("majlis migrate"),
        "{message}"
    );
    let mut conn = PgConnection::connect_with(&db).await.unwrap();
    let missing = majlis::db::missing_migrations(&mut conn).await.unwrap();
    assert!(missing.iter().all(|(v, _)| *v > RELEASE_0_1_0));
    assert!(message.contains(&missing[0].0.to_string()), "{message}");

    // The same from the command line: `serve` refuses (and names the fix),
    // `migrate` applies, then the schema is complete.
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_majlis"))
            .args(args)
            .env("DATABASE_URL", &url)
            .env("MAJLIS_MIGRATE", "off")
            .env("MAJLIS_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .output()
            .unwrap()
    };
    let out = run(&["serve"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("majlis migrate"), "{err}");
    let out = run(&["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(majlis::db::missing_migrations(&mut conn).await.unwrap(), []);
    conn.close().await.ok();
    let opened = open_database_with(&config, Schema::Check).await.unwrap();
    opened.pool.close().await;
}

/// During a rolling deploy the next release migrates first; this release's
/// instances keep starting (and migrating, in `auto`) on that schema.
#[tokio::test]
async fn a_schema_a_newer_release_migrated_is_no_error() {
    let db = harness::fresh_database().await;
    let mut conn = PgConnection::connect_with(&db).await.unwrap();
    sqlx::query(
        "insert into _sqlx_migrations (version, description, success, checksum, execution_time)
         values (29991231000000, 'from a newer release', true, '\\x00', 1)",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    majlis::db::MIGRATOR.run(&mut conn).await.unwrap();
    assert_eq!(majlis::db::missing_migrations(&mut conn).await.unwrap(), []);
    conn.close().await.ok();
    let mut config = harness::test_config();
    config.database_url = Some(SecretString::from(harness::url_of(&db)));
    for schema in [Schema::Check, Schema::Migrate] {
        let opened = open_database_with(&config, schema).await.unwrap();
        opened.pool.close().await;
    }
}

/// The last migration before each script's learner counts got a range of
/// their own (`20261218090000_learner_script_ranges.sql`).
const BEFORE_SCRIPT_RANGES: i64 = 20261217090001;

/// A site that learnt under one shared range of buckets is upgraded: the
/// counts are rebuilt from what each comment was trained with, Latin
/// features keep their buckets and Arabic ones move to the Arabic range,
/// nothing trained is lost, every instance reloads (the generation moves),
/// and a decision after the upgrade keeps the store exact.
#[tokio::test]
async fn learner_counts_of_one_shared_range_are_rebuilt_per_script() {
    use majlis::spam::features::features;
    use majlis::spam::learner::Script;
    const RANGE: i32 = 1 << 20;
    let (db, mut conn) = database_at(BEFORE_SCRIPT_RANGES).await;
    sqlx::query(
        "insert into articles (id, url, title)
         values ('2026/12/learnt', 'https://news.example/2026/12/learnt', 'خبر')",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let decided = [
        (
            "اربح المال من البيت مع افضل شركة تداول، تواصل معنا الان",
            "spam",
        ),
        (
            "Earn money from home with the best trading company, contact us now",
            "spam",
        ),
        (
            "شكرا على التقرير، الوضع في المدينة صعب منذ أسابيع",
            "approved",
        ),
    ];
    let mut ids = Vec::new();
    // What the previous release stored for each decision: the comment, its
    // training row, its features counted in the one shared range, and its
    // script's totals in its shard.
    for (n, (body, status)) in decided.into_iter().enumerate() {
        let id: i64 = sqlx::query_scalar(
            "insert into comments (article_id, author_name, author_email, avatar, body, body_html,
                 body_fingerprint, status, spam_score, ip, user_agent)
             values ('2026/12/learnt', 'قارئ', $1, md5('x'), $2, '<p dir=\"auto\">' || $2 || '</p>',
                 md5($2), $3, 0.5, '198.51.100.7', 'OldBrowser/1.0')
             returning id",
        )
        .bind(format!("reader{n}@example.com"))
        .bind(body)
        .bind(status)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        let feats: Vec<i32> = features(body, "قارئ", &format!("reader{n}@example.com"), None)
            .into_iter()
            .map(|f| i32::try_from(f).unwrap())
            .collect();
        let script = Script::of(body) as i16;
        let as_spam = status == "spam";
        sqlx::query(
            "insert into spam_training (comment_id, trained_as, features, script)
             values ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(if as_spam { "spam" } else { "ham" })
        .bind(&feats)
        .bind(script)
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::query(
            "insert into spam_features (bucket, spam, ham)
             select f, $2::int, $3::int from unnest($1::int[]) as f
             on conflict (bucket) do update
             set spam = spam_features.spam + excluded.spam, ham = spam_features.ham + excluded.ham",
        )
        .bind(&feats)
        .bind(i32::from(as_spam))
        .bind(i32::from(!as_spam))
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::query(
            "update spam_corpus_shards
             set nspam = nspam + $3, nham = nham + $4, fspam = fspam + $5, fham = fham + $6
             where shard = $1 and script = $2",
        )
        .bind(i16::try_from(id % 16).unwrap())
        .bind(script)
        .bind(i32::from(as_spam))
        .bind(i32::from(!as_spam))
        .bind(if as_spam { feats.len() as i64 } else { 0 })
        .bind(if as_spam { 0 } else { feats.len() as i64 })
        .execute(&mut conn)
        .await
        .unwrap();
        ids.push((id, feats, script));
    }
    sqlx::query("update spam_learner set generation = 41")
        .execute(&mut conn)
        .await
        .unwrap();
    let old_rows: i64 = sqlx::query_scalar("select count(*) from spam_features")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(old_rows > 60, "{old_rows}");

    majlis::db::MIGRATOR.run(&mut conn).await.unwrap();
    assert_eq!(majlis::db::missing_migrations(&mut conn).await.unwrap(), []);
    conn.close().await.ok();
    let app = TestApp::on_database(db).await;

    let generation: i64 = sqlx::query_scalar("select generation from spam_learner")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(generation, 42, "every instance reloads its copy");
    // Each comment's features are counted once, in its script's range.
    for (id, feats, script) in &ids {
        let range = if *script == Script::Latin as i16 {
            0
        } else {
            1
        };
        let counted: Vec<(i32, i32, i32)> = sqlx::query_as(
            "select bucket, spam, ham from spam_features
             where bucket = any(select f + $2 * $3 from unnest($1::int[]) as f)",
        )
        .bind(feats)
        .bind(RANGE)
        .bind(range)
        .fetch_all(&app.pool)
        .await
        .unwrap();
        assert_eq!(counted.len(), feats.len(), "comment {id}");
        assert!(counted.iter().all(|(_, s, h)| s + h >= 1), "comment {id}");
    }
    let ranges: Vec<(i32, i64, i64)> = sqlx::query_as(
        "select bucket / $1, sum(spam)::bigint, sum(ham)::bigint from spam_features
         group by 1 order by 1",
    )
    .bind(RANGE)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let sizes: Vec<i64> = ids.iter().map(|(_, f, _)| f.len() as i64).collect();
    assert_eq!(
        ranges,
        [(0, sizes[1], 0), (1, sizes[0], sizes[2])],
        "English spam in the Latin range; Arabic spam and ham in the Arabic one"
    );
    let (buckets_off, totals, trained) = crate::training::inconsistencies(&app).await;
    assert_eq!((buckets_off, totals), (0, trained));

    // A moderator reverses the Arabic ham after the upgrade: the store
    // stays what the training rows say.
    let (moderator, _) = app.login_as("moderator").await;
    let resp = app
        .authed(
            Method::PATCH,
            &format!("/api/v1/moderation/comments/{}", ids[2].0),
            &moderator,
        )
        .json(&json!({"status": "spam"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let (buckets_off, totals, trained) = crate::training::inconsistencies(&app).await;
    assert_eq!(trained[0], 3, "all three taught as spam now");
    assert_eq!((buckets_off, totals), (0, trained));
    let arabic_ham: i64 = sqlx::query_scalar(
        "select coalesce(sum(ham), 0)::bigint from spam_features where bucket >= $1",
    )
    .bind(RANGE)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(arabic_ham, 0);
}
