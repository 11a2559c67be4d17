//! Privacy requests against a real database: export everything about a
//! commenter, and erase it (anonymized comments, untrained learner,
//! audit without the email, repeated requests recognized).

use crate::harness::{TestApp, comment};
use majlis::domain::CommentStatus;
use majlis::i18n::Lang;
use majlis::usecases::privacy::{self, SubjectEmail};

async fn post(app: &TestApp, article: &str, body: &str, email: &str) -> i64 {
    let mut c = comment(article, body);
    c["author_email"] = email.into();
    let r = app.post_json(&c).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn corpus(app: &TestApp) -> (i64, i64) {
    sqlx::query_as("select sum(nspam)::bigint, sum(nham)::bigint from spam_corpus_shards")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn train(app: &TestApp, id: i64, status: CommentStatus) {
    let mut conn = app.pool.acquire().await.unwrap();
    app.set_status(id, status.as_str()).await;
    majlis::usecases::training::apply_decision(&mut conn, id, Some(status), false)
        .await
        .unwrap();
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    author_name: String,
    author_email: String,
    author_url: Option<String>,
    avatar: Option<String>,
    no_ip: bool,
    no_agent: bool,
    no_referrer: bool,
    no_commenter_key: bool,
    body: String,
    parent_id: Option<i64>,
}

fn email(s: &str) -> SubjectEmail {
    SubjectEmail::parse(s).unwrap()
}

#[tokio::test]
async fn a_person_export_holds_their_comments_and_audit_events_matched_in_any_case() {
    let app = TestApp::spawn().await;
    let a = post(&app, "a1", "تحليل ممتاز", "Sara.Reader@Example.com").await;
    let b = post(&app, "a2", "سؤال آخر", "sara.reader@example.COM").await;
    post(&app, "a1", "someone else", "other@example.com").await;
    let mut conn = app.pool.acquire().await.unwrap();
    let person = privacy::export_person(&mut conn, &email("SARA.READER@example.com"))
        .await
        .unwrap();
    let ids: Vec<i64> = person.comments.iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![a, b]);
    assert_eq!(person.summary.comments, 2);
    assert_eq!(
        person.summary.emails,
        vec!["Sara.Reader@Example.com", "sara.reader@example.COM"]
    );
    assert_eq!(person.summary.ips, vec!["127.0.0.1"]);
    assert_eq!(person.summary.articles, vec!["a1", "a2"]);
    assert_eq!(person.audit_events.len(), 2);
    assert!(
        person
            .audit_events
            .iter()
            .all(|e| e.action == "comment.submitted")
    );
    let json = serde_json::to_value(&person).unwrap();
    assert_eq!(
        json["comments"][0]["author_email"],
        "Sara.Reader@Example.com"
    );
    assert!(json["comments"][0]["status"].is_string());
    assert!(json["comments"][0]["ip"].is_string());
    assert!(json["comments"][0].get("user_agent").is_some());
    assert!(json["comments"][0].get("referrer").is_some());
}

#[tokio::test]
async fn erasure_anonymizes_keeps_text_and_threads_and_untrains_the_classifier() {
    let app = TestApp::spawn().await;
    let sara = "Sara.Reader@Example.com";
    let top = post(&app, "a1", "تحليل ممتاز للأحداث", sara).await;
    train(&app, top, CommentStatus::Approved).await;
    let mut reply = comment("a1", "رد من قارئ آخر");
    reply["author_email"] = "omar@example.com".into();
    reply["parent_id"] = top.into();
    let r = app.post_json(&reply).await;
    assert_eq!(r.status(), 201);
    let reply_id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let spam = post(&app, "a2", "buy cheap pills now", "sara.reader@example.com").await;
    train(&app, spam, CommentStatus::Spam).await;
    let (nspam, nham) = corpus(&app).await;
    assert_eq!((nspam, nham), (1, 1));
    let token_total = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("select coalesce(sum(spam + ham), 0) from spam_features")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let before = token_total(&app).await;
    assert!(before > 0);
    let keyed: i64 =
        sqlx::query_scalar("select count(*) from comments where commenter_key is not null")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(keyed > 0, "JSON posts carry a returning-commenter token");

    let mut conn = app.pool.acquire().await.unwrap();
    let report = privacy::erase_person(
        &mut conn,
        &email("SARA.reader@example.com"),
        Some(7),
        Lang::Ar,
    )
    .await
    .unwrap();
    assert_eq!(report.comments_erased, 2);
    assert_eq!(report.comment_ids, vec![top, spam]);
    assert_eq!(report.untrained, 2);
    assert!(!report.erased_before);

    let rows: Vec<Row> = sqlx::query_as(
        "select id, author_name, author_email, author_url, avatar, ip is null as no_ip,
                user_agent is null as no_agent, referrer is null as no_referrer,
                commenter_key is null as no_commenter_key, body, parent_id
         from comments order by id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let erased = &rows[0];
    assert_eq!(erased.author_name, "مجهول");
    assert_eq!(erased.author_email, "");
    assert_eq!(
        (erased.author_url.as_deref(), erased.avatar.as_deref()),
        (None, None)
    );
    assert!(erased.no_ip && erased.no_agent && erased.no_referrer);
    // The returning-commenter token's hash goes too: nothing links the
    // erased comments to each other or to the browser any more.
    assert!(erased.no_commenter_key);
    assert_eq!(erased.body, "تحليل ممتاز للأحداث", "the text stays");
    let other = rows.iter().find(|r| r.id == reply_id).unwrap();
    assert_eq!(other.parent_id, Some(top), "the thread stays");
    assert_eq!(
        other.author_email, "omar@example.com",
        "other people are untouched"
    );
    assert!(!other.no_ip);

    // The learner forgot both comments, exactly.
    assert_eq!(corpus(&app).await, (0, 0));
    assert_eq!(token_total(&app).await, 0);
    let training: i64 = sqlx::query_scalar("select count(*) from spam_training")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(training, 0);

    // Audited by the moderator, without the email anywhere in the log.
    let (actor, moderator, details): (String, Option<i64>, serde_json::Value) =
        sqlx::query_as("select actor, moderator_id, details from audit_events where id = $1")
            .bind(report.audit_event_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((actor.as_str(), moderator), ("moderator", Some(7)));
    assert_eq!(details["comments"], 2);
    assert_eq!(details["email_hmac"].as_str().unwrap().len(), 64);
    let leaks: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where details::text ilike '%sara%' or reason ilike '%sara%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(leaks, 0);
    let per_comment: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where action = 'comment.erased' and comment_id = any($1)",
    )
    .bind(&report.comment_ids)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(per_comment, 2);

    // Nothing is found about them any more.
    let person = privacy::export_person(&mut conn, &email(sara))
        .await
        .unwrap();
    assert!(person.comments.is_empty());
}

#[tokio::test]
async fn a_repeated_erasure_is_recognized_in_any_case() {
    let app = TestApp::spawn().await;
    post(&app, "a1", "hello there", "Lina@Example.net").await;
    let mut conn = app.pool.acquire().await.unwrap();
    let first = privacy::erase_person(&mut conn, &email("lina@example.net"), None, Lang::En)
        .await
        .unwrap();
    assert!(!first.erased_before);
    assert_eq!(first.comments_erased, 1);
    let name: String = sqlx::query_scalar("select author_name from comments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name, "Anonymous");
    let second = privacy::erase_person(&mut conn, &email("LINA@example.NET"), None, Lang::En)
        .await
        .unwrap();
    assert!(second.erased_before);
    assert_eq!(second.comments_erased, 0);
    let actor: String = sqlx::query_scalar("select actor from audit_events where id = $1")
        .bind(second.audit_event_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(actor, "system");
    // Someone never erased is not "erased before".
    let other = privacy::erase_person(&mut conn, &email("new@example.net"), None, Lang::En)
        .await
        .unwrap();
    assert!(!other.erased_before);
}
