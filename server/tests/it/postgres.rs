//! What only a shared database has: two stores over one PostgreSQL database
//! stand for two instances in one process. Changes made through one reach the
//! other's trackers and cached views; a listening connection that dies costs
//! no notice and no stale view; rate limits and sign-in locks count across
//! both, without keeping addresses or names in the clear.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::common::pg::PgDatabase;
use crate::common::random_code;
use portal112_core::dto::{NewReport, TicketUpdate};
use portal112_core::validate::{validate_report, validate_update};
use portal112_core::{ErrorKind, Status, TicketCode};
use portal112_server::config::load_city;
use portal112_server::ratelimit::{BackoffPolicy, Limiter, LoginBackoff};
use portal112_server::store::{AuditAction, AuditEntry, Created, NewTicket, SharedStore, TicketChange};
use sqlx::Connection as _;
use sqlx::postgres::PgConnection;

async fn two_instances() -> (PgDatabase, SharedStore, SharedStore) {
    let db = PgDatabase::create().await;
    let (a, b) = tokio::join!(portal112_server::store::open(&db.url), portal112_server::store::open(&db.url));
    (db, a.expect("instance A opens"), b.expect("instance B opens"))
}

async fn new_ticket(store: &SharedStore) -> TicketCode {
    let city = load_city(&crate::common::city_file()).expect("city");
    let report: NewReport = serde_json::from_value(crate::common::valid_report()).expect("report");
    let ticket = NewTicket {
        code: random_code(),
        report: validate_report(&report, &city).expect("valid"),
        photos: Vec::new(),
        source: "web".into(),
        channel: portal112_core::staff::Channel::Web,
        priority: portal112_core::staff::Priority::default(),
        actor: "web".into(),
        audit: None,
        created_at: portal112_server::view::now_millis(),
        idempotency: None,
        open311_token: None,
        clock: None,
    };
    match store.create_ticket(ticket).await.expect("stored") {
        Created::New(t) => t.code,
        other => panic!("{other:?}"),
    }
}

/// A change made on the ticket's current revision.
async fn change(store: &SharedStore, code: &TicketCode, mut update: serde_json::Value) -> TicketChange {
    let city = load_city(&crate::common::city_file()).expect("city");
    update["revision"] = store.ticket(code).await.expect("reads").expect("exists").revision.into();
    let update: TicketUpdate = serde_json::from_value(update).expect("update");
    TicketChange {
        update: validate_update(&update, &city).expect("valid"),
        actor: "operator.sari".into(),
        only_agency: None,
        at: portal112_server::view::now_millis(),
        on_duty: ("2026-12-01".into(), portal112_core::staff::Shift::Pagi),
        service: std::sync::Arc::new(portal112_server::service_level::ServiceClock::new(&city).expect("calendar")),
        city: std::sync::Arc::new(city),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_on_one_instance_reach_the_other() {
    let (_db, a, b) = two_instances().await;
    let code = new_ticket(&a).await;
    assert_eq!(b.ticket(&code).await.expect("reads").expect("B sees A's report").status, Status::Received);
    let mut notices = b.subscribe();
    // B may hear of the report itself (seq 1) after subscribing: not a change.
    let mut next_change = async || loop {
        let n = tokio::time::timeout(Duration::from_secs(1), notices.recv())
            .await
            .expect("B hears of A's change within a second")
            .expect("a notice");
        if n.seq > 1 {
            return n;
        }
    };
    let mut latencies = Vec::new();
    for (i, note) in ["satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan"].iter().enumerate() {
        let before = b.revision(&code);
        let started = Instant::now();
        let event = a
            .change_ticket(&code, change(&a, &code, serde_json::json!({"public_note": note})).await)
            .await
            .expect("changed")
            .event;
        let notice = next_change().await;
        // From sending the change to A until B has the notice: commit and delivery.
        latencies.push(started.elapsed());
        assert_eq!((notice.code, notice.seq), (code, event.seq));
        assert_eq!(event.seq, i as i64 + 2);
        assert!(b.revision(&code) > before, "B's cached views of the ticket went stale");
        let seen = b.ticket(&code).await.expect("reads").expect("exists");
        assert_eq!(seen.latest_public_note.as_deref(), Some(*note), "and B reads the change");
    }
    // Internal notes move the revision on B as well (the staff view changes) without a notice.
    let before = b.revision(&code);
    a.change_ticket(&code, change(&a, &code, serde_json::json!({"internal_note": "hanya staf"})).await)
        .await
        .expect("changed");
    let deadline = Instant::now() + Duration::from_secs(1);
    while b.revision(&code) == before {
        assert!(Instant::now() < deadline, "B's revision did not move within a second");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert!(notices.try_recv().map_or(true, |n| !n.public), "no public notice for an internal note");
    latencies.sort();
    eprintln!(
        "change on A until the notice on B, 8 changes: median {:?}, max {:?}",
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_listener_serves_nothing_cached_and_catches_up() {
    let db = PgDatabase::create().await;
    let a = portal112_server::store::open(&db.url).await.expect("instance A opens");
    // B signs in as a role of its own, so the test can cut B off alone.
    let mut admin = PgConnection::connect(&format!("{}/postgres", db.server())).await.expect("admin");
    let role = format!("{}_b", db.name);
    sqlx::query(&format!("CREATE ROLE {role} SUPERUSER LOGIN")).execute(&mut admin).await.expect("role");
    let b_url = db.url.replacen("postgres@", &format!("{role}@"), 1);
    let b = portal112_server::store::open(&b_url).await.expect("instance B opens");

    let mut notices = b.subscribe();
    let code = new_ticket(&a).await;
    // B hears of the new report first (staff streams show it).
    let filed = tokio::time::timeout(Duration::from_secs(1), notices.recv()).await.expect("heard").expect("notice");
    assert_eq!((filed.code, filed.seq), (code, 1));
    let cached_at = b.revision(&code);
    assert_eq!(b.revision(&code), cached_at, "while listening, an unchanged ticket keeps its revision");

    // Cut every connection of B and let none come back for a while.
    sqlx::query(&format!("ALTER ROLE {role} NOLOGIN")).execute(&mut admin).await.expect("nologin");
    let cut: Vec<bool> =
        sqlx::query_scalar("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1")
            .bind(&role)
            .fetch_all(&mut admin)
            .await
            .expect("terminated");
    assert!(!cut.is_empty());

    // Deaf, B serves nothing from its cache: the revision differs on every read.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (r1, r2) = (b.revision(&code), b.revision(&code));
        if r1 != r2 {
            assert!(r1 > cached_at);
            break;
        }
        assert!(Instant::now() < deadline, "B did not notice it stopped listening");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A change made meanwhile is not heard...
    let event = a
        .change_ticket(&code, change(&a, &code, serde_json::json!({"status": "verified"})).await)
        .await
        .expect("changed")
        .event;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(notices.try_recv().is_err(), "nobody could have told B yet");
    let (r1, r2) = (b.revision(&code), b.revision(&code));
    assert_ne!(r1, r2, "still deaf, still nothing cached");

    // ...until B listens again and looks up what it missed.
    sqlx::query(&format!("ALTER ROLE {role} LOGIN")).execute(&mut admin).await.expect("login");
    let notice = tokio::time::timeout(Duration::from_secs(20), notices.recv())
        .await
        .expect("B catches up after reconnecting")
        .expect("a notice");
    assert_eq!((notice.code, notice.seq), (code, event.seq));
    // The missed changes are announced just before B trusts its cache again.
    let deadline = Instant::now() + Duration::from_secs(1);
    let settled = loop {
        let (r1, r2) = (b.revision(&code), b.revision(&code));
        if r1 == r2 {
            break r1;
        }
        assert!(Instant::now() < deadline, "listening again, cached views must be usable again");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    assert!(settled > r2);
    // And new changes are heard live again.
    let event = a
        .change_ticket(&code, change(&a, &code, serde_json::json!({"public_note": "kembali"})).await)
        .await
        .expect("changed")
        .event;
    let notice = tokio::time::timeout(Duration::from_secs(1), notices.recv()).await.expect("live").expect("notice");
    assert_eq!(notice.seq, event.seq);

    drop((a, b));
    drop(db);
    sqlx::query(&format!("DROP ROLE IF EXISTS {role}")).execute(&mut admin).await.expect("role dropped");
    admin.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_count_across_instances_and_keep_no_addresses() {
    let (db, a, b) = two_instances().await;
    let on_a = Limiter::per_minute(5, 5).shared("report", a.shared_limits());
    let on_b = Limiter::per_minute(5, 5).shared("report", b.shared_limits());
    let client: IpAddr = "10.1.2.3".parse().expect("ip");
    for _ in 0..3 {
        on_a.check(client).await.expect("store").expect("within the allowance");
    }
    for _ in 0..2 {
        on_b.check(client).await.expect("store").expect("within the allowance");
    }
    let Err(ErrorKind::RateLimited { retry_after_s }) = on_b.check(client).await.expect("store") else {
        panic!("the sixth report within a minute, over two instances, passed");
    };
    assert!((11..=12).contains(&retry_after_s), "one report every 12 s: wait {retry_after_s} s");
    assert!(on_a.check(client).await.expect("store").is_err(), "A counts B's too");
    on_a.check("10.1.2.4".parse().expect("ip")).await.expect("store").expect("another client is unaffected");
    let other_bucket = Limiter::per_minute(5, 5).shared("sign_in", a.shared_limits());
    other_bucket.check(client).await.expect("store").expect("buckets are separate");

    let mut conn = db.connect().await;
    let keys: Vec<String> = sqlx::query_scalar("SELECT key FROM rate_limits").fetch_all(&mut conn).await.expect("rows");
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| !k.contains("10.1.2") && k.len() == 32), "only salted hashes: {keys:?}");
    // Forgetting full allowances keeps the ones still in use.
    on_a.forget_idle().await;
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits").fetch_one(&mut conn).await.expect("count");
    assert_eq!(left, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_locks_count_across_instances() {
    let (db, a, b) = two_instances().await;
    let policy = BackoffPolicy {
        failures_before_lock: 3,
        first_lock: Duration::from_secs(2),
        max_lock: Duration::from_secs(10),
    };
    let on_a = LoginBackoff::new(policy).shared(a.shared_limits());
    let on_b = LoginBackoff::new(policy).shared(b.shared_limits());
    assert_eq!(on_a.failed("budi").await.expect("store"), None);
    assert_eq!(on_b.failed("Budi ").await.expect("store"), None);
    on_a.check("budi").await.expect("store").expect("two failures do not lock");
    assert_eq!(on_a.failed("budi").await.expect("store"), Some(Duration::from_secs(2)), "the third locks");
    let Err(ErrorKind::LoginLocked { retry_after_s }) = on_b.check("BUDI").await.expect("store") else {
        panic!("B let a locked account try again");
    };
    assert_eq!(retry_after_s, 2);
    on_b.check("sari").await.expect("store").expect("other accounts are unaffected");
    assert_eq!(on_b.failed("budi").await.expect("store"), Some(Duration::from_secs(4)), "and it doubles");
    on_a.succeeded("budi").await.expect("store");
    on_b.check("budi").await.expect("store").expect("a success clears it everywhere");

    let mut conn = db.connect().await;
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT key FROM login_failures").fetch_all(&mut conn).await.expect("rows");
    assert!(keys.iter().all(|k| !k.contains("budi")), "{keys:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_and_audit_are_append_only() {
    let (db, a, _b) = two_instances().await;
    let code = new_ticket(&a).await;
    a.audit(AuditEntry::new(1, "cli", AuditAction::StaffAdd, "sari")).await.expect("written");
    let mut conn = db.connect().await;
    for statement in [
        "UPDATE ticket_events SET actor = 'someone else'",
        "DELETE FROM ticket_events",
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
    ] {
        let e = sqlx::query(statement).execute(&mut conn).await.expect_err(statement);
        assert!(e.to_string().contains("append-only"), "{statement}: {e}");
    }
    assert_eq!(a.ticket(&code).await.expect("reads").expect("exists").events.len(), 1);
}

#[tokio::test]
async fn a_database_password_never_reaches_a_message() {
    // A database that does not exist: refused at once, with a message that
    // names where without the secret.
    let server = crate::common::pg::server_url();
    let url = server.replacen("postgres@", "postgres:sup3r-secret@", 1) + "/portal112_no_such_database";
    assert!(url.contains("sup3r-secret"));
    let e = portal112_server::store::open(&url).await.expect_err("no such database");
    let message = format!("{e:#} {e:?}");
    assert!(!message.contains("sup3r-secret"), "{message}");
    assert!(message.contains("postgres:***@"), "{message}");
    let e = portal112_server::store::open("mysql://portal:sup3r-secret@db/portal112").await.expect_err("unsupported");
    assert!(!format!("{e:#} {e:?}").contains("sup3r-secret"), "{e:#}");
}
