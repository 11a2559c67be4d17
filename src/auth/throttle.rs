//! Login throttling policy ("smart lockout"): slow guessing down without
//! letting anyone lock the owner out.
//!
//! Every attempt is counted *before* the password is checked (atomic
//! upserts in `db::rate_limits`, shared by every instance), and a good
//! login gives its takes back. Three counters:
//!
//! - **per address** (an IPv4 address or an IPv6 /64), across accounts:
//!   `ADDRESS_LIMIT` attempts per `ADDRESS_WINDOW_SECS`, then that address
//!   waits. Failures elsewhere never touch it.
//! - **per account**, a paced budget shared by every address that has not
//!   logged in to this account before: `ACCOUNT_BURST` attempts at once,
//!   then one per `ACCOUNT_INTERVAL_SECS`. A distributed guesser gets at
//!   most `ACCOUNT_BURST + 3600 / ACCOUNT_INTERVAL_SECS` password checks
//!   per account per hour however many addresses it has; when the budget
//!   is spent, a new address waits at most `ACCOUNT_INTERVAL_SECS` for
//!   the next check (`Retry-After`): paced, never locked for good.
//! - **familiar networks**: a network this account logged in from within
//!   `FAMILIAR_SECS` skips the account budget, so the owner at their usual
//!   place gets in whatever strangers do.
//!
//! A refused attempt consumes nothing, so waiting `Retry-After` works.

use crate::client_ip::throttle_subject;
use crate::db::rate_limits::key;
use crate::domain::ModeratorEmail;
use std::net::IpAddr;

/// Attempts allowed per address within one window.
pub const ADDRESS_LIMIT: u32 = 5;
pub const ADDRESS_WINDOW_SECS: i64 = 15 * 60;
/// Attempts on one account from unfamiliar networks at once...
pub const ACCOUNT_BURST: u32 = 10;
/// ...then one per this many seconds (20 an hour).
pub const ACCOUNT_INTERVAL_SECS: i64 = 180;
/// How long a network stays familiar after a good login (30 days).
pub const FAMILIAR_SECS: i64 = 30 * 24 * 3600;

/// The most password checks per account per hour from unfamiliar networks.
pub const fn max_checks_per_hour() -> u64 {
    ACCOUNT_BURST as u64 + 3600 / ACCOUNT_INTERVAL_SECS as u64
}

// The policy's promises, checked when compiling: a distributed guesser
// gets a few dozen checks an hour at most, and a new address waits minutes.
const _: () = assert!(max_checks_per_hour() <= 36);
const _: () = assert!(ACCOUNT_INTERVAL_SECS <= 300);

/// The counter keys of one attempt, keyed hashes of the email and the
/// network (so unknown emails are throttled alike and nothing is stored
/// in clear).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleKeys {
    /// The address's counter, across accounts.
    pub address: String,
    /// The account's paced budget.
    pub account: String,
    /// The marker of a good login to this account from this network.
    pub familiar: String,
}

impl ThrottleKeys {
    pub fn new(secret: &[u8], email: &ModeratorEmail, ip: Option<IpAddr>) -> ThrottleKeys {
        let network = ip.map_or_else(|| "unknown".to_owned(), throttle_subject);
        let email = email.as_str().to_lowercase();
        ThrottleKeys {
            address: key(secret, "login:ip", &network),
            account: key(secret, "login:account", &email),
            familiar: key(secret, "login:known", &format!("{email}\u{0}{network}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_hide_the_email_and_the_ip_and_group_ipv6_by_64() {
        let secret = b"test secret";
        let e = ModeratorEmail::parse("Editor@News.Example").unwrap();
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        let k = ThrottleKeys::new(secret, &e, ip("203.0.113.9"));
        assert!(k.account.starts_with("login:account:") && !k.account.contains("editor"));
        assert!(k.address.starts_with("login:ip:") && !k.address.contains("203.0.113.9"));
        assert!(k.familiar.starts_with("login:known:"));
        let same = ModeratorEmail::parse("editor@news.example").unwrap();
        let other_ip = ThrottleKeys::new(secret, &same, ip("203.0.113.10"));
        assert_eq!(other_ip.account, k.account);
        assert_ne!(other_ip.address, k.address);
        assert_ne!(other_ip.familiar, k.familiar);
        let a = ThrottleKeys::new(secret, &e, ip("2001:db8:1:2::1"));
        let b = ThrottleKeys::new(secret, &e, ip("2001:db8:1:2:aaaa::7"));
        assert_eq!((a.address, a.familiar), (b.address, b.familiar));
    }
}
