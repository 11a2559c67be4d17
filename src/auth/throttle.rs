//! Login throttling arithmetic. Every attempt is counted *before* the
//! password is checked (an atomic upsert in `db::login_throttle`), so
//! attempts racing on several servers are all counted; a good login gives
//! its attempt back. A key (an account or an IP) with more than `LIMIT`
//! attempts within `WINDOW_SECS` is refused until the window ends.

use chrono::{DateTime, Utc};

/// Failed attempts allowed per key within one window.
pub const LIMIT: i32 = 5;
pub const WINDOW_SECS: i64 = 15 * 60;

/// A key's counter after this attempt was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub attempts: i32,
    pub window_started: DateTime<Utc>,
}

/// `Some(seconds to wait)` when this attempt is over the limit.
pub fn retry_after(counter: Counter, now: DateTime<Utc>) -> Option<u64> {
    if counter.attempts <= LIMIT {
        return None;
    }
    let ends = counter.window_started + chrono::Duration::seconds(WINDOW_SECS);
    let secs = (ends - now).num_seconds().max(1);
    Some(u64::try_from(secs).unwrap_or(1))
}

/// The longest wait over several keys (account and IP).
pub fn longest_wait(counters: &[Counter], now: DateTime<Utc>) -> Option<u64> {
    counters.iter().filter_map(|c| retry_after(*c, now)).max()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn five_attempts_pass_and_the_sixth_waits_for_the_window_to_end() {
        let c = |attempts| Counter {
            attempts,
            window_started: at(0),
        };
        assert_eq!(retry_after(c(1), at(10)), None);
        assert_eq!(retry_after(c(5), at(10)), None);
        assert_eq!(retry_after(c(6), at(10)), Some(890));
        assert_eq!(retry_after(c(60), at(899)), Some(1));
        // At or past the end the database resets the window, but never 0.
        assert_eq!(retry_after(c(6), at(900)), Some(1));
    }

    #[test]
    fn the_longest_wait_of_account_and_ip_wins() {
        let a = Counter {
            attempts: 6,
            window_started: at(0),
        };
        let b = Counter {
            attempts: 9,
            window_started: at(300),
        };
        let ok = Counter {
            attempts: 1,
            window_started: at(0),
        };
        assert_eq!(longest_wait(&[a, b], at(400)), Some(800));
        assert_eq!(longest_wait(&[ok], at(400)), None);
        assert_eq!(longest_wait(&[], at(400)), None);
    }
}
