//! The login use case. Wrong email and wrong password get the same 401 in
//! the same time (unknown emails are verified against a dummy hash), and
//! attempts are counted per account and per IP before the password is
//! checked, so the limit holds however many servers share the database.

use crate::auth::{password, throttle, token};
use crate::db;
use crate::db::audit::{LoginFailure, NewAuditEvent};
use crate::db::moderators::{Credentials, ModeratorRow};
use crate::domain::ModeratorEmail;
use crate::error::{ApiError, ErrorCode};
use crate::startup::AppState;
use crate::telemetry::spawn_blocking_in_span;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use std::net::IpAddr;

/// The throttle keys of an attempt: hashed, so unknown emails are
/// throttled alike and no address or IP is stored in clear.
pub fn throttle_keys(email: &ModeratorEmail, ip: Option<IpAddr>) -> [String; 2] {
    let ip = ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    [
        db::rate_limits::key("login:account", email.as_str()),
        db::rate_limits::key("login:ip", &ip),
    ]
}

pub struct LoggedIn {
    pub token: SecretString,
    pub expires_at: DateTime<Utc>,
    pub moderator: ModeratorRow,
}

/// What a verified password means for this account.
fn judge(creds: Option<&Credentials>, password_ok: bool) -> Result<(), LoginFailure> {
    match creds {
        None => Err(LoginFailure::UnknownAccount),
        Some(_) if !password_ok => Err(LoginFailure::WrongPassword),
        Some(c) if c.moderator.disabled => Err(LoginFailure::Disabled),
        Some(_) => Ok(()),
    }
}

#[tracing::instrument(skip_all, fields(moderator_id, outcome))]
pub async fn login(
    state: &AppState,
    email: &ModeratorEmail,
    password: SecretString,
    ip: Option<IpAddr>,
) -> Result<LoggedIn, ApiError> {
    let span = tracing::Span::current();
    let [account_key, ip_key] = throttle_keys(email, ip);
    let mut conn = state.pool.acquire().await?;
    let hits = [
        db::rate_limits::hit(&mut conn, &account_key, throttle::WINDOW_SECS).await?,
        db::rate_limits::hit(&mut conn, &ip_key, throttle::WINDOW_SECS).await?,
    ];
    if let Some(wait) = db::rate_limits::longest_wait(&hits, throttle::LIMIT) {
        span.record("outcome", "throttled");
        return Err(ApiError::rate_limited(wait));
    }
    let creds = db::moderators::fetch_credentials(&mut conn, email.as_str()).await?;
    drop(conn);
    let stored = creds.as_ref().map_or_else(
        || password::dummy_hash().to_owned(),
        |c| c.password_hash.clone(),
    );
    let candidate = password.clone();
    let ok = spawn_blocking_in_span(move || password::verify(&candidate, &stored))
        .await
        .map_err(ApiError::internal)?;

    let mut tx = state.pool.begin().await?;
    if let Err(why) = judge(creds.as_ref(), ok) {
        let id = creds.as_ref().map(|c| c.moderator.id);
        span.record("outcome", why.as_str());
        db::audit::insert(&mut tx, &NewAuditEvent::login_failed(id, why)).await?;
        tx.commit().await?;
        return Err(ErrorCode::InvalidCredentials.into());
    }
    let Some(creds) = creds else {
        return Err(ErrorCode::InvalidCredentials.into());
    };
    let id = creds.moderator.id;
    span.record("moderator_id", id).record("outcome", "ok");
    db::rate_limits::clear(&mut tx, &account_key).await?;
    db::rate_limits::give_back(&mut tx, &ip_key).await?;
    let token = token::generate();
    let expires_at = db::sessions::insert(&mut tx, &token::digest(&token), id).await?;
    db::sessions::delete_expired(&mut tx).await?;
    db::audit::insert(&mut tx, &NewAuditEvent::login_succeeded(id)).await?;
    tx.commit().await?;

    if password::needs_rehash(&creds.password_hash) {
        rehash(state, id, &creds.password_hash, password).await;
    }
    Ok(LoggedIn {
        token,
        expires_at,
        moderator: creds.moderator,
    })
}

/// Replaces a hash made with weaker parameters. A failure here only means
/// the old hash stays a little longer, so it is logged, not returned.
async fn rehash(state: &AppState, id: i64, old: &str, password: SecretString) {
    let fresh = spawn_blocking_in_span(move || password::hash(&password)).await;
    let result = match fresh {
        Ok(Ok(new)) => match state.pool.acquire().await {
            Ok(mut conn) => db::moderators::replace_hash(&mut conn, id, old, &new)
                .await
                .map_err(anyhow::Error::from),
            Err(e) => Err(e.into()),
        },
        Ok(Err(e)) => Err(e.into()),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => tracing::info!(
            moderator_id = id,
            "password re-hashed with current parameters"
        ),
        Err(e) => tracing::warn!(moderator_id = id, error = %e, "re-hashing a password failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_keys_hide_the_email_and_the_ip() {
        let e = ModeratorEmail::parse("Editor@News.Example").unwrap();
        let [account, ip] = throttle_keys(&e, Some("203.0.113.9".parse().unwrap()));
        assert!(account.starts_with("login:account:") && !account.contains("editor"));
        assert!(ip.starts_with("login:ip:") && !ip.contains("203.0.113.9"));
        let same = ModeratorEmail::parse("editor@news.example").unwrap();
        assert_eq!(throttle_keys(&same, None)[0], account);
        assert_ne!(throttle_keys(&same, None)[1], ip);
    }
}
