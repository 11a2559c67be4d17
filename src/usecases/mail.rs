//! Mail through SMTP (lettre): moderators' settings, unsubscribing, and
//! every instance's worker, which queues digests when they are due and
//! sends what `mail_outbox` holds with the outbox's retries. A mail's text
//! is written when it is sent (`render::mail`), in its recipient's
//! language, and every mail carries a one-click unsubscribe link
//! (`List-Unsubscribe`, `List-Unsubscribe-Post`).

use crate::db;
use crate::db::mail::{MailComment, MailJob, Notifications};
use crate::db::outbox::Queue;
use crate::domain::notify::{self, NotifyMode, Subscriber};
use crate::domain::outbox::{Outcome, after_failure};
use crate::error::{ApiError, ErrorCode};
use crate::i18n::Lang;
use crate::render::mail::{self as text, MailText, Mentioned};
use crate::state::AppState;
use chrono::Utc;
use lettre::message::Mailbox;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;

/// Mails a worker sends per round.
const BATCH: i64 = 8;
/// The most one mail's SMTP session may take: well inside the 60 s a
/// transaction may stay idle (`db::SESSION_SETTINGS`).
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// How often an idle worker looks for due mails.
const POLL: Duration = Duration::from_secs(1);
/// How often it checks whether digests are due.
const DIGEST_EVERY: u32 = 30;
/// Comments a digest lists.
const DIGEST_ITEMS: i64 = 10;

/// The key of unsubscribe links, derived from the instance secret.
fn link_key(state: &AppState) -> Vec<u8> {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(b"majlis unsubscribe links ");
    h.update(&state.secret[..]);
    h.finalize().to_vec()
}

/// The one-click unsubscribe link for `who`.
pub fn unsubscribe_url(state: &AppState, who: Subscriber) -> Option<String> {
    let base = state.config.public_url.as_ref()?;
    let token = notify::unsubscribe_token(&link_key(state), who);
    Some(format!(
        "{}/api/v1/notifications/unsubscribe?token={token}",
        base.as_str().trim_end_matches('/')
    ))
}

/// Stops the mail a link's token names. `not_found` for a token that does
/// not check out.
pub async fn unsubscribe(state: &AppState, token: &str) -> Result<Subscriber, ApiError> {
    let who = notify::read_unsubscribe_token(&link_key(state), token)
        .ok_or(ApiError::new(ErrorCode::NotFound))?;
    let mut conn = state.pool.acquire().await?;
    match who {
        Subscriber::Reader(id) => {
            db::mail::unsubscribe_reader(&mut conn, id).await?;
        }
        Subscriber::Moderator(id) => {
            db::mail::unsubscribe_moderator(&mut conn, id).await?;
        }
    }
    Ok(who)
}

/// A moderator's mail settings, as asked for: checked against what this
/// instance can send.
pub async fn set_notifications(
    state: &AppState,
    moderator_id: i64,
    wanted: Notifications,
) -> Result<Notifications, ApiError> {
    if state.config.smtp_url.is_none() && wanted.notify != NotifyMode::Off.as_str() {
        return Err(ErrorCode::MailNotConfigured.into());
    }
    let mut conn = state.pool.acquire().await?;
    db::mail::set_notifications(&mut conn, moderator_id, &wanted)
        .await?
        .ok_or_else(|| ErrorCode::ModeratorNotFound.into())
}

/// `List-Unsubscribe: <url>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }
    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_owned()))
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Clone)]
struct OneClick;

impl Header for OneClick {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(OneClick)
    }
    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// This instance's way out: the SMTP transport and the sender.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `None` without `MAJLIS_SMTP_URL` (start-up checked the rest).
    pub fn from_config(config: &crate::config::Config) -> Option<Result<Mailer, String>> {
        let url = config.smtp_url.as_ref()?;
        let from = match config.mail_from.as_deref().map(str::parse::<Mailbox>) {
            Some(Ok(f)) => f,
            _ => return Some(Err("MAJLIS_MAIL_FROM is not a sender".to_owned())),
        };
        Some(
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                .map(|b| Mailer {
                    transport: b.timeout(Some(Duration::from_secs(10))).build(),
                    from,
                })
                // The URL holds a password: its error says only what kind.
                .map_err(|e| format!("MAJLIS_SMTP_URL cannot be used ({})", kind_of(&e))),
        )
    }
}

fn kind_of(e: &lettre::transport::smtp::Error) -> &'static str {
    if e.is_client() {
        "a client error"
    } else if e.is_permanent() {
        "refused"
    } else if e.is_transient() {
        "try again later"
    } else if e.is_timeout() {
        "timed out"
    } else if e.is_tls() {
        "TLS"
    } else {
        "unreachable"
    }
}

fn lang(code: Option<&str>) -> Lang {
    code.and_then(Lang::parse).unwrap_or_default()
}

fn mentioned(c: &MailComment) -> Mentioned<'_> {
    Mentioned {
        id: c.id,
        author_name: &c.author_name,
        body: &c.body,
        article_id: &c.article_id,
        article_title: c.article_title.as_deref(),
    }
}

/// Where a reader finds comment `c`: the article's page, else the
/// server-rendered thread.
fn comment_link(state: &AppState, c: &MailComment) -> String {
    match c.article_url.as_deref() {
        Some(url) => format!("{url}#comment-{}", c.id),
        None => {
            let base = state
                .config
                .public_url
                .as_ref()
                .map(|u| u.as_str().trim_end_matches('/').to_owned())
                .unwrap_or_default();
            let path: String = c
                .article_id
                .split('/')
                .map(|p| {
                    percent_encoding::utf8_percent_encode(p, percent_encoding::NON_ALPHANUMERIC)
                        .to_string()
                })
                .collect::<Vec<_>>()
                .join("/");
            format!(
                "{base}/embed/articles/{path}?site={}#comment-{}",
                c.site_id, c.id
            )
        }
    }
}

fn review_link(state: &AppState) -> String {
    state
        .config
        .public_url
        .as_ref()
        .map(|u| format!("{}/moderate/", u.as_str().trim_end_matches('/')))
        .unwrap_or_else(|| "/moderate/".to_owned())
}

/// What one job becomes: a recipient and a text, or why it is skipped.
enum Written {
    Mail {
        to: String,
        text: MailText,
        unsubscribe: String,
    },
    Skip(&'static str),
}

async fn write(state: &AppState, job: &MailJob) -> Result<Written, ApiError> {
    let mut conn = state.pool.acquire().await?;
    let review = review_link(state);
    let for_moderator = |job: &MailJob| -> Result<(String, Lang, String), &'static str> {
        let email = job.moderator_email.clone().ok_or("the account is gone")?;
        if job.moderator_disabled == Some(true) {
            return Err("the account is disabled");
        }
        let unsubscribe = job
            .moderator_id
            .and_then(|id| unsubscribe_url(state, Subscriber::Moderator(id)))
            .ok_or("no public URL for links")?;
        Ok((email, lang(job.moderator_lang.as_deref()), unsubscribe))
    };
    match job.kind.as_str() {
        "held" => {
            if job.moderator_notify.as_deref() != Some("each") {
                return Ok(Written::Skip("the moderator no longer asks for it"));
            }
            let (to, lang, unsubscribe) = match for_moderator(job) {
                Ok(x) => x,
                Err(why) => return Ok(Written::Skip(why)),
            };
            let Some(c) = db::mail::comment(&mut conn, job.comment_id.unwrap_or_default()).await?
            else {
                return Ok(Written::Skip("the comment is gone"));
            };
            let text = text::held(lang, &mentioned(&c), &review, &unsubscribe);
            Ok(Written::Mail {
                to,
                text,
                unsubscribe,
            })
        }
        "digest" => {
            if job.moderator_notify.as_deref() != Some("digest") {
                return Ok(Written::Skip("the moderator no longer asks for it"));
            }
            let (to, lang, unsubscribe) = match for_moderator(job) {
                Ok(x) => x,
                Err(why) => return Ok(Written::Skip(why)),
            };
            let (total, newest) =
                db::mail::waiting(&mut conn, job.moderator_sites.as_deref(), DIGEST_ITEMS).await?;
            if total == 0 {
                return Ok(Written::Skip("nothing waits any more"));
            }
            let items: Vec<Mentioned<'_>> = newest.iter().map(mentioned).collect();
            let text = text::digest(lang, total, &items, &review, &unsubscribe);
            Ok(Written::Mail {
                to,
                text,
                unsubscribe,
            })
        }
        "approved" | "reply" => {
            // The reader's own comment: the approved one, or the one the
            // reply answers.
            let reader_id = if job.kind == "approved" {
                job.comment_id
            } else {
                job.parent_id
            };
            let Some(reader) = db::mail::comment(&mut conn, reader_id.unwrap_or_default()).await?
            else {
                return Ok(Written::Skip("the comment is gone"));
            };
            let Some(code) = reader
                .notify_lang
                .as_deref()
                .filter(|_| !reader.author_email.is_empty())
            else {
                return Ok(Written::Skip("the reader no longer asks for it"));
            };
            let lang = lang(Some(code));
            let Some(unsubscribe) = unsubscribe_url(state, Subscriber::Reader(reader.id)) else {
                return Ok(Written::Skip("no public URL for links"));
            };
            let text = if job.kind == "approved" {
                if reader.status != "approved" {
                    return Ok(Written::Skip("the comment is no longer published"));
                }
                text::approved(
                    lang,
                    &mentioned(&reader),
                    &comment_link(state, &reader),
                    &unsubscribe,
                )
            } else {
                let Some(reply) =
                    db::mail::comment(&mut conn, job.comment_id.unwrap_or_default()).await?
                else {
                    return Ok(Written::Skip("the reply is gone"));
                };
                if reply.status != "approved" {
                    return Ok(Written::Skip("the reply is no longer published"));
                }
                text::reply(
                    lang,
                    &mentioned(&reply),
                    &comment_link(state, &reply),
                    &unsubscribe,
                )
            };
            Ok(Written::Mail {
                to: reader.author_email.clone(),
                text,
                unsubscribe,
            })
        }
        _ => Ok(Written::Skip("an unknown kind of mail")),
    }
}

/// One attempt at one mail.
async fn attempt(state: &AppState, mailer: &Mailer, job: &MailJob) -> Outcome {
    let failed = |status: Option<i32>, error: String| {
        let jitter = 0.75 + rand::random::<f64>() * 0.5;
        after_failure(
            job.attempts,
            job.retry_until,
            Utc::now(),
            jitter,
            status,
            error,
        )
    };
    let (to, text, unsubscribe) = match write(state, job).await {
        Ok(Written::Mail {
            to,
            text,
            unsubscribe,
        }) => (to, text, unsubscribe),
        Ok(Written::Skip(why)) => {
            return Outcome::Skipped {
                reason: why.to_owned(),
            };
        }
        Err(_) => return failed(None, "the mail could not be written".to_owned()),
    };
    let Ok(to) = to.parse::<Mailbox>() else {
        return Outcome::Failed {
            status: None,
            error: "the recipient's address is not usable".to_owned(),
        };
    };
    let message = Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(text.subject)
        .header(ContentType::TEXT_PLAIN)
        .header(ListUnsubscribe(unsubscribe))
        .header(OneClick)
        .body(text.body);
    let message = match message {
        Ok(m) => m,
        Err(_) => {
            return Outcome::Failed {
                status: None,
                error: "the mail could not be built".to_owned(),
            };
        }
    };
    // The batch is sent inside `send_due`'s transaction: one mail may not
    // keep it open longer than SEND_TIMEOUT.
    match tokio::time::timeout(SEND_TIMEOUT, mailer.transport.send(message)).await {
        Err(_) => failed(None, "SMTP: timed out".to_owned()),
        Ok(Ok(resp)) => Outcome::Sent {
            status: Some(i32::from(u16::from(resp.code()))),
        },
        Ok(Err(e)) => {
            let status = e.status().map(|c| i32::from(u16::from(c)));
            let error = format!("SMTP: {}", kind_of(&e));
            if e.is_permanent() {
                Outcome::Failed { status, error }
            } else {
                failed(status, error)
            }
        }
    }
}

/// Sends due mails (one batch) under the mail sender lock; returns how
/// many it took (`None`: another instance's worker holds the lock).
pub async fn send_due(state: &AppState, mailer: &Mailer) -> Result<Option<usize>, ApiError> {
    // The batch is sent inside this transaction (`db::outbox`); each mail
    // has at most SEND_TIMEOUT. Until the outcomes are recorded it writes
    // nothing, so it holds no transaction id the webhook worker's read of
    // the audit log would wait for.
    let mut tx = state.pool.begin().await?;
    if !db::mail::try_sender_lock(&mut tx).await? {
        return Ok(None);
    }
    let jobs = db::mail::due(&mut tx, BATCH).await?;
    crate::metrics::set_mail_lag(jobs.iter().map(|j| j.waited).fold(0.0, f64::max));
    if jobs.is_empty() {
        return Ok(Some(0));
    }
    let outcomes =
        futures_util::future::join_all(jobs.iter().map(|j| attempt(state, mailer, j))).await;
    let recorded: Vec<(i64, &Outcome)> = jobs.iter().map(|j| j.id).zip(&outcomes).collect();
    db::outbox::record(&mut tx, Queue::Mail, &recorded).await?;
    tx.commit().await?;
    for (job, outcome) in jobs.iter().zip(&outcomes) {
        crate::metrics::record_mail(outcome.label());
        if let Outcome::Failed { error, .. } = outcome {
            tracing::warn!(mail_id = job.id, kind = %job.kind, attempts = job.attempts, error = %error, "mail failed for good");
        }
    }
    Ok(Some(jobs.len()))
}

/// Every instance's mail worker (only with `MAJLIS_SMTP_URL`).
pub fn spawn_worker(state: Arc<AppState>) {
    let mailer = match Mailer::from_config(&state.config) {
        None => return,
        Some(Ok(m)) => m,
        Some(Err(e)) => {
            tracing::error!(error = %e, "mail: nothing will be sent");
            return;
        }
    };
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut round: u32 = 0;
        loop {
            tick.tick().await;
            if round.is_multiple_of(DIGEST_EVERY) {
                let queued = match state.pool.acquire().await {
                    Ok(mut conn) => db::mail::queue_digests(&mut conn)
                        .await
                        .map_err(ApiError::from),
                    Err(e) => Err(e.into()),
                };
                if let Err(e) = queued {
                    tracing::warn!(error = %e, "mail: queuing digests failed");
                }
            }
            round = round.wrapping_add(1);
            loop {
                match send_due(&state, &mailer).await {
                    Ok(Some(n)) if n as i64 == BATCH => continue,
                    Ok(Some(_)) => break,
                    Ok(None) => {
                        // Another instance sends: its gauge is the lag.
                        crate::metrics::set_mail_lag(0.0);
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "mail: sending failed");
                        break;
                    }
                }
            }
        }
    });
}
