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
use sha2::{Digest as _, Sha256};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener, PgNotification, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use super::common::{shared_store, stats_columns};
use super::{Millis, Notices, REVISION_SLOTS, SharedLimits, Store, TicketNotice, revision_slot};

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

    fn heard_change(&self, code: TicketCode, seq: i64, public: bool) {
        self.revisions[revision_slot(&code)].fetch_add(1, Ordering::AcqRel);
        // Nobody listening is fine: trackers and staff streams subscribe only while open.
        let _ = self.notices.send(TicketNotice { code, seq, public });
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

/// The database clock in milliseconds: rate limits and locks use it, so
/// instances whose clocks disagree still count alike.
macro_rules! db_now {
    () => {
        "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
    };
}

// A change reads its ticket with the row locked until commit: a change on
// another instance waits and then checks the status machine against this
// one's result.
// Webhook deliveries another instance is claiming are passed over: each
// instance takes rows nobody else holds.
shared_store!(PgStore, Postgres, PgConnection, " FOR UPDATE", " FOR UPDATE SKIP LOCKED");

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
    shared.heard_change(code, seq, public == "p");
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
            shared.heard_change(code, seq, true);
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

impl PgStore {
    async fn read(&self) -> StoreResult<PoolConnection<Postgres>> {
        Ok(self.pool.acquire().await?)
    }

    async fn write(&self) -> StoreResult<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    /// Writes one report in its own transaction, its Idempotency-Key first:
    /// a second send of the key, on any instance, waits on that row until
    /// this transaction ends, then finds the key and its ticket.
    async fn create(&self, t: NewTicket) -> StoreResult<Created> {
        let mut tx = self.pool.begin().await?;
        if let Some(idem) = &t.idempotency
            && !insert_key(&mut tx, idem, t.code.compact(), t.created_at).await?
        {
            tx.rollback().await?;
            return earlier_send(&mut *self.read().await?, idem)
                .await?
                .ok_or_else(|| StoreError::Corrupt(format!("idempotency key {} vanished", idem.key)));
        }
        if !insert_ticket(&mut tx, &t).await? {
            return Err(StoreError::CodeTaken);
        }
        let first = first_event(&t);
        self.announce(&mut tx, &t.code, &first).await?;
        tx.commit().await?;
        self.changed(t.code, &first);
        Ok(Created::New(Box::new(record_of(&t))))
    }

    /// Tells every listening instance of the change when, and only if, it commits.
    async fn announce(&self, tx: &mut PgConnection, code: &TicketCode, event: &EventRecord) -> StoreResult<()> {
        let visibility = if event.is_public() { "p" } else { "i" };
        let payload = format!("{}:{}:{}:{visibility}", self.shared.instance, code.compact(), event.seq);
        sql::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(&mut *tx).await?;
        Ok(())
    }

    /// Every ticket's figures for the statistics, row by row (PostgreSQL's
    /// rows stream from the socket without a hand-over per row).
    async fn read_stats_rows(conn: &mut PgConnection) -> StoreResult<Vec<StatsRow>> {
        Ok(sql::query_as(concat!("SELECT ", stats_columns!(), " FROM tickets")).fetch_all(conn).await?)
    }

    /// Other instances' claims are live: they end with their lease.
    #[expect(clippy::unused_async, reason = "SQLite's counterpart writes to the database")]
    async fn orphaned_claims(&self) -> StoreResult<u64> {
        Ok(0)
    }

    fn changed(&self, code: TicketCode, event: &EventRecord) {
        self.shared.heard_change(code, event.seq, event.is_public());
    }
}

fn millis(ms: i64) -> Duration {
    Duration::from_millis(ms.max(0) as u64)
}

impl Notices for PgStore {
    fn subscribe(&self) -> broadcast::Receiver<TicketNotice> {
        self.shared.notices.subscribe()
    }

    fn revision(&self, code: &TicketCode) -> u64 {
        self.shared.revision(code)
    }
}

#[async_trait]
impl Store for PgStore {
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
