//! Login throttling policy. Every attempt is counted *before* the password
//! is checked (an atomic upsert in `db::rate_limits`, the same counters as
//! flood control), so attempts racing on several servers are all counted;
//! a good login gives its attempt back. A key (an account or an IP) with
//! more than `LIMIT` attempts within `WINDOW_SECS` is refused until the
//! window ends.

/// Attempts allowed per key within one window.
pub const LIMIT: i32 = 5;
pub const WINDOW_SECS: i64 = 15 * 60;
