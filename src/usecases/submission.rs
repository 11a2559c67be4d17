//! The "submit a comment" use case: validate the wire input into a
//! `NewComment`, gather facts, decide, and persist in one transaction.

use crate::auth::token;
use crate::db;
use crate::domain::sanction;
use crate::domain::{
    ArticleId, AuthorEmail, AuthorName, AuthorUrl, CommentBody, CommentStatus, ModerationSettings,
    SiteId, avatar_hash,
};
use crate::error::{ApiError, ErrorCode};
use crate::spam::learner;
use crate::state::AppState;
use crate::{form_token, render, spam};
use chrono::{DateTime, Duration, Utc};
use secrecy::SecretString;
use std::net::IpAddr;

/// A validated submission (from the wire shape: `routes::public::submit_request`).
#[derive(Debug, Clone)]
pub struct NewComment {
    pub site: SiteId,
    pub article_id: ArticleId,
    pub parent_id: Option<i64>,
    pub author_name: AuthorName,
    pub author_email: AuthorEmail,
    pub author_url: Option<AuthorUrl>,
    pub body: CommentBody,
    pub article_url: Option<String>,
    pub article_title: Option<String>,
    pub honeypot_filled: bool,
    pub form_token: Option<String>,
    /// The returning-commenter token the browser sent, if any.
    pub commenter_token: Option<String>,
    /// The reader asked for mail (their comment published, replies), in
    /// this language; `None` also when this instance sends no mail.
    pub notify: Option<crate::i18n::Lang>,
}

/// What the request itself tells about the submitter (kept for moderators).
#[derive(Clone, Default)]
pub struct RequestMeta {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub referrer: Option<String>,
}

impl std::fmt::Debug for RequestMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestMeta(<redacted>)")
    }
}

/// Whether an article takes no more comments: closed by an admin, or older
/// than the site's `close_after_days` (0 = never).
pub fn comments_closed(
    closed: bool,
    article_created: DateTime<Utc>,
    close_after_days: u32,
    now: DateTime<Utc>,
) -> bool {
    closed
        || (close_after_days > 0
            && now - article_created > chrono::Duration::days(i64::from(close_after_days)))
}

/// Flood control: at most `flood_max_comments` per IP (IPv6: per /64) and
/// per email within `flood_interval_seconds`, counted in Postgres so every
/// instance agrees. The takes are part of the statement that stores the
/// comment: a refused or failed submission stores nothing and counts
/// nothing, so only stored comments use the allowance and a client that
/// waits `Retry-After` gets through.
fn flood_takes(
    secret: &[u8],
    s: &ModerationSettings,
    email: &AuthorEmail,
    ip: Option<IpAddr>,
) -> db::submissions::FloodTakes {
    let mut keys = Vec::new();
    if s.flood_interval_seconds > 0 {
        // Always in this order (email, then address), so two submissions
        // never wait on each other's counters in a cycle.
        keys.push(db::rate_limits::key(
            secret,
            "flood:email",
            &email.as_str().to_lowercase(),
        ));
        if let Some(ip) = ip {
            keys.push(db::rate_limits::key(
                secret,
                "flood:ip",
                &crate::client_ip::throttle_subject(ip),
            ));
        }
    }
    db::submissions::FloodTakes {
        keys,
        limit: s.flood_max_comments,
        window_secs: i64::from(s.flood_interval_seconds),
    }
}

/// Loads this instance's copy of the learner's store ahead of the first
/// submission, when the learner is on (start-up calls it in the
/// background, so no reader waits for the load).
pub async fn warm_learner(state: &AppState) -> Result<(), sqlx::Error> {
    if !state
        .settings
        .all(&state.pool)
        .await?
        .values()
        .any(|s| s.settings.bayes_enabled)
    {
        return Ok(());
    }
    let _turn = state.learner_loading.lock().await;
    if state.learner.generation().is_none() {
        let mut conn = state.pool.acquire().await?;
        let loaded = db::spam::load_mirror(&mut conn).await?;
        state.learner.install(loaded);
    }
    Ok(())
}

/// Brings this instance's copy of the learner's store up to what a
/// submission's read saw: the read's changes, or the whole store when the
/// copy is empty or of an older generation (loaded once however many
/// submissions ask together).
async fn catch_up_learner(
    state: &AppState,
    conn: &mut sqlx::PgConnection,
    changes: &crate::spam::mirror::Changes,
) -> Result<(), sqlx::Error> {
    use crate::spam::mirror::CatchUp;
    if state.learner.catch_up(changes) == CatchUp::Current {
        return Ok(());
    }
    let _turn = state.learner_loading.lock().await;
    if state
        .learner
        .generation()
        .is_none_or(|g| g < changes.generation)
    {
        let loaded = db::spam::load_mirror(conn).await?;
        state.learner.install(loaded);
    }
    Ok(())
}

/// One text by one author, as the spam engine and the workflow judge it:
/// a new submission, or an edit judged as that author's new submission
/// would be.
pub(crate) struct Candidate<'a> {
    pub site: &'a str,
    pub article_id: &'a str,
    pub parent_id: Option<i64>,
    pub author_name: &'a str,
    pub email: &'a str,
    pub author_url: Option<&'a str>,
    pub body: &'a str,
    pub meta: &'a RequestMeta,
    pub honeypot_filled: bool,
    pub form_token: crate::spam::FormTokenCheck,
    /// The SHA-256 of the comment's returning-commenter token.
    pub commenter_key: Option<&'a [u8]>,
}

/// What [`gather`] read and computed for a candidate.
pub(crate) struct Gathered {
    pub ctx: db::submissions::SubmissionContext,
    pub fingerprint: String,
    body_text: spam::Normalized,
    name_text: spam::Normalized,
    features: Option<(Vec<spam::features::Feature>, learner::Script)>,
}

/// Reads everything a decision needs in one statement (the article, the
/// parent, the author's record, the learner's counts), after normalizing
/// the texts once for the fingerprint, the learner's features and the
/// rules.
pub(crate) async fn gather(
    state: &AppState,
    snap: &crate::usecases::settings::Snapshot,
    conn: &mut sqlx::PgConnection,
    c: &Candidate<'_>,
) -> Result<Gathered, ApiError> {
    let body_text = spam::normalize(c.body);
    let name_text = spam::normalize(c.author_name);
    let fingerprint = spam::fingerprint_of(&body_text);
    let features = snap.settings.bayes_enabled.then(|| {
        (
            spam::features::features_of(&body_text, &name_text, c.email, c.author_url),
            learner::Script::of(c.body),
        )
    });
    let since = features.as_ref().and(state.learner.position());
    let sanction_keys = crate::usecases::sanctions::match_keys(&state.person_secret, c.email);
    let ctx = db::submissions::context(
        conn,
        &db::submissions::ContextQuery {
            site: c.site,
            article_id: c.article_id,
            parent_id: c.parent_id,
            email: c.email,
            ip: c.meta.ip,
            fingerprint: &fingerprint,
            learner: features.as_ref().map(|(_, s)| (*s, since.as_ref())),
            sanction_keys: &sanction_keys,
            commenter_key: c.commenter_key,
            distrust_window_days: snap.settings.distrust_window_days,
        },
    )
    .await?;
    if let Some(changes) = &ctx.learner_changes {
        catch_up_learner(state, conn, changes).await?;
    }
    Ok(Gathered {
        ctx,
        fingerprint,
        body_text,
        name_text,
        features,
    })
}

/// 403 `commenting_suspended` (with `Retry-After`) when a suspension
/// covers the author: checked after the article's own refusals, before
/// anything is stored.
pub(crate) fn refuse_suspended(g: &Gathered, now: DateTime<Utc>) -> Result<(), ApiError> {
    match g
        .ctx
        .sanction
        .map(|s| sanction::effect(s, CommentStatus::Pending))
    {
        Some(sanction::Effect::Refuse { until }) => {
            Err(ApiError::suspended(seconds_until(until, now)))
        }
        _ => Ok(()),
    }
}

/// Whole seconds from `now` until `until`, rounded up: a client that waits
/// `Retry-After` seconds is never back a fraction too early.
fn seconds_until(until: DateTime<Utc>, now: DateTime<Utc>) -> u64 {
    let ms = (until - now).num_milliseconds();
    u64::try_from(ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) > 0)).unwrap_or(1)
}

/// The spam verdict and the status the approval workflow gives it. An
/// active sanction decides first: a ban sends the comment to spam without
/// running the rules or the learner; a hold keeps it from being
/// published (a suspension was refused before, [`refuse_suspended`]).
pub(crate) fn decide(
    state: &AppState,
    snap: &crate::usecases::settings::Snapshot,
    c: &Candidate<'_>,
    g: Gathered,
) -> (spam::Verdict, CommentStatus) {
    let sanctioned = g.ctx.sanction;
    if let Some(s) = sanctioned
        && s.kind == sanction::SanctionKind::Ban
    {
        let verdict = spam::Verdict {
            score: 0.0,
            reasons: vec![crate::usecases::sanctions::reason_of(s)],
        };
        return (verdict, CommentStatus::Spam);
    }
    let (mut verdict, status) = judge(state, snap, c, g);
    match sanctioned.map(|s| (s, sanction::effect(s, status))) {
        Some((s, sanction::Effect::Status(held))) => {
            verdict
                .reasons
                .push(crate::usecases::sanctions::reason_of(s));
            (verdict, held)
        }
        _ => (verdict, status),
    }
}

/// The spam rules, the learner and the approval workflow.
fn judge(
    state: &AppState,
    snap: &crate::usecases::settings::Snapshot,
    c: &Candidate<'_>,
    g: Gathered,
) -> (spam::Verdict, CommentStatus) {
    let facts = &g.ctx.facts;
    // The learner (the setting keeps its historical name).
    let judgement = g.features.as_ref().and_then(|(features, script)| {
        state.learner.judge(
            features,
            *script,
            &g.ctx.evidence.totals,
            learner::Prior::shipped(),
            &learner::Params::default(),
        )
    });
    let ip_text = c.meta.ip.map(|ip| ip.to_string()).unwrap_or_default();
    let input = spam::SpamInput {
        body: c.body,
        author_name: c.author_name,
        author_email: c.email,
        author_url: c.author_url,
        ip: &ip_text,
        user_agent: c.meta.user_agent.as_deref().unwrap_or(""),
        honeypot_filled: c.honeypot_filled,
        form_token: c.form_token,
        history: spam::AuthorHistory {
            approved_with_token: facts.standing.approved_with_token,
            spam_by_email: count(facts.spam_by_email),
            spam_by_ip: count(facts.spam_by_ip),
            rejected_by_email: count(facts.rejected_by_email),
        },
        same_text_other_authors_24h: count(facts.same_text_other_authors_24h),
        spam_probability: judgement.map(|j| j.probability),
        learner_fresh: judgement.is_some_and(|j| j.fresh),
    };
    let mut verdict = spam::score_normalized(&input, &snap.rules, g.body_text, g.name_text);
    let mode = g
        .ctx
        .article
        .as_ref()
        .and_then(|a| a.approval_mode.as_deref())
        .and_then(|m| m.parse().ok())
        .unwrap_or(snap.settings.approval_mode);
    let (status, standing) = spam::decide_status(
        &verdict,
        &snap.thresholds(),
        mode,
        &facts.standing,
        &snap.trust_rules(),
    );
    verdict.reasons.extend(standing);
    (verdict, status)
}

/// The token given once with a new comment, and until when it works.
pub struct EditGrant {
    pub token: SecretString,
    pub token_hash: Vec<u8>,
    pub until: DateTime<Utc>,
}

impl EditGrant {
    pub fn new(now: DateTime<Utc>, minutes: u32) -> EditGrant {
        let token = token::generate();
        let token_hash = token::digest(&token);
        EditGrant {
            token,
            token_hash,
            until: window_end(now, minutes),
        }
    }
}

/// When the window of a comment posted at `created_at` closes.
pub fn window_end(created_at: DateTime<Utc>, minutes: u32) -> DateTime<Utc> {
    created_at + Duration::minutes(i64::from(minutes))
}

/// A stored submission, and the tokens its author gets once.
pub struct Submitted {
    pub row: db::comments::CommentRow,
    /// `None` when the edit window is off or the client gets none (a form
    /// post).
    pub edit: Option<EditGrant>,
    /// A new returning-commenter token, when the client keeps tokens and
    /// sent none.
    pub commenter_token: Option<SecretString>,
}

/// Stores a new comment and returns it as saved, in two statements: one
/// read of everything the decision needs (the article, the parent, the
/// author's record, the learner's counts), the spam verdict and the
/// workflow's status in between, then one write (flood counters, article,
/// comment, audit event) that Postgres commits on its own. See
/// `db::submissions` for what each guarantee rests on. With `edit_token`,
/// the author gets a token to edit or withdraw the comment within the
/// site's edit window.
#[tracing::instrument(skip_all, fields(site = %new.site, article_id = %new.article_id, comment_id, status, score))]
pub async fn submit(
    state: &AppState,
    new: &NewComment,
    meta: &RequestMeta,
    edit_token: bool,
) -> Result<Submitted, ApiError> {
    let snap = state.settings.current(&state.pool, &new.site).await?;
    let settings = &snap.settings;
    let site = new.site.as_str();
    let email = new.author_email.as_str();
    let author_url = new.author_url.as_ref().map(AuthorUrl::as_str);
    let now = Utc::now();

    // The public describes an article only with a page on the site's own
    // origins (and only until the site registers it: see the query).
    let article_url = new.article_url.as_deref().filter(|u| {
        url::Url::parse(u)
            .is_ok_and(|u| state.is_site_origin(&snap, &u.origin().ascii_serialization()))
    });
    let article_title = article_url.and(new.article_title.as_deref());
    // The browser's returning-commenter token, or a new one for a client
    // that keeps tokens (a script's JSON post).
    let fresh_commenter = (new.commenter_token.is_none() && edit_token).then(token::generate);
    let commenter_key = new
        .commenter_token
        .as_ref()
        .map(|t| token::digest(&SecretString::from(t.clone())))
        .or_else(|| fresh_commenter.as_ref().map(token::digest));
    let candidate = Candidate {
        site,
        article_id: new.article_id.as_str(),
        parent_id: new.parent_id,
        author_name: new.author_name.as_str(),
        email,
        author_url,
        body: new.body.as_str(),
        meta,
        honeypot_filled: new.honeypot_filled,
        form_token: form_token::check(
            &state.secret,
            new.form_token.as_deref(),
            &form_token::subject(site, new.article_id.as_str()),
            now.timestamp(),
        ),
        commenter_key: commenter_key.as_deref(),
    };
    let mut conn = state.pool.acquire().await?;
    let gathered = gather(state, &snap, &mut conn, &candidate).await?;
    let ctx = &gathered.ctx;
    let article = ctx.article.clone();
    let article = article.as_ref();
    if settings.require_known_articles && article.is_none_or(|a| a.registered_at.is_none()) {
        return Err(ErrorCode::ArticleNotFound.into());
    }
    if let Some(a) = article
        && comments_closed(a.closed, a.created_at, settings.close_after_days, now)
    {
        return Err(ErrorCode::CommentsClosed.into());
    }
    if new.parent_id.is_some() && !ctx.parent_ok {
        return Err(ErrorCode::ParentNotFound.into());
    }
    if ctx.facts.duplicate {
        return Err(ErrorCode::DuplicateComment.into());
    }
    refuse_suspended(&gathered, now)?;
    let fingerprint = gathered.fingerprint.clone();
    let (verdict, status) = decide(state, &snap, &candidate, gathered);

    let grant = (edit_token && settings.edit_window_minutes > 0)
        .then(|| EditGrant::new(now, settings.edit_window_minutes));
    let body = new.body.as_str();
    let body_html = render::body_html(body);
    let stored = db::submissions::store(
        &mut conn,
        &flood_takes(&state.secret, settings, &new.author_email, meta.ip),
        db::submissions::ArticleWrite::decide(article, status, article_url, article_title),
        &db::comments::InsertComment {
            site,
            article_id: new.article_id.as_str(),
            parent_id: new.parent_id,
            author_name: new.author_name.as_str(),
            author_email: email,
            author_url,
            avatar: &avatar_hash(email),
            body,
            body_html: &body_html,
            body_fingerprint: &fingerprint,
            status,
            spam_score: verdict.score,
            spam_reasons: serde_json::to_value(&verdict.reasons).map_err(ApiError::internal)?,
            ip: meta.ip,
            user_agent: meta.user_agent.as_deref(),
            referrer: meta.referrer.as_deref(),
        },
        &db::submissions::StoreExtras {
            edit_token_hash: grant.as_ref().map(|g| g.token_hash.as_slice()),
            commenter_key: commenter_key.as_deref(),
            category: spam::workflow::automatic_category(&verdict, status, &snap.thresholds()),
            notify_lang: new.notify.map(crate::i18n::Lang::as_str),
        },
    )
    .await;
    let row = match stored {
        Ok(row) => row,
        Err(db::submissions::StoreError::Flooded { retry_after }) => {
            return Err(ApiError::rate_limited(retry_after));
        }
        Err(db::submissions::StoreError::Db(e)) => return Err(e.into()),
    };
    // Only a comment the public sees changes what the public reads.
    if status == CommentStatus::Approved {
        state
            .public_cache
            .invalidate(&db::articles::cache_key(site, new.article_id.as_str()));
    }
    crate::metrics::record_submission(
        status.as_str(),
        verdict.reasons.iter().map(|r| r.rule.clone()),
        spam::workflow::caught_by(&verdict, &snap.thresholds()),
    );
    tracing::Span::current()
        .record("comment_id", row.id)
        .record("status", status.as_str())
        .record("score", verdict.score);
    Ok(Submitted {
        row,
        edit: grant,
        commenter_token: fresh_commenter,
    })
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_the_next_whole_second() {
        let now = Utc::now();
        let ms = chrono::Duration::milliseconds;
        assert_eq!(seconds_until(now + ms(59_001), now), 60);
        assert_eq!(seconds_until(now + ms(60_000), now), 60);
        assert_eq!(seconds_until(now + ms(400), now), 1);
        // Already over (a race with the clock): the error still says 1.
        assert_eq!(seconds_until(now - ms(5), now), 0);
        assert_eq!(ApiError::suspended(0).retry_after, Some(1));
    }

    #[test]
    fn grants_carry_a_fresh_token_and_its_hash() {
        use secrecy::ExposeSecret;
        let now = Utc::now();
        let a = EditGrant::new(now, 15);
        let b = EditGrant::new(now, 15);
        assert_ne!(a.token.expose_secret(), b.token.expose_secret());
        assert_eq!(a.token_hash, token::digest(&a.token));
        assert_eq!(a.until, now + Duration::minutes(15));
        assert_eq!(window_end(now, 0), now);
    }
}
