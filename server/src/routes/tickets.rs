//! Public tracking: a ticket by code, its live timeline, and its photos.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::Request;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use portal112_core::ErrorKind;
use portal112_core::dto::{PublicTicket, TimelineEntry};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::encoding::{Effort, Precompressed};
use crate::error::AppError;
use crate::extract::parse_code;
use crate::state::AppState;
use crate::view::{Audience, public_ticket, timeline_entry};

/// A ticket's public view.
#[utoipa::path(
    get,
    path = "/api/v1/tickets/{code}",
    tag = "tickets",
    params(("code" = String, Path, description = "Ticket code; case, spaces and dashes do not matter")),
    responses(
        (status = 200, description = "The public view", body = PublicTicket),
        (status = 400, description = "Not a ticket code (`ticket_code_malformed`) or probably a typo (`ticket_code_typo`)", body = portal112_core::ErrorEnvelope),
        (status = 404, description = "No ticket has this code", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn get_ticket(
    State(state): State<AppState>,
    Path(code): Path<String>,
    request: Request,
) -> Result<Response, AppError> {
    let code = parse_code(&code)?;
    // Read the revision first: a view rendered from an older read is never kept as current.
    let revision = state.store.revision(&code);
    let view = if let Some(view) = state.ticket_views.get(&code, revision) {
        view
    } else {
        let ticket = state.store.ticket(&code).await?.ok_or(ErrorKind::TicketNotFound)?;
        let json = serde_json::to_vec(&public_ticket(&state.city, &state.service, &ticket, Audience::Public))
            .map_err(|e| anyhow::anyhow!("public ticket serialisation: {e}"))?;
        let view = Precompressed::new(Bytes::from(json), Effort::Often);
        state.ticket_views.put(code, revision, view.clone());
        view
    };
    // Statuses change: let caches check back, but never keep it across users.
    Ok(view.respond(request.headers(), "application/json", "no-cache"))
}

/// Where a tracker resumes.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ResumeFrom {
    /// Send only entries after this `seq` (as `Last-Event-ID` does on reconnect).
    after: Option<i64>,
}

/// Pushes each new public timeline entry of a ticket as it happens.
///
/// On connect, every entry after `Last-Event-ID` (or `?after=`; all when
/// neither is given) is sent first, so a reconnecting tracker misses nothing.
#[utoipa::path(
    get,
    path = "/api/v1/tickets/{code}/events",
    tag = "tickets",
    params(("code" = String, Path, description = "Ticket code"), ResumeFrom,
        ("Last-Event-ID" = Option<String>, Header, description = "The last `seq` received")),
    responses(
        (status = 200, description = "`text/event-stream` of `timeline` events whose data is a timeline entry (JSON) and whose id is its `seq`; the stream stays open", content_type = "text/event-stream", body = TimelineEntry),
        (status = 400, description = "Not a ticket code, or probably a typo", body = portal112_core::ErrorEnvelope),
        (status = 404, description = "No ticket has this code", body = portal112_core::ErrorEnvelope),
        (status = 422, description = "`after` is not a whole number", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn ticket_events(
    State(state): State<AppState>,
    Path(code): Path<String>,
    resume: Result<Query<ResumeFrom>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let code = parse_code(&code)?;
    let Query(resume) = resume.map_err(|_| AppError::field(ErrorKind::InvalidValue, "after"))?;
    // Subscribe before reading, so nothing falls between the read and the stream.
    let mut notices = state.store.subscribe();
    let ticket = state.store.ticket(&code).await?.ok_or(ErrorKind::TicketNotFound)?;
    let last_event_id =
        headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok());
    let mut sent = last_event_id.or(resume.after).unwrap_or(0);
    let initial = entries_after(&state, &ticket, sent);
    let mut shutdown = state.shutdown.clone();

    let stream = async_stream(move |tx| async move {
        for entry in initial {
            sent = entry.seq;
            if tx.send(event(&entry)).await.is_err() {
                return;
            }
        }
        loop {
            let notice = tokio::select! {
                n = notices.recv() => n,
                _ = shutdown.wait_for(|stop| *stop) => return,
                () = tx.closed() => return,
            };
            match notice {
                Ok(n) if n.code != code || !n.public => continue,
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
            let Ok(Some(ticket)) = state.store.ticket(&code).await else { continue };
            for entry in entries_after(&state, &ticket, sent) {
                sent = entry.seq;
                if tx.send(event(&entry)).await.is_err() {
                    return;
                }
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn entries_after(state: &AppState, ticket: &crate::store::TicketRecord, seq: i64) -> Vec<TimelineEntry> {
    ticket
        .events
        .iter()
        .filter(|e| e.seq > seq)
        .filter_map(|e| timeline_entry(&state.city, ticket.confidential, e))
        .collect()
}

#[expect(clippy::unnecessary_wraps, reason = "Sse streams items of Result<Event, _>")]
fn event(entry: &TimelineEntry) -> Result<Event, Infallible> {
    Ok(Event::default()
        .event("timeline")
        .id(entry.seq.to_string())
        .json_data(entry)
        .unwrap_or_else(|_| Event::default().comment("unserialisable entry")))
}

/// A stream fed by a task, ending when the task returns or the client leaves.
pub(crate) fn async_stream<F, Fut>(f: F) -> impl Stream<Item = Result<Event, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Result<Event, Infallible>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(f(tx));
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

/// A photo of a non-confidential ticket.
#[utoipa::path(
    get,
    path = "/api/v1/photos/{id}",
    tag = "tickets",
    params(("id" = String, Path, description = "Photo id from a ticket's `photos`")),
    responses(
        (status = 200, description = "The photo, metadata removed", content_type = "image/jpeg", body = Vec<u8>),
        (status = 404, description = "No such photo, or it belongs to a confidential ticket", body = portal112_core::ErrorEnvelope),
    )
)]
pub async fn get_photo(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, AppError> {
    if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ErrorKind::NotFound.into());
    }
    let photo = state.store.photo(&id).await?.filter(|p| !p.confidential).ok_or(ErrorKind::NotFound)?;
    let mime = HeaderValue::from_str(&photo.mime).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            // Photo ids are never reused and photos never change.
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
        ],
        photo.bytes,
    )
        .into_response())
}
