//! Per-client rate limits (keyed by [`ClientIp`](crate::extract::ClientIp))
//! and the per-account lock after failed sign-ins.
//!
//! Mobile carriers put many phones behind one address (CGNAT), so limits are
//! generous per address: they stop floods from one source, not a crowd of
//! citizens reporting the same flood.
//!
//! One process (SQLite) counts in memory. Instances sharing a PostgreSQL
//! database count in it ([`SharedLimits`]), so a client cannot get twice the
//! allowance by being balanced over two instances; the answer (429 with
//! Retry-After) is the same either way. There, addresses and account names
//! are stored only as salted hashes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use portal112_core::ErrorKind;

use crate::store::{SharedLimits, StoreResult};

/// A keyed limiter that answers with how long to wait.
#[derive(Debug)]
pub struct Limiter {
    inner: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
    /// Counting in the shared database instead, under this bucket name.
    shared: Option<(&'static str, Arc<dyn SharedLimits>)>,
    interval: Duration,
    burst: u32,
}

impl Limiter {
    /// Allows `per_minute` requests a minute per client, in bursts of up to `burst`.
    #[must_use]
    pub fn per_minute(per_minute: u32, burst: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            inner: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst)),
            clock: DefaultClock::default(),
            shared: None,
            interval: Duration::from_mins(1) / per_minute.get(),
            burst: burst.get(),
        }
    }

    /// Counts in `limits` (a database other instances share) under `bucket`
    /// instead of in memory, when there is one.
    #[must_use]
    pub fn shared(mut self, bucket: &'static str, limits: Option<Arc<dyn SharedLimits>>) -> Self {
        self.shared = limits.map(|l| (bucket, l));
        self
    }

    /// Takes one request from the client's allowance, or says how long to
    /// wait (the inner error); the outer one is a failure of the shared store.
    pub async fn check(&self, key: IpAddr) -> StoreResult<Result<(), ErrorKind>> {
        let Some((bucket, limits)) = &self.shared else { return Ok(self.check_here(key)) };
        let wait = limits.take(bucket, &limits.key_of(&key.to_string()), self.interval, self.burst).await?;
        Ok(match wait {
            None => Ok(()),
            Some(wait) => Err(ErrorKind::RateLimited { retry_after_s: whole_seconds(wait) }),
        })
    }

    /// [`Self::check`] in this process's memory.
    pub fn check_here(&self, key: IpAddr) -> Result<(), ErrorKind> {
        self.inner.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            ErrorKind::RateLimited { retry_after_s: wait.as_secs() + u64::from(wait.subsec_nanos() > 0) }
        })
    }

    /// Forgets clients that have been quiet; called now and then.
    pub async fn forget_idle(&self) {
        if let Some((bucket, limits)) = &self.shared {
            if let Err(e) = limits.forget_full(bucket).await {
                tracing::warn!(error = %e, bucket, "could not forget quiet clients");
            }
            return;
        }
        self.inner.retain_recent();
        self.inner.shrink_to_fit();
    }
}

/// How often idle clients are forgotten.
pub const FORGET_EVERY: Duration = Duration::from_mins(1);

/// When failed sign-ins lock an account, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    /// Failures in a row that lock the account (the last of them starts the lock).
    pub failures_before_lock: u32,
    /// The first lock; every further failure doubles it.
    pub first_lock: Duration,
    /// The longest lock.
    pub max_lock: Duration,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        Self { failures_before_lock: 5, first_lock: Duration::from_secs(1), max_lock: Duration::from_mins(15) }
    }
}

/// Accounts tracked at most; past this, new names are not tracked (the
/// per-address limit still holds) rather than letting memory grow.
const MAX_TRACKED_ACCOUNTS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    locked_until: Option<Instant>,
    last: Instant,
}

/// Per-account back-off after failed sign-ins: after
/// [`BackoffPolicy::failures_before_lock`] failures in a row the account is
/// locked, first for [`BackoffPolicy::first_lock`], twice as long after each
/// further failure, up to [`BackoffPolicy::max_lock`]. While locked, sign-ins
/// are refused without looking at the password, so guessing goes nowhere; a
/// success clears the count.
///
/// Keyed by the username as typed (case-folded), known or not, so the answer
/// does not tell which accounts exist. The per-address [`Limiter`] in front of
/// it slows down one source trying many names.
#[derive(Debug)]
pub struct LoginBackoff {
    policy: BackoffPolicy,
    accounts: Mutex<HashMap<String, Failures>>,
    /// Counting in the shared database instead.
    shared: Option<Arc<dyn SharedLimits>>,
}

fn key(username: &str) -> String {
    username.trim().to_lowercase()
}

fn whole_seconds(d: Duration) -> u64 {
    (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
}

impl LoginBackoff {
    #[must_use]
    pub fn new(policy: BackoffPolicy) -> Self {
        Self { policy, accounts: Mutex::new(HashMap::new()), shared: None }
    }

    /// Counts in `limits` (a database other instances share) instead of in
    /// memory, when there is one.
    #[must_use]
    pub fn shared(mut self, limits: Option<Arc<dyn SharedLimits>>) -> Self {
        self.shared = limits;
        self
    }

    fn accounts(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
        // A panic while holding the lock leaves plain counters behind: keep using them.
        self.accounts.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Refuses while the account is locked, saying how long to wait (the
    /// inner error); the outer one is a failure of the shared store.
    pub async fn check(&self, username: &str) -> StoreResult<Result<(), ErrorKind>> {
        let Some(limits) = &self.shared else { return Ok(self.check_at(username, Instant::now())) };
        Ok(match limits.locked_for(&limits.key_of(&key(username))).await? {
            Some(left) => Err(ErrorKind::LoginLocked { retry_after_s: whole_seconds(left) }),
            None => Ok(()),
        })
    }

    /// [`Self::check`] at a given time.
    pub fn check_at(&self, username: &str, now: Instant) -> Result<(), ErrorKind> {
        match self.accounts().get(&key(username)).and_then(|f| f.locked_until) {
            Some(until) if until > now => Err(ErrorKind::LoginLocked { retry_after_s: whole_seconds(until - now) }),
            _ => Ok(()),
        }
    }

    /// Counts a failed sign-in; returns the lock it starts, if it starts one.
    pub async fn failed(&self, username: &str) -> StoreResult<Option<Duration>> {
        let Some(limits) = &self.shared else { return Ok(self.failed_at(username, Instant::now())) };
        let p = self.policy;
        limits.sign_in_failed(&limits.key_of(&key(username)), p.failures_before_lock, p.first_lock, p.max_lock).await
    }

    /// [`Self::failed`] at a given time.
    pub fn failed_at(&self, username: &str, now: Instant) -> Option<Duration> {
        let mut accounts = self.accounts();
        let key = key(username);
        if !accounts.contains_key(&key) && accounts.len() >= MAX_TRACKED_ACCOUNTS {
            accounts.retain(|_, f| f.locked_until.is_some_and(|u| u > now));
            if accounts.len() >= MAX_TRACKED_ACCOUNTS {
                return None;
            }
        }
        let f = accounts.entry(key).or_insert(Failures { count: 0, locked_until: None, last: now });
        f.count = f.count.saturating_add(1);
        f.last = now;
        let beyond = f.count.checked_sub(self.policy.failures_before_lock.max(1))?;
        let lock = self.policy.first_lock.saturating_mul(1_u32 << beyond.min(30)).min(self.policy.max_lock);
        f.locked_until = Some(now + lock);
        Some(lock)
    }

    /// A successful sign-in: the account starts afresh.
    pub async fn succeeded(&self, username: &str) -> StoreResult<()> {
        if let Some(limits) = &self.shared {
            return limits.sign_in_succeeded(&limits.key_of(&key(username))).await;
        }
        self.accounts().remove(&key(username));
        Ok(())
    }

    /// Forgets accounts whose last failure is older than the longest lock and
    /// that are not locked now; called now and then.
    pub async fn forget_idle(&self) {
        if let Some(limits) = &self.shared {
            if let Err(e) = limits.forget_quiet_accounts(self.policy.max_lock).await {
                tracing::warn!(error = %e, "could not forget quiet accounts");
            }
            return;
        }
        let now = Instant::now();
        let keep_for = self.policy.max_lock;
        self.accounts().retain(|_, f| f.locked_until.is_some_and(|u| u > now) || now.duration_since(f.last) < keep_for);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_wait() {
        let l = Limiter::per_minute(60, 2);
        let ip = IpAddr::from([10, 0, 0, 1]);
        assert!(l.check_here(ip).is_ok());
        assert!(l.check_here(ip).is_ok());
        let Err(ErrorKind::RateLimited { retry_after_s }) = l.check_here(ip) else { panic!("third request passed") };
        assert!((1..=2).contains(&retry_after_s));
        assert!(l.check_here(IpAddr::from([10, 0, 0, 2])).is_ok(), "other clients are unaffected");
    }

    #[tokio::test]
    async fn failed_sign_ins_lock_the_account_for_longer_and_longer() {
        let b = LoginBackoff::new(BackoffPolicy {
            failures_before_lock: 3,
            first_lock: Duration::from_secs(2),
            max_lock: Duration::from_secs(10),
        });
        let t0 = Instant::now();
        assert_eq!(b.failed_at("budi", t0), None);
        assert_eq!(b.failed_at("budi", t0), None);
        assert!(b.check_at("budi", t0).is_ok(), "two failures do not lock yet");
        assert_eq!(b.failed_at("budi", t0), Some(Duration::from_secs(2)));
        assert_eq!(b.check_at("budi", t0), Err(ErrorKind::LoginLocked { retry_after_s: 2 }));
        assert_eq!(b.check_at(" BUDI ", t0), Err(ErrorKind::LoginLocked { retry_after_s: 2 }), "same account");
        assert!(b.check_at("sari", t0).is_ok(), "other accounts are unaffected");
        let t1 = t0 + Duration::from_millis(2500);
        assert!(b.check_at("budi", t1).is_ok(), "the lock ends");
        assert_eq!(b.failed_at("budi", t1), Some(Duration::from_secs(4)), "and doubles on the next failure");
        assert_eq!(
            b.check_at("budi", t1 + Duration::from_millis(500)),
            Err(ErrorKind::LoginLocked { retry_after_s: 4 })
        );
        let t2 = t1 + Duration::from_secs(5);
        assert_eq!(b.failed_at("budi", t2), Some(Duration::from_secs(8)));
        assert_eq!(b.failed_at("budi", t2 + Duration::from_secs(9)), Some(Duration::from_secs(10)), "capped");
        b.succeeded("Budi").await.expect("in memory");
        assert!(b.check_at("budi", t2 + Duration::from_secs(9)).is_ok(), "a success clears the lock");
        assert_eq!(b.failed_at("budi", t2 + Duration::from_secs(9)), None, "and the count");
    }
}
