//! What every handler shares.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use portal112_core::city::CityConfig;
use portal112_core::dto::{Limits, PublicConfig};
use tokio::sync::{Notify, Semaphore, watch};

use crate::cache::{Fresh, TicketViews};
use crate::clock::Clock;
use crate::encoding::{Effort, Precompressed};
use crate::ratelimit::{BackoffPolicy, Limiter, LoginBackoff};
use crate::service_level::ServiceClock;
use crate::store::{PublicRow, SharedStore};

/// Tunables of a running server (from the command line).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Take the client address from `X-Forwarded-For` (only behind a reverse proxy).
    pub trust_proxy: bool,
    /// How long a staff sign-in lasts.
    pub session_ttl: Duration,
    /// Report creations per client per minute.
    pub report_rate_per_minute: u32,
    /// Staff sign-in attempts per client per minute.
    pub login_rate_per_minute: u32,
    /// Per-account lock after failed sign-ins.
    pub login_backoff: BackoffPolicy,
    /// Where uploaded and generated videos live.
    pub media_dir: PathBuf,
    /// The built browser app, if any.
    pub dist_dir: Option<PathBuf>,
    /// How often a staff stream checks that its session still lives.
    pub session_check_every: Duration,
    /// The public map, open data and statistics are read again after a
    /// ticket changed, but at most this often.
    pub public_quiet: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            trust_proxy: false,
            session_ttl: Duration::from_hours(12),
            report_rate_per_minute: 30,
            login_rate_per_minute: 10,
            login_backoff: BackoffPolicy::default(),
            media_dir: PathBuf::from("data/media"),
            dist_dir: None,
            session_check_every: Duration::from_secs(15),
            public_quiet: Duration::from_secs(2),
        }
    }
}

/// Shared state of the router; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    pub city: Arc<CityConfig>,
    /// `GET /api/v1/config`, serialised and compressed once.
    pub config_json: Precompressed,
    /// `GET /api/v1/config.postcard`: the same for the citizens' app.
    pub config_postcard: Precompressed,
    /// The citizens' pages rendered ahead from the app's components.
    pub pages: Arc<crate::pages::Pages>,
    pub store: SharedStore,
    pub settings: Arc<Settings>,
    pub report_limiter: Arc<Limiter>,
    pub login_limiter: Arc<Limiter>,
    pub login_backoff: Arc<LoginBackoff>,
    /// Rendered public ticket views.
    pub ticket_views: Arc<TicketViews>,
    /// "Me too" calls per client, counted like reports.
    pub support_limiter: Arc<Limiter>,
    /// Every non-confidential ticket as the public may see it (map, open data).
    pub public_rows: Arc<Fresh<Vec<PublicRow>>>,
    /// `GET /api/v1/stats`, rendered and compressed.
    pub stats: Arc<Fresh<Precompressed>>,
    /// Image decoding is CPU- and memory-heavy: at most this many at once.
    pub photo_slots: Arc<Semaphore>,
    /// Turns true when the server is shutting down; long streams end then.
    pub shutdown: watch::Receiver<bool>,
    /// Where "now" comes from (tests set their own).
    pub clock: Clock,
    /// The city's service levels and working-day calendar.
    pub service: Arc<ServiceClock>,
    /// Wakes the webhook worker when staff make a delivery due.
    pub webhooks_wake: Arc<Notify>,
}

impl AppState {
    /// Builds the state; `shutdown` ends event streams when it turns true.
    pub fn new(city: CityConfig, store: SharedStore, settings: Settings, shutdown: watch::Receiver<bool>) -> Self {
        let public = PublicConfig { city, limits: Limits::CURRENT };
        let config_json =
            Precompressed::new(Bytes::from(serde_json::to_vec(&public).expect("config serialises")), Effort::Once);
        let config_postcard =
            Precompressed::new(Bytes::from(public.to_postcard().expect("config serialises")), Effort::Once);
        let cpus = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        // Over a database other instances share, limits count there, so
        // they hold for the whole deployment and not per instance.
        let shared = store.shared_limits();
        // The loader refuses a city file whose calendar does not read, so
        // this only falls back for a configuration built in code.
        let service = ServiceClock::new(&public.city).unwrap_or_else(|problems| {
            tracing::error!(?problems, "service levels unreadable: tickets keep no clock");
            ServiceClock::default()
        });
        let pages = Arc::new(crate::pages::Pages::new(Arc::new(public.clone())));
        Self {
            city: Arc::new(public.city),
            config_json,
            config_postcard,
            pages,
            report_limiter: Arc::new(
                Limiter::per_minute(settings.report_rate_per_minute, settings.report_rate_per_minute)
                    .shared("report", shared.clone()),
            ),
            login_limiter: Arc::new(
                Limiter::per_minute(settings.login_rate_per_minute, settings.login_rate_per_minute)
                    .shared("sign_in", shared.clone()),
            ),
            support_limiter: Arc::new(
                Limiter::per_minute(settings.report_rate_per_minute, settings.report_rate_per_minute)
                    .shared("support", shared.clone()),
            ),
            login_backoff: Arc::new(LoginBackoff::new(settings.login_backoff).shared(shared)),
            public_rows: Arc::new(Fresh::new(store.subscribe(), settings.public_quiet)),
            stats: Arc::new(Fresh::new(store.subscribe(), settings.public_quiet)),
            store,
            ticket_views: Arc::new(TicketViews::default()),
            settings: Arc::new(settings),
            photo_slots: Arc::new(Semaphore::new(cpus)),
            shutdown,
            clock: Clock::system(),
            service: Arc::new(service),
            webhooks_wake: Arc::new(Notify::new()),
        }
    }
}
