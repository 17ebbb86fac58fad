//! Rendered public ticket views, kept in memory.
//!
//! `GET /api/v1/tickets/{code}` is what every tracker polls, and what a crowd
//! hits after a flood. Its answer only changes when a staff member changes the
//! ticket, so the JSON is rendered once and served from here until the store's
//! [`revision`](crate::store::Store::revision) moves on. The revision grows
//! before a change is acknowledged, so nobody reads an answer older than a
//! change they were told about; an entry rendered from a read that raced a
//! change carries the older revision and is never served.
//!
//! Any change drops every entry: changes come at the pace of people at desks,
//! reads at the pace of a crowd, and the next read of each ticket renders it
//! again.

use std::collections::HashMap;
use std::sync::RwLock;

use axum::body::Bytes;
use portal112_core::TicketCode;

/// Entries kept at most (a rendered ticket is 1-3 KB); when full, it starts over.
const MAX_ENTRIES: usize = 20_000;

/// Rendered public views by ticket code, valid for one store revision.
#[derive(Debug, Default)]
pub struct TicketViews {
    inner: RwLock<Views>,
}

#[derive(Debug, Default)]
struct Views {
    revision: u64,
    by_code: HashMap<TicketCode, Bytes>,
}

impl TicketViews {
    /// The view of `code` if it was rendered at `revision`.
    #[must_use]
    pub fn get(&self, code: &TicketCode, revision: u64) -> Option<Bytes> {
        let views = self.inner.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        if views.revision == revision { views.by_code.get(code).cloned() } else { None }
    }

    /// Keeps a view rendered from a read that began at `revision` (read the
    /// revision before reading the ticket).
    pub fn put(&self, code: TicketCode, revision: u64, view: Bytes) {
        let mut views = self.inner.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if revision > views.revision {
            views.by_code.clear();
            views.revision = revision;
        }
        if revision == views.revision {
            if views.by_code.len() >= MAX_ENTRIES {
                views.by_code.clear();
            }
            views.by_code.insert(code, view);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(b: u8) -> TicketCode {
        TicketCode::from_random_bytes([b, 2, 3, 4, 5])
    }

    #[test]
    fn views_live_for_one_revision() {
        let views = TicketViews::default();
        views.put(code(1), 0, Bytes::from_static(b"a"));
        assert_eq!(views.get(&code(1), 0).as_deref(), Some(&b"a"[..]));
        assert_eq!(views.get(&code(2), 0), None);
        assert_eq!(views.get(&code(1), 1), None, "a change makes every view stale");
        // A read that began before the change finishes after it: not kept.
        views.put(code(2), 1, Bytes::from_static(b"new"));
        views.put(code(1), 0, Bytes::from_static(b"old"));
        assert_eq!(views.get(&code(1), 1), None);
        assert_eq!(views.get(&code(2), 1).as_deref(), Some(&b"new"[..]));
    }
}
