//! The outbox's retry schedule, shared by webhook deliveries and mails:
//! after a failed attempt, try again after 5 s, doubling up to two hours,
//! each wait times a random 0.75-1.25, until a day after the event (or a
//! redelivery); then give up. Pure.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// How long a failed delivery is retried after its event.
pub const RETRY_FOR: Duration = Duration::from_secs(24 * 3600);

/// How an attempt went, as the outbox records it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Done; `status` is the receiver's answer (an HTTP status), if any.
    Sent { status: Option<i32> },
    /// Try again at `next`.
    Retry {
        status: Option<i32>,
        error: String,
        next: DateTime<Utc>,
    },
    /// Given up.
    Failed { status: Option<i32>, error: String },
    /// Not sent: no longer wanted (mail only).
    Skipped { reason: String },
}

impl Outcome {
    /// The metric's label.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Sent { .. } => "delivered",
            Outcome::Retry { .. } => "retry",
            Outcome::Failed { .. } => "failed",
            Outcome::Skipped { .. } => "skipped",
        }
    }
}

/// The wait before attempt `attempts + 1`, after `attempts` failed ones,
/// times `jitter` (0.75-1.25, drawn by the caller).
pub fn backoff(attempts: i32, jitter: f64) -> Duration {
    let base = 5.0 * 2f64.powi(attempts.clamp(1, 20) - 1);
    Duration::from_secs_f64(base.min(7200.0) * jitter.clamp(0.75, 1.25))
}

/// After the `attempts`th attempt failed at `now`: retry, or give up when
/// the next attempt would fall after `retry_until`.
pub fn after_failure(
    attempts: i32,
    retry_until: DateTime<Utc>,
    now: DateTime<Utc>,
    jitter: f64,
    status: Option<i32>,
    error: String,
) -> Outcome {
    let wait = chrono::Duration::from_std(backoff(attempts, jitter)).unwrap_or_default();
    let next = now + wait;
    if next > retry_until {
        Outcome::Failed { status, error }
    } else {
        Outcome::Retry {
            status,
            error,
            next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_five_seconds_to_two_hours() {
        assert_eq!(backoff(1, 1.0), Duration::from_secs(5));
        assert_eq!(backoff(2, 1.0), Duration::from_secs(10));
        assert_eq!(backoff(30, 1.0), Duration::from_secs(7200));
        assert_eq!(backoff(1, 0.5), Duration::from_secs_f64(3.75));
        assert_eq!(backoff(1, 2.0), Duration::from_secs_f64(6.25));
    }

    #[test]
    fn a_failure_is_retried_within_the_day_then_given_up() {
        let now = Utc::now();
        let until = now + chrono::Duration::hours(1);
        match after_failure(1, until, now, 1.0, Some(500), "HTTP 500".into()) {
            Outcome::Retry { next, status, .. } => {
                assert_eq!(next, now + chrono::Duration::seconds(5));
                assert_eq!(status, Some(500));
            }
            other => panic!("{other:?}"),
        }
        // Two hours' wait would pass the end: given up.
        assert_eq!(
            after_failure(12, until, now, 1.0, None, "timed out".into()),
            Outcome::Failed {
                status: None,
                error: "timed out".into()
            }
        );
    }
}
