//! Storage behind one trait: everything the routes persist or read goes through
//! [`Store`]. SQLite (WAL, fsync on commit) is the embedded default for one
//! process; PostgreSQL lets several instances share one database. Routes never
//! notice which one they talk to.
//!
//! The trait is split by role ([`TicketStore`], [`StaffStore`],
//! [`MediaStore`], [`TemplateStore`], [`AuditStore`], [`WebhookStore`], [`Notices`]); a change
//! that staff make is written with its audit entry and its webhook outbox rows
//! in the same transaction, so no change exists without its entry (or its
//! announcement to the agency) and no entry without its change.
//!
//! All SQL lives under this module, always fixed text with bound parameters
//! ([`sql`] is the only way to it), written once for both databases
//! (`common`): the records below decode from either's rows.

mod common;
pub mod postgres;
pub mod sql;
pub mod sqlite;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use portal112_core::city::CityConfig;
use portal112_core::dto::Role;
use portal112_core::staff::{Channel, DeliveryState, Priority, Shift};
use portal112_core::validate::{ValidReport, ValidUpdate};
use portal112_core::{ApiError, Status, TicketCode};
use sqlx::{ColumnIndex, Decode, FromRow, Row, Type};
use tokio::sync::broadcast;

use crate::service_level::{ServiceClock, StageClock};

/// Milliseconds since the Unix epoch, the only time format stored.
pub type Millis = i64;

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The request broke a domain rule that can only be checked against stored
    /// state (an illegal status move, another agency's ticket, an unknown code).
    #[error("rejected: {}", .0.kind.code())]
    Rejected(ApiError),
    /// The freshly drawn ticket code already exists; draw another.
    #[error("ticket code already taken")]
    CodeTaken,
    /// The database failed; logged, and answered with a generic 500.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrations could not be applied.
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Stored data that does not read back (a bug or a hand-edited database).
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A new ticket, ready to be written in one transaction.
#[derive(Debug, Clone)]
pub struct NewTicket {
    pub code: TicketCode,
    pub report: ValidReport,
    pub photos: Vec<NewPhoto>,
    /// `web`, `open311:<api key label>`, or `telepon:<operator>`.
    pub source: String,
    pub channel: Channel,
    pub priority: Priority,
    /// Who the first history entry names: the source, or the operator who took the call.
    pub actor: String,
    /// Written with the ticket when staff create it (phone intake).
    pub audit: Option<AuditEntry>,
    pub created_at: Millis,
    pub idempotency: Option<Idempotency>,
    /// Open311 token handed out with the request, if any.
    pub open311_token: Option<String>,
    /// Its first stage's clock (none without service levels).
    pub clock: Option<StageClock>,
}

/// A client's Idempotency-Key and the hash of what it was sent with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    pub key: String,
    pub request_hash: String,
}

/// A cleaned photo (metadata removed) to store with its report.
#[derive(Debug, Clone)]
pub struct NewPhoto {
    pub id: String,
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// How a create ended.
#[derive(Debug)]
pub enum Created {
    /// Written now.
    New(Box<TicketRecord>),
    /// The same key and request came before: this is the ticket then made.
    Replayed(Box<TicketRecord>),
    /// The key came before with a different request.
    KeyConflict,
}

/// A ticket as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TicketRecord {
    #[sqlx(try_from = "String")]
    pub code: TicketCode,
    pub category: String,
    pub agency: String,
    pub confidential: bool,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub description: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub district: Option<String>,
    pub village: Option<String>,
    pub address: Option<String>,
    pub anonymous: bool,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub source: String,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    #[sqlx(try_from = "String")]
    pub priority: Priority,
    pub assignee: Option<String>,
    /// The seq of its newest history entry.
    pub revision: i64,
    /// Citizens who said "me too" to it.
    pub supporters: i64,
    /// Staff hid its description, landmark and photos from the public.
    pub details_hidden: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The stage it is in, as its history last said (`verify`, ...).
    pub sla_stage: Option<String>,
    /// When that stage began.
    pub sla_started_at: Option<Millis>,
    /// When that stage is due; `None` on hold or without a stage.
    pub sla_due_at: Option<Millis>,
    #[sqlx(skip)]
    pub photo_ids: Vec<String>,
    /// Photos staff added when handling it ("after"), in the order added.
    #[sqlx(skip)]
    pub after_photo_ids: Vec<String>,
    /// The newest public note (Open311 `status_notes`).
    #[sqlx(skip)]
    pub latest_public_note: Option<String>,
    /// The full history; empty in list results.
    #[sqlx(skip)]
    pub events: Vec<EventRecord>,
}

/// One row of the append-only status history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub seq: i64,
    pub at: Millis,
    pub actor: String,
    pub from_status: Option<Status>,
    pub to_status: Status,
    pub agency: Option<String>,
    pub public_note: Option<String>,
    pub internal_note: Option<String>,
    pub duplicate_of: Option<String>,
    /// Set when the step changed the priority.
    pub priority: Option<Priority>,
    /// Set when the step (re)assigned the ticket; `""` when it left nobody.
    pub assignee: Option<String>,
}

impl EventRecord {
    /// Whether anything in this step is for the public timeline.
    #[must_use]
    pub fn is_public(&self) -> bool {
        self.from_status.is_none()
            || self.from_status != Some(self.to_status)
            || self.agency.is_some()
            || self.public_note.is_some()
    }
}

/// Written by hand only for the one optional status (`None` on a ticket's
/// first entry), which sqlx's derive cannot convert; generic over the row
/// type like the derived ones, so both databases read it the same way.
impl<'r, R: Row> FromRow<'r, R> for EventRecord
where
    &'r str: ColumnIndex<R>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        let status = |column: &str, name: String| {
            Status::try_from(name).map_err(|name| sqlx::Error::ColumnDecode {
                index: column.to_owned(),
                source: format!("unknown status {name:?}").into(),
            })
        };
        let from: Option<String> = row.try_get("from_status")?;
        let priority: Option<String> = row.try_get("priority")?;
        let priority = priority
            .map(|name| {
                Priority::try_from(name).map_err(|name| sqlx::Error::ColumnDecode {
                    index: "priority".to_owned(),
                    source: format!("unknown priority {name:?}").into(),
                })
            })
            .transpose()?;
        Ok(EventRecord {
            seq: row.try_get("seq")?,
            at: row.try_get("at")?,
            actor: row.try_get("actor")?,
            from_status: from.map(|name| status("from_status", name)).transpose()?,
            to_status: status("to_status", row.try_get("to_status")?)?,
            agency: row.try_get("agency")?,
            public_note: row.try_get("public_note")?,
            internal_note: row.try_get("internal_note")?,
            duplicate_of: row.try_get("duplicate_of")?,
            priority,
            assignee: row.try_get("assignee")?,
        })
    }
}

/// A staff change to apply to a ticket, with who makes it.
#[derive(Debug, Clone)]
pub struct TicketChange {
    pub update: ValidUpdate,
    pub actor: String,
    /// For agency staff: the change is refused unless the ticket is this agency's.
    pub only_agency: Option<String>,
    pub at: Millis,
    /// The standby shift running at `at` (date in the city's time): a
    /// forwarded ticket without a named assignee goes to its first officer.
    pub on_duty: (String, Shift),
    /// The service levels that give the changed ticket its new clock.
    pub service: Arc<ServiceClock>,
    /// The city the change's webhook payloads are written for (its names of
    /// agencies, categories and places, its time offset): the outbox rows are
    /// written inside the change's transaction, from the ticket as it now stands.
    pub city: Arc<CityConfig>,
}

/// Staff hiding a ticket's details from the public, or showing them again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailsChange {
    pub hidden: bool,
    /// The revision the staff member saw.
    pub revision: i64,
    pub actor: String,
    pub at: Millis,
}

/// A late stage to record once: the history entry and the audit entry that
/// say so, written only if no instance recorded this stage before.
#[derive(Debug, Clone)]
pub struct Escalation {
    pub code: TicketCode,
    /// The revision the lateness was read at: a ticket changed since is
    /// looked at again rather than escalated on stale facts.
    pub revision: i64,
    pub clock: StageClock,
    pub agency: String,
    pub at: Millis,
    /// The internal note of the history entry.
    pub note: String,
    /// For the agency's webhook payload, written in the same transaction.
    pub city: Arc<CityConfig>,
    pub service: Arc<ServiceClock>,
}

/// A change made: the new history entry and the ticket as it now stands,
/// read inside the transaction that made it.
#[derive(Debug, Clone)]
pub struct Changed {
    pub event: EventRecord,
    pub ticket: TicketRecord,
}

/// A stored photo with what decides whether it may be shown.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PhotoRecord {
    pub mime: String,
    pub bytes: Vec<u8>,
    pub confidential: bool,
}

/// Filters of the staff ticket list.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub status: Option<Status>,
    pub agency: Option<String>,
    pub category: Option<String>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
    /// Only these codes (Open311 `service_request_id` lists).
    pub codes: Option<Vec<String>>,
    /// Open311 maps its `open`/`closed` onto sets of statuses.
    pub statuses: Option<Vec<Status>>,
    /// Only these categories (Open311 lists several `service_code`s).
    pub categories: Option<Vec<String>>,
    /// Leave confidential tickets out (public listings).
    pub exclude_confidential: bool,
    pub district: Option<String>,
    pub channel: Option<Channel>,
    pub priority: Option<Priority>,
    /// Free text: a ticket code, or words all found in the description.
    pub text: Option<TextSearch>,
    /// Most urgent first, then oldest first (instead of newest first).
    pub queue_order: bool,
    /// With the queue order: tickets whose stage is due by then come first.
    pub late_first_at: Option<Millis>,
    /// Only tickets whose stage was due by then.
    pub late_at: Option<Millis>,
    pub offset: u64,
    pub limit: u64,
}

/// The staff list's free-text search, already taken apart: a ticket
/// matches by its code, or by containing every word in its description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextSearch {
    /// The text read as a ticket code (compact form), when it reads as one.
    pub code: Option<String>,
    /// Lower-case words, each of which the description must contain.
    pub words: Vec<String>,
}

/// An open ticket near a point, before its distance is measured.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct NearbyRecord {
    pub code: String,
    pub agency: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub created_at: Millis,
    pub lat: f64,
    pub lng: f64,
    pub description: String,
}

/// What may become public of a non-confidential ticket, before
/// `view::public_point` decides how much of it does.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PublicRow {
    pub code: String,
    pub category: String,
    pub agency: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub description: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub district: Option<String>,
    pub village: Option<String>,
    pub address: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub supporters: i64,
    /// Staff hid its description, landmark and photos from the public.
    pub details_hidden: bool,
}

/// The times the statistics need of one ticket (confidential ones included).
/// Read as a row, or (SQLite) from a JSON array of the same columns in order.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Deserialize)]
pub struct StatsRow {
    pub category: String,
    pub agency: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub created_at: Millis,
    /// The first step staff took after the report.
    pub first_response_at: Option<Millis>,
    /// The first time it was resolved (or closed without being resolved first).
    pub resolved_at: Option<Millis>,
    /// The agency has answered it: resolved or closed, or only the
    /// resolution left (its service-level stage is `resolve`).
    pub answered: bool,
    /// A stage before the answer passed its due time.
    pub sla_missed: bool,
}

/// How a "me too" ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Supporting {
    /// The ticket's count now.
    pub supporters: i64,
    /// False when this key had already joined.
    pub added: bool,
}

/// One shift of the standby roster: who of `agency` is on duty, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandbyRecord {
    pub agency: String,
    pub date: String,
    pub shift: Shift,
    pub officers: Vec<String>,
}

/// A staff account.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffRecord {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub agency: Option<String>,
    pub created_at: Millis,
    /// When the account was disabled; a disabled account cannot sign in.
    pub disabled_at: Option<Millis>,
}

/// What an admin's change makes of an account: its whole new state (the use
/// case works it out from the account as it was and checks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUpdate {
    pub role: Role,
    pub agency: Option<String>,
    /// A new password's hash (a reset).
    pub password_hash: Option<String>,
    /// `Some(Some(at))` disables, `Some(None)` enables, `None` leaves it.
    pub disabled_at: Option<Option<Millis>>,
    /// When the change is made (sessions it ends end then).
    pub at: Millis,
}

impl StaffUpdate {
    /// Whether the account's sessions must end with this change: a password
    /// reset or disabling.
    #[must_use]
    pub fn ends_sessions(&self) -> bool {
        self.password_hash.is_some() || matches!(self.disabled_at, Some(Some(_)))
    }
}

/// A reply template as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TemplateRecord {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub title: String,
    pub text: String,
}

/// Filters of the audit log; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<AuditAction>,
    /// Entries whose target contains this text.
    pub target: Option<String>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
    pub offset: u64,
    pub limit: u64,
}

/// A staff account to add (or whose password and role to reset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStaff {
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub agency: Option<String>,
}

/// Where a catalogue video plays from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoKind {
    /// A YouTube video, by id.
    Youtube,
    /// A file under the media folder.
    File,
}

impl VideoKind {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            VideoKind::Youtube => "youtube",
            VideoKind::File => "file",
        }
    }
}

impl TryFrom<String> for VideoKind {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        match name.as_str() {
            "youtube" => Ok(VideoKind::Youtube),
            "file" => Ok(VideoKind::File),
            _ => Err(name),
        }
    }
}

/// An entry of the video catalogue as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct VideoRecord {
    pub id: String,
    pub agency: String,
    pub title_id: String,
    pub title_en: String,
    #[sqlx(try_from = "String")]
    pub kind: VideoKind,
    pub youtube_id: Option<String>,
    /// For files: the stored file name under the media folder.
    pub file_name: Option<String>,
    pub mime: Option<String>,
    pub captions_id: Option<String>,
    pub captions_en: Option<String>,
    /// Stored poster image file name.
    pub poster: Option<String>,
    pub created_at: Millis,
}

impl VideoRecord {
    /// The entry's files under the media folder's `videos/`.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        [&self.file_name, &self.captions_id, &self.captions_en, &self.poster].into_iter().flatten().map(String::as_str)
    }
}

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    Login,
    LoginFailed,
    LoginLocked,
    /// A sign-in refused without checking the password: the account is locked.
    LoginRefused,
    Logout,
    TicketEvent,
    VideoAdd,
    VideoRemove,
    StaffAdd,
    ApiKeyCreate,
    /// An admin changed an account's role or agency.
    StaffChange,
    StaffPasswordReset,
    StaffDisable,
    StaffEnable,
    TemplateAdd,
    TemplateChange,
    TemplateRemove,
    /// Staff added an "after" photo to a ticket.
    TicketPhotoAdd,
    /// A 112 call recorded as a ticket by an operator.
    PhoneIntake,
    /// A shift of the standby roster set.
    StandbySet,
    /// A ticket's stage passed its due time (recorded once per stage).
    TicketEscalate,
    /// A webhook endpoint added for an agency.
    WebhookAdd,
    /// A webhook endpoint removed.
    WebhookRemove,
    /// A webhook delivery sent again by staff.
    WebhookResend,
    /// Staff hid a ticket's details from the public, or showed them again.
    TicketDetailsHidden,
}

impl AuditAction {
    /// Every action, in the order the audit filter lists them.
    pub const ALL: [AuditAction; 25] = [
        AuditAction::Login,
        AuditAction::LoginFailed,
        AuditAction::LoginLocked,
        AuditAction::LoginRefused,
        AuditAction::Logout,
        AuditAction::TicketEvent,
        AuditAction::VideoAdd,
        AuditAction::VideoRemove,
        AuditAction::StaffAdd,
        AuditAction::ApiKeyCreate,
        AuditAction::StaffChange,
        AuditAction::StaffPasswordReset,
        AuditAction::StaffDisable,
        AuditAction::StaffEnable,
        AuditAction::TemplateAdd,
        AuditAction::TemplateChange,
        AuditAction::TemplateRemove,
        AuditAction::TicketPhotoAdd,
        AuditAction::PhoneIntake,
        AuditAction::StandbySet,
        AuditAction::TicketEscalate,
        AuditAction::WebhookAdd,
        AuditAction::WebhookRemove,
        AuditAction::WebhookResend,
        AuditAction::TicketDetailsHidden,
    ];

    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::LoginLocked => "login_locked",
            AuditAction::LoginRefused => "login_refused",
            AuditAction::Logout => "logout",
            AuditAction::TicketEvent => "ticket_event",
            AuditAction::VideoAdd => "video_add",
            AuditAction::VideoRemove => "video_remove",
            AuditAction::StaffAdd => "staff_add",
            AuditAction::ApiKeyCreate => "api_key_create",
            AuditAction::StaffChange => "staff_change",
            AuditAction::StaffPasswordReset => "staff_password_reset",
            AuditAction::StaffDisable => "staff_disable",
            AuditAction::StaffEnable => "staff_enable",
            AuditAction::TemplateAdd => "template_add",
            AuditAction::TemplateChange => "template_change",
            AuditAction::TemplateRemove => "template_remove",
            AuditAction::TicketPhotoAdd => "ticket_photo_add",
            AuditAction::PhoneIntake => "phone_intake",
            AuditAction::StandbySet => "standby_set",
            AuditAction::TicketEscalate => "ticket_escalate",
            AuditAction::WebhookAdd => "webhook_add",
            AuditAction::WebhookRemove => "webhook_remove",
            AuditAction::WebhookResend => "webhook_resend",
            AuditAction::TicketDetailsHidden => "ticket_details_hidden",
        }
    }

    /// Reads a stored (or asked-for) name back.
    #[must_use]
    pub fn from_name(name: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

impl TryFrom<String> for AuditAction {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        AuditAction::from_name(&name).ok_or(name)
    }
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEntry {
    pub at: Millis,
    /// A staff username, `cli`, or the username a failed sign-in typed.
    pub actor: String,
    #[sqlx(try_from = "String")]
    pub action: AuditAction,
    /// What it concerned (`<code>#<seq>` for ticket events, a video id, ...).
    pub target: String,
}

impl AuditEntry {
    /// An entry by `actor` at `at`.
    #[must_use]
    pub fn new(at: Millis, actor: impl Into<String>, action: AuditAction, target: impl Into<String>) -> Self {
        Self { at, actor: actor.into(), action, target: target.into() }
    }
}

/// A ticket was filed (`seq` 1) or changed: sent to every open tracker of
/// the code (when `public`) and to every staff stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketNotice {
    pub code: TicketCode,
    pub seq: i64,
    /// Whether the step shows on the public timeline.
    pub public: bool,
}

/// Ticket change counters kept by a store: tickets share one when their codes
/// hash alike, which only costs a cached view being rendered again.
pub(crate) const REVISION_SLOTS: usize = 4096;

/// The counter of [`Notices::revision`] a ticket uses.
pub(crate) fn revision_slot(code: &TicketCode) -> usize {
    // FNV-1a over the code's nine symbols.
    let hash =
        code.compact().bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    (hash % REVISION_SLOTS as u64) as usize
}

/// Rate-limit state kept in a database that every instance shares, so a
/// client's allowance and an account's sign-in lock count across instances.
/// Keys are hashed with [`SharedLimits::key_of`] before they are stored.
#[async_trait]
pub trait SharedLimits: Send + Sync + std::fmt::Debug {
    /// The stored form of a client address or account name: a salted hash.
    fn key_of(&self, raw: &str) -> String;

    /// Takes one request from `key`'s allowance in `bucket` — one request per
    /// `interval`, bursts of up to `burst` — or says how long to wait.
    async fn take(&self, bucket: &str, key: &str, interval: Duration, burst: u32) -> StoreResult<Option<Duration>>;

    /// Forgets clients of `bucket` whose allowance is full again.
    async fn forget_full(&self, bucket: &str) -> StoreResult<()>;

    /// How long the account `key` stays locked, if it is.
    async fn locked_for(&self, key: &str) -> StoreResult<Option<Duration>>;

    /// Counts a failed sign-in of `key`; from the `failures_before_lock`-th in
    /// a row on, locks the account for `first_lock`, doubling with every
    /// further failure up to `max_lock`. Returns the lock it starts.
    async fn sign_in_failed(
        &self,
        key: &str,
        failures_before_lock: u32,
        first_lock: Duration,
        max_lock: Duration,
    ) -> StoreResult<Option<Duration>>;

    /// A successful sign-in: the account starts afresh.
    async fn sign_in_succeeded(&self, key: &str) -> StoreResult<()>;

    /// Forgets accounts that are not locked and failed last longer than
    /// `quiet` ago.
    async fn forget_quiet_accounts(&self, quiet: Duration) -> StoreResult<()>;
}

/// Tickets: reports, their photos and history, and staff changes to them.
#[async_trait]
pub trait TicketStore {
    /// Writes a ticket, its photos, its first event and its idempotency key in
    /// one durable transaction — or finds the ticket an earlier send made.
    async fn create_ticket(&self, ticket: NewTicket) -> StoreResult<Created>;

    /// A ticket with its photo ids and full history.
    async fn ticket(&self, code: &TicketCode) -> StoreResult<Option<TicketRecord>>;

    /// Applies a staff change in one transaction: checks it against the
    /// ticket as it is inside the transaction (core's rules), appends the
    /// history entry, updates the ticket and writes the change's audit entry
    /// (`ticket_event`, `<code>#<seq>`). Either all of it is stored or none.
    async fn change_ticket(&self, code: &TicketCode, change: TicketChange) -> StoreResult<Changed>;

    /// A page of tickets, newest first (or in queue order), and how many match in all.
    async fn list_tickets(&self, filter: &TicketFilter) -> StoreResult<(Vec<TicketRecord>, u64)>;

    /// Tickets of `category` in `statuses` whose point lies in the box
    /// `lat_min..=lat_max`, `lng_min..=lng_max`, `code` itself left out.
    async fn tickets_in_box(
        &self,
        code: &TicketCode,
        category: &str,
        statuses: &[Status],
        lat: (f64, f64),
        lng: (f64, f64),
    ) -> StoreResult<Vec<NearbyRecord>>;

    /// Every non-confidential ticket, newest first (the map, nearby and the
    /// open data filter them in memory, see `usecases::public`).
    async fn public_rows(&self) -> StoreResult<Vec<PublicRow>>;

    /// Every ticket's category, agency, status and times, for the statistics.
    async fn stats_rows(&self) -> StoreResult<Vec<StatsRow>>;

    /// Counts the holder of `key_hash` as a supporter of the open,
    /// non-confidential ticket `code`, once, in one transaction; refused as
    /// `ticket_not_found` (no such public ticket) or `ticket_not_open`.
    async fn add_supporter(&self, code: &TicketCode, key_hash: &str, at: Millis) -> StoreResult<Supporting>;

    /// A photo by id.
    async fn photo(&self, id: &str) -> StoreResult<Option<PhotoRecord>>;

    /// Adds an "after" photo to a ticket in one transaction with its audit
    /// entry; refused as `ticket_not_found` when the ticket does not exist or
    /// (with `only_agency`) is another agency's, and when it already has
    /// `max` after photos. Returns the ticket as it now stands.
    async fn add_after_photo(
        &self,
        code: &TicketCode,
        photo: &NewPhoto,
        only_agency: Option<&str>,
        max: usize,
        audit: AuditEntry,
    ) -> StoreResult<TicketRecord>;

    /// Hides the ticket's details from the public (or shows them again) if
    /// it is still at `change.revision`, with a history entry (for staff
    /// only) and the audit entry in one transaction; refused as
    /// `ticket_not_found` or `revision_conflict`. Asking for the state the
    /// ticket is already in changes nothing and returns it as it stands.
    async fn set_details_hidden(&self, code: &TicketCode, change: DetailsChange) -> StoreResult<TicketRecord>;

    /// The ticket an Open311 token stands for.
    async fn open311_token(&self, token: &str) -> StoreResult<Option<TicketCode>>;

    /// Tickets whose stage was due by `now` and has not escalated yet,
    /// earliest due first.
    async fn due_unescalated(&self, now: Millis, limit: u32) -> StoreResult<Vec<TicketCode>>;

    /// Records a late stage with its history and audit entries, unless any
    /// instance recorded that stage before or the ticket changed since the
    /// lateness was read (`None` then).
    async fn escalate(&self, escalation: Escalation) -> StoreResult<Option<Changed>>;

    /// Rewrites a ticket's stored clock if it is still at `revision` (after
    /// the city's service levels changed).
    async fn set_clock(&self, code: &TicketCode, revision: i64, clock: Option<StageClock>) -> StoreResult<()>;
}

/// Staff accounts, their sessions, and Open311 API keys. Every change is
/// written with its audit entry in one transaction.
#[async_trait]
pub trait StaffStore {
    /// Adds an account, or resets the password, role and agency of an
    /// existing one of the same username (enabling it again and ending its
    /// sessions); returns its id.
    async fn add_staff(&self, staff: &NewStaff, audit: AuditEntry) -> StoreResult<i64>;
    /// Adds a new account; refused (`username_taken`) when the username exists.
    async fn create_staff(&self, staff: &NewStaff, audit: AuditEntry) -> StoreResult<StaffRecord>;
    /// Applies an admin's change to the account `username` with its audit
    /// entries, ending every session of the account when the change
    /// [ends sessions](StaffUpdate::ends_sessions); `None` if no such account.
    async fn update_staff(
        &self,
        username: &str,
        update: &StaffUpdate,
        audit: Vec<AuditEntry>,
    ) -> StoreResult<Option<StaffRecord>>;
    /// Every account, by username.
    async fn staff_accounts(&self) -> StoreResult<Vec<StaffRecord>>;
    /// Usernames of the enabled accounts of `agency`, sorted.
    async fn agency_staff(&self, agency: &str) -> StoreResult<Vec<String>>;
    async fn staff_by_username(&self, username: &str) -> StoreResult<Option<StaffRecord>>;
    async fn create_session(
        &self,
        token_hash: &str,
        staff_id: i64,
        expires_at: Millis,
        audit: AuditEntry,
    ) -> StoreResult<()>;
    /// The account of a live (unexpired, unrevoked) session of an enabled account.
    async fn session(&self, token_hash: &str, now: Millis) -> StoreResult<Option<StaffRecord>>;
    /// When a live session ends, unless revoked first.
    async fn session_expires(&self, token_hash: &str, now: Millis) -> StoreResult<Option<Millis>>;
    /// Ends a session; false (and no audit entry) if it was not live.
    async fn revoke_session(&self, token_hash: &str, audit: AuditEntry) -> StoreResult<bool>;

    async fn add_api_key(&self, key_hash: &str, label: &str, audit: AuditEntry) -> StoreResult<()>;
    /// The label of a live API key.
    async fn api_key(&self, key_hash: &str) -> StoreResult<Option<String>>;

    /// Which of `usernames` are enabled agency accounts of `agency` (who may work its tickets).
    async fn agency_staff_among(&self, agency: &str, usernames: &[String]) -> StoreResult<Vec<String>>;
    /// The roster's filled shifts from `from` to `to` (dates, inclusive), of
    /// one agency or all; by date, agency and shift.
    async fn standby(&self, agency: Option<&str>, from: &str, to: &str) -> StoreResult<Vec<StandbyRecord>>;
    /// Replaces one shift's officers, with its audit entry.
    async fn set_standby(&self, slot: &StandbyRecord, audit: AuditEntry) -> StoreResult<()>;
}

/// The video catalogue.
#[async_trait]
pub trait MediaStore {
    async fn videos(&self) -> StoreResult<Vec<VideoRecord>>;
    /// Adds a catalogue entry, with its audit entry when staff add it.
    async fn add_video(&self, video: &VideoRecord, audit: AuditEntry) -> StoreResult<()>;
    /// Adds a seed from the city file unless its id was seen before (even
    /// one removed since); true when added.
    async fn seed_video(&self, video: &VideoRecord) -> StoreResult<bool>;
    /// Removes a catalogue entry (keeping a tombstone), returning it; no
    /// audit entry when there was none.
    async fn remove_video(&self, id: &str, audit: AuditEntry) -> StoreResult<Option<VideoRecord>>;
}

/// Reply templates of the console; each change with its audit entry.
#[async_trait]
pub trait TemplateStore {
    /// Every template, by status then title.
    async fn templates(&self) -> StoreResult<Vec<TemplateRecord>>;
    /// Adds a template (its `id` is ignored) and returns it with its id.
    async fn add_template(&self, template: &TemplateRecord, at: Millis, actor: &str) -> StoreResult<TemplateRecord>;
    /// Replaces the template of `template.id`; `None` (and no audit entry) if there is none.
    async fn update_template(
        &self,
        template: &TemplateRecord,
        at: Millis,
        actor: &str,
    ) -> StoreResult<Option<TemplateRecord>>;
    /// Removes a template; false (and no audit entry) if there was none.
    async fn remove_template(&self, id: i64, audit: AuditEntry) -> StoreResult<bool>;
}

/// The audit trail of staff and administrative actions.
#[async_trait]
pub trait AuditStore {
    /// Appends an entry that goes with no other change (a failed sign-in).
    async fn audit(&self, entry: AuditEntry) -> StoreResult<()>;

    /// The newest `limit` lines of the audit trail, newest first.
    async fn audit_entries(&self, limit: u32) -> StoreResult<Vec<AuditEntry>>;

    /// A page of the lines `filter` matches, newest first, and how many match in all.
    async fn audit_page(&self, filter: &AuditFilter) -> StoreResult<(Vec<AuditEntry>, u64)>;
}

/// An agency's webhook endpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WebhookEndpointRecord {
    pub id: i64,
    pub agency: String,
    pub url: String,
    /// `whsec_...`: for signing only, never listed or logged.
    pub secret: String,
    pub created_at: Millis,
    pub removed_at: Option<Millis>,
}

/// A delivery as staff see it listed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRecord {
    pub id: String,
    pub endpoint_id: i64,
    pub agency: String,
    pub url: String,
    pub event_type: String,
    #[sqlx(try_from = "String")]
    pub state: StoredDeliveryState,
    pub attempts: i64,
    pub created_at: Millis,
    pub first_attempt_at: Option<Millis>,
    pub next_attempt_at: Millis,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<Millis>,
}

/// [`DeliveryState`] as read from a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredDeliveryState(pub DeliveryState);

impl TryFrom<String> for StoredDeliveryState {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        DeliveryState::from_name(&name).map(StoredDeliveryState).ok_or(name)
    }
}

/// A delivery a worker has claimed: what it needs to send it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClaimedDelivery {
    pub id: String,
    pub endpoint_id: i64,
    pub url: String,
    /// The endpoint's signing secret.
    pub secret: String,
    pub event_type: String,
    /// The exact body to send.
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i64,
    /// When the first attempt was made; `None` before it.
    pub first_attempt_at: Option<Millis>,
}

/// What one attempt at a delivery came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    pub id: String,
    pub at: Millis,
    /// `Delivered`; `Pending` to try again at `next_attempt_at`; `Failed` to give up.
    pub state: DeliveryState,
    pub next_attempt_at: Millis,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<i64>,
    /// Why it failed (no URL, no payload: only what went wrong).
    pub error: Option<String>,
}

/// Webhook endpoints of the agencies and the outbox of their deliveries.
/// Outbox rows themselves are written by the transactions of the changes they
/// announce (see `enqueue_webhooks` in the backends); these methods manage
/// endpoints and move deliveries along.
#[async_trait]
pub trait WebhookStore {
    /// Adds an endpoint with its audit entry (`webhook_add`, `<id> <agency>`).
    async fn add_webhook(
        &self,
        agency: &str,
        url: &str,
        secret: &str,
        at: Millis,
        actor: &str,
    ) -> StoreResult<WebhookEndpointRecord>;

    /// Every endpoint, removed ones too, by id.
    async fn webhooks(&self) -> StoreResult<Vec<WebhookEndpointRecord>>;

    /// Removes an endpoint with its audit entry; its pending deliveries fail.
    /// `None` (and no audit entry) when there is no such active endpoint.
    async fn remove_webhook(&self, id: i64, audit: AuditEntry) -> StoreResult<Option<WebhookEndpointRecord>>;

    /// The newest `limit` deliveries, optionally of one state, newest first.
    async fn deliveries(&self, state: Option<DeliveryState>, limit: u32) -> StoreResult<Vec<DeliveryRecord>>;

    /// Makes a delivered or failed delivery pending again, due at `audit.at`,
    /// with its audit entry; refused when it does not exist (`not_found`),
    /// is still pending (`nothing_to_change`) or its endpoint was removed.
    async fn resend_delivery(&self, id: &str, audit: AuditEntry) -> StoreResult<DeliveryRecord>;

    /// Claims up to `limit` deliveries due at `now` until `now + lease`: no
    /// other worker (in this process or another instance) gets them until the
    /// lease runs out or their attempt is recorded.
    async fn claim_deliveries(&self, now: Millis, lease: Millis, limit: u32) -> StoreResult<Vec<ClaimedDelivery>>;

    /// Records an attempt and ends its claim.
    async fn record_attempt(&self, attempt: &DeliveryAttempt) -> StoreResult<()>;

    /// When the next pending delivery falls due (or its claim runs out).
    async fn next_delivery_due(&self) -> StoreResult<Option<Millis>>;

    /// At start-up: ends the claims of workers that are gone. An SQLite file
    /// has one process, so every claim found is a dead process's; over
    /// PostgreSQL claims of other instances are live and left to their lease.
    async fn release_orphaned_claims(&self) -> StoreResult<u64>;
}

/// What tells trackers and caches that tickets changed.
pub trait Notices {
    /// Notices of every public timeline change, from this process and (for
    /// shared databases) from other instances.
    fn subscribe(&self) -> broadcast::Receiver<TicketNotice>;

    /// A number that changes, before [`TicketStore::change_ticket`] returns,
    /// with every committed change to the ticket `code` (from this process
    /// and, for shared databases, from other instances as their notices
    /// arrive); changes to some other tickets may move it too. A view of the
    /// ticket rendered from a read that began while it had one value is
    /// current as long as it keeps that value.
    fn revision(&self, code: &TicketCode) -> u64;
}

/// Persistence for the whole portal.
#[async_trait]
pub trait Store:
    TicketStore
    + StaffStore
    + MediaStore
    + TemplateStore
    + AuditStore
    + WebhookStore
    + Notices
    + Send
    + Sync
    + std::fmt::Debug
    + 'static
{
    /// Whether the database answers (for `/healthz`).
    async fn ping(&self) -> StoreResult<()>;

    /// Rate-limit state shared with other instances, for a database several
    /// instances use; `None` when this process is the only user and keeps
    /// its limits in memory.
    fn shared_limits(&self) -> Option<Arc<dyn SharedLimits>> {
        None
    }
}

/// The store the server runs with.
pub type SharedStore = Arc<dyn Store>;

/// Opens the store a `DATABASE_URL` names, creating and migrating it:
/// `sqlite://path/to/file.db` or `postgres://user:password@host/database`.
pub async fn open(url: &str) -> anyhow::Result<SharedStore> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = postgres::PgStore::open(url)
            .await
            .map_err(|e| anyhow::anyhow!("PostgreSQL at {}: {e}", redact_url(url)))?;
        Ok(Arc::new(store))
    } else {
        anyhow::bail!(
            "unsupported DATABASE_URL {:?}: use sqlite://path/to/file.db or postgres://user@host/database",
            redact_url(url)
        )
    }
}

/// A database URL fit for messages: any password replaced by `***` (in the
/// user part and in a `password=` parameter).
#[must_use]
pub fn redact_url(url: &str) -> String {
    let (head, query) = url.split_once('?').map_or((url, None), |(h, q)| (h, Some(q)));
    let mut out = match head.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').map_or((rest, None), |(a, p)| (a, Some(p)));
            let authority = match authority.rsplit_once('@') {
                Some((user, host)) => match user.split_once(':') {
                    Some((name, _)) => format!("{name}:***@{host}"),
                    None => authority.to_owned(),
                },
                None => authority.to_owned(),
            };
            let mut s = format!("{scheme}://{authority}");
            if let Some(p) = path {
                s.push('/');
                s.push_str(p);
            }
            s
        }
        None => head.to_owned(),
    };
    if let Some(q) = query {
        let params: Vec<String> = q
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact_url("postgres://portal:s3cret@db:5432/portal112"), "postgres://portal:***@db:5432/portal112");
        assert_eq!(redact_url("postgresql://p:a:b@c@db/x?sslmode=require"), "postgresql://p:***@db/x?sslmode=require");
        assert_eq!(redact_url("postgres://db/x?user=p&password=s3cret"), "postgres://db/x?user=p&password=***");
        assert_eq!(redact_url("postgres://portal@db/x"), "postgres://portal@db/x");
        assert_eq!(redact_url("sqlite://data/portal112.db"), "sqlite://data/portal112.db");
        assert!(!redact_url("mysql://u:s3cret@h/d").contains("s3cret"));
    }
}
