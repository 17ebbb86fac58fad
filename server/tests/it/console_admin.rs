//! Konsol 112's administration over the real router: accounts (roles, the
//! supervisor, disabling, resets), an agency's staff, reply templates, the
//! audit log and "after" photos — what each role may do, and every refusal
//! with its code and field.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use portal112_core::dto::Role;
use serde_json::{Value, json};

use crate::common::{Multipart, PASSWORD, TestApp, TestResponse, json_request, raw_request, valid_report};

/// A JSON request of any method with a bearer token.
async fn send_as(app: &TestApp, token: &str, method: Method, uri: &str, body: &Value) -> TestResponse {
    let mut request = json_request(method, uri, body);
    request.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {token}").parse().expect("header"));
    app.send(request).await
}

async fn delete_as(app: &TestApp, token: &str, uri: &str) -> TestResponse {
    app.send(
        Request::delete(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

/// A multipart request with a bearer token.
fn with_token(mut request: Request<Body>, token: &str) -> Request<Body> {
    request.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {token}").parse().expect("header"));
    request
}

async fn sign_in_as(app: &TestApp, username: &str, password: &str) -> TestResponse {
    app.post_json("/api/v1/staff/session", &json!({"username": username, "password": password})).await
}

/// The newest audit lines, as a supervisor reads them.
async fn audit(app: &TestApp, token: &str, query: &str) -> Value {
    let response = app.get_as(token, &format!("/api/v1/staff/audit{query}")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    response.json()
}

#[tokio::test]
async fn admins_manage_accounts_and_nobody_else_does() {
    let app = TestApp::new().await;
    let admin = app.staff("admin.rina", Role::Admin, None).await;
    let supervisor = app.staff("spv.yohan", Role::Supervisor, None).await;
    let operator = app.operator().await;
    let agency = app.staff("dlh.andi", Role::Agency, Some("dlh")).await;

    // Only admins list or add accounts.
    for token in [&supervisor, &operator, &agency] {
        app.get_as(token, "/api/v1/staff/accounts").await.assert_error(StatusCode::FORBIDDEN, "forbidden", None);
        let add = json!({"username": "x.baru", "password": PASSWORD, "role": "operator"});
        app.post_json_as(token, "/api/v1/staff/accounts", &add).await.assert_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        );
        send_as(&app, token, Method::PATCH, "/api/v1/staff/accounts/dlh.andi", &json!({"disabled": true}))
            .await
            .assert_error(StatusCode::FORBIDDEN, "forbidden", None);
    }
    app.get("/api/v1/staff/accounts").await.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);

    let list = app.get_as(&admin, "/api/v1/staff/accounts").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    let names: Vec<String> =
        list.json().as_array().expect("a list").iter().map(|a| a["username"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names, ["admin.rina", "dlh.andi", "fixture-operator", "spv.yohan"]);
    assert!(!list.text().contains("argon2"), "no password hash ever leaves");

    // A supervisor account: no agency, signs in, works the whole queue.
    let add = json!({"username": "spv.malam", "password": PASSWORD, "role": "supervisor"});
    let added = app.post_json_as(&admin, "/api/v1/staff/accounts", &add).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    let body = added.json();
    assert_eq!(
        (body["username"].as_str(), body["role"].as_str(), body["disabled"].as_bool()),
        (Some("spv.malam"), Some("supervisor"), Some(false))
    );
    assert!(body.get("agency").is_none() && body["created_at"].as_str().is_some_and(|t| t.ends_with("+08:00")));
    assert_eq!(sign_in_as(&app, "spv.malam", PASSWORD).await.status, StatusCode::CREATED);

    // Refusals name their field.
    let cases = [
        (
            json!({"username": "spv.malam", "password": PASSWORD, "role": "operator"}),
            StatusCode::CONFLICT,
            "username_taken",
            Some("username"),
        ),
        (
            json!({"username": "a b", "password": PASSWORD, "role": "operator"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "username_invalid",
            Some("username"),
        ),
        (
            json!({"username": "baru1", "password": "pendek", "role": "operator"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "password_too_short",
            Some("password"),
        ),
        (
            json!({"username": "baru1", "password": PASSWORD, "role": "agency"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "required",
            Some("agency"),
        ),
        (
            json!({"username": "baru1", "password": PASSWORD, "role": "agency", "agency": "dinas-x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_agency",
            Some("agency"),
        ),
        (
            json!({"username": "baru1", "password": PASSWORD, "role": "supervisor", "agency": "dlh"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("agency"),
        ),
        (
            json!({"username": "baru1", "password": PASSWORD, "role": "raja"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("role"),
        ),
        (
            json!({"username": "baru1", "password": PASSWORD}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "required",
            Some("role"),
        ),
    ];
    for (body, status, code, field) in cases {
        app.post_json_as(&admin, "/api/v1/staff/accounts", &body).await.assert_error(status, code, field);
    }
    let taken = app
        .post_json_as(
            &admin,
            "/api/v1/staff/accounts",
            &json!({"username": "spv.malam", "password": PASSWORD, "role": "admin"}),
        )
        .await;
    assert!(taken.json()["error"]["message"].as_str().unwrap().contains("sudah dipakai"));
    let form = raw_request(Method::POST, "/api/v1/staff/accounts", "text/plain", "x");
    app.send(with_token(form, &admin)).await.assert_error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        None,
    );

    // Changes: role and agency by the same rules.
    let to_agency =
        send_as(&app, &admin, Method::PATCH, "/api/v1/staff/accounts/spv.malam", &json!({"role": "agency"})).await;
    to_agency.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "required", Some("agency"));
    let moved = send_as(
        &app,
        &admin,
        Method::PATCH,
        "/api/v1/staff/accounts/spv.malam",
        &json!({"role": "agency", "agency": "bpbd"}),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text());
    assert_eq!((moved.json()["role"].as_str(), moved.json()["agency"].as_str()), (Some("agency"), Some("bpbd")));
    let back =
        send_as(&app, &admin, Method::PATCH, "/api/v1/staff/accounts/spv.malam", &json!({"role": "supervisor"})).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text());
    assert!(back.json().get("agency").is_none(), "a supervisor has no agency");
    send_as(&app, &admin, Method::PATCH, "/api/v1/staff/accounts/spv.malam", &json!({"password": "pendek"}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "password_too_short", Some("password"));
    send_as(&app, &admin, Method::PATCH, "/api/v1/staff/accounts/siapa", &json!({"disabled": true}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found", Some("username"));
    send_as(&app, &admin, Method::PATCH, "/api/v1/staff/accounts/spv.malam", &json!({"nama": "x"})).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_value",
        Some("nama"),
    );

    // An admin keeps their own account and role.
    let own =
        send_as(&app, &admin, Method::PATCH, "/api/v1/staff/accounts/admin.rina", &json!({"disabled": true})).await;
    own.assert_error(StatusCode::CONFLICT, "own_account", Some("disabled"));
    send_as(&app, &admin, Method::PATCH, "/api/v1/staff/accounts/admin.rina", &json!({"role": "operator"}))
        .await
        .assert_error(StatusCode::CONFLICT, "own_account", Some("role"));
    assert_eq!(app.get_as(&admin, "/api/v1/staff/accounts").await.status, StatusCode::OK, "still an admin");

    let actions: Vec<String> = audit(&app, &supervisor, "?actor=admin.rina").await["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["staff_change", "staff_change", "staff_add", "login"], "one entry per change made");
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_and_its_sessions_end() {
    let app = TestApp::new().await;
    let admin = app.staff("admin.rina", Role::Admin, None).await;
    let first = app.staff("operator.budi", Role::Operator, None).await;
    let second = app.sign_in("operator.budi").await;
    assert_eq!(app.get_as(&first, "/api/v1/staff/tickets").await.status, StatusCode::OK);

    let disabled =
        send_as(&app, &admin, Method::PATCH, "/api/v1/staff/accounts/operator.budi", &json!({"disabled": true})).await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text());
    assert_eq!(disabled.json()["disabled"], true);
    for token in [&first, &second] {
        app.get_as(token, "/api/v1/staff/tickets").await.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
    }
    // The right password is told why; a wrong one learns nothing new.
    let refused = sign_in_as(&app, "operator.budi", PASSWORD).await;
    let body = refused.assert_error(StatusCode::FORBIDDEN, "account_disabled", None);
    assert_eq!(body["error"]["message"], "Akun ini dinonaktifkan. Hubungi admin.");
    let mut english = json_request(
        Method::POST,
        "/api/v1/staff/session",
        &json!({"username": "operator.budi", "password": PASSWORD}),
    );
    english.headers_mut().insert(header::ACCEPT_LANGUAGE, "en".parse().expect("header"));
    let english = app.send(english).await;
    assert_eq!(english.json()["error"]["message"], "This account is disabled. Ask an administrator.");
    sign_in_as(&app, "operator.budi", "bukan-kata-sandinya").await.assert_error(
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
        None,
    );

    // A disabled agency account leaves its agency's list.
    app.add_staff("dlh.andi", Role::Agency, Some("dlh")).await;
    app.add_staff("dlh.sari", Role::Agency, Some("dlh")).await;
    send_as(&app, &admin, Method::PATCH, "/api/v1/staff/accounts/dlh.sari", &json!({"disabled": true})).await;
    let listed = app.get_as(&admin, "/api/v1/staff/agencies/dlh/staff").await;
    assert_eq!(listed.json(), json!(["dlh.andi"]));

    // Enabled again, with a new password that ends any session the old one opened.
    let enabled =
        send_as(&app, &admin, Method::PATCH, "/api/v1/staff/accounts/operator.budi", &json!({"disabled": false})).await;
    assert_eq!(enabled.json()["disabled"], false);
    let again = app.sign_in("operator.budi").await;
    let reset = send_as(
        &app,
        &admin,
        Method::PATCH,
        "/api/v1/staff/accounts/operator.budi",
        &json!({"password": "kata-sandi-baru-112"}),
    )
    .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text());
    app.get_as(&again, "/api/v1/staff/tickets").await.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
    sign_in_as(&app, "operator.budi", PASSWORD).await.assert_error(StatusCode::UNAUTHORIZED, "bad_credentials", None);
    assert_eq!(sign_in_as(&app, "operator.budi", "kata-sandi-baru-112").await.status, StatusCode::CREATED);

    let lines = audit(&app, &admin, "?target=operator.budi").await;
    let actions: Vec<&str> =
        lines["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["staff_password_reset", "staff_enable", "staff_disable", "staff_add"]);
    let refusals = audit(&app, &admin, "?action=login_refused").await;
    assert_eq!(refusals["total"], 2, "both refused sign-ins of the disabled account: {refusals}");
    assert_eq!(refusals["entries"][0]["target"], "account disabled");
}

#[tokio::test]
async fn an_agencys_staff_for_whoever_assigns_its_tickets() {
    let app = TestApp::new().await;
    app.add_staff("dlh.sari", Role::Agency, Some("dlh")).await;
    let dlh = app.staff("dlh.andi", Role::Agency, Some("dlh")).await;
    app.add_staff("bpbd.tono", Role::Agency, Some("bpbd")).await;
    let operator = app.operator().await;
    let supervisor = app.staff("spv.yohan", Role::Supervisor, None).await;

    for token in [&operator, &supervisor, &dlh] {
        let listed = app.get_as(token, "/api/v1/staff/agencies/dlh/staff").await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
        assert_eq!(listed.json(), json!(["dlh.andi", "dlh.sari"]));
    }
    assert_eq!(app.get_as(&operator, "/api/v1/staff/agencies/dinsos/staff").await.json(), json!([]));
    app.get_as(&dlh, "/api/v1/staff/agencies/bpbd/staff").await.assert_error(
        StatusCode::NOT_FOUND,
        "not_found",
        Some("agency"),
    );
    app.get_as(&operator, "/api/v1/staff/agencies/dinas-x/staff").await.assert_error(
        StatusCode::NOT_FOUND,
        "not_found",
        Some("agency"),
    );
    app.get("/api/v1/staff/agencies/dlh/staff").await.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
}

#[tokio::test]
async fn reply_templates_are_read_by_staff_and_kept_by_admins() {
    let app = TestApp::new().await;
    let admin = app.staff("admin.rina", Role::Admin, None).await;
    let agency = app.staff("dlh.andi", Role::Agency, Some("dlh")).await;
    let supervisor = app.staff("spv.yohan", Role::Supervisor, None).await;

    // The seeds, by status then title.
    let seeded = app.get_as(&agency, "/api/v1/staff/templates").await;
    assert_eq!(seeded.status, StatusCode::OK, "{}", seeded.text());
    let seeded = seeded.json();
    let list = seeded.as_array().expect("a list");
    let keys: Vec<(String, String)> = list
        .iter()
        .map(|t| (t["status"].as_str().unwrap().to_owned(), t["title"].as_str().unwrap().to_owned()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    for title in ["Bukan wewenang Pemerintah Kota", "Informasi kurang lengkap", "Menunggu informasi dari pelapor"] {
        assert!(keys.iter().any(|(_, t)| t == title), "{title} is seeded");
    }
    for status in ["verified", "rejected", "on_hold", "in_progress", "resolved", "closed"] {
        assert!(keys.iter().any(|(s, _)| s == status), "a template for {status}");
    }

    let input = json!({"status": "resolved", "title": "Pohon sudah dipotong", "text": "Pohon tumbang sudah dipotong dan dibersihkan."});
    for token in [&agency, &supervisor] {
        app.post_json_as(token, "/api/v1/staff/templates", &input).await.assert_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        );
    }
    let added = app.post_json_as(&admin, "/api/v1/staff/templates", &input).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    let id = added.json()["id"].as_i64().expect("id");
    assert_eq!(added.json()["title"], "Pohon sudah dipotong");

    let changed = send_as(
        &app,
        &admin,
        Method::PUT,
        &format!("/api/v1/staff/templates/{id}"),
        &json!({"status": "closed", "title": "  Ditutup: pohon  ", "text": "Selesai."}),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
    assert_eq!(changed.json(), json!({"id": id, "status": "closed", "title": "Ditutup: pohon", "text": "Selesai."}));
    send_as(&app, &supervisor, Method::PUT, &format!("/api/v1/staff/templates/{id}"), &input).await.assert_error(
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );

    let bad = [
        (json!({"status": "resolved", "title": "", "text": "x"}), "required", "title"),
        (json!({"status": "resolved", "title": "x".repeat(81), "text": "x"}), "too_long", "title"),
        (json!({"status": "resolved", "title": "x", "text": " "}), "required", "text"),
        (json!({"status": "resolved", "title": "x", "text": "x".repeat(2001)}), "too_long", "text"),
        (json!({"status": "selesai", "title": "x", "text": "x"}), "invalid_value", "status"),
        (json!({"title": "x", "text": "x"}), "required", "status"),
    ];
    for (body, code, field) in bad {
        app.post_json_as(&admin, "/api/v1/staff/templates", &body).await.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            Some(field),
        );
        send_as(&app, &admin, Method::PUT, &format!("/api/v1/staff/templates/{id}"), &body).await.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            code,
            Some(field),
        );
    }
    send_as(&app, &admin, Method::PUT, "/api/v1/staff/templates/999999", &input).await.assert_error(
        StatusCode::NOT_FOUND,
        "not_found",
        Some("id"),
    );
    send_as(&app, &admin, Method::PUT, "/api/v1/staff/templates/abc", &input).await.assert_error(
        StatusCode::NOT_FOUND,
        "not_found",
        Some("id"),
    );

    delete_as(&app, &supervisor, &format!("/api/v1/staff/templates/{id}")).await.assert_error(
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    assert_eq!(delete_as(&app, &admin, &format!("/api/v1/staff/templates/{id}")).await.status, StatusCode::NO_CONTENT);
    delete_as(&app, &admin, &format!("/api/v1/staff/templates/{id}")).await.assert_error(
        StatusCode::NOT_FOUND,
        "not_found",
        Some("id"),
    );
    assert_eq!(app.get_as(&agency, "/api/v1/staff/templates").await.json(), seeded, "back to the seeds");
    app.get("/api/v1/staff/templates").await.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);

    let lines = audit(&app, &supervisor, "?actor=admin.rina&page_size=3").await;
    let actions: Vec<&str> =
        lines["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["template_remove", "template_change", "template_add"]);
}

#[tokio::test]
async fn the_audit_log_is_for_supervisors_and_admins() {
    let app = TestApp::new().await;
    let supervisor = app.staff("spv.yohan", Role::Supervisor, None).await;
    let admin = app.staff("admin.rina", Role::Admin, None).await;
    let operator = app.operator().await;
    let agency = app.staff("dlh.andi", Role::Agency, Some("dlh")).await;
    let code = app.create_report(&valid_report()).await;
    app.move_ticket(&code, &json!({"status": "verified"})).await;

    for token in [&operator, &agency] {
        app.get_as(token, "/api/v1/staff/audit").await.assert_error(StatusCode::FORBIDDEN, "forbidden", None);
    }
    app.get("/api/v1/staff/audit").await.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);

    let all = audit(&app, &admin, "").await;
    assert_eq!((all["page"].as_u64(), all["page_size"].as_u64()), (Some(1), Some(50)));
    let total = all["total"].as_u64().expect("total");
    assert!(total >= 9, "adds, sign-ins and the change: {all}");
    assert_eq!(all["entries"][0]["action"], "ticket_event", "newest first");
    assert!(all["entries"][0]["at"].as_str().is_some_and(|t| t.ends_with("+08:00")));

    // A supervisor works the whole queue as operators do.
    assert_eq!(app.get_as(&supervisor, &format!("/api/v1/staff/tickets/{code}")).await.status, StatusCode::OK);
    let moved = app
        .post_json_as(&supervisor, &format!("/api/v1/staff/tickets/{code}/events"), &json!({"status": "assigned"}))
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.text());

    let compact = code.replace('-', "");
    let ticket = audit(&app, &supervisor, &format!("?target={compact}")).await;
    let targets: Vec<&str> =
        ticket["entries"].as_array().unwrap().iter().map(|e| e["target"].as_str().unwrap()).collect();
    assert_eq!(targets, [format!("{compact}#3"), format!("{compact}#2")]);
    assert_eq!(audit(&app, &supervisor, "?actor=spv.yohan&action=ticket_event").await["total"], 1);

    let paged = audit(&app, &supervisor, "?page=2&page_size=2").await;
    assert_eq!((paged["entries"].as_array().unwrap().len(), paged["total"].as_u64()), (2, Some(total + 1)));
    let future = audit(&app, &supervisor, "?since=2099-01-01T00:00:00%2B08:00").await;
    assert_eq!((future["total"].as_u64(), future["entries"].as_array().unwrap().len()), (Some(0), 0));
    let past = audit(&app, &supervisor, "?until=2000-01-01T00:00:00Z").await;
    assert_eq!(past["total"], 0);

    let bad = [
        ("?action=hack", "action"),
        ("?since=kemarin", "since"),
        ("?until=2026-13-01", "until"),
        ("?page=0", "page"),
        ("?page_size=201", "page_size"),
        ("?page_size=0", "page_size"),
        ("?page=x", "query"),
    ];
    for (query, field) in bad {
        app.get_as(&supervisor, &format!("/api/v1/staff/audit{query}")).await.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some(field),
        );
    }
}

fn photo_upload(code: &str, token: &str, bytes: &[u8]) -> Request<Body> {
    with_token(
        Multipart::new()
            .file("photo", "sesudah.jpg", "image/jpeg", bytes)
            .request(&format!("/api/v1/staff/tickets/{code}/photos")),
        token,
    )
}

#[tokio::test]
async fn after_photos_are_cleaned_limited_and_shown() {
    let app = TestApp::new().await;
    let operator = app.operator().await;
    let dlh = app.staff("dlh.andi", Role::Agency, Some("dlh")).await;
    let bpbd = app.staff("bpbd.tono", Role::Agency, Some("bpbd")).await;
    let supervisor = app.staff("spv.yohan", Role::Supervisor, None).await;
    let code = app.create_report(&valid_report()).await; // rubbish: DLH's
    let exif = crate::common::jpeg_with_gps_exif(64, 48);

    // Another agency's ticket is no ticket to them.
    app.send(photo_upload(&code, &bpbd, &exif)).await.assert_error(StatusCode::NOT_FOUND, "ticket_not_found", None);
    let before = app.get(&format!("/api/v1/tickets/{code}")).await.json();
    assert!(before.get("after_photos").is_none());
    let added = app.send(photo_upload(&code, &dlh, &exif)).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    let ticket = added.json();
    let after = ticket["after_photos"].as_array().expect("after photos").clone();
    assert_eq!(after.len(), 1);
    assert!(ticket["photos"].as_array().unwrap().is_empty(), "the report's photos are apart");
    let photo = app.get(after[0].as_str().unwrap()).await;
    assert_eq!((photo.status, photo.header("content-type")), (StatusCode::OK, Some("image/jpeg")));
    assert!(!crate::common::contains(&photo.body, crate::common::GPS_MARKER), "metadata stripped");

    // Shown publicly, right away (no cached view hides it).
    let public = app.get(&format!("/api/v1/tickets/{code}")).await.json();
    assert_eq!(public["after_photos"], json!(after));

    for token in [&operator, &supervisor] {
        let more = app.send(photo_upload(&code, token, &crate::common::jpeg(32, 32))).await;
        assert_eq!(more.status, StatusCode::CREATED, "{}", more.text());
    }
    let full = app.send(photo_upload(&code, &dlh, &crate::common::jpeg(32, 32))).await;
    let body = full.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "too_many_after_photos", Some("photo"));
    assert!(body["error"]["message"].as_str().unwrap().contains('3'));
    let staff_view = app.get_as(&operator, &format!("/api/v1/staff/tickets/{code}")).await.json();
    assert_eq!(staff_view["after_photos"].as_array().unwrap().len(), 3);

    // Bad uploads.
    let other = app.create_report(&valid_report()).await;
    app.send(photo_upload(&other, &dlh, b"%PDF-1.7 bukan foto")).await.assert_error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "photo_unsupported",
        Some("photo"),
    );
    app.send(photo_upload(&other, &dlh, &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0])).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "photo_unreadable",
        Some("photo"),
    );
    let big = vec![0xFF_u8; portal112_core::validate::PHOTO_MAX_BYTES + 1];
    app.send(photo_upload(&other, &dlh, &big)).await.assert_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "photo_too_large",
        Some("photo"),
    );
    let two = with_token(
        Multipart::new()
            .file("photo", "a.jpg", "image/jpeg", &crate::common::jpeg(8, 8))
            .file("photo", "b.jpg", "image/jpeg", &crate::common::jpeg(8, 8))
            .request(&format!("/api/v1/staff/tickets/{other}/photos")),
        &dlh,
    );
    app.send(two).await.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "too_many_photos", Some("photo"));
    let none = with_token(
        Multipart::new().json("catatan", &json!("x")).request(&format!("/api/v1/staff/tickets/{other}/photos")),
        &dlh,
    );
    app.send(none).await.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "required", Some("photo"));
    let json_body =
        send_as(&app, &dlh, Method::POST, &format!("/api/v1/staff/tickets/{other}/photos"), &json!({})).await;
    json_body.assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", None);
    app.send(photo_upload(&crate::common::random_code().to_string(), &dlh, &crate::common::jpeg(8, 8)))
        .await
        .assert_error(StatusCode::NOT_FOUND, "ticket_not_found", None);
    app.send(photo_upload("bukan-kode", &dlh, &crate::common::jpeg(8, 8))).await.assert_error(
        StatusCode::BAD_REQUEST,
        "ticket_code_malformed",
        Some("code"),
    );
    let anonymous = Multipart::new()
        .file("photo", "a.jpg", "image/jpeg", &crate::common::jpeg(8, 8))
        .request(&format!("/api/v1/staff/tickets/{other}/photos"));
    app.send(anonymous).await.assert_error(StatusCode::UNAUTHORIZED, "unauthorized", None);
    let other_view = app.get_as(&operator, &format!("/api/v1/staff/tickets/{other}")).await.json();
    assert!(other_view.get("after_photos").is_none(), "nothing refused was stored: {other_view}");

    let lines = audit(&app, &supervisor, "?action=ticket_photo_add").await;
    assert_eq!(lines["total"], 3);
    assert_eq!(lines["entries"][2]["actor"], "dlh.andi");
}

#[tokio::test]
async fn after_photos_of_confidential_cases_stay_inside() {
    let app = TestApp::new().await;
    let operator = app.operator().await;
    let report = json!({
        "category": "kekerasan-anak",
        "description": "Anak tetangga sering dipukul.",
        "location": {"lat": 1.4512, "lng": 125.1834},
    });
    let code = app.create_report(&report).await;
    let added = app.send(photo_upload(&code, &operator, &crate::common::jpeg(16, 16))).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    let url = added.json()["after_photos"][0].as_str().expect("a photo").to_owned();
    let public = app.get(&format!("/api/v1/tickets/{code}")).await;
    assert!(public.json().get("after_photos").is_none() && !public.text().contains(&url));
    app.get(&url).await.assert_error(StatusCode::NOT_FOUND, "not_found", None);
}
