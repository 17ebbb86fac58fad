//! Every client hears why its request was refused, even one that sends its
//! whole body before it reads anything (Python's urllib, a phone uploading
//! photos over a slow link).
//!
//! A handler that refuses a request early — too large, too many, rate limited,
//! not signed in — stops reading its body. Were the answer sent and the
//! connection closed at that point, the client, still writing, would see the
//! connection reset instead of the answer. So the rest of an unread body is
//! read and thrown away before the answer goes out, up to [`DRAIN_MAX_BYTES`]
//! and [`DRAIN_MAX_TIME`]; past those the connection is closed as before
//! (whoever sends that much after a refusal is not waiting for its reason).

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody as _};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::stream;
use tokio::sync::Mutex;

/// Most bytes read and discarded after a refusal: a little more than the
/// largest report (three full photos).
pub const DRAIN_MAX_BYTES: u64 = 32 * 1024 * 1024;

/// Longest time spent reading and discarding after a refusal.
pub const DRAIN_MAX_TIME: Duration = Duration::from_mins(1);

/// Middleware: hands the handler a body it reads through, so that what it
/// left unread can be drained once it has answered.
pub async fn drain_unread_body(request: Request, next: Next) -> Response {
    // Most requests (every GET) have no body: nothing to wrap or drain.
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let declared =
        parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let shared = Arc::new(Mutex::new(body));
    let reader = Body::from_stream(stream::unfold(shared.clone(), |body| async move {
        let frame = next_data(&body).await?;
        Some((frame, body))
    }));
    let mut response = next.run(Request::from_parts(parts, reader)).await;

    let mut body = shared.lock().await;
    if body.is_end_stream() {
        return response;
    }
    if declared.is_some_and(|n| n > DRAIN_MAX_BYTES) {
        // Too much to wait for: say so and close.
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    let drained = tokio::time::timeout(DRAIN_MAX_TIME, async {
        let mut read = 0_u64;
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await {
            let Ok(frame) = frame else { return false };
            read += frame.data_ref().map_or(0, |d| d.len() as u64);
            if read > DRAIN_MAX_BYTES {
                return false;
            }
        }
        true
    })
    .await;
    if !matches!(drained, Ok(true)) {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// The next data chunk of the shared body (trailers are skipped).
async fn next_data(body: &Mutex<Body>) -> Option<Result<Bytes, axum::Error>> {
    let mut body = body.lock().await;
    loop {
        match std::future::poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await? {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    return Some(Ok(data));
                }
            }
            Err(e) => return Some(Err(e)),
        }
    }
}
