//! Where the server's "now" comes from: the system clock, or a clock that
//! tests set and move, so deadlines pass without anyone sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use crate::store::Millis;
use crate::view::now_millis;

/// The time every request and job reads; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The system's clock.
    #[must_use]
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock standing at `at` until it is set or moved.
    #[must_use]
    pub fn manual(at: Millis) -> Self {
        Self(Some(Arc::new(AtomicI64::new(at))))
    }

    /// Now, in storage form.
    #[must_use]
    pub fn now(&self) -> Millis {
        self.0.as_ref().map_or_else(now_millis, |at| at.load(Ordering::Acquire))
    }

    /// Sets a manual clock (the system clock cannot be set).
    ///
    /// # Panics
    /// On the system clock: a test that means to control time must say so.
    pub fn set(&self, at: Millis) {
        self.0.as_ref().expect("only a manual clock is set").store(at, Ordering::Release);
    }

    /// Moves a manual clock forward.
    ///
    /// # Panics
    /// On the system clock.
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.0.as_ref().expect("only a manual clock is moved").fetch_add(by, Ordering::AcqRel);
    }
}
