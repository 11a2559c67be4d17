//! Webhooks: admins register endpoints (audited), and every instance
//! runs a worker; the one holding the sender lock sends the comment events
//! of the audit log (written in the transaction of each change: none is
//! lost, none is sent for a change that rolled back), signed the Standard
//! Webhooks way, retried with exponential back-off and jitter for a day.
//! Outbound requests reach only public addresses (checked on every
//! resolution; redirects are not followed) unless configuration allows
//! private ones.

use crate::db;
use crate::db::audit::NewAuditEvent;
use crate::db::comments::CommentRow;
use crate::db::outbox::Queue;
use crate::db::webhooks::{Delivery, Due, Hook, LogEvent, Webhook, WebhookFields};
use crate::domain::SiteId;
use crate::domain::ids::Actor;
use crate::domain::outbox::{Outcome, RETRY_FOR, after_failure};
use crate::domain::webhook::{self, Include};
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use crate::usecases::views::{AvatarPolicy, PublicComment};
use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Due retries a round takes.
const BATCH: i64 = 64;
/// Events of the audit log a round reads.
const LOG_BATCH: i64 = 64;
/// First attempts a round makes at most (more wait as due rows).
const MAX_NEW: usize = 64;
/// Deliveries in flight at once: a round's at most 128 take at most four
/// rounds of the 10 s timeout, inside the 60 s a transaction may stay idle
/// (`db::SESSION_SETTINGS`).
const CONCURRENCY: usize = 32;
/// How often an idle worker looks for due deliveries.
const POLL: Duration = Duration::from_secs(1);
/// The recent deliveries a webhook's view lists.
pub const RECENT: i64 = 50;
/// Longest error text kept on a delivery.
const MAX_ERROR: usize = 300;

/// A validated webhook (new, or a PATCH merged into the current one).
#[derive(Debug, Clone)]
pub struct WebhookSpec {
    pub url: String,
    pub events: Vec<String>,
    pub site: Option<SiteId>,
    pub include: Include,
    pub active: bool,
    /// A secret the admin gave (`whsec_...`); `None`: generate one (new)
    /// or keep it (update).
    pub secret: Option<String>,
}

impl WebhookSpec {
    fn fields(&self) -> WebhookFields<'_> {
        WebhookFields {
            url: &self.url,
            events: &self.events,
            site: self.site.as_ref().map(SiteId::as_str),
            include: self.include,
            active: self.active,
        }
    }
}

/// A new webhook and, this once, its secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_` and the base64 key that signs every delivery. Shown only
    /// here: keep it.
    pub secret: String,
}

async fn check_site(state: &AppState, site: Option<&SiteId>) -> Result<(), ApiError> {
    if let Some(site) = site {
        let all = state.settings.all(&state.pool).await?;
        if !all.contains_key(site) {
            return Err(ErrorCode::SiteNotFound.into());
        }
    }
    Ok(())
}

/// Registers a webhook (audited as `webhook.created`, with its id and
/// events, never its URL or secret).
pub async fn create(
    state: &AppState,
    by: Actor,
    spec: WebhookSpec,
) -> Result<CreatedWebhook, ApiError> {
    check_site(state, spec.site.as_ref()).await?;
    let secret = match &spec.secret {
        Some(s) => s.clone(),
        None => webhook::new_secret(&rand::random::<[u8; 32]>()),
    };
    let mut tx = state.pool.begin().await?;
    let hook = db::webhooks::create(&mut tx, &spec.fields(), &secret, by.0).await?;
    let event = NewAuditEvent::by_moderator(
        by,
        "webhook.created",
        json!({"webhook_id": hook.id, "events": hook.events, "include": hook.include}),
    );
    db::audit::insert(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(CreatedWebhook {
        webhook: hook,
        secret,
    })
}

/// A validated PATCH: each field, if sent.
pub struct WebhookPatch {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub secret: Option<String>,
    pub site: Option<Option<SiteId>>,
    pub include: Option<Include>,
    pub active: Option<bool>,
}

impl WebhookPatch {
    pub fn changed(&self) -> Vec<&'static str> {
        [
            (self.url.is_some(), "url"),
            (self.events.is_some(), "events"),
            (self.secret.is_some(), "secret"),
            (self.site.is_some(), "site"),
            (self.include.is_some(), "include"),
            (self.active.is_some(), "active"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| name)
        .collect()
    }

    fn onto(self, current: Webhook) -> WebhookSpec {
        WebhookSpec {
            url: self.url.unwrap_or(current.url),
            events: self.events.unwrap_or(current.events),
            site: self
                .site
                .unwrap_or_else(|| current.site.map(SiteId::from_stored)),
            include: self
                .include
                .unwrap_or_else(|| Include::parse(&current.include).unwrap_or_default()),
            active: self.active.unwrap_or(current.active),
            secret: self.secret,
        }
    }
}

/// Applies a PATCH to a webhook: read (locked) and written in one
/// transaction, so two concurrent PATCHes of different fields both hold
/// (audited as `webhook.updated`, naming the fields, never the URL or
/// secret).
pub async fn update(
    state: &AppState,
    by: Actor,
    id: i64,
    patch: WebhookPatch,
) -> Result<Webhook, ApiError> {
    if let Some(site) = &patch.site {
        check_site(state, site.as_ref()).await?;
    }
    let changed = patch.changed();
    let mut tx = state.pool.begin().await?;
    let current = db::webhooks::get(&mut tx, id, db::Lock::Row)
        .await?
        .ok_or(ApiError::new(ErrorCode::WebhookNotFound))?;
    let spec = patch.onto(current);
    let hook = db::webhooks::update(&mut tx, id, &spec.fields(), spec.secret.as_deref())
        .await?
        .ok_or(ApiError::new(ErrorCode::WebhookNotFound))?;
    let event = NewAuditEvent::by_moderator(
        by,
        "webhook.updated",
        json!({"webhook_id": id, "fields": changed}),
    );
    db::audit::insert(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(hook)
}

/// Deletes a webhook and its deliveries (audited as `webhook.deleted`).
pub async fn delete(state: &AppState, by: Actor, id: i64) -> Result<(), ApiError> {
    let mut tx = state.pool.begin().await?;
    if !db::webhooks::delete(&mut tx, id).await? {
        return Err(ErrorCode::WebhookNotFound.into());
    }
    let event = NewAuditEvent::by_moderator(by, "webhook.deleted", json!({"webhook_id": id}));
    db::audit::insert(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(())
}

/// A webhook with its latest deliveries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookDetail {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The latest deliveries (at most 50), newest first.
    pub deliveries: Vec<Delivery>,
}

pub async fn detail(state: &AppState, id: i64) -> Result<WebhookDetail, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let webhook = db::webhooks::get(&mut conn, id, db::Lock::None)
        .await?
        .ok_or(ApiError::new(ErrorCode::WebhookNotFound))?;
    let deliveries = db::webhooks::deliveries(&mut conn, id, RECENT).await?;
    Ok(WebhookDetail {
        webhook,
        deliveries,
    })
}

/// Sends a delivery again, now (audited as `webhook.redelivered`).
pub async fn redeliver(
    state: &AppState,
    by: Actor,
    webhook_id: i64,
    delivery_id: i64,
) -> Result<Delivery, ApiError> {
    let mut tx = state.pool.begin().await?;
    if db::webhooks::get(&mut tx, webhook_id, db::Lock::None)
        .await?
        .is_none()
    {
        return Err(ErrorCode::WebhookNotFound.into());
    }
    let delivery = db::webhooks::redeliver(&mut tx, webhook_id, delivery_id)
        .await?
        .ok_or(ApiError::new(ErrorCode::DeliveryNotFound))?;
    let event = NewAuditEvent::by_moderator(
        by,
        "webhook.redelivered",
        json!({"webhook_id": webhook_id, "delivery_id": delivery_id}),
    );
    db::audit::insert(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(delivery)
}

/// What a delivery's body holds: the Standard Webhooks envelope.
#[derive(Debug, Serialize)]
struct Payload<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    /// When the change happened.
    timestamp: String,
    data: PayloadData,
}

#[derive(Debug, Serialize)]
struct PayloadData {
    site: String,
    /// The comment's status the event left it in.
    status: Option<String>,
    /// The status before (`comment.status_changed`, `comment.edited`).
    previous_status: Option<String>,
    /// The comment as it is when the delivery is sent; `null` when it was
    /// deleted since (a retention purge).
    comment: Option<PayloadComment>,
}

#[derive(Debug, Serialize)]
struct PayloadComment {
    #[serde(flatten)]
    public: PublicComment,
    spam_score: f64,
    spam_reasons: serde_json::Value,
    version: i32,
    #[serde(serialize_with = "crate::domain::timestamps::millis")]
    updated_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_agent: Option<String>,
}

/// The body of one delivery: its comment as read for the batch, with its
/// site's avatar policy (`None`: deleted since).
fn payload(d: &Due, found: Option<(&CommentRow, &AvatarPolicy)>) -> Option<Vec<u8>> {
    let comment = found.map(|(row, avatars)| {
        let author_email =
            (d.include_email && !row.author_email.is_empty()).then(|| row.author_email.clone());
        let ip = row.ip.filter(|_| d.include_ip).map(|ip| ip.to_string());
        let user_agent = row.user_agent.clone().filter(|_| d.include_user_agent);
        let mut public = PublicComment::from_row(row.clone(), avatars);
        public.status = row.status;
        PayloadComment {
            public,
            spam_score: row.spam_score,
            spam_reasons: row.spam_reasons.clone(),
            version: row.version,
            updated_at: row.updated_at,
            author_email,
            ip,
            user_agent,
        }
    });
    let body = Payload {
        kind: &d.event,
        timestamp: d.at.to_rfc3339_opts(SecondsFormat::Millis, true),
        data: PayloadData {
            site: d.site_id.clone(),
            status: d.new_status.clone(),
            previous_status: d.old_status.clone(),
            comment,
        },
    };
    serde_json::to_vec(&body).ok()
}

/// Resolves names to public addresses only (unless private ones are
/// allowed): every connection a delivery makes goes through here, so a
/// name cannot resolve to an inner address later (DNS rebinding).
struct PublicResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allow_private || webhook::is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err("the name resolves to no public address".into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// The client every delivery of this instance uses: public addresses
/// only, no redirects, no proxy from the environment (a proxy would
/// resolve names where the check cannot see), 10 s per attempt.
pub fn http_client(allow_private: bool) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(PublicResolver { allow_private }))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(webhook::TIMEOUT)
        .connect_timeout(webhook::TIMEOUT)
        .user_agent(concat!("majlis/", env!("CARGO_PKG_VERSION")))
        .build()
}

fn short(mut s: String) -> String {
    if let Some((i, _)) = s.char_indices().nth(MAX_ERROR) {
        s.truncate(i);
    }
    s
}

/// One attempt at one delivery, whose body is `body` (`None`: it could
/// not be made).
async fn attempt(
    state: &AppState,
    client: &reqwest::Client,
    d: &Due,
    body: Option<Vec<u8>>,
) -> Outcome {
    let give_up_or_retry = |status: Option<i32>, error: String| {
        let jitter = 0.75 + rand::random::<f64>() * 0.5;
        after_failure(d.attempts, d.retry_until, Utc::now(), jitter, status, error)
    };
    if !d.active {
        return Outcome::Failed {
            status: None,
            error: "the webhook is turned off".to_owned(),
        };
    }
    let allow_private = state.config.webhooks_allow_private;
    let url = match webhook::parse_url(&d.url, allow_private) {
        Ok(u) => u,
        Err(_) => {
            return Outcome::Failed {
                status: None,
                error: "the URL is not allowed (a private address?)".to_owned(),
            };
        }
    };
    let Some(body) = body else {
        return give_up_or_retry(None, "the payload could not be made".to_owned());
    };
    let msg_id = webhook::message_id(d.audit_event_id);
    let now = Utc::now().timestamp();
    let Some(signature) = webhook::signature(&d.secret, &msg_id, now, &body) else {
        return Outcome::Failed {
            status: None,
            error: "the webhook's secret is not usable".to_owned(),
        };
    };
    let sent = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &msg_id)
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", signature)
        .header("x-majlis-event", &d.event)
        .body(body)
        .send()
        .await;
    match sent {
        Ok(resp) if resp.status().is_success() => Outcome::Sent {
            status: Some(i32::from(resp.status().as_u16())),
        },
        Ok(resp) => {
            let status = resp.status();
            let error = if status.is_redirection() {
                format!("HTTP {status} (redirects are not followed)")
            } else {
                format!("HTTP {status}")
            };
            give_up_or_retry(Some(i32::from(status.as_u16())), error)
        }
        Err(e) => {
            // reqwest's message names the URL, which may hold a token.
            let e = e.without_url();
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            give_up_or_retry(None, short(text))
        }
    }
}

/// The webhook event `e` is, when some active webhook asks for that
/// event (on some site): only such events need their comment read.
fn asked(e: &LogEvent, hooks: &[Hook]) -> Option<&'static str> {
    webhook::event_of(&e.action, e.old_status.as_deref(), e.new_status.as_deref())
        .filter(|kind| hooks.iter().any(|h| h.events.iter().any(|x| x == kind)))
}

/// The deliveries the events after the cursor make, in the events'
/// order: one for each webhook that wants the event (each event's comment
/// read for its site: `sites`), as first attempts. An event whose comment
/// is gone (purged) makes none.
pub fn plan(events: &[LogEvent], hooks: &[Hook], sites: &HashMap<i64, &str>) -> Vec<Due> {
    let mut due = Vec::new();
    for e in events {
        let (Some(kind), Some(&site)) = (asked(e, hooks), sites.get(&e.comment_id)) else {
            continue;
        };
        let wanted: Vec<&Hook> = hooks
            .iter()
            .filter(|h| {
                webhook::wants(
                    &h.events,
                    h.site_id.as_deref(),
                    h.created_at,
                    kind,
                    site,
                    e.at,
                )
            })
            .collect();
        due.extend(wanted.into_iter().map(|h| Due {
            id: None,
            webhook_id: h.id,
            audit_event_id: e.id,
            event: kind.to_owned(),
            comment_id: e.comment_id,
            site_id: site.to_owned(),
            attempts: 1,
            retry_until: e.at + chrono::Duration::seconds(RETRY_FOR.as_secs() as i64),
            url: h.url.clone(),
            secret: h.secret.clone(),
            include_email: h.include_email,
            include_ip: h.include_ip,
            include_user_agent: h.include_user_agent,
            active: true,
            at: e.at,
            old_status: e.old_status.clone(),
            new_status: e.new_status.clone(),
            waited: 0.0,
        }));
    }
    due
}

/// What one round of the worker did.
#[derive(Debug, Default)]
pub struct Round {
    /// Whether there is more to do at once (a full batch of events or of
    /// retries).
    pub more: bool,
    /// Seconds since the oldest event or retry it found fell due (the
    /// outbox's lag).
    pub lag: f64,
}

/// One round of the webhook worker, in one transaction under the sender
/// lock (`None`: another instance's worker holds it): reads the comment
/// events after the cursor (when a webhook is active) and the due
/// retries, the comments they concern and their sites' avatar policies
/// once, sends everything (at most [`CONCURRENCY`] at a time, each within
/// the 10 s timeout; first attempts past [`MAX_NEW`] are written as due
/// rows instead), then records the first attempts as new rows and the
/// retries' outcomes, and moves the cursor past every event read, before
/// the commit. A
/// submission's transaction writes nothing for webhooks (its audit row is
/// the event); each delivery is written once per attempt.
pub async fn deliver(
    state: &AppState,
    client: &reqwest::Client,
) -> Result<Option<Round>, ApiError> {
    let mut tx = state.pool.begin().await?;
    if !db::webhooks::try_sender_lock(&mut tx).await? {
        return Ok(None);
    }
    let hooks = db::webhooks::active(&mut tx).await?;
    let events = if hooks.is_empty() {
        db::webhooks::skip_log(&mut tx).await?;
        Vec::new()
    } else {
        db::webhooks::log_events(&mut tx, LOG_BATCH).await?
    };
    let retries = db::webhooks::due_retries(&mut tx, BATCH).await?;
    let now = Utc::now();
    let lag = events
        .first()
        .map(|e| (now - e.at).as_seconds_f64())
        .into_iter()
        .chain(retries.iter().map(|d| d.waited))
        .fold(0.0, f64::max);
    if events.is_empty() && retries.is_empty() {
        tx.commit().await?;
        return Ok(Some(Round { more: false, lag }));
    }
    let mut ids: Vec<i64> = events
        .iter()
        .filter(|e| asked(e, &hooks).is_some())
        .map(|e| e.comment_id)
        .chain(retries.iter().map(|d| d.comment_id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let comments: HashMap<i64, CommentRow> = db::moderation::fetch_many(&mut tx, &ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let sites: HashMap<i64, &str> = comments.values().map(|c| (c.id, c.site.as_str())).collect();
    let mut fresh = plan(&events, &hooks, &sites);
    // Past MAX_NEW, first attempts wait as due rows for the next rounds
    // (a round stays within the time its transaction may stay open).
    let queued = fresh.split_off(fresh.len().min(MAX_NEW));
    let due: Vec<&Due> = fresh.iter().chain(&retries).collect();
    let outcomes = send(state, client, &due, &comments).await?;
    let (first, again) = due.split_at(fresh.len());
    let (first_out, again_out) = outcomes.split_at(fresh.len());
    let written: Vec<(&Due, Option<&Outcome>)> = first
        .iter()
        .copied()
        .zip(first_out.iter().map(Some))
        .chain(queued.iter().map(|d| (d, None)))
        .collect();
    db::webhooks::insert_deliveries(&mut tx, &written).await?;
    let recorded: Vec<(i64, &Outcome)> = again.iter().filter_map(|d| d.id).zip(again_out).collect();
    db::outbox::record(&mut tx, Queue::Webhooks, &recorded).await?;
    if let Some(last) = events.last() {
        db::webhooks::advance_log(&mut tx, last).await?;
    }
    tx.commit().await?;
    for (d, outcome) in due.iter().zip(&outcomes) {
        crate::metrics::record_webhook_delivery(outcome.label());
        if let Outcome::Failed { error, .. } = outcome {
            tracing::warn!(
                delivery_id = d.id,
                webhook_id = d.webhook_id,
                attempts = d.attempts,
                error = %error,
                "webhook delivery failed for good"
            );
        }
    }
    let more =
        !queued.is_empty() || events.len() as i64 == LOG_BATCH || retries.len() as i64 == BATCH;
    Ok(Some(Round { more, lag }))
}

/// Sends deliveries, at most [`CONCURRENCY`] at a time: each with its
/// comment as read for the round (and its site's avatar policy, read once
/// per site). The outcomes are in the deliveries' order.
async fn send(
    state: &AppState,
    client: &reqwest::Client,
    due: &[&Due],
    comments: &HashMap<i64, CommentRow>,
) -> Result<Vec<Outcome>, ApiError> {
    let mut avatars: HashMap<&str, AvatarPolicy> = HashMap::new();
    for d in due {
        if let Some(c) = comments.get(&d.comment_id)
            && !avatars.contains_key(c.site.as_str())
        {
            let site = SiteId::from_stored(c.site.clone());
            avatars.insert(&c.site, AvatarPolicy::current(state, &site).await?);
        }
    }
    // Futures do nothing until polled: `buffered` runs CONCURRENCY at once.
    let attempts: Vec<_> = due
        .iter()
        .map(|d| {
            let found = comments
                .get(&d.comment_id)
                .and_then(|c| Some((c, avatars.get(c.site.as_str())?)));
            attempt(state, client, d, payload(d, found))
        })
        .collect();
    Ok(futures_util::stream::iter(attempts)
        .buffered(CONCURRENCY)
        .collect()
        .await)
}

/// Every instance's delivery worker: looks every second, and at once
/// again while it finds full batches.
pub fn spawn_worker(state: Arc<AppState>) {
    tokio::spawn(async move {
        let client = match http_client(state.config.webhooks_allow_private) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "webhooks: no HTTP client; nothing will be delivered");
                return;
            }
        };
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            loop {
                match deliver(&state, &client).await {
                    Ok(Some(round)) => {
                        crate::metrics::set_webhook_lag(round.lag);
                        if !round.more {
                            break;
                        }
                    }
                    Ok(None) => {
                        // Another instance sends: its gauge is the lag.
                        crate::metrics::set_webhook_lag(0.0);
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "webhooks: delivering failed");
                        break;
                    }
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64, action: &str, comment_id: i64, secs: i64) -> LogEvent {
        LogEvent {
            id,
            xact: id.to_string(),
            at: DateTime::from_timestamp(secs, 0).unwrap_or_default(),
            action: action.to_owned(),
            comment_id,
            old_status: None,
            new_status: Some("approved".to_owned()),
        }
    }

    fn hook(id: i64, events: &[&str], site: Option<&str>) -> Hook {
        Hook {
            id,
            url: format!("https://hooks.example.com/{id}"),
            secret: "whsec_x".to_owned(),
            events: events.iter().map(|e| (*e).to_owned()).collect(),
            site_id: site.map(str::to_owned),
            include_email: false,
            include_ip: false,
            include_user_agent: false,
            created_at: DateTime::from_timestamp(100, 0).unwrap_or_default(),
        }
    }

    #[test]
    fn a_round_sends_each_event_to_the_webhooks_that_want_it() {
        let hooks = [
            hook(1, &["comment.created"], None),
            hook(2, &["comment.created", "comment.edited"], Some("sport")),
        ];
        let sites = HashMap::from([(10, "news"), (11, "sport"), (12, "sport")]);
        let events = [
            event(1, "comment.submitted", 10, 200),
            event(2, "comment.submitted", 11, 200),
            event(3, "comment.reported", 11, 200),
            // Its comment was purged since: nothing to send.
            event(4, "comment.submitted", 99, 200),
            // Before the webhooks existed.
            event(5, "comment.submitted", 12, 50),
            event(6, "comment.edited", 12, 300),
            // A status change no webhook asked for: its comment is not
            // even read.
            LogEvent {
                old_status: Some("pending".to_owned()),
                ..event(7, "comment.status_changed", 12, 300)
            },
        ];
        assert_eq!(asked(&events[0], &hooks), Some("comment.created"));
        assert_eq!(asked(&events[2], &hooks), None);
        assert_eq!(asked(&events[6], &hooks), None);
        let due = plan(&events, &hooks, &sites);
        let sent: Vec<(i64, i64, &str)> = due
            .iter()
            .map(|d| (d.audit_event_id, d.webhook_id, d.event.as_str()))
            .collect();
        assert_eq!(
            sent,
            [
                (1, 1, "comment.created"),
                (2, 1, "comment.created"),
                (2, 2, "comment.created"),
                (6, 2, "comment.edited"),
            ]
        );
        assert!(due.iter().all(|d| d.id.is_none() && d.attempts == 1));
        assert_eq!(due[1].site_id, "sport");
        // Retried for a day after the event.
        assert_eq!((due[0].retry_until - due[0].at).num_hours(), 24);
    }
}
