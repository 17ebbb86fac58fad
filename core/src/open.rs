//! What the portal publishes for everyone: the public map, "someone already
//! reported this", and the statistics. Shared by the server and the app.
//!
//! Every type here is built from the public projection of a ticket (the
//! server's `view::public_point`): never a contact, never an internal note,
//! no confidential ticket, a description only once staff verified the
//! report, and only a coarse place for sensitive categories.

use serde::{Deserialize, Serialize};

use crate::Status;

/// `GET /api/v1/map`: the tickets in the visible area; where they are too
/// dense to show one by one, grid cells with their count instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapAnswer {
    /// Tickets shown one by one, newest first.
    pub tickets: Vec<MapTicket>,
    /// Groups of tickets too close together to show one by one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<MapCluster>,
    /// How many tickets match in the area, clustered ones included.
    pub total: u32,
}

/// One ticket on the public map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapTicket {
    /// The ticket code, to open its tracking page.
    pub code: String,
    pub category: String,
    pub agency: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: Status,
    /// Whole days since it was reported.
    pub age_days: u32,
    /// Rounded to 5 decimals (about 1 m), or for sensitive categories the
    /// centre of the kelurahan (`coarse`).
    pub lat: f64,
    pub lng: f64,
    /// The place stands for the kelurahan, not the point reported.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub coarse: bool,
    /// Kecamatan code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// Kelurahan code, given with a `coarse` place: the place it stands for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<String>,
    /// The first 140 characters of the description, once staff verified it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// Several tickets in one grid cell of the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapCluster {
    /// The mean of the members' public places.
    pub lat: f64,
    pub lng: f64,
    pub count: u32,
}

/// `GET /api/v1/reports/nearby`: an open ticket of the same category close to
/// where a citizen is about to report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NearbyReport {
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: Status,
    pub category: String,
    pub created_at: String,
    /// Metres from the point asked about, rounded to 10 m (1 km for
    /// sensitive categories, whose place is coarse).
    pub distance_m: u32,
    /// The first 140 characters of the description, once staff verified it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// People who said "me too".
    pub supporters: u32,
}

/// `POST /api/v1/tickets/{code}/supporters`: the ticket's count after the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Supported {
    pub code: String,
    pub supporters: u32,
    /// False when this key (this phone) had already joined.
    pub added: bool,
}

/// `GET /api/v1/stats`: how the city answers reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    /// When the figures were computed (they are kept a few seconds).
    pub generated_at: String,
    /// Every ticket, confidential ones included (in numbers only).
    pub all: StatsGroup,
    /// Per agency handling the ticket now, in the city file's order.
    pub agencies: Vec<StatsGroup>,
    /// Per category, in the city file's order.
    pub categories: Vec<StatsGroup>,
    /// Reports received and resolved per ISO week, oldest first, the last 26
    /// weeks that have any.
    pub weeks: Vec<WeekFigures>,
}

/// The figures of one agency, one category, or all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatsGroup {
    /// Agency or category code; `all` for the whole city.
    pub code: String,
    pub received: u32,
    /// Still being worked on (received, verified, assigned, in progress, on hold).
    pub open: u32,
    /// Resolved or closed.
    pub resolved: u32,
    /// From the report to the first thing staff did with it.
    pub first_response: Duration,
    /// From the report to its resolution.
    pub resolution: Duration,
    /// Open tickets by how long ago they came in.
    pub open_by_age: AgeBuckets,
    /// Forwarded and answered within the service level; absent when the
    /// city keeps no service levels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_level: Option<ServiceShare>,
}

/// How many answered tickets were forwarded and answered in time.
///
/// Counted are the tickets whose agency has answered: resolved or closed,
/// or still open with only the resolution left (the agency took the ticket
/// up and gave the citizen its first word). Of these, `kept` went through
/// all four stages before the answer — the call centre verifying and
/// forwarding, the agency acknowledging and answering — each within its due
/// time: no such stage ended after its due time or was escalated as late
/// (time on hold does not count). Rejected and duplicate reports and
/// tickets still waiting for an answer are not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceShare {
    /// Answered tickets.
    pub count: u32,
    /// Of them, forwarded and answered within the service level.
    pub kept: u32,
    /// `kept` of `count` in whole percent; absent when `count` is 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<u32>,
}

/// A duration figure over the tickets it applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Duration {
    /// The median in minutes; absent when no ticket got that far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_minutes: Option<u32>,
    /// How many tickets the median is taken over.
    pub count: u32,
}

/// Open tickets by age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgeBuckets {
    /// Less than a day.
    pub under_1d: u32,
    /// One to three days.
    pub d1_3: u32,
    /// Three to seven days.
    pub d3_7: u32,
    /// Seven to thirty days.
    pub d7_30: u32,
    /// Thirty days or more.
    pub over_30d: u32,
}

/// One ISO week of the trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeekFigures {
    /// ISO week in the city's time, e.g. `2026-W48`.
    pub week: String,
    pub received: u32,
    pub resolved: u32,
}
