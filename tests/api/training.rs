//! The learner's training: an explicit decision always teaches (a
//! confirmation too, with an audit event of its own and no new version),
//! reversals and erasures untrain exactly, the admin state and reset, and
//! `majlis spam-retrain`; and under concurrency, decisions, edits, bulk
//! decisions and erasures that share features run at once without a
//! deadlock (a 500), with counts that agree with what is trained.

use crate::harness::{SeedComment, TestApp};
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

const PEOPLE: usize = 4;
const COMMENTS: usize = 32;

fn email(person: usize) -> String {
    format!("reader{person}@example.org")
}

/// Sends every request at once; returns each status with its body.
async fn all_at_once(requests: Vec<reqwest::RequestBuilder>) -> Vec<(u16, String)> {
    join_all(requests.into_iter().map(|r| async move {
        let resp = r.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap())
    }))
    .await
}

/// Feature and class counts that disagree with the training table: the
/// buckets whose counts differ, and the class totals against the training
/// rows (comments and feature occurrences per class).
pub(crate) async fn inconsistencies(app: &TestApp) -> (i64, [i64; 4], [i64; 4]) {
    let buckets: i64 = sqlx::query_scalar(
        "with expected as (
            -- each script's counts in its own range (`learner::key_in`)
            select f + 1048576 * (case script when 1 then 0 when 0 then 1 else 2 end) as b,
                   count(*) filter (where trained_as = 'spam') as spam,
                   count(*) filter (where trained_as = 'ham') as ham
            from spam_training, unnest(features) as f group by 1
         )
         select count(*) from spam_features t full join expected e on e.b = t.bucket
         where coalesce(t.spam, 0) <> coalesce(e.spam, 0) or coalesce(t.ham, 0) <> coalesce(e.ham, 0)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let totals: (i64, i64, i64, i64) = sqlx::query_as(
        "select sum(nspam)::bigint, sum(nham)::bigint, sum(fspam)::bigint, sum(fham)::bigint
         from spam_corpus_shards",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let trained: (i64, i64, i64, i64) = sqlx::query_as(
        "select count(*) filter (where trained_as = 'spam'), count(*) filter (where trained_as = 'ham'),
                coalesce(sum(cardinality(features)) filter (where trained_as = 'spam'), 0)::bigint,
                coalesce(sum(cardinality(features)) filter (where trained_as = 'ham'), 0)::bigint
         from spam_training",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    (
        buckets,
        [totals.0, totals.1, totals.2, totals.3],
        [trained.0, trained.1, trained.2, trained.3],
    )
}

#[tokio::test]
async fn concurrent_decisions_edits_and_erasures_sharing_features_never_fail_and_keep_counts_exact()
{
    let app = TestApp::spawn().await;
    let (moderator, _) = app.login_as("moderator").await;
    let (admin, _) = app.login_as("admin").await;
    let mut ids = Vec::new();
    for i in 0..COMMENTS {
        let author = email(i % PEOPLE);
        let body =
            format!("shared words in every comment, casino bonus offer and a thoughtful reply {i}");
        ids.push(
            app.seed_comment(&SeedComment {
                article_id: ["a/1", "a/2", "a/3"][i % 3],
                author_email: &author,
                body: &body,
                ..SeedComment::default()
            })
            .await,
        );
    }
    let decide = |id: i64, body: Value| {
        app.authed(
            Method::PATCH,
            &format!("/api/v1/moderation/comments/{id}"),
            &moderator,
        )
        .json(&body)
    };

    // Everything trained as ham first.
    let first = all_at_once(
        ids.iter()
            .map(|id| decide(*id, json!({"status": "approved"})))
            .collect(),
    )
    .await;
    assert!(first.iter().all(|(s, _)| *s == 200), "{first:?}");

    // Then, all at once: each comment retrained as spam (untrain ham, train
    // spam), some with an edit, a bulk decision, and two erasures.
    let mut requests = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let body = if n % 3 == 0 {
            json!({"status": "spam", "body": format!("edited: casino bonus shared words {n}")})
        } else {
            json!({"status": "spam"})
        };
        requests.push(decide(*id, body));
        if n % 4 == 1 {
            requests.push(decide(*id, json!({"status": "approved"})));
        }
        if n % 5 == 2 {
            // A confirmation of whatever it is by then, or a change.
            requests.push(decide(*id, json!({"status": "spam"})));
        }
    }
    requests.push(
        app.authed(Method::POST, "/api/v1/moderation/comments/bulk", &moderator)
            .json(&json!({"ids": ids[..COMMENTS / 2], "status": "approved"})),
    );
    for person in [1, 2] {
        requests.push(
            app.authed(Method::POST, "/api/v1/privacy/erase", &admin)
                .json(&json!({"email": email(person)})),
        );
    }
    let outcomes = all_at_once(requests).await;
    for (status, body) in &outcomes {
        assert_eq!(*status, 200, "{body}");
        assert!(!body.contains("\"ok\":false"), "a bulk item failed: {body}");
    }

    let (buckets_off, totals, trained) = inconsistencies(&app).await;
    assert_eq!(buckets_off, 0, "feature counts disagree with the training");
    assert_eq!(totals, trained, "class totals disagree with the training");
    assert!(trained[0] + trained[1] > 0, "something is trained");
}

#[tokio::test]
async fn replies_posted_while_their_parent_is_edited_never_deadlock() {
    let app = TestApp::spawn().await;
    let (moderator, _) = app.login_as("moderator").await;
    let parent = app
        .seed_comment(&SeedComment {
            article_id: "thread",
            status: "approved",
            ..SeedComment::default()
        })
        .await;
    let mut requests = Vec::new();
    for n in 0..24 {
        // A reply locks the article, then references its parent; an edit
        // locks the parent, then bumps the article.
        let mut reply = crate::harness::comment("thread", &format!("a reply, number {n}"));
        reply["parent_id"] = json!(parent);
        reply["author_email"] = json!(format!("replier{n}@example.org"));
        requests.push(app.client.post(app.url("/api/v1/comments")).json(&reply));
        requests.push(
            app.authed(
                Method::PATCH,
                &format!("/api/v1/moderation/comments/{parent}"),
                &moderator,
            )
            .json(&json!({"body": format!("the parent, edited {n} times")})),
        );
    }
    let outcomes = all_at_once(requests).await;
    for (status, body) in &outcomes {
        assert!(*status == 200 || *status == 201, "{status} {body}");
    }
}

/// `(bucket, spam, ham)` of every feature row with a count, in order.
async fn feature_rows(app: &TestApp) -> Vec<(i32, i32, i32)> {
    sqlx::query_as(
        "select bucket, spam, ham from spam_features where spam > 0 or ham > 0 order by bucket",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// The class totals: comments and feature occurrences, spam then ham.
async fn class_totals(app: &TestApp) -> (i64, i64, i64, i64) {
    sqlx::query_as(
        "select sum(nspam)::bigint, sum(nham)::bigint, sum(fspam)::bigint, sum(fham)::bigint
         from spam_corpus_shards",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn audit_actions(app: &TestApp, id: i64) -> Vec<String> {
    sqlx::query_scalar("select action from audit_events where comment_id = $1 order by id")
        .bind(id)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

/// The comment's version and its article's comment version.
async fn versions(app: &TestApp, id: i64) -> (i32, i64) {
    sqlx::query_as(
        "select c.version, a.comment_version::bigint from comments c
         join articles a on a.id = c.article_id where c.id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn confirming_a_published_comment_teaches_ham_once_without_a_new_version() {
    let app = TestApp::spawn().await;
    let (moderator, moderator_id) = app.login_as("moderator").await;
    let body = "a careful reading of the budget figures, thank you";
    let id = app
        .seed_comment(&SeedComment {
            status: "approved",
            body,
            ..SeedComment::default()
        })
        .await;
    let path = format!("/api/v1/moderation/comments/{id}");
    let shown = app
        .authed(Method::GET, &path, &moderator)
        .send()
        .await
        .unwrap();
    let etag = shown.headers()["etag"].to_str().unwrap().to_owned();
    let before = versions(&app, id).await;

    let confirm = || {
        app.authed(Method::PATCH, &path, &moderator)
            .header("If-Match", &etag)
            .json(&json!({"status": "approved", "reason": "fine"}))
            .send()
    };
    let resp = confirm().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["etag"].to_str().unwrap(), etag);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["status"], "approved");
    assert_eq!(versions(&app, id).await, before, "no version moved");

    // Trained as ham, with the comment's features.
    let (trained_as, stored): (String, Vec<i32>) =
        sqlx::query_as("select trained_as, features from spam_training where comment_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let d = SeedComment::default();
    let expected: Vec<i32> =
        majlis::spam::features::features(body, d.author_name, d.author_email, None)
            .into_iter()
            .map(|f| i32::try_from(f).unwrap())
            .collect();
    assert_eq!(trained_as, "ham");
    assert_eq!(stored, expected);
    let rows = feature_rows(&app).await;
    assert_eq!(rows.len(), expected.len());
    assert!(rows.iter().all(|(_, s, h)| (*s, *h) == (0, 1)), "{rows:?}");
    let n = i64::try_from(expected.len()).unwrap();
    assert_eq!(class_totals(&app).await, (0, 1, 0, n));

    // Its own audit event, in the log like the others.
    let log: Value = app
        .authed(
            Method::GET,
            &format!("/api/v1/moderation/log?comment_id={id}"),
            &moderator,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let event = &log["events"][0];
    assert_eq!(event["action"], "comment.confirmed");
    assert_eq!(event["moderator_id"], moderator_id);
    assert_eq!(event["old_status"], "approved");
    assert_eq!(event["new_status"], "approved");
    assert_eq!(event["reason"], "fine");
    assert_eq!(event["details"]["trained_as"], "ham");
    let by_moderator: Value = app
        .authed(
            Method::GET,
            &format!("/api/v1/moderation/log?moderator_id={moderator_id}"),
            &moderator,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        by_moderator["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "comment.confirmed" && e["comment_id"] == id)
    );

    let confirmations: Value = app
        .authed(
            Method::GET,
            "/api/v1/moderation/log?action=comment.confirmed",
            &moderator,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed: Vec<&Value> = confirmations["events"].as_array().unwrap().iter().collect();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["comment_id"], id);

    // A second confirmation (in bulk too) changes and records nothing.
    let events = audit_actions(&app, id).await;
    assert_eq!(events, ["comment.submitted", "comment.confirmed"]);
    let resp = confirm().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["etag"].to_str().unwrap(), etag);
    let bulk: Value = app
        .authed(Method::POST, "/api/v1/moderation/comments/bulk", &moderator)
        .json(&json!({"ids": [id], "status": "approved"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bulk["results"][0]["ok"], true);
    assert_eq!(bulk["results"][0]["version"], before.0);
    assert_eq!(audit_actions(&app, id).await, events);
    assert_eq!(class_totals(&app).await, (0, 1, 0, n));
    assert_eq!(feature_rows(&app).await, rows);
    assert_eq!(versions(&app, id).await, before);
}

#[tokio::test]
async fn a_bulk_confirmation_of_spam_teaches_spam() {
    let app = TestApp::spawn().await;
    let (moderator, _) = app.login_as("moderator").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(
            app.seed_comment(&SeedComment {
                status: "spam",
                body: &format!("cheap watches at the best price, visit my shop {n}"),
                ..SeedComment::default()
            })
            .await,
        );
    }
    let before: Vec<(i32, i64)> = {
        let mut v = Vec::new();
        for id in &ids {
            v.push(versions(&app, *id).await);
        }
        v
    };
    let bulk: Value = app
        .authed(Method::POST, "/api/v1/moderation/comments/bulk", &moderator)
        .json(&json!({"ids": ids, "status": "spam"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (r, (version, _)) in bulk["results"].as_array().unwrap().iter().zip(&before) {
        assert_eq!(r["ok"], true, "{r}");
        assert_eq!(r["status"], "spam");
        assert_eq!(r["version"], *version);
    }
    assert_eq!(class_totals(&app).await.0, 3);
    for (id, v) in ids.iter().zip(&before) {
        assert_eq!(versions(&app, *id).await, *v);
        assert_eq!(
            audit_actions(&app, *id).await,
            ["comment.submitted", "comment.confirmed"]
        );
    }
}

#[tokio::test]
async fn reversing_a_decision_untrains_exactly_and_an_edit_retrains() {
    let app = TestApp::spawn().await;
    let (moderator, _) = app.login_as("moderator").await;
    let decide = |id: i64, body: Value| {
        app.authed(
            Method::PATCH,
            &format!("/api/v1/moderation/comments/{id}"),
            &moderator,
        )
        .json(&body)
        .send()
    };
    // Some training already there, sharing words with the comment decided.
    for (n, status) in ["approved", "spam", "approved"].iter().enumerate() {
        let id = app
            .seed_comment(&SeedComment {
                body: &format!("the council meeting about the new casino bonus, part {n}"),
                ..SeedComment::default()
            })
            .await;
        assert_eq!(
            decide(id, json!({"status": status}))
                .await
                .unwrap()
                .status(),
            200
        );
    }
    let rows_before = feature_rows(&app).await;
    let totals_before = class_totals(&app).await;

    let id = app
        .seed_comment(&SeedComment {
            body: "casino bonus for every new player at the council meeting",
            ..SeedComment::default()
        })
        .await;
    assert_eq!(
        decide(id, json!({"status": "spam"}))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_ne!(feature_rows(&app).await, rows_before);
    assert_eq!(class_totals(&app).await.0, totals_before.0 + 1);
    // Reversed to ham, then edited while ham: retrained on the new text.
    assert_eq!(
        decide(id, json!({"status": "approved"}))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(class_totals(&app).await.0, totals_before.0);
    assert_eq!(class_totals(&app).await.1, totals_before.1 + 1);
    let edited = "a different text entirely, about the harbour";
    assert_eq!(
        decide(id, json!({"body": edited})).await.unwrap().status(),
        200
    );
    let stored: Vec<i32> =
        sqlx::query_scalar("select features from spam_training where comment_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let d = SeedComment::default();
    let expected: Vec<i32> =
        majlis::spam::features::features(edited, d.author_name, d.author_email, None)
            .into_iter()
            .map(|f| i32::try_from(f).unwrap())
            .collect();
    assert_eq!(stored, expected, "an edit of a trained comment retrains it");
    let (_, totals, trained) = inconsistencies(&app).await;
    assert_eq!(totals, trained);

    // Back to the queue: every count is what it was before this comment.
    assert_eq!(
        decide(id, json!({"status": "pending"}))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(feature_rows(&app).await, rows_before);
    assert_eq!(class_totals(&app).await, totals_before);
    let (buckets_off, totals, trained) = inconsistencies(&app).await;
    assert_eq!((buckets_off, totals), (0, trained));
}

/// Posts `body` as reader `n` (own email and name) and returns its id.
async fn submit_as(app: &TestApp, n: usize, body: String) -> i64 {
    let mut c = crate::harness::comment("a1", &body);
    c["author_email"] = json!(format!("visitor{n}@example.org"));
    c["author_name"] = json!(format!("visitor {n}"));
    let resp = app.post_json(&c).await;
    assert_eq!(resp.status(), 201);
    resp.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// The points the learner gave a stored comment, if it gave a reason.
async fn learner_points(app: &TestApp, id: i64) -> Option<f64> {
    let reasons: Value = sqlx::query_scalar("select spam_reasons from comments where id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    reasons
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "learner")
        .map(|r| r["score"].as_f64().unwrap())
}

/// A genre the shipped prior has never seen (and, without words of trade,
/// no lean it would act on: a fresh learner gives it no points).
fn spammy(n: usize) -> String {
    format!("zorvane quillet blossoms, the zorvane quillet gramith grows by the river {n}")
}

fn hammy(n: usize) -> String {
    format!("the council voted on the harbour budget again, reader {n} wrote in the evening")
}

/// Posts through `app` and has `moderator` decide 60 of each genre, the
/// spammy one as `spammy_is` and the other as the other class: enough of
/// both classes in the script for the site's own counts to answer. `from`
/// numbers the texts and authors (each call needs new ones).
async fn teach_the_genre(app: &TestApp, moderator: &str, from: usize, spammy_is: &str) {
    let hammy_is = if spammy_is == "spam" {
        "approved"
    } else {
        "spam"
    };
    for n in from..from + 60 {
        for (body, status, author) in [(spammy(n), spammy_is, n), (hammy(n), hammy_is, n + 100_000)]
        {
            let id = submit_as(app, author, body).await;
            let resp = app
                .authed(
                    Method::PATCH,
                    &format!("/api/v1/moderation/comments/{id}"),
                    moderator,
                )
                .json(&json!({"status": status}))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
        }
    }
}

const SIMILAR: &str = "gramith crates of zorvane quillet, ask the dealer";

#[tokio::test]
async fn after_the_site_taught_enough_spam_a_similar_submission_carries_a_learner_reason() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "approval_mode": "none"}),
    )
    .await;
    let (moderator, _) = app.login_as("moderator").await;
    let first = submit_as(&app, 1000, spammy(1000)).await;
    assert!(
        learner_points(&app, first).await.unwrap_or(0.0) <= 0.0,
        "the learner knows nothing of it yet"
    );
    teach_the_genre(&app, &moderator, 0, "spam").await;
    let similar = submit_as(&app, 2000, SIMILAR.into()).await;
    let points = learner_points(&app, similar).await;
    assert!(points.is_some_and(|p| p > 0.0), "{points:?}");
}

/// Each instance scores from its own copy of the learner's store
/// (`spam::mirror`): what moderators teach through one instance counts in
/// the next submission to every other, both score a comment alike, and a
/// reset through one empties the others' copies.
#[tokio::test]
async fn every_instance_scores_with_what_was_taught_through_another_and_forgets_a_reset() {
    let app = TestApp::spawn_full(
        |_| {},
        json!({"flood_interval_seconds": 0, "approval_mode": "none"}),
    )
    .await;
    let other = app.sibling().await;
    // Both copies are loaded while the store is still empty.
    for (n, instance) in [(1000, &app), (1001, &other)] {
        let id = submit_as(instance, n, spammy(n)).await;
        assert!(learner_points(&app, id).await.unwrap_or(0.0) <= 0.0);
    }
    let (moderator, _) = other.login_as("moderator").await;
    teach_the_genre(&other, &moderator, 0, "spam").await;
    let here = submit_as(&app, 2000, SIMILAR.into()).await;
    let there = submit_as(&other, 2001, SIMILAR.into()).await;
    let (here, there) = (
        learner_points(&app, here).await,
        learner_points(&app, there).await,
    );
    assert!(here.is_some_and(|p| p > 0.0), "{here:?}");
    assert_eq!(here, there, "two instances score one text alike");

    let (admin, _) = other.login_as("admin").await;
    let resp = other
        .authed(Method::DELETE, "/api/v1/admin/spam/learner", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // Taught the other way round since the reset: a copy that kept what
    // it held before would still call the genre spam.
    teach_the_genre(&other, &moderator, 5000, "approved").await;
    let after = submit_as(&app, 2002, SIMILAR.into()).await;
    let points = learner_points(&app, after).await;
    assert!(
        points.unwrap_or(0.0) <= 0.0,
        "the learner was reset and taught the genre as ham: {points:?}"
    );
}

#[tokio::test]
async fn admins_see_the_learner_and_reset_what_the_site_taught() {
    let app = TestApp::spawn().await;
    let (admin, admin_id) = app.login_as("admin").await;
    let (moderator, _) = app.login_as("moderator").await;
    for (n, status) in ["spam", "approved", "approved"].iter().enumerate() {
        let id = app
            .seed_comment(&SeedComment {
                body: &format!("words number {n} for the learner"),
                ..SeedComment::default()
            })
            .await;
        let resp = app
            .authed(
                Method::PATCH,
                &format!("/api/v1/moderation/comments/{id}"),
                &moderator,
            )
            .json(&json!({"status": status}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let path = "/api/v1/admin/spam/learner";
    for method in [Method::GET, Method::DELETE] {
        let resp = app
            .authed(method.clone(), path, &moderator)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{method}");
    }
    let resp = app.authed(Method::GET, path, &admin).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let state: Value = resp.json().await.unwrap();
    assert_eq!(state["enabled"], true);
    let prior = majlis::spam::learner::Prior::shipped().unwrap();
    assert_eq!(state["prior"]["features"], prior.len());
    assert!(state["prior"]["spam"].as_u64().unwrap() > 0);
    assert!(state["prior"]["ham"].as_u64().unwrap() > 0);
    assert_eq!(
        state["prior"]["weight"],
        majlis::spam::learner::Params::default().prior_weight
    );
    let rows: i64 = sqlx::query_scalar("select count(*) from spam_features")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(rows > 0);
    // Per script: the bodies are English; the shipped prior speaks only
    // there, and three decisions leave the learner fresh (its points
    // capped short of near certainty).
    let scripts = |latin: (i64, i64)| {
        json!([
            {"script": "arabic", "spam": 0, "ham": 0, "prior": false, "fresh": false},
            {"script": "latin", "spam": latin.0, "ham": latin.1, "prior": true, "fresh": true},
            {"script": "other", "spam": 0, "ham": 0, "prior": false, "fresh": false},
        ])
    };
    assert_eq!(
        state["site"],
        json!({"spam": 1, "ham": 2, "features": rows, "scripts": scripts((1, 2))})
    );

    let resp = app
        .authed(Method::DELETE, path, &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let after: Value = resp.json().await.unwrap();
    assert_eq!(
        after["site"],
        json!({"spam": 0, "ham": 0, "features": 0, "scripts": scripts((0, 0))})
    );
    assert_eq!(after["prior"], state["prior"], "the shipped prior stays");
    let again: Value = app
        .authed(Method::GET, path, &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again, after);
    let training: i64 = sqlx::query_scalar("select count(*) from spam_training")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(training, 0);
    assert_eq!(class_totals(&app).await, (0, 0, 0, 0));

    let (moderator_id, details): (Option<i64>, Value) = sqlx::query_as(
        "select moderator_id, details from audit_events where action = 'learner.reset'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(moderator_id, Some(admin_id));
    assert_eq!(details["spam"], 1);
    assert_eq!(details["ham"], 2);
    assert_eq!(details["features"], rows);
}

#[tokio::test]
async fn spam_retrain_teaches_again_what_moderators_decided_once() {
    let app = TestApp::spawn().await;
    let (moderator, _) = app.login_as("moderator").await;
    let (admin, _) = app.login_as("admin").await;
    let seed = |status: &'static str, body: &'static str| {
        let app = &app;
        async move {
            app.seed_comment(&SeedComment {
                status,
                body,
                ..SeedComment::default()
            })
            .await
        }
    };
    let decide = |id: i64, status: &'static str| {
        app.authed(
            Method::PATCH,
            &format!("/api/v1/moderation/comments/{id}"),
            &moderator,
        )
        .json(&json!({"status": status}))
        .send()
    };
    let spam = seed("pending", "buy followers cheap, message me").await;
    let ham = seed("pending", "a thoughtful note on the elections").await;
    let confirmed = seed("approved", "published by the workflow, then confirmed").await;
    let workflow_only = seed("approved", "published by the workflow, never touched").await;
    let rejected = seed("pending", "decided, then rejected").await;
    for (id, status) in [
        (spam, "spam"),
        (ham, "approved"),
        (confirmed, "approved"),
        (rejected, "approved"),
        (rejected, "rejected"),
    ] {
        assert_eq!(decide(id, status).await.unwrap().status(), 200);
    }
    let trained = || async {
        sqlx::query_as::<_, (i64, String)>(
            "select comment_id, trained_as from spam_training order by comment_id",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap()
    };
    let expected = vec![
        (spam, "spam".to_owned()),
        (ham, "ham".to_owned()),
        (confirmed, "ham".to_owned()),
    ];
    assert_eq!(trained().await, expected);
    let totals = class_totals(&app).await;
    let rows = feature_rows(&app).await;

    // What an upgrade from token training leaves: nothing trained.
    let resp = app
        .authed(Method::DELETE, "/api/v1/admin/spam/learner", &admin)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(trained().await.is_empty());

    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_majlis"))
            .args(["spam-retrain", "--batch", "2"])
            .env("DATABASE_URL", crate::admin::database_url(&app))
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("taught the spam learner 3 comments"),
        "{said}"
    );
    assert_eq!(trained().await, expected);
    assert_eq!(class_totals(&app).await, totals);
    assert_eq!(feature_rows(&app).await, rows);
    assert!(
        !trained().await.iter().any(|(id, _)| *id == workflow_only),
        "a status no moderator set teaches nothing"
    );

    // Idempotent: a second run teaches nothing.
    let out = run();
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("taught the spam learner 0 comments"),
        "{said}"
    );
    assert_eq!(class_totals(&app).await, totals);
}

/// Each script's counts sit in a range of their own (`learner::key_in`):
/// an Arabic comment and an English one decided as spam write their
/// features into different ranges, nothing is written outside them, and
/// the store is what the migration that split the ranges rebuilds from
/// the training rows.
#[tokio::test]
async fn arabic_and_english_decisions_count_in_ranges_of_their_own() {
    let app = TestApp::spawn().await;
    let (moderator, _) = app.login_as("moderator").await;
    let arabic = app
        .seed_comment(&SeedComment {
            body: "اربح المال من البيت مع افضل شركة تداول، تواصل معنا الان",
            ..SeedComment::default()
        })
        .await;
    let english = app
        .seed_comment(&SeedComment {
            body: "Earn money from home with the best trading company, contact us now",
            ..SeedComment::default()
        })
        .await;
    for id in [arabic, english] {
        let status = app
            .authed(
                Method::PATCH,
                &format!("/api/v1/moderation/comments/{id}"),
                &moderator,
            )
            .json(&json!({"status": "spam"}))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }
    const RANGE: i32 = 1 << 20;
    let ranges: Vec<(i32, i64)> = sqlx::query_as(
        "select bucket / $1, count(*) from spam_features where spam > 0 group by 1 order by 1",
    )
    .bind(RANGE)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let in_range = |r: i32| ranges.iter().find(|x| x.0 == r).map_or(0, |x| x.1);
    assert!(in_range(0) > 20, "English in the Latin range: {ranges:?}");
    assert!(in_range(1) > 20, "Arabic in its own range: {ranges:?}");
    assert!(ranges.iter().all(|x| x.0 <= 2), "{ranges:?}");
    // The Arabic comment's stored features, moved to the Arabic range, are
    // exactly the rows of that range.
    let stored: Vec<i32> =
        sqlx::query_scalar("select features from spam_training where comment_id = $1")
            .bind(arabic)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(in_range(1), i64::try_from(stored.len()).unwrap());
    let (buckets_off, totals, trained) = inconsistencies(&app).await;
    assert_eq!((buckets_off, totals), (0, trained));
}
