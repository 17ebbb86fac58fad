//! The shared store: one PostgreSQL database under any number of portal
//! instances.
//!
//! Every report is one transaction (key, ticket, photos, first event, token)
//! committed with `synchronous_commit = on`, so a 2xx answer means the report
//! is on the server's disk. Staff changes lock the ticket row
//! (`SELECT ... FOR UPDATE`) and check the status machine against it, so two
//! instances cannot both move a ticket from the same state.
//!
//! Instances learn about each other's changes through `LISTEN`/`NOTIFY`: the
//! transaction of every ticket change calls `pg_notify`, which PostgreSQL
//! delivers only once the transaction commits. Each instance listens on one
//! connection and turns what it hears into the same two things a local change
//! does: a bump of the ticket's [revision](Store::revision) (so cached public
//! views go stale) and a [`TicketNotice`] (so open trackers get the step).
//!
//! The window: between another instance's commit and the notice reaching this
//! one (loopback: well under 10 ms, measured by `tests/instances.rs`), a view
//! this instance cached before may still be served. No longer: while the
//! listening connection is down, or silent for longer than
//! [`SILENCE_LIMIT`] (it hears every instance's heartbeat each
//! [`HEARTBEAT_EVERY`]), the revision changes on every read, so nothing is
//! served from the cache; after it reconnects every revision moves on and the
//! changes made meanwhile are announced again from the event table.

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use portal112_core::dto::Role;
use portal112_core::{ApiError, ErrorKind, Status, TicketCode};
use sha2::{Digest as _, Sha256};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener, PgNotification, PgPoolOptions, PgRow};
use sqlx::{PgPool, Postgres, Row};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use super::sql::{self, Builder};
use super::{
    AuditRecord, Created, EventRecord, Idempotency, Millis, NewTicket, PhotoRecord, REVISION_SLOTS, SharedLimits,
    StaffRecord, Store, StoreError, StoreResult, TicketChange, TicketFilter, TicketNotice, TicketRecord, VideoRecord,
    revision_slot,
};

/// The channel ticket changes and heartbeats travel on.
const CHANNEL: &str = "portal112_tickets";

/// How often each instance says it is alive on [`CHANNEL`].
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(2);

/// Silence on [`CHANNEL`] after which the listening connection is taken for
/// dead (and the cache for untrustworthy) and opened again.
pub const SILENCE_LIMIT: Duration = Duration::from_secs(5);

/// How far before the last notice heard a reconnecting listener looks for
/// changes it may have missed. Event times come from the clocks of the
/// instances that made them, stamped before their transaction committed:
/// the margin covers slow commits and clocks that disagree.
const REPLAY_MARGIN: Duration = Duration::from_mins(5);

/// Connections per instance. Reports and changes hold one for a short
/// transaction; PostgreSQL's own group commit shares the WAL flushes.
const POOL_SIZE: u32 = 16;

/// The PostgreSQL implementation of [`Store`].
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    shared: Arc<Listening>,
    /// Salt of the rate-limit keys, the same for every instance.
    salt: Arc<str>,
    /// Stops the background tasks when the last clone goes.
    _tasks: Arc<Tasks>,
}

/// What the listening task shares with the store.
#[derive(Debug)]
struct Listening {
    /// Tells this instance's own notices apart from the others'.
    instance: String,
    notices: broadcast::Sender<TicketNotice>,
    /// Change counters of tickets, by a hash of the code.
    revisions: Box<[AtomicU64]>,
    /// Added to every revision; moves when everything must go stale at once.
    epoch: AtomicU64,
    /// Whether notices from other instances are arriving.
    up: AtomicBool,
}

impl Listening {
    fn revision(&self, code: &TicketCode) -> u64 {
        let slot = self.revisions[revision_slot(code)].load(Ordering::Acquire);
        if self.up.load(Ordering::Acquire) {
            slot + self.epoch.load(Ordering::Acquire)
        } else {
            // Changes elsewhere may go unheard: a new value for every read,
            // so no cached view is ever current.
            slot + self.epoch.fetch_add(1, Ordering::AcqRel) + 1
        }
    }

    fn changed(&self, code: TicketCode, seq: i64, public: bool) {
        self.revisions[revision_slot(&code)].fetch_add(1, Ordering::AcqRel);
        if public {
            // Nobody listening is fine: trackers subscribe only while open.
            let _ = self.notices.send(TicketNotice { code, seq });
        }
    }
}

#[derive(Debug)]
struct Tasks(Mutex<Vec<JoinHandle<()>>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for task in self.0.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner).drain(..) {
            task.abort();
        }
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

/// The database clock in milliseconds: rate limits and locks use it, so
/// instances whose clocks disagree still count alike.
macro_rules! db_now {
    () => {
        "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
    };
}

impl PgStore {
    /// Connects to the database at `url`, applies migrations and starts
    /// listening for other instances' changes. Returns once listening, so a
    /// server never starts serving with changes it cannot hear about.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)?
            .application_name("portal112")
            // The promise of a 2xx: the commit reached the disk, whatever
            // the database's default says.
            .options([("synchronous_commit", "on")]);
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        // sqlx takes an advisory lock around migrations: instances starting
        // together apply them once.
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let salt = salt(&pool).await?;

        let mut bytes = [0_u8; 8];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::Corrupt(format!("no randomness: {e}")))?;
        let (notices, _) = broadcast::channel(1024);
        let shared = Arc::new(Listening {
            instance: hex::encode(bytes),
            notices,
            revisions: (0..REVISION_SLOTS).map(|_| AtomicU64::new(0)).collect(),
            epoch: AtomicU64::new(0),
            up: AtomicBool::new(false),
        });
        let listener = listen(&pool).await?;
        shared.up.store(true, Ordering::Release);
        let tasks = vec![
            tokio::spawn(keep_listening(pool.clone(), shared.clone(), listener)),
            tokio::spawn(heartbeat(pool.clone(), shared.instance.clone())),
        ];
        Ok(Self { pool, shared, salt: salt.into(), _tasks: Arc::new(Tasks(Mutex::new(tasks))) })
    }
}

/// The salt of rate-limit keys: made by the first instance, read by all.
async fn salt(pool: &PgPool) -> StoreResult<String> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| StoreError::Corrupt(format!("no randomness: {e}")))?;
    sql::query("INSERT INTO hash_salt (one, salt) VALUES (TRUE, $1) ON CONFLICT (one) DO NOTHING")
        .bind(hex::encode(bytes))
        .execute(pool)
        .await?;
    Ok(sql::query_scalar("SELECT salt FROM hash_salt").fetch_one(pool).await?)
}

async fn listen(pool: &PgPool) -> StoreResult<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    // A dead connection is replaced by `keep_listening`, which also makes up
    // for what was missed; sqlx's own silent reconnect would not.
    listener.ignore_pool_close_event(true);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Hears every instance's changes for as long as the store lives, reconnecting
/// when the connection dies or goes quiet.
async fn keep_listening(pool: PgPool, shared: Arc<Listening>, first: PgListener) {
    let mut listener = Some(first);
    let mut last_heard = portal112_now();
    let mut wait = Duration::from_millis(100);
    loop {
        let mut current = match listener.take() {
            Some(l) => l,
            None => match relisten(&pool, &shared, last_heard).await {
                Ok(l) => {
                    tracing::info!("listening for other instances' ticket changes again");
                    wait = Duration::from_millis(100);
                    l
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_ms = wait.as_millis(), "cannot listen for ticket changes");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                    continue;
                }
            },
        };
        loop {
            match tokio::time::timeout(SILENCE_LIMIT, current.try_recv()).await {
                Ok(Ok(Some(notification))) => {
                    last_heard = portal112_now();
                    heard(&shared, &notification);
                }
                outcome => {
                    shared.up.store(false, Ordering::Release);
                    let why = match outcome {
                        Ok(Err(e)) => e.to_string(),
                        Err(_) => format!("no heartbeat for {} s", SILENCE_LIMIT.as_secs()),
                        Ok(Ok(_)) => "connection lost".to_owned(),
                    };
                    tracing::warn!(why, "stopped hearing other instances' ticket changes; reconnecting");
                    break;
                }
            }
        }
    }
}

/// Listens again after the connection was lost. Only once `LISTEN` is in
/// place is nothing missed any more; what was cached before may be stale and
/// trackers may have missed steps, so every revision starts afresh and the
/// changes made meanwhile are announced. The look-up runs on the listening
/// connection itself: if that works, so does listening.
async fn relisten(pool: &PgPool, shared: &Listening, last_heard: Millis) -> StoreResult<PgListener> {
    let mut listener = listen(pool).await?;
    shared.epoch.fetch_add(1, Ordering::AcqRel);
    replay(&mut listener, shared, last_heard).await?;
    shared.up.store(true, Ordering::Release);
    Ok(listener)
}

/// One notification: `<instance>:<code>:<seq>:<p|i>` for a change (public or
/// internal only), `<instance>:alive` for a heartbeat.
fn heard(shared: &Listening, notification: &PgNotification) {
    let mut parts = notification.payload().split(':');
    let (Some(instance), Some(code), Some(seq), Some(public)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    // This instance told its own trackers when it committed.
    if instance == shared.instance {
        return;
    }
    let (Ok(code), Ok(seq)) = (TicketCode::parse(code), seq.parse::<i64>()) else {
        tracing::warn!("ignored a malformed ticket change notice");
        return;
    };
    shared.changed(code, seq, public == "p");
}

/// Announces the changes made since `since` (less the margin), which a
/// listener that was away may have missed.
async fn replay(listener: &mut PgListener, shared: &Listening, since: Millis) -> StoreResult<()> {
    let from = since - REPLAY_MARGIN.as_millis() as i64;
    let rows: Vec<(String, i64)> = sql::query_as(
        "SELECT ticket_code, MAX(seq) FROM ticket_events WHERE at >= $1 GROUP BY ticket_code ORDER BY 2 LIMIT 100000",
    )
    .bind(from)
    .fetch_all(listener)
    .await?;
    for (code, seq) in rows {
        if let Ok(code) = TicketCode::parse(&code) {
            shared.changed(code, seq, true);
        }
    }
    Ok(())
}

/// Tells every listener (this one too) that the database still delivers.
async fn heartbeat(pool: PgPool, instance: String) {
    let payload = format!("{instance}:alive");
    let mut tick = tokio::time::interval(HEARTBEAT_EVERY);
    loop {
        tick.tick().await;
        if let Err(e) = sql::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(&payload).execute(&pool).await {
            tracing::debug!(error = %e, "heartbeat not sent");
        }
    }
}

fn portal112_now() -> Millis {
    crate::view::now_millis()
}

fn corrupt_code(code: &str) -> StoreError {
    StoreError::Corrupt(format!("ticket code {code:?}"))
}

/// A ticket with its photo ids and full history, read on `conn`.
async fn load_ticket(conn: &mut PgConnection, code: &str) -> StoreResult<Option<TicketRecord>> {
    let Some(row) = sql::query(concat!("SELECT ", ticket_columns!(), " FROM tickets t WHERE t.code = $1"))
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut ticket = ticket_from_row(&row)?;
    ticket.photo_ids = sql::query_scalar("SELECT id FROM photos WHERE ticket_code = $1 ORDER BY position")
        .bind(code)
        .fetch_all(&mut *conn)
        .await?;
    let rows = sql::query(
        "SELECT seq, at, actor, from_status, to_status, agency, public_note, internal_note, duplicate_of \
         FROM ticket_events WHERE ticket_code = $1 ORDER BY seq",
    )
    .bind(code)
    .fetch_all(&mut *conn)
    .await?;
    ticket.events = rows.iter().map(event_from_row).collect::<StoreResult<_>>()?;
    ticket.latest_public_note = ticket.events.iter().rev().find_map(|e| e.public_note.clone());
    Ok(Some(ticket))
}

/// What an earlier send with the same Idempotency-Key made.
async fn earlier_send(conn: &mut PgConnection, idem: &Idempotency) -> StoreResult<Created> {
    let (hash, code): (String, String) =
        sql::query_as("SELECT request_hash, ticket_code FROM idempotency_keys WHERE key = $1")
            .bind(&idem.key)
            .fetch_one(&mut *conn)
            .await?;
    if hash != idem.request_hash {
        return Ok(Created::KeyConflict);
    }
    let ticket = load_ticket(conn, &code)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("idempotency key for missing ticket {code}")))?;
    Ok(Created::Replayed(Box::new(ticket)))
}

/// Writes one ticket in its own transaction.
async fn write_ticket(pool: &PgPool, t: &NewTicket) -> StoreResult<Created> {
    let code = t.code.compact();
    let mut tx = pool.begin().await?;
    if let Some(idem) = &t.idempotency {
        // The key first: a second send of it, on any instance, waits here
        // until this transaction ends, then finds the key and its ticket.
        let claimed = sql::query(
            "INSERT INTO idempotency_keys (key, request_hash, ticket_code, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(&idem.key)
        .bind(&idem.request_hash)
        .bind(code)
        .bind(t.created_at)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            tx.rollback().await?;
            let mut conn = pool.acquire().await?;
            return earlier_send(&mut conn, idem).await;
        }
    }
    let r = &t.report;
    let contact = r.contact.clone().unwrap_or_default();
    let inserted = sql::query(
        "INSERT INTO tickets (code, category, agency, confidential, status, description, lat, lng, accuracy_m, \
         district, village, address, anonymous, contact_name, contact_phone, contact_email, source, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
         ON CONFLICT (code) DO NOTHING",
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
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(StoreError::CodeTaken);
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
        .execute(&mut *tx)
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
        "INSERT INTO ticket_events (ticket_code, seq, at, actor, from_status, to_status, agency) \
         VALUES ($1, 1, $2, $3, NULL, $4, $5)",
    )
    .bind(code)
    .bind(first.at)
    .bind(&first.actor)
    .bind(first.to_status.as_str())
    .bind(&first.agency)
    .execute(&mut *tx)
    .await?;
    if let Some(token) = &t.open311_token {
        sql::query("INSERT INTO open311_tokens (token, ticket_code) VALUES ($1, $2)")
            .bind(token)
            .bind(code)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Created::New(Box::new(super::sqlite::record_of(t, contact, first))))
}

fn status_col(row: &PgRow, col: &str) -> StoreResult<Status> {
    let name: String = row.try_get(col)?;
    Status::from_name(&name).ok_or_else(|| StoreError::Corrupt(format!("status {name:?}")))
}

fn ticket_from_row(row: &PgRow) -> StoreResult<TicketRecord> {
    let code: String = row.try_get("code")?;
    Ok(TicketRecord {
        code: TicketCode::parse(&code).map_err(|_| corrupt_code(&code))?,
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

fn event_from_row(row: &PgRow) -> StoreResult<EventRecord> {
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

fn staff_from_row(row: &PgRow) -> StoreResult<StaffRecord> {
    let role: String = row.try_get("role")?;
    Ok(StaffRecord {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        password_hash: row.try_get("password_hash")?,
        role: Role::from_name(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
        agency: row.try_get("agency")?,
    })
}

fn video_from_row(row: &PgRow) -> StoreResult<VideoRecord> {
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
fn push_filters(q: &mut Builder<'_, Postgres>, f: &TicketFilter) {
    q.push(" WHERE TRUE");
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
        q.push(" AND NOT t.confidential");
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

fn millis(ms: i64) -> Duration {
    Duration::from_millis(ms.max(0) as u64)
}

#[async_trait]
impl Store for PgStore {
    async fn create_ticket(&self, ticket: NewTicket) -> StoreResult<Created> {
        write_ticket(&self.pool, &ticket).await
    }

    async fn ticket(&self, code: &TicketCode) -> StoreResult<Option<TicketRecord>> {
        let mut conn = self.pool.acquire().await?;
        load_ticket(&mut conn, code.compact()).await
    }

    async fn change_ticket(&self, code: &TicketCode, change: TicketChange) -> StoreResult<EventRecord> {
        let code = code.compact();
        let u = &change.update;
        let mut tx = self.pool.begin().await?;
        // The row stays locked until commit: a change on another instance
        // waits and then checks the status machine against this one's result.
        let current: Option<(String, String)> =
            sql::query_as("SELECT status, agency FROM tickets WHERE code = $1 FOR UPDATE")
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
            let exists: Option<bool> = sql::query_scalar("SELECT TRUE FROM tickets WHERE code = $1")
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
        let seq: i64 = sql::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM ticket_events WHERE ticket_code = $1")
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
            "INSERT INTO ticket_events (ticket_code, seq, at, actor, from_status, to_status, agency, public_note, \
             internal_note, duplicate_of) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
        sql::query("UPDATE tickets SET status = $1, agency = COALESCE($2, agency), updated_at = $3 WHERE code = $4")
            .bind(event.to_status.as_str())
            .bind(&new_agency)
            .bind(change.at)
            .bind(code)
            .execute(&mut *tx)
            .await?;
        // Delivered to every listening instance when, and only if, this commits.
        let visibility = if event.is_public() { "p" } else { "i" };
        let payload = format!("{}:{code}:{}:{visibility}", self.shared.instance, event.seq);
        sql::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(&mut *tx).await?;
        tx.commit().await?;
        let ticket_code = TicketCode::parse(code).map_err(|_| corrupt_code(code))?;
        self.shared.changed(ticket_code, event.seq, event.is_public());
        Ok(event)
    }

    async fn list_tickets(&self, f: &TicketFilter) -> StoreResult<(Vec<TicketRecord>, u64)> {
        let mut count = Builder::<Postgres>::new("SELECT COUNT(*) FROM tickets t");
        push_filters(&mut count, f);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;

        let mut q = Builder::<Postgres>::new(concat!(
            "SELECT ",
            ticket_columns!(),
            ", ARRAY(SELECT id FROM photos p WHERE p.ticket_code = t.code ORDER BY position) AS photo_ids, \
             (SELECT public_note FROM ticket_events e WHERE e.ticket_code = t.code AND e.public_note IS NOT NULL \
              ORDER BY seq DESC LIMIT 1) AS last_note \
             FROM tickets t"
        ));
        push_filters(&mut q, f);
        q.push(" ORDER BY t.created_at DESC, t.code LIMIT ")
            .push_bind(i64::try_from(f.limit).unwrap_or(i64::MAX))
            .push(" OFFSET ")
            .push_bind(i64::try_from(f.offset).unwrap_or(i64::MAX));
        let rows = q.build().fetch_all(&self.pool).await?;
        let mut tickets = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut t = ticket_from_row(row)?;
            t.photo_ids = row.try_get("photo_ids")?;
            t.latest_public_note = row.try_get("last_note")?;
            tickets.push(t);
        }
        Ok((tickets, total as u64))
    }

    async fn photo(&self, id: &str) -> StoreResult<Option<PhotoRecord>> {
        let row = sql::query(
            "SELECT p.mime, p.bytes, t.confidential FROM photos p JOIN tickets t ON t.code = p.ticket_code \
             WHERE p.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
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
        let code: Option<String> = sql::query_scalar("SELECT ticket_code FROM open311_tokens WHERE token = $1")
            .bind(token)
            .fetch_optional(&self.pool)
            .await?;
        code.map(|c| TicketCode::parse(&c).map_err(|_| corrupt_code(&c))).transpose()
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
            "INSERT INTO staff (username, password_hash, role, agency, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, \
             agency = excluded.agency RETURNING id",
        )
        .bind(username)
        .bind(password_hash)
        .bind(role.as_str())
        .bind(agency)
        .bind(at)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    async fn staff_by_username(&self, username: &str) -> StoreResult<Option<StaffRecord>> {
        let row = sql::query("SELECT id, username, password_hash, role, agency FROM staff WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(staff_from_row).transpose()
    }

    async fn create_session(&self, token_hash: &str, staff_id: i64, at: Millis, expires_at: Millis) -> StoreResult<()> {
        sql::query("INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(staff_id)
            .bind(at)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: Millis) -> StoreResult<Option<StaffRecord>> {
        let row = sql::query(
            "SELECT s.id, s.username, s.password_hash, s.role, s.agency FROM staff_sessions x \
             JOIN staff s ON s.id = x.staff_id WHERE x.token_hash = $1 AND x.revoked_at IS NULL AND x.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(staff_from_row).transpose()
    }

    async fn revoke_session(&self, token_hash: &str, at: Millis) -> StoreResult<bool> {
        let done = sql::query("UPDATE staff_sessions SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
            .bind(at)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn add_api_key(&self, key_hash: &str, label: &str, at: Millis) -> StoreResult<()> {
        sql::query("INSERT INTO api_keys (key_hash, label, created_at) VALUES ($1, $2, $3)")
            .bind(key_hash)
            .bind(label)
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn api_key(&self, key_hash: &str) -> StoreResult<Option<String>> {
        Ok(sql::query_scalar("SELECT label FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn videos(&self) -> StoreResult<Vec<VideoRecord>> {
        let rows = sql::query(
            "SELECT id, agency, title_id, title_en, kind, youtube_id, file_name, mime, captions_id, captions_en, \
             poster, created_at FROM videos WHERE removed_at IS NULL ORDER BY created_at DESC, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(video_from_row).collect()
    }

    async fn add_video(&self, v: &VideoRecord, only_if_new: bool) -> StoreResult<bool> {
        let insert = if only_if_new {
            sql::query(
                "INSERT INTO videos (id, agency, title_id, title_en, kind, youtube_id, file_name, mime, captions_id, \
                 captions_en, poster, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (id) DO NOTHING",
            )
        } else {
            sql::query(
                "INSERT INTO videos (id, agency, title_id, title_en, kind, youtube_id, file_name, mime, captions_id, \
                 captions_en, poster, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn remove_video(&self, id: &str, at: Millis) -> StoreResult<Option<VideoRecord>> {
        let row = sql::query(
            "UPDATE videos SET removed_at = $1 WHERE id = $2 AND removed_at IS NULL RETURNING id, agency, title_id, \
             title_en, kind, youtube_id, file_name, mime, captions_id, captions_en, poster, created_at",
        )
        .bind(at)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(video_from_row).transpose()
    }

    async fn audit(&self, at: Millis, actor: &str, action: &str, target: &str) -> StoreResult<()> {
        sql::query("INSERT INTO audit_log (at, actor, action, target) VALUES ($1, $2, $3, $4)")
            .bind(at)
            .bind(actor)
            .bind(action)
            .bind(target)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn audit_entries(&self, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        let rows: Vec<(Millis, String, String, String)> =
            sql::query_as("SELECT at, actor, action, target FROM audit_log ORDER BY id DESC LIMIT $1")
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(at, actor, action, target)| AuditRecord { at, actor, action, target }).collect())
    }

    fn subscribe(&self) -> broadcast::Receiver<TicketNotice> {
        self.shared.notices.subscribe()
    }

    fn revision(&self, code: &TicketCode) -> u64 {
        self.shared.revision(code)
    }

    async fn ping(&self) -> StoreResult<()> {
        sql::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn shared_limits(&self) -> Option<Arc<dyn SharedLimits>> {
        Some(Arc::new(self.clone()))
    }
}

#[async_trait]
impl SharedLimits for PgStore {
    fn key_of(&self, raw: &str) -> String {
        let mut hash = Sha256::new();
        hash.update(self.salt.as_bytes());
        hash.update([0]);
        hash.update(raw.as_bytes());
        // 128 bits tell clients apart as well as 256 and halve the index.
        hex::encode(&hash.finalize()[..16])
    }

    async fn take(&self, bucket: &str, key: &str, interval: Duration, burst: u32) -> StoreResult<Option<Duration>> {
        // GCRA, as the in-memory limiter: a client's row holds the time at
        // which its allowance would be full again ("tat"). A request is let
        // through when, with it added, that lies at most `burst` intervals
        // ahead. The upsert decides and records in one atomic step, however
        // many instances ask at once.
        let t = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX / 4).max(1);
        let limit = t.saturating_mul(i64::from(burst.max(1)));
        let allowed: Option<i64> = sql::query_scalar(concat!(
            "INSERT INTO rate_limits AS r (bucket, key, tat) VALUES ($1, $2, ",
            db_now!(),
            " + $3) ON CONFLICT (bucket, key) DO UPDATE SET tat = GREATEST(r.tat + $3, excluded.tat) \
             WHERE GREATEST(r.tat + $3, excluded.tat) - excluded.tat + $3 <= $4 RETURNING tat"
        ))
        .bind(bucket)
        .bind(key)
        .bind(t)
        .bind(limit)
        .fetch_optional(&self.pool)
        .await?;
        if allowed.is_some() {
            return Ok(None);
        }
        let ahead: Option<i64> =
            sql::query_scalar(concat!("SELECT tat - ", db_now!(), " FROM rate_limits WHERE bucket = $1 AND key = $2"))
                .bind(bucket)
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        // Allowed again once the next request's tat is `limit` ahead at most.
        Ok(Some(millis(ahead.unwrap_or(0) + t - limit).max(Duration::from_millis(1))))
    }

    async fn forget_full(&self, bucket: &str) -> StoreResult<()> {
        sql::query(concat!("DELETE FROM rate_limits WHERE bucket = $1 AND tat < ", db_now!()))
            .bind(bucket)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn locked_for(&self, key: &str) -> StoreResult<Option<Duration>> {
        let left: Option<i64> = sql::query_scalar(concat!(
            "SELECT locked_until - ",
            db_now!(),
            " FROM login_failures WHERE key = $1 AND locked_until > ",
            db_now!()
        ))
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(left.filter(|ms| *ms > 0).map(millis))
    }

    async fn sign_in_failed(
        &self,
        key: &str,
        failures_before_lock: u32,
        first_lock: Duration,
        max_lock: Duration,
    ) -> StoreResult<Option<Duration>> {
        // The count goes up atomically, so failures on two instances at once
        // both count; the lock only ever grows (GREATEST), whichever of two
        // concurrent failures writes it last.
        let failures: i64 = sql::query_scalar(concat!(
            "INSERT INTO login_failures AS f (key, failures, locked_until, last_at) VALUES ($1, 1, NULL, ",
            db_now!(),
            ") ON CONFLICT (key) DO UPDATE SET failures = f.failures + 1, last_at = excluded.last_at \
             RETURNING failures"
        ))
        .bind(key)
        .fetch_one(&self.pool)
        .await?;
        let Some(beyond) = failures.checked_sub(i64::from(failures_before_lock.max(1))).filter(|b| *b >= 0) else {
            return Ok(None);
        };
        let lock = first_lock.saturating_mul(1_u32 << beyond.min(30) as u32).min(max_lock);
        sql::query(concat!(
            "UPDATE login_failures SET locked_until = GREATEST(COALESCE(locked_until, 0), ",
            db_now!(),
            " + $2) WHERE key = $1"
        ))
        .bind(key)
        .bind(i64::try_from(lock.as_millis()).unwrap_or(i64::MAX / 4))
        .execute(&self.pool)
        .await?;
        Ok(Some(lock))
    }

    async fn sign_in_succeeded(&self, key: &str) -> StoreResult<()> {
        sql::query("DELETE FROM login_failures WHERE key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }

    async fn forget_quiet_accounts(&self, quiet: Duration) -> StoreResult<()> {
        sql::query(concat!(
            "DELETE FROM login_failures WHERE COALESCE(locked_until, 0) <= ",
            db_now!(),
            " AND last_at < ",
            db_now!(),
            " - $1"
        ))
        .bind(i64::try_from(quiet.as_millis()).unwrap_or(i64::MAX / 4))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
