//! Signed webhooks to the agencies' own systems, after the Standard Webhooks
//! specification (standardwebhooks.com): every message is a POST with a JSON
//! body `{"type", "timestamp", "data"}` and the headers `webhook-id`,
//! `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256>`,
//! signed with the endpoint's `whsec_` secret.
//!
//! Messages are written to an outbox in the transaction of the change they
//! announce (`enqueue_webhooks` in the store), so a change is announced if and
//! only if it is stored. The [`Worker`] sends what is due: woken when a ticket
//! change commits and by a timer, it claims rows (several instances over one
//! PostgreSQL never send one row at once), sends at most [`MAX_IN_FLIGHT`] at
//! a time with short timeouts, so a receiver that hangs or is down slows
//! nobody, and retries with growing waits for up to [`GIVE_UP_AFTER`].
//! Delivery is at least once: a receiver tells repeats by `webhook-id`.
//!
//! Neither the secret nor the body (which describes a citizen's report) is
//! ever logged.

use std::sync::Arc;
use std::time::Duration;

use portal112_core::city::CityConfig;
use portal112_core::staff::DeliveryState;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::{Notify, Semaphore, watch};

use crate::auth::{random_bytes, random_id};
use crate::service_level::ServiceClock;
use crate::store::{ClaimedDelivery, DeliveryAttempt, Millis, SharedStore, StoreResult, TicketRecord};
use crate::view::{format_time, now_millis, staff_ticket};

/// What a message announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// A ticket was forwarded (or re-routed) to the agency.
    TicketForwarded,
    /// A ticket of the agency changed (status, note, priority, assignee,
    /// hold...), or was moved away to another agency.
    TicketChanged,
    /// A service-level stage of a ticket of the agency passed its due time.
    TicketEscalated,
}

impl EventType {
    pub const ALL: [EventType; 3] = [EventType::TicketForwarded, EventType::TicketChanged, EventType::TicketEscalated];

    /// The `type` of the body.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::TicketForwarded => "ticket.forwarded",
            EventType::TicketChanged => "ticket.changed",
            EventType::TicketEscalated => "ticket.escalated",
        }
    }
}

/// Deliveries sent at once by one instance.
pub const MAX_IN_FLIGHT: usize = 8;
/// Longest wait for a receiver's connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait for a whole attempt (connect, send, answer).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claimed delivery is its worker's: longer than an attempt can
/// take, so only a worker that died loses its rows to another.
pub const LEASE: Duration = Duration::from_mins(1);
/// No further attempt this long after the first: the delivery has failed
/// (and staff may send it again).
pub const GIVE_UP_AFTER: Duration = Duration::from_hours(24);
/// Waits after the 1st, 2nd, ... failed attempt; the last repeats.
pub const RETRY_WAITS: [Duration; 8] = [
    Duration::from_secs(30),
    Duration::from_mins(2),
    Duration::from_mins(10),
    Duration::from_mins(30),
    Duration::from_hours(1),
    Duration::from_hours(2),
    Duration::from_hours(4),
    Duration::from_hours(8),
];
/// The worker looks for due rows at least this often, even without a wake-up.
pub const POLL_EVERY: Duration = Duration::from_secs(5);

fn millis(d: Duration) -> Millis {
    Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX)
}

/// A new message id (`webhook-id`): `msg_` and 128 random bits.
#[must_use]
pub fn new_message_id() -> String {
    format!("msg_{}", random_id())
}

/// A new signing secret: `whsec_` and 32 random bytes in base64.
#[must_use]
pub fn new_secret() -> String {
    use base64::Engine as _;
    let mut bytes = [0_u8; 32];
    random_bytes(&mut bytes);
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The body of a message, as sent and signed on every attempt.
#[must_use]
pub fn body(event: EventType, data: &Value, at: Millis) -> String {
    let timestamp = OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default();
    json!({"type": event.as_str(), "timestamp": timestamp, "data": data}).to_string()
}

/// What the ticket's agency hears of it: what its staff see in the console,
/// without the reporter's contact (never sent, confidential ticket or not).
#[must_use]
pub fn ticket_data(city: &CityConfig, service: &ServiceClock, ticket: &TicketRecord, at: Millis) -> Value {
    serde_json::to_value(staff_ticket(city, service, ticket, false, at)).unwrap_or(Value::Null)
}

/// What an agency hears of a ticket moved away to another: only that it is
/// no longer its own (its staff can no longer see the ticket at all).
#[must_use]
pub fn moved_away_data(city: &CityConfig, ticket: &TicketRecord) -> Value {
    json!({
        "code": ticket.code.to_string(),
        "revision": ticket.revision,
        "updated_at": format_time(city, ticket.updated_at),
        "moved_away": true,
    })
}

/// The data of a `ticket.escalated` message: the ticket as for
/// [`ticket_data`], with the service-level stage that passed and when it was due.
#[must_use]
pub fn escalation_data(
    city: &CityConfig,
    service: &ServiceClock,
    ticket: &TicketRecord,
    stage: &str,
    due_at: Millis,
    at: Millis,
) -> Value {
    let mut data = ticket_data(city, service, ticket, at);
    if let Value::Object(map) = &mut data {
        map.insert("escalation".into(), json!({"stage": stage, "due_at": format_time(city, due_at)}));
    }
    data
}

/// What is to happen after a failed attempt made at `now`: another at the
/// returned time, or none (`None`: the delivery has failed).
#[must_use]
pub fn next_attempt(attempts_before: i64, first_attempt_at: Option<Millis>, now: Millis) -> Option<Millis> {
    let first = first_attempt_at.unwrap_or(now);
    let deadline = first.saturating_add(millis(GIVE_UP_AFTER));
    if now >= deadline {
        return None;
    }
    let index = usize::try_from(attempts_before).unwrap_or(0).min(RETRY_WAITS.len() - 1);
    Some(now.saturating_add(millis(RETRY_WAITS[index])).min(deadline))
}

/// Sends deliveries: the HTTP client and the signing.
#[derive(Debug, Clone)]
pub struct Deliverer {
    store: SharedStore,
    client: reqwest::Client,
}

impl Deliverer {
    /// A deliverer with the standard timeouts.
    pub fn new(store: SharedStore) -> anyhow::Result<Self> {
        Self::with_timeouts(store, CONNECT_TIMEOUT, REQUEST_TIMEOUT)
    }

    /// A deliverer with other timeouts (tests of a receiver that hangs).
    pub fn with_timeouts(store: SharedStore, connect: Duration, request: Duration) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(connect)
            .timeout(request)
            // A redirect is not an answer: the agency fixes its URL.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("portal112-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { store, client })
    }

    /// Claims every delivery due at `now` (up to `limit`), sends them all at
    /// once and records how each went, stamped `now`. Returns how many were sent.
    pub async fn deliver_due(&self, now: Millis, limit: u32) -> StoreResult<usize> {
        let claimed = self.store.claim_deliveries(now, millis(LEASE), limit).await?;
        let count = claimed.len();
        let attempts = claimed.into_iter().map(|c| self.attempt(c, now));
        for outcome in futures_util::future::join_all(attempts).await {
            outcome?;
        }
        Ok(count)
    }

    /// One attempt at a claimed delivery, recorded.
    pub async fn attempt(&self, delivery: ClaimedDelivery, now: Millis) -> StoreResult<DeliveryState> {
        let (status, error) = self.send(&delivery, now).await;
        let delivered = error.is_none();
        let (state, next_attempt_at) = if delivered {
            (DeliveryState::Delivered, now)
        } else {
            match next_attempt(delivery.attempts, delivery.first_attempt_at, now) {
                Some(next) => (DeliveryState::Pending, next),
                None => (DeliveryState::Failed, now),
            }
        };
        if delivered {
            tracing::debug!(delivery = %delivery.id, endpoint = delivery.endpoint_id, "webhook delivered");
        } else {
            tracing::info!(
                delivery = %delivery.id,
                endpoint = delivery.endpoint_id,
                attempt = delivery.attempts + 1,
                status = status.unwrap_or(0),
                error = error.as_deref().unwrap_or(""),
                state = state.as_str(),
                "webhook not accepted"
            );
        }
        let attempt = DeliveryAttempt { id: delivery.id, at: now, state, next_attempt_at, status, error };
        self.store.record_attempt(&attempt).await?;
        Ok(state)
    }

    /// Signs and POSTs a delivery: the receiver's status, and what went
    /// wrong unless it answered 2xx.
    async fn send(&self, delivery: &ClaimedDelivery, now: Millis) -> (Option<i64>, Option<String>) {
        let timestamp = now.div_euclid(1000);
        let Ok(signature) = standardwebhooks::Webhook::new(&delivery.secret)
            .and_then(|w| w.sign(&delivery.id, timestamp, delivery.payload.as_bytes()))
        else {
            // The secret is ours and well formed; this is a damaged row.
            return (None, Some("the endpoint's secret is unusable".into()));
        };
        let request = self
            .client
            .post(&delivery.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &delivery.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.payload.clone());
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                let code = Some(i64::from(status.as_u16()));
                if status.is_success() { (code, None) } else { (code, Some(format!("HTTP {}", status.as_u16()))) }
            }
            Err(e) => (None, Some(describe(&e))),
        }
    }
}

/// What went wrong with a request, in a few words: never its URL (which may
/// carry the agency's own token).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else if e.is_builder() {
        "invalid URL".into()
    } else if e.is_request() || e.is_body() {
        "request failed".into()
    } else {
        "no answer".into()
    }
}

/// The background sender of `portal112 serve`.
#[derive(Debug)]
pub struct Worker {
    deliverer: Deliverer,
    /// Woken by staff actions that make a delivery due (adding an endpoint,
    /// sending again).
    wake: Arc<Notify>,
    slots: Arc<Semaphore>,
}

impl Worker {
    #[must_use]
    pub fn new(deliverer: Deliverer, wake: Arc<Notify>) -> Self {
        Self { deliverer, wake, slots: Arc::new(Semaphore::new(MAX_IN_FLIGHT)) }
    }

    /// Runs until `shutdown` turns true: sends what is due whenever a ticket
    /// change commits (here or, over PostgreSQL, on another instance), when
    /// woken, when a send ends, and at least every [`POLL_EVERY`].
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let store = self.deliverer.store.clone();
        match store.release_orphaned_claims().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deliveries = n, "webhook deliveries of a stopped process taken up again"),
            Err(e) => tracing::warn!(error = %e, "could not take up unfinished webhook deliveries"),
        }
        let mut notices = store.subscribe();
        let finished = Arc::new(Notify::new());
        loop {
            if let Err(e) = self.start_due(&finished).await {
                tracing::warn!(error = %e, "webhook outbox unreadable; trying again shortly");
            }
            // With every slot taken (a receiver hangs), only a finished send
            // frees one: asking the database what is due meanwhile would cost
            // the API's connections for nothing.
            let wait = if self.slots.available_permits() == 0 {
                POLL_EVERY
            } else {
                match store.next_delivery_due().await {
                    Ok(Some(due)) => {
                        Duration::from_millis(u64::try_from(due - now_millis()).unwrap_or(0)).min(POLL_EVERY)
                    }
                    _ => POLL_EVERY,
                }
                .max(Duration::from_millis(20))
            };
            let sleep = tokio::time::sleep(wait);
            tokio::pin!(sleep);
            let stop = loop {
                tokio::select! {
                    notice = notices.recv() => match notice {
                        // A new report announces nothing (only staff changes
                        // and escalations do): no reason to look.
                        Ok(n) if n.seq == 1 => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                            notices = store.subscribe();
                            break false;
                        }
                        _ => break false,
                    },
                    () = self.wake.notified() => break false,
                    () = finished.notified() => break false,
                    () = &mut sleep => break false,
                    _ = shutdown.wait_for(|stop| *stop) => break true,
                }
            };
            if stop {
                break;
            }
        }
    }

    /// Claims as many due deliveries as there are free slots and starts
    /// sending each on its own task.
    async fn start_due(&self, finished: &Arc<Notify>) -> StoreResult<()> {
        loop {
            let free = self.slots.available_permits();
            if free == 0 {
                return Ok(());
            }
            let now = now_millis();
            let claimed = self.deliverer.store.claim_deliveries(now, millis(LEASE), free as u32).await?;
            if claimed.is_empty() {
                return Ok(());
            }
            for delivery in claimed {
                let Ok(permit) = self.slots.clone().acquire_owned().await else { return Ok(()) };
                let deliverer = self.deliverer.clone();
                let finished = finished.clone();
                tokio::spawn(async move {
                    if let Err(e) = deliverer.attempt(delivery, now_millis()).await {
                        tracing::warn!(error = %e, "webhook attempt not recorded; sent again after its lease");
                    }
                    drop(permit);
                    finished.notify_one();
                });
            }
        }
    }
}
