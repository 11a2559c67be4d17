//! The classifier's training under concurrency: decisions, edits, bulk
//! decisions and erasures that share tokens run at once without a deadlock
//! (a 500), and the counts agree with what is trained afterwards.

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

/// Token and class counts that disagree with the training table.
async fn inconsistencies(app: &TestApp) -> (i64, (i32, i32), (i64, i64)) {
    let tokens: i64 = sqlx::query_scalar(
        "with expected as (
            select tok,
                   count(*) filter (where trained_as = 'spam') as spam,
                   count(*) filter (where trained_as = 'ham') as ham
            from spam_training, unnest(tokens) as tok group by tok
         )
         select count(*) from spam_tokens t full join expected e on e.tok = t.token
         where coalesce(t.spam, 0) <> coalesce(e.spam, 0) or coalesce(t.ham, 0) <> coalesce(e.ham, 0)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let corpus: (i32, i32) = sqlx::query_as("select nspam, nham from spam_corpus where id = 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let trained: (i64, i64) = sqlx::query_as(
        "select count(*) filter (where trained_as = 'spam'), count(*) filter (where trained_as = 'ham')
         from spam_training",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    (tokens, corpus, trained)
}

#[tokio::test]
async fn concurrent_decisions_edits_and_erasures_sharing_tokens_never_fail_and_keep_counts_exact() {
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

    let (tokens_off, corpus, trained) = inconsistencies(&app).await;
    assert_eq!(tokens_off, 0, "token counts disagree with the training");
    assert_eq!(
        (i64::from(corpus.0), i64::from(corpus.1)),
        trained,
        "class totals disagree with the training"
    );
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
