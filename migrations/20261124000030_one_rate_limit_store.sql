-- Login throttling now uses the shared `rate_limits` counters (hashed keys,
-- the same atomic upsert as flood control).
drop table login_throttle;
