//! The embedded store: one SQLite file in WAL mode.
//!
//! Writes go through a single connection (SQLite has one writer at a time
//! anyway, and serialising them here makes the idempotency check and insert
//! race-free); reads use a small pool that WAL lets run beside the writer.
//! `synchronous = FULL` makes every commit reach the disk before it returns, so
//! a 2xx answer means the report survives a crash or power cut.
//!
//! New reports are written by group commit: one task takes every report that
//! is waiting, writes them all in one transaction and commits once — one fsync
//! for the whole batch — and only then answers each sender. Under load this
//! turns one disk flush per report into one per batch without weakening the
//! promise: nobody hears "stored" before the commit that stores it returned.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use portal112_core::dto::Role;
use portal112_core::{ApiError, ErrorKind, Status, TicketCode};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, SqlitePool};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::sql::{self, Builder};
use super::{
    AuditRecord, Created, EventRecord, Idempotency, Millis, NewTicket, PhotoRecord, REVISION_SLOTS, StaffRecord, Store,
    StoreError, StoreResult, TicketChange, TicketFilter, TicketNotice, TicketRecord, VideoRecord, revision_slot,
};

/// Reports written by one commit at most.
const MAX_BATCH: usize = 128;

/// A report waiting for the group commit, and where its outcome goes.
struct Pending {
    ticket: NewTicket,
    reply: oneshot::Sender<StoreResult<Created>>,
}

/// The SQLite implementation of [`Store`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    notices: broadcast::Sender<TicketNotice>,
    /// Change counters of tickets, by a hash of the code (see [`Store::revision`]).
    revisions: Arc<[AtomicU64]>,
    /// The group commit's queue.
    intake: mpsc::Sender<Pending>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").field("code", &self.ticket.code).finish_non_exhaustive()
    }
}

/// The ticket columns every ticket query reads, in [`ticket_from_row`]'s names.
macro_rules! ticket_columns {
    () => {
        "t.code, t.category, t.agency, t.confidential, t.status, t.description, t.lat, t.lng, t.accuracy_m, \
         t.district, t.village, t.address, t.anonymous, t.contact_name, t.contact_phone, t.contact_email, \
         t.source, t.created_at, t.updated_at"
    };
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` and applies migrations.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-16000");
        if let Some(dir) = options.get_filename().parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        let (notices, _) = broadcast::channel(1024);
        let (intake, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(group_commit(writer.clone(), queue));
        let revisions = (0..REVISION_SLOTS).map(|_| AtomicU64::new(0)).collect();
        Ok(Self { writer, reader, notices, revisions, intake })
    }
}

/// A ticket with its photo ids and full history, read on `conn`.
async fn load_ticket(conn: &mut SqliteConnection, code: &str) -> StoreResult<Option<TicketRecord>> {
    let Some(row) = sql::query(concat!("SELECT ", ticket_columns!(), " FROM tickets t WHERE t.code = ?"))
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut ticket = ticket_from_row(&row)?;
    ticket.photo_ids = sql::query_scalar("SELECT id FROM photos WHERE ticket_code = ? ORDER BY position")
        .bind(code)
        .fetch_all(&mut *conn)
        .await?;
    let rows = sql::query(
        "SELECT seq, at, actor, from_status, to_status, agency, public_note, internal_note, duplicate_of \
         FROM ticket_events WHERE ticket_code = ? ORDER BY seq",
    )
    .bind(code)
    .fetch_all(&mut *conn)
    .await?;
    ticket.events = rows.iter().map(event_from_row).collect::<StoreResult<_>>()?;
    ticket.latest_public_note = ticket.events.iter().rev().find_map(|e| e.public_note.clone());
    Ok(Some(ticket))
}

/// The group commit: waits for reports, writes every one that is waiting in
/// one transaction, commits, then answers them. Ends with the store.
async fn group_commit(writer: SqlitePool, mut queue: mpsc::Receiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let tickets: Vec<&NewTicket> = batch.iter().map(|p| &p.ticket).collect();
        match write_batch(&writer, &tickets).await {
            Ok(outcomes) => {
                for (pending, outcome) in batch.drain(..).zip(outcomes) {
                    // A sender that went away (client gone) is fine: its report
                    // is stored, and a re-send with its key finds it.
                    let _ = pending.reply.send(outcome);
                }
            }
            Err(e) => {
                if batch.len() > 1 {
                    tracing::warn!(error = %e, reports = batch.len(), "batch commit failed; writing one by one");
                }
                // One bad report must not sink the others: each gets its own
                // transaction and its own answer.
                for pending in batch.drain(..) {
                    let outcome = match write_batch(&writer, &[&pending.ticket]).await {
                        Ok(mut one) => one.pop().unwrap_or(Err(StoreError::Corrupt("empty batch".into()))),
                        Err(e) => Err(e),
                    };
                    let _ = pending.reply.send(outcome);
                }
            }
        }
    }
}

/// Writes `tickets` in one transaction; the outer error means nothing was
/// committed, the inner ones are per-report outcomes (a code that is taken).
async fn write_batch(writer: &SqlitePool, tickets: &[&NewTicket]) -> StoreResult<Vec<StoreResult<Created>>> {
    let mut tx = writer.begin().await?;
    let mut outcomes = Vec::with_capacity(tickets.len());
    for t in tickets {
        outcomes.push(write_ticket(&mut tx, t).await?);
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// What an earlier send with the same Idempotency-Key made, if there was one.
async fn earlier_send(conn: &mut SqliteConnection, idem: &Idempotency) -> StoreResult<Option<Created>> {
    let earlier: Option<(String, String)> =
        sql::query_as("SELECT request_hash, ticket_code FROM idempotency_keys WHERE key = ?")
            .bind(&idem.key)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((hash, earlier_code)) = earlier else { return Ok(None) };
    if hash != idem.request_hash {
        return Ok(Some(Created::KeyConflict));
    }
    let ticket = load_ticket(conn, &earlier_code)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("idempotency key for missing ticket {earlier_code}")))?;
    Ok(Some(Created::Replayed(Box::new(ticket))))
}

/// Writes one ticket inside the batch's transaction.
async fn write_ticket(conn: &mut SqliteConnection, t: &NewTicket) -> StoreResult<StoreResult<Created>> {
    let code = t.code.compact();
    if let Some(idem) = &t.idempotency
        && let Some(earlier) = earlier_send(conn, idem).await?
    {
        return Ok(Ok(earlier));
    }
    let r = &t.report;
    let contact = r.contact.clone().unwrap_or_default();
    let inserted = sql::query(
        "INSERT INTO tickets (code, category, agency, confidential, status, description, lat, lng, accuracy_m, \
         district, village, address, anonymous, contact_name, contact_phone, contact_email, source, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING",
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
    .bind(t.created_at)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(Err(StoreError::CodeTaken));
    }
    for (position, photo) in t.photos.iter().enumerate() {
        sql::query(
            "INSERT INTO photos (id, ticket_code, position, mime, width, height, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)",
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
    let first = EventRecord {
        seq: 1,
        at: t.created_at,
        actor: t.source.clone(),
        from_status: None,
        to_status: Status::Received,
        agency: Some(r.agency.clone()),
        public_note: None,
        internal_note: None,
        duplicate_of: None,
    };
    sql::query(
        "INSERT INTO ticket_events (ticket_code, seq, at, actor, from_status, to_status, agency) VALUES (?, 1, ?, ?, NULL, ?, ?)",
    )
    .bind(code)
    .bind(first.at)
    .bind(&first.actor)
    .bind(first.to_status.as_str())
    .bind(&first.agency)
    .execute(&mut *conn)
    .await?;
    if let Some(idem) = &t.idempotency {
        sql::query("INSERT INTO idempotency_keys (key, request_hash, ticket_code, created_at) VALUES (?, ?, ?, ?)")
            .bind(&idem.key)
            .bind(&idem.request_hash)
            .bind(code)
            .bind(t.created_at)
            .execute(&mut *conn)
            .await?;
    }
    if let Some(token) = &t.open311_token {
        sql::query("INSERT INTO open311_tokens (token, ticket_code) VALUES (?, ?)")
            .bind(token)
            .bind(code)
            .execute(&mut *conn)
            .await?;
    }
    Ok(Ok(Created::New(Box::new(record_of(t, contact, first)))))
}

/// The record as stored, built from what was written rather than read back.
pub(super) fn record_of(t: &NewTicket, contact: portal112_core::dto::Contact, first: EventRecord) -> TicketRecord {
    let r = &t.report;
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
        created_at: t.created_at,
        updated_at: t.created_at,
        photo_ids: t.photos.iter().map(|p| p.id.clone()).collect(),
        latest_public_note: None,
        events: vec![first],
    }
}

fn status_col(row: &SqliteRow, col: &str) -> StoreResult<Status> {
    let name: String = row.try_get(col)?;
    Status::from_name(&name).ok_or_else(|| StoreError::Corrupt(format!("status {name:?}")))
}

fn ticket_from_row(row: &SqliteRow) -> StoreResult<TicketRecord> {
    let code: String = row.try_get("code")?;
    Ok(TicketRecord {
        code: TicketCode::parse(&code).map_err(|_| StoreError::Corrupt(format!("ticket code {code:?}")))?,
        category: row.try_get("category")?,
        agency: row.try_get("agency")?,
        confidential: row.try_get("confidential")?,
        status: status_col(row, "status")?,
        description: row.try_get("description")?,
        lat: row.try_get("lat")?,
        lng: row.try_get("lng")?,
        accuracy_m: row.try_get("accuracy_m")?,
        district: row.try_get("district")?,
        village: row.try_get("village")?,
        address: row.try_get("address")?,
        anonymous: row.try_get("anonymous")?,
        contact_name: row.try_get("contact_name")?,
        contact_phone: row.try_get("contact_phone")?,
        contact_email: row.try_get("contact_email")?,
        source: row.try_get("source")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        photo_ids: Vec::new(),
        latest_public_note: None,
        events: Vec::new(),
    })
}

fn event_from_row(row: &SqliteRow) -> StoreResult<EventRecord> {
    let from: Option<String> = row.try_get("from_status")?;
    Ok(EventRecord {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        from_status: match from {
            Some(name) => {
                Some(Status::from_name(&name).ok_or_else(|| StoreError::Corrupt(format!("status {name:?}")))?)
            }
            None => None,
        },
        to_status: status_col(row, "to_status")?,
        agency: row.try_get("agency")?,
        public_note: row.try_get("public_note")?,
        internal_note: row.try_get("internal_note")?,
        duplicate_of: row.try_get("duplicate_of")?,
    })
}

fn staff_from_row(row: &SqliteRow) -> StoreResult<StaffRecord> {
    let role: String = row.try_get("role")?;
    Ok(StaffRecord {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        password_hash: row.try_get("password_hash")?,
        role: Role::from_name(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
        agency: row.try_get("agency")?,
    })
}

fn video_from_row(row: &SqliteRow) -> StoreResult<VideoRecord> {
    Ok(VideoRecord {
        id: row.try_get("id")?,
        agency: row.try_get("agency")?,
        title_id: row.try_get("title_id")?,
        title_en: row.try_get("title_en")?,
        kind: row.try_get("kind")?,
        youtube_id: row.try_get("youtube_id")?,
        file_name: row.try_get("file_name")?,
        mime: row.try_get("mime")?,
        captions_id: row.try_get("captions_id")?,
        captions_en: row.try_get("captions_en")?,
        poster: row.try_get("poster")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Appends the list filters as bound parameters.
fn push_filters(q: &mut Builder<'_, Sqlite>, f: &TicketFilter) {
    q.push(" WHERE 1 = 1");
    if let Some(s) = f.status {
        q.push(" AND t.status = ").push_bind(s.as_str());
    }
    if let Some(statuses) = &f.statuses {
        q.push(" AND t.status IN ").push_bind_list(statuses.iter().map(|s| s.as_str()));
    }
    if let Some(a) = &f.agency {
        q.push(" AND t.agency = ").push_bind(a.clone());
    }
    if let Some(c) = &f.category {
        q.push(" AND t.category = ").push_bind(c.clone());
    }
    if let Some(categories) = &f.categories {
        q.push(" AND t.category IN ").push_bind_list(categories.iter().cloned());
    }
    if f.exclude_confidential {
        q.push(" AND t.confidential = 0");
    }
    if let Some(since) = f.since {
        q.push(" AND t.created_at >= ").push_bind(since);
    }
    if let Some(until) = f.until {
        q.push(" AND t.created_at <= ").push_bind(until);
    }
    if let Some(codes) = &f.codes {
        q.push(" AND t.code IN ").push_bind_list(codes.iter().cloned());
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_ticket(&self, ticket: NewTicket) -> StoreResult<Created> {
        let (reply, outcome) = oneshot::channel();
        let closed = || StoreError::Database(sqlx::Error::PoolClosed);
        self.intake.send(Pending { ticket, reply }).await.map_err(|_| closed())?;
        outcome.await.map_err(|_| closed())?
    }

    async fn ticket(&self, code: &TicketCode) -> StoreResult<Option<TicketRecord>> {
        let mut conn = self.reader.acquire().await?;
        load_ticket(&mut conn, code.compact()).await
    }

    async fn change_ticket(&self, code: &TicketCode, change: TicketChange) -> StoreResult<EventRecord> {
        let code = code.compact();
        let u = &change.update;
        let mut tx = self.writer.begin().await?;
        let current: Option<(String, String)> = sql::query_as("SELECT status, agency FROM tickets WHERE code = ?")
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((status, agency)) = current else {
            return Err(StoreError::Rejected(ApiError::new(ErrorKind::TicketNotFound)));
        };
        let status = Status::from_name(&status).ok_or_else(|| StoreError::Corrupt(format!("status {status:?}")))?;
        if change.only_agency.as_ref().is_some_and(|a| *a != agency) {
            return Err(StoreError::Rejected(ApiError::new(ErrorKind::Forbidden)));
        }
        if let Some(to) = u.status {
            portal112_core::validate::check_transition(status, to).map_err(StoreError::Rejected)?;
        }
        if let Some(original) = &u.duplicate_of {
            if original.compact() == code {
                return Err(StoreError::Rejected(ApiError::field(ErrorKind::DuplicateOfSelf, "duplicate_of")));
            }
            let exists: Option<i64> = sql::query_scalar("SELECT 1 FROM tickets WHERE code = ?")
                .bind(original.compact())
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(StoreError::Rejected(ApiError::field(ErrorKind::TicketNotFound, "duplicate_of")));
            }
        }
        let new_agency = u.agency.clone().filter(|a| *a != agency);
        if u.status.is_none() && new_agency.is_none() && u.public_note.is_none() && u.internal_note.is_none() {
            // Handing a ticket to the agency it already has is no step at all.
            return Err(StoreError::Rejected(ApiError::new(ErrorKind::NothingToChange)));
        }
        let seq: i64 = sql::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM ticket_events WHERE ticket_code = ?")
            .bind(code)
            .fetch_one(&mut *tx)
            .await?;
        let event = EventRecord {
            seq,
            at: change.at,
            actor: change.actor.clone(),
            from_status: Some(status),
            to_status: u.status.unwrap_or(status),
            agency: new_agency.clone(),
            public_note: u.public_note.clone(),
            internal_note: u.internal_note.clone(),
            duplicate_of: u.duplicate_of.map(|c| c.to_string()),
        };
        sql::query(
            "INSERT INTO ticket_events (ticket_code, seq, at, actor, from_status, to_status, agency, public_note, internal_note, duplicate_of) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(code)
        .bind(event.seq)
        .bind(event.at)
        .bind(&event.actor)
        .bind(status.as_str())
        .bind(event.to_status.as_str())
        .bind(&event.agency)
        .bind(&event.public_note)
        .bind(&event.internal_note)
        .bind(&event.duplicate_of)
        .execute(&mut *tx)
        .await?;
        sql::query("UPDATE tickets SET status = ?, agency = COALESCE(?, agency), updated_at = ? WHERE code = ?")
            .bind(event.to_status.as_str())
            .bind(&new_agency)
            .bind(change.at)
            .bind(code)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let ticket_code = TicketCode::parse(code).map_err(|_| StoreError::Corrupt(code.to_owned()))?;
        self.revisions[revision_slot(&ticket_code)].fetch_add(1, Ordering::AcqRel);
        if event.is_public() {
            // Nobody listening is fine: trackers subscribe only while open.
            let _ = self.notices.send(TicketNotice { code: ticket_code, seq: event.seq });
        }
        Ok(event)
    }

    async fn list_tickets(&self, f: &TicketFilter) -> StoreResult<(Vec<TicketRecord>, u64)> {
        let mut count = Builder::<Sqlite>::new("SELECT COUNT(*) FROM tickets t");
        push_filters(&mut count, f);
        let total: i64 = count.build_query_scalar().fetch_one(&self.reader).await?;

        let mut q = Builder::<Sqlite>::new(concat!(
            "SELECT ",
            ticket_columns!(),
            ", (SELECT group_concat(id) FROM (SELECT id FROM photos p WHERE p.ticket_code = t.code ORDER BY position)) \
             AS photo_ids, \
             (SELECT public_note FROM ticket_events e WHERE e.ticket_code = t.code AND e.public_note IS NOT NULL \
              ORDER BY seq DESC LIMIT 1) AS last_note \
             FROM tickets t"
        ));
        push_filters(&mut q, f);
        q.push(" ORDER BY t.created_at DESC, t.code LIMIT ")
            .push_bind(f.limit as i64)
            .push(" OFFSET ")
            .push_bind(f.offset as i64);
        let rows = q.build().fetch_all(&self.reader).await?;
        let mut tickets = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut t = ticket_from_row(row)?;
            let photos: Option<String> = row.try_get("photo_ids")?;
            t.photo_ids = photos.map(|p| p.split(',').map(str::to_owned).collect()).unwrap_or_default();
            t.latest_public_note = row.try_get("last_note")?;
            tickets.push(t);
        }
        Ok((tickets, total as u64))
    }

    async fn photo(&self, id: &str) -> StoreResult<Option<PhotoRecord>> {
        let row = sql::query(
            "SELECT p.mime, p.bytes, t.confidential FROM photos p JOIN tickets t ON t.code = p.ticket_code WHERE p.id = ?",
        )
        .bind(id)
        .fetch_optional(&self.reader)
        .await?;
        row.map(|r| {
            Ok(PhotoRecord {
                mime: r.try_get("mime")?,
                bytes: r.try_get("bytes")?,
                confidential: r.try_get("confidential")?,
            })
        })
        .transpose()
    }

    async fn open311_token(&self, token: &str) -> StoreResult<Option<TicketCode>> {
        let code: Option<String> = sql::query_scalar("SELECT ticket_code FROM open311_tokens WHERE token = ?")
            .bind(token)
            .fetch_optional(&self.reader)
            .await?;
        code.map(|c| TicketCode::parse(&c).map_err(|_| StoreError::Corrupt(c.clone()))).transpose()
    }

    async fn add_staff(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        agency: Option<&str>,
        at: Millis,
    ) -> StoreResult<i64> {
        let id = sql::query_scalar(
            "INSERT INTO staff (username, password_hash, role, agency, created_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, \
             agency = excluded.agency RETURNING id",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(agency)
        .bind(at)
        .fetch_one(&self.writer)
        .await?;
        Ok(id)
    }

    async fn staff_by_username(&self, username: &str) -> StoreResult<Option<StaffRecord>> {
        let row = sql::query("SELECT id, username, password_hash, role, agency FROM staff WHERE username = ?")
            .bind(username)
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(staff_from_row).transpose()
    }

    async fn create_session(&self, token_hash: &str, staff_id: i64, at: Millis, expires_at: Millis) -> StoreResult<()> {
        sql::query("INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at) VALUES (?, ?, ?, ?)")
            .bind(token_hash)
            .bind(staff_id)
            .bind(at)
            .bind(expires_at)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: Millis) -> StoreResult<Option<StaffRecord>> {
        let row = sql::query(
            "SELECT s.id, s.username, s.password_hash, s.role, s.agency FROM staff_sessions x \
             JOIN staff s ON s.id = x.staff_id WHERE x.token_hash = ? AND x.revoked_at IS NULL AND x.expires_at > ?",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.reader)
        .await?;
        row.as_ref().map(staff_from_row).transpose()
    }

    async fn revoke_session(&self, token_hash: &str, at: Millis) -> StoreResult<bool> {
        let done = sql::query("UPDATE staff_sessions SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL")
            .bind(at)
            .bind(token_hash)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn add_api_key(&self, key_hash: &str, label: &str, at: Millis) -> StoreResult<()> {
        sql::query("INSERT INTO api_keys (key_hash, label, created_at) VALUES (?, ?, ?)")
            .bind(key_hash)
            .bind(label)
            .bind(at)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn api_key(&self, key_hash: &str) -> StoreResult<Option<String>> {
        Ok(sql::query_scalar("SELECT label FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL")
            .bind(key_hash)
            .fetch_optional(&self.reader)
            .await?)
    }

    async fn videos(&self) -> StoreResult<Vec<VideoRecord>> {
        let rows = sql::query(
            "SELECT id, agency, title_id, title_en, kind, youtube_id, file_name, mime, captions_id, captions_en, poster, created_at \
             FROM videos WHERE removed_at IS NULL ORDER BY created_at DESC, id",
        )
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(video_from_row).collect()
    }

    async fn add_video(&self, v: &VideoRecord, only_if_new: bool) -> StoreResult<bool> {
        let insert = if only_if_new {
            sql::query(
                "INSERT INTO videos (id, agency, title_id, title_en, kind, youtube_id, file_name, mime, captions_id, \
                 captions_en, poster, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            )
        } else {
            sql::query(
                "INSERT INTO videos (id, agency, title_id, title_en, kind, youtube_id, file_name, mime, captions_id, \
                 captions_en, poster, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
        };
        let done = insert
            .bind(&v.id)
            .bind(&v.agency)
            .bind(&v.title_id)
            .bind(&v.title_en)
            .bind(&v.kind)
            .bind(&v.youtube_id)
            .bind(&v.file_name)
            .bind(&v.mime)
            .bind(&v.captions_id)
            .bind(&v.captions_en)
            .bind(&v.poster)
            .bind(v.created_at)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn remove_video(&self, id: &str, at: Millis) -> StoreResult<Option<VideoRecord>> {
        let row = sql::query(
            "UPDATE videos SET removed_at = ? WHERE id = ? AND removed_at IS NULL RETURNING id, agency, title_id, title_en, \
             kind, youtube_id, file_name, mime, captions_id, captions_en, poster, created_at",
        )
        .bind(at)
        .bind(id)
        .fetch_optional(&self.writer)
        .await?;
        row.as_ref().map(video_from_row).transpose()
    }

    async fn audit(&self, at: Millis, actor: &str, action: &str, target: &str) -> StoreResult<()> {
        sql::query("INSERT INTO audit_log (at, actor, action, target) VALUES (?, ?, ?, ?)")
            .bind(at)
            .bind(actor)
            .bind(action)
            .bind(target)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn audit_entries(&self, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        let rows: Vec<(Millis, String, String, String)> =
            sql::query_as("SELECT at, actor, action, target FROM audit_log ORDER BY id DESC LIMIT ?")
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
        Ok(rows.into_iter().map(|(at, actor, action, target)| AuditRecord { at, actor, action, target }).collect())
    }

    fn subscribe(&self) -> broadcast::Receiver<TicketNotice> {
        self.notices.subscribe()
    }

    fn revision(&self, code: &TicketCode) -> u64 {
        self.revisions[revision_slot(code)].load(Ordering::Acquire)
    }

    async fn ping(&self) -> StoreResult<()> {
        sql::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }
}
