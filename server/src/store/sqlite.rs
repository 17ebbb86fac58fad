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
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use tokio::sync::{broadcast, mpsc, oneshot};

use super::common::{shared_store, stats_columns};
use super::{Notices, REVISION_SLOTS, Store, TicketNotice, revision_slot};

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
    /// Change counters of tickets, by a hash of the code (see [`Notices::revision`]).
    revisions: Arc<[AtomicU64]>,
    /// The group commit's queue.
    intake: mpsc::Sender<Pending>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").field("code", &self.ticket.code).finish_non_exhaustive()
    }
}

// SQLite has one writer at a time: the single writer connection serialises
// changes (and claims of webhook deliveries), so reading needs no lock of its own.
shared_store!(SqliteStore, Sqlite, SqliteConnection, "", "");

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
        tokio::spawn(group_commit(writer.clone(), queue, notices.clone()));
        let revisions = (0..REVISION_SLOTS).map(|_| AtomicU64::new(0)).collect();
        Ok(Self { writer, reader, notices, revisions, intake })
    }

    async fn read(&self) -> StoreResult<PoolConnection<Sqlite>> {
        Ok(self.reader.acquire().await?)
    }

    async fn write(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        Ok(self.writer.begin().await?)
    }

    /// Reports go through the group commit.
    async fn create(&self, ticket: NewTicket) -> StoreResult<Created> {
        let (reply, outcome) = oneshot::channel();
        let closed = || StoreError::Database(sqlx::Error::PoolClosed);
        self.intake.send(Pending { ticket, reply }).await.map_err(|_| closed())?;
        outcome.await.map_err(|_| closed())?
    }

    /// Only this process uses the file: nobody else to tell inside the transaction.
    #[expect(clippy::unused_async, reason = "the shared change code awaits what PostgreSQL does here")]
    async fn announce(&self, _: &mut SqliteConnection, _: &TicketCode, _: &EventRecord) -> StoreResult<()> {
        Ok(())
    }

    /// Every ticket's figures for the statistics, gathered by SQLite into one
    /// JSON array: sqlx hands a query's rows over from its worker thread one
    /// at a time, which for the whole city costs several times the reading
    /// itself (about 80 ms against 15 for 10,000 tickets, `bench/open.py`).
    async fn read_stats_rows(conn: &mut SqliteConnection) -> StoreResult<Vec<StatsRow>> {
        let json: String = sql::query_scalar(concat!(
            "SELECT json_group_array(json_array(category, agency, status, created_at, first_response_at, \
             resolved_at, json(CASE WHEN answered THEN 'true' ELSE 'false' END), \
             json(CASE WHEN sla_missed THEN 'true' ELSE 'false' END))) FROM (SELECT ",
            stats_columns!(),
            " FROM tickets)"
        ))
        .fetch_one(conn)
        .await?;
        serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(format!("statistics rows: {e}")))
    }

    /// Only this process uses the file: a claim found at start-up was made
    /// by a process that died before recording its attempt.
    async fn orphaned_claims(&self) -> StoreResult<u64> {
        let mut tx = self.write().await?;
        let done = sql::query(
            "UPDATE webhook_deliveries SET claimed_until = NULL WHERE state = 'pending' AND claimed_until IS NOT NULL",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    fn changed(&self, code: TicketCode, event: &EventRecord) {
        self.revisions[revision_slot(&code)].fetch_add(1, Ordering::AcqRel);
        // Nobody listening is fine: trackers and staff streams subscribe only while open.
        let _ = self.notices.send(TicketNotice { code, seq: event.seq, public: event.is_public() });
    }
}

/// The group commit: waits for reports, writes every one that is waiting in
/// one transaction, commits, then answers them. Ends with the store.
async fn group_commit(
    writer: SqlitePool,
    mut queue: mpsc::Receiver<Pending>,
    notices: broadcast::Sender<TicketNotice>,
) {
    // Staff streams hear of every ticket filed, once it is committed.
    let announce = |outcome: &StoreResult<Created>| {
        if let Ok(Created::New(t)) = outcome {
            let _ = notices.send(TicketNotice { code: t.code, seq: 1, public: true });
        }
    };
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let tickets: Vec<&NewTicket> = batch.iter().map(|p| &p.ticket).collect();
        match write_batch(&writer, &tickets).await {
            Ok(outcomes) => {
                for (pending, outcome) in batch.drain(..).zip(outcomes) {
                    announce(&outcome);
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
                    announce(&outcome);
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

/// Writes one ticket inside the batch's transaction. The single writer sees
/// every earlier key, so looking first and recording the key last is safe.
async fn write_ticket(conn: &mut SqliteConnection, t: &NewTicket) -> StoreResult<StoreResult<Created>> {
    if let Some(idem) = &t.idempotency
        && let Some(earlier) = earlier_send(conn, idem).await?
    {
        return Ok(Ok(earlier));
    }
    if !insert_ticket(conn, t).await? {
        return Ok(Err(StoreError::CodeTaken));
    }
    if let Some(idem) = &t.idempotency {
        insert_key(conn, idem, t.code.compact(), t.created_at).await?;
    }
    Ok(Ok(Created::New(Box::new(record_of(t)))))
}

impl Notices for SqliteStore {
    fn subscribe(&self) -> broadcast::Receiver<TicketNotice> {
        self.notices.subscribe()
    }

    fn revision(&self, code: &TicketCode) -> u64 {
        self.revisions[revision_slot(code)].load(Ordering::Acquire)
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sql::query("SELECT 1").execute(&mut *self.read().await?).await?;
        Ok(())
    }
}
