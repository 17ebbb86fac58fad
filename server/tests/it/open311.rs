//! Open311 GeoReport v2: discovery, services, filing requests with an API key,
//! and reading them back, in JSON and XML.

use crate::common::{TestApp, TestResponse, encode, parse_xml, raw_request, valid_report};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use portal112_server::view::{format_time, now_millis};
use serde_json::{Value, json};

const DAY_MS: i64 = 24 * 3600 * 1000;

fn form(uri: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let body = serde_urlencoded::to_string(fields).expect("form");
    raw_request(Method::POST, uri, "application/x-www-form-urlencoded", body)
}

/// Asserts the specification's error list: `[{"code": status, "description": ...}]`.
fn assert_open311_error(response: &TestResponse, status: StatusCode) -> String {
    assert_eq!(response.status, status, "{}", response.text());
    let body = response.json();
    let items = body.as_array().unwrap_or_else(|| panic!("an error list: {body}"));
    assert_eq!(items.len(), 1, "{body}");
    assert_eq!(items[0]["code"], status.as_u16(), "{body}");
    let description = items[0]["description"].as_str().expect("description").to_owned();
    assert!(!description.is_empty());
    description
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|r| r["service_request_id"].as_str().expect("service_request_id").to_owned())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn discovery_in_json_and_xml() {
    let app = TestApp::new().await;
    let json = app.get("/open311/v2/discovery.json").await;
    assert_eq!(json.status, StatusCode::OK);
    let d = json.json();
    assert!(d["contact"].as_str().is_some_and(|c| c.contains("112")));
    let endpoint = &d["endpoints"][0];
    assert_eq!(endpoint["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert_eq!(endpoint["url"], "/open311/v2");
    assert_eq!(endpoint["formats"], json!(["application/json", "text/xml"]));

    let xml = app.get("/open311/v2/discovery.xml").await;
    assert_eq!(xml.status, StatusCode::OK);
    assert!(xml.header("content-type").is_some_and(|c| c.starts_with("text/xml")));
    let doc = parse_xml(&xml.text());
    assert_eq!(doc.name, "discovery");
    let endpoint = doc.child("endpoints").and_then(|e| e.child("endpoint")).expect("an endpoint");
    assert_eq!(endpoint.text_of("specification"), Some("http://wiki.open311.org/GeoReport_v2"));
    let formats: Vec<&str> =
        endpoint.child("formats").expect("formats").all("format").iter().map(|f| f.text.as_str()).collect();
    assert_eq!(formats, vec!["application/json", "text/xml"]);
}

#[tokio::test]
async fn services_list_every_category() {
    let app = TestApp::new().await;
    let categories = app.state.city.categories.len();
    let services = app.get("/open311/v2/services.json").await.json();
    let list = services.as_array().expect("a list");
    assert_eq!(list.len(), categories);
    let sampah = list.iter().find(|s| s["service_code"] == "sampah").expect("sampah");
    assert_eq!(sampah["service_name"], "Sampah menumpuk");
    assert_eq!(sampah["group"], "DLH");
    assert_eq!(sampah["type"], "realtime");
    assert_eq!(sampah["metadata"], true);
    assert!(sampah["keywords"].as_str().is_some_and(|k| k.contains("trash")));

    let english = Request::get("/open311/v2/services.json")
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(Body::empty())
        .expect("request");
    let english = app.send(english).await.json();
    let sampah = english.as_array().and_then(|l| l.iter().find(|s| s["service_code"] == "sampah")).expect("sampah");
    assert_eq!(sampah["service_name"], "Rubbish piling up");

    let xml = app.get("/open311/v2/services.xml").await;
    assert_eq!(xml.status, StatusCode::OK);
    let doc = parse_xml(&xml.text());
    assert_eq!(doc.name, "services");
    let items = doc.all("service");
    assert_eq!(items.len(), categories);
    assert!(items.iter().any(|s| s.text_of("service_code") == Some("kekerasan-anak")));
    assert_eq!(items[0].text_of("metadata"), Some("true"));
}

#[tokio::test]
async fn service_definitions() {
    let app = TestApp::new().await;
    let def = app.get("/open311/v2/services/sampah.json").await;
    assert_eq!(def.status, StatusCode::OK);
    let def = def.json();
    assert_eq!(def["service_code"], "sampah");
    // GeoReport v2 JSON: plain arrays, not the XML's nesting.
    let attributes = def["attributes"].as_array().expect("attributes is an array");
    let district = attributes.iter().find(|a| a["code"] == "district").expect("district attribute");
    assert_eq!(district["datatype"], "singlevaluelist");
    let values = district["values"].as_array().expect("values is an array");
    assert_eq!(values.len(), 8);
    assert!(values.contains(&json!({"key": "71.72.06", "name": "Girian"})));
    assert!(attributes.iter().any(|a| a["code"] == "anonymous"));

    let xml = app.get("/open311/v2/services/sampah.xml").await;
    let doc = parse_xml(&xml.text());
    assert_eq!(doc.name, "service_definition");
    assert_eq!(doc.text_of("service_code"), Some("sampah"));
    let attrs = doc.child("attributes").expect("attributes").all("attribute");
    assert_eq!(attrs.len(), 2);
    let district = attrs.iter().find(|a| a.text_of("code") == Some("district")).expect("district attribute");
    assert_eq!(district.child("values").expect("values").all("value").len(), 8, "XML keeps its nesting");

    let missing = app.get("/open311/v2/services/ufo.json").await;
    assert_open311_error(&missing, StatusCode::NOT_FOUND);
    let missing_xml = app.get("/open311/v2/services/ufo.xml").await;
    assert_eq!(missing_xml.status, StatusCode::NOT_FOUND);
    let doc = parse_xml(&missing_xml.text());
    assert_eq!(doc.name, "errors");
    assert_eq!(doc.child("error").and_then(|e| e.text_of("code")), Some("404"));
    assert_open311_error(&app.get("/open311/v2/services/sampah.csv").await, StatusCode::NOT_FOUND);
    assert_open311_error(&app.get("/open311/v2/nothing.json").await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn filing_a_request_with_an_api_key() {
    let app = TestApp::new().await;
    let key = app.add_api_key("dashboard-provinsi").await;
    let response = app
        .send(form(
            "/open311/v2/requests.json",
            &[
                ("api_key", &key),
                ("service_code", "pohon-tumbang"),
                ("lat", "1.4405"),
                ("long", "125.1612"),
                ("address_string", "Jl. Raya Girian"),
                ("description", "Pohon tumbang menutup jalan."),
                ("first_name", "Budi"),
                ("last_name", "Santoso"),
                ("phone", "0812 3456 7890"),
                ("email", "budi@contoh.id"),
                ("media_url", "https://example.org/foto.jpg"),
            ],
        ))
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let created = response.json();
    let item = &created[0];
    let id = item["service_request_id"].as_str().expect("id").to_owned();
    let token = item["token"].as_str().expect("token").to_owned();
    assert_eq!(token.len(), 64);
    assert!(item["service_notice"].as_str().is_some_and(|n| n.contains("media_url")), "remote media is not fetched");

    let t = app.get(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(t.status, StatusCode::OK);
    let t = t.json();
    assert_eq!(t["category"]["code"], "pohon-tumbang");
    assert_eq!(t["location"], json!({"lat": 1.4405, "lng": 125.1612}));
    let staff = app.get_as(&app.operator().await, &format!("/api/v1/staff/tickets/{id}")).await.json();
    assert_eq!(staff["source"], "open311:dashboard-provinsi");
    assert_eq!(staff["contact"], json!({"name": "Budi Santoso", "phone": "+6281234567890", "email": "budi@contoh.id"}));
    assert_eq!(staff["events"][0]["actor"], "open311:dashboard-provinsi");

    let by_token = app.get(&format!("/open311/v2/tokens/{token}.json")).await;
    assert_eq!(by_token.status, StatusCode::OK);
    assert_eq!(by_token.json(), json!([{"service_request_id": id, "token": token}]));
    assert_open311_error(&app.get(&format!("/open311/v2/tokens/{}.json", "f".repeat(64))).await, StatusCode::NOT_FOUND);
    assert_open311_error(&app.get("/open311/v2/tokens/kurz.json").await, StatusCode::NOT_FOUND);

    // A district and an address stand in for a map point; XML works too.
    let response = app
        .send(form(
            "/open311/v2/requests.xml",
            &[
                ("api_key", &key),
                ("service_code", "lampu-jalan"),
                ("attribute[district]", "71.72.07"),
                ("address_string", "Jl. Sam Ratulangi"),
                ("description", "Lampu jalan mati."),
            ],
        ))
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let doc = parse_xml(&response.text());
    assert_eq!(doc.name, "service_requests");
    let id = doc.child("request").and_then(|r| r.text_of("service_request_id")).expect("id").to_owned();
    assert_eq!(app.get(&format!("/api/v1/tickets/{id}")).await.json()["district"]["name"], "Maesa");
    assert_eq!(app.ticket_total().await, 2);
}

/// A valid filing form with `set` fields replaced or added and `remove` left out.
fn filing(key: Option<&str>, set: &[(&str, &str)], remove: &[&str]) -> Request<Body> {
    let mut fields: Vec<(&str, &str)> =
        vec![("service_code", "sampah"), ("lat", "1.4472"), ("long", "125.1978"), ("description", "Sampah.")];
    fields.retain(|(name, _)| !remove.contains(name) && !set.iter().any(|(k, _)| k == name));
    fields.extend_from_slice(set);
    if let Some(key) = key {
        fields.push(("api_key", key));
    }
    form("/open311/v2/requests.json", &fields)
}

#[tokio::test]
async fn filing_needs_a_valid_api_key() {
    let app = TestApp::new().await;
    app.add_api_key("dashboard").await;
    for key in [None, Some(""), Some("bukan-kunci")] {
        let response = app.send(filing(key, &[], &[])).await;
        assert_open311_error(&response, StatusCode::FORBIDDEN);
    }
    let xml = app
        .send(form("/open311/v2/requests.xml", &[("service_code", "sampah"), ("lat", "1.4472"), ("long", "125.1978")]))
        .await;
    assert_eq!(xml.status, StatusCode::FORBIDDEN);
    let doc = parse_xml(&xml.text());
    assert_eq!(doc.name, "errors");
    assert_eq!(doc.child("error").and_then(|e| e.text_of("code")), Some("403"));
    assert_eq!(app.ticket_total().await, 0, "nothing refused was stored");
}

#[tokio::test]
async fn filing_errors_name_the_open311_parameter() {
    let app = TestApp::new().await;
    let key = app.add_api_key("dashboard").await;
    let key = Some(key.as_str());
    // Errors name the parameter as the client sent it, not our field names.
    for (set, remove, expected) in [
        (vec![("service_code", "ufo")], vec![], "service_code: Kategori tidak dikenal."),
        (vec![("service_code", "")], vec![], "service_code: Wajib diisi."),
        (vec![("lat", "-6.2"), ("long", "106.8")], vec![], "lat: Lokasi di luar wilayah Kota Bitung."),
        (vec![("lat", "utara")], vec![], "lat: Koordinat lokasi tidak sah."),
        (vec![], vec!["long"], "long: Wajib diisi."),
        (vec![("phone", "123")], vec![], "phone: Nomor telepon tidak sah."),
        (vec![("email", "budi@")], vec![], "email: Alamat email tidak sah."),
        (vec![("attribute[district]", "99")], vec![], "attribute[district]: Kecamatan tidak dikenal."),
        (vec![("description", " ")], vec![], "description: Ceritakan apa yang terjadi."),
    ] {
        let response = app.send(filing(key, &set, &remove)).await;
        let description = assert_open311_error(&response, StatusCode::BAD_REQUEST);
        assert!(description.starts_with(expected), "{set:?} {remove:?}: {description}");
    }
    let json_body = crate::common::json_request(Method::POST, "/open311/v2/requests.json", &json!({"api_key": key}));
    assert_open311_error(&app.send(json_body).await, StatusCode::BAD_REQUEST);
    assert_eq!(app.ticket_total().await, 0, "nothing refused was stored");
}

fn report(category: &str) -> Value {
    let mut r = valid_report();
    r["category"] = json!(category);
    r
}

/// Five tickets to list: one 100 days old, three recent (one of them closed)
/// and, newest of all, a confidential case.
struct Listing {
    app: TestApp,
    old: String,
    sampah: String,
    banjir: String,
    lampu: String,
    confidential: String,
}

impl Listing {
    async fn new() -> Self {
        let app = TestApp::new().await;
        let old = app.insert_ticket_at(&report("sampah"), now_millis() - 100 * DAY_MS).await;
        // Lists are newest first by the millisecond of creation, ties by
        // code: a pause between reports keeps their order the creation order.
        let pause = || tokio::time::sleep(std::time::Duration::from_millis(3));
        let sampah = app.create_report(&report("sampah")).await;
        pause().await;
        let banjir = app.create_report(&report("banjir")).await;
        pause().await;
        let lampu = app.create_report(&report("lampu-jalan")).await;
        app.move_ticket(&banjir, &json!({"status": "rejected", "public_note": "Sudah surut."})).await;
        pause().await;
        let confidential = app.create_report(&report("kekerasan-anak")).await;
        Self { app, old, sampah, banjir, lampu, confidential }
    }

    /// The ids `requests.json` lists for `query`.
    async fn ids(&self, query: &str) -> Vec<String> {
        let response = self.app.get(&format!("/open311/v2/requests.json{query}")).await;
        assert_eq!(response.status, StatusCode::OK, "{query}: {}", response.text());
        ids(&response.json())
    }

    /// `days_ago` as an RFC 3339 query value.
    fn day(&self, days_ago: i64) -> String {
        encode(&format_time(&self.app.state.city, now_millis() - days_ago * DAY_MS))
    }
}

#[tokio::test]
async fn listing_requests_with_filters() {
    let l = Listing::new().await;
    let (old, sampah, banjir, lampu) = (l.old.as_str(), l.sampah.as_str(), l.banjir.as_str(), l.lampu.as_str());

    // By default: the last 90 days, newest first, no confidential case.
    assert_eq!(l.ids("").await, [lampu, banjir, sampah]);
    // By id, dates do not matter.
    let by_id = l.ids(&format!("?service_request_id={sampah},{old}")).await;
    assert_eq!(sorted(by_id), sorted(vec![sampah.to_owned(), old.to_owned()]));
    assert_eq!(l.ids("?service_code=sampah").await, [sampah]);
    assert_eq!(l.ids("?service_code=sampah,banjir").await, [banjir, sampah]);
    assert_eq!(l.ids("?status=open").await, [lampu, sampah]);
    assert_eq!(l.ids("?status=closed").await, [banjir]);
    assert_eq!(l.ids("?status=open,closed").await.len(), 3);

    let (from, to) = (l.day(110), l.day(95));
    assert_eq!(l.ids(&format!("?start_date={from}&end_date={to}")).await, [old]);
    assert_eq!(l.ids(&format!("?start_date={}", l.day(200))).await.len(), 4);
    assert!(l.ids(&format!("?end_date={}", l.day(1))).await.is_empty());

    let xml = l.app.get("/open311/v2/requests.xml?status=closed").await;
    let doc = parse_xml(&xml.text());
    assert_eq!(doc.name, "service_requests");
    let requests = doc.all("request");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].text_of("service_request_id"), Some(banjir));
    assert_eq!(requests[0].text_of("status"), Some("closed"));
    assert_eq!(requests[0].text_of("status_notes"), Some("Sudah surut."));
}

#[tokio::test]
async fn listing_pages_come_out_full() {
    let l = Listing::new().await;
    let (sampah, banjir, lampu) = (l.sampah.as_str(), l.banjir.as_str(), l.lampu.as_str());

    // Pages hold public requests only, so none comes out short or empty
    // (the newest ticket, a confidential one, is not on them).
    let mut paged = Vec::new();
    for page in 1..=3 {
        let ids = l.ids(&format!("?page={page}&page_size=1")).await;
        assert_eq!(ids.len(), 1, "page {page}");
        paged.extend(ids);
    }
    assert_eq!(paged, [lampu, banjir, sampah]);
    assert!(l.ids("?page=4&page_size=1").await.is_empty());
    assert_eq!(l.ids("?service_code=sampah,banjir&page=1&page_size=1").await, [banjir]);
    assert_eq!(l.ids("?service_code=sampah,banjir&page=2&page_size=1").await, [sampah]);

    // Asked for by its code, a confidential case shows its status only.
    let response = l.app.get(&format!("/open311/v2/requests.json?service_request_id={}", l.confidential)).await;
    let by_id = response.json();
    assert_eq!(ids(&by_id), [l.confidential.as_str()]);
    assert!(by_id[0].get("service_code").is_none() && by_id[0].get("description").is_none(), "{by_id}");
}

#[tokio::test]
async fn listing_refuses_bad_filters() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    for query in [
        "status=pending".to_owned(),
        "start_date=kemarin".to_owned(),
        "end_date=2026-13-01".to_owned(),
        "service_code=ufo".to_owned(),
        "page_size=0".to_owned(),
        "page_size=1001".to_owned(),
        "page=x".to_owned(),
        format!("service_request_id={}", crate::common::with_typo(&code)),
        "service_request_id=abc".to_owned(),
    ] {
        let response = app.get(&format!("/open311/v2/requests.json?{query}")).await;
        assert_open311_error(&response, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn one_request_by_id() {
    let app = TestApp::new().await;
    let request = crate::common::Multipart::new()
        .json(
            "report",
            &json!({
                "category": "sampah",
                "description": "Sampah di pasar.",
                "location": {"lat": 1.4472, "lng": 125.1978},
                "district": "71.72.06",
                "address": "Pasar Girian",
            }),
        )
        .file("photo", "a.jpg", "image/jpeg", &crate::common::jpeg(32, 32))
        .request("/api/v1/reports");
    let created = app.send(request).await.json();
    let code = created["code"].as_str().expect("code").to_owned();
    let photo = created["ticket"]["photos"][0].as_str().expect("photo").to_owned();

    let r = app.get(&format!("/open311/v2/requests/{code}.json")).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = r.json();
    let item = &r[0];
    assert_eq!(item["service_request_id"], code.as_str());
    assert_eq!(item["status"], "open");
    assert_eq!(item["status_notes"], "Diterima", "without a note, the status label");
    assert_eq!(item["service_code"], "sampah");
    assert_eq!(item["service_name"], "Sampah menumpuk");
    assert_eq!(item["agency_responsible"], "Dinas Lingkungan Hidup");
    assert_eq!((item["lat"].clone(), item["long"].clone()), (json!(1.4472), json!(125.1978)));
    assert!(item["requested_datetime"].as_str().is_some_and(|t| t.ends_with("+08:00")));
    // What the citizen wrote and photographed is public once staff verified it, as on the map.
    assert_eq!((item.get("description"), item.get("media_url")), (None, None), "{item}");
    assert_eq!(item["address"], "Kec. Girian");

    app.move_ticket(&code, &json!({"status": "verified", "public_note": "Dicek petugas."})).await;
    app.move_ticket(&code, &json!({"internal_note": "catatan dalam"})).await;
    let item = app.get(&format!("/open311/v2/requests/{code}.json")).await.json()[0].clone();
    assert_eq!(item["description"], "Sampah di pasar.");
    assert_eq!(item["address"], "Pasar Girian, Kec. Girian");
    assert_eq!(item["media_url"], photo.as_str());
    assert_eq!(item["status_notes"], "Dicek petugas.", "the latest public note");
    for status in ["assigned", "in_progress", "resolved"] {
        app.move_ticket(&code, &json!({"status": status})).await;
    }
    let english = Request::get(format!("/open311/v2/requests/{code}.json"))
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(Body::empty())
        .expect("request");
    let item = app.send(english).await.json()[0].clone();
    assert_eq!(item["status"], "closed", "resolved counts as closed");
    assert_eq!(item["agency_responsible"], "Environment Office");

    let xml = app.get(&format!("/open311/v2/requests/{code}.xml")).await;
    let doc = parse_xml(&xml.text());
    let request = doc.child("request").expect("request");
    assert_eq!(request.text_of("service_request_id"), Some(code.as_str()));
    assert_eq!(request.text_of("status"), Some("closed"));
    assert_eq!(request.text_of("status_notes"), Some("Dicek petugas."));
    assert_eq!(request.text_of("agency_responsible"), Some("Dinas Lingkungan Hidup"));
}

#[tokio::test]
async fn unknown_and_mistyped_request_ids() {
    let app = TestApp::new().await;
    let code = app.create_report(&valid_report()).await;
    let unknown = crate::common::random_code();
    let response = app.get(&format!("/open311/v2/requests/{unknown}.json")).await;
    let body = assert_open311_error(&response, StatusCode::NOT_FOUND);
    assert_eq!(body, "Tidak ada tiket dengan kode ini.");
    let english = Request::get(format!("/open311/v2/requests/{unknown}.json"))
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(Body::empty())
        .expect("request");
    let body = assert_open311_error(&app.send(english).await, StatusCode::NOT_FOUND);
    assert_eq!(body, "There is no ticket with this code.");
    let typo = format!("/open311/v2/requests/{}.json", crate::common::with_typo(&code));
    let body = assert_open311_error(&app.get(&typo).await, StatusCode::BAD_REQUEST);
    assert!(body.starts_with("service_request_id: Kode tiket ini sepertinya salah ketik."), "{body}");
    assert_open311_error(&app.get("/open311/v2/requests/xyz.json").await, StatusCode::BAD_REQUEST);
    let missing_xml = app.get(&format!("/open311/v2/requests/{unknown}.xml")).await;
    assert_eq!(missing_xml.status, StatusCode::NOT_FOUND);
    let doc = parse_xml(&missing_xml.text());
    assert_eq!(doc.name, "errors");
    assert_eq!(doc.child("error").and_then(|e| e.text_of("code")), Some("404"));
}

#[tokio::test]
async fn filing_is_rate_limited_like_reports() {
    let app = TestApp::with_settings(|s| {
        s.report_rate_per_minute = 1;
        s.trust_proxy = true;
    })
    .await;
    let key = app.add_api_key("dashboard").await;
    let post = || {
        let mut r = form(
            "/open311/v2/requests.json",
            &[
                ("api_key", &key),
                ("service_code", "sampah"),
                ("lat", "1.4472"),
                ("long", "125.1978"),
                ("description", "x"),
            ],
        );
        r.headers_mut().insert("x-forwarded-for", "198.51.100.7".parse().expect("header"));
        r
    };
    assert_eq!(app.send(post()).await.status, StatusCode::CREATED);
    let limited = app.send(post()).await;
    assert_open311_error(&limited, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn citizens_words_survive_xml_and_anonymity_is_kept() {
    let app = TestApp::new().await;
    let key = app.add_api_key("dashboard").await;
    let words = "Air & listrik <mati> \"lagi\" di RT 03/04 — sejak pagi ' ]]>";
    let response = app
        .send(form(
            "/open311/v2/requests.json",
            &[
                ("api_key", &key),
                ("service_code", "air-bersih"),
                ("lat", "1.4472"),
                ("long", "125.1978"),
                ("description", words),
                ("address_string", "Gang <Mawar> & Melati"),
                ("attribute[anonymous]", "true"),
                ("first_name", "Budi"),
                ("phone", "0812 3456 7890"),
            ],
        ))
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let id = response.json()[0]["service_request_id"].as_str().expect("id").to_owned();
    // The words are public once staff verified the report.
    app.move_ticket(&id, &json!({"status": "verified"})).await;

    let xml = app.get(&format!("/open311/v2/requests/{id}.xml")).await;
    let doc = parse_xml(&xml.text());
    let request = doc.child("request").expect("request");
    assert_eq!(request.text_of("description"), Some(words));
    assert_eq!(request.text_of("address"), Some("Gang <Mawar> & Melati"));
    let listed = parse_xml(&app.get("/open311/v2/requests.xml").await.text());
    assert_eq!(listed.all("request").len(), 1);
    assert_eq!(app.get(&format!("/open311/v2/requests/{id}.json")).await.json()[0]["description"], words);

    let staff = app.get_as(&app.operator().await, &format!("/api/v1/staff/tickets/{id}")).await.json();
    assert_eq!(staff["anonymous"], true);
    assert!(staff.get("contact").is_none(), "{staff}");
}
