//! The life of a ticket, and which moves the call centre may make.
//!
//! ```text
//! received -> verified -> assigned -> in_progress -> resolved -> closed
//!     \___________\___________\______ rejected (reason required)
//!      \___________\___________\_____ duplicate (of another code)
//!                                       resolved -> in_progress (reopened)
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Lang;

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Received,
    Verified,
    Assigned,
    InProgress,
    Resolved,
    Closed,
    Rejected,
    Duplicate,
    /// "Ditunda": waiting for the reporter or a third party; a reason is required.
    OnHold,
}

impl TryFrom<String> for Status {
    type Error = String;

    /// Reads a stored name back (`received`, `in_progress`, ...).
    fn try_from(name: String) -> Result<Self, String> {
        Status::from_name(&name).ok_or(name)
    }
}

impl Status {
    /// Every status, in the order of a ticket's life.
    pub const ALL: [Status; 9] = [
        Status::Received,
        Status::Verified,
        Status::Assigned,
        Status::InProgress,
        Status::Resolved,
        Status::Closed,
        Status::Rejected,
        Status::Duplicate,
        Status::OnHold,
    ];

    /// The statuses this one may move to.
    #[must_use]
    pub fn allowed_next(self) -> &'static [Status] {
        use Status::{Assigned, Closed, Duplicate, InProgress, OnHold, Received, Rejected, Resolved, Verified};
        match self {
            Received => &[Verified, Rejected, Duplicate, OnHold],
            Verified => &[Assigned, Rejected, Duplicate, OnHold],
            Assigned => &[InProgress, Rejected, Duplicate, OnHold],
            // Work can turn out to be a duplicate but is never rejected once begun.
            InProgress => &[Resolved, Duplicate, OnHold],
            // Once the reporter or the third party answers, work goes on where it fits.
            OnHold => &[Verified, Assigned, InProgress, Rejected, Duplicate],
            // A citizen may say it is not fixed: the agency reopens it.
            Resolved => &[Closed, InProgress],
            Closed | Rejected | Duplicate => &[],
        }
    }

    /// Whether `self -> next` is a legal move.
    #[must_use]
    pub fn can_move_to(self, next: Status) -> bool {
        self.allowed_next().contains(&next)
    }

    /// Open311 knows only `open` and `closed`.
    #[must_use]
    pub fn is_open(self) -> bool {
        matches!(self, Status::Received | Status::Verified | Status::Assigned | Status::InProgress | Status::OnHold)
    }

    /// The wire and storage name, e.g. `in_progress`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Received => "received",
            Status::Verified => "verified",
            Status::Assigned => "assigned",
            Status::InProgress => "in_progress",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Rejected => "rejected",
            Status::Duplicate => "duplicate",
            Status::OnHold => "on_hold",
        }
    }

    /// Reads the wire name back.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// What a citizen reads.
    #[must_use]
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Status::Received, Lang::Id) => "Diterima",
            (Status::Received, Lang::En) => "Received",
            (Status::Verified, Lang::Id) => "Diverifikasi",
            (Status::Verified, Lang::En) => "Verified",
            (Status::Assigned, Lang::Id) => "Diteruskan ke dinas",
            (Status::Assigned, Lang::En) => "Assigned to agency",
            (Status::InProgress, Lang::Id) => "Sedang ditangani",
            (Status::InProgress, Lang::En) => "In progress",
            (Status::Resolved, Lang::Id) => "Selesai ditangani",
            (Status::Resolved, Lang::En) => "Resolved",
            (Status::Closed, Lang::Id) => "Ditutup",
            (Status::Closed, Lang::En) => "Closed",
            (Status::Rejected, Lang::Id) => "Ditolak",
            (Status::Rejected, Lang::En) => "Rejected",
            (Status::Duplicate, Lang::Id) => "Laporan ganda",
            (Status::Duplicate, Lang::En) => "Duplicate",
            (Status::OnHold, Lang::Id) => "Ditunda",
            (Status::OnHold, Lang::En) => "On hold",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path_is_legal() {
        let path = [
            Status::Received,
            Status::Verified,
            Status::Assigned,
            Status::InProgress,
            Status::Resolved,
            Status::Closed,
        ];
        for pair in path.windows(2) {
            assert!(pair[0].can_move_to(pair[1]), "{} -> {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn terminal_states_go_nowhere() {
        for s in [Status::Closed, Status::Rejected, Status::Duplicate] {
            assert!(s.allowed_next().is_empty());
        }
    }

    #[test]
    fn no_skipping_and_no_self_moves() {
        assert!(!Status::Received.can_move_to(Status::Resolved));
        assert!(!Status::Received.can_move_to(Status::Closed));
        for s in Status::ALL {
            assert!(!s.can_move_to(s));
            assert!(!s.can_move_to(Status::Received));
        }
    }

    #[test]
    fn every_status_is_reachable_from_received() {
        let mut seen = vec![Status::Received];
        let mut i = 0;
        while i < seen.len() {
            for &n in seen[i].allowed_next() {
                if !seen.contains(&n) {
                    seen.push(n);
                }
            }
            i += 1;
        }
        assert_eq!(seen.len(), Status::ALL.len());
    }

    #[test]
    fn names_round_trip_and_match_serde() {
        for s in Status::ALL {
            assert_eq!(Status::from_name(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
        assert_eq!(Status::from_name("done"), None);
    }
}
