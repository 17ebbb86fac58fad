//! Request and response bodies of the native JSON API, shared by server and app.
//!
//! Times travel as RFC 3339 strings in the city's offset (WITA, `+08:00`).

use serde::{Deserialize, Serialize};

use crate::city::Text;
use crate::geo::LatLng;
use crate::{Status, TicketCode};

/// A report as a citizen sends it (`POST /api/v1/reports`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewReport {
    /// A category code from `GET /api/v1/config`.
    pub category: String,
    /// What happened, 1 to 4000 characters.
    pub description: String,
    /// Where, from the map or the phone's location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<ReportLocation>,
    /// Kecamatan code, e.g. `71.72.06`; with `address`, an alternative to `location`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// Kelurahan code within `district`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<String>,
    /// Address or landmark, up to 300 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// When true, no contact is stored even if one is sent.
    #[serde(default)]
    pub anonymous: bool,
    /// How the call centre may reach the reporter; never public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
}

/// A point on the map with the phone's accuracy estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportLocation {
    pub lat: f64,
    pub lng: f64,
    /// Radius of the phone's uncertainty in metres, when from GPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
}

/// The reporter's contact: all optional, never public.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// An Indonesian number: `0812 3456 7890`, `+62 812-3456-7890`, `(0438) 21234`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Answer to a created report (201), also returned for an idempotent re-send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedReport {
    /// The ticket code to track the report with, e.g. `K7M-2QX-94R`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "K7M-2QX-94R"))]
    pub code: TicketCode,
    pub ticket: PublicTicket,
}

/// What anyone holding the code may see of a ticket.
///
/// For confidential categories only `code`, `status`, times and the status
/// timeline are present; everything that could identify the case is omitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicTicket {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "K7M-2QX-94R"))]
    pub code: TicketCode,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: Status,
    pub status_label: Text,
    pub confidential: bool,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<NamedRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<NamedRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<PlaceRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<PlaceRef>,
    /// Exact to 5 decimals, or for a sensitive category the centre of the
    /// kelurahan (`location_coarse`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<LatLng>,
    /// `location` stands for the kelurahan, not the place reported.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub location_coarse: bool,
    /// The landmark, once staff verified the report (never for a sensitive category).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// What the reporter wrote, once staff verified the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// URLs of the report's photos (`/api/v1/photos/{id}`), once staff verified the report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<String>,
    /// URLs of the photos staff added when handling it ("after"); never for
    /// confidential categories.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after_photos: Vec<String>,
    /// When the city promises the next step (absent for confidential
    /// tickets, finished ones and cities without service levels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promise: Option<crate::service_level::Promise>,
    /// Public history, oldest first.
    pub timeline: Vec<TimelineEntry>,
}

/// A category or agency by code, with its names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamedRef {
    pub code: String,
    pub name: Text,
}

/// A district or village by code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaceRef {
    pub code: String,
    pub name: String,
}

/// One public step in a ticket's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    /// Increasing per ticket; SSE uses it as the event id.
    pub seq: i64,
    pub at: String,
    /// The status after this step.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: Status,
    /// Set when this step changed the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub previous_status: Option<Status>,
    /// Set when this step handed the ticket to an agency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<NamedRef>,
    /// What the call centre or agency tells the reporter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For duplicates: the code of the original ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
}

/// Staff sign-in (`POST /api/v1/staff/session`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// A staff role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Call-centre operator: every ticket, contact included.
    Operator,
    /// Agency staff: their agency's tickets only, without the reporter's contact.
    Agency,
    /// Call-centre supervisor: what operators do, plus the audit log and the
    /// late-work views; no rights over accounts.
    Supervisor,
    /// Administrator: everything, plus accounts, reply templates and the video catalogue.
    Admin,
}

impl TryFrom<String> for Role {
    type Error = String;

    /// Reads a stored name back.
    fn try_from(name: String) -> Result<Self, String> {
        Role::from_name(&name).ok_or(name)
    }
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Operator, Role::Agency, Role::Supervisor, Role::Admin];

    /// The storage and CLI name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Agency => "agency",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Reads the storage and CLI name back.
    #[must_use]
    pub fn from_name(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this role may read the reporter's contact.
    #[must_use]
    pub fn sees_contact(self) -> bool {
        !matches!(self, Role::Agency)
    }

    /// Whether this role works the whole queue (every agency's tickets).
    #[must_use]
    pub fn sees_all_agencies(self) -> bool {
        !matches!(self, Role::Agency)
    }
}

/// A bearer token and who it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffSession {
    pub token: String,
    pub expires_at: String,
    pub username: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
}

/// A change a staff member makes to a ticket; any combination of fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketUpdate {
    /// The ticket's `revision` the change was made on; a ticket changed since
    /// answers `409 revision_conflict` instead of being overwritten.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub status: Option<Status>,
    /// Hand the ticket to this agency (operators and admins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// Shown to the reporter and the public; required when rejecting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_note: Option<String>,
    /// Seen by staff only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_note: Option<String>,
    /// With status `duplicate`: the code of the original ticket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<crate::staff::Priority>,
    /// A username of the ticket's agency to work it; `""` leaves it unassigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
}

/// Staff hide a ticket's details from the public, or show them again: the
/// description, the landmark and the reporter's photos. The public keeps
/// the category, the status, the agency, the times and the place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DetailsVisibility {
    /// The ticket's `revision` the change was made on; a ticket changed since
    /// answers `409 revision_conflict` instead of being overwritten.
    pub revision: i64,
    /// `true` hides the details, `false` shows them again.
    pub hidden: bool,
}

/// The whole record, for staff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffTicket {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: TicketCode,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: Status,
    pub category: NamedRef,
    pub agency: NamedRef,
    pub confidential: bool,
    pub created_at: String,
    pub updated_at: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<LatLng>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<PlaceRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<PlaceRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub anonymous: bool,
    /// Present for operators and admins when the reporter left one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// Where the report came from: `web`, `open311:<api key label>` or
    /// `telepon` (the operator who took the call is the first event's actor).
    pub source: String,
    pub channel: crate::staff::Channel,
    pub priority: crate::staff::Priority,
    /// The staff member of the agency working it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// Grows with every change; a change names the revision it was made on.
    pub revision: i64,
    /// The stage it is in and when that is due (service levels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<crate::service_level::TicketClock>,
    pub photos: Vec<String>,
    /// Photos the agency added when resolving ("after").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after_photos: Vec<String>,
    /// Citizens who said "me too" to this report on the portal.
    #[serde(default)]
    pub supporters: u32,
    /// Staff hid the description, landmark and reporter's photos from the
    /// public (`PUT /api/v1/staff/tickets/{code}/details`).
    #[serde(default)]
    pub details_hidden: bool,
    pub events: Vec<StaffEvent>,
}

/// One step of a ticket's history, with what staff alone may read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffEvent {
    pub seq: i64,
    pub at: String,
    /// Who: a staff username, `citizen` or `open311:<label>`.
    pub actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub from_status: Option<Status>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub to_status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    /// Set when this step changed the priority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<crate::staff::Priority>,
    /// Set when this step assigned the ticket (`""`: unassigned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
}

/// One line of the staff ticket list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffTicketSummary {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: TicketCode,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: Status,
    pub category: String,
    pub agency: String,
    pub confidential: bool,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// The first 140 characters of the description.
    pub summary: String,
    pub channel: crate::staff::Channel,
    pub priority: crate::staff::Priority,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    pub revision: i64,
    /// The stage it is in and when that is due, as its last change stored it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<crate::service_level::TicketClock>,
}

/// A page of the staff ticket list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffTicketPage {
    pub tickets: Vec<StaffTicketSummary>,
    pub page: u32,
    pub page_size: u32,
    pub total: u64,
}

/// An entry of the how-to video catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Video {
    pub id: String,
    pub agency: String,
    pub title: Text,
    #[serde(flatten)]
    pub source: VideoSource,
}

/// Where a video plays from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum VideoSource {
    /// Shown behind a facade; the youtube-nocookie player loads only on tap.
    Youtube {
        youtube_id: String,
        /// A locally served poster image, if the entry has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        poster_url: Option<String>,
    },
    /// A file served by the portal itself.
    File {
        url: String,
        mime: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        poster_url: Option<String>,
        /// `WebVTT` caption tracks by language.
        captions: Vec<Captions>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_s: Option<f64>,
        /// Made from the portal itself (`make videos`) rather than by the agency.
        #[serde(default)]
        generated: bool,
    },
}

/// One `WebVTT` caption track.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Captions {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub lang: crate::Lang,
    pub url: String,
}

/// Limits the form needs to check before sending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Limits {
    pub description_max_chars: usize,
    pub address_max_chars: usize,
    pub max_photos: usize,
    pub photo_max_bytes: usize,
}

impl Limits {
    /// The limits both sides enforce.
    pub const CURRENT: Limits = Limits {
        description_max_chars: crate::validate::DESCRIPTION_MAX,
        address_max_chars: crate::validate::ADDRESS_MAX,
        max_photos: crate::validate::MAX_PHOTOS,
        photo_max_bytes: crate::validate::PHOTO_MAX_BYTES,
    };
}

/// `GET /api/v1/config`: the city plus the limits of the form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicConfig {
    #[serde(flatten)]
    pub city: crate::city::CityConfig,
    pub limits: Limits,
}

impl PublicConfig {
    /// The configuration as the citizens' app reads it (`GET
    /// /api/v1/config.postcard`): the city, then the limits, in postcard's
    /// compact binary form. Fields go by position, not by name, so the app
    /// carries no reader that matches names (JSON's cost 7.7 KB brotli of the
    /// WebAssembly every page loads, and a cheap phone 30 ms at each start);
    /// the server and the app are built from these same types.
    ///
    /// # Errors
    /// None in practice: every field has a known length.
    pub fn to_postcard(&self) -> Result<Vec<u8>, postcard::Error> {
        postcard::to_allocvec(&(&self.city, &self.limits))
    }

    /// Reads [`PublicConfig::to_postcard`]'s bytes. In the browser's build
    /// only: elsewhere a city also holds what the server never sends (its
    /// service levels and calendar), which these bytes do not have.
    #[cfg(target_arch = "wasm32")]
    #[must_use]
    pub fn from_postcard(bytes: &[u8]) -> Option<Self> {
        let (city, limits) = postcard::from_bytes(bytes).ok()?;
        Some(Self { city, limits })
    }
}
