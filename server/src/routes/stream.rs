//! The live queue of Konsol 112: every new or changed ticket the signed-in
//! account may see, pushed as it happens.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use portal112_core::dto::Role;
use portal112_core::staff::QueueEvent;
use tokio::sync::broadcast::error::RecvError;

use crate::auth::Staff;
use crate::error::AppError;
use crate::routes::tickets::async_stream;
use crate::state::AppState;
use crate::store::TicketRecord;
use crate::view::staff_summary;

/// Pushes one `ticket` event (a [`QueueEvent`]) per new or changed ticket;
/// agency staff hear of their agency's tickets only, and of a ticket handed
/// from them to another agency (once, so their queue drops it). The token travels in
/// the `Authorization` header only (never in the URL, where logs keep it).
/// When the session ends or is revoked, a `session_ended` event is sent and
/// the stream closes.
#[utoipa::path(
    get,
    path = "/api/v1/staff/stream",
    tag = "staff",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "`text/event-stream` of `ticket` events whose data is a queue event (JSON), and a final `session_ended` event when the session ends; comments keep it alive", content_type = "text/event-stream", body = QueueEvent),
        (status = 401, description = "No valid token", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn staff_stream(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let mut notices = state.store.subscribe();
    let mut shutdown = state.shutdown.clone();
    let check_every = state.settings.session_check_every;
    let stream = async_stream(move |tx| async move {
        let mut check = tokio::time::interval(check_every);
        check.tick().await;
        loop {
            let woke = tokio::select! {
                n = notices.recv() => Some(n),
                _ = check.tick() => None,
                _ = shutdown.wait_for(|stop| *stop) => return,
                () = tx.closed() => return,
            };
            let Some(notice) = woke else {
                // An expired or revoked session hears nothing more.
                if !matches!(state.store.session(&staff.token_hash, state.clock.now()).await, Ok(Some(_))) {
                    let _ = tx.send(Ok(Event::default().event("session_ended").data("{}"))).await;
                    return;
                }
                continue;
            };
            let notice = match notice {
                Ok(n) => n,
                // Missed notices cannot be told apart: the console reloads its list on reconnect.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            };
            let Ok(Some(ticket)) = state.store.ticket(&notice.code).await else { continue };
            if staff.account.role == Role::Agency && !concerns(&ticket, notice.seq, staff.account.agency.as_deref()) {
                continue;
            }
            let event =
                QueueEvent { created: notice.seq == 1, ticket: staff_summary(&state.city, &ticket, state.clock.now()) };
            let event = Event::default()
                .event("ticket")
                .id(format!("{}#{}", ticket.code, notice.seq))
                .json_data(&event)
                .unwrap_or_else(|_| Event::default().comment("unserialisable event"));
            if tx.send(Ok(event)).await.is_err() {
                return;
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Whether an agency hears of step `seq` of `ticket`: it is theirs, or this
/// step handed it from them to another agency (so their queue drops it).
fn concerns(ticket: &TicketRecord, seq: i64, own: Option<&str>) -> bool {
    let Some(own) = own else { return false };
    if ticket.agency == own {
        return true;
    }
    let before = ticket.events.iter().filter(|e| e.seq < seq).filter_map(|e| e.agency.as_deref()).next_back();
    let moved = ticket.events.iter().any(|e| e.seq == seq && e.agency.is_some());
    moved && before == Some(own)
}
