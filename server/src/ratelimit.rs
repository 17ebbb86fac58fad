//! Per-client rate limits (keyed by [`ClientIp`](crate::extract::ClientIp)).
//!
//! Mobile carriers put many phones behind one address (CGNAT), so limits are
//! generous per address: they stop floods from one source, not a crowd of
//! citizens reporting the same flood.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use portal112_core::ErrorKind;

/// A keyed limiter that answers with how long to wait.
#[derive(Debug)]
pub struct Limiter {
    inner: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
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
        }
    }

    /// Takes one request from the client's allowance, or says how long to wait.
    pub fn check(&self, key: IpAddr) -> Result<(), ErrorKind> {
        self.inner.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            ErrorKind::RateLimited { retry_after_s: wait.as_secs() + u64::from(wait.subsec_nanos() > 0) }
        })
    }

    /// Forgets clients that have been quiet; called now and then.
    pub fn forget_idle(&self) {
        self.inner.retain_recent();
        self.inner.shrink_to_fit();
    }
}

/// How often idle clients are forgotten.
pub const FORGET_EVERY: Duration = Duration::from_mins(1);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_wait() {
        let l = Limiter::per_minute(60, 2);
        let ip = IpAddr::from([10, 0, 0, 1]);
        assert!(l.check(ip).is_ok());
        assert!(l.check(ip).is_ok());
        let Err(ErrorKind::RateLimited { retry_after_s }) = l.check(ip) else { panic!("third request passed") };
        assert!((1..=2).contains(&retry_after_s));
        assert!(l.check(IpAddr::from([10, 0, 0, 2])).is_ok(), "other clients are unaffected");
    }
}
