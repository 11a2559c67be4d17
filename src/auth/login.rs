//! The login use case. Wrong email and wrong password get the same 401 in
//! the same time (unknown emails are verified against a dummy hash), and
//! attempts are counted per address and per account before the password
//! is checked (`throttle` has the policy), so the limits hold however many
//! servers share the database.

use crate::auth::throttle::{self, ThrottleKeys};
use crate::auth::{password, token};
use crate::db;
use crate::db::audit::{LoginFailure, NewAuditEvent};
use crate::db::moderators::{Credentials, ModeratorRow};
use crate::db::rate_limits::Take;
use crate::domain::ModeratorEmail;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use crate::telemetry::spawn_blocking_in_span;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use sqlx::PgConnection;
use std::net::IpAddr;

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
    let keys = ThrottleKeys::new(&state.secret, email, ip);
    let mut conn = state.pool.acquire().await?;
    let familiar = match admit(&mut conn, &keys).await? {
        Admission::Check { familiar } => familiar,
        Admission::Wait(secs) => {
            span.record("outcome", "throttled");
            return Err(ApiError::rate_limited(secs));
        }
    };
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
    db::rate_limits::give_back(&mut tx, &keys.address).await?;
    if !familiar {
        db::rate_limits::give_back_paced(&mut tx, &keys.account, throttle::ACCOUNT_INTERVAL_SECS)
            .await?;
    }
    db::rate_limits::remember(&mut tx, &keys.familiar, throttle::FAMILIAR_SECS).await?;
    let token = token::generate();
    let lifetime = crate::auth::session_lifetime(&state.config);
    let expires_at = db::sessions::insert(&mut tx, &token::digest(&token), id, lifetime).await?;
    db::sessions::delete_expired(&mut tx, lifetime).await?;
    db::audit::insert(
        &mut tx,
        &NewAuditEvent::login_succeeded(crate::domain::ids::Actor(id)),
    )
    .await?;
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

enum Admission {
    /// The password may be checked; `familiar`: the account logged in
    /// from this network lately (the account budget was not used).
    Check { familiar: bool },
    /// Refused for this many seconds; no counter changed.
    Wait(u64),
}

/// Counts an attempt against the address's window and, from a network
/// this account has not logged in from lately, the account's paced budget.
async fn admit(conn: &mut PgConnection, keys: &ThrottleKeys) -> Result<Admission, ApiError> {
    let familiar = db::rate_limits::is_remembered(conn, &keys.familiar).await?;
    let address = db::rate_limits::take(
        conn,
        &keys.address,
        throttle::ADDRESS_LIMIT,
        throttle::ADDRESS_WINDOW_SECS,
    )
    .await?;
    if let Take::Refused { retry_after } = address {
        return Ok(Admission::Wait(retry_after));
    }
    if familiar {
        return Ok(Admission::Check { familiar });
    }
    let account = db::rate_limits::pace(
        conn,
        &keys.account,
        throttle::ACCOUNT_INTERVAL_SECS,
        throttle::ACCOUNT_BURST,
    )
    .await?;
    match account {
        Take::Taken => Ok(Admission::Check { familiar }),
        Take::Refused { retry_after } => {
            db::rate_limits::give_back(conn, &keys.address).await?;
            Ok(Admission::Wait(retry_after))
        }
    }
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
