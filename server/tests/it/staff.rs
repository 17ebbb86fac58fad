//! The staff side: sessions, the ticket list with its filters, what each role
//! may see and do.

use crate::common::{PASSWORD, TestApp, json_request, valid_report};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use portal112_core::dto::Role;
use portal112_server::auth::secret_hash;
use portal112_server::store::{AuditAction, AuditEntry};
use portal112_server::view::now_millis;
use serde_json::{Value, json};

const HOUR_MS: i64 = 3600 * 1000;

fn sign_out(token: &str) -> Request<Body> {
    Request::delete("/api/v1/staff/session")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request")
}

#[tokio::test]
async fn sign_in_use_and_sign_out() {
    let app = TestApp::new().await;
    app.add_staff("operator.budi", Role::Operator, None).await;

    let response =
        app.post_json("/api/v1/staff/session", &json!({"username": "operator.budi", "password": PASSWORD})).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let session = response.json();
    let token = session["token"].as_str().expect("token").to_owned();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(session["username"], "operator.budi");
    assert_eq!(session["role"], "operator");
    assert!(session.get("agency").is_none());
    assert!(session["expires_at"].as_str().is_some_and(|t| t.ends_with("+08:00")));

    assert_eq!(app.get_as(&token, "/api/v1/staff/tickets").await.status, StatusCode::OK);

    let out = app.send(sign_out(&token)).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let after = app.get_as(&token, "/api/v1/staff/tickets").await;
    after.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
    assert_eq!(after.header("www-authenticate"), Some("Bearer"));
    app.send(sign_out(&token)).await.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
}

#[tokio::test]
async fn wrong_credentials_are_refused_alike() {
    let app = TestApp::new().await;
    app.add_staff("operator.budi", Role::Operator, None).await;
    let wrong_password = app
        .post_json("/api/v1/staff/session", &json!({"username": "operator.budi", "password": "bukan-kata-sandinya"}))
        .await;
    let body = wrong_password.assert_error(StatusCode::UNAUTHORIZED, "bad_credentials", None);
    assert_eq!(body["error"]["message"], "Nama pengguna atau kata sandi salah.");
    assert!(body.get("token").is_none());
    let unknown_user =
        app.post_json("/api/v1/staff/session", &json!({"username": "siapa", "password": PASSWORD})).await;
    let other = unknown_user.assert_error(StatusCode::UNAUTHORIZED, "bad_credentials", None);
    assert_eq!(other, body, "an unknown user is told exactly what a wrong password is");

    app.post_json("/api/v1/staff/session", &json!({"username": "operator.budi"})).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "required",
        Some("password"),
    );
    let form =
        crate::common::raw_request(Method::POST, "/api/v1/staff/session", "application/x-www-form-urlencoded", "a=b");
    app.send(form).await.assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", None);
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_client() {
    let app = TestApp::with_settings(|s| {
        s.login_rate_per_minute = 2;
        s.trust_proxy = true;
    })
    .await;
    app.add_staff("operator.budi", Role::Operator, None).await;
    let attempt = |from: &str| {
        let mut r = json_request(
            Method::POST,
            "/api/v1/staff/session",
            &json!({"username": "operator.budi", "password": "tebak"}),
        );
        r.headers_mut().insert("x-forwarded-for", from.parse().expect("header"));
        r
    };
    for _ in 0..2 {
        app.send(attempt("203.0.113.9")).await.assert_error(StatusCode::UNAUTHORIZED, "bad_credentials", None);
    }
    let limited = app.send(attempt("203.0.113.9")).await;
    limited.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", None);
    assert!(limited.header("retry-after").and_then(|s| s.parse::<u64>().ok()).is_some_and(|s| s >= 1));
    app.send(attempt("203.0.113.10")).await.assert_error(StatusCode::UNAUTHORIZED, "bad_credentials", None);
}

#[tokio::test]
async fn expired_and_unknown_tokens_are_refused() {
    let app = TestApp::new().await;
    let id = app.add_staff("operator.budi", Role::Operator, None).await;
    let now = now_millis();
    let expired = "e".repeat(64);
    let login = |at| AuditEntry::new(at, "operator.budi", AuditAction::Login, "");
    app.store
        .create_session(&secret_hash(&expired), id, now - HOUR_MS, login(now - 13 * HOUR_MS))
        .await
        .expect("session");
    let live = "a".repeat(64);
    app.store.create_session(&secret_hash(&live), id, now + HOUR_MS, login(now)).await.expect("session");

    assert_eq!(app.get_as(&live, "/api/v1/staff/tickets").await.status, StatusCode::OK);
    let body = app.get_as(&expired, "/api/v1/staff/tickets").await.assert_error(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        None,
    );
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("sesi"), "{body}");
    app.get_as(&"0".repeat(64), "/api/v1/staff/tickets").await.assert_error(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        None,
    );
    app.get("/api/v1/staff/tickets").await.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
    let basic = Request::get("/api/v1/staff/tickets")
        .header(header::AUTHORIZATION, "Basic b3BlcmF0b3I6cGFzcw==")
        .body(Body::empty())
        .expect("request");
    app.send(basic).await.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
}

fn report(category: &str) -> Value {
    let mut r = valid_report();
    r["category"] = json!(category);
    r
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn codes(page: &Value) -> Vec<String> {
    page["tickets"].as_array().expect("tickets").iter().map(|t| t["code"].as_str().expect("code").to_owned()).collect()
}

#[tokio::test]
async fn ticket_list_filters_and_pages() {
    let app = TestApp::new().await;
    let old = app.insert_ticket_at(&report("pohon-tumbang"), now_millis() - 48 * HOUR_MS).await;
    let sampah = app.create_report(&report("sampah")).await;
    let banjir = app.create_report(&report("banjir")).await;
    let lampu = app.create_report(&report("lampu-jalan")).await;
    let checked = app.create_report(&report("sampah")).await;
    app.move_ticket(&checked, &json!({"status": "verified"})).await;
    let op = app.operator().await;
    let list = |query: &str| {
        let (app, op) = (&app, &op);
        let uri = format!("/api/v1/staff/tickets{query}");
        async move {
            let response = app.get_as(op, &uri).await;
            assert_eq!(response.status, StatusCode::OK, "{uri}: {}", response.text());
            response.json()
        }
    };

    let all = list("").await;
    assert_eq!((all["total"].as_u64(), all["page"].as_u64(), all["page_size"].as_u64()), (Some(5), Some(1), Some(50)));
    assert_eq!(codes(&all).last(), Some(&old), "newest first");
    let first = &all["tickets"][0];
    assert!(first["summary"].as_str().is_some_and(|s| s.starts_with("Sampah menumpuk")));

    let verified = list("?status=verified").await;
    assert_eq!(codes(&verified), vec![checked.clone()]);
    assert_eq!(verified["tickets"][0]["status"], "verified");
    assert_eq!(sorted(codes(&list("?agency=dlh").await)), sorted(vec![sampah.clone(), checked.clone(), old.clone()]));
    assert_eq!(sorted(codes(&list("?category=sampah").await)), sorted(vec![sampah.clone(), checked.clone()]));
    assert_eq!(codes(&list("?category=banjir&agency=bpbd").await), vec![banjir.clone()]);
    assert_eq!(codes(&list("?category=banjir&agency=dlh").await), Vec::<String>::new());
    assert_eq!(codes(&list("?status=received&agency=dishub").await), vec![lampu.clone()]);

    let an_hour_ago = portal112_server::view::format_time(&app.state.city, now_millis() - HOUR_MS);
    let recent = list(&format!("?since={}", crate::common::encode(&an_hour_ago))).await;
    assert_eq!(recent["total"], 4);
    assert!(!codes(&recent).contains(&old));
    let in_an_hour = portal112_server::view::format_time(&app.state.city, now_millis() + HOUR_MS);
    assert_eq!(list(&format!("?since={}", crate::common::encode(&in_an_hour))).await["total"], 0);

    // Pages: 2 + 2 + 1, every ticket once, the oldest last.
    let mut seen = Vec::new();
    for page in 1..=3 {
        let p = list(&format!("?page={page}&page_size=2")).await;
        assert_eq!((p["total"].as_u64(), p["page"].as_u64(), p["page_size"].as_u64()), (Some(5), Some(page), Some(2)));
        seen.extend(codes(&p));
    }
    assert_eq!(seen, codes(&all));
    assert_eq!(codes(&list("?page=4&page_size=2").await), Vec::<String>::new());
}

#[tokio::test]
async fn ticket_list_refuses_bad_filters() {
    let app = TestApp::new().await;
    let op = app.operator().await;
    for (query, code, field) in [
        ("status=done", "invalid_value", "status"),
        ("agency=polisi", "unknown_agency", "agency"),
        ("category=ufo", "unknown_category", "category"),
        ("since=kemarin", "invalid_value", "since"),
        ("page=0", "invalid_value", "page"),
        ("page_size=0", "invalid_value", "page_size"),
        ("page_size=201", "invalid_value", "page_size"),
        ("page=satu", "invalid_value", "query"),
    ] {
        let response = app.get_as(&op, &format!("/api/v1/staff/tickets?{query}")).await;
        response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, code, Some(field));
    }
}

#[tokio::test]
async fn agency_staff_list_only_their_agency() {
    let app = TestApp::new().await;
    let mine = app.create_report(&report("sampah")).await;
    app.create_report(&report("banjir")).await;
    let dlh = app.staff("dlh.sari", Role::Agency, Some("dlh")).await;
    let page = app.get_as(&dlh, "/api/v1/staff/tickets").await.json();
    assert_eq!(codes(&page), vec![mine]);
    assert_eq!(app.get_as(&dlh, "/api/v1/staff/tickets?agency=dlh").await.json()["total"], 1);
    app.get_as(&dlh, "/api/v1/staff/tickets?agency=bpbd").await.assert_error(StatusCode::FORBIDDEN, "forbidden", None);
}

fn with_contact() -> Value {
    let mut r = valid_report();
    r["contact"] = json!({"name": "Budi Santoso", "phone": "0812-3456-7890", "email": "budi@contoh.id"});
    r
}

#[tokio::test]
async fn contact_is_shown_to_operators_and_admins_only() {
    let app = TestApp::new().await;
    let code = app.create_report(&with_contact()).await;
    let expected = json!({"name": "Budi Santoso", "phone": "+6281234567890", "email": "budi@contoh.id"});
    let operator = app.operator().await;
    let admin = app.staff("admin.rina", Role::Admin, None).await;
    let dlh = app.staff("dlh.sari", Role::Agency, Some("dlh")).await;
    let uri = format!("/api/v1/staff/tickets/{code}");

    for token in [&operator, &admin] {
        let t = app.get_as(token, &uri).await;
        assert_eq!(t.status, StatusCode::OK);
        let t = t.json();
        assert_eq!(t["contact"], expected);
        assert_eq!(t["anonymous"], false);
        assert_eq!(t["source"], "web");
        assert_eq!(t["description"], "Sampah menumpuk di depan pasar sejak tiga hari.");
        assert_eq!(t["accuracy_m"], 12.0);
    }
    let agency = app.get_as(&dlh, &uri).await;
    assert_eq!(agency.status, StatusCode::OK);
    assert!(agency.json().get("contact").is_none(), "{}", agency.text());
    for secret in ["Budi", "3456", "budi@contoh.id"] {
        assert!(!agency.text().contains(secret), "{secret} reached agency staff");
    }

    // An anonymous report keeps no contact, even for operators.
    let mut anonymous = with_contact();
    anonymous["anonymous"] = json!(true);
    let code = app.create_report(&anonymous).await;
    let t = app.get_as(&operator, &format!("/api/v1/staff/tickets/{code}")).await.json();
    assert_eq!(t["anonymous"], true);
    assert!(t.get("contact").is_none());
}

/// Who may read and move a DLH ticket.
#[tokio::test]
async fn authorization_matrix() {
    let app = TestApp::new().await;
    let code = app.create_report(&report("sampah")).await;
    let ticket_uri = format!("/api/v1/staff/tickets/{code}");
    let events_uri = format!("/api/v1/staff/tickets/{code}/events");
    let note = json!({"internal_note": "cek lokasi"});

    // Anonymous.
    app.get(&ticket_uri).await.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
    app.post_json(&events_uri, &note).await.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
    app.post_json(&events_uri, &json!("not even an update")).await.assert_error(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        None,
    );

    // Another agency: to them the ticket does not exist.
    let bpbd = app.staff("bpbd.andi", Role::Agency, Some("bpbd")).await;
    app.get_as(&bpbd, &ticket_uri).await.assert_error(StatusCode::NOT_FOUND, "ticket_not_found", None);
    app.post_json_as(&bpbd, &events_uri, &json!({"status": "verified"})).await.assert_error(
        StatusCode::NOT_FOUND,
        "ticket_not_found",
        None,
    );
    app.get_as(&bpbd, &format!("{ticket_uri}/nearby")).await.assert_error(
        StatusCode::NOT_FOUND,
        "ticket_not_found",
        None,
    );
    assert_eq!(app.get(&format!("/api/v1/tickets/{code}")).await.json()["status"], "received", "nothing changed");

    // The right agency, an operator, an admin.
    let dlh = app.staff("dlh.sari", Role::Agency, Some("dlh")).await;
    let admin = app.staff("admin.rina", Role::Admin, None).await;
    let operator = app.operator().await;
    for (token, status) in [(&dlh, "verified"), (&operator, "assigned"), (&admin, "in_progress")] {
        assert_eq!(app.get_as(token, &ticket_uri).await.status, StatusCode::OK);
        let moved = app.post_json_as(token, &events_uri, &json!({"status": status})).await;
        assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.text());
        assert_eq!(moved.json()["status"], status);
    }
    let t = app.get_as(&operator, &ticket_uri).await.json();
    let actors: Vec<&str> =
        t["events"].as_array().expect("events").iter().filter_map(|e| e["actor"].as_str()).collect();
    assert_eq!(actors, vec!["web", "dlh.sari", "fixture-operator", "admin.rina"]);

    // Agency staff hand tickets back with a note; only the call centre reassigns.
    for update in [json!({"agency": "bpbd"}), json!({"agency": "dlh"}), json!({"status": "resolved", "agency": "bpbd"})]
    {
        app.post_json_as(&dlh, &events_uri, &update).await.assert_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            Some("agency"),
        );
    }
    assert_eq!(app.get_as(&operator, &ticket_uri).await.json()["agency"]["code"], "dlh");

    // The operator reassigns: the ticket changes hands.
    let moved = app
        .post_json_as(&operator, &events_uri, &json!({"agency": "bpbd", "public_note": "Diteruskan ke BPBD."}))
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.text());
    assert_eq!(moved.json()["agency"]["code"], "bpbd");
    app.get_as(&dlh, &ticket_uri).await.assert_error(StatusCode::NOT_FOUND, "ticket_not_found", None);
    assert_eq!(app.get_as(&bpbd, &ticket_uri).await.status, StatusCode::OK);
    let public = app.get(&format!("/api/v1/tickets/{code}")).await.json();
    assert_eq!(public["agency"]["code"], "bpbd");
    let last = public["timeline"].as_array().and_then(|t| t.last()).expect("an entry").clone();
    assert_eq!(last["agency"]["code"], "bpbd");
    assert_eq!(last["note"], "Diteruskan ke BPBD.");
    app.post_json_as(&operator, &events_uri, &json!({"agency": "polisi"})).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_agency",
        Some("agency"),
    );
}
