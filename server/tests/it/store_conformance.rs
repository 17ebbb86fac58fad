//! One behaviour for every backend: each case below runs once against SQLite
//! (a file in a temporary folder) and once against PostgreSQL (a database of
//! its own on the test server, see `common/pg.rs`), through the `Store` trait
//! only. A backend that differs from the other in what routes can observe
//! fails here.

use std::collections::HashSet;
use std::time::Duration;

use crate::common::pg::PgDatabase;
use crate::common::random_code;
use portal112_core::dto::{NewReport, Role, TicketUpdate};
use portal112_core::staff::{Channel, Priority, Shift};
use portal112_core::validate::{ValidReport, ValidUpdate, validate_report, validate_update};
use portal112_core::{ErrorKind, Field, Status, TicketCode};
use portal112_server::config::load_city;
use portal112_server::store::{
    AuditAction, AuditEntry, AuditFilter, Created, Idempotency, NewPhoto, NewStaff, NewTicket, SharedStore,
    StaffUpdate, StandbyRecord, StoreError, TemplateRecord, TextSearch, TicketChange, TicketFilter, TicketRecord,
    VideoKind, VideoRecord,
};
use serde_json::{Value, json};
use tempfile::TempDir;

/// A store under test and what keeps its database alive.
struct Backend {
    store: SharedStore,
    /// The database's URL, for the few cases that must reach past the store.
    url: String,
    _sqlite: Option<TempDir>,
    _pg: Option<PgDatabase>,
}

async fn sqlite() -> Backend {
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = portal112_server::store::open(&url).await.expect("SQLite opens");
    Backend { store, url, _sqlite: Some(dir), _pg: None }
}

async fn postgres() -> Backend {
    let db = PgDatabase::create().await;
    let store = portal112_server::store::open(&db.url).await.expect("PostgreSQL opens");
    Backend { store, url: db.url.clone(), _sqlite: None, _pg: Some(db) }
}

/// Makes the database refuse every new audit entry, as a full disk, a broken
/// constraint or a lost connection would at that moment.
async fn refuse_audit_entries(b: &Backend) {
    if b.url.starts_with("sqlite:") {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&b.url).await.expect("connects");
        sqlx::raw_sql(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused'); END;",
        )
        .execute(&mut conn)
        .await
        .expect("trigger");
    } else {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&b.url).await.expect("connects");
        sqlx::raw_sql(
            "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$; \
             CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit();",
        )
        .execute(&mut conn)
        .await
        .expect("trigger");
    }
}

/// Every case, once per backend: `sqlite::<case>` and `postgres::<case>`.
macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                super::$case(super::sqlite().await).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                super::$case(super::postgres().await).await;
            })*
        }
    };
}

conformance!(
    a_report_reads_back_as_written,
    photos_keep_their_order_and_confidentiality,
    a_drawn_code_that_exists_is_refused,
    idempotency_keys_replay_or_conflict,
    concurrent_sends_of_one_key_make_one_ticket,
    changes_follow_the_status_machine,
    concurrent_changes_of_one_ticket_are_serialised,
    changes_move_the_revision_and_notify_trackers,
    a_change_and_its_audit_entry_are_one,
    staff_accounts_and_sessions,
    api_keys,
    videos_with_tombstones,
    the_audit_trail_is_newest_first,
    filters_and_paging,
    open311_tokens_and_ping,
    accounts_are_created_changed_and_disabled,
    reply_templates_in_order,
    audit_pages_filter_and_count,
    after_photos_follow_the_report_photos,
    a_change_on_a_stale_revision_writes_nothing,
    the_queue_search_and_nearby_queries,
    the_standby_roster_and_who_takes_a_forwarded_ticket,
    webhook_outbox_rows_go_with_their_change,
    webhook_claims_are_exclusive_and_leased,
    public_rows_statistics_and_supporters,
);

fn city() -> portal112_core::city::CityConfig {
    load_city(&crate::common::city_file()).expect("the city file loads")
}

fn valid(report: &Value) -> ValidReport {
    let report: NewReport = serde_json::from_value(report.clone()).expect("a NewReport");
    validate_report(&report, &city()).expect("a valid report")
}

fn new_ticket(report: &Value, created_at: i64) -> NewTicket {
    NewTicket {
        code: random_code(),
        report: valid(report),
        photos: Vec::new(),
        source: "web".into(),
        channel: Channel::Web,
        priority: Priority::default(),
        actor: "web".into(),
        audit: None,
        created_at,
        idempotency: None,
        open311_token: None,
        clock: None,
    }
}

fn update(update: &Value) -> ValidUpdate {
    let update: TicketUpdate = serde_json::from_value(update.clone()).expect("a TicketUpdate");
    validate_update(&update, &city()).expect("a valid update")
}

fn change(u: &Value, at: i64) -> TicketChange {
    TicketChange {
        update: update(u),
        actor: "operator.sari".into(),
        only_agency: None,
        at,
        on_duty: ("2026-12-01".into(), Shift::Pagi),
        service: std::sync::Arc::default(),
        city: std::sync::Arc::new(city()),
    }
}

async fn create(b: &Backend, ticket: NewTicket) -> TicketRecord {
    match b.store.create_ticket(ticket).await.expect("stored") {
        Created::New(t) => *t,
        other => panic!("expected a new ticket, got {other:?}"),
    }
}

fn rejected_kind(result: Result<impl std::fmt::Debug, StoreError>) -> ErrorKind {
    match result {
        Err(StoreError::Rejected(e)) => e.kind,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

const T0: i64 = 1_780_000_000_000;

async fn a_report_reads_back_as_written(b: Backend) {
    let report = json!({
        "category": "banjir",
        "description": "Air setinggi lutut menggenangi jalan di depan pasar sejak pagi.",
        "location": {"lat": 1.4472, "lng": 125.1978, "accuracy_m": 12.5},
        "district": "71.72.06",
            "address": "Kelurahan Girian Bawah, lorong dekat masjid",
        "address": "Jl. Sam Ratulangi, depan pasar",
        "contact": {"name": "Budi Santoso", "phone": "0812-3456-7890", "email": "budi@example.org"},
    });
    let mut ticket = new_ticket(&report, T0);
    ticket.source = "open311:dashboard".into();
    ticket.actor = "open311:dashboard".into();
    ticket.channel = Channel::Open311;
    let written = create(&b, ticket.clone()).await;
    assert_eq!(written.code, ticket.code);
    let read = b.store.ticket(&ticket.code).await.expect("reads").expect("exists");
    assert_eq!(read, written, "what is read back is what create returned");
    assert_eq!(read.category, "banjir");
    assert_eq!(read.agency, "bpbd");
    assert_eq!(read.status, Status::Received);
    assert_eq!((read.lat, read.lng, read.accuracy_m), (Some(1.4472), Some(125.1978), Some(12.5)));
    assert_eq!(read.address.as_deref(), Some("Jl. Sam Ratulangi, depan pasar"));
    assert_eq!(read.contact_phone.as_deref(), Some("+6281234567890"));
    assert_eq!(read.contact_name.as_deref(), Some("Budi Santoso"));
    assert_eq!((read.source.as_str(), read.channel, read.revision), ("open311:dashboard", Channel::Open311, 1));
    assert_eq!((read.created_at, read.updated_at), (T0, T0));
    assert!(!read.anonymous && !read.confidential);
    assert_eq!(read.events.len(), 1, "the first event is written with the report");
    let first = &read.events[0];
    assert_eq!((first.seq, first.from_status, first.to_status), (1, None, Status::Received));
    assert_eq!(first.agency.as_deref(), Some("bpbd"));
    assert_eq!(first.actor, "open311:dashboard");
    assert!(b.store.ticket(&random_code()).await.expect("reads").is_none(), "an unknown code is no ticket");
}

async fn photos_keep_their_order_and_confidentiality(b: Backend) {
    let mut ticket = new_ticket(&crate::common::valid_report(), T0);
    ticket.photos = (0..3_u8)
        .map(|i| NewPhoto {
            id: format!("photo-{}-{i}", ticket.code.compact()),
            mime: if i == 1 { "image/png" } else { "image/jpeg" },
            width: 640 + u32::from(i),
            height: 480,
            bytes: vec![i; 1000 + usize::from(i)],
        })
        .collect();
    // Ids that sort the other way than the positions: order comes from position.
    ticket.photos.reverse();
    let expected: Vec<String> = ticket.photos.iter().map(|p| p.id.clone()).collect();
    create(&b, ticket.clone()).await;
    let read = b.store.ticket(&ticket.code).await.expect("reads").expect("exists");
    assert_eq!(read.photo_ids, expected);
    let photo = b.store.photo(&expected[1]).await.expect("reads").expect("exists");
    assert_eq!(photo.mime, "image/png");
    assert_eq!(photo.bytes, vec![1; 1001]);
    assert!(!photo.confidential);
    assert!(b.store.photo("no-such-photo").await.expect("reads").is_none());

    let mut secret = new_ticket(
        &json!({
            "category": "kekerasan-perempuan",
            "description": "Tetangga sering memukul istrinya, terdengar setiap malam.",
            "district": "71.72.06",
            "address": "Kelurahan Girian Bawah, lorong dekat masjid",
        }),
        T0 + 1,
    );
    secret.photos =
        vec![NewPhoto { id: "secret-photo".into(), mime: "image/webp", width: 10, height: 10, bytes: vec![7; 10] }];
    let stored = create(&b, secret).await;
    assert!(stored.confidential);
    assert!(b.store.photo("secret-photo").await.expect("reads").expect("exists").confidential);
    let (list, _) = b.store.list_tickets(&TicketFilter { limit: 10, ..TicketFilter::default() }).await.expect("lists");
    let listed = list.iter().find(|t| t.code == ticket.code).expect("listed");
    assert_eq!(listed.photo_ids, expected, "lists carry the photo ids in order too");
    assert!(listed.events.is_empty(), "lists leave the history out");
}

async fn a_drawn_code_that_exists_is_refused(b: Backend) {
    let ticket = new_ticket(&crate::common::valid_report(), T0);
    create(&b, ticket.clone()).await;
    let mut again = new_ticket(&crate::common::valid_report(), T0 + 5);
    again.code = ticket.code;
    assert!(matches!(b.store.create_ticket(again).await, Err(StoreError::CodeTaken)));
    let read = b.store.ticket(&ticket.code).await.expect("reads").expect("exists");
    assert_eq!(read.created_at, T0, "the first ticket is untouched");
}

fn keyed(key: &str, hash: &str) -> NewTicket {
    let mut t = new_ticket(&crate::common::valid_report(), T0);
    t.idempotency = Some(Idempotency { key: key.into(), request_hash: hash.into() });
    t
}

async fn idempotency_keys_replay_or_conflict(b: Backend) {
    let first = create(&b, keyed("key-0001-abcdef", "hash-a")).await;
    // A retry draws a new code; the key leads back to the first ticket.
    let retry = b.store.create_ticket(keyed("key-0001-abcdef", "hash-a")).await.expect("answers");
    let Created::Replayed(replayed) = retry else { panic!("expected a replay, got {retry:?}") };
    assert_eq!(replayed.code, first.code);
    assert_eq!(replayed.events.len(), 1);
    let other = b.store.create_ticket(keyed("key-0001-abcdef", "hash-b")).await.expect("answers");
    assert!(matches!(other, Created::KeyConflict), "another body under the same key: {other:?}");
    let fresh = create(&b, keyed("key-0002-abcdef", "hash-a")).await;
    assert_ne!(fresh.code, first.code, "another key is another report");
    let (_, total) = b.store.list_tickets(&TicketFilter { limit: 10, ..TicketFilter::default() }).await.expect("lists");
    assert_eq!(total, 2);
}

async fn concurrent_sends_of_one_key_make_one_ticket(b: Backend) {
    let sends: Vec<_> = (0..12)
        .map(|_| {
            let store = b.store.clone();
            tokio::spawn(async move { store.create_ticket(keyed("key-race-123456", "same-body")).await })
        })
        .collect();
    let mut new = Vec::new();
    let mut replayed = Vec::new();
    for send in sends {
        match send.await.expect("task").expect("stored") {
            Created::New(t) => new.push(t.code),
            Created::Replayed(t) => replayed.push(t.code),
            Created::KeyConflict => panic!("same body, same key: no conflict"),
        }
    }
    assert_eq!(new.len(), 1, "exactly one send makes the ticket");
    assert!(replayed.iter().all(|c| *c == new[0]), "every other send gets that ticket");
    let (_, total) = b.store.list_tickets(&TicketFilter { limit: 10, ..TicketFilter::default() }).await.expect("lists");
    assert_eq!(total, 1);
}

async fn changes_follow_the_status_machine(b: Backend) {
    let t = create(&b, new_ticket(&crate::common::valid_report(), T0)).await;
    let other = create(&b, new_ticket(&crate::common::valid_report(), T0 + 1)).await;
    let code = t.code;

    let wrong = b.store.change_ticket(&code, change(&json!({"revision": 1, "status": "resolved"}), T0 + 10)).await;
    assert!(matches!(
        rejected_kind(wrong),
        ErrorKind::IllegalTransition { from: Status::Received, to: Status::Resolved }
    ));
    let missing =
        b.store.change_ticket(&random_code(), change(&json!({"revision": 1, "status": "verified"}), T0 + 10)).await;
    assert_eq!(rejected_kind(missing), ErrorKind::TicketNotFound);
    let mut foreign = change(&json!({"revision": 1, "status": "verified"}), T0 + 10);
    foreign.only_agency = Some("dishub".into());
    // Another agency's ticket does not exist for agency staff.
    assert_eq!(rejected_kind(b.store.change_ticket(&code, foreign).await), ErrorKind::TicketNotFound);
    let same_agency = b.store.change_ticket(&code, change(&json!({"revision": 1, "agency": t.agency}), T0 + 10)).await;
    assert_eq!(rejected_kind(same_agency), ErrorKind::NothingToChange);
    let self_dup = b
        .store
        .change_ticket(
            &code,
            change(&json!({"revision": 1, "status": "duplicate", "duplicate_of": code.to_string()}), T0),
        )
        .await;
    assert_eq!(rejected_kind(self_dup), ErrorKind::DuplicateOfSelf);
    let dup_of_nothing = b
        .store
        .change_ticket(
            &code,
            change(&json!({"revision": 1, "status": "duplicate", "duplicate_of": random_code().to_string()}), T0),
        )
        .await;
    assert_eq!(rejected_kind(dup_of_nothing), ErrorKind::TicketNotFound);
    assert_eq!(b.store.ticket(&code).await.expect("reads").expect("exists").events.len(), 1, "refusals leave no trace");

    let verified = b
        .store
        .change_ticket(
            &code,
            change(&json!({"revision": 1, "status": "verified", "public_note": "Petugas menuju lokasi."}), T0 + 20),
        )
        .await
        .expect("received -> verified");
    let verified = verified.event;
    assert_eq!((verified.seq, verified.from_status, verified.to_status), (2, Some(Status::Received), Status::Verified));
    let mut agency_hands_on = change(&json!({"revision": 2, "agency": "bpbd"}), T0 + 25);
    agency_hands_on.only_agency = Some(t.agency.clone());
    assert_eq!(rejected_kind(b.store.change_ticket(&code, agency_hands_on).await), ErrorKind::Forbidden);
    let agency_move = change(&json!({"revision": 2, "agency": "bpbd", "internal_note": "BPBD punya truk"}), T0 + 30);
    let moved = b.store.change_ticket(&code, agency_move).await.expect("handed over");
    assert_eq!((moved.ticket.agency.as_str(), moved.ticket.status), ("bpbd", Status::Verified), "the new state");
    let moved = moved.event;
    assert_eq!((moved.seq, moved.to_status, moved.agency.as_deref()), (3, Status::Verified, Some("bpbd")));
    let dup = b
        .store
        .change_ticket(
            &code,
            change(&json!({"revision": 3, "status": "duplicate", "duplicate_of": other.code.to_string()}), T0 + 40),
        )
        .await
        .expect("a duplicate of an existing ticket")
        .event;
    assert_eq!(dup.duplicate_of.as_deref(), Some(other.code.to_string().as_str()));

    let read = b.store.ticket(&code).await.expect("reads").expect("exists");
    assert_eq!(read.status, Status::Duplicate);
    assert_eq!(read.agency, "bpbd");
    assert_eq!(read.updated_at, T0 + 40);
    assert_eq!(read.created_at, T0);
    assert_eq!(read.events.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    assert_eq!(read.events[2].internal_note.as_deref(), Some("BPBD punya truk"));
    assert_eq!(read.latest_public_note.as_deref(), Some("Petugas menuju lokasi."));
    assert_eq!(read.events[3], dup);
    let after_end = b.store.change_ticket(&code, change(&json!({"revision": 4, "status": "verified"}), T0 + 50)).await;
    assert!(matches!(rejected_kind(after_end), ErrorKind::IllegalTransition { from: Status::Duplicate, .. }));
}

async fn concurrent_changes_of_one_ticket_are_serialised(b: Backend) {
    let t = create(&b, new_ticket(&crate::common::valid_report(), T0)).await;
    // Two operators verify the same ticket, seen at the same revision, at the
    // same moment: one wins, the others are told the ticket changed since and
    // write nothing.
    let attempts: Vec<_> = (0..6)
        .map(|i| {
            let store = b.store.clone();
            tokio::spawn(async move {
                store.change_ticket(&t.code, change(&json!({"revision": 1, "status": "verified"}), T0 + i)).await
            })
        })
        .collect();
    let mut won = 0;
    for attempt in attempts {
        match attempt.await.expect("task") {
            Ok(changed) => {
                won += 1;
                assert_eq!(changed.event.seq, 2);
            }
            Err(StoreError::Rejected(e)) => {
                assert_eq!((e.kind, e.field), (ErrorKind::RevisionConflict { current: 2 }, Some(Field::Revision)));
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(won, 1);
    let read = b.store.ticket(&t.code).await.expect("reads").expect("exists");
    assert_eq!((read.events.len(), read.revision), (2, 2), "the refused changes wrote nothing");
    assert_eq!(b.store.audit_entries(100).await.expect("reads").len(), 1, "nor any audit entry");
    // Notes pile up without losing any: a note refused for a stale revision
    // is sent again on the new one, and every one gets its own seq.
    let notes: Vec<_> = (0..8)
        .map(|i| {
            let store = b.store.clone();
            tokio::spawn(async move {
                loop {
                    let revision = store.ticket(&t.code).await.expect("reads").expect("exists").revision;
                    let note = json!({"revision": revision, "internal_note": format!("catatan {i}")});
                    match store.change_ticket(&t.code, change(&note, T0 + 100)).await {
                        Ok(changed) => return changed,
                        Err(StoreError::Rejected(e)) if matches!(e.kind, ErrorKind::RevisionConflict { .. }) => {}
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        })
        .collect();
    for n in notes {
        n.await.expect("task");
    }
    let read = b.store.ticket(&t.code).await.expect("reads").expect("exists");
    assert_eq!(read.events.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=10).collect::<Vec<i64>>());
}

async fn changes_move_the_revision_and_notify_trackers(b: Backend) {
    let t = create(&b, new_ticket(&crate::common::valid_report(), T0)).await;
    let mut notices = b.store.subscribe();
    let before = b.store.revision(&t.code);
    assert_eq!(b.store.revision(&t.code), before, "nothing changed, nothing moves");
    b.store
        .change_ticket(&t.code, change(&json!({"revision": 1, "status": "verified"}), T0 + 1))
        .await
        .expect("changed");
    let after = b.store.revision(&t.code);
    assert!(after > before, "the revision moved before change_ticket returned");
    let notice = tokio::time::timeout(Duration::from_secs(5), notices.recv()).await.expect("in time").expect("notice");
    assert_eq!((notice.code, notice.seq, notice.public), (t.code, 2, true));
    // An internal note is no public step: the revision moves, and its notice
    // says it is not public (staff streams want it, trackers do not).
    b.store
        .change_ticket(&t.code, change(&json!({"revision": 2, "internal_note": "hanya staf"}), T0 + 2))
        .await
        .expect("changed");
    assert!(b.store.revision(&t.code) > after);
    b.store
        .change_ticket(&t.code, change(&json!({"revision": 3, "public_note": "untuk publik"}), T0 + 3))
        .await
        .expect("changed");
    let internal =
        tokio::time::timeout(Duration::from_secs(5), notices.recv()).await.expect("in time").expect("notice");
    assert_eq!((internal.seq, internal.public), (3, false));
    let next = tokio::time::timeout(Duration::from_secs(5), notices.recv()).await.expect("in time").expect("notice");
    assert_eq!((next.seq, next.public), (4, true));
}

async fn a_change_and_its_audit_entry_are_one(b: Backend) {
    let t = create(&b, new_ticket(&crate::common::valid_report(), T0)).await;
    let changed = b
        .store
        .change_ticket(&t.code, change(&json!({"revision": 1, "status": "verified"}), T0 + 1))
        .await
        .expect("changed");
    let entries = b.store.audit_entries(10).await.expect("reads");
    let expected =
        AuditEntry::new(T0 + 1, "operator.sari", AuditAction::TicketEvent, format!("{}#2", t.code.compact()));
    assert_eq!(entries, [expected], "the change wrote its entry");
    assert_eq!(changed.ticket.status, Status::Verified, "the answer is the ticket after the change");

    // When the entry cannot be written, the change is not made either: no
    // 500 for a change that happened, no change nobody can account for.
    refuse_audit_entries(&b).await;
    let refused = b.store.change_ticket(&t.code, change(&json!({"revision": 2, "status": "assigned"}), T0 + 2)).await;
    assert!(matches!(refused, Err(StoreError::Database(_))), "the write failed: {refused:?}");
    let read = b.store.ticket(&t.code).await.expect("reads").expect("exists");
    assert_eq!((read.status, read.events.len(), read.updated_at), (Status::Verified, 2, T0 + 1), "nothing changed");
    assert_eq!(b.store.audit_entries(10).await.expect("reads").len(), 1);
}

async fn staff_accounts_and_sessions(b: Backend) {
    let s = &b.store;
    assert!(s.staff_by_username("sari").await.expect("reads").is_none());
    let id = s.add_staff(&staff("sari", "hash-1", Role::Operator, None), audit(T0)).await.expect("added");
    let agency_staff =
        s.add_staff(&staff("dlh.andi", "hash-2", Role::Agency, Some("dlh")), audit(T0)).await.expect("added");
    assert_ne!(id, agency_staff);
    let sari = s.staff_by_username("sari").await.expect("reads").expect("exists");
    assert_eq!(
        (sari.id, sari.role, sari.agency.as_deref(), sari.password_hash.as_str()),
        (id, Role::Operator, None, "hash-1")
    );
    let andi = s.staff_by_username("dlh.andi").await.expect("reads").expect("exists");
    assert_eq!((andi.role, andi.agency.as_deref()), (Role::Agency, Some("dlh")));
    // Adding again resets password and role, keeping the account.
    let again = s.add_staff(&staff("sari", "hash-3", Role::Admin, None), audit(T0 + 1)).await.expect("reset");
    assert_eq!(again, id);
    let sari = s.staff_by_username("sari").await.expect("reads").expect("exists");
    assert_eq!((sari.role, sari.password_hash.as_str()), (Role::Admin, "hash-3"));
    let broken = s.add_staff(&staff("broken", "h", Role::Agency, None), audit(T0)).await;
    assert!(broken.is_err(), "an agency account needs an agency");
    assert!(s.staff_by_username("broken").await.expect("reads").is_none());
    assert_eq!(
        s.audit_entries(100).await.expect("reads").len(),
        3,
        "one entry per account saved, none for the refused"
    );

    s.create_session("token-hash-1", id, T0 + 1000, login(T0)).await.expect("session");
    s.create_session("token-hash-2", agency_staff, T0 + 1000, login(T0)).await.expect("session");
    assert_eq!(s.session("token-hash-1", T0 + 1).await.expect("reads").map(|a| a.id), Some(id));
    assert_eq!(s.session("token-hash-2", T0 + 1).await.expect("reads").map(|a| a.username), Some("dlh.andi".into()));
    assert!(s.session("token-hash-1", T0 + 1000).await.expect("reads").is_none(), "expired");
    assert!(s.session("unknown", T0).await.expect("reads").is_none());
    assert!(s.revoke_session("token-hash-1", logout(T0 + 2)).await.expect("revokes"));
    assert!(!s.revoke_session("token-hash-1", logout(T0 + 3)).await.expect("revokes"), "only once");
    let actions: Vec<AuditAction> = s.audit_entries(3).await.expect("reads").iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [AuditAction::Logout, AuditAction::Login, AuditAction::Login],
        "one logout: the second ended nothing"
    );
    assert!(s.session("token-hash-1", T0 + 4).await.expect("reads").is_none(), "revoked");
    assert!(s.session("token-hash-2", T0 + 4).await.expect("reads").is_some(), "others stay");
}

fn staff(username: &str, hash: &str, role: Role, agency: Option<&str>) -> NewStaff {
    NewStaff { username: username.into(), password_hash: hash.into(), role, agency: agency.map(Into::into) }
}

fn audit(at: i64) -> AuditEntry {
    AuditEntry::new(at, "cli", AuditAction::StaffAdd, "")
}

fn login(at: i64) -> AuditEntry {
    AuditEntry::new(at, "sari", AuditAction::Login, "")
}

fn logout(at: i64) -> AuditEntry {
    AuditEntry::new(at, "sari", AuditAction::Logout, "")
}

async fn api_keys(b: Backend) {
    assert!(b.store.api_key("key-hash").await.expect("reads").is_none());
    let created = AuditEntry::new(T0, "cli", AuditAction::ApiKeyCreate, "dashboard-provinsi");
    b.store.add_api_key("key-hash", "dashboard-provinsi", created.clone()).await.expect("added");
    assert_eq!(b.store.api_key("key-hash").await.expect("reads").as_deref(), Some("dashboard-provinsi"));
    assert!(b.store.add_api_key("key-hash", "again", created.clone()).await.is_err(), "a key hash is unique");
    assert_eq!(b.store.audit_entries(10).await.expect("reads"), [created], "the refused key left no entry");
    assert!(b.store.api_key("other").await.expect("reads").is_none());
}

fn video(id: &str, created_at: i64) -> VideoRecord {
    VideoRecord {
        id: id.into(),
        agency: "dlh".into(),
        title_id: format!("Judul {id}"),
        title_en: format!("Title {id}"),
        kind: VideoKind::File,
        youtube_id: None,
        file_name: Some(format!("{id}.webm")),
        mime: Some("video/webm".into()),
        captions_id: Some(format!("{id}.id.vtt")),
        captions_en: None,
        poster: Some(format!("{id}.jpg")),
        created_at,
    }
}

async fn videos_with_tombstones(b: Backend) {
    let s = &b.store;
    assert!(s.videos().await.expect("lists").is_empty());
    let added = |id: &str| AuditEntry::new(T0, "admin.rina", AuditAction::VideoAdd, id);
    s.add_video(&video("b", T0), added("b")).await.expect("added");
    s.add_video(&video("a", T0), added("a")).await.expect("added");
    let mut yt = video("c", T0 + 5);
    yt.kind = VideoKind::Youtube;
    yt.youtube_id = Some("dQw4w9WgXcQ".into());
    yt.file_name = None;
    assert!(s.seed_video(&yt).await.expect("added"));
    let list = s.videos().await.expect("lists");
    assert_eq!(list.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(), ["c", "a", "b"], "newest first, then by id");
    assert_eq!(list[0], yt);
    assert!(!s.seed_video(&video("a", T0 + 9)).await.expect("answers"), "a seed does not overwrite");
    assert!(s.add_video(&video("a", T0 + 9), added("a")).await.is_err(), "an id is unique");
    let removal = |at| AuditEntry::new(at, "admin.rina", AuditAction::VideoRemove, "a");
    let removed = s.remove_video("a", removal(T0 + 10)).await.expect("removes").expect("existed");
    assert_eq!(removed, video("a", T0));
    assert!(s.remove_video("a", removal(T0 + 11)).await.expect("answers").is_none(), "gone already");
    assert!(!s.seed_video(&video("a", T0 + 12)).await.expect("answers"), "the tombstone keeps the seed away");
    let actions: Vec<AuditAction> = s.audit_entries(10).await.expect("reads").iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [AuditAction::VideoRemove, AuditAction::VideoAdd, AuditAction::VideoAdd],
        "entries for what admins did, none for seeds, refusals or removing nothing"
    );
    assert_eq!(s.videos().await.expect("lists").iter().map(|v| v.id.as_str()).collect::<Vec<_>>(), ["c", "b"]);
}

async fn the_audit_trail_is_newest_first(b: Backend) {
    for i in 0..5 {
        let entry = AuditEntry::new(T0 + i, "sari", AuditAction::LoginFailed, format!("ABC#{i}"));
        b.store.audit(entry).await.expect("written");
    }
    let entries = b.store.audit_entries(3).await.expect("reads");
    assert_eq!(entries.iter().map(|e| e.target.as_str()).collect::<Vec<_>>(), ["ABC#4", "ABC#3", "ABC#2"]);
    assert_eq!(
        (entries[0].at, entries[0].actor.as_str(), entries[0].action),
        (T0 + 4, "sari", AuditAction::LoginFailed)
    );
    assert_eq!(b.store.audit_entries(100).await.expect("reads").len(), 5);
}

async fn filters_and_paging(b: Backend) {
    let reports = [
        ("sampah", "Sampah menumpuk di depan pasar sejak tiga hari."),
        ("banjir", "Air setinggi lutut menggenangi jalan di depan pasar."),
        ("kekerasan-perempuan", "Tetangga sering memukul istrinya, terdengar setiap malam."),
        ("sampah", "Tumpukan sampah di pinggir jalan menutup selokan."),
        ("banjir", "Banjir di perumahan, air masuk ke rumah warga."),
        ("sampah", "Sampah dibakar setiap sore, asapnya masuk rumah."),
        ("banjir", "Genangan di bawah jembatan setelah hujan deras."),
    ];
    let mut codes = Vec::new();
    for (i, (category, description)) in reports.iter().enumerate() {
        let report = json!({"category": category, "description": description, "location": {"lat": 1.45, "lng": 125.2}});
        let t = create(&b, new_ticket(&report, T0 + i as i64 * 1000)).await;
        codes.push(t.code);
    }
    b.store
        .change_ticket(
            &codes[0],
            change(&json!({"revision": 1, "status": "verified", "public_note": "dicek"}), T0 + 9000),
        )
        .await
        .expect("ok");
    b.store
        .change_ticket(&codes[4], change(&json!({"revision": 1, "status": "verified"}), T0 + 9000))
        .await
        .expect("ok");
    b.store
        .change_ticket(&codes[4], change(&json!({"revision": 2, "status": "assigned"}), T0 + 9001))
        .await
        .expect("ok");

    let list = |f: TicketFilter| {
        let store = b.store.clone();
        async move {
            let (tickets, total) =
                store.list_tickets(&TicketFilter { limit: f.limit.max(1), ..f }).await.expect("lists");
            (tickets.iter().map(|t| t.code).collect::<Vec<TicketCode>>(), total)
        }
    };
    let all = TicketFilter { limit: 100, ..TicketFilter::default() };
    let newest_first: Vec<TicketCode> = codes.iter().rev().copied().collect();
    assert_eq!(list(all.clone()).await, (newest_first.clone(), 7));
    assert_eq!(list(TicketFilter { limit: 3, ..all.clone() }).await, (newest_first[..3].to_vec(), 7));
    assert_eq!(list(TicketFilter { limit: 3, offset: 3, ..all.clone() }).await, (newest_first[3..6].to_vec(), 7));
    assert_eq!(list(TicketFilter { limit: 3, offset: 6, ..all.clone() }).await, (newest_first[6..].to_vec(), 7));
    assert_eq!(list(TicketFilter { limit: 3, offset: 60, ..all.clone() }).await, (vec![], 7));
    assert_eq!(list(TicketFilter { status: Some(Status::Verified), ..all.clone() }).await, (vec![codes[0]], 1));
    assert_eq!(
        list(TicketFilter { statuses: Some(vec![Status::Verified, Status::Assigned]), ..all.clone() }).await,
        (vec![codes[4], codes[0]], 2)
    );
    assert_eq!(
        list(TicketFilter { statuses: Some(vec![]), ..all.clone() }).await,
        (vec![], 0),
        "an empty set matches none"
    );
    assert_eq!(
        list(TicketFilter { category: Some("banjir".into()), ..all.clone() }).await,
        (vec![codes[6], codes[4], codes[1]], 3)
    );
    assert_eq!(
        list(TicketFilter {
            categories: Some(vec!["kekerasan-perempuan".into(), "banjir".into()]),
            limit: 2,
            ..all.clone()
        })
        .await,
        (vec![codes[6], codes[4]], 4)
    );
    assert_eq!(list(TicketFilter { agency: Some("dp3a".into()), ..all.clone() }).await, (vec![codes[2]], 1));
    assert_eq!(list(TicketFilter { exclude_confidential: true, ..all.clone() }).await.1, 6);
    assert_eq!(
        list(TicketFilter { since: Some(T0 + 2000), until: Some(T0 + 4000), ..all.clone() }).await,
        (vec![codes[4], codes[3], codes[2]], 3)
    );
    let some: Vec<String> = [codes[1], codes[5]].iter().map(|c| c.compact().to_owned()).collect();
    assert_eq!(list(TicketFilter { codes: Some(some), ..all.clone() }).await, (vec![codes[5], codes[1]], 2));
    assert_eq!(
        list(TicketFilter { codes: Some(vec!["'; DROP TABLE tickets; --".into()]), ..all.clone() }).await,
        (vec![], 0)
    );
    assert_eq!(
        list(TicketFilter {
            category: Some("sampah".into()),
            status: Some(Status::Received),
            since: Some(T0 + 1),
            ..all.clone()
        })
        .await,
        (vec![codes[5], codes[3]], 2),
        "filters combine"
    );

    let (tickets, _) = b.store.list_tickets(&all).await.expect("lists");
    let first = tickets.iter().find(|t| t.code == codes[0]).expect("listed");
    assert_eq!(first.latest_public_note.as_deref(), Some("dicek"), "lists carry the newest public note");
    assert_eq!(first.status, Status::Verified);
    let assigned = tickets.iter().find(|t| t.code == codes[4]).expect("listed");
    assert_eq!((assigned.status, assigned.updated_at), (Status::Assigned, T0 + 9001));
    let unique: HashSet<_> = tickets.iter().map(|t| t.code).collect();
    assert_eq!(unique.len(), 7);
}

async fn open311_tokens_and_ping(b: Backend) {
    let mut t = new_ticket(&crate::common::valid_report(), T0);
    t.open311_token = Some("token-abc-123".into());
    let stored = create(&b, t).await;
    assert_eq!(b.store.open311_token("token-abc-123").await.expect("reads"), Some(stored.code));
    assert_eq!(b.store.open311_token("token-unknown").await.expect("reads"), None);
    b.store.ping().await.expect("the database answers");
}

async fn accounts_are_created_changed_and_disabled(b: Backend) {
    let s = &b.store;
    let added = s.create_staff(&staff("dlh.andi", "h1", Role::Agency, Some("dlh")), audit(T0)).await.expect("added");
    assert_eq!((added.username.as_str(), added.created_at, added.disabled_at), ("dlh.andi", T0, None));
    let taken = s.create_staff(&staff("dlh.andi", "h2", Role::Operator, None), audit(T0 + 1)).await;
    assert_eq!(rejected_kind(taken), ErrorKind::UsernameTaken);
    assert_eq!(s.staff_by_username("dlh.andi").await.expect("reads").expect("exists").password_hash, "h1", "untouched");
    s.create_staff(&staff("dlh.sari", "h", Role::Agency, Some("dlh")), audit(T0)).await.expect("added");
    s.create_staff(&staff("spv", "h", Role::Supervisor, None), audit(T0)).await.expect("a supervisor");
    assert_eq!(s.agency_staff("dlh").await.expect("reads"), ["dlh.andi", "dlh.sari"]);
    assert!(s.agency_staff("bpbd").await.expect("reads").is_empty());

    s.create_session("t1", added.id, T0 + 1000, login(T0)).await.expect("session");
    s.create_session("t2", added.id, T0 + 1000, login(T0)).await.expect("session");
    let disable = StaffUpdate {
        role: Role::Agency,
        agency: Some("dlh".into()),
        password_hash: None,
        disabled_at: Some(Some(T0 + 5)),
        at: T0 + 5,
    };
    let entry = AuditEntry::new(T0 + 5, "admin", AuditAction::StaffDisable, "dlh.andi");
    let disabled = s.update_staff("dlh.andi", &disable, vec![entry]).await.expect("updated").expect("exists");
    assert_eq!(disabled.disabled_at, Some(T0 + 5));
    assert!(
        s.session("t1", T0 + 6).await.expect("reads").is_none()
            && s.session("t2", T0 + 6).await.expect("reads").is_none()
    );
    assert_eq!(s.agency_staff("dlh").await.expect("reads"), ["dlh.sari"], "disabled accounts are not offered");

    // Enabling and a role change keep sessions; a reset ends them.
    let enable =
        StaffUpdate { role: Role::Operator, agency: None, password_hash: None, disabled_at: Some(None), at: T0 + 5 };
    let enabled = s.update_staff("dlh.andi", &enable, vec![]).await.expect("updated").expect("exists");
    assert_eq!((enabled.role, enabled.agency, enabled.disabled_at), (Role::Operator, None, None));
    s.create_session("t3", added.id, T0 + 1000, login(T0 + 7)).await.expect("session");
    let keep = StaffUpdate { role: Role::Supervisor, agency: None, password_hash: None, disabled_at: None, at: T0 + 5 };
    s.update_staff("dlh.andi", &keep, vec![]).await.expect("updated");
    assert_eq!(s.session("t3", T0 + 8).await.expect("reads").map(|a| a.role), Some(Role::Supervisor));
    let reset = StaffUpdate {
        role: Role::Supervisor,
        agency: None,
        password_hash: Some("h9".into()),
        disabled_at: None,
        at: T0 + 5,
    };
    let reset = s.update_staff("dlh.andi", &reset, vec![]).await.expect("updated").expect("exists");
    assert_eq!(reset.password_hash, "h9");
    assert!(s.session("t3", T0 + 9).await.expect("reads").is_none(), "a reset ends sessions");
    assert!(s.update_staff("nobody", &keep, vec![]).await.expect("runs").is_none());
    let broken = StaffUpdate { role: Role::Agency, agency: None, password_hash: None, disabled_at: None, at: T0 + 5 };
    assert!(s.update_staff("spv", &broken, vec![]).await.is_err(), "the database keeps agency and role together");

    // The command line's reset enables the account again and ends its sessions.
    s.update_staff("dlh.sari", &disable_update(), vec![]).await.expect("disabled");
    let sari = s.staff_by_username("dlh.sari").await.expect("reads").expect("exists");
    s.create_session("t4", sari.id, T0 + 1000, login(T0)).await.expect("session");
    s.add_staff(&staff("dlh.sari", "h5", Role::Agency, Some("dlh")), audit(T0 + 10)).await.expect("reset");
    assert_eq!(s.staff_by_username("dlh.sari").await.expect("reads").expect("exists").disabled_at, None);
    assert!(s.session("t4", T0 + 11).await.expect("reads").is_none());

    let names: Vec<String> = s.staff_accounts().await.expect("lists").into_iter().map(|a| a.username).collect();
    assert_eq!(names, ["dlh.andi", "dlh.sari", "spv"]);
    let actions: Vec<AuditAction> = s.audit_entries(100).await.expect("reads").iter().map(|e| e.action).collect();
    assert_eq!(actions.iter().filter(|a| **a == AuditAction::StaffDisable).count(), 1);
    assert_eq!(actions.iter().filter(|a| **a == AuditAction::StaffAdd).count(), 4, "3 added, 1 reset; none refused");
}

fn disable_update() -> StaffUpdate {
    StaffUpdate {
        role: Role::Agency,
        agency: Some("dlh".into()),
        password_hash: None,
        disabled_at: Some(Some(T0)),
        at: T0 + 5,
    }
}

async fn reply_templates_in_order(b: Backend) {
    let s = &b.store;
    let seeds = s.templates().await.expect("reads");
    assert!(seeds.len() >= 6, "seeded by the migration");
    let keys: Vec<(&str, &str)> = seeds.iter().map(|t| (t.status.as_str(), t.title.as_str())).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted, "by status, then title");
    let new = TemplateRecord { id: 0, status: Status::Resolved, title: "A selesai".into(), text: "Sudah.".into() };
    let added = s.add_template(&new, T0, "admin").await.expect("added");
    assert!(added.id > 0 && seeds.iter().all(|t| t.id != added.id));
    let changed = TemplateRecord { title: "B selesai".into(), ..added.clone() };
    assert_eq!(s.update_template(&changed, T0 + 1, "admin").await.expect("updated"), Some(changed.clone()));
    assert!(s.templates().await.expect("reads").contains(&changed));
    let missing = TemplateRecord { id: added.id + 1000, ..changed.clone() };
    assert_eq!(s.update_template(&missing, T0 + 2, "admin").await.expect("runs"), None);
    let removal = AuditEntry::new(T0 + 3, "admin", AuditAction::TemplateRemove, added.id.to_string());
    assert!(s.remove_template(added.id, removal.clone()).await.expect("removed"));
    assert!(!s.remove_template(added.id, removal).await.expect("runs"), "only once");
    assert_eq!(s.templates().await.expect("reads"), seeds);
    let actions: Vec<AuditAction> = s.audit_entries(10).await.expect("reads").iter().map(|e| e.action).collect();
    assert_eq!(actions, [AuditAction::TemplateRemove, AuditAction::TemplateChange, AuditAction::TemplateAdd]);
}

async fn audit_pages_filter_and_count(b: Backend) {
    let lines = [
        (T0, "sari", AuditAction::Login, ""),
        (T0 + 1, "sari", AuditAction::TicketEvent, "ABC123XYZ#2"),
        (T0 + 2, "budi", AuditAction::TicketEvent, "ABC123XYZ#3"),
        (T0 + 3, "budi", AuditAction::TicketEvent, "QQQ123XYZ#2"),
        (T0 + 4, "admin", AuditAction::StaffDisable, "budi"),
    ];
    for (at, actor, action, target) in lines {
        b.store.audit(AuditEntry::new(at, actor, action, target)).await.expect("written");
    }
    let page = |f: AuditFilter| {
        let store = b.store.clone();
        async move {
            let (entries, total) = store.audit_page(&AuditFilter { limit: 50, ..f }).await.expect("reads");
            (entries.into_iter().map(|e| e.at - T0).collect::<Vec<_>>(), total)
        }
    };
    assert_eq!(page(AuditFilter::default()).await, (vec![4, 3, 2, 1, 0], 5));
    assert_eq!(page(AuditFilter { actor: Some("budi".into()), ..AuditFilter::default() }).await, (vec![3, 2], 2));
    let events = AuditFilter { action: Some(AuditAction::TicketEvent), ..AuditFilter::default() };
    assert_eq!(page(events.clone()).await, (vec![3, 2, 1], 3));
    let of_ticket = AuditFilter { target: Some("ABC123XYZ".into()), ..AuditFilter::default() };
    assert_eq!(page(of_ticket).await, (vec![2, 1], 2), "a target prefix: every step of one ticket");
    let pattern = AuditFilter { target: Some("ABC%".into()), ..AuditFilter::default() };
    assert_eq!(page(pattern).await, (vec![], 0), "no pattern characters");
    let window = AuditFilter { since: Some(T0 + 1), until: Some(T0 + 3), ..events };
    assert_eq!(page(window).await, (vec![3, 2, 1], 3));
    let second = AuditFilter { offset: 2, limit: 2, ..AuditFilter::default() };
    let (entries, total) = b.store.audit_page(&second).await.expect("reads");
    assert_eq!((entries.iter().map(|e| e.at - T0).collect::<Vec<_>>(), total), (vec![2, 1], 5));
    assert_eq!(entries[0].actor, "budi");
}

async fn after_photos_follow_the_report_photos(b: Backend) {
    let mut ticket = new_ticket(&crate::common::valid_report(), T0);
    ticket.photos = vec![photo("report-photo")];
    let code = create(&b, ticket).await.code;
    let before = b.store.revision(&code);
    let add = |id: &str, only: Option<&'static str>| {
        let store = b.store.clone();
        let p = photo(id);
        async move {
            let entry = AuditEntry::new(
                T0 + 1,
                "dlh.andi",
                AuditAction::TicketPhotoAdd,
                format!("{}/{}", code.compact(), p.id),
            );
            store.add_after_photo(&code, &p, only, 3, entry).await
        }
    };
    let first = add("after-1", Some("dlh")).await.expect("added");
    assert_eq!(
        (first.photo_ids.as_slice(), first.after_photo_ids.as_slice()),
        (["report-photo".to_owned()].as_slice(), ["after-1".to_owned()].as_slice())
    );
    assert_eq!(first.updated_at, T0 + 1);
    assert!(b.store.revision(&code) > before, "cached views go stale");
    assert_eq!(rejected_kind(add("after-x", Some("bpbd")).await), ErrorKind::TicketNotFound, "another agency's");
    add("after-2", None).await.expect("added");
    add("after-3", None).await.expect("added");
    assert_eq!(rejected_kind(add("after-4", None).await), ErrorKind::TooManyAfterPhotos { max: 3 });
    let unknown = AuditEntry::new(T0, "x", AuditAction::TicketPhotoAdd, "");
    assert_eq!(
        rejected_kind(b.store.add_after_photo(&random_code(), &photo("after-5"), None, 3, unknown).await),
        ErrorKind::TicketNotFound
    );
    let read = b.store.ticket(&code).await.expect("reads").expect("exists");
    assert_eq!(read.after_photo_ids, ["after-1", "after-2", "after-3"]);
    assert_eq!(read.photo_ids, ["report-photo"]);
    assert_eq!(read.events.len(), 1, "no history step");
    assert_eq!(b.store.photo("after-2").await.expect("reads").expect("served").bytes, photo("after-2").bytes);
    assert!(b.store.photo("after-4").await.expect("reads").is_none(), "the refused was not stored");
    let (list, _) = b.store.list_tickets(&TicketFilter { limit: 10, ..TicketFilter::default() }).await.expect("lists");
    assert_eq!(list[0].photo_ids, ["report-photo"], "lists carry the report's photos");
    let entries = b.store.audit_entries(10).await.expect("reads");
    assert_eq!(entries.len(), 3, "one per photo added");
}

fn photo(id: &str) -> NewPhoto {
    NewPhoto { id: id.into(), mime: "image/jpeg", width: 4, height: 4, bytes: id.as_bytes().to_vec() }
}

/// The 0003 migration rebuilds SQLite's staff table (its CHECK lists the
/// roles): a database made before it keeps its accounts, their ids and their
/// live sessions, and its foreign keys stay whole and enforced.
#[tokio::test]
async fn sqlite_upgrade_keeps_accounts_and_their_sessions() {
    use sqlx::Connection as _;
    use std::str::FromStr as _;

    let dir = tempfile::tempdir().expect("temporary folder");
    let first = dir.path().join("first-migration");
    std::fs::create_dir(&first).expect("folder");
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    std::fs::copy(migrations.join("0001_init.sql"), first.join("0001_init.sql")).expect("copied");
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let options =
        sqlx::sqlite::SqliteConnectOptions::from_str(&url).expect("url").create_if_missing(true).foreign_keys(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await.expect("connects");
    sqlx::migrate::Migrator::new(first.as_path()).await.expect("reads").run(&mut conn).await.expect("0001 applied");
    sqlx::raw_sql(
        "INSERT INTO staff (id, username, password_hash, role, agency, created_at) VALUES \
         (7, 'dlh.andi', 'h', 'agency', 'dlh', 1), (9, 'admin', 'h', 'admin', NULL, 2); \
         INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at) VALUES ('live', 7, 1, 9000000000000);",
    )
    .execute(&mut conn)
    .await
    .expect("old rows");
    conn.close().await.expect("closed");

    let store = portal112_server::store::open(&url).await.expect("upgraded");
    let andi = store.session("live", T0).await.expect("reads").expect("the session survived");
    assert_eq!((andi.id, andi.role, andi.agency.as_deref(), andi.disabled_at), (7, Role::Agency, Some("dlh"), None));
    let spv = store.create_staff(&staff("spv", "h", Role::Supervisor, None), audit(T0)).await.expect("a supervisor");
    assert!(spv.id > 9);
    assert!(!store.templates().await.expect("reads").is_empty(), "templates seeded");
    drop(store);

    let mut conn = sqlx::SqliteConnection::connect_with(&options).await.expect("connects");
    let broken: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check").fetch_all(&mut conn).await.expect("checks");
    assert!(broken.is_empty(), "{broken:?}");
    let orphan = sqlx::raw_sql("DELETE FROM staff WHERE id = 7").execute(&mut conn).await;
    assert!(orphan.is_err(), "sessions still hold their account");
}

async fn a_change_on_a_stale_revision_writes_nothing(b: Backend) {
    let t = create(&b, new_ticket(&crate::common::valid_report(), T0)).await;
    assert_eq!(t.revision, 1);
    let first = b.store.change_ticket(&t.code, change(&json!({"revision": 1, "status": "verified"}), T0 + 1)).await;
    assert_eq!(first.expect("the first change").ticket.revision, 2);
    // Made on the same revision as the first: refused, whatever it says.
    let second = b.store.change_ticket(&t.code, change(&json!({"revision": 1, "internal_note": "juga"}), T0 + 2)).await;
    let Err(StoreError::Rejected(e)) = second else { panic!("expected a conflict, got {second:?}") };
    assert_eq!((e.kind, e.field), (ErrorKind::RevisionConflict { current: 2 }, Some(Field::Revision)));
    let read = b.store.ticket(&t.code).await.expect("reads").expect("exists");
    assert_eq!((read.revision, read.events.len(), read.updated_at), (2, 2, T0 + 1), "nothing written");
    assert_eq!(b.store.audit_entries(10).await.expect("reads").len(), 1, "nor audited");
    // Priority and assignee are stored with the ticket and its history.
    let urgent = b
        .store
        .change_ticket(&t.code, change(&json!({"revision": 2, "priority": "darurat"}), T0 + 3))
        .await
        .expect("changed");
    assert_eq!((urgent.ticket.priority, urgent.ticket.revision), (Priority::Darurat, 3));
    assert_eq!(urgent.event.priority, Some(Priority::Darurat));
    let unknown = b.store.change_ticket(&t.code, change(&json!({"revision": 3, "assignee": "nobody"}), T0 + 4)).await;
    assert!(matches!(unknown, Err(StoreError::Rejected(ref e)) if e.kind == ErrorKind::UnknownStaff), "{unknown:?}");
}

async fn the_queue_search_and_nearby_queries(b: Backend) {
    let at = |lat: f64, description: &str| json!({"category": "sampah", "description": description, "location": {"lat": lat, "lng": 125.1978}});
    let old = create(&b, new_ticket(&at(1.4472, "Sampah 100% MENUMPUK di pasar"), T0)).await;
    let mut phoned = new_ticket(&at(1.4480, "Tumpukan sampah_liar dekat sekolah"), T0 + 1);
    (phoned.channel, phoned.priority) = (Channel::Telepon, Priority::Darurat);
    let phoned = create(&b, phoned).await;
    assert_eq!((phoned.channel, phoned.priority), (Channel::Telepon, Priority::Darurat));
    let far = create(&b, new_ticket(&at(1.4600, "Sampah jauh"), T0 + 2)).await;
    let list = |f: TicketFilter| {
        let store = b.store.clone();
        async move {
            let (rows, _) = store.list_tickets(&TicketFilter { limit: 10, ..f }).await.expect("lists");
            rows.into_iter().map(|t| t.code).collect::<Vec<_>>()
        }
    };
    assert_eq!(list(TicketFilter::default()).await, [far.code, phoned.code, old.code]);
    let queue = list(TicketFilter { queue_order: true, ..TicketFilter::default() }).await;
    assert_eq!(queue, [phoned.code, old.code, far.code], "most urgent, then oldest");
    let words = |w: &[&str]| TextSearch { code: None, words: w.iter().map(|s| (*s).to_owned()).collect() };
    assert_eq!(list(TicketFilter { text: Some(words(&["menumpuk"])), ..TicketFilter::default() }).await, [old.code]);
    assert_eq!(list(TicketFilter { text: Some(words(&["100%"])), ..TicketFilter::default() }).await, [old.code]);
    assert_eq!(list(TicketFilter { text: Some(words(&["_"])), ..TicketFilter::default() }).await, [phoned.code]);
    assert!(list(TicketFilter { text: Some(words(&["10_%"])), ..TicketFilter::default() }).await.is_empty());
    let code = TextSearch { code: Some(far.code.compact().to_owned()), words: vec!["x".into()] };
    assert_eq!(list(TicketFilter { text: Some(code), ..TicketFilter::default() }).await, [far.code]);
    let by =
        TicketFilter { channel: Some(Channel::Telepon), priority: Some(Priority::Darurat), ..TicketFilter::default() };
    assert_eq!(list(by).await, [phoned.code]);

    let near = b
        .store
        .tickets_in_box(&old.code, "sampah", &[Status::Received], (1.44, 1.45), (125.19, 125.20))
        .await
        .expect("reads");
    assert_eq!(near.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(), [phoned.code.compact()]);
    assert_eq!(near[0].agency, "dlh");
}

async fn the_standby_roster_and_who_takes_a_forwarded_ticket(b: Backend) {
    let s = &b.store;
    for (name, agency) in [("dlh.andi", "dlh"), ("dlh.budi", "dlh"), ("bpbd.citra", "bpbd")] {
        s.add_staff(&staff(name, "hash", Role::Agency, Some(agency)), audit(T0)).await.expect("added");
    }
    let names = ["dlh.budi".to_owned(), "bpbd.citra".to_owned(), "nobody".to_owned()];
    assert_eq!(s.agency_staff_among("dlh", &names).await.expect("reads"), ["dlh.budi"]);
    let slot = StandbyRecord {
        agency: "dlh".into(),
        date: "2026-12-01".into(),
        shift: Shift::Pagi,
        officers: vec!["dlh.budi".into(), "dlh.andi".into()],
    };
    s.set_standby(&slot, AuditEntry::new(T0, "admin", AuditAction::StandbySet, "dlh 2026-12-01 pagi"))
        .await
        .expect("set");
    let night = StandbyRecord { shift: Shift::Malam, officers: vec!["dlh.andi".into()], ..slot.clone() };
    s.set_standby(&night, AuditEntry::new(T0, "admin", AuditAction::StandbySet, "x")).await.expect("set");
    assert_eq!(s.standby(None, "2026-12-01", "2026-12-01").await.expect("reads"), [slot.clone(), night.clone()]);
    assert!(s.standby(Some("bpbd"), "2026-11-01", "2026-12-31").await.expect("reads").is_empty());
    // Setting again replaces; an empty list clears.
    let cleared = StandbyRecord { officers: Vec::new(), ..night };
    s.set_standby(&cleared, AuditEntry::new(T0, "admin", AuditAction::StandbySet, "x")).await.expect("set");
    assert_eq!(s.standby(None, "2026-12-01", "2026-12-02").await.expect("reads"), [slot]);

    // `change` runs in the 2026-12-01 morning shift: dlh.budi is first.
    let t = create(&b, new_ticket(&crate::common::valid_report(), T0)).await;
    s.change_ticket(&t.code, change(&json!({"revision": 1, "status": "verified"}), T0 + 1)).await.expect("ok");
    let forwarded =
        s.change_ticket(&t.code, change(&json!({"revision": 2, "status": "assigned"}), T0 + 2)).await.expect("ok");
    assert_eq!(forwarded.ticket.assignee.as_deref(), Some("dlh.budi"));
    assert_eq!(forwarded.event.assignee.as_deref(), Some("dlh.budi"));
    let moved = s.change_ticket(&t.code, change(&json!({"revision": 3, "agency": "bpbd"}), T0 + 3)).await.expect("ok");
    assert_eq!(
        (moved.ticket.assignee, moved.event.assignee.as_deref()),
        (None, Some("")),
        "no DLH officer on a BPBD ticket"
    );
    let naming = change(&json!({"revision": 4, "assignee": "bpbd.citra"}), T0 + 4);
    assert_eq!(s.change_ticket(&t.code, naming).await.expect("ok").ticket.assignee.as_deref(), Some("bpbd.citra"));
}

/// An active webhook endpoint of DLH, as the CLI adds it.
async fn dlh_endpoint(s: &SharedStore) -> i64 {
    s.add_webhook("dlh", "http://127.0.0.1:9/hook", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", T0, "cli")
        .await
        .expect("endpoint added")
        .id
}

async fn webhook_outbox_rows_go_with_their_change(b: Backend) {
    let s = &b.store;
    let endpoint = dlh_endpoint(s).await;
    let t = create(&b, new_ticket(&crate::common::valid_report(), T0)).await;
    assert_eq!(t.agency, "dlh");
    s.change_ticket(&t.code, change(&json!({"revision": 1, "status": "verified"}), T0 + 1)).await.expect("changed");
    let rows = s.deliveries(None, 10).await.expect("read");
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].endpoint_id, rows[0].event_type.as_str()), (endpoint, "ticket.changed"));
    assert_eq!(rows[0].next_attempt_at, T0 + 1, "due at once");
    // A refused change and a change whose transaction fails write no message.
    let refused = s.change_ticket(&t.code, change(&json!({"revision": 2, "status": "closed"}), T0 + 2)).await;
    assert!(refused.is_err());
    refuse_audit_entries(&b).await;
    let failed = s.change_ticket(&t.code, change(&json!({"revision": 2, "status": "assigned"}), T0 + 3)).await;
    assert!(failed.is_err());
    assert_eq!(s.deliveries(None, 10).await.expect("read").len(), 1, "no half-written change");
}

async fn webhook_claims_are_exclusive_and_leased(b: Backend) {
    use portal112_core::staff::DeliveryState;
    use portal112_server::store::DeliveryAttempt;
    let s = &b.store;
    dlh_endpoint(s).await;
    dlh_endpoint(s).await;
    for i in 0..10 {
        let t = create(&b, new_ticket(&crate::common::valid_report(), T0)).await;
        s.change_ticket(&t.code, change(&json!({"revision": 1, "status": "verified"}), T0 + i)).await.expect("changed");
    }
    assert_eq!(s.deliveries(None, 100).await.expect("read").len(), 20);
    assert!(s.claim_deliveries(T0 - 1, 60_000, 100).await.expect("claims").is_empty(), "nothing due yet");
    // Two instances claiming at once never get the same row.
    let other = portal112_server::store::open(&b.url).await.expect("a second instance");
    let now = T0 + 100;
    let claims = (0..4).map(|i| {
        let store = if i % 2 == 0 { s.clone() } else { other.clone() };
        tokio::spawn(async move { store.claim_deliveries(now, 60_000, 6).await.expect("claims") })
    });
    let mut seen = HashSet::new();
    for claim in claims {
        for d in claim.await.expect("task") {
            assert!(seen.insert(d.id.clone()), "{} claimed twice", d.id);
            assert!(d.payload.contains("\"type\":\"ticket.changed\""), "the body as sent");
        }
    }
    let rest = s.claim_deliveries(now, 60_000, 100).await.expect("claims");
    for d in &rest {
        assert!(seen.insert(d.id.clone()), "{} claimed twice", d.id);
    }
    assert_eq!(seen.len(), 20);
    // Claimed rows stay with their worker until the lease ends.
    assert!(s.claim_deliveries(now + 59_999, 60_000, 100).await.expect("claims").is_empty());
    assert_eq!(s.next_delivery_due().await.expect("due"), Some(now + 60_000));
    let again = other.claim_deliveries(now + 60_000, 60_000, 100).await.expect("claims");
    assert_eq!(again.len(), 20, "a dead worker's rows are taken up after the lease");
    let done = &again[0];
    s.record_attempt(&DeliveryAttempt {
        id: done.id.clone(),
        at: now + 60_001,
        state: DeliveryState::Delivered,
        next_attempt_at: now + 60_001,
        status: Some(204),
        error: None,
    })
    .await
    .expect("recorded");
    let delivered = s.deliveries(Some(DeliveryState::Delivered), 100).await.expect("read");
    assert_eq!(delivered.len(), 1);
    assert_eq!((delivered[0].attempts, delivered[0].delivered_at), (1, Some(now + 60_001)));
    let claimed = s.claim_deliveries(now + 200_000, 60_000, 100).await.expect("claims");
    assert_eq!(claimed.len(), 19, "a delivered row is never sent again");
    // A removed endpoint hears nothing more, and what waited for it fails.
    let first = s.webhooks().await.expect("endpoints")[0].id;
    let audit = AuditEntry::new(T0 + 4, "cli", AuditAction::WebhookRemove, first.to_string());
    assert!(s.remove_webhook(first, audit.clone()).await.expect("removed").is_some());
    assert!(s.remove_webhook(first, audit).await.expect("no error").is_none(), "removed once");
    let failed = s.deliveries(Some(DeliveryState::Failed), 100).await.expect("read");
    let delivered_there = usize::from(delivered[0].endpoint_id == first);
    assert_eq!(failed.len(), 10 - delivered_there, "{failed:?}");
    assert!(failed.iter().all(|d| d.endpoint_id == first && d.last_error.as_deref() == Some("endpoint removed")));
    let left = s.claim_deliveries(now + 400_000, 60_000, 100).await.expect("claims");
    assert_eq!(left.len(), 9 + delivered_there, "only the other endpoint's");
}

/// What the public map, the open data and the statistics read, and "me
/// too" counted once per key in its own transaction.
async fn public_rows_statistics_and_supporters(b: Backend) {
    let s = &b.store;
    let at = |category: &str, lat: f64| json!({"category": category, "description": "Isi", "location": {"lat": lat, "lng": 125.1978}});
    let rubbish = create(&b, new_ticket(&at("sampah", 1.4472), T0)).await;
    let secret = create(&b, new_ticket(&at("kekerasan-anak", 1.4472), T0 + 1)).await;
    let flood = create(&b, new_ticket(&at("banjir", 1.50), T0 + 2)).await;
    s.change_ticket(&rubbish.code, change(&json!({"revision": 1, "status": "verified"}), T0 + 60_000))
        .await
        .expect("ok");

    let all = s.public_rows().await.expect("reads");
    assert_eq!(all.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(), [flood.code.compact(), rubbish.code.compact()]);
    assert_eq!(all[1].status, Status::Verified);

    let stats = s.stats_rows().await.expect("reads");
    assert_eq!(stats.len(), 3, "confidential tickets count in the figures");
    let row = stats.iter().find(|r| r.category == "sampah").expect("the rubbish");
    assert_eq!((row.first_response_at, row.resolved_at), (Some(T0 + 60_000), None));

    let first = s.add_supporter(&rubbish.code, "key-a", T0 + 2).await.expect("joins");
    let again = s.add_supporter(&rubbish.code, "key-a", T0 + 3).await.expect("joins");
    let other = s.add_supporter(&rubbish.code, "key-b", T0 + 4).await.expect("joins");
    assert_eq!(
        (first.supporters, first.added, again.supporters, again.added, other.supporters),
        (1, true, 1, false, 2)
    );
    assert_eq!(s.ticket(&rubbish.code).await.expect("reads").expect("there").supporters, 2);
    let refused = s.add_supporter(&secret.code, "key-a", T0).await.expect_err("not public");
    assert!(matches!(refused, StoreError::Rejected(ref e) if e.kind == ErrorKind::TicketNotFound), "{refused:?}");
}
