//! A fresh PostgreSQL database per test, on the throw-away server that
//! `scripts/with-postgres.sh` starts (`make unit` runs the tests inside it).
//! Without that server the PostgreSQL tests fail, saying how to run them:
//! a backend that was never tested must not look tested.

use std::time::Duration;

use portal112_server::auth::random_bytes;
use sqlx::Connection as _;
use sqlx::postgres::PgConnection;

/// What names the test server (a URL without a database).
pub const SERVER_VAR: &str = "PORTAL112_TEST_PG";

/// The test server's URL, or a failure that says how to get one.
#[must_use]
pub fn server_url() -> String {
    match std::env::var(SERVER_VAR) {
        Ok(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_owned(),
        _ => panic!(
            "{SERVER_VAR} is not set: the PostgreSQL tests need a throw-away PostgreSQL server. \
             Run them as `scripts/with-postgres.sh cargo test --locked -p portal112-server` \
             (as `make unit` does); it starts one and sets {SERVER_VAR}."
        ),
    }
}

/// A database of its own, dropped (connections and all) when this goes.
#[derive(Debug)]
pub struct PgDatabase {
    /// `postgres://.../<name>`, for the store or a server process.
    pub url: String,
    /// Its name.
    pub name: String,
    server: String,
}

impl PgDatabase {
    /// Creates an empty database with a random name.
    pub async fn create() -> Self {
        let server = server_url();
        let mut bytes = [0_u8; 8];
        random_bytes(&mut bytes);
        let name = format!("portal112_test_{}", hex::encode(bytes));
        let mut admin = PgConnection::connect(&format!("{server}/postgres"))
            .await
            .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {server}: {e}"));
        // A name made of hex digits and a fixed prefix: safe to write into the statement.
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("database created");
        admin.close().await.ok();
        Self { url: format!("{server}/{name}"), name, server }
    }

    /// A plain connection to it, for looking behind the store.
    pub async fn connect(&self) -> PgConnection {
        PgConnection::connect(&self.url).await.expect("connects")
    }

    /// The server's URL (for `pg_dump` and friends).
    #[must_use]
    pub fn server(&self) -> &str {
        &self.server
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (server, name) = (self.server.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on:
        // a runtime of its own on a thread of its own does the work.
        let done = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let Ok(mut admin) = PgConnection::connect(&format!("{server}/postgres")).await else { return };
                let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let _ = tokio::time::timeout(Duration::from_secs(30), sqlx::query(&drop).execute(&mut admin)).await;
                admin.close().await.ok();
            });
        });
        let _ = done.join();
    }
}
