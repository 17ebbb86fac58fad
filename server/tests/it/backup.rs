//! The backups the README's "Deployment" section describes, made while the
//! portal serves, restored into a fresh database, and read back through a
//! portal started on the restored copy. The commands are the README's.

use std::path::Path;
use std::process::Command;

use crate::common::pg::PgDatabase;
use crate::common::process::Portal;
use serde_json::{Value, json};

/// Runs a command, failing the test with its output when it fails.
fn run(command: &mut Command) {
    let out = command.output().unwrap_or_else(|e| panic!("{command:?} does not start: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Files a report and moves it along once, so the backup holds a history.
async fn a_ticket_with_history(portal: &Portal, dir: &Path, database: &str) -> (String, Value) {
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("{}/api/v1/reports", portal.base))
        .json(&json!({
            "category": "pohon-tumbang",
            "description": "Pohon besar tumbang menutup jalan di depan sekolah.",
            "location": {"lat": 1.4472, "lng": 125.1978},
        }))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    let code = created["code"].as_str().expect("a code").to_owned();
    crate::common::process::staff_add_to(dir, database, "operator.sari", "operator", crate::common::PASSWORD);
    let session: Value = http
        .post(format!("{}/api/v1/staff/session", portal.base))
        .json(&json!({"username": "operator.sari", "password": crate::common::PASSWORD}))
        .send()
        .await
        .expect("answers")
        .json()
        .await
        .expect("json");
    let moved = http
        .post(format!("{}/api/v1/staff/tickets/{code}/events", portal.base))
        .bearer_auth(session["token"].as_str().expect("token"))
        .json(&json!({"revision": 1, "status": "verified", "public_note": "Regu Damkar menuju lokasi."}))
        .send()
        .await
        .expect("answers");
    assert_eq!(moved.status(), reqwest::StatusCode::CREATED);
    let view = ticket(portal, &code).await;
    assert_eq!(view["status"], "verified");
    (code, view)
}

async fn ticket(portal: &Portal, code: &str) -> Value {
    let r = reqwest::get(format!("{}/api/v1/tickets/{code}", portal.base)).await.expect("answers");
    assert_eq!(r.status(), reqwest::StatusCode::OK, "ticket {code} on {}", portal.base);
    r.json().await.expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_while_serving_restores() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let live = dir.path().join("portal112.db");
    let portal = Portal::start(dir.path(), &[]).await;
    let (code, view) =
        a_ticket_with_history(&portal, dir.path(), &crate::common::process::database_url(dir.path())).await;

    // Both ways the README gives, while the portal keeps serving.
    let online = dir.path().join("backup-online.db");
    let vacuumed = dir.path().join("backup-vacuum.db");
    run(Command::new("sqlite3").arg(&live).arg(format!(".backup '{}'", online.display())));
    run(Command::new("sqlite3").arg(&live).arg(format!("VACUUM INTO '{}'", vacuumed.display())));
    assert_eq!(ticket(&portal, &code).await, view, "the portal served on through the backups");

    for backup in [online, vacuumed] {
        // Restore: the backup file becomes the database of a fresh folder.
        let restored = tempfile::tempdir().expect("temporary folder");
        std::fs::copy(&backup, restored.path().join("portal112.db")).expect("copied into place");
        let on_copy = Portal::start(restored.path(), &[]).await;
        assert_eq!(ticket(&on_copy, &code).await, view, "restored from {}", backup.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_dump_while_serving_restores_into_a_fresh_database() {
    let db = PgDatabase::create().await;
    let dir = tempfile::tempdir().expect("temporary folder");
    let portal = Portal::start_on(dir.path(), &db.url, &[]).await;
    let (code, view) = a_ticket_with_history(&portal, dir.path(), &db.url).await;

    let dump = dir.path().join("portal112.pgdump");
    run(Command::new("pg_dump").arg("--format=custom").arg(format!("--file={}", dump.display())).arg(&db.url));
    assert_eq!(ticket(&portal, &code).await, view, "the portal served on through the dump");

    let fresh = PgDatabase::create().await;
    run(Command::new("pg_restore").arg("--no-owner").arg(format!("--dbname={}", fresh.url)).arg(&dump));
    let on_copy = Portal::start_on(dir.path(), &fresh.url, &[]).await;
    assert_eq!(ticket(&on_copy, &code).await, view, "the restored database has the ticket and its history");
    // The restored copy is a working portal, not a read-only relic.
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/staff/session", on_copy.base))
        .json(&json!({"username": "operator.sari", "password": crate::common::PASSWORD}))
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status(), reqwest::StatusCode::CREATED, "staff accounts came along");
}
