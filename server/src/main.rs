//! `portal112`: serve the portal, and manage staff accounts, API keys and the
//! agencies' webhook endpoints.

use std::io::Read as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use clap::{Args, Parser, Subcommand, ValueEnum};
use portal112_core::dto::Role;
use portal112_core::{ApiError, ErrorKind, Field, Lang};
use portal112_server::config::load_city;
use portal112_server::error::AppError;
use portal112_server::ratelimit::BackoffPolicy;
use portal112_server::serve::ServeOptions;
use portal112_server::store::StoreError;
use portal112_server::usecases::staff::{NewAccount, add_staff, check_account, create_api_key};
use portal112_server::usecases::webhooks::{add_webhook, check_url, remove_webhook};
use portal112_server::view::{format_time, now_millis};
use portal112_server::webhooks::{Deliverer, Worker};
use portal112_server::{AppState, Settings, router, store};
use tokio::sync::watch;

/// Portal 112: the public self-service portal of a city's 112 call centre.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct Common {
    /// Database to use, created (SQLite) and migrated when missing: an SQLite
    /// URL, or a PostgreSQL one (postgres scheme) for several instances
    /// sharing one database.
    // hide_env_values: `--help` would otherwise print the URL, password and all.
    #[arg(
        long = "database",
        env = "DATABASE_URL",
        default_value = "sqlite://data/portal112.db",
        global = true,
        hide_env_values = true
    )]
    database: String,
    /// The city file.
    #[arg(long, env = "PORTAL112_CONFIG", default_value = "config/bitung.toml", global = true)]
    config: PathBuf,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API and the browser app.
    Serve(Serve),
    /// Manage staff accounts.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Manage Open311 API keys.
    ApiKey {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// Manage the webhook endpoints of the agencies' own systems.
    Webhook {
        #[command(subcommand)]
        command: WebhookCommand,
    },
    /// Check the city file and exit.
    CheckConfig,
    /// Print the statistics (`GET /api/v1/stats`) as JSON, computed afresh
    /// from the database, and say on stderr how long that took.
    Stats,
}

#[derive(Debug, Args)]
struct Serve {
    /// Address to listen on.
    #[arg(long, env = "PORTAL112_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The built browser app (served when the folder exists).
    #[arg(long, env = "PORTAL112_DIST", default_value = "dist")]
    dist: PathBuf,
    /// Uploaded and generated videos.
    #[arg(long, env = "PORTAL112_MEDIA", default_value = "data/media")]
    media: PathBuf,
    /// Behind a reverse proxy: take the client address from X-Forwarded-For.
    #[arg(long, env = "PORTAL112_TRUST_PROXY")]
    trust_proxy: bool,
    /// Reports accepted per client address per minute.
    #[arg(long, env = "PORTAL112_REPORT_RATE", default_value_t = 30)]
    report_rate: u32,
    /// Staff sign-in attempts per client address per minute.
    #[arg(long, env = "PORTAL112_LOGIN_RATE", default_value_t = 10)]
    login_rate: u32,
    /// Failed sign-ins in a row that lock an account (for 1 s, doubling with
    /// every further failure).
    #[arg(long, env = "PORTAL112_LOGIN_FAILURES", default_value_t = 5)]
    login_failures: u32,
    /// Longest lock of an account after failed sign-ins, in minutes.
    #[arg(long, env = "PORTAL112_LOGIN_LOCK_MAX_MINUTES", default_value_t = 15)]
    login_lock_max_minutes: u64,
    /// Seconds a client has to send a request's headers before its connection
    /// is closed (also how long an idle kept-alive connection stays open).
    #[arg(long, env = "PORTAL112_HEADER_TIMEOUT", default_value_t = 10)]
    header_timeout: u64,
    /// Hours a staff sign-in lasts.
    #[arg(long, env = "PORTAL112_SESSION_HOURS", default_value_t = 12)]
    session_hours: u64,
    /// Log format.
    #[arg(long, env = "PORTAL112_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum StaffCommand {
    /// Add an account (or reset its password and role, enable it again and end
    /// its sessions); the password is read from stdin.
    Add {
        #[arg(long)]
        username: String,
        /// operator, agency, supervisor or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Agency code, required for the agency role.
        #[arg(long)]
        agency: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ApiKeyCommand {
    /// Create a key; prints the key alone on stdout (it is not shown again).
    Create {
        /// Who the key is for, e.g. "dashboard-provinsi".
        #[arg(long)]
        label: String,
    },
}

#[derive(Debug, Subcommand)]
enum WebhookCommand {
    /// Add an endpoint; prints the signing secret (`whsec_...`) on the last
    /// line of stdout. It is not shown again.
    Add {
        /// Agency code from the city file, e.g. "dlh".
        #[arg(long)]
        agency: String,
        /// Where the agency's system receives the POSTs (http or https).
        #[arg(long)]
        url: String,
    },
    /// List the endpoints: id, agency, url, created, state (never the secret).
    List,
    /// Remove an endpoint: nothing more is sent there.
    Remove {
        /// Its id, as `webhook list` shows it.
        id: i64,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::from_name(s).ok_or_else(|| format!("'{s}' is not a role: use operator, agency, supervisor or admin"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(serve_args) => serve(cli.common, serve_args).await,
        Command::CheckConfig => {
            let city = load_city(&cli.common.config)?;
            eprintln!(
                "{}: ok ({}, {} agencies, {} categories)",
                cli.common.config.display(),
                city.city.name,
                city.agencies.len(),
                city.categories.len()
            );
            Ok(())
        }
        Command::Stats => {
            let city = load_city(&cli.common.config)?;
            let store = store::open(&cli.common.database).await?;
            let started = std::time::Instant::now();
            let rows = store.stats_rows().await?;
            let read = started.elapsed();
            let figures = portal112_server::stats::figures(&city, &rows, now_millis());
            let json = serde_json::to_string(&figures)?;
            let took = started.elapsed();
            #[expect(clippy::print_stdout, reason = "the figures are this command's output")]
            {
                println!("{json}");
            }
            eprintln!(
                "stats of {} tickets computed in {:.2} ms (read in {:.2} ms)",
                rows.len(),
                took.as_secs_f64() * 1000.0,
                read.as_secs_f64() * 1000.0
            );
            Ok(())
        }
        Command::Staff { command: StaffCommand::Add { username, role, agency } } => {
            let city = load_city(&cli.common.config)?;
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password).context("reading the password from stdin")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let account = NewAccount { username, password, role, agency };
            // The rules first, so a mistake is told before any database is touched.
            check_account(&account, &city).map_err(|e| match (&e.kind, &account.agency) {
                (ErrorKind::UnknownAgency, Some(a)) => anyhow::anyhow!(
                    "--agency: unknown agency '{a}'; known: {}",
                    city.agencies.iter().map(|a| a.code.as_str()).collect::<Vec<_>>().join(", ")
                ),
                _ => cli_error(e),
            })?;
            let store = store::open(&cli.common.database).await?;
            let username = account.username.trim().to_owned();
            add_staff(store.as_ref(), &city, account, "cli", now_millis()).await.map_err(app_error)?;
            eprintln!("staff account '{username}' ({}) saved", role.as_str());
            Ok(())
        }
        Command::Webhook { command } => webhook_command(cli.common, command).await,
        Command::ApiKey { command: ApiKeyCommand::Create { label } } => {
            let store = store::open(&cli.common.database).await?;
            let key = create_api_key(store.as_ref(), &label, "cli", now_millis()).await.map_err(app_error)?;
            #[expect(clippy::print_stdout, reason = "the key is this command's output")]
            {
                println!("{key}");
            }
            Ok(())
        }
    }
}

#[expect(clippy::print_stdout, reason = "the secret and the list are these commands' output")]
async fn webhook_command(common: Common, command: WebhookCommand) -> anyhow::Result<()> {
    let city = load_city(&common.config)?;
    match command {
        WebhookCommand::Add { agency, url } => {
            // The rules first, so a mistake is told before any database is touched.
            if city.agency(agency.trim()).is_none() {
                anyhow::bail!(
                    "--agency: unknown agency '{agency}'; known: {}",
                    city.agencies.iter().map(|a| a.code.as_str()).collect::<Vec<_>>().join(", ")
                );
            }
            check_url(&url).map_err(|_| {
                anyhow::anyhow!(
                    "--url: '{url}' is not an http:// or https:// URL with a host (and no user or password)"
                )
            })?;
            let store = store::open(&common.database).await?;
            let (endpoint, secret) =
                add_webhook(store.as_ref(), &city, "cli", &agency, &url, now_millis()).await.map_err(app_error)?;
            eprintln!("The signing secret is shown only this once: give it to the agency's system now.");
            println!("endpoint {} for {}: {}", endpoint.id, endpoint.agency, endpoint.url);
            println!("{secret}");
        }
        WebhookCommand::List => {
            let store = store::open(&common.database).await?;
            println!("id\tagency\turl\tcreated\tstate");
            for e in store.webhooks().await? {
                let state = if e.removed_at.is_some() { "removed" } else { "active" };
                println!("{}\t{}\t{}\t{}\t{state}", e.id, e.agency, e.url, format_time(&city, e.created_at));
            }
        }
        WebhookCommand::Remove { id } => {
            let store = store::open(&common.database).await?;
            match remove_webhook(store.as_ref(), "cli", id, now_millis()).await {
                Ok(e) => eprintln!("webhook endpoint {id} ({}, {}) removed", e.agency, e.url),
                Err(AppError::Api(api) | AppError::Store(StoreError::Rejected(api)))
                    if api.kind == ErrorKind::NotFound =>
                {
                    anyhow::bail!("no active webhook endpoint has id {id} (see `portal112 webhook list`)")
                }
                Err(e) => return Err(app_error(e)),
            }
        }
    }
    Ok(())
}

/// A refused command-line request, in English, naming the option to blame.
fn cli_error(e: ApiError) -> anyhow::Error {
    let message = e.kind.message(Lang::En);
    match e.field {
        Some(Field::Password) => anyhow::anyhow!("the password (read from stdin): {message}"),
        Some(field) => anyhow::anyhow!("--{field}: {message}"),
        None => anyhow::anyhow!(message),
    }
}

fn app_error(e: AppError) -> anyhow::Error {
    match e {
        AppError::Api(api) | AppError::Store(StoreError::Rejected(api)) => cli_error(api),
        other => anyhow::Error::new(other),
    }
}

async fn serve(common: Common, args: Serve) -> anyhow::Result<()> {
    init_logging(args.log_format);
    let city = load_city(&common.config)?;
    let store = store::open(&common.database).await.context("opening the database")?;
    let dist_dir = args.dist.join("index.html").exists().then_some(args.dist.clone());
    if dist_dir.is_none() {
        tracing::warn!(dist = %args.dist.display(), "no built app found; serving the API only");
    }
    let settings = Settings {
        trust_proxy: args.trust_proxy,
        session_ttl: Duration::from_secs(args.session_hours.max(1) * 3600),
        report_rate_per_minute: args.report_rate,
        login_rate_per_minute: args.login_rate,
        login_backoff: BackoffPolicy {
            failures_before_lock: args.login_failures.max(1),
            first_lock: Duration::from_secs(1),
            max_lock: Duration::from_mins(args.login_lock_max_minutes.max(1)),
        },
        media_dir: args.media.clone(),
        dist_dir,
        ..Settings::default()
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let state = AppState::new(city, store, settings, stop_rx.clone());
    // Every public page rendered ahead now: a page that cannot be is logged at start.
    let pages = state.pages.clone();
    tokio::task::spawn_blocking(move || pages.warm());
    portal112_server::usecases::videos::seed_videos(state.store.as_ref(), &state.city, now_millis())
        .await
        .map_err(|e| anyhow::anyhow!("seeding videos: {e}"))?;
    spawn_limiter_cleanup(&state);
    let refreshed = portal112_server::usecases::service_levels::refresh_clocks(&state)
        .await
        .map_err(|e| anyhow::anyhow!("reading tickets' service-level clocks: {e}"))?;
    if refreshed > 0 {
        tracing::info!(tickets = refreshed, "service-level clocks set by the rules being served");
    }
    spawn_escalations(&state);
    let deliverer = Deliverer::new(state.store.clone()).context("the webhook client")?;
    tokio::spawn(Worker::new(deliverer, state.webhooks_wake.clone()).run(stop_rx));

    let app = router(state).layer(axum::middleware::from_fn(log_request));
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("listening on {}", args.listen))?;
    // The bound address, so `--listen 127.0.0.1:0` tells which port it got.
    let address = listener.local_addr().unwrap_or(args.listen);
    tracing::info!(%address, config = %common.config.display(), "portal112 serving");
    let options =
        ServeOptions { header_timeout: Duration::from_secs(args.header_timeout.max(1)), ..Default::default() };
    portal112_server::serve::serve(listener, app, options, async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing requests in flight");
        let _ = stop_tx.send(true);
    })
    .await?;
    tracing::info!("stopped");
    Ok(())
}

/// Looks for late stages now and then; several instances may all look, the
/// store lets each stage escalate once.
fn spawn_escalations(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(portal112_server::usecases::service_levels::LOOK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = portal112_server::usecases::service_levels::escalate_late(&state, state.clock.now()).await {
                tracing::warn!(error = %e, "looking for late tickets failed; trying again later");
            }
        }
    });
}

fn spawn_limiter_cleanup(state: &AppState) {
    let (reports, logins) = (state.report_limiter.clone(), state.login_limiter.clone());
    let (supports, backoff) = (state.support_limiter.clone(), state.login_backoff.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(portal112_server::ratelimit::FORGET_EVERY);
        loop {
            tick.tick().await;
            reports.forget_idle().await;
            supports.forget_idle().await;
            logins.forget_idle().await;
            backoff.forget_idle().await;
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

/// One line per request: method, path (never the query string, which may hold
/// an API key), status and duration. No headers, no bodies, no addresses.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(%method, %path, status, ms, "request");
    } else {
        tracing::info!(%method, %path, status, ms, "request");
    }
    response
}
