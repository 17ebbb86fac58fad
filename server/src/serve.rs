//! The HTTP/1.1 server loop: the router on hyper, with the connection
//! timeouts `axum::serve` leaves unset.
//!
//! `axum::serve` gives hyper no timer, so a client may open a connection and
//! send its request headers a byte a minute, forever: a few thousand such
//! connections (slowloris) use up file descriptors and memory. Here every
//! connection must deliver complete request headers within
//! [`ServeOptions::header_timeout`] of waiting for them — also between
//! requests on a kept-alive connection — or it is closed. Bodies and handlers
//! are bounded by the router's own timeouts.
//!
//! HTTP/1.1 only: browsers speak it to the portal (or to the TLS proxy in
//! front of it), and hyper's protocol sniffing for HTTP/2 would wait for the
//! first bytes without any timeout.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt as _;

/// Connection limits of [`serve`].
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// Longest wait for a request's complete headers.
    pub header_timeout: Duration,
    /// Longest wait for requests in flight once shutdown has begun.
    pub drain_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self { header_timeout: Duration::from_secs(10), drain_timeout: Duration::from_secs(20) }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets requests
/// in flight finish (up to [`ServeOptions::drain_timeout`]).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(options.header_timeout).max_buf_size(64 * 1024);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it
                    // was accepted: wait a moment instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = app.clone().map_request(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            request.map(Body::new)
        });
        let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // Timeouts and clients that go away end up here; nothing to report.
            let _ = connection.await;
        });
    }
    drop(listener);
    if tokio::time::timeout(options.drain_timeout, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still in flight after the drain timeout; stopping anyway");
    }
    Ok(())
}
