//! What the SQLite and PostgreSQL stores share: the SQL text (with `$n`
//! placeholders, which both databases take), the row mapping, the list
//! filters, and every query and transaction whose steps are the same on both.
//!
//! The shared code is written once, in [`shared_store!`], and expanded for
//! each backend's concrete types: generic sqlx code over `Database` needs a
//! dozen higher-ranked bounds on every function and on every async trait
//! impl, which Rust cannot state once. A backend supplies the few things that
//! differ as inherent methods (see the macro) and keeps what is truly its own
//! (SQLite's group commit, PostgreSQL's key-first insert and notifications).

use portal112_core::dto::Contact;
use portal112_core::staff::Priority;
use portal112_core::{Status, TicketCode};

use super::{EventRecord, NewTicket, TicketRecord};

/// The ticket columns every ticket query reads, as [`TicketRecord`] names them.
macro_rules! ticket_columns {
    () => {
        "t.code, t.category, t.agency, t.confidential, t.status, t.description, t.lat, t.lng, t.accuracy_m, \
         t.district, t.village, t.address, t.anonymous, t.contact_name, t.contact_phone, t.contact_email, \
         t.source, t.channel, t.priority, t.assignee, t.revision, t.created_at, t.updated_at, t.sla_stage, \
         t.sla_started_at, t.sla_due_at, t.supporters, t.details_hidden"
    };
}
pub(super) use ticket_columns;

/// What [`super::StatsRow`] reads of every ticket, in its order: one pass over
/// the `tickets_stats` index (the times are kept on the ticket by
/// `insert_event`, not grouped from the history).
macro_rules! stats_columns {
    () => {
        "category, agency, status, created_at, first_response_at, resolved_at, \
         (COALESCE(sla_stage, '') = 'resolve' OR status IN ('resolved', 'closed')) AS answered, sla_missed"
    };
}
pub(super) use stats_columns;

/// The columns of a video entry, as [`super::VideoRecord`] names them.
macro_rules! video_columns {
    () => {
        "id, agency, title_id, title_en, kind, youtube_id, file_name, mime, captions_id, captions_en, poster, \
         created_at"
    };
}
pub(super) use video_columns;

/// The columns of a staff account, as [`super::StaffRecord`] names them.
macro_rules! staff_columns {
    () => {
        "id, username, password_hash, role, agency, created_at, disabled_at"
    };
}
pub(super) use staff_columns;
/// A LIKE pattern matching `word` anywhere, its wildcards escaped with `\`.
pub(super) fn contains_pattern(word: &str) -> String {
    let mut p = String::with_capacity(word.len() + 2);
    p.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// A row of the ticket list: the ticket, its photos' ids joined by commas,
/// and its newest public note.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct ListedTicket {
    #[sqlx(flatten)]
    pub ticket: TicketRecord,
    pub photo_ids: Option<String>,
    pub last_note: Option<String>,
}

impl ListedTicket {
    pub fn into_record(self) -> TicketRecord {
        let mut ticket = self.ticket;
        ticket.photo_ids = self.photo_ids.map(|ids| ids.split(',').map(str::to_owned).collect()).unwrap_or_default();
        ticket.latest_public_note = self.last_note;
        ticket
    }
}

/// A ticket's first history entry: received by whoever sent it.
pub(super) fn first_event(t: &NewTicket) -> EventRecord {
    EventRecord {
        seq: 1,
        at: t.created_at,
        actor: t.actor.clone(),
        from_status: None,
        to_status: Status::Received,
        agency: Some(t.report.agency.clone()),
        public_note: None,
        internal_note: None,
        duplicate_of: None,
        priority: (t.priority != Priority::default()).then_some(t.priority),
        assignee: None,
    }
}

/// The record as stored, built from what was written rather than read back.
pub(super) fn record_of(t: &NewTicket) -> TicketRecord {
    let r = &t.report;
    let contact: Contact = r.contact.clone().unwrap_or_default();
    TicketRecord {
        code: t.code,
        category: r.category.clone(),
        agency: r.agency.clone(),
        confidential: r.confidential,
        status: Status::Received,
        description: r.description.clone(),
        lat: r.location.map(|l| l.lat),
        lng: r.location.map(|l| l.lng),
        accuracy_m: r.accuracy_m,
        district: r.district.clone(),
        village: r.village.clone(),
        address: r.address.clone(),
        anonymous: r.anonymous,
        contact_name: contact.name,
        contact_phone: contact.phone,
        contact_email: contact.email,
        source: t.source.clone(),
        channel: t.channel,
        priority: t.priority,
        assignee: None,
        revision: 1,
        supporters: 0,
        details_hidden: false,
        created_at: t.created_at,
        updated_at: t.created_at,
        sla_stage: t.clock.map(|c| c.stage.as_str().to_owned()),
        sla_started_at: t.clock.map(|c| c.started_at),
        sla_due_at: t.clock.and_then(|c| c.due_at()),
        photo_ids: t.photos.iter().map(|p| p.id.clone()).collect(),
        after_photo_ids: Vec::new(),
        latest_public_note: None,
        events: vec![first_event(t)],
    }
}

/// What a staff change reads of the ticket first: status, agency, priority,
/// assignee, revision, and its stored clock (stage, start, due time).
pub(super) type ChangeRow = (String, String, String, Option<String>, i64, Option<String>, Option<i64>, Option<i64>);

/// The stages before a ticket's answer, whose due times the statistics'
/// service-level share counts: the call centre verifying and forwarding, the
/// agency acknowledging and answering.
pub(super) fn stage_before_answer(stage: portal112_core::service_level::Stage) -> bool {
    use portal112_core::service_level::Stage;
    matches!(stage, Stage::Verify | Stage::Forward | Stage::Acknowledge | Stage::Answer)
}

/// The stored form of a ticket code.
pub(super) fn parse_stored_code(code: &str) -> super::StoreResult<TicketCode> {
    TicketCode::parse(code).map_err(|_| super::StoreError::Corrupt(format!("ticket code {code:?}")))
}

/// Expands the shared queries and the shared trait impls for one backend.
///
/// `$store` must have these inherent methods:
/// - `async fn read(&self) -> StoreResult<PoolConnection<$db>>`: a connection for reading;
/// - `async fn write(&self) -> StoreResult<Transaction<'static, $db>>`: a write transaction;
/// - `async fn create(&self, NewTicket) -> StoreResult<Created>`: its way of writing reports;
/// - `async fn announce(&self, &mut $conn, &TicketCode, &EventRecord) -> StoreResult<()>`:
///   called inside a change's transaction, before commit;
/// - `fn changed(&self, TicketCode, &EventRecord)`: called once the change committed;
/// - `async fn read_stats_rows(&mut $conn) -> StoreResult<Vec<StatsRow>>`: every
///   ticket's [`stats_columns`];
/// - `async fn orphaned_claims(&self) -> StoreResult<u64>`: see
///   [`super::WebhookStore::release_orphaned_claims`].
///
/// `$lock` ends the statement that reads a ticket before changing it (a row
/// lock where the database has them); `$skip_locked` ends the one that picks
/// webhook deliveries to claim (rows another worker is claiming are passed
/// over, not waited for).
macro_rules! shared_store {
    ($store:ty, $db:ty, $conn:ty, $lock:literal, $skip_locked:literal) => {
        use portal112_core::staff::{Priority, Shift};
        use portal112_core::validate::TicketState;
        use portal112_core::{ApiError, ErrorKind, Field, Status, TicketCode};
        use $crate::store::common::{
            ChangeRow, ListedTicket, contains_pattern, first_event, parse_stored_code, record_of, staff_columns,
            stage_before_answer, ticket_columns, video_columns,
        };
        use portal112_core::service_level::Stage;
        use $crate::store::sql::{self, Builder};
        use $crate::store::{
            AuditAction, AuditEntry, AuditFilter, AuditStore, Changed, ClaimedDelivery, Created, DeliveryAttempt,
            DeliveryRecord, DetailsChange, EventRecord, Idempotency, MediaStore, NearbyRecord, NewPhoto, NewStaff,
            NewTicket, PhotoRecord, PublicRow, StaffRecord, StaffStore, StaffUpdate, StandbyRecord,
            StatsRow, StoreError, StoreResult, Supporting, TemplateRecord, TemplateStore, TicketChange, TicketFilter,
            TicketRecord, TicketStore, VideoRecord, WebhookEndpointRecord, WebhookStore,
        };
        use $crate::webhooks::EventType;

        /// Ids of the active webhook endpoints of `agency`.
        async fn active_endpoints(conn: &mut $conn, agency: &str) -> StoreResult<Vec<i64>> {
            Ok(sql::query_scalar(
                "SELECT id FROM webhook_endpoints WHERE agency = $1 AND removed_at IS NULL ORDER BY id",
            )
            .bind(agency)
            .fetch_all(&mut *conn)
            .await?)
        }

        /// One outbox row per endpoint in `endpoints`, due at once.
        async fn insert_deliveries(
            conn: &mut $conn,
            endpoints: &[i64],
            event: EventType,
            data: &serde_json::Value,
            at: i64,
        ) -> StoreResult<usize> {
            if endpoints.is_empty() {
                return Ok(0);
            }
            let body = $crate::webhooks::body(event, data, at);
            for endpoint in endpoints {
                sql::query(
                    "INSERT INTO webhook_deliveries (id, endpoint_id, event_type, payload, created_at, \
                     next_attempt_at) VALUES ($1, $2, $3, $4, $5, $5)",
                )
                .bind($crate::webhooks::new_message_id())
                .bind(endpoint)
                .bind(event.as_str())
                .bind(&body)
                .bind(at)
                .execute(&mut *conn)
                .await?;
            }
            Ok(endpoints.len())
        }

        /// Puts a webhook message for every active endpoint of `agency` into
        /// the outbox, inside the caller's transaction: it is sent if, and
        /// only if, that transaction commits. `data` is what the agency's
        /// staff may see (never a reporter's contact); the body is
        /// `{"type", "timestamp", "data"}` (Standard Webhooks), fixed now so
        /// every attempt sends, and signs, the same bytes. Returns how many
        /// rows were written (none when the agency has no endpoint).
        ///
        /// Ticket changes call it from their own transaction; other jobs
        /// (service-level escalations) call it from theirs.
        pub(crate) async fn enqueue_webhooks(
            conn: &mut $conn,
            agency: &str,
            event: EventType,
            data: &serde_json::Value,
            at: i64,
        ) -> StoreResult<usize> {
            let endpoints = active_endpoints(conn, agency).await?;
            insert_deliveries(conn, &endpoints, event, data, at).await
        }

        /// The outbox rows of a staff change: the ticket's agency hears that
        /// it was forwarded to it or changed, with what its staff may see; an
        /// agency it was moved away from hears only that it is no longer its.
        async fn announce_to_agencies(
            conn: &mut $conn,
            change: &TicketChange,
            ticket: &TicketRecord,
            old_agency: &str,
            forwarded: bool,
        ) -> StoreResult<()> {
            let endpoints = active_endpoints(conn, &ticket.agency).await?;
            if !endpoints.is_empty() {
                let event = if forwarded { EventType::TicketForwarded } else { EventType::TicketChanged };
                let data = $crate::webhooks::ticket_data(&change.city, &change.service, ticket, change.at);
                insert_deliveries(conn, &endpoints, event, &data, change.at).await?;
            }
            if old_agency != ticket.agency {
                let data = $crate::webhooks::moved_away_data(&change.city, ticket);
                enqueue_webhooks(conn, old_agency, EventType::TicketChanged, &data, change.at).await?;
            }
            Ok(())
        }

        /// A ticket with its photo ids and full history, read on `conn`.
        async fn load_ticket(conn: &mut $conn, code: &str) -> StoreResult<Option<TicketRecord>> {
            let ticket: Option<TicketRecord> =
                sql::query_as(concat!("SELECT ", ticket_columns!(), " FROM tickets t WHERE t.code = $1"))
                    .bind(code)
                    .fetch_optional(&mut *conn)
                    .await?;
            let Some(mut ticket) = ticket else { return Ok(None) };
            ticket.photo_ids = sql::query_scalar(
                "SELECT id FROM photos WHERE ticket_code = $1 AND kind = 'report' ORDER BY position",
            )
            .bind(code)
            .fetch_all(&mut *conn)
            .await?;
            ticket.after_photo_ids =
                sql::query_scalar("SELECT id FROM photos WHERE ticket_code = $1 AND kind = 'after' ORDER BY position")
                    .bind(code)
                    .fetch_all(&mut *conn)
                    .await?;
            ticket.events = sql::query_as(
                "SELECT seq, at, actor, from_status, to_status, agency, public_note, internal_note, duplicate_of, \
                 priority, assignee FROM ticket_events WHERE ticket_code = $1 ORDER BY seq",
            )
            .bind(code)
            .fetch_all(&mut *conn)
            .await?;
            ticket.latest_public_note = ticket.events.iter().rev().find_map(|e| e.public_note.clone());
            Ok(Some(ticket))
        }

        /// What an earlier send with the same Idempotency-Key made, if there was one.
        async fn earlier_send(conn: &mut $conn, idem: &Idempotency) -> StoreResult<Option<Created>> {
            let earlier: Option<(String, String)> =
                sql::query_as("SELECT request_hash, ticket_code FROM idempotency_keys WHERE key = $1")
                    .bind(&idem.key)
                    .fetch_optional(&mut *conn)
                    .await?;
            let Some((hash, code)) = earlier else { return Ok(None) };
            if hash != idem.request_hash {
                return Ok(Some(Created::KeyConflict));
            }
            let ticket = load_ticket(conn, &code)
                .await?
                .ok_or_else(|| StoreError::Corrupt(format!("idempotency key for missing ticket {code}")))?;
            Ok(Some(Created::Replayed(Box::new(ticket))))
        }

        /// Records an Idempotency-Key for `code`; false when the key is taken.
        async fn insert_key(conn: &mut $conn, idem: &Idempotency, code: &str, at: i64) -> StoreResult<bool> {
            let done = sql::query(
                "INSERT INTO idempotency_keys (key, request_hash, ticket_code, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (key) DO NOTHING",
            )
            .bind(&idem.key)
            .bind(&idem.request_hash)
            .bind(code)
            .bind(at)
            .execute(&mut *conn)
            .await?;
            Ok(done.rows_affected() > 0)
        }

        /// Writes a ticket, its photos, its first event and its Open311 token
        /// (not its Idempotency-Key); false when the code is taken.
        async fn insert_ticket(conn: &mut $conn, t: &NewTicket) -> StoreResult<bool> {
            let code = t.code.compact();
            let r = &t.report;
            let contact = r.contact.clone().unwrap_or_default();
            let inserted = sql::query(
                "INSERT INTO tickets (code, category, agency, confidential, status, description, lat, lng, \
                 accuracy_m, district, village, address, anonymous, contact_name, contact_phone, contact_email, \
                 source, created_at, updated_at, channel, priority, revision, sla_stage, sla_started_at, sla_due_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, $19, \
                 $20, 1, $21, $22, $23) ON CONFLICT (code) DO NOTHING",
            )
            .bind(code)
            .bind(&r.category)
            .bind(&r.agency)
            .bind(r.confidential)
            .bind(Status::Received.as_str())
            .bind(&r.description)
            .bind(r.location.map(|l| l.lat))
            .bind(r.location.map(|l| l.lng))
            .bind(r.accuracy_m)
            .bind(&r.district)
            .bind(&r.village)
            .bind(&r.address)
            .bind(r.anonymous)
            .bind(&contact.name)
            .bind(&contact.phone)
            .bind(&contact.email)
            .bind(&t.source)
            .bind(t.created_at)
            .bind(t.channel.as_str())
            .bind(t.priority.as_str())
            .bind(t.clock.map(|c| c.stage.as_str()))
            .bind(t.clock.map(|c| c.started_at))
            .bind(t.clock.and_then(|c| c.due_at()))
            .execute(&mut *conn)
            .await?;
            if inserted.rows_affected() == 0 {
                return Ok(false);
            }
            if let Some(entry) = &t.audit {
                insert_audit(conn, entry).await?;
            }
            for (position, photo) in t.photos.iter().enumerate() {
                sql::query(
                    "INSERT INTO photos (id, ticket_code, position, mime, width, height, bytes) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&photo.id)
                .bind(code)
                .bind(position as i64)
                .bind(photo.mime)
                .bind(i64::from(photo.width))
                .bind(i64::from(photo.height))
                .bind(&photo.bytes)
                .execute(&mut *conn)
                .await?;
            }
            insert_event(conn, code, &first_event(t)).await?;
            if let Some(token) = &t.open311_token {
                sql::query("INSERT INTO open311_tokens (token, ticket_code) VALUES ($1, $2)")
                    .bind(token)
                    .bind(code)
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(true)
        }

        async fn insert_event(conn: &mut $conn, code: &str, e: &EventRecord) -> StoreResult<()> {
            sql::query(
                "INSERT INTO ticket_events (ticket_code, seq, at, actor, from_status, to_status, agency, \
                 public_note, internal_note, duplicate_of, priority, assignee) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(code)
            .bind(e.seq)
            .bind(e.at)
            .bind(&e.actor)
            .bind(e.from_status.map(Status::as_str))
            .bind(e.to_status.as_str())
            .bind(&e.agency)
            .bind(&e.public_note)
            .bind(&e.internal_note)
            .bind(&e.duplicate_of)
            .bind(e.priority.map(Priority::as_str))
            .bind(&e.assignee)
            .execute(&mut *conn)
            .await?;
            // The times the statistics read, kept on the ticket (the first of
            // each stays): staff's first step after the report, and the
            // first resolution. Escalations are the service, not staff.
            let responded = (e.seq > 1 && e.actor != $crate::service_level::SYSTEM_ACTOR).then_some(e.at);
            let resolved = matches!(e.to_status, Status::Resolved | Status::Closed).then_some(e.at);
            if responded.is_some() || resolved.is_some() {
                sql::query(
                    "UPDATE tickets SET first_response_at = COALESCE(first_response_at, $1), \
                     resolved_at = COALESCE(resolved_at, $2) WHERE code = $3",
                )
                .bind(responded)
                .bind(resolved)
                .bind(code)
                .execute(&mut *conn)
                .await?;
            }
            Ok(())
        }

        /// Ends every live session of the account `staff_id`.
        async fn end_sessions(conn: &mut $conn, staff_id: i64, at: i64) -> StoreResult<()> {
            sql::query("UPDATE staff_sessions SET revoked_at = $1 WHERE staff_id = $2 AND revoked_at IS NULL")
                .bind(at)
                .bind(staff_id)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }

        async fn insert_audit(conn: &mut $conn, entry: &AuditEntry) -> StoreResult<()> {
            sql::query("INSERT INTO audit_log (at, actor, action, target) VALUES ($1, $2, $3, $4)")
                .bind(entry.at)
                .bind(&entry.actor)
                .bind(entry.action.as_str())
                .bind(&entry.target)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }

        /// A staff change inside `conn`'s transaction: the checks of core
        /// against the ticket as it is now, the history entry, the ticket's
        /// new state and the audit entry.
        async fn apply_change(conn: &mut $conn, code: &TicketCode, change: &TicketChange) -> StoreResult<Changed> {
            let compact = code.compact();
            // With the stage the ticket is in, to tell whether this change ends it late.
            let current: Option<ChangeRow> =
                sql::query_as(concat!(
                    "SELECT status, agency, priority, assignee, revision, sla_stage, sla_started_at, sla_due_at \
                     FROM tickets WHERE code = $1",
                    $lock
                ))
                .bind(compact)
                .fetch_optional(&mut *conn)
                .await?;
            let Some((status, agency, priority, assignee, revision, old_stage, old_started, old_due)) = current else {
                return Err(StoreError::Rejected(ErrorKind::TicketNotFound.into()));
            };
            let status = Status::try_from(status).map_err(|s| StoreError::Corrupt(format!("status {s:?}")))?;
            let priority =
                Priority::try_from(priority).map_err(|p| StoreError::Corrupt(format!("priority {p:?}")))?;
            let state = TicketState {
                code: *code,
                status,
                agency: &agency,
                priority,
                assignee: assignee.as_deref(),
                revision,
            };
            let step = change.update.step(&state, change.only_agency.as_deref()).map_err(StoreError::Rejected)?;
            if let Some(original) = &step.duplicate_of {
                let exists: Option<String> = sql::query_scalar("SELECT code FROM tickets WHERE code = $1")
                    .bind(original.compact())
                    .fetch_optional(&mut *conn)
                    .await?;
                if exists.is_none() {
                    return Err(StoreError::Rejected(ApiError::field(ErrorKind::TicketNotFound, Field::DuplicateOf)));
                }
            }
            let new_agency = step.agency.clone().unwrap_or_else(|| agency.clone());
            let forwarded = step.agency.is_some()
                || (step.to_status == Status::Assigned && step.from_status != Status::Assigned);
            let event_assignee = match &step.assignee {
                Some(name) if name.is_empty() => Some(String::new()),
                Some(name) => {
                    if agency_staff_of(conn, &new_agency, std::slice::from_ref(name)).await?.is_empty() {
                        return Err(StoreError::Rejected(ApiError::field(ErrorKind::UnknownStaff, Field::Assignee)));
                    }
                    Some(name.clone())
                }
                // Forwarded without a name: the officer on standby takes it.
                None if forwarded && change.update.assignee.is_none() => {
                    let (date, shift) = &change.on_duty;
                    let officer: Option<String> = sql::query_scalar(
                        "SELECT username FROM standby WHERE agency = $1 AND date = $2 AND shift = $3 \
                         ORDER BY position LIMIT 1",
                    )
                    .bind(&new_agency)
                    .bind(date)
                    .bind(shift.as_str())
                    .fetch_optional(&mut *conn)
                    .await?;
                    match officer {
                        Some(o) if Some(o.as_str()) != assignee.as_deref() || step.agency.is_some() => Some(o),
                        Some(_) => None,
                        // The old agency's officer cannot work the new agency's ticket.
                        None if step.agency.is_some() && assignee.is_some() => Some(String::new()),
                        None => None,
                    }
                }
                None if step.agency.is_some() && assignee.is_some() => Some(String::new()),
                None => None,
            };
            let new_assignee = match &event_assignee {
                None => assignee.clone(),
                Some(a) if a.is_empty() => None,
                Some(a) => Some(a.clone()),
            };
            let seq = revision + 1;
            let event = EventRecord {
                seq,
                at: change.at,
                actor: change.actor.clone(),
                from_status: Some(step.from_status),
                to_status: step.to_status,
                agency: step.agency,
                public_note: step.public_note,
                internal_note: step.internal_note,
                duplicate_of: step.duplicate_of.map(|c| c.to_string()),
                priority: step.priority,
                assignee: event_assignee,
            };
            insert_event(conn, compact, &event).await?;
            sql::query(
                "UPDATE tickets SET status = $1, agency = $2, priority = $3, assignee = $4, revision = $5, \
                 updated_at = $6 WHERE code = $7",
            )
            .bind(event.to_status.as_str())
            .bind(&new_agency)
            .bind(step.priority.unwrap_or(priority).as_str())
            .bind(&new_assignee)
            .bind(seq)
            .bind(change.at)
            .bind(compact)
            .execute(&mut *conn)
            .await?;
            let entry = AuditEntry::new(change.at, &change.actor, AuditAction::TicketEvent, format!("{compact}#{seq}"));
            insert_audit(conn, &entry).await?;
            let mut ticket = load_ticket(conn, compact)
                .await?
                .ok_or_else(|| StoreError::Corrupt(format!("ticket {compact} gone inside its change")))?;
            // The new clock is read from the history just written, in the same transaction.
            let clock = change.service.current(&ticket);
            write_clock(conn, &mut ticket, clock).await?;
            // A stage before the answer that this change ends (the ticket is
            // in another stage now, or the same one begun anew) after its
            // due time: the ticket missed its service level.
            let ended = ticket.sla_stage != old_stage || ticket.sla_started_at != old_started;
            let before_answer = old_stage.as_deref().and_then(Stage::from_name).is_some_and(stage_before_answer);
            if ended && before_answer && old_due.is_some_and(|due| due <= change.at) {
                mark_sla_missed(conn, compact).await?;
            }
            announce_to_agencies(conn, change, &ticket, &agency, forwarded).await?;
            Ok(Changed { event, ticket })
        }

        /// Records that a stage before the ticket's answer passed its due time.
        async fn mark_sla_missed(conn: &mut $conn, code: &str) -> StoreResult<()> {
            sql::query("UPDATE tickets SET sla_missed = TRUE WHERE code = $1")
                .bind(code)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }

        /// Stores a ticket's clock (its stage, the stage's start and due time).
        async fn write_clock(
            conn: &mut $conn,
            ticket: &mut TicketRecord,
            clock: Option<$crate::service_level::StageClock>,
        ) -> StoreResult<()> {
            ticket.sla_stage = clock.map(|c| c.stage.as_str().to_owned());
            ticket.sla_started_at = clock.map(|c| c.started_at);
            ticket.sla_due_at = clock.and_then(|c| c.due_at());
            sql::query("UPDATE tickets SET sla_stage = $1, sla_started_at = $2, sla_due_at = $3 WHERE code = $4")
                .bind(&ticket.sla_stage)
                .bind(ticket.sla_started_at)
                .bind(ticket.sla_due_at)
                .bind(ticket.code.compact())
                .execute(&mut *conn)
                .await?;
            Ok(())
        }

        /// Which of `usernames` are agency accounts of `agency`.
        async fn agency_staff_of(conn: &mut $conn, agency: &str, usernames: &[String]) -> StoreResult<Vec<String>> {
            if usernames.is_empty() {
                return Ok(Vec::new());
            }
            let mut q = Builder::<$db>::new(
                "SELECT username FROM staff WHERE role = 'agency' AND disabled_at IS NULL AND agency = ",
            );
            q.push_bind(agency.to_owned()).push(" AND username IN ").push_bind_list(usernames.iter().cloned());
            Ok(q.build_query_scalar().fetch_all(&mut *conn).await?)
        }

        /// Appends the list filters as bound parameters.
        fn push_filters<'a>(q: &mut Builder<'a, $db>, f: &'a TicketFilter) {
            q.push(" WHERE 1 = 1");
            if let Some(s) = f.status {
                q.push(" AND t.status = ").push_bind(s.as_str());
            }
            if let Some(statuses) = &f.statuses {
                q.push(" AND t.status IN ").push_bind_list(statuses.iter().map(|s| s.as_str()));
            }
            if let Some(a) = &f.agency {
                q.push(" AND t.agency = ").push_bind(a.as_str());
            }
            if let Some(c) = &f.category {
                q.push(" AND t.category = ").push_bind(c.as_str());
            }
            if let Some(categories) = &f.categories {
                q.push(" AND t.category IN ").push_bind_list(categories.iter().map(String::as_str));
            }
            if f.exclude_confidential {
                q.push(" AND t.confidential = FALSE");
            }
            if let Some(since) = f.since {
                q.push(" AND t.created_at >= ").push_bind(since);
            }
            if let Some(until) = f.until {
                q.push(" AND t.created_at <= ").push_bind(until);
            }
            if let Some(codes) = &f.codes {
                q.push(" AND t.code IN ").push_bind_list(codes.iter().map(String::as_str));
            }
            if let Some(d) = &f.district {
                q.push(" AND t.district = ").push_bind(d.as_str());
            }
            if let Some(c) = f.channel {
                q.push(" AND t.channel = ").push_bind(c.as_str());
            }
            if let Some(p) = f.priority {
                q.push(" AND t.priority = ").push_bind(p.as_str());
            }
            if let Some(at) = f.late_at {
                q.push(" AND t.sla_due_at <= ").push_bind(at);
            }
            if let Some(text) = &f.text {
                q.push(" AND (");
                if let Some(code) = &text.code {
                    q.push("t.code = ").push_bind(code.as_str()).push(" OR ");
                }
                q.push("(1 = 1");
                for w in &text.words {
                    q.push(" AND LOWER(t.description) LIKE ").push_bind(contains_pattern(w)).push(" ESCAPE '\\'");
                }
                q.push("))");
            }
        }

        #[async_trait::async_trait]
        impl TicketStore for $store {
            async fn create_ticket(&self, ticket: NewTicket) -> StoreResult<Created> {
                self.create(ticket).await
            }

            async fn ticket(&self, code: &TicketCode) -> StoreResult<Option<TicketRecord>> {
                load_ticket(&mut *self.read().await?, code.compact()).await
            }

            async fn change_ticket(&self, code: &TicketCode, change: TicketChange) -> StoreResult<Changed> {
                let mut tx = self.write().await?;
                let changed = apply_change(&mut tx, code, &change).await?;
                self.announce(&mut tx, code, &changed.event).await?;
                tx.commit().await?;
                self.changed(*code, &changed.event);
                Ok(changed)
            }

            async fn list_tickets(&self, f: &TicketFilter) -> StoreResult<(Vec<TicketRecord>, u64)> {
                let mut conn = self.read().await?;
                let mut count = Builder::<$db>::new("SELECT COUNT(*) FROM tickets t");
                push_filters(&mut count, f);
                let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;

                let mut q = Builder::<$db>::new(concat!(
                    "SELECT ",
                    ticket_columns!(),
                    ", (SELECT string_agg(p.id, ',' ORDER BY p.position) FROM photos p WHERE p.ticket_code = t.code \
                     AND p.kind = 'report') \
                     AS photo_ids, \
                     (SELECT public_note FROM ticket_events e WHERE e.ticket_code = t.code AND e.public_note IS NOT NULL \
                      ORDER BY seq DESC LIMIT 1) AS last_note \
                     FROM tickets t"
                ));
                push_filters(&mut q, f);
                if f.queue_order {
                    if let Some(at) = f.late_first_at {
                        // Late work rises to the top: an escalated ticket waits for no one.
                        q.push(" ORDER BY (CASE WHEN t.sla_due_at <= ").push_bind(at).push(" THEN 0 ELSE 1 END),");
                    } else {
                        q.push(" ORDER BY");
                    }
                    // The `tickets_queue` index's expression, word for word.
                    q.push(
                        " (CASE priority WHEN 'darurat' THEN 0 WHEN 'tinggi' THEN 1 WHEN 'normal' THEN 2 \
                         ELSE 3 END), t.created_at, t.code LIMIT ",
                    );
                } else {
                    q.push(" ORDER BY t.created_at DESC, t.code LIMIT ");
                }
                q
                    .push_bind(i64::try_from(f.limit).unwrap_or(i64::MAX))
                    .push(" OFFSET ")
                    .push_bind(i64::try_from(f.offset).unwrap_or(i64::MAX));
                let rows: Vec<ListedTicket> = q.build_query_as().fetch_all(&mut *conn).await?;
                Ok((rows.into_iter().map(ListedTicket::into_record).collect(), total as u64))
            }

            async fn tickets_in_box(
                &self,
                code: &TicketCode,
                category: &str,
                statuses: &[Status],
                lat: (f64, f64),
                lng: (f64, f64),
            ) -> StoreResult<Vec<NearbyRecord>> {
                let mut q = Builder::<$db>::new(
                    "SELECT code, agency, status, created_at, lat, lng, description FROM tickets WHERE code <> ",
                );
                q.push_bind(code.compact().to_owned())
                    .push(" AND category = ")
                    .push_bind(category.to_owned())
                    .push(" AND status IN ")
                    .push_bind_list(statuses.iter().map(|s| s.as_str()))
                    .push(" AND lat BETWEEN ")
                    .push_bind(lat.0)
                    .push(" AND ")
                    .push_bind(lat.1)
                    .push(" AND lng BETWEEN ")
                    .push_bind(lng.0)
                    .push(" AND ")
                    .push_bind(lng.1)
                    .push(" LIMIT 1000");
                Ok(q.build_query_as().fetch_all(&mut *self.read().await?).await?)
            }

            async fn public_rows(&self) -> StoreResult<Vec<PublicRow>> {
                Ok(sql::query_as(
                    "SELECT code, category, agency, status, description, lat, lng, district, village, address, \
                     created_at, updated_at, supporters, details_hidden FROM tickets WHERE confidential = FALSE \
                     ORDER BY created_at DESC, code",
                )
                .fetch_all(&mut *self.read().await?)
                .await?)
            }

            async fn stats_rows(&self) -> StoreResult<Vec<StatsRow>> {
                Self::read_stats_rows(&mut *self.read().await?).await
            }

            async fn add_supporter(&self, code: &TicketCode, key_hash: &str, at: i64) -> StoreResult<Supporting> {
                let compact = code.compact();
                let mut tx = self.write().await?;
                let current: Option<(String, bool, i64)> = sql::query_as(concat!(
                    "SELECT status, confidential, supporters FROM tickets WHERE code = $1",
                    $lock
                ))
                .bind(compact)
                .fetch_optional(&mut *tx)
                .await?;
                // A confidential case is not public: joining it would tell that it exists.
                let Some((status, _, supporters)) = current.filter(|(_, confidential, _)| !confidential) else {
                    return Err(StoreError::Rejected(ErrorKind::TicketNotFound.into()));
                };
                let status = Status::try_from(status).map_err(|s| StoreError::Corrupt(format!("status {s:?}")))?;
                let done = sql::query(
                    "INSERT INTO supporters (ticket_code, key_hash, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (ticket_code, key_hash) DO NOTHING",
                )
                .bind(compact)
                .bind(key_hash)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    // Asked again by the same phone: the answer it got before.
                    tx.commit().await?;
                    return Ok(Supporting { supporters, added: false });
                }
                if !status.is_open() {
                    return Err(StoreError::Rejected(ErrorKind::TicketNotOpen.into()));
                }
                let supporters: i64 =
                    sql::query_scalar("UPDATE tickets SET supporters = supporters + 1 WHERE code = $1 RETURNING supporters")
                        .bind(compact)
                        .fetch_one(&mut *tx)
                        .await?;
                tx.commit().await?;
                Ok(Supporting { supporters, added: true })
            }

            async fn photo(&self, id: &str) -> StoreResult<Option<PhotoRecord>> {
                Ok(sql::query_as(
                    "SELECT p.mime, p.bytes, t.confidential FROM photos p JOIN tickets t ON t.code = p.ticket_code \
                     WHERE p.id = $1",
                )
                .bind(id)
                .fetch_optional(&mut *self.read().await?)
                .await?)
            }

            async fn add_after_photo(
                &self,
                code: &TicketCode,
                photo: &NewPhoto,
                only_agency: Option<&str>,
                max: usize,
                audit: AuditEntry,
            ) -> StoreResult<TicketRecord> {
                let compact = code.compact();
                let mut tx = self.write().await?;
                let current: Option<(String, String)> =
                    sql::query_as(concat!("SELECT status, agency FROM tickets WHERE code = $1", $lock))
                        .bind(compact)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some((status, _)) = current.filter(|(_, a)| only_agency.is_none_or(|own| own == a)) else {
                    return Err(StoreError::Rejected(ErrorKind::TicketNotFound.into()));
                };
                let status = Status::try_from(status).map_err(|s| StoreError::Corrupt(format!("status {s:?}")))?;
                let (after, next_position): (i64, i64) = sql::query_as(
                    "SELECT COUNT(*) FILTER (WHERE kind = 'after'), COALESCE(MAX(position), -1) + 1 \
                     FROM photos WHERE ticket_code = $1",
                )
                .bind(compact)
                .fetch_one(&mut *tx)
                .await?;
                if usize::try_from(after).unwrap_or(usize::MAX) >= max {
                    return Err(StoreError::Rejected(ApiError::field(
                        ErrorKind::TooManyAfterPhotos { max },
                        Field::Photo(None),
                    )));
                }
                sql::query(
                    "INSERT INTO photos (id, ticket_code, position, mime, width, height, bytes, kind) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'after')",
                )
                .bind(&photo.id)
                .bind(compact)
                .bind(next_position)
                .bind(photo.mime)
                .bind(i64::from(photo.width))
                .bind(i64::from(photo.height))
                .bind(&photo.bytes)
                .execute(&mut *tx)
                .await?;
                sql::query("UPDATE tickets SET updated_at = $1 WHERE code = $2")
                    .bind(audit.at)
                    .bind(compact)
                    .execute(&mut *tx)
                    .await?;
                insert_audit(&mut tx, &audit).await?;
                let ticket = load_ticket(&mut tx, compact)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt(format!("ticket {compact} gone inside its change")))?;
                // No new history step: the notice only tells trackers and
                // consoles to read the ticket again, so they show the photo
                // (no `from_status` marks it as news for the public too).
                let seq = ticket.events.last().map_or(0, |e| e.seq);
                let notice = EventRecord {
                    seq,
                    at: audit.at,
                    actor: audit.actor.clone(),
                    from_status: None,
                    to_status: status,
                    agency: None,
                    public_note: None,
                    internal_note: None,
                    duplicate_of: None,
                    priority: None,
                    assignee: None,
                };
                self.announce(&mut tx, code, &notice).await?;
                tx.commit().await?;
                self.changed(*code, &notice);
                Ok(ticket)
            }

            async fn set_details_hidden(&self, code: &TicketCode, change: DetailsChange) -> StoreResult<TicketRecord> {
                let compact = code.compact();
                let mut tx = self.write().await?;
                let current: Option<(String, i64, bool)> = sql::query_as(concat!(
                    "SELECT status, revision, details_hidden FROM tickets WHERE code = $1",
                    $lock
                ))
                .bind(compact)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((status, revision, hidden)) = current else {
                    return Err(StoreError::Rejected(ErrorKind::TicketNotFound.into()));
                };
                if hidden == change.hidden {
                    // Already as asked (a second click, another operator
                    // first): nothing to record; the transaction is dropped.
                    return load_ticket(&mut tx, compact)
                        .await?
                        .ok_or_else(|| StoreError::Corrupt(format!("ticket {compact} gone")));
                }
                if revision != change.revision {
                    return Err(StoreError::Rejected(ApiError::field(
                        ErrorKind::RevisionConflict { current: revision },
                        Field::Revision,
                    )));
                }
                let status = Status::try_from(status).map_err(|s| StoreError::Corrupt(format!("status {s:?}")))?;
                let seq = revision + 1;
                // A history entry for staff only (same status, no public
                // note): the console shows who hid what and when, the
                // citizen's timeline shows nothing.
                let note = if change.hidden {
                    "Uraian, patokan dan foto pelapor disembunyikan dari publik."
                } else {
                    "Uraian, patokan dan foto pelapor ditampilkan lagi untuk publik."
                };
                let event = EventRecord {
                    seq,
                    at: change.at,
                    actor: change.actor.clone(),
                    from_status: Some(status),
                    to_status: status,
                    agency: None,
                    public_note: None,
                    internal_note: Some(note.to_owned()),
                    duplicate_of: None,
                    priority: None,
                    assignee: None,
                };
                insert_event(&mut tx, compact, &event).await?;
                sql::query("UPDATE tickets SET details_hidden = $1, revision = $2, updated_at = $3 WHERE code = $4")
                    .bind(change.hidden)
                    .bind(seq)
                    .bind(change.at)
                    .bind(compact)
                    .execute(&mut *tx)
                    .await?;
                let entry = AuditEntry::new(
                    change.at,
                    &change.actor,
                    AuditAction::TicketDetailsHidden,
                    format!("{compact}#{seq} {}", if change.hidden { "hidden" } else { "shown" }),
                );
                insert_audit(&mut tx, &entry).await?;
                let ticket = load_ticket(&mut tx, compact)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt(format!("ticket {compact} gone inside its change")))?;
                self.announce(&mut tx, code, &event).await?;
                tx.commit().await?;
                self.changed(*code, &event);
                Ok(ticket)
            }

            async fn open311_token(&self, token: &str) -> StoreResult<Option<TicketCode>> {
                let code: Option<String> = sql::query_scalar("SELECT ticket_code FROM open311_tokens WHERE token = $1")
                    .bind(token)
                    .fetch_optional(&mut *self.read().await?)
                    .await?;
                code.as_deref().map(parse_stored_code).transpose()
            }

            async fn due_unescalated(&self, now: i64, limit: u32) -> StoreResult<Vec<TicketCode>> {
                let codes: Vec<String> = sql::query_scalar(
                    "SELECT t.code FROM tickets t WHERE t.sla_due_at <= $1 AND NOT EXISTS (SELECT 1 FROM \
                     escalations e WHERE e.ticket_code = t.code AND e.stage = t.sla_stage AND e.started_at = \
                     t.sla_started_at) ORDER BY t.sla_due_at, t.code LIMIT $2",
                )
                .bind(now)
                .bind(i64::from(limit))
                .fetch_all(&mut *self.read().await?)
                .await?;
                codes.iter().map(|c| parse_stored_code(c)).collect()
            }

            async fn escalate(&self, esc: $crate::store::Escalation) -> StoreResult<Option<Changed>> {
                let compact = esc.code.compact();
                let mut tx = self.write().await?;
                let current: Option<(String, i64)> =
                    sql::query_as(concat!("SELECT status, revision FROM tickets WHERE code = $1", $lock))
                        .bind(compact)
                        .fetch_optional(&mut *tx)
                        .await?;
                let Some((status, revision)) = current else { return Ok(None) };
                if revision != esc.revision {
                    return Ok(None);
                }
                let recorded = sql::query(
                    "INSERT INTO escalations (ticket_code, stage, started_at, due_at, escalated_at, agency) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (ticket_code, stage, started_at) DO NOTHING",
                )
                .bind(compact)
                .bind(esc.clock.stage.as_str())
                .bind(esc.clock.started_at)
                .bind(esc.clock.due_at())
                .bind(esc.at)
                .bind(&esc.agency)
                .execute(&mut *tx)
                .await?;
                if recorded.rows_affected() == 0 {
                    return Ok(None);
                }
                let status = Status::try_from(status).map_err(|s| StoreError::Corrupt(format!("status {s:?}")))?;
                let seq = revision + 1;
                let event = EventRecord {
                    seq,
                    at: esc.at,
                    actor: $crate::service_level::SYSTEM_ACTOR.to_owned(),
                    from_status: Some(status),
                    to_status: status,
                    agency: None,
                    public_note: None,
                    internal_note: Some(esc.note.clone()),
                    duplicate_of: None,
                    priority: None,
                    assignee: None,
                };
                insert_event(&mut tx, compact, &event).await?;
                // Only the revision moves: the citizen's view of the ticket is unchanged.
                sql::query("UPDATE tickets SET revision = $1 WHERE code = $2")
                    .bind(seq)
                    .bind(compact)
                    .execute(&mut *tx)
                    .await?;
                if stage_before_answer(esc.clock.stage) {
                    mark_sla_missed(&mut tx, compact).await?;
                }
                let target = format!("{compact}/{}", esc.clock.stage.as_str());
                let entry = AuditEntry::new(
                    esc.at,
                    $crate::service_level::SYSTEM_ACTOR,
                    AuditAction::TicketEscalate,
                    target,
                );
                insert_audit(&mut tx, &entry).await?;
                let ticket = load_ticket(&mut tx, compact)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt(format!("ticket {compact} gone inside its escalation")))?;
                // The agency's system hears of it in the same transaction.
                if let Some(due_at) = esc.clock.due_at() {
                    let data = $crate::webhooks::escalation_data(
                        &esc.city,
                        &esc.service,
                        &ticket,
                        esc.clock.stage.as_str(),
                        due_at,
                        esc.at,
                    );
                    enqueue_webhooks(&mut tx, &ticket.agency, EventType::TicketEscalated, &data, esc.at).await?;
                }
                self.announce(&mut tx, &esc.code, &event).await?;
                tx.commit().await?;
                self.changed(esc.code, &event);
                Ok(Some(Changed { event, ticket }))
            }

            async fn set_clock(
                &self,
                code: &TicketCode,
                revision: i64,
                clock: Option<$crate::service_level::StageClock>,
            ) -> StoreResult<()> {
                let mut tx = self.write().await?;
                sql::query(
                    "UPDATE tickets SET sla_stage = $1, sla_started_at = $2, sla_due_at = $3 WHERE code = $4 \
                     AND revision = $5",
                )
                .bind(clock.map(|c| c.stage.as_str()))
                .bind(clock.map(|c| c.started_at))
                .bind(clock.and_then(|c| c.due_at()))
                .bind(code.compact())
                .bind(revision)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl StaffStore for $store {
            async fn add_staff(&self, staff: &NewStaff, audit: AuditEntry) -> StoreResult<i64> {
                let mut tx = self.write().await?;
                let id = sql::query_scalar(
                    "INSERT INTO staff (username, password_hash, role, agency, created_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, \
                     role = excluded.role, agency = excluded.agency, disabled_at = NULL RETURNING id",
                )
                .bind(&staff.username)
                .bind(&staff.password_hash)
                .bind(staff.role.as_str())
                .bind(&staff.agency)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                // A reset password ends whatever the old one opened.
                end_sessions(&mut tx, id, audit.at).await?;
                insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn create_staff(&self, staff: &NewStaff, audit: AuditEntry) -> StoreResult<StaffRecord> {
                let mut tx = self.write().await?;
                let added: Option<StaffRecord> = sql::query_as(concat!(
                    "INSERT INTO staff (username, password_hash, role, agency, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (username) DO NOTHING RETURNING ",
                    staff_columns!()
                ))
                .bind(&staff.username)
                .bind(&staff.password_hash)
                .bind(staff.role.as_str())
                .bind(&staff.agency)
                .bind(audit.at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(added) = added else {
                    return Err(StoreError::Rejected(ApiError::field(ErrorKind::UsernameTaken, Field::Username)));
                };
                insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(added)
            }

            async fn update_staff(
                &self,
                username: &str,
                update: &StaffUpdate,
                audit: Vec<AuditEntry>,
            ) -> StoreResult<Option<StaffRecord>> {
                let mut tx = self.write().await?;
                let (disable_changes, disabled_at) = match update.disabled_at {
                    Some(at) => (true, at),
                    None => (false, None),
                };
                let updated: Option<StaffRecord> = sql::query_as(concat!(
                    "UPDATE staff SET role = $1, agency = $2, password_hash = COALESCE($3, password_hash), \
                     disabled_at = CASE WHEN $4 THEN $5 ELSE disabled_at END WHERE username = $6 RETURNING ",
                    staff_columns!()
                ))
                .bind(update.role.as_str())
                .bind(&update.agency)
                .bind(&update.password_hash)
                .bind(disable_changes)
                .bind(disabled_at)
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(updated) = updated else { return Ok(None) };
                if update.ends_sessions() {
                    end_sessions(&mut tx, updated.id, update.at).await?;
                }
                for entry in &audit {
                    insert_audit(&mut tx, entry).await?;
                }
                tx.commit().await?;
                Ok(Some(updated))
            }

            async fn staff_accounts(&self) -> StoreResult<Vec<StaffRecord>> {
                Ok(sql::query_as(concat!("SELECT ", staff_columns!(), " FROM staff ORDER BY username"))
                    .fetch_all(&mut *self.read().await?)
                    .await?)
            }

            async fn agency_staff(&self, agency: &str) -> StoreResult<Vec<String>> {
                Ok(sql::query_scalar(
                    "SELECT username FROM staff WHERE role = 'agency' AND agency = $1 AND disabled_at IS NULL \
                     ORDER BY username",
                )
                .bind(agency)
                .fetch_all(&mut *self.read().await?)
                .await?)
            }

            async fn staff_by_username(&self, username: &str) -> StoreResult<Option<StaffRecord>> {
                Ok(sql::query_as(concat!("SELECT ", staff_columns!(), " FROM staff WHERE username = $1"))
                    .bind(username)
                    .fetch_optional(&mut *self.read().await?)
                    .await?)
            }

            async fn create_session(
                &self,
                token_hash: &str,
                staff_id: i64,
                expires_at: i64,
                audit: AuditEntry,
            ) -> StoreResult<()> {
                let mut tx = self.write().await?;
                sql::query(
                    "INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(token_hash)
                .bind(staff_id)
                .bind(audit.at)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
                insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn session(&self, token_hash: &str, now: i64) -> StoreResult<Option<StaffRecord>> {
                Ok(sql::query_as(
                    "SELECT s.id, s.username, s.password_hash, s.role, s.agency, s.created_at, s.disabled_at \
                     FROM staff_sessions x JOIN staff s ON s.id = x.staff_id \
                     WHERE x.token_hash = $1 AND x.revoked_at IS NULL AND x.expires_at > $2 AND s.disabled_at IS NULL",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&mut *self.read().await?)
                .await?)
            }

            async fn session_expires(&self, token_hash: &str, now: i64) -> StoreResult<Option<i64>> {
                Ok(sql::query_scalar(
                    "SELECT expires_at FROM staff_sessions \
                     WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2",
                )
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&mut *self.read().await?)
                .await?)
            }

            async fn revoke_session(&self, token_hash: &str, audit: AuditEntry) -> StoreResult<bool> {
                let mut tx = self.write().await?;
                let done =
                    sql::query("UPDATE staff_sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
                        .bind(audit.at)
                        .bind(token_hash)
                        .execute(&mut *tx)
                        .await?;
                let revoked = done.rows_affected() > 0;
                if revoked {
                    insert_audit(&mut tx, &audit).await?;
                }
                tx.commit().await?;
                Ok(revoked)
            }

            async fn add_api_key(&self, key_hash: &str, label: &str, audit: AuditEntry) -> StoreResult<()> {
                let mut tx = self.write().await?;
                sql::query("INSERT INTO api_keys (key_hash, label, created_at) VALUES ($1, $2, $3)")
                    .bind(key_hash)
                    .bind(label)
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn api_key(&self, key_hash: &str) -> StoreResult<Option<String>> {
                Ok(sql::query_scalar("SELECT label FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
                    .bind(key_hash)
                    .fetch_optional(&mut *self.read().await?)
                    .await?)
            }

            async fn agency_staff_among(&self, agency: &str, usernames: &[String]) -> StoreResult<Vec<String>> {
                agency_staff_of(&mut *self.read().await?, agency, usernames).await
            }

            async fn standby(&self, agency: Option<&str>, from: &str, to: &str) -> StoreResult<Vec<StandbyRecord>> {
                let mut q = Builder::<$db>::new("SELECT agency, date, shift, username FROM standby WHERE date >= ");
                q.push_bind(from.to_owned()).push(" AND date <= ").push_bind(to.to_owned());
                if let Some(a) = agency {
                    q.push(" AND agency = ").push_bind(a.to_owned());
                }
                q.push(
                    " ORDER BY date, agency, CASE shift WHEN 'pagi' THEN 0 WHEN 'sore' THEN 1 ELSE 2 END, position",
                );
                let rows: Vec<(String, String, String, String)> =
                    q.build_query_as().fetch_all(&mut *self.read().await?).await?;
                let mut slots: Vec<StandbyRecord> = Vec::new();
                for (agency, date, shift, username) in rows {
                    let shift =
                        Shift::from_name(&shift).ok_or_else(|| StoreError::Corrupt(format!("shift {shift:?}")))?;
                    match slots.last_mut() {
                        Some(last) if last.agency == agency && last.date == date && last.shift == shift => {
                            last.officers.push(username);
                        }
                        _ => slots.push(StandbyRecord { agency, date, shift, officers: vec![username] }),
                    }
                }
                Ok(slots)
            }

            async fn set_standby(&self, slot: &StandbyRecord, audit: AuditEntry) -> StoreResult<()> {
                let mut tx = self.write().await?;
                sql::query("DELETE FROM standby WHERE agency = $1 AND date = $2 AND shift = $3")
                    .bind(&slot.agency)
                    .bind(&slot.date)
                    .bind(slot.shift.as_str())
                    .execute(&mut *tx)
                    .await?;
                for (position, username) in slot.officers.iter().enumerate() {
                    sql::query(
                        "INSERT INTO standby (agency, date, shift, position, username) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&slot.agency)
                    .bind(&slot.date)
                    .bind(slot.shift.as_str())
                    .bind(position as i64)
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
                }
                insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }
        }

        /// Adds a catalogue entry; with `only_if_new`, an id seen before is left alone.
        async fn insert_video(conn: &mut $conn, v: &VideoRecord, only_if_new: bool) -> StoreResult<bool> {
            let insert = if only_if_new {
                sql::query(concat!(
                    "INSERT INTO videos (",
                    video_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING"
                ))
            } else {
                sql::query(concat!(
                    "INSERT INTO videos (",
                    video_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                ))
            };
            let done = insert
                .bind(&v.id)
                .bind(&v.agency)
                .bind(&v.title_id)
                .bind(&v.title_en)
                .bind(v.kind.as_str())
                .bind(&v.youtube_id)
                .bind(&v.file_name)
                .bind(&v.mime)
                .bind(&v.captions_id)
                .bind(&v.captions_en)
                .bind(&v.poster)
                .bind(v.created_at)
                .execute(&mut *conn)
                .await?;
            Ok(done.rows_affected() > 0)
        }

        #[async_trait::async_trait]
        impl MediaStore for $store {
            async fn videos(&self) -> StoreResult<Vec<VideoRecord>> {
                Ok(sql::query_as(concat!(
                    "SELECT ",
                    video_columns!(),
                    " FROM videos WHERE removed_at IS NULL ORDER BY created_at DESC, id"
                ))
                .fetch_all(&mut *self.read().await?)
                .await?)
            }

            async fn add_video(&self, video: &VideoRecord, audit: AuditEntry) -> StoreResult<()> {
                let mut tx = self.write().await?;
                insert_video(&mut tx, video, false).await?;
                insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn seed_video(&self, video: &VideoRecord) -> StoreResult<bool> {
                let mut tx = self.write().await?;
                let added = insert_video(&mut tx, video, true).await?;
                tx.commit().await?;
                Ok(added)
            }

            async fn remove_video(&self, id: &str, audit: AuditEntry) -> StoreResult<Option<VideoRecord>> {
                let mut tx = self.write().await?;
                let removed: Option<VideoRecord> = sql::query_as(concat!(
                    "UPDATE videos SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL RETURNING ",
                    video_columns!()
                ))
                .bind(audit.at)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                if removed.is_some() {
                    insert_audit(&mut tx, &audit).await?;
                }
                tx.commit().await?;
                Ok(removed)
            }
        }

        #[async_trait::async_trait]
        impl TemplateStore for $store {
            async fn templates(&self) -> StoreResult<Vec<TemplateRecord>> {
                Ok(sql::query_as("SELECT id, status, title, text FROM reply_templates ORDER BY status, title, id")
                    .fetch_all(&mut *self.read().await?)
                    .await?)
            }

            async fn add_template(&self, t: &TemplateRecord, at: i64, actor: &str) -> StoreResult<TemplateRecord> {
                let mut tx = self.write().await?;
                let id: i64 = sql::query_scalar(
                    "INSERT INTO reply_templates (status, title, text, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $4) RETURNING id",
                )
                .bind(t.status.as_str())
                .bind(&t.title)
                .bind(&t.text)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                let target = format!("{id} {}", t.title);
                insert_audit(&mut tx, &AuditEntry::new(at, actor, AuditAction::TemplateAdd, target)).await?;
                tx.commit().await?;
                Ok(TemplateRecord { id, ..t.clone() })
            }

            async fn update_template(
                &self,
                t: &TemplateRecord,
                at: i64,
                actor: &str,
            ) -> StoreResult<Option<TemplateRecord>> {
                let mut tx = self.write().await?;
                let done = sql::query(
                    "UPDATE reply_templates SET status = $1, title = $2, text = $3, updated_at = $4 WHERE id = $5",
                )
                .bind(t.status.as_str())
                .bind(&t.title)
                .bind(&t.text)
                .bind(at)
                .bind(t.id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(None);
                }
                let target = format!("{} {}", t.id, t.title);
                insert_audit(&mut tx, &AuditEntry::new(at, actor, AuditAction::TemplateChange, target)).await?;
                tx.commit().await?;
                Ok(Some(t.clone()))
            }

            async fn remove_template(&self, id: i64, audit: AuditEntry) -> StoreResult<bool> {
                let mut tx = self.write().await?;
                let done = sql::query("DELETE FROM reply_templates WHERE id = $1").bind(id).execute(&mut *tx).await?;
                let removed = done.rows_affected() > 0;
                if removed {
                    insert_audit(&mut tx, &audit).await?;
                }
                tx.commit().await?;
                Ok(removed)
            }
        }

        /// The columns of a listed delivery (`d` the delivery, `e` its endpoint).
        macro_rules! delivery_columns {
            () => {
                "d.id, d.endpoint_id, e.agency, e.url, d.event_type, d.state, d.attempts, d.created_at, \
                 d.first_attempt_at, d.next_attempt_at, d.last_status, d.last_error, d.delivered_at"
            };
        }

        #[async_trait::async_trait]
        impl WebhookStore for $store {
            async fn add_webhook(
                &self,
                agency: &str,
                url: &str,
                secret: &str,
                at: i64,
                actor: &str,
            ) -> StoreResult<WebhookEndpointRecord> {
                let mut tx = self.write().await?;
                let added: WebhookEndpointRecord = sql::query_as(
                    "INSERT INTO webhook_endpoints (agency, url, secret, created_at) VALUES ($1, $2, $3, $4) \
                     RETURNING id, agency, url, secret, created_at, removed_at",
                )
                .bind(agency)
                .bind(url)
                .bind(secret)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                let target = format!("{} {agency}", added.id);
                insert_audit(&mut tx, &AuditEntry::new(at, actor, AuditAction::WebhookAdd, target)).await?;
                tx.commit().await?;
                Ok(added)
            }

            async fn webhooks(&self) -> StoreResult<Vec<WebhookEndpointRecord>> {
                Ok(sql::query_as(
                    "SELECT id, agency, url, secret, created_at, removed_at FROM webhook_endpoints ORDER BY id",
                )
                .fetch_all(&mut *self.read().await?)
                .await?)
            }

            async fn remove_webhook(&self, id: i64, audit: AuditEntry) -> StoreResult<Option<WebhookEndpointRecord>> {
                let mut tx = self.write().await?;
                let removed: Option<WebhookEndpointRecord> = sql::query_as(
                    "UPDATE webhook_endpoints SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL \
                     RETURNING id, agency, url, secret, created_at, removed_at",
                )
                .bind(audit.at)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                if removed.is_some() {
                    sql::query(
                        "UPDATE webhook_deliveries SET state = 'failed', claimed_until = NULL, \
                         last_error = 'endpoint removed' WHERE endpoint_id = $1 AND state = 'pending'",
                    )
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    insert_audit(&mut tx, &audit).await?;
                }
                tx.commit().await?;
                Ok(removed)
            }

            async fn deliveries(
                &self,
                state: Option<portal112_core::staff::DeliveryState>,
                limit: u32,
            ) -> StoreResult<Vec<DeliveryRecord>> {
                let mut q = Builder::<$db>::new(concat!(
                    "SELECT ",
                    delivery_columns!(),
                    " FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE 1 = 1"
                ));
                if let Some(s) = state {
                    q.push(" AND d.state = ").push_bind(s.as_str());
                }
                q.push(" ORDER BY d.created_at DESC, d.id LIMIT ").push_bind(i64::from(limit));
                Ok(q.build_query_as().fetch_all(&mut *self.read().await?).await?)
            }

            async fn resend_delivery(&self, id: &str, audit: AuditEntry) -> StoreResult<DeliveryRecord> {
                let not_found =
                    || StoreError::Rejected(ApiError::field(ErrorKind::NotFound, Field::Other("id".into())));
                let mut tx = self.write().await?;
                let current: Option<(String, Option<i64>)> = sql::query_as(concat!(
                    "SELECT d.state, e.removed_at FROM webhook_deliveries d \
                     JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1",
                    $lock
                ))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((state, removed_at)) = current else { return Err(not_found()) };
                if removed_at.is_some() {
                    return Err(not_found());
                }
                if state == "pending" {
                    return Err(StoreError::Rejected(ErrorKind::NothingToChange.into()));
                }
                sql::query(
                    "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, first_attempt_at = NULL, \
                     next_attempt_at = $1, claimed_until = NULL, last_status = NULL, last_error = NULL, \
                     delivered_at = NULL WHERE id = $2",
                )
                .bind(audit.at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                insert_audit(&mut tx, &audit).await?;
                let record: DeliveryRecord = sql::query_as(concat!(
                    "SELECT ",
                    delivery_columns!(),
                    " FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1"
                ))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(record)
            }

            async fn claim_deliveries(
                &self,
                now: i64,
                lease: i64,
                limit: u32,
            ) -> StoreResult<Vec<ClaimedDelivery>> {
                let mut tx = self.write().await?;
                let ids: Vec<String> = sql::query_scalar(concat!(
                    "UPDATE webhook_deliveries SET claimed_until = $1 WHERE id IN (SELECT id FROM \
                     webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= $2 \
                     AND (claimed_until IS NULL OR claimed_until <= $2) ORDER BY next_attempt_at LIMIT $3",
                    $skip_locked,
                    ") RETURNING id"
                ))
                .bind(now.saturating_add(lease))
                .bind(now)
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await?;
                if ids.is_empty() {
                    tx.commit().await?;
                    return Ok(Vec::new());
                }
                let mut q = Builder::<$db>::new(
                    "SELECT d.id, d.endpoint_id, e.url, e.secret, d.event_type, d.payload, d.attempts, \
                     d.first_attempt_at FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
                     WHERE d.id IN ",
                );
                q.push_bind_list(ids.iter().cloned()).push(" ORDER BY d.next_attempt_at, d.id");
                let claimed: Vec<ClaimedDelivery> = q.build_query_as().fetch_all(&mut *tx).await?;
                tx.commit().await?;
                Ok(claimed)
            }

            async fn record_attempt(&self, a: &DeliveryAttempt) -> StoreResult<()> {
                let mut tx = self.write().await?;
                sql::query(
                    "UPDATE webhook_deliveries SET attempts = attempts + 1, \
                     first_attempt_at = COALESCE(first_attempt_at, $1), state = $2, next_attempt_at = $3, \
                     claimed_until = NULL, last_status = $4, last_error = $5, \
                     delivered_at = CASE WHEN $2 = 'delivered' THEN $1 ELSE delivered_at END \
                     WHERE id = $6 AND state = 'pending'",
                )
                .bind(a.at)
                .bind(a.state.as_str())
                .bind(a.next_attempt_at)
                .bind(a.status)
                .bind(&a.error)
                .bind(&a.id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn next_delivery_due(&self) -> StoreResult<Option<i64>> {
                Ok(sql::query_scalar(
                    "SELECT MIN(CASE WHEN claimed_until > next_attempt_at THEN claimed_until \
                     ELSE next_attempt_at END) FROM webhook_deliveries WHERE state = 'pending'",
                )
                .fetch_one(&mut *self.read().await?)
                .await?)
            }

            async fn release_orphaned_claims(&self) -> StoreResult<u64> {
                self.orphaned_claims().await
            }
        }

        /// Appends the audit filters as bound parameters.
        fn push_audit_filters<'a>(q: &mut Builder<'a, $db>, f: &'a AuditFilter) {
            q.push(" WHERE 1 = 1");
            if let Some(actor) = &f.actor {
                q.push(" AND actor = ").push_bind(actor.as_str());
            }
            if let Some(action) = f.action {
                q.push(" AND action = ").push_bind(action.as_str());
            }
            if let Some(target) = &f.target {
                q.push(" AND substr(target, 1, length(")
                    .push_bind(target.as_str())
                    .push(")) = ")
                    .push_bind(target.as_str());
            }
            if let Some(since) = f.since {
                q.push(" AND at >= ").push_bind(since);
            }
            if let Some(until) = f.until {
                q.push(" AND at <= ").push_bind(until);
            }
        }

        #[async_trait::async_trait]
        impl AuditStore for $store {
            async fn audit(&self, entry: AuditEntry) -> StoreResult<()> {
                let mut tx = self.write().await?;
                insert_audit(&mut tx, &entry).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn audit_entries(&self, limit: u32) -> StoreResult<Vec<AuditEntry>> {
                Ok(sql::query_as("SELECT at, actor, action, target FROM audit_log ORDER BY id DESC LIMIT $1")
                    .bind(i64::from(limit))
                    .fetch_all(&mut *self.read().await?)
                    .await?)
            }

            async fn audit_page(&self, f: &AuditFilter) -> StoreResult<(Vec<AuditEntry>, u64)> {
                let mut conn = self.read().await?;
                let mut count = Builder::<$db>::new("SELECT COUNT(*) FROM audit_log");
                push_audit_filters(&mut count, f);
                let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
                let mut q = Builder::<$db>::new("SELECT at, actor, action, target FROM audit_log");
                push_audit_filters(&mut q, f);
                q.push(" ORDER BY id DESC LIMIT ")
                    .push_bind(i64::try_from(f.limit).unwrap_or(i64::MAX))
                    .push(" OFFSET ")
                    .push_bind(i64::try_from(f.offset).unwrap_or(i64::MAX));
                let rows: Vec<AuditEntry> = q.build_query_as().fetch_all(&mut *conn).await?;
                Ok((rows, total as u64))
            }
        }
    };
}
pub(super) use shared_store;
