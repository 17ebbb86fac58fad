//! Rendered public ticket views, kept in memory, compressed ahead of time.
//!
//! `GET /api/v1/tickets/{code}` is what every tracker polls, and what a crowd
//! hits after a flood. Its answer only changes when a staff member changes the
//! ticket, so the JSON is rendered and compressed once and served from here
//! until the store's [`revision`](crate::store::Store::revision) of the ticket
//! moves on. The revision moves before a change is acknowledged, so nobody
//! reads an answer older than a change they were told about; a view rendered
//! from a read that raced a change carries the older revision and is never
//! served.

use std::collections::HashMap;
use std::sync::RwLock;

use portal112_core::TicketCode;

use crate::encoding::Precompressed;

/// Entries kept at most (a view is 2-4 KB in its three encodings); when
/// full, the cache starts over.
const MAX_ENTRIES: usize = 20_000;

/// Rendered public views by ticket code, each with the revision it was read at.
#[derive(Debug, Default)]
pub struct TicketViews {
    by_code: RwLock<HashMap<TicketCode, (u64, Precompressed)>>,
}

impl TicketViews {
    /// The view of `code`, if it was rendered at `revision`.
    #[must_use]
    pub fn get(&self, code: &TicketCode, revision: u64) -> Option<Precompressed> {
        let views = self.by_code.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        views.get(code).filter(|(at, _)| *at == revision).map(|(_, view)| view.clone())
    }

    /// Keeps a view rendered from a read that began at `revision` (read the
    /// revision before reading the ticket). A view from a newer revision is
    /// not replaced by an older one.
    pub fn put(&self, code: TicketCode, revision: u64, view: Precompressed) {
        let mut views = self.by_code.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if views.get(&code).is_some_and(|(at, _)| *at > revision) {
            return;
        }
        if views.len() >= MAX_ENTRIES && !views.contains_key(&code) {
            views.clear();
        }
        views.insert(code, (revision, view));
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Bytes;

    use super::*;

    fn code(b: u8) -> TicketCode {
        TicketCode::from_random_bytes([b, 2, 3, 4, 5])
    }

    fn view(s: &'static str) -> Precompressed {
        Precompressed::new(Bytes::from_static(s.as_bytes()), crate::encoding::Effort::Often)
    }

    #[test]
    fn views_live_for_their_tickets_revision() {
        let views = TicketViews::default();
        views.put(code(1), 0, view("a"));
        assert_eq!(views.get(&code(1), 0).map(|v| v.identity().clone()), Some(Bytes::from_static(b"a")));
        assert!(views.get(&code(2), 0).is_none());
        assert!(views.get(&code(1), 1).is_none(), "a change makes the view stale");
        // Rendered after the change; then a read that began before it finishes.
        views.put(code(1), 1, view("new"));
        views.put(code(1), 0, view("old"));
        assert_eq!(views.get(&code(1), 1).map(|v| v.identity().clone()), Some(Bytes::from_static(b"new")));
    }
}

/// Something read from the store for everyone (the public tickets, the
/// statistics) and kept briefly: read again when a ticket changed — at most
/// once per `quiet`, so a stream of new reports cannot make every request
/// read everything — and at least every [`Fresh::MAX_AGE`] (ages move on).
#[derive(Debug)]
pub struct Fresh<T> {
    slot: tokio::sync::Mutex<Option<(std::time::Instant, std::sync::Arc<T>)>>,
    notices: std::sync::Mutex<tokio::sync::broadcast::Receiver<crate::store::TicketNotice>>,
    changed: std::sync::atomic::AtomicBool,
    quiet: std::time::Duration,
}

impl<T> Fresh<T> {
    /// Kept at most this long even when no ticket changed.
    pub const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(30);

    /// Empty; `notices` tells it of changes (the store's subscription).
    #[must_use]
    pub fn new(
        notices: tokio::sync::broadcast::Receiver<crate::store::TicketNotice>,
        quiet: std::time::Duration,
    ) -> Self {
        Self {
            slot: tokio::sync::Mutex::new(None),
            notices: std::sync::Mutex::new(notices),
            changed: std::sync::atomic::AtomicBool::new(false),
            quiet,
        }
    }

    /// Marks the kept value stale after a change that makes no ticket
    /// notice (a "me too"), as a notice would.
    pub fn changed(&self) {
        self.changed.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// The kept value, or a new one from `load` when it is stale. Callers
    /// that arrive during a load wait for it rather than load again.
    pub async fn get_or_load<E, Fut>(&self, load: impl FnOnce() -> Fut) -> Result<std::sync::Arc<T>, E>
    where
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        use std::sync::atomic::Ordering;
        use tokio::sync::broadcast::error::TryRecvError;
        {
            let mut notices = self.notices.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            while let Ok(_) | Err(TryRecvError::Lagged(_)) = notices.try_recv() {
                self.changed.store(true, Ordering::SeqCst);
            }
        }
        let mut slot = self.slot.lock().await;
        if let Some((at, value)) = slot.as_ref() {
            let age = at.elapsed();
            if age < Self::MAX_AGE && (age < self.quiet || !self.changed.load(Ordering::SeqCst)) {
                return Ok(value.clone());
            }
        }
        // Changes noticed from here on make the new value stale in turn.
        self.changed.store(false, Ordering::SeqCst);
        let value = std::sync::Arc::new(load().await?);
        *slot = Some((std::time::Instant::now(), value.clone()));
        Ok(value)
    }
}
